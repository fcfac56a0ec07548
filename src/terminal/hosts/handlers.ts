/**
 * The handler map: the one door to the ledger for every carrier (the WebSocket host now; Electron
 * IPC, the POS API and the CLI later). A request's `args` are validated by its method's schema from
 * src/contract before its handler runs; every refusal becomes a typed error reply; a fault of Tally
 * itself becomes `internal`, logged on the host's stderr with its stack, never sent to the client.
 *
 * Requests run one at a time, in the order they arrived, whichever carrier or connection they came
 * from: the service is not re-entrant (a spend's gate is per-service state, see `spending`), and a
 * cashier's two screens must see their commands applied in the order they were sent.
 */
import { isTallyError, TallyError } from '../../core/errors.js';
import { formatIssues } from '../../core/validation.js';
import { errorReply, isMethodName, METHODS, type MethodArgs, type MethodName, type Reply, type Request } from '../../contract/messages.js';
import { environmentError } from '../ledger/environment-errors.js';
import type { LoyaltyService } from '../loyalty-service.js';
import { authoriseSpend, runAuthorised, type AuthorisedSpend } from '../sync/spending.js';
import { FileSecretStore, secretsDirFor } from '../trust/secret-store.js';

type SpendPreview = Parameters<LoyaltyService['spendPreview']>[0];

export interface HandlerOptions {
  /** Where faults of Tally itself are logged, with their stack (the host's stderr). */
  readonly log?: (line: string) => void;
  /**
   * Takes a hold (or the offline budget) before a spend at a terminal enrolled with a server, as
   * the CLI does. Default: `authoriseSpend` with the ledger's own secret store. Not enrolled: a no-op.
   */
  readonly authorise?: (service: LoyaltyService, preview: SpendPreview) => Promise<AuthorisedSpend>;
  /** Called after a request booked something new (the host nudges its background sync). */
  readonly onBooked?: () => void;
}

/** Methods that only read: nothing to sync after them. */
const READ_ONLY: ReadonlySet<MethodName> = new Set(['member-lookup', 'quote', 'history', 'verify']);

type Handlers = { readonly [M in MethodName]: (args: MethodArgs<M>) => unknown };

export class HandlerMap {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly handlers: Handlers;
  private readonly log: (line: string) => void;
  private readonly onBooked: () => void;
  private readonly authorise: NonNullable<HandlerOptions['authorise']>;

  constructor(
    private readonly service: LoyaltyService,
    options: HandlerOptions = {},
  ) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.onBooked = options.onBooked ?? (() => undefined);
    this.authorise = options.authorise ?? ((s, preview) => authoriseSpend(s, preview, { secrets: new FileSecretStore(secretsDirFor(s.ledger.path)) }));
    const s = service;
    this.handlers = {
      'member-lookup': (a) => s.member(a.card),
      quote: (a) => s.quote(a),
      'checkout-commit': (a) => this.spending({ kind: 'checkout', args: a }, () => s.checkout(a)),
      'return-commit': (a) => this.spending({ kind: 'return', args: a }, () => s.returnSale(a)),
      enrol: (a) => s.enrol(a),
      action: (a) => s.action(a),
      donate: (a) => this.spending({ kind: 'donation', args: a }, () => s.donate(a)),
      'membership-sale': (a) => s.sellMembership(a),
      adjust: (a) => s.adjust(a),
      history: (a) => s.history(a.card, a.limit),
      verify: () => s.verify(),
    };
  }

  /** Runs one request after every earlier one; resolves with its reply, never rejects. */
  handle(request: Request): Promise<Reply> {
    const run = this.tail.then(() => this.execute(request));
    this.tail = run;
    return run;
  }

  /** Refuses new requests and waits for the ones already queued (the host closes the ledger after this). */
  async drain(): Promise<void> {
    this.closed = true;
    await this.tail;
  }

  private async execute({ id, name: method, args }: Request): Promise<Reply> {
    if (this.closed) return errorReply(id, 'busy', 'The terminal host is shutting down: nothing was done; send it again when it is back', { retryable: true });
    if (!isMethodName(method)) return errorReply(id, 'unknown-method', `Unknown method "${method.slice(0, 64)}"; the methods are: ${Object.keys(METHODS).join(', ')}`);
    try {
      const result = await this.run(method, args);
      const replayed = typeof result === 'object' && result !== null && 'replayed' in result && result.replayed === true;
      if (!READ_ONLY.has(method) && !replayed) this.onBooked();
      return { type: 'reply', id, result };
    } catch (error) {
      // A refusal (bad input, an unknown card, too few points) or a fault of the machine (busy, disk
      // full): the command's transaction rolled back, and the cashier gets a line to act on.
      const refusal = isTallyError(error) ? error : environmentError(error, this.service.ledger.path);
      if (refusal) return errorReply(id, refusal.code, refusal.message, refusal.details);
      // A bug: the client learns only that it happened (a stack trace is no use to a cashier and
      // tells a hostile page about the machine); the host's log gets everything.
      this.log(`tally host: unexpected error in ${method} (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return errorReply(id, 'internal', `Unexpected error in the terminal host while running ${method}; it was logged. Check the member's history before trying again.`);
    }
  }

  private async run<M extends MethodName>(method: M, args: unknown): Promise<unknown> {
    const parsed = METHODS[method].safeParse(args);
    if (!parsed.success) {
      const problems = formatIssues(parsed.error.issues, method);
      throw new TallyError('invalid-input', problems.join('; '), { problems });
    }
    // The map is typed per method; indexing it by a generic key loses the link between M's handler
    // and M's arguments, which the schema lookup above has just established.
    const handler = this.handlers[method] as (a: MethodArgs<M>) => unknown;
    return handler(parsed.data as MethodArgs<M>);
  }

  /**
   * A command that may spend points: at an enrolled terminal a hold (or the offline budget) first,
   * then the command, then the hold is posted or given back, as the CLI does (cli/main.ts).
   * Hazard: the gate is state of the one long-lived service. It is cleared afterwards, or a later
   * quote for the same member would still draw only the lots this hold reserved.
   */
  private async spending<R extends { readonly replayed: boolean }>(preview: SpendPreview, command: () => R): Promise<R> {
    try {
      return await runAuthorised(await this.authorise(this.service, preview), command);
    } finally {
      this.service.useSpendingGate(undefined);
    }
  }
}

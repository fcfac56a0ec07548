/**
 * The handler map: the one door to the ledger for every carrier (the WebSocket host and the CLI's
 * own process now; Electron IPC and the POS API later). A request's `args` are validated by its method's schema from
 * src/contract before its handler runs; every refusal becomes a typed error reply; a fault of Tally
 * itself becomes `internal`, logged on the host's stderr with its stack, never sent to the client.
 *
 * Requests run one at a time, in the order they arrived, whichever carrier or connection they came
 * from: the service is not re-entrant (a spend's gate is per-service state, see `spending`), and a
 * cashier's two screens must see their commands applied in the order they were sent.
 */
import { isTallyError, TallyError } from '../../core/errors.js';
import { formatIssues } from '../../core/validation.js';
import { errorReply, isMethodName, METHODS, type DeviceStates, type MethodArgs, type MethodArgsInput, type MethodName, type Reply, type Request, type ScannedCode, type SyncState } from '../../contract/messages.js';
import type { MethodResult } from '../../contract/results.js';
import { environmentError } from '../ledger/environment-errors.js';
import type { LoyaltyService } from '../loyalty-service.js';
import { authoriseSpend, runAuthorised, type AuthorisedSpend } from '../sync/spending.js';
import { canPrint } from '../../core/escpos/status.js';
import { testSlip } from '../../core/receipt/slip.js';
import { terminalFigures } from '../ledger/figures.js';
import { readProgramFile } from '../ledger/ledger.js';
import { programInForce } from '../ledger/program-in-force.js';
import type { PrinterConfig } from '../printing/printers.js';
import type { Printing } from '../printing/printing.js';
import { isProfileId, PRINTER_PROFILES, PROFILE_IDS } from '../printing/profiles.js';
import { slipForTransaction } from '../printing/reprint.js';
import { PrinterError } from '../printing/types.js';
import { ManagerRoster } from '../trust/managers.js';
import { FileSecretStore, secretsDirFor } from '../trust/secret-store.js';
import { ManagerSessions } from './manager-sessions.js';
import { scannedCode } from './scanned-code.js';
import { terminalInfo } from './terminal-info.js';
import { defaultBackupDir, endOfDay, eodSlip } from '../sync/eod.js';
import { syncNow, type SyncOutcome } from '../sync/sync.js';
import { IDLE_VIEW, type CustomerView } from '../../contract/customer-view.js';
import { KioskThrottle, kioskMember } from './kiosk-member.js';

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
  /** The real time, for manager sessions' idle timeout (tests). Default: Date.now. */
  readonly wallClock?: () => number;
  /**
   * The caller is whoever runs `tally` on this machine with the ledger file in reach (the CLI): they
   * may set a manager's PIN without a session, so that a store whose last manager is locked out is
   * not stuck. Never set for a carrier (a page, the POS): the file's owner already has this power.
   */
  readonly localOperator?: boolean;
  /** The printing stack (printers, queue): the host's, or the CLI's for its own process. Without it the printing methods say so. */
  readonly printing?: Printing;
  /**
   * A scan from outside the host (`scan-arrived`): the host pushes it to its screens; what they
   * were sent is the reply. Default: the parser's verdict, pushed nowhere.
   */
  readonly onExternalScan?: (code: string) => ScannedCode;
  /** The scanners' and printers' states (`device-states`); default: none. */
  readonly deviceStates?: () => DeviceStates;
  /** The background sync's state now (the host's), for a screen that connects between two runs. Default: not enrolled (null). */
  readonly syncState?: () => SyncState | null;
  /** How a refusal from the machine (busy, disk full) names the ledger: the CLI says the path as it was typed. Default: its full path. */
  readonly ledgerName?: string;
  /**
   * A sync now (`sync-run`, and end of day's): the host runs it as its background sync's next run,
   * so two never overlap. Default: a sync of this process's own (the CLI's).
   */
  readonly runSync?: () => Promise<SyncOutcome>;
  /** A new customer view (`customer-view-show`): the host pushes it to the counter's screens. Default: nowhere. */
  readonly onCustomerView?: (view: CustomerView) => void;
}

/** Methods that book nothing (they read, or change only this terminal's own settings): nothing to sync after them. */
const NOTHING_TO_SYNC: ReadonlySet<MethodName> = new Set([
  'member-lookup', 'quote', 'history', 'verify',
  'manager-status', 'manager-login', 'manager-logout', 'manager-list', 'manager-add', 'manager-set-pin', 'manager-remove',
  'printer-list', 'printer-save', 'printer-enable', 'printer-status', 'printer-test', 'print-queue', 'print-cancel', 'print-reprint', 'program-install',
  'member-search', 'terminal-figures', 'scan-arrived', 'device-states', 'terminal-info', 'sync-state', 'setup-status', 'setup-create',
  'member-summary', 'print-preview',
  'sync-run', 'end-of-day',
  'customer-view-show', 'customer-view-current', 'kiosk-member',
  'program-current',
]);

/**
 * Methods that wait on a device, not the ledger: they run beside the queue, so a printer that takes
 * its full timeout to answer a manager's status check never holds up a cashier's checkout.
 */
const BESIDE_THE_QUEUE: ReadonlySet<string> = new Set(['printer-status',
  // A sync waits on the server, as the host's background runs do beside the queue; end of day's
  // ledger work (check, figures, backup) is synchronous, so no request lands in the middle of it.
  'sync-run', 'end-of-day']);

/**
 * Methods that need a manager's session once the terminal has a manager (before that, roles have
 * not started and anyone at the counter may run them). `manager-add` and `manager-set-pin` decide
 * for themselves: the first manager needs no session, and a manager who knows their current PIN
 * changes it without one.
 */
const MANAGER_ONLY: ReadonlySet<MethodName> = new Set([
  'adjust', 'manager-list', 'manager-remove', 'printer-save', 'printer-enable', 'print-cancel', 'program-install', 'member-search', 'member-erase', 'terminal-figures',
  'end-of-day',
  'program-current',
]);

/**
 * What a refusal of a method's arguments calls them: the word the service uses for the same
 * command ("member: birthday: …"), so a cashier reads the same error whichever door it came in by.
 */
const ARGS_NAMED: Partial<Readonly<Record<MethodName, string>>> = {
  enrol: 'member', 'member-update': 'member', 'member-set-pin': 'member', 'member-erase': 'member',
  'checkout-commit': 'checkout', 'return-commit': 'return', donate: 'donation', 'membership-sale': 'membership', adjust: 'adjustment',
};

/** Who sent a request: the manager its session names, if any. */
interface Caller {
  readonly managerId: string | null;
  readonly session: string | undefined;
}

/** Each handler answers with (at least) what src/contract/results.ts says its method's reply carries. */
type Handlers = { readonly [M in MethodName]: (args: MethodArgs<M>, caller: Caller) => MethodResult<M> | Promise<MethodResult<M>> };

export class HandlerMap {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly handlers: Handlers;
  private readonly log: (line: string) => void;
  private readonly onBooked: () => void;
  private readonly authorise: NonNullable<HandlerOptions['authorise']>;
  private readonly managers: ManagerRoster;
  private readonly sessions: ManagerSessions;
  private readonly localOperator: boolean;
  private readonly printing: Printing | null;
  private readonly ledgerName: string | undefined;
  /** Requests queued or running. */
  private inFlight = 0;
  private readonly activity = new Set<() => void>();
  /** What the customer display shows now: kept in memory only (a restart starts idle). */
  private customerView: CustomerView = IDLE_VIEW;
  /** Card numbers tried at a kiosk that were nobody's: a run of them pauses the kiosk's look-ups. */
  private readonly kioskThrottle: KioskThrottle;

  constructor(
    private readonly service: LoyaltyService,
    options: HandlerOptions = {},
  ) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.onBooked = options.onBooked ?? (() => undefined);
    const syncState = options.syncState ?? (() => null);
    const s = service;
    const secrets = (): FileSecretStore => new FileSecretStore(secretsDirFor(s.ledger.path));
    this.authorise = options.authorise ?? ((svc, preview) => authoriseSpend(svc, preview, { secrets: secrets() }));
    const wallClock = options.wallClock ?? Date.now;
    this.kioskThrottle = new KioskThrottle(wallClock);
    const runSync = options.runSync ?? (() => syncNow(s.ledger, secrets(), { now: wallClock }));
    this.managers = new ManagerRoster(service.ledger, wallClock);
    this.sessions = new ManagerSessions(wallClock);
    this.localOperator = options.localOperator === true;
    this.printing = options.printing ?? null;
    this.ledgerName = options.ledgerName;
    this.handlers = {
      'member-lookup': (a) => s.member(a.card),
      quote: (a) => s.quote(a),
      'checkout-commit': (a) => this.spending({ kind: 'checkout', args: a }, () => s.checkout(a)),
      'return-commit': (a) => this.spending({ kind: 'return', args: a }, () => s.returnSale(a)),
      enrol: (a) => s.enrol(a),
      action: (a) => s.action(a),
      donate: (a) => this.spending({ kind: 'donation', args: a }, () => s.donate(a)),
      'membership-sale': (a) => s.sellMembership(a),
      // The manager's id goes on the entry they authorised, whatever the page said.
      adjust: (a, caller) => s.adjust(caller.managerId === null ? a : { ...a, cashier: `manager:${caller.managerId}` }),
      history: (a) => s.history(a.card, a.limit),
      verify: () => s.verify(),
      'manager-status': (_a, caller) => {
        const manager = caller.managerId === null ? null : this.managers.get(caller.managerId);
        return { managers: this.managers.activeCount(), manager: manager === null ? null : { id: manager.id, name: manager.name } };
      },
      'manager-login': (a) => {
        const manager = this.managers.verify(a.managerId, a.pin);
        const session = this.sessions.open(manager.id);
        return { session: session.token, expiresAt: session.expiresAt, manager: { id: manager.id, name: manager.name } };
      },
      'manager-logout': (_a, caller) => {
        if (caller.session !== undefined) this.sessions.close(caller.session);
        return { loggedOut: caller.session !== undefined };
      },
      'manager-list': () => ({ managers: this.managers.list() }),
      'manager-add': (a, caller) => {
        if (caller.managerId === null && this.managers.activeCount() > 0) throw managerRequired('manager-add');
        return { manager: this.managers.add({ id: a.managerId, name: a.name, pin: a.pin }, caller.managerId) };
      },
      'manager-set-pin': (a, caller) => {
        if (a.currentPin !== undefined) this.managers.verify(a.managerId, a.currentPin);
        else if (caller.managerId === null && !this.localOperator) throw new TallyError('manager-required', `Setting manager ${a.managerId}'s PIN needs their current PIN, or another manager logged in`);
        else if (caller.managerId === a.managerId) throw new TallyError('proof-refused', 'Changing your own PIN needs your current PIN');
        const manager = this.managers.setPin(a.managerId, a.pin);
        // Whoever knew the old PIN is logged out with it.
        this.sessions.closeFor(a.managerId);
        return { manager };
      },
      'manager-remove': (a) => {
        const manager = this.managers.remove(a.managerId);
        this.sessions.closeFor(a.managerId);
        return { manager };
      },
      // The profiles too: the manager screen offers them when a printer is added.
      'printer-list': () => ({ printers: this.printers().printers.list(), profiles: PROFILE_IDS.map((id) => ({ id, name: PRINTER_PROFILES[id].name })) }),
      'printer-save': (a) => {
        if (!isProfileId(a.profileId)) throw new TallyError('invalid-input', `Unknown printer profile "${a.profileId}" (known: ${PROFILE_IDS.join(', ')})`);
        return { printer: this.printers().printers.save({ id: a.id, transport: a.transport, profileId: a.profileId, language: a.language, ...(a.enabled !== undefined ? { enabled: a.enabled } : {}) }, s.now()) };
      },
      'printer-enable': (a) => {
        this.printers().printers.setEnabled(a.id, a.enabled, s.now());
        return { id: a.id, enabled: a.enabled };
      },
      'printer-status': async (a) => {
        const printer = this.pickPrinter(a.id);
        try {
          const status = await this.printers().transportFor(printer).status(printer.transport.timeoutMs);
          return { printerId: printer.id, status, ready: status === null || canPrint(status) };
        } catch (error) {
          if (error instanceof PrinterError) throw new TallyError('invalid-input', `Printer ${printer.id}: ${error.message}`, { printerId: printer.id });
          throw error;
        }
      },
      'printer-test': (a) => {
        const printer = this.pickPrinter(a.id);
        const now = s.now();
        const { storeId, terminalId } = s.ledger.terminal;
        return { job: this.printers().queue.enqueue(printer.id, testSlip(now, storeId, terminalId, s.ledger.program.currency), { kind: 'test', now }) };
      },
      'print-queue': (a) => ({ jobs: this.printers().queue.list(a.limit ?? 50).map(({ slip, ...job }) => ({ ...job, txnId: slip.txnId, slipKind: slip.kind })) }),
      'print-cancel': (a, caller) => {
        const job = this.printers().queue.cancel(a.job, caller.managerId === null ? 'manager' : `manager:${caller.managerId}`, s.now());
        return { id: job.id, state: job.state };
      },
      'print-reprint': (a) => {
        const printing = this.printers();
        const printer = printing.printers.receiptPrinter();
        if (!printer) throw new TallyError('invalid-input', 'No printer configured: add one first (tally printer add, or the manager screen)');
        const now = s.now();
        const { slip, transactionId } = slipForTransaction(s.ledger, (id) => s.summary(id), printing, a.kind, a.txnId, a.terminal);
        const original = printing.queue.latestForTransaction(transactionId);
        const job = s.ledger.transaction(() => printing.queue.enqueue(printer.id, slip, { kind: 'reprint', transactionId, reprintOf: original?.id ?? null, now }));
        return { job, txnId: slip.txnId };
      },
      'program-install': (a) => s.installProgram(readProgramFile(a.document, a.source ?? 'the program'), a.pinKeys),
      'member-search': (a) => ({ members: s.searchMembers(a.query, a.limit ?? 20) }),
      'member-update': (a) => s.updateMember(a),
      'member-set-pin': (a, caller) => {
        // A manager resets a PIN in their own name; a typed-in name is no proof once the terminal has managers.
        if (caller.managerId !== null) return s.setPin({ ...a, manager: caller.managerId });
        if (a.manager !== undefined && this.managers.activeCount() > 0) throw managerRequired('member-set-pin');
        return s.setPin(a);
      },
      'member-erase': (a, caller) => s.eraseMember(caller.managerId === null ? a : { ...a, by: `manager:${caller.managerId}` }),
      'terminal-figures': (a) => terminalFigures(s.ledger, { days: a.days, through: a.through, now: s.now() }),
      'scan-arrived': (a) => (options.onExternalScan ?? ((code) => scannedCode(s, { source: 'cli', device: null, text: code, at: Date.now() })))(a.code),
      'device-states': () => options.deviceStates?.() ?? { scanners: [], printers: [] },
      'terminal-info': () => terminalInfo(s),
      'sync-state': () => syncState(),
      'setup-status': () => ({ configured: true, examplePrograms: [], timeZone: s.ledger.terminal.timeZone }),
      'setup-create': () => {
        throw new TallyError('already-initialised', 'This terminal is already set up: nothing was changed');
      },
      'member-summary': (a) => s.summary(a.memberId),
      'print-preview': (a) => {
        const printing = this.printers();
        const printer = printing.printers.receiptPrinter();
        const { slip } = slipForTransaction(s.ledger, (id) => s.summary(id), printing, a.kind, a.txnId, a.terminal);
        return { txnId: slip.txnId, svg: printing.svg(slip, printer, a.lang ?? printer?.language ?? 'en') };
      },
      'sync-run': async () => {
        const r = await runSync();
        return {
          acknowledged: r.push.acknowledged,
          remaining: r.push.remaining,
          conflicts: r.push.conflicts.length,
          pulledMembers: r.pull.members,
          pulledTransfers: r.pull.transfers,
          state: syncState(),
        };
      },
      'end-of-day': async (a) => {
        const outcome = await endOfDay(s.ledger, secrets(), { ...(a.day !== undefined ? { day: a.day } : {}), clock: () => s.now(), wallClock, backupDir: defaultBackupDir(s.ledger.path), sync: runSync });
        // Printed like `tally eod --print`, from what was just reported; a terminal without a printer still gets the report on screen.
        const printer = a.print && this.printing !== null ? this.printing.printers.receiptPrinter() : undefined;
        if (printer === undefined || this.printing === null) return { ...outcome, slip: null };
        const queue = this.printing.queue;
        const now = s.now();
        const job = s.ledger.transaction(() => queue.enqueue(printer.id, eodSlip(outcome, s.ledger, now), { now }));
        return { ...outcome, slip: { job, printerId: printer.id } };
      },
      'customer-view-show': (a) => {
        this.customerView = a.view;
        options.onCustomerView?.(a.view);
        return { shown: a.view.state };
      },
      'customer-view-current': () => this.customerView,
      'kiosk-member': (a) => this.kioskThrottle.run(() => kioskMember(s, a.card)),
      'program-current': () => programInForce(s.ledger),
    };
  }

  /** Runs one request after every earlier one (a device's check beside them); resolves with its reply, never rejects. */
  handle(request: Request): Promise<Reply> {
    this.inFlight += 1;
    this.notify();
    // A device's check runs beside the queue; one turn of the event loop before each queued request,
    // so that a client sending requests back to back does not starve the host's own work (the print
    // worker's socket, sync's timers) of I/O.
    const beside = BESIDE_THE_QUEUE.has(request.name);
    const run = beside ? this.execute(request) : this.tail.then(nextTurn).then(() => this.execute(request));
    if (!beside) this.tail = run;
    return run.then((reply) => {
      this.inFlight -= 1;
      this.notify();
      return reply;
    });
  }

  /** Requests queued or running now (0: the counter is quiet). */
  get pending(): number {
    return this.inFlight;
  }

  /** Calls `listener` whenever a request is queued or finishes (the idle checkpoint's quiet time starts again); returns its removal. */
  onActivity(listener: () => void): () => void {
    this.activity.add(listener);
    return () => this.activity.delete(listener);
  }

  private notify(): void {
    for (const listener of [...this.activity]) listener();
  }

  /**
   * Runs a task of the host's own (an idle checkpoint, a batch of periodic bookings) in the queue
   * requests run in: never during a request, and a request that arrives meanwhile waits its turn.
   * Resolves with what the task returned, rejects with what it threw; refused once the map drains.
   */
  exclusive<T>(task: () => T | Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new TallyError('busy', 'The terminal host is shutting down'));
    const run = this.tail.then(task);
    // The queue goes on after a task that failed; the task's caller gets the failure.
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * One request from inside this process (the CLI): its result, or the refusal thrown as the
   * TallyError it was. A fault of Tally is thrown as `internal`'s message (already logged).
   */
  async invoke<M extends MethodName>(name: M, args: MethodArgsInput<M>, session?: string): Promise<unknown> {
    const reply = await this.handle({ id: 0, name, args, ...(session !== undefined ? { session } : {}) });
    if (reply.type === 'reply') return reply.result;
    const { code, message, details } = reply.error;
    if (code === 'malformed' || code === 'too-large' || code === 'unknown-method' || code === 'unauthorised' || code === 'internal') throw new Error(message);
    throw new TallyError(code, message, details);
  }

  /** Refuses new requests and waits for the ones already queued (the host closes the ledger after this). */
  async drain(): Promise<void> {
    this.closed = true;
    await this.tail;
  }

  private async execute({ id, name: method, args, session }: Request): Promise<Reply> {
    if (this.closed) return errorReply(id, 'busy', 'The terminal host is shutting down: nothing was done; send it again when it is back', { retryable: true });
    if (!isMethodName(method)) return errorReply(id, 'unknown-method', `Unknown method "${method.slice(0, 64)}"; the methods are: ${Object.keys(METHODS).join(', ')}`);
    try {
      const result = await this.run(method, args, this.caller(method, session));
      const replayed = typeof result === 'object' && result !== null && 'replayed' in result && result.replayed === true;
      if (!NOTHING_TO_SYNC.has(method) && !replayed) this.onBooked();
      return { type: 'reply', id, result };
    } catch (error) {
      // A refusal (bad input, an unknown card, too few points) or a fault of the machine (busy, disk
      // full): the command's transaction rolled back, and the cashier gets a line to act on.
      const refusal = isTallyError(error) ? error : environmentError(error, this.ledgerName ?? this.service.ledger.path);
      if (refusal) return errorReply(id, refusal.code, refusal.message, refusal.details);
      // A bug: the client learns only that it happened (a stack trace is no use to a cashier and
      // tells a hostile page about the machine); the host's log gets everything.
      this.log(`tally host: unexpected error in ${method} (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return errorReply(id, 'internal', `Unexpected error in the terminal host while running ${method}; it was logged. Check the member's history before trying again.`);
    }
  }

  private printers(): Printing {
    if (this.printing === null) throw notHere();
    return this.printing;
  }

  private pickPrinter(id: string | undefined): PrinterConfig {
    const printers = this.printers().printers;
    const printer = id !== undefined ? printers.get(id) : printers.receiptPrinter();
    if (!printer) throw new TallyError('invalid-input', id !== undefined ? `No printer "${id}"` : 'No printer configured: add one first (tally printer add, or the manager screen)');
    return printer;
  }

  /**
   * Who sends a request. A session that is unknown or has expired is refused even for a method that
   * needs none: the screen believes a manager is logged in and must learn otherwise.
   */
  private caller(method: MethodName, session: string | undefined): Caller {
    if (session === undefined) {
      if (MANAGER_ONLY.has(method) && this.managers.activeCount() > 0) throw managerRequired(method);
      return { managerId: null, session };
    }
    const found = this.sessions.use(session);
    if (found === null || this.managers.get(found.managerId)?.removedAt !== null) {
      throw new TallyError('manager-required', 'The manager session has ended (5 minutes without use, a new PIN, or the host restarted): log in again', { sessionEnded: true });
    }
    return { managerId: found.managerId, session };
  }

  private async run<M extends MethodName>(method: M, args: unknown, caller: Caller): Promise<unknown> {
    const parsed = METHODS[method].safeParse(args);
    if (!parsed.success) {
      const problems = formatIssues(parsed.error.issues, ARGS_NAMED[method] ?? method);
      throw new TallyError('invalid-input', problems.join('; '), { problems });
    }
    // The map is typed per method; indexing it by a generic key loses the link between M's handler
    // and M's arguments, which the schema lookup above has just established.
    const handler = this.handlers[method] as (a: MethodArgs<M>, c: Caller) => unknown;
    return handler(parsed.data as MethodArgs<M>, caller);
  }

  /**
   * A command that may spend points: at an enrolled terminal a hold (or the offline budget) first,
   * then the command, then the hold is posted or given back (the CLI's spends come through here too).
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

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function notHere(): TallyError {
  return new TallyError('invalid-input', 'Printing is not available in this process');
}

function managerRequired(method: MethodName): TallyError {
  return new TallyError('manager-required', `A manager must approve this (${method}): log in with a manager's id and PIN`);
}

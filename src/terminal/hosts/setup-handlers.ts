/**
 * The browser host's first start: no ledger at --db yet. The screens still connect (same server,
 * same secret) and may ask two things, `setup-status` and `setup-create`; every other method is
 * refused with `not-initialised`, since there is no ledger to answer it. Once `setup-create` has
 * made the ledger, `onCreated` lets the host open it and put the terminal's own handler map in this
 * one's place on the carrier, so the page that ran the setup carries on without reconnecting.
 */
import { isTallyError, TallyError } from '../../core/errors.js';
import { formatIssues } from '../../core/validation.js';
import { errorReply, METHODS, type Reply, type Request } from '../../contract/messages.js';
import type { SetupOutcome } from '../../contract/setup.js';
import type { SetupStatus } from '../../contract/results.js';
import { environmentError } from '../ledger/environment-errors.js';
import type { Carrier, TerminalHost } from './app.js';
import type { RequestHandler } from './exchange.js';
import { examplePrograms, setupTerminal } from '../setup/setup.js';

export interface SetupHandlerOptions {
  readonly db: string;
  /** resources/programs: what a demo can start from. */
  readonly programsDir: string;
  readonly now: () => number;
  /** Runs after the ledger was created, before `setup-create` answers (the host opens the ledger and switches over). */
  readonly onCreated: (outcome: SetupOutcome) => Promise<void>;
  readonly log: (line: string) => void;
}

/** The host's own time zone, the setup screen's suggestion (UTC when the system names none). */
export function hostTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export class SetupHandlers {
  /** One request at a time: two setup screens pressing Create together must not both create. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SetupHandlerOptions) {}

  handle(request: Request): Promise<Reply> {
    const run = this.tail.then(() => this.execute(request));
    this.tail = run;
    return run;
  }

  status(): SetupStatus {
    return { configured: false, examplePrograms: examplePrograms(this.options.programsDir), timeZone: hostTimeZone() };
  }

  private async execute({ id, name, args }: Request): Promise<Reply> {
    if (name !== 'setup-status' && name !== 'setup-create') {
      return errorReply(id, 'not-initialised', 'This terminal is not set up yet: finish the setup screen first (nothing was done)');
    }
    try {
      if (name === 'setup-status') {
        const parsed = METHODS[name].safeParse(args);
        if (!parsed.success) return invalid(id, name, parsed.error.issues);
        return { type: 'reply', id, result: this.status() };
      }
      const parsed = METHODS[name].safeParse(args);
      if (!parsed.success) return invalid(id, name, parsed.error.issues);
      const outcome = await setupTerminal(this.options.db, parsed.data, { programsDir: this.options.programsDir, now: this.options.now });
      await this.options.onCreated(outcome);
      return { type: 'reply', id, result: outcome };
    } catch (error) {
      const refusal = isTallyError(error) ? error : environmentError(error, this.options.db);
      if (refusal instanceof TallyError) return errorReply(id, refusal.code, refusal.message, refusal.details);
      this.options.log(`tally host: setup failed (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return errorReply(id, 'internal', 'The setup failed because of a fault of Tally; it was logged');
    }
  }
}

/** A carrier that served the setup's handlers and can take the terminal's in their place. */
export interface SetupCarrier extends Carrier {
  switchHandlers(handlers: RequestHandler): void;
}

/**
 * Once setup made the ledger and the host opened it: the terminal's handler map takes the setup's
 * place on the carrier (the screens carry on without reconnecting), the host stops the carrier with
 * itself, `beforeStart` runs (the browser host advertises itself for `tally scan`), the host's
 * services start, and `host-ready` tells the screens the terminal's methods answer now.
 */
export async function serveCreatedTerminal(carrier: SetupCarrier, host: TerminalHost, start: () => void, beforeStart: () => Promise<void> = () => Promise.resolve()): Promise<void> {
  carrier.switchHandlers(host.handlers);
  host.attach(carrier);
  await beforeStart();
  start();
  carrier.push({ type: 'push', name: 'host-ready', data: { terminalId: host.ledger.terminal.terminalId } });
}

function invalid(id: Request['id'], name: string, issues: Parameters<typeof formatIssues>[0]): Reply {
  const problems = formatIssues(issues, name);
  return errorReply(id, 'invalid-input', problems.join('; '), { problems });
}

/**
 * The long-running terminal host (issue 10, first slice): ONE process opens the ledger once, with
 * the full integrity check (here, at start, instead of on every command), builds the one service
 * and its handler map, and serves that map to its carriers until it is told to stop; then it stops
 * the carriers, lets queued requests finish, checkpoints and closes the ledger.
 *
 * A terminal enrolled with a server also syncs in the background (src/terminal/sync/background.ts):
 * at start, every 30 s, at once after a request booked something, with backoff after failures; each
 * run's outcome is pushed to the clients (`sync-state`), so a screen can say "offline since …".
 *
 * The host also runs the print worker: slips are queued in each command's transaction, as the CLI
 * does, and printed by the host as their printer allows (kept and retried while it is offline or
 * out of paper).
 *
 * Not in this slice: scanners and idle checkpoints.
 */
import type { PushedEvent, SyncState } from '../../contract/messages.js';
import type { Instant } from '../../core/time.js';
import { HandlerMap, type HandlerOptions } from './handlers.js';
import { Ledger } from '../ledger/ledger.js';
import { LoyaltyService } from '../loyalty-service.js';
import { isTallyError } from '../../core/errors.js';
import { environmentError } from '../ledger/environment-errors.js';
import { pendingCount } from '../ledger/outbox.js';
import { Printing } from '../printing/printing.js';
import { BackgroundSync, type BackgroundSyncOptions } from '../sync/background.js';
import { FileSecretStore, secretsDirFor } from '../trust/secret-store.js';

/** Something that moves contract messages to and from clients (a WebSocket server, an IPC port). */
export interface Carrier {
  /** Sends an event to every client this carrier has let in. */
  push(event: PushedEvent): void;
  /** Stops taking requests and disconnects its clients. */
  close(): Promise<void>;
}

export interface TerminalHostOptions {
  readonly db: string;
  /** Booking clock (tests and demos; see ServiceOptions). */
  readonly clock?: () => Instant;
  readonly wallClock?: () => Instant;
  readonly clockOverridden?: boolean;
  readonly newId?: () => string;
  /** The host's log (stderr): faults of Tally itself, with their stack. */
  readonly log?: (line: string) => void;
  readonly authorise?: HandlerOptions['authorise'];
  /** Background sync's timings (tests); ignored for a terminal not enrolled with a server. */
  readonly sync?: Pick<BackgroundSyncOptions, 'intervalMs' | 'baseBackoffMs' | 'maxBackoffMs' | 'onlineForMs'>;
}

export class TerminalHost {
  private readonly carriers: Carrier[] = [];
  private closing: Promise<void> | undefined;

  /** Null for a terminal not enrolled with a server (nothing to sync with). */
  private background: BackgroundSync | null = null;
  private started = false;
  private readonly printStop = new AbortController();
  private printRun: Promise<void> | null = null;

  private constructor(
    readonly ledger: Ledger,
    readonly service: LoyaltyService,
    readonly handlers: HandlerMap,
    private readonly printing: Printing,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts the host's background work (the print worker; sync, for an enrolled terminal); call once the carriers are attached. */
  start(options: TerminalHostOptions['sync'] = {}): void {
    if (this.started || this.closing !== undefined) return;
    this.started = true;
    // The printers' owner while the host runs: slips queued by its commands print without `tally print run`.
    this.printRun = this.printing.worker.run(this.printStop.signal, { holder: 'tally host' }).catch((error: unknown) => {
      // A fault of the machine (disk full, the ledger busy) is one line; only a bug gets its stack.
      const refusal = isTallyError(error) ? error : environmentError(error, this.ledger.path);
      if (refusal) this.log(`tally host: printing stopped: ${refusal.message}; slips stay queued (tally print run, or restart the host)`);
      else this.log(`tally host: the print worker stopped (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    });
    if (!this.ledger.syncFreshness().enrolled) return;
    this.background = new BackgroundSync(this.ledger, new FileSecretStore(secretsDirFor(this.ledger.path)), {
      ...options,
      onRun: () => {
        const state = this.syncState();
        if (state !== null) this.pushAll({ type: 'push', name: 'sync-state', data: state });
      },
    });
    this.background.start();
  }

  /** Where this terminal stands with the server (null: not enrolled with one). */
  syncState(): SyncState | null {
    if (this.background === null) return null;
    const status = this.background.status();
    return { online: status.online, lastSuccessAt: status.lastSuccessAt, lastError: status.lastError, failures: status.failures, unsynced: pendingCount(this.ledger.db) };
  }

  private pushAll(event: PushedEvent): void {
    for (const carrier of this.carriers) carrier.push(event);
  }

  /** Opens the ledger (full integrity and foreign-key check; a damaged or newer file is refused untouched) and builds the service. */
  static open(options: TerminalHostOptions): TerminalHost {
    const ledger = Ledger.open(options.db, { check: 'full' });
    try {
      const printing = new Printing(ledger, { ...(options.clock ? { clock: options.clock } : {}), ...(options.wallClock ? { wallClock: options.wallClock } : {}) });
      const service = new LoyaltyService(ledger, {
        onSlip: printing.sink,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.wallClock ? { wallClock: options.wallClock } : {}),
        ...(options.clockOverridden !== undefined ? { clockOverridden: options.clockOverridden } : {}),
        ...(options.newId ? { newId: options.newId } : {}),
      });
      // What a request booked goes to the server at once (when the link is up), not at the next tick.
      const handlers = new HandlerMap(service, {
        ...(options.log ? { log: options.log } : {}),
        ...(options.authorise ? { authorise: options.authorise } : {}),
        ...(options.wallClock ? { wallClock: options.wallClock } : {}),
        printing,
        onBooked: () => host.background?.nudge(),
      });
      const host = new TerminalHost(ledger, service, handlers, printing, options.log ?? ((line) => process.stderr.write(`${line}\n`)));
      return host;
    } catch (error) {
      ledger.close();
      throw error;
    }
  }

  /** Adds a carrier (already serving `handlers`) so that it is stopped with the host. */
  attach(carrier: Carrier): void {
    this.carriers.push(carrier);
  }

  /** Idempotent: a second signal while closing waits for the same close. */
  close(reason = 'shutting down'): Promise<void> {
    this.closing ??= this.doClose(reason);
    return this.closing;
  }

  private async doClose(reason: string): Promise<void> {
    this.pushAll({ type: 'push', name: 'host-closing', data: { reason } });
    // Carriers first (no new requests), then what is queued finishes, then sync's run in flight, then the ledger goes.
    await Promise.allSettled(this.carriers.map((c) => c.close()));
    await this.handlers.drain();
    await this.background?.stop();
    // The slip being sent finishes or stays queued for the next start (the worker stops between jobs).
    this.printStop.abort();
    await this.printRun;
    await this.printing.close();
    // TRUNCATE: the next start (another process, a backup) finds everything in the main file.
    this.ledger.checkpoint('truncate');
    this.ledger.close();
  }
}

/**
 * Resolves with the first SIGINT or SIGTERM. It stops listening then: a second signal while the host
 * closes ends the process at once (the default), like a second Ctrl-C; the WAL ledger is crash-safe.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

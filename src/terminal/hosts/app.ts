/**
 * The long-running terminal host (issue 10, first slice): ONE process opens the ledger once, with
 * the full integrity check (here, at start, instead of on every command), builds the one service
 * and its handler map, and serves that map to its carriers until it is told to stop; then it stops
 * the carriers, lets queued requests finish, checkpoints and closes the ledger.
 *
 * Not in this slice: the print worker (slips are queued in each command's transaction, as the CLI
 * does, and `tally print run` prints them), scanners, background sync and idle checkpoints.
 */
import type { PushedEvent } from '../../contract/messages.js';
import type { Instant } from '../../core/time.js';
import { HandlerMap, type HandlerOptions } from './handlers.js';
import { Ledger } from '../ledger/ledger.js';
import { LoyaltyService } from '../loyalty-service.js';
import { Printing } from '../printing/printing.js';

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
}

export class TerminalHost {
  private readonly carriers: Carrier[] = [];
  private closing: Promise<void> | undefined;

  private constructor(
    readonly ledger: Ledger,
    readonly service: LoyaltyService,
    readonly handlers: HandlerMap,
    private readonly printing: Printing,
  ) {}

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
      const handlers = new HandlerMap(service, { ...(options.log ? { log: options.log } : {}), ...(options.authorise ? { authorise: options.authorise } : {}) });
      return new TerminalHost(ledger, service, handlers, printing);
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
    for (const carrier of this.carriers) carrier.push({ type: 'push', name: 'host-closing', data: { reason } });
    // Carriers first (no new requests), then what is queued finishes, then the ledger goes.
    await Promise.allSettled(this.carriers.map((c) => c.close()));
    await this.handlers.drain();
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

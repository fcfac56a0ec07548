/**
 * The long-running terminal host (issue 10): ONE process opens the ledger once, with the full
 * integrity check (here, at start, instead of on every command), builds the one service and its
 * handler map, and serves that map to its carriers until it is told to stop.
 *
 * Its background work is a set of services (services/service.ts: a function that starts one and
 * returns its stop, in the shape of Actual Budget's server/app.ts), started together once the
 * carriers are attached and stopped together when the host closes:
 *  - the print worker: slips queued in each command's transaction print at once, kept and retried
 *    while their printer is away; each printer's state goes to the clients (`printer-state`);
 *  - the scanners configured for this terminal (`tally scanner add`), each under DeviceSupervisor:
 *    every code is pushed (`scan`; it books nothing), every connect and disconnect too (`scanner-state`);
 *  - idle WAL checkpoints, and periodic bookings (expiry, birthdays, …) at start, hourly and just
 *    after local midnight, both in the handler map's queue so they never run during a request;
 *  - for a terminal enrolled with a server, background sync (src/terminal/sync/background.ts): at
 *    start, every 30 s, at once after a request booked something; each outcome is pushed (`sync-state`).
 *
 * A host with a WebSocket carrier advertises itself beside the ledger (discovery.ts), so that
 * `tally scan` reaches it and a second host on the same ledger is refused.
 */
import type { DeviceStates, PushedEvent, ScannedCode, SyncState } from '../../contract/messages.js';
import type { Instant } from '../../core/time.js';
import { HandlerMap, type HandlerOptions } from './handlers.js';
import { Ledger } from '../ledger/ledger.js';
import { LoyaltyService } from '../loyalty-service.js';
import { pendingCount } from '../ledger/outbox.js';
import { PrinterStates } from '../printing/printer-states.js';
import { Printing, type PrintingOptions } from '../printing/printing.js';
import { BackgroundSync, type BackgroundSyncOptions, type SyncRunProgress } from '../sync/background.js';
import { syncNow, type SyncOutcome } from '../sync/sync.js';
import { FileSecretStore, secretsDirFor } from '../trust/secret-store.js';
import { ScannerRegistry } from '../devices/scanner-config.js';
import { advertiseHost, type Advertisement } from './discovery.js';
import { scannedCode } from './scanned-code.js';
import { idleCheckpointService, type IdleCheckpointOptions } from './services/idle-checkpoints.js';
import { periodicService, type PeriodicOptions } from './services/periodic-bookings.js';
import { printWorkerService, type PrintServiceOptions } from './services/print-worker.js';
import { ScannerService, type ScannerServiceOptions } from './services/scanners.js';
import { Services, type Service } from './services/service.js';

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
  /** The other services' timings (tests; `tally host --checkpoint-after`). */
  readonly checkpoints?: IdleCheckpointOptions;
  readonly periodic?: PeriodicOptions;
  readonly printing?: PrintServiceOptions & Pick<PrintingOptions, 'retryDelay'>;
  readonly scanners?: Pick<ScannerServiceOptions, 'backoff' | 'device'>;
}

export class TerminalHost {
  private readonly carriers: Carrier[] = [];
  private closing: Promise<void> | undefined;

  /** Null for a terminal not enrolled with a server (nothing to sync with). */
  private background: BackgroundSync | null = null;
  private started = false;
  private readonly services: Services;
  private readonly printerStates: PrinterStates;
  private scannerService: ScannerService | null = null;
  private advertisement: Advertisement | null = null;
  /** The background sync's run under way, for `sync-state` (null between runs). */
  private syncProgress: SyncRunProgress | null = null;

  private constructor(
    readonly ledger: Ledger,
    readonly service: LoyaltyService,
    readonly handlers: HandlerMap,
    private readonly printing: Printing,
    private readonly log: (line: string) => void,
    private readonly options: TerminalHostOptions,
  ) {
    this.services = new Services(log);
    this.printerStates = new PrinterStates(printing.printers, printing.queue, (data) => this.pushAll({ type: 'push', name: 'printer-state', data }));
  }

  /** Registers a service of a carrier's own, started and stopped with the host's (before `start`). */
  addService(name: string, service: Service): void {
    this.services.add(name, service);
  }

  /** Starts the host's services (print worker, scanners, checkpoints, periodic bookings; sync, for an enrolled terminal); call once the carriers are attached. */
  start(syncOptions: TerminalHostOptions['sync'] = this.options.sync ?? {}): void {
    if (this.started || this.closing !== undefined) return;
    this.started = true;
    const log = this.log;
    this.services.add('print-worker', printWorkerService(this.printing, this.ledger.path, log, (printerId, seen) => this.printerStates.seen(printerId, seen), this.options.printing));
    const scanners = new ScannerService({
      service: this.service,
      push: (event) => this.pushAll(event),
      log,
      scanners: () => new ScannerRegistry(this.ledger).list(),
      ...this.options.scanners,
    });
    this.scannerService = scanners;
    this.services.add('scanners', scanners.service);
    this.services.add('idle-checkpoints', idleCheckpointService(this.ledger, this.handlers, log, this.options.checkpoints));
    this.services.add(
      'periodic-bookings',
      periodicService({ service: this.service, handlers: this.handlers, clock: this.options.clock ?? Date.now, log, onBooked: () => this.background?.nudge() }, this.options.periodic),
    );
    if (this.ledger.syncFreshness().enrolled) {
      const background = new BackgroundSync(this.ledger, new FileSecretStore(secretsDirFor(this.ledger.path)), {
        ...syncOptions,
        onRun: () => {
          const state = this.syncState();
          if (state !== null) this.pushAll({ type: 'push', name: 'sync-state', data: state });
        },
        onProgress: (progress) => {
          this.syncProgress = progress;
          // The run's end is pushed by onRun, with its outcome.
          const state = progress === null ? null : this.syncState();
          if (state !== null) this.pushAll({ type: 'push', name: 'sync-state', data: state });
        },
      });
      this.background = background;
      this.services.add('sync', () => {
        background.start();
        return () => background.stop();
      });
    }
    this.services.startAll();
  }

  /** The names of the services registered (tests, a support screen). */
  get serviceNames(): readonly string[] {
    return this.services.names;
  }

  /** Where this terminal stands with the server (null: not enrolled with one). */
  syncState(): SyncState | null {
    if (this.background === null) return null;
    const status = this.background.status();
    return { online: status.online, lastSuccessAt: status.lastSuccessAt, lastError: status.lastError, failures: status.failures, unsynced: pendingCount(this.ledger.db), progress: this.syncProgress };
  }

  /**
   * A sync now (`sync-run`, end of day): the background sync's next run, so that it never overlaps
   * one; before the host started (or for a terminal not enrolled), a sync of its own, which says
   * plainly when there is no server to sync with.
   */
  private runSync(): Promise<SyncOutcome> {
    if (this.background !== null) return this.background.runNow();
    return syncNow(this.ledger, new FileSecretStore(secretsDirFor(this.ledger.path)), { now: this.options.wallClock ?? Date.now });
  }

  /** Every scanner's and printer's state now (`device-states`). */
  deviceStates(): DeviceStates {
    return { scanners: this.scannerService?.states() ?? [], printers: this.printerStates.list() };
  }

  private pushAll(event: PushedEvent): void {
    for (const carrier of this.carriers) carrier.push(event);
  }

  /** A scan from outside (`tally scan`): pushed to every client as a scanner's would be; books nothing. */
  private externalScan(code: string): ScannedCode {
    const data = scannedCode(this.service, { source: 'cli', device: null, text: code, at: (this.options.wallClock ?? Date.now)() });
    this.pushAll({ type: 'push', name: 'scan', data });
    return data;
  }

  /** After a request booked something: sync it soon, and tell the screens about the slip now waiting. */
  private afterBooking(): void {
    this.background?.nudge();
    this.printerStates.refresh();
  }

  /** Opens the ledger (full integrity and foreign-key check; a damaged or newer file is refused untouched) and builds the service. */
  static open(options: TerminalHostOptions): TerminalHost {
    const ledger = Ledger.open(options.db, { check: 'full' });
    try {
      const printing = new Printing(ledger, {
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.wallClock ? { wallClock: options.wallClock } : {}),
        ...(options.printing?.retryDelay ? { retryDelay: options.printing.retryDelay } : {}),
      });
      const service = new LoyaltyService(ledger, {
        onSlip: printing.sink,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.wallClock ? { wallClock: options.wallClock } : {}),
        ...(options.clockOverridden !== undefined ? { clockOverridden: options.clockOverridden } : {}),
        ...(options.newId ? { newId: options.newId } : {}),
      });
      const handlers: HandlerMap = new HandlerMap(service, {
        ...(options.log ? { log: options.log } : {}),
        ...(options.authorise ? { authorise: options.authorise } : {}),
        ...(options.wallClock ? { wallClock: options.wallClock } : {}),
        printing,
        // What a request booked goes to the server at once (when the link is up), not at the next tick.
        onBooked: () => host.afterBooking(),
        onExternalScan: (code): ScannedCode => host.externalScan(code),
        deviceStates: () => host.deviceStates(),
        // A screen that connects between two runs asks for the state instead of waiting for the next push.
        syncState: (): SyncState | null => host.syncState(),
        runSync: (): Promise<SyncOutcome> => host.runSync(),
        // The carriers leave it out for a kiosk (src/contract/roles.ts): it is for the counter's screens.
        onCustomerView: (view) => host.pushAll({ type: 'push', name: 'customer-view', data: view }),
      });
      const host: TerminalHost = new TerminalHost(ledger, service, handlers, printing, options.log ?? ((line) => process.stderr.write(`${line}\n`)), options);
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

  /**
   * Writes the discovery file beside the ledger for a loopback carrier, so that `tally scan` (and
   * the POS integration later) reaches this host; removed when the host closes. Refused (`busy`)
   * while another live host advertises the same ledger.
   */
  async advertise(carrier: { readonly address: '127.0.0.1' | '::1'; readonly port: number; readonly secret: string }): Promise<void> {
    if (this.advertisement !== null) return;
    this.advertisement = await advertiseHost(this.ledger.path, carrier, this.options.wallClock ?? Date.now);
  }

  /** Idempotent: a second signal while closing waits for the same close. */
  close(reason = 'shutting down'): Promise<void> {
    this.closing ??= this.doClose(reason);
    return this.closing;
  }

  private async doClose(reason: string): Promise<void> {
    this.pushAll({ type: 'push', name: 'host-closing', data: { reason } });
    // No client finds this host from now on.
    this.advertisement?.remove();
    // Carriers first (no new requests), then the services (sync's run in flight, the slip being
    // sent, a periodic run's batch all finish), then what is queued, then the ledger goes.
    await Promise.allSettled(this.carriers.map((c) => c.close()));
    await this.services.stopAll();
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

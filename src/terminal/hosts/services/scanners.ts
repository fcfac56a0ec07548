/**
 * The scanner supervisor service: every enabled scanner configured for this terminal (`tally scanner
 * add`) runs under DeviceSupervisor while the host runs, found again after an unplug. Each code it
 * reads goes to the screens as a `scan` push, through the card-code parser (a refused code's text
 * never leaves the host) and nothing else: a scan books nothing, the screen decides. Each connect,
 * disconnect and problem goes to the screens as a `scanner-state` push and to the host's log.
 */
import type { PushedEvent, ScannedCode, ScannerState } from '../../../contract/messages.js';
import { isTallyError } from '../../../core/errors.js';
import type { BaseScanner, DeviceError, DeviceStatus } from '../../devices/device.js';
import type { ScanSource } from '../../devices/scan-event.js';
import { scannerDevice, type ScannerConfig } from '../../devices/scanner-config.js';
import { DEFAULT_BACKOFF, DeviceSupervisor, type BackoffOptions } from '../../devices/supervisor.js';
import type { LoyaltyService } from '../../loyalty-service.js';
import { scannedCode } from '../scanned-code.js';
import type { Service } from './service.js';

export interface ScannerServiceOptions {
  readonly service: LoyaltyService;
  readonly push: (event: PushedEvent) => void;
  readonly log: (line: string) => void;
  /** The scanners to run, read when the service starts. */
  readonly scanners: () => readonly ScannerConfig[];
  /** How the supervisor waits between attempts to find an unplugged scanner (tests make it short). */
  readonly backoff?: BackoffOptions;
  /** Makes the device for a configuration (default: the real serial or HID transport). */
  readonly device?: (config: ScannerConfig) => BaseScanner;
}

const pushedSource = (source: ScanSource): ScannedCode['source'] | null => (source === 'serial' || source === 'hid' ? source : null);

/** One scanner under the service: its supervisor and what the screens were last told about it. */
class RunningScanner {
  readonly supervisor: DeviceSupervisor;
  private connected = false;
  private state: ScannerState;
  /** Why it went away, said by the error that comes just before the supervisor's offline status. */
  private goneBecause: string | null = null;
  /** The first state is always pushed, even one equal to the initial placeholder. */
  private pushedOnce = false;
  stopping = false;

  constructor(
    private readonly device: BaseScanner,
    private readonly options: ScannerServiceOptions,
  ) {
    this.supervisor = new DeviceSupervisor(device, options.backoff ?? DEFAULT_BACKOFF);
    this.state = { device: device.id, state: 'disconnected', message: 'not opened yet' };
    device.events.on('status', (status) => this.onStatus(status));
    device.events.on('error', (error) => this.onError(error));
    device.events.on('data', (scan) => {
      const source = pushedSource(scan.source);
      if (source === null) return;
      // A good read after a reported problem: the scanner works again.
      if (this.state.state === 'error') this.set({ state: 'connected', message: null });
      this.options.push({ type: 'push', name: 'scan', data: scannedCode(options.service, { source, device: device.id, text: scan.text, at: scan.time }) });
    });
  }

  get current(): ScannerState {
    return this.state;
  }

  private onStatus(status: DeviceStatus): void {
    if (this.stopping) return;
    if (status.kind === 'online') {
      this.connected = true;
      this.set({ state: 'connected', message: null });
    } else if (status.kind === 'offline') {
      this.connected = false;
      this.set({ state: 'disconnected', message: this.goneBecause ?? `${this.device.id} went away (${status.reason})` });
      this.goneBecause = null;
    }
    // 'reconnecting' is the supervisor's own bookkeeping: the screen already shows it disconnected.
  }

  private onError(error: DeviceError): void {
    if (this.stopping) return;
    if (error.code === 'unplugged') {
      this.goneBecause = error.message;
      return;
    }
    // Not connected: why it cannot be opened (not there, not allowed). Connected: a problem it reports while it reads.
    this.set(this.connected ? { state: 'error', message: error.message } : { state: 'disconnected', message: error.message });
  }

  private set(next: Omit<ScannerState, 'device'>): void {
    const previous = this.state;
    // While it stays away, what each new attempt finds is the log's business, not another push.
    if (next.state === previous.state && (next.state !== 'error' || next.message === previous.message) && this.pushedOnce) return;
    this.pushedOnce = true;
    this.state = { device: this.device.id, ...next };
    this.options.log(`tally host: scanner ${this.state.device} ${this.state.state}${this.state.message ? `: ${this.state.message}` : ''}`);
    this.options.push({ type: 'push', name: 'scanner-state', data: this.state });
  }
}

/** The service, and the scanners' states for `device-states`. */
export class ScannerService {
  private running: RunningScanner[] = [];

  constructor(private readonly options: ScannerServiceOptions) {}

  readonly service: Service = () => {
    const make = this.options.device ?? scannerDevice;
    let configured: readonly ScannerConfig[];
    try {
      configured = this.options.scanners();
    } catch (error) {
      // A configuration written by hand that is not one: said once; the counter serves without its scanners.
      if (!isTallyError(error)) throw error;
      this.options.log(`tally host: scanners not started: ${error.message} (fix it with tally scanner add or remove)`);
      return () => undefined;
    }
    this.running = configured.filter((s) => s.enabled).map((config) => new RunningScanner(make(config), this.options));
    for (const scanner of this.running) {
      scanner.supervisor.start().catch((error: unknown) => {
        this.options.log(`tally host: scanner ${scanner.current.device} could not be started (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      });
    }
    return async () => {
      const running = this.running;
      for (const scanner of running) scanner.stopping = true;
      await Promise.all(running.map((scanner) => scanner.supervisor.stop()));
    };
  };

  states(): ScannerState[] {
    return this.running.map((scanner) => scanner.current);
  }
}

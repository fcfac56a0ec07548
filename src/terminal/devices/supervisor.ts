/**
 * Keeps a scanner running through unplugs: when the device goes offline, it is looked for again
 * (transports re-find by USB vendor/product/serial number on open) with exponential backoff, and
 * brought back to enabled. Every step is reported as a status event for the screens.
 */
import type { BaseScanner } from './device.js';

export interface BackoffOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 250, maxDelayMs: 5_000, factor: 2 };

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export function backoffDelay(attempt: number, options: BackoffOptions): number {
  return Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** Math.max(0, attempt - 1));
}

export class DeviceSupervisor {
  private attempt = 0;
  private timer: unknown = null;
  private stopped = true;
  private readonly unsubscribe: () => void;

  constructor(
    readonly device: BaseScanner,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
    private readonly timers: Timers = realTimers,
  ) {
    this.unsubscribe = device.events.on('status', (status) => {
      if (status.kind === 'offline' && !this.stopped && this.timer === null && device.state === 'closed') this.schedule();
    });
  }

  /** Starts the device now; if it is not there, keeps looking. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.tryStart();
  }

  private async tryStart(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    try {
      await this.device.start();
      this.attempt = 0;
    } catch (error) {
      // The transport reported why (not-found, permission-denied…) on its error channel.
      await this.device.close().catch(() => undefined);
      if (!this.stopped) this.schedule(error);
    }
  }

  private schedule(_error?: unknown): void {
    if (this.timer !== null || this.stopped) return;
    this.attempt += 1;
    const delay = backoffDelay(this.attempt, this.backoff);
    this.device.events.emit('status', { kind: 'reconnecting', deviceId: this.device.id, attempt: this.attempt, retryInMs: delay });
    this.timer = this.timers.setTimeout(() => void this.tryStart(), delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.unsubscribe();
    await this.device.close();
  }
}

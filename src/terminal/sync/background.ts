/**
 * Sync in the background of a long-running terminal host: push, pull and renew the offline budget
 * every so often, at once when a counter command asks (`nudge`), and after a failure again with
 * exponential backoff and full jitter (so a chain's counters do not all knock at once when the link
 * comes back). One run at a time; `stop` waits for the run in flight. "Online" is what the screens
 * show: an authenticated health call succeeded within the last few seconds.
 */
import type { Ledger } from '../ledger/ledger.js';
import type { SecretStore } from '../trust/secret-store.js';
import type { SyncClient } from './client.js';
import { TallyError } from '../../core/errors.js';
import { syncNow, type SyncOutcome } from './sync.js';

/** How far a run is: its step (push the outbox, then pull the changes) and that step's share done (0–100). */
export interface SyncRunProgress {
  readonly step: 'push' | 'pull';
  readonly percent: number;
}

type RunResult = { readonly ok: true; readonly sync: SyncOutcome } | { readonly ok: false; readonly error: unknown };

export interface BackgroundSyncStatus {
  readonly online: boolean;
  readonly lastSuccessAt: number | null;
  readonly lastAttemptAt: number | null;
  readonly lastError: string | null;
  /** Failures in a row (0 after a success). */
  readonly failures: number;
  /** When the next run is due (null: stopped). */
  readonly nextRunAt: number | null;
}

export interface BackgroundSyncOptions {
  readonly now?: () => number;
  /** Timers (tests drive them); default the real ones. */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
  /** A number in [0, 1) for jitter; default Math.random. */
  readonly random?: () => number;
  /** Between successful runs; default 30 s. */
  readonly intervalMs?: number;
  /** First retry after a failure, doubling up to `maxBackoffMs`; defaults 2 s and 5 min. */
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How long a successful health call counts as "online"; default 10 s. */
  readonly onlineForMs?: number;
  readonly client?: SyncClient;
  readonly onRun?: (outcome: { readonly ok: true; readonly sync: SyncOutcome } | { readonly ok: false; readonly error: string }) => void;
  /** Each run's progress, whenever its step or whole percent changes (null: the run ended). */
  readonly onProgress?: (progress: SyncRunProgress | null) => void;
}

export class BackgroundSync {
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly random: () => number;
  private readonly intervalMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly onlineForMs: number;
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  /** A nudge arrived during a run: run again right after it. */
  private again = false;
  private stopped = true;
  private failures = 0;
  private lastSuccessAt: number | null = null;
  private lastAttemptAt: number | null = null;
  private lastError: string | null = null;
  private nextRunAt: number | null = null;

  constructor(
    private readonly ledger: Ledger,
    private readonly secrets: SecretStore,
    private readonly options: BackgroundSyncOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as NodeJS.Timeout));
    this.random = options.random ?? Math.random;
    this.intervalMs = options.intervalMs ?? 30_000;
    this.baseBackoffMs = options.baseBackoffMs ?? 2_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 300_000;
    this.onlineForMs = options.onlineForMs ?? 10_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Sync soon (a sale was booked): now, or right after the run in flight. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /**
   * A run now, on demand (`sync-run`, end of day): after the run in flight, if any, and in its
   * place in the schedule, so that two runs never overlap. Resolves with what it synced; rejects
   * with why it failed (the failure also counts for the backoff, as a background run's would).
   */
  async runNow(): Promise<SyncOutcome> {
    while (this.running) await this.running;
    if (this.stopped) throw new TallyError('busy', 'The terminal host is shutting down: nothing was synced; sync again when it is back');
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.again = false;
    let result: RunResult | undefined;
    this.running = this.run()
      .then((r) => {
        result = r;
      })
      .finally(() => {
        this.running = null;
      });
    await this.running;
    if (result === undefined) throw new Error('the sync run ended without a result');
    if (!result.ok) throw result.error;
    return result.sync;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.nextRunAt = null;
    await this.running;
  }

  status(): BackgroundSyncStatus {
    return {
      // A failed run says offline at once, however recent the last success.
      online: this.failures === 0 && this.lastSuccessAt !== null && this.now() - this.lastSuccessAt <= this.onlineForMs,
      lastSuccessAt: this.lastSuccessAt,
      lastAttemptAt: this.lastAttemptAt,
      lastError: this.lastError,
      failures: this.failures,
      nextRunAt: this.nextRunAt,
    };
  }

  /** The wait after `failures` failures in a row: full jitter over an exponential ceiling. */
  backoffMs(failures: number): number {
    const ceiling = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** Math.min(30, failures - 1));
    return Math.floor(this.random() * ceiling);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.nextRunAt = this.now() + ms;
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.again = false;
      this.running = this.run().then(() => undefined).finally(() => {
        this.running = null;
      });
    }, ms);
  }

  private async run(): Promise<RunResult> {
    this.lastAttemptAt = this.now();
    let last = '';
    const progress = (step: SyncRunProgress['step'], percent: number): void => {
      const whole = Math.max(0, Math.min(100, Math.floor(percent)));
      const key = `${step}:${whole}`;
      if (key === last) return;
      last = key;
      this.options.onProgress?.({ step, percent: whole });
    };
    try {
      progress('push', 0);
      const sync = await syncNow(this.ledger, this.secrets, {
        now: this.now,
        ...(this.options.client ? { client: this.options.client } : {}),
        onProgress: (p) => {
          progress('push', p.total === 0 ? 100 : (p.acknowledged * 100) / p.total);
        },
        onPullProgress: (p) => {
          progress('pull', p.percent);
        },
      });
      this.failures = 0;
      this.lastSuccessAt = this.now();
      this.lastError = null;
      this.options.onProgress?.(null);
      this.options.onRun?.({ ok: true, sync });
      this.schedule(this.again || sync.push.remaining > 0 ? 0 : this.intervalMs);
      return { ok: true, sync };
    } catch (error) {
      this.failures += 1;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.options.onProgress?.(null);
      this.options.onRun?.({ ok: false, error: this.lastError });
      this.schedule(this.again ? 0 : this.backoffMs(this.failures));
      return { ok: false, error };
    }
  }
}

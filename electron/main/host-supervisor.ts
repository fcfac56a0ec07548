/**
 * Runs the terminal host in Electron's utility process and keeps it running: starts it, hears
 * `ready` or `failed`, restarts it after a crash with exponential backoff (reset once it has run
 * for a while), gives up after repeated crashes before it ever became ready, and stops it cleanly
 * (`close`, then a kill if it does not exit in time).
 *
 * `failed` is a refusal, not a crash (no database, a damaged or newer file): restarting cannot
 * help, so the supervisor does not, and main shows the reason in a dialog.
 */
import { fromHostSchema, HOST_DB_ENV, type FromHost, type ToHost } from '../../src/terminal/hosts/electron/port-protocol.js';
import type { ElectronApi, Timers, UtilityApi } from './electron-api.js';
import type { HostLink } from './relay.js';

export interface SupervisorTimings {
  /** First restart delay; doubles with each crash in a row. */
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  /** A host that ran this long before crashing restarts after the base delay again. */
  readonly stableMs: number;
  /** This many exits in a row before `ready`: the host cannot start, stop trying. */
  readonly maxStartFailures: number;
  /** How long a host asked to close gets before it is killed. */
  readonly closeGraceMs: number;
}

export const DEFAULT_TIMINGS: SupervisorTimings = { baseBackoffMs: 1000, maxBackoffMs: 30_000, stableMs: 60_000, maxStartFailures: 5, closeGraceMs: 10_000 };

export interface SupervisorEvents {
  onReady(info: { readonly db: string; readonly demo: boolean; readonly setup: boolean }): void;
  /** The host cannot run: its own refusal (`code` from the host), or `crash-loop`. Not restarted. */
  onFailed(failure: { readonly code: string; readonly message: string }): void;
  /** The host stopped unexpectedly; it restarts after `restartInMs`. */
  onDown(info: { readonly reason: string; readonly restartInMs: number }): void;
  onMessage(message: Extract<FromHost, { type: 'reply' | 'push' }>): void;
}

export interface SupervisorOptions {
  readonly entry: string;
  readonly db: string;
  /** The environment the host starts with (main's, plus HOST_DB_ENV). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly timers: Timers;
  readonly now: () => number;
  readonly log: (line: string) => void;
  readonly timings?: Partial<SupervisorTimings>;
}

type State = 'idle' | 'starting' | 'ready' | 'waiting' | 'failed' | 'stopping' | 'stopped';

export class HostSupervisor implements HostLink {
  private state: State = 'idle';
  private process: UtilityApi | null = null;
  private readyAt: number | null = null;
  /** Crashes in a row (for the backoff); reset after a stable run. */
  private crashes = 0;
  /** Exits in a row without reaching `ready`. */
  private startFailures = 0;
  private restartTimer: unknown = null;
  private exited: (() => void) | null = null;
  private readonly timings: SupervisorTimings;

  constructor(
    private readonly api: Pick<ElectronApi, 'forkUtility'>,
    private readonly options: SupervisorOptions,
    private readonly events: SupervisorEvents,
  ) {
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  start(): void {
    if (this.state !== 'idle' && this.state !== 'waiting') return;
    this.restartTimer = null;
    this.state = 'starting';
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.options.env)) if (value !== undefined) env[key] = value;
    env[HOST_DB_ENV] = this.options.db;
    const child = this.api.forkUtility(this.options.entry, { env, serviceName: 'Tally terminal host' });
    this.process = child;
    child.onMessage((raw) => {
      if (this.process === child) this.receive(raw);
    });
    child.onExit((code) => this.exit(child, code));
  }

  send(message: ToHost): boolean {
    if (this.process === null || (this.state !== 'ready' && message.type === 'request')) return false;
    this.process.postMessage(message);
    return true;
  }

  private receive(raw: unknown): void {
    const parsed = fromHostSchema.safeParse(raw);
    if (!parsed.success) {
      this.options.log('tally app: ignored a message from the terminal host that is not in the port protocol (please report it)');
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'ready':
        if (this.state !== 'starting') return;
        this.state = 'ready';
        this.readyAt = this.options.now();
        this.startFailures = 0;
        this.events.onReady({ db: message.db, demo: message.demo, setup: message.setup === true });
        return;
      case 'failed':
        if (this.state !== 'starting') return;
        this.state = 'failed';
        // It waits to be closed; close it now, the dialog does not need it.
        this.process?.postMessage({ type: 'close', reason: 'the terminal host could not start' });
        this.events.onFailed({ code: message.code, message: message.message });
        return;
      case 'reply':
      case 'push':
        this.events.onMessage(message);
        return;
    }
  }

  private exit(child: UtilityApi, code: number): void {
    if (this.process !== child) return;
    this.process = null;
    const wasReady = this.state === 'ready';
    if (this.state === 'stopping' || this.state === 'failed' || this.state === 'stopped') {
      if (this.state === 'stopping') this.state = 'stopped';
      this.exited?.();
      this.exited = null;
      return;
    }
    if (wasReady && this.readyAt !== null && this.options.now() - this.readyAt >= this.timings.stableMs) this.crashes = 0;
    if (!wasReady) this.startFailures += 1;
    this.readyAt = null;
    if (this.startFailures >= this.timings.maxStartFailures) {
      this.state = 'failed';
      this.events.onFailed({ code: 'crash-loop', message: `The terminal host stopped ${this.startFailures} times in a row while starting (last exit code ${code})` });
      return;
    }
    const delay = Math.min(this.timings.baseBackoffMs * 2 ** this.crashes, this.timings.maxBackoffMs);
    this.crashes += 1;
    this.state = 'waiting';
    this.options.log(`tally app: the terminal host stopped unexpectedly (exit code ${code}); restarting in ${delay} ms`);
    this.events.onDown({ reason: `the terminal host stopped unexpectedly (exit code ${code})`, restartInMs: delay });
    this.restartTimer = this.options.timers.setTimeout(() => this.start(), delay);
  }

  /** Asks the host to close (it finishes queued requests and closes the ledger); kills it after the grace period. */
  async stop(reason: string): Promise<void> {
    if (this.restartTimer !== null) {
      this.options.timers.clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    const child = this.process;
    if (child === null) {
      this.state = 'stopped';
      return;
    }
    if (this.state !== 'failed') this.state = 'stopping';
    const gone = new Promise<void>((resolve) => {
      this.exited = resolve;
    });
    child.postMessage({ type: 'close', reason });
    const killTimer = this.options.timers.setTimeout(() => {
      this.options.log(`tally app: the terminal host did not close within ${this.timings.closeGraceMs} ms; ending it`);
      child.kill();
    }, this.timings.closeGraceMs);
    await gone;
    this.options.timers.clearTimeout(killTimer);
  }
}

/**
 * Bounds how many error events a stream of bad input can make. A noisy serial cable or a HID
 * device sending reports it should not turns every frame or report into an error: 72 KiB of line
 * noise made 545 error events, each one a log line on the host and a line in `scanner watch`, with
 * no limit but the noise. Those errors are about the line, not about a scan, so one of each kind
 * says everything; the rest are counted.
 *
 * For each kind of error (a transport names it: 'serial:control-bytes', 'hid:unknown-report'…):
 * - the first is reported in full, and a window of `windowMs` (10 s by default) opens;
 * - repeats inside the window are counted, not reported;
 * - when the window closes with repeats, one summary is reported ("counter-1: 543 more garbled
 *   reads in the last 10 s — …") and a new window opens, so noise that goes on makes one line
 *   per kind per window;
 * - when a window closes with no repeats, the line has gone clean: the run ends, and the next
 *   error of that kind is reported in full again;
 * - `flush()` reports what was counted and ends every run at once (the device closed or went away,
 *   or a one-off error such as an unplug is about to be reported: the log stays in order).
 *
 * A good scan does not end a run: random noise contains short stretches that frame as "codes"
 * (the card parser refuses them), and letting each of those restart the run would make the count
 * of error events proportional to the noise again.
 *
 * Memory: one small record per kind with a run open, at most `maxKinds` (transports use a handful
 * of fixed kinds; past the bound, further kinds share one "other" record). Time comes from an
 * injected clock and timers, so tests drive windows by hand.
 */
import type { DeviceErrorCode } from './device.js';
import type { Timers } from './supervisor.js';

/** What a transport says about an error that can repeat with every frame or report. */
export interface RepeatKind {
  /** Stable for one kind of problem, never per occurrence (no counts, no bytes): e.g. 'serial:control-bytes'. */
  readonly kind: string;
  /** The summary's plural noun: `${count} more ${what} in the last 10 s`. Says nothing about a scan's text. */
  readonly what: string;
  /** What to do, after a dash (e.g. "check the scanner's baud rate and cable"). */
  readonly advice?: string;
}

export interface RepeatedErrorsOptions {
  /** Default 10 000. */
  readonly windowMs?: number;
  /** Default 16. */
  readonly maxKinds?: number;
}

export const DEFAULT_REPEAT_WINDOW_MS = 10_000;
const DEFAULT_MAX_KINDS = 16;
const OTHER: RepeatKind = { kind: '*', what: 'device errors of other kinds' };

/** A summary to report: the code of the errors it counts, its message and the count. */
export interface RepeatSummary {
  readonly code: DeviceErrorCode;
  readonly message: string;
  readonly repeated: number;
}

interface Run {
  readonly code: DeviceErrorCode;
  readonly kind: RepeatKind;
  count: number;
  since: number;
  timer: unknown;
}

/** Real timers that never keep the process alive just to print a summary. */
export const unrefTimers: Timers = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function describeSpan(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
}

export class RepeatedErrors {
  readonly windowMs: number;
  private readonly maxKinds: number;
  private readonly runs = new Map<string, Run>();

  constructor(
    /** Where summaries go (the device's error channel). */
    private readonly report: (summary: RepeatSummary) => void,
    /** Put before each summary, e.g. "counter-1: ". */
    private readonly prefix: string,
    private readonly clock: () => number = Date.now,
    private readonly timers: Timers = unrefTimers,
    options: RepeatedErrorsOptions = {},
  ) {
    this.windowMs = options.windowMs ?? DEFAULT_REPEAT_WINDOW_MS;
    if (!Number.isInteger(this.windowMs) || this.windowMs < 1 || this.windowMs > 3_600_000) throw new RangeError(`the repeated-error window must be 1 ms to 1 hour (got ${String(options.windowMs)})`);
    this.maxKinds = options.maxKinds ?? DEFAULT_MAX_KINDS;
    if (!Number.isInteger(this.maxKinds) || this.maxKinds < 1) throw new RangeError(`maxKinds must be a positive whole number (got ${String(options.maxKinds)})`);
  }

  /** Kinds with a run open (for tests: the memory bound). */
  get openRuns(): number {
    return this.runs.size;
  }

  /** True when this error is to be reported in full; false when it was counted into a run. */
  admit(code: DeviceErrorCode, kind: RepeatKind): boolean {
    let key = `${code}\u0000${kind.kind}`;
    let effective = kind;
    // Past the bound, new kinds share one record (so at most maxKinds + 1 are ever held).
    if (!this.runs.has(key) && this.runs.size >= this.maxKinds) {
      key = OTHER.kind;
      effective = OTHER;
    }
    const run = this.runs.get(key);
    if (run) {
      run.count += 1;
      return false;
    }
    const opened: Run = { code, kind: effective, count: 0, since: this.clock(), timer: null };
    opened.timer = this.timers.setTimeout(() => this.windowClosed(key, opened), this.windowMs);
    this.runs.set(key, opened);
    return true;
  }

  /** Reports every count and ends every run (closing, unplugged, or before a one-off error). */
  flush(): void {
    for (const key of [...this.runs.keys()]) this.end(key);
  }

  private end(key: string): void {
    const run = this.runs.get(key);
    if (!run) return;
    this.runs.delete(key);
    if (run.timer !== null) this.timers.clearTimeout(run.timer);
    run.timer = null;
    if (run.count > 0) this.summarise(run);
  }

  private windowClosed(key: string, run: Run): void {
    if (this.runs.get(key) !== run) return; // ended meanwhile
    run.timer = null;
    if (run.count === 0) {
      // A whole window without a repeat: the line is clean again.
      this.runs.delete(key);
      return;
    }
    this.summarise(run);
    run.count = 0;
    run.since = this.clock();
    run.timer = this.timers.setTimeout(() => this.windowClosed(key, run), this.windowMs);
  }

  private summarise(run: Run): void {
    const { what, advice } = run.kind;
    const message = `${this.prefix}${run.count} more ${what} in the last ${describeSpan(this.clock() - run.since)}${advice ? ` — ${advice}` : ''}`;
    this.report({ code: run.code, message, repeated: run.count });
  }
}

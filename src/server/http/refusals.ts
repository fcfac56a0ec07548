/**
 * How often the server says no, per minute and per reason: one log line a minute while refusals
 * happen, so a terminal stuck resending a bad batch, a revoked terminal that keeps trying, or
 * someone guessing credentials or enrolment codes shows up as a number, without a line per
 * request and without any credential, code or body in the log.
 */
export interface RefusalSummary {
  readonly windowSeconds: number;
  /** "401 unknown-credential" → count. */
  readonly refusals: Readonly<Record<string, number>>;
  readonly total: number;
}

export class RefusalTally {
  private counts = new Map<string, number>();
  private windowStart: number | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly report: (summary: RefusalSummary) => void,
    private readonly clock: () => number,
    private readonly windowMs = 60_000,
  ) {}

  note(status: number, code: string): void {
    if (this.windowStart === null) {
      this.windowStart = this.clock();
      // The window closes on time even if no other refusal follows; unref: it never keeps the process up.
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
    }
    const key = `${status} ${code}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Reports what the current window holds (also on close, so the last minute is not lost). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.counts.size > 0 && this.windowStart !== null) {
      const refusals = Object.fromEntries([...this.counts].sort((a, b) => b[1] - a[1]));
      const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
      this.report({ windowSeconds: Math.max(1, Math.round((this.clock() - this.windowStart) / 1000)), refusals, total });
    }
    this.counts = new Map();
    this.windowStart = null;
  }
}

/**
 * Simulated time. One true time runs forward (the server's clock); each terminal reads it through
 * its own offset, which a clock jump moves by days either way (a mis-set or drifting counter clock,
 * later put right). Nothing here reads the real clock.
 */

const DAY_MS = 86_400_000;

export class SimClock {
  private trueNow: number;
  private readonly offsets = new Map<string, number>();

  constructor(start: number) {
    this.trueNow = start;
  }

  /** The true time: the server's clock. */
  now(): number {
    return this.trueNow;
  }

  /** Time passes for everyone. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('true time only moves forward');
    this.trueNow += ms;
  }

  offset(terminalId: string): number {
    return this.offsets.get(terminalId) ?? 0;
  }

  /** What a terminal's clock says now. */
  terminalNow(terminalId: string): number {
    return this.trueNow + this.offset(terminalId);
  }

  /** A terminal's clock as a function the code under test can hold. */
  terminal(terminalId: string): () => number {
    return () => this.terminalNow(terminalId);
  }

  /** A terminal's clock jumps by `ms` (positive: ahead, negative: behind). */
  jump(terminalId: string, ms: number): void {
    this.offsets.set(terminalId, this.offset(terminalId) + ms);
  }

  /** A terminal's clock is set right again (NTP came back). */
  reset(terminalId: string): void {
    this.offsets.set(terminalId, 0);
  }

  describeOffset(terminalId: string): string {
    const off = this.offset(terminalId);
    if (off === 0) return 'on time';
    const days = off / DAY_MS;
    return `${days > 0 ? '+' : ''}${days.toFixed(2)} days`;
  }
}

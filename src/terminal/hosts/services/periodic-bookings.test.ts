import { describe, expect, it } from 'vitest';
import { nextPeriodicRun, PERIODIC_EVERY_MS } from './periodic-bookings.js';

const at = (iso: string): number => Date.parse(iso);

describe('when the host books what time brings', () => {
  it('runs an hour after the last run, or just after local midnight when that comes first', () => {
    // Seoul is UTC+9: local midnight of 2 March is 15:00 UTC on 1 March.
    expect(nextPeriodicRun(at('2026-03-01T10:00:00Z'), 'Asia/Seoul')).toBe(at('2026-03-01T11:00:00Z'));
    expect(nextPeriodicRun(at('2026-03-01T14:30:00Z'), 'Asia/Seoul')).toBe(at('2026-03-01T15:00:05Z'));
    // Midnight itself, and the few seconds before the day's run: that run, not tomorrow's.
    expect(nextPeriodicRun(at('2026-03-01T15:00:00Z'), 'Asia/Seoul')).toBe(at('2026-03-01T15:00:05Z'));
    // Once it has run, the next is an hour on.
    expect(nextPeriodicRun(at('2026-03-01T15:00:05Z'), 'Asia/Seoul')).toBe(at('2026-03-01T15:00:05Z') + PERIODIC_EVERY_MS);
  });

  it("follows the store's own midnight across a daylight-saving change", () => {
    // Los Angeles: clocks go forward on 8 March 2026 (midnight is still at UTC-8), back on 1 November.
    expect(nextPeriodicRun(at('2026-03-08T07:30:00Z'), 'America/Los_Angeles')).toBe(at('2026-03-08T08:00:05Z'));
    expect(nextPeriodicRun(at('2026-03-09T06:30:00Z'), 'America/Los_Angeles')).toBe(at('2026-03-09T07:00:05Z'));
    expect(nextPeriodicRun(at('2026-11-02T07:30:00Z'), 'America/Los_Angeles')).toBe(at('2026-11-02T08:00:05Z'));
  });

  it('takes other intervals and delays (tests, a busy chain)', () => {
    expect(nextPeriodicRun(at('2026-03-01T10:00:00Z'), 'UTC', 60_000, 0)).toBe(at('2026-03-01T10:01:00Z'));
    expect(nextPeriodicRun(at('2026-03-01T23:59:30Z'), 'UTC', 60_000, 0)).toBe(at('2026-03-02T00:00:00Z'));
  });
});

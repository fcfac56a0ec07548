import { describe, expect, it } from 'vitest';
import { BEHIND_SLACK_MS, clockProblem, EARLIEST_PLAUSIBLE_TIME } from './clock-guard.js';

const WALL = Date.parse('2026-12-06T10:00:00Z');

describe('clockProblem', () => {
  it('accepts the real clock, and a small step back (an NTP correction)', () => {
    expect(clockProblem({ now: WALL, wallNow: WALL, overridden: false, lastBookedAt: WALL - 60_000 })).toBeNull();
    expect(clockProblem({ now: WALL, wallNow: WALL, overridden: false, lastBookedAt: WALL + BEHIND_SLACK_MS - 1 })).toBeNull();
  });

  it('refuses a clock that fell back to 1970, or year 0, even on a new terminal', () => {
    expect(clockProblem({ now: 0, wallNow: 0, overridden: false, lastBookedAt: null })).toMatchObject({ kind: 'before-release', message: expect.stringMatching(/1970-01-01T00:00:00Z, before this version of Tally existed/) });
    expect(clockProblem({ now: Date.parse('0000-01-01T00:00:00Z'), wallNow: WALL, overridden: true, lastBookedAt: null })?.kind).toBe('before-release');
    expect(clockProblem({ now: EARLIEST_PLAUSIBLE_TIME - 1, wallNow: WALL, overridden: false, lastBookedAt: null })?.kind).toBe('before-release');
  });

  it('refuses a write earlier than the last booking', () => {
    const problem = clockProblem({ now: WALL - 86_400_000, wallNow: WALL - 86_400_000, overridden: false, lastBookedAt: WALL });
    expect(problem).toEqual({ kind: 'behind-last-booking', message: "This terminal's clock says 2026-12-05T10:00:00Z, earlier than this terminal's last booking (2026-12-06T10:00:00Z): set the clock right; nothing was written" });
  });

  it('refuses an overridden clock more than a day ahead of the real one (year 9999), but not one in the past', () => {
    expect(clockProblem({ now: Date.parse('9999-12-31T00:00:00Z'), wallNow: WALL, overridden: true, lastBookedAt: null })?.kind).toBe('ahead-of-real-clock');
    expect(clockProblem({ now: WALL + 86_400_000 + 1, wallNow: WALL, overridden: true, lastBookedAt: null })?.kind).toBe('ahead-of-real-clock');
    expect(clockProblem({ now: Date.parse('2026-11-20T15:30:00Z'), wallNow: WALL, overridden: true, lastBookedAt: null })).toBeNull();
  });
});

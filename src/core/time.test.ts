/**
 * Local days in a store's zone: Seoul (UTC+9, no DST) and New York (DST on 2026-03-08 and
 * 2026-11-01), plus the calendar helpers the rules build on.
 */
import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  compareDates,
  dayKey,
  daysInMonth,
  isoInstant,
  isoWeekday,
  isTimeZone,
  localDateOf,
  localIso,
  monthKey,
  parseDayKey,
  parseIsoInstant,
  startOfLocalDay,
  zoneOffset,
} from './time.js';

const SEOUL = 'Asia/Seoul';
const NEW_YORK = 'America/New_York';
const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);

describe('localDateOf and startOfLocalDay in Seoul (UTC+9)', () => {
  it('puts 15:00 UTC on the next Seoul day', () => {
    expect(localDateOf(at('2026-11-25T14:59:59.999Z'), SEOUL)).toEqual({ year: 2026, month: 11, day: 25 }); // 23:59:59.999 KST
    expect(localDateOf(at('2026-11-25T15:00:00.000Z'), SEOUL)).toEqual({ year: 2026, month: 11, day: 26 }); // 00:00 KST
  });

  it('starts a Seoul day at 15:00 UTC the day before', () => {
    expect(startOfLocalDay({ year: 2026, month: 11, day: 26 }, SEOUL)).toBe(at('2026-11-25T15:00:00Z')); // 00:00 − 9 h
    expect(startOfLocalDay({ year: 2027, month: 1, day: 1 }, SEOUL)).toBe(at('2026-12-31T15:00:00Z'));
  });

  it('has a constant +9 h offset', () => {
    expect(zoneOffset(at('2026-01-15T00:00:00Z'), SEOUL)).toBe(9 * HOUR);
    expect(zoneOffset(at('2026-07-15T00:00:00Z'), SEOUL)).toBe(9 * HOUR);
  });
});

describe('localDateOf and startOfLocalDay in New York across DST', () => {
  it('starts 2026-03-08 (spring forward at 02:00) at midnight EST, 05:00 UTC, and the day lasts 23 hours', () => {
    const start = startOfLocalDay({ year: 2026, month: 3, day: 8 }, NEW_YORK);
    expect(start).toBe(at('2026-03-08T05:00:00Z')); // 00:00 EST = UTC−5
    const next = startOfLocalDay({ year: 2026, month: 3, day: 9 }, NEW_YORK);
    expect(next).toBe(at('2026-03-09T04:00:00Z')); // 00:00 EDT = UTC−4
    expect(next - start).toBe(23 * HOUR);
    expect(localDateOf(start - 1, NEW_YORK)).toEqual({ year: 2026, month: 3, day: 7 });
    expect(localDateOf(start, NEW_YORK)).toEqual({ year: 2026, month: 3, day: 8 });
  });

  it('starts 2026-11-01 (fall back at 02:00) at midnight EDT, 04:00 UTC, and the day lasts 25 hours', () => {
    const start = startOfLocalDay({ year: 2026, month: 11, day: 1 }, NEW_YORK);
    expect(start).toBe(at('2026-11-01T04:00:00Z')); // 00:00 EDT = UTC−4
    const next = startOfLocalDay({ year: 2026, month: 11, day: 2 }, NEW_YORK);
    expect(next).toBe(at('2026-11-02T05:00:00Z')); // 00:00 EST = UTC−5
    expect(next - start).toBe(25 * HOUR);
    expect(localDateOf(next - 1, NEW_YORK)).toEqual({ year: 2026, month: 11, day: 1 }); // 23:59:59.999 EST
  });

  it('switches the offset at 02:00 local time', () => {
    expect(zoneOffset(at('2026-03-08T06:59:59Z'), NEW_YORK)).toBe(-5 * HOUR); // 01:59:59 EST
    expect(zoneOffset(at('2026-03-08T07:00:00Z'), NEW_YORK)).toBe(-4 * HOUR); // 03:00:00 EDT
    expect(zoneOffset(at('2026-11-01T05:59:59Z'), NEW_YORK)).toBe(-4 * HOUR); // 01:59:59 EDT
    expect(zoneOffset(at('2026-11-01T06:00:00Z'), NEW_YORK)).toBe(-5 * HOUR); // 01:00:00 EST (again)
  });

  it('gives the same local day to both 01:30s of 2026-11-01', () => {
    expect(localDateOf(at('2026-11-01T05:30:00Z'), NEW_YORK)).toEqual({ year: 2026, month: 11, day: 1 }); // 01:30 EDT
    expect(localDateOf(at('2026-11-01T06:30:00Z'), NEW_YORK)).toEqual({ year: 2026, month: 11, day: 1 }); // 01:30 EST
  });

});

describe('startOfLocalDay in a zone that changes its clocks at midnight (Santiago)', () => {
  it('finds the start of a day whose midnight does not exist (Santiago springs forward at 00:00 on 2026-09-06)', () => {
    // Chile: 2026-09-06 00:00 −04 becomes 01:00 −03, so the day starts at 04:00 UTC (shown as 01:00 −03).
    const start = startOfLocalDay({ year: 2026, month: 9, day: 6 }, 'America/Santiago');
    expect(localDateOf(start, 'America/Santiago')).toEqual({ year: 2026, month: 9, day: 6 });
    expect(localDateOf(start - 1, 'America/Santiago')).toEqual({ year: 2026, month: 9, day: 5 });
    expect(start).toBe(at('2026-09-06T04:00:00Z'));
  });

  it('finds the start of a day that begins twice-over (Santiago falls back at 00:00 on 2026-04-05)', () => {
    // 2026-04-05 00:00 −03 becomes 2026-04-04 23:00 −04; the 5th starts at 00:00 −04 = 04:00 UTC.
    expect(startOfLocalDay({ year: 2026, month: 4, day: 5 }, 'America/Santiago')).toBe(at('2026-04-05T04:00:00Z'));
  });
});

describe('localIso', () => {
  it('writes Seoul wall time with +09:00 and drops milliseconds', () => {
    expect(localIso(at('2026-11-25T09:33:22Z'), SEOUL)).toBe('2026-11-25T18:33:22+09:00');
    expect(localIso(at('2026-11-25T09:33:22.789Z'), SEOUL)).toBe('2026-11-25T18:33:22+09:00');
  });

  it('tells the two 01:30s of New York’s fall-back night apart by their offset', () => {
    expect(localIso(at('2026-11-01T05:30:00Z'), NEW_YORK)).toBe('2026-11-01T01:30:00-04:00');
    expect(localIso(at('2026-11-01T06:30:00Z'), NEW_YORK)).toBe('2026-11-01T01:30:00-05:00');
  });

  it('writes half-hour offsets (Kolkata +05:30)', () => {
    expect(localIso(at('2026-01-01T00:00:00Z'), 'Asia/Kolkata')).toBe('2026-01-01T05:30:00+05:30');
  });

  it('round-trips through parseIsoInstant', () => {
    const instant = at('2026-03-08T07:15:00Z');
    expect(parseIsoInstant(localIso(instant, NEW_YORK))).toBe(instant); // 03:15:00-04:00
    expect(isoInstant(instant)).toBe('2026-03-08T07:15:00.000Z');
  });
});

describe('calendar arithmetic', () => {
  it('clamps addMonths to the end of a shorter month', () => {
    expect(addMonths({ year: 2026, month: 1, day: 31 }, 1)).toEqual({ year: 2026, month: 2, day: 28 }); // 2026 is not leap
    expect(addMonths({ year: 2024, month: 1, day: 31 }, 1)).toEqual({ year: 2024, month: 2, day: 29 }); // 2024 is leap
    expect(addMonths({ year: 2026, month: 8, day: 31 }, 1)).toEqual({ year: 2026, month: 9, day: 30 });
    expect(addMonths({ year: 2026, month: 1, day: 31 }, 13)).toEqual({ year: 2027, month: 2, day: 28 });
    expect(addMonths({ year: 2024, month: 2, day: 29 }, 12)).toEqual({ year: 2025, month: 2, day: 28 });
  });

  it('crosses year ends both ways and subtracts months', () => {
    expect(addMonths({ year: 2026, month: 12, day: 15 }, 1)).toEqual({ year: 2027, month: 1, day: 15 });
    expect(addMonths({ year: 2026, month: 1, day: 15 }, -1)).toEqual({ year: 2025, month: 12, day: 15 });
    expect(addMonths({ year: 2026, month: 3, day: 31 }, -1)).toEqual({ year: 2026, month: 2, day: 28 });
    expect(addMonths({ year: 2026, month: 6, day: 10 }, -12)).toEqual({ year: 2025, month: 6, day: 10 });
    expect(addMonths({ year: 2026, month: 6, day: 10 }, 0)).toEqual({ year: 2026, month: 6, day: 10 });
  });

  it('adds days across months, years and leap days', () => {
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1 });
    expect(addDays({ year: 2024, month: 2, day: 28 }, 1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(addDays({ year: 2026, month: 2, day: 28 }, 1)).toEqual({ year: 2026, month: 3, day: 1 });
    expect(addDays({ year: 2026, month: 3, day: 1 }, -1)).toEqual({ year: 2026, month: 2, day: 28 });
  });

  it('counts days in month with the Gregorian leap rule', () => {
    expect(daysInMonth(2024, 2)).toBe(29); // divisible by 4
    expect(daysInMonth(2026, 2)).toBe(28);
    expect(daysInMonth(2100, 2)).toBe(28); // divisible by 100, not 400
    expect(daysInMonth(2000, 2)).toBe(29); // divisible by 400
    expect(daysInMonth(2026, 4)).toBe(30);
    expect(daysInMonth(2026, 12)).toBe(31);
  });

  it('gives ISO weekdays, Monday 1 … Sunday 7 (Thanksgiving 2026 is Thursday the 26th)', () => {
    expect(isoWeekday({ year: 2026, month: 11, day: 23 })).toBe(1); // Monday
    expect(isoWeekday({ year: 2026, month: 11, day: 25 })).toBe(3); // Wednesday
    expect(isoWeekday({ year: 2026, month: 11, day: 26 })).toBe(4); // Thanksgiving, Thursday
    expect(isoWeekday({ year: 2026, month: 11, day: 27 })).toBe(5); // Black Friday
    expect(isoWeekday({ year: 2026, month: 11, day: 29 })).toBe(7); // Sunday
    expect(isoWeekday({ year: 2026, month: 1, day: 1 })).toBe(4); // 1 Jan 2026 is a Thursday
  });

  it('orders dates', () => {
    expect(compareDates({ year: 2026, month: 3, day: 8 }, { year: 2026, month: 3, day: 9 })).toBeLessThan(0);
    expect(compareDates({ year: 2027, month: 1, day: 1 }, { year: 2026, month: 12, day: 31 })).toBeGreaterThan(0);
    expect(compareDates({ year: 2026, month: 3, day: 8 }, { year: 2026, month: 3, day: 8 })).toBe(0);
  });
});

describe('day and month keys', () => {
  it('pads keys to YYYY-MM-DD and YYYY-MM', () => {
    expect(dayKey({ year: 2026, month: 3, day: 8 })).toBe('2026-03-08');
    expect(monthKey({ year: 2026, month: 3 })).toBe('2026-03');
  });

  it('parses real days and rejects impossible or badly written ones', () => {
    expect(parseDayKey('2026-11-27')).toEqual({ year: 2026, month: 11, day: 27 });
    expect(parseDayKey('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    for (const bad of ['2026-02-30', '2026-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-1-5', '26-01-05', '2026-01-05T00:00', '']) {
      expect(parseDayKey(bad), bad).toBeUndefined();
    }
  });
});

describe('parseIsoInstant', () => {
  it('accepts Z and explicit offsets, with or without seconds and milliseconds', () => {
    expect(parseIsoInstant('2026-11-25T18:33:22+09:00')).toBe(Date.UTC(2026, 10, 25, 9, 33, 22)); // 18:33 KST = 09:33 UTC
    expect(parseIsoInstant('2026-11-25T09:33:22.5Z')).toBe(Date.UTC(2026, 10, 25, 9, 33, 22, 500));
    expect(parseIsoInstant('2026-03-08T01:30-05:00')).toBe(Date.UTC(2026, 2, 8, 6, 30)); // 01:30 EST = 06:30 UTC
  });

  it('refuses a local time without a zone (ambiguous), a bare date and other shapes', () => {
    for (const bad of ['2026-11-25T18:33:22', '2026-11-25T18:33', '2026-11-25', '2026-11-25 18:33:22Z', '2026-11-25T18:33:22+0900', 'yesterday', '']) {
      expect(parseIsoInstant(bad), bad).toBeUndefined();
    }
  });

  it('refuses a day that does not exist instead of rolling it into March', () => {
    // Date.parse('2026-02-30T10:00:00Z') in V8 is 2026-03-02T10:00Z; an instant on "30 February" is a typo, not 2 March.
    expect(parseIsoInstant('2026-02-30T10:00:00Z')).toBeUndefined();
    expect(parseIsoInstant('2026-04-31T10:00:00Z')).toBeUndefined();
  });
});

describe('isTimeZone', () => {
  it('accepts IANA zones and refuses made-up ones', () => {
    expect(isTimeZone(SEOUL)).toBe(true);
    expect(isTimeZone(NEW_YORK)).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});

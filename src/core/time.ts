/**
 * Instants are UTC milliseconds since the epoch. A store's IANA time zone is used only to find
 * local calendar days (bonus days, birthdays, expiry dates, end of day); these helpers do that with
 * the ICU data every JS runtime carries, so core stays free of I/O and of a date library.
 */
export type Instant = number;

export interface LocalDate {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number; // 1-31
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock extends LocalDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** Asks ICU (slow: microseconds per call). */
function offsetFromIcu(instant: Instant, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes): number => {
    const part = parts.find((p) => p.type === type);
    return part ? Number(part.value) : 0;
  };
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const truncated = instant - (((instant % 1000) + 1000) % 1000);
  return asUtc - truncated;
}

const BUCKET = 15 * 60_000;
const offsets = new Map<string, number>();

/**
 * Offset of the zone from UTC at that instant, in milliseconds (Seoul: +9 h). Cached per zone and
 * quarter hour, and only where the offset is the same at both ends of the quarter, so a DST change
 * inside it is always asked of ICU: exact, and cheap on the hot path (every checkout asks several times).
 */
export function zoneOffset(instant: Instant, timeZone: string): number {
  const bucket = Math.floor(instant / BUCKET);
  const key = `${timeZone}@${bucket}`;
  const cached = offsets.get(key);
  if (cached !== undefined) return cached;
  const start = offsetFromIcu(bucket * BUCKET, timeZone);
  const end = offsetFromIcu((bucket + 1) * BUCKET - 1, timeZone);
  if (start !== end) return offsetFromIcu(instant, timeZone);
  if (offsets.size > 4096) offsets.clear();
  offsets.set(key, start);
  return start;
}

function wallClock(instant: Instant, timeZone: string): WallClock {
  formatterFor(timeZone); // throws RangeError for an unknown zone, as ICU would
  const local = new Date(instant + zoneOffset(instant, timeZone));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

export function localDateOf(instant: Instant, timeZone: string): LocalDate {
  const w = wallClock(instant, timeZone);
  return { year: w.year, month: w.month, day: w.day };
}

/**
 * The first instant of a local calendar day in the zone. Where a DST change skips midnight itself
 * (Santiago, Havana spring forward at 00:00), the day starts at the first instant that exists.
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): Instant {
  const guess = Date.UTC(date.year, date.month - 1, date.day);
  const first = guess - zoneOffset(guess, timeZone);
  // A second pass settles the offset when the guess and the answer straddle a DST change.
  const second = guess - zoneOffset(first, timeZone);
  return compareDates(localDateOf(second, timeZone), date) < 0 ? first : second;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Adds calendar months, clamping the day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** ISO weekday: Monday 1 … Sunday 7. */
export function isoWeekday(date: LocalDate): number {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return d === 0 ? 7 : d;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function dayKey(date: LocalDate): string {
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

export function monthKey(date: Pick<LocalDate, 'year' | 'month'>): string {
  return `${pad(date.year, 4)}-${pad(date.month)}`;
}

export function parseDayKey(text: string): LocalDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if (date.month < 1 || date.month > 12 || date.day < 1 || date.day > daysInMonth(date.year, date.month)) return undefined;
  return date;
}

export function isoInstant(instant: Instant): string {
  return new Date(instant).toISOString();
}

/** Parses an ISO-8601 instant with an explicit zone (Z or ±hh:mm); local times are ambiguous and refused. */
export function parseIsoInstant(text: string): Instant | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  // Date.parse rolls 30 February into March; a day that does not exist is refused.
  if (parseDayKey(text.slice(0, 10)) === undefined) return undefined;
  const value = Date.parse(text);
  return Number.isNaN(value) ? undefined : value;
}

/** The instant as local wall time with its offset, e.g. 2026-11-25T18:33:22+09:00 (for audit and receipts). */
export function localIso(instant: Instant, timeZone: string): string {
  const offset = zoneOffset(instant, timeZone);
  const local = new Date(instant - (((instant % 1000) + 1000) % 1000) + offset);
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(offset) / 60_000;
  return `${local.toISOString().slice(0, 19)}${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

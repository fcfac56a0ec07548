/**
 * Tiers come from qualifying spend (sales minus returns, each counted at the sale's time).
 * Calendar-year programs keep a tier earned in one year through the next (retention
 * "next-period"), then drop to what the spend supports or one level at a time. Rolling programs
 * look at the trailing window, and with "next-period" keep the best level reached within it.
 * Everything is derived from the spend history, so a late return corrects the tier by itself.
 */
import type { Program, TierLevel } from '../program/schema.js';
import { addMonths, localDateOf, startOfLocalDay, type Instant } from '../time.js';
import type { SpendEntry } from './member-state.js';

export interface TierStatus {
  readonly tier: TierLevel;
  readonly index: number;
  /** Qualifying spend in the current period (calendar year so far, or the trailing window). */
  readonly qualifyingSpend: number;
  readonly periodStart: Instant;
  /** When the current calendar period ends; null for rolling windows. */
  readonly periodEnd: Instant | null;
  readonly next: { readonly tier: TierLevel; readonly spendNeeded: number } | null;
}

type Tiers = NonNullable<Program['tiers']>;

function levelFor(levels: readonly TierLevel[], spend: number): number {
  let index = 0;
  levels.forEach((level, i) => {
    if (spend >= level.minimumSpend) index = i;
  });
  return index;
}

function sumBetween(spend: readonly SpendEntry[], fromExclusive: Instant, toInclusive: Instant): number {
  let total = 0;
  for (const entry of spend) if (entry.effectiveAt > fromExclusive && entry.effectiveAt <= toInclusive) total += entry.amount;
  return total;
}

function yearStart(year: number, timeZone: string): Instant {
  return startOfLocalDay({ year, month: 1, day: 1 }, timeZone);
}

/** Spend per local calendar year, only entries effective up to `at`. */
function spendByYear(spend: readonly SpendEntry[], at: Instant, timeZone: string): Map<number, number> {
  const years = new Map<number, number>();
  for (const entry of spend) {
    if (entry.effectiveAt > at) continue;
    const year = localDateOf(entry.effectiveAt, timeZone).year;
    years.set(year, (years.get(year) ?? 0) + entry.amount);
  }
  return years;
}

function calendarStatus(tiers: Tiers, spend: readonly SpendEntry[], enrolledAt: Instant, at: Instant, timeZone: string): TierStatus {
  const levels = tiers.levels;
  const years = spendByYear(spend, at, timeZone);
  const currentYear = localDateOf(at, timeZone).year;
  const firstYear = Math.min(localDateOf(enrolledAt, timeZone).year, currentYear);
  let base = 0;
  for (let year = firstYear; year < currentYear; year += 1) {
    const earned = levelFor(levels, years.get(year) ?? 0);
    const held = Math.max(base, earned);
    if (tiers.retention === 'current-period') base = 0;
    else base = tiers.downgrade === 'one-level' ? Math.max(earned, held - 1) : earned;
  }
  const qualifyingSpend = years.get(currentYear) ?? 0;
  const index = Math.max(base, levelFor(levels, qualifyingSpend));
  const nextLevel = levels[index + 1];
  return {
    tier: levels[index]!,
    index,
    qualifyingSpend,
    periodStart: yearStart(currentYear, timeZone),
    periodEnd: yearStart(currentYear + 1, timeZone),
    next: nextLevel ? { tier: nextLevel, spendNeeded: Math.max(0, nextLevel.minimumSpend - qualifyingSpend) } : null,
  };
}

function windowStart(at: Instant, months: number, timeZone: string): Instant {
  return startOfLocalDay(addMonths(localDateOf(at, timeZone), -months), timeZone);
}

function rollingStatus(tiers: Tiers, months: number, spend: readonly SpendEntry[], at: Instant, timeZone: string): TierStatus {
  const levels = tiers.levels;
  const start = windowStart(at, months, timeZone);
  const qualifyingSpend = sumBetween(spend, start, at);
  let index = levelFor(levels, qualifyingSpend);
  if (tiers.retention === 'next-period') {
    // A level reached at any moment of the trailing window is kept; window sums only rise at a sale.
    for (const entry of spend) {
      if (entry.amount <= 0 || entry.effectiveAt <= start || entry.effectiveAt > at) continue;
      const then = sumBetween(spend, windowStart(entry.effectiveAt, months, timeZone), entry.effectiveAt);
      index = Math.max(index, levelFor(levels, then));
    }
  }
  const nextLevel = levels[index + 1];
  return {
    tier: levels[index]!,
    index,
    qualifyingSpend,
    periodStart: start,
    periodEnd: null,
    next: nextLevel ? { tier: nextLevel, spendNeeded: Math.max(0, nextLevel.minimumSpend - qualifyingSpend) } : null,
  };
}

/** The member's tier at `at`, or null when the program has no tiers. */
export function tierAt(program: Program, spend: readonly SpendEntry[], enrolledAt: Instant, at: Instant, timeZone: string): TierStatus | null {
  const tiers = program.tiers;
  if (!tiers) return null;
  return tiers.qualification.period === 'calendar-year'
    ? calendarStatus(tiers, spend, enrolledAt, at, timeZone)
    : rollingStatus(tiers, tiers.qualification.months, spend, at, timeZone);
}

export function tierIndex(program: Program, tierId: string): number {
  return program.tiers?.levels.findIndex((l) => l.id === tierId) ?? -1;
}

/**
 * Expiry lots: every credit to a member opens a lot that expires by the program's rule; every debit
 * draws from lots soonest-expiring first (FIFO by expiry), so the sum of open lots is the balance.
 */
import { TallyError } from '../errors.js';
import type { LotDraw } from '../ledger-model.js';
import type { Program } from '../program/schema.js';
import { addDays, addMonths, dayKey, localDateOf, startOfLocalDay, type Instant, type LocalDate } from '../time.js';
import type { OpenLot } from './member-state.js';

/** The instant a lot earned at `earnedAt` expires (its points are usable before it), or null. */
export function lotExpiry(program: Program, earnedAt: Instant, timeZone: string): Instant | null {
  const rule = program.expiry;
  if (rule.type === 'never') return null;
  const earned = localDateOf(earnedAt, timeZone);
  if (rule.type === 'after-months') {
    const target = addMonths(earned, rule.months);
    const until: LocalDate = rule.endOfMonth ? addMonths({ year: target.year, month: target.month, day: 1 }, 1) : target;
    return startOfLocalDay(until, timeZone);
  }
  let year = earned.year + rule.yearsAfter;
  const lastDay = (y: number): LocalDate => ({ year: y, month: rule.month, day: Math.min(rule.day, new Date(Date.UTC(y, rule.month, 0)).getUTCDate()) });
  let expires = startOfLocalDay(addDays(lastDay(year), 1), timeZone);
  while (expires <= earnedAt) {
    year += 1;
    expires = startOfLocalDay(addDays(lastDay(year), 1), timeZone);
  }
  return expires;
}

export function compareLots(a: OpenLot, b: OpenLot): number {
  const ea = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const eb = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (a.earnedAt !== b.earnedAt) return a.earnedAt - b.earnedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Draws `points` from open lots, lots in `prefer` first (a return takes back the points of the sale
 * it reverses), then soonest-expiring first. Never takes a lot below zero.
 */
export function drawFromLots(lots: readonly OpenLot[], points: number, prefer: ReadonlySet<string> = new Set()): LotDraw[] {
  const available = lots.filter((l) => l.remaining > 0).sort((a, b) => {
    const pa = prefer.has(a.sourceTransferId) ? 0 : 1;
    const pb = prefer.has(b.sourceTransferId) ? 0 : 1;
    return pa - pb || compareLots(a, b);
  });
  const draws: LotDraw[] = [];
  let left = points;
  for (const lot of available) {
    if (left === 0) break;
    const take = Math.min(left, lot.remaining);
    draws.push({ lotId: lot.id, points: take });
    left -= take;
  }
  if (left > 0) {
    throw new TallyError('insufficient-points', `Not enough points: ${points} needed, ${points - left} available`);
  }
  return draws;
}

export interface ExpiringAmount {
  /** The last local day the points can be used. */
  readonly lastDay: string;
  readonly expiresAt: Instant;
  readonly points: number;
}

/** Points that expire after `now` and within `days` days, grouped by their last usable day. */
export function expiringSoon(lots: readonly OpenLot[], now: Instant, days: number, timeZone: string): ExpiringAmount[] {
  const horizon = now + days * 86_400_000;
  const byDay = new Map<string, ExpiringAmount>();
  for (const lot of lots) {
    if (lot.remaining <= 0 || lot.expiresAt === null || lot.expiresAt <= now || lot.expiresAt > horizon) continue;
    const lastDay = dayKey(localDateOf(lot.expiresAt - 1, timeZone));
    const prior = byDay.get(lastDay);
    byDay.set(lastDay, { lastDay, expiresAt: lot.expiresAt, points: (prior?.points ?? 0) + lot.remaining });
  }
  return [...byDay.values()].sort((a, b) => a.expiresAt - b.expiresAt);
}

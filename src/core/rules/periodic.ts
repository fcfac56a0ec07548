/**
 * Time-driven entries: points expiry, monthly membership credits, yearly rewards and rebates, the
 * birthday reward, tier reviews at the year end and membership lapses. Each has a deterministic
 * key (member, kind, period), so booking them is idempotent wherever it happens first: at the
 * counter when the member is seen, in the terminal's periodic run, or (later) on the server.
 */
import { ACCOUNTS } from '../ledger-model.js';
import { mulDiv } from '../money.js';
import { addMonths, dayKey, localDateOf, monthKey, startOfLocalDay, type Instant } from '../time.js';
import { isActiveAt } from './membership.js';
import type { Plan } from './plan.js';
import { tierAt, tierIndex } from './tiers.js';

/**
 * A plan with a monthly credit pays it on the day the membership starts and on each monthly
 * anniversary while it runs (a one-month plan: one credit; a year: twelve). The period key is the
 * month of the anniversary, so a plan bought on top of another in the same month adds nothing.
 */
function monthlyCredits(plan: Plan): void {
  const { program, now, timeZone } = plan.ctx;
  const creditOf = (planId: string): number => program.memberships.find((m) => m.id === planId)?.perks.monthlyCredit ?? 0;
  // The most generous plan claims a month first.
  const periods = plan.view.memberships.filter((p) => p.startsAt <= now && creditOf(p.planId) > 0).sort((a, b) => creditOf(b.planId) - creditOf(a.planId) || a.startsAt - b.startsAt);
  for (const period of periods) {
    const start = localDateOf(period.startsAt, timeZone);
    for (let k = 0; ; k += 1) {
      const at = k === 0 ? period.startsAt : startOfLocalDay(addMonths(start, k), timeZone);
      if (at > now || (period.endsAt !== null && at >= period.endsAt)) break;
      const key = monthKey(localDateOf(at, timeZone));
      if (plan.isBooked('membership-credit', key)) continue;
      // Effective on its anniversary, wherever and whenever it is booked.
      plan.credit('membership-credit', creditOf(period.planId), { type: 'period', kind: 'membership-credit', period: key }, { effectiveAt: at, detail: { planId: period.planId, month: key } });
    }
  }
}

function yearEnd(year: number, timeZone: string): Instant {
  return startOfLocalDay({ year: year + 1, month: 1, day: 1 }, timeZone) - 1;
}

function annualRewards(plan: Plan): void {
  const { program, now, timeZone } = plan.ctx;
  if (program.annualRewards.length === 0) return;
  const member = plan.view;
  const currentYear = localDateOf(now, timeZone).year;
  for (let year = localDateOf(member.enrolledAt, timeZone).year; year < currentYear; year += 1) {
    const end = yearEnd(year, timeZone);
    for (const reward of program.annualRewards) {
      const kind = `annual-reward:${reward.id}`;
      const period = String(year);
      if (plan.isBooked(kind, period)) continue;
      if (reward.tier !== undefined) {
        const status = tierAt(program, member.spend, member.enrolledAt, end, timeZone);
        if (!status || status.index < tierIndex(program, reward.tier)) continue;
      }
      if (reward.memberships && !member.memberships.some((p) => reward.memberships?.includes(p.planId) && isActiveAt(p, end))) continue;
      let points = reward.points ?? 0;
      let spend = 0;
      if (reward.rebatePercent !== undefined) {
        const start = startOfLocalDay({ year, month: 1, day: 1 }, timeZone);
        spend = member.spend.filter((s) => s.effectiveAt >= start && s.effectiveAt <= end).reduce((sum, s) => sum + s.amount, 0);
        points = spend > 0 ? mulDiv(mulDiv(spend, reward.rebatePercent, 100), program.earn.rate.points, program.earn.rate.per) : 0;
      }
      if (points > 0) {
        plan.credit('annual-reward', points, { type: 'period', kind, period }, { effectiveAt: end + 1, detail: { rewardId: reward.id, year, ...(reward.rebatePercent !== undefined ? { rebatePercent: reward.rebatePercent, qualifyingSpend: spend } : {}) } });
      }
    }
  }
}

function tierReviews(plan: Plan): void {
  const { program, now, timeZone } = plan.ctx;
  if (program.tiers?.qualification.period !== 'calendar-year') return;
  const member = plan.view;
  const currentYear = localDateOf(now, timeZone).year;
  for (let year = localDateOf(member.enrolledAt, timeZone).year + 1; year <= currentYear; year += 1) {
    const period = String(year);
    if (plan.isBooked('tier-review', period)) continue;
    const before = tierAt(program, member.spend, member.enrolledAt, yearEnd(year - 1, timeZone), timeZone);
    const after = tierAt(program, member.spend, member.enrolledAt, yearEnd(year - 1, timeZone) + 1, timeZone);
    if (!before || !after) continue;
    plan.event('tier-review', period, { year, previousTier: before.tier.id, tier: after.tier.id, qualifyingSpend: before.qualifyingSpend });
  }
}

function membershipLapses(plan: Plan): void {
  const { now, timeZone } = plan.ctx;
  const periods = plan.view.memberships;
  for (const period of periods) {
    if (period.endsAt === null || period.endsAt > now) continue;
    const renewed = periods.some((p) => p !== period && p.planId === period.planId && p.startsAt <= period.endsAt! && (p.endsAt === null || p.endsAt > period.endsAt!));
    if (renewed) continue;
    const key = `${period.planId}:${dayKey(localDateOf(period.endsAt, timeZone))}`;
    if (!plan.isBooked('membership-lapse', key)) plan.event('membership-lapse', key, { planId: period.planId, endedAt: period.endsAt });
  }
}

function expiry(plan: Plan): void {
  const { now, timeZone } = plan.ctx;
  const due = plan.view.lots.filter((l) => l.expiresAt !== null && l.expiresAt <= now);
  const points = due.reduce((sum, l) => sum + l.remaining, 0);
  // One expiry per member per local day: lots come due at the start of a local day, so the day's
  // first run finds all that are due. A return giving back redeemed points past their date expires
  // them itself, at once (see returns.ts): they never wait, spendable, for the next day's run.
  const period = dayKey(localDateOf(now, timeZone));
  if (points === 0 || plan.isBooked('expiry', period)) return;
  plan.debit('expiry', points, ACCOUNTS.expired, { type: 'period', kind: 'expiry', period }, { onlyLots: due, detail: { lots: due.map((l) => ({ lotId: l.id, points: l.remaining, expiresAt: l.expiresAt })) } });
}

function birthdayOn(birthday: { month: number; day: number }, year: number): { month: number; day: number } {
  const leap = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
  return birthday.month === 2 && birthday.day === 29 && !leap ? { month: 2, day: 28 } : birthday;
}

function birthdayReward(plan: Plan): void {
  const { program, now, timeZone } = plan.ctx;
  const rule = program.bonuses.birthday;
  const member = plan.view;
  if (!rule || !member.birthday) return;
  const today = localDateOf(now, timeZone);
  const birthday = birthdayOn(member.birthday, today.year);
  const inWindow = rule.window === 'month' ? today.month === birthday.month : today.month === birthday.month && today.day === birthday.day;
  const period = String(today.year);
  if (!inWindow || plan.isBooked('birthday', period)) return;
  if (rule.tiers) {
    const status = tierAt(program, member.spend, member.enrolledAt, now, timeZone);
    if (!status || !rule.tiers.includes(status.tier.id)) return;
  }
  plan.credit('birthday', rule.points, { type: 'period', kind: 'birthday', period }, { detail: { year: today.year } });
}

/** Adds every time-driven entry due for the plan's member at the plan's `now`. */
export function planDueEntries(plan: Plan): void {
  monthlyCredits(plan);
  annualRewards(plan);
  tierReviews(plan);
  membershipLapses(plan);
  expiry(plan);
  birthdayReward(plan);
}

/**
 * Paid memberships: a plan bought or renewed covers a period (a month, a year, or a lifetime);
 * renewing before the end extends from the end, so no paid day is lost. Periods live in the
 * membership-sale transfers, so they sync like everything else.
 */
import { TallyError } from '../errors.js';
import type { MembershipPlan, Program } from '../program/schema.js';
import { addMonths, localDateOf, startOfLocalDay, type Instant } from '../time.js';
import type { MembershipPeriod } from './member-state.js';

export interface ActiveMembership {
  readonly plan: MembershipPlan;
  readonly period: MembershipPeriod;
}

export function isActiveAt(period: MembershipPeriod, at: Instant): boolean {
  return period.startsAt <= at && (period.endsAt === null || at < period.endsAt);
}

/** The plan in force at `at`; with overlapping plans, the one with the most generous earn multiplier. */
export function activeMembership(program: Program, periods: readonly MembershipPeriod[], at: Instant): ActiveMembership | undefined {
  let best: ActiveMembership | undefined;
  for (const period of periods) {
    if (!isActiveAt(period, at)) continue;
    const plan = program.memberships.find((p) => p.id === period.planId);
    if (!plan) continue;
    if (!best || (plan.perks.earnMultiplier ?? 1) > (best.plan.perks.earnMultiplier ?? 1)) best = { plan, period };
  }
  return best;
}

export function findPlan(program: Program, planId: string): MembershipPlan {
  const plan = program.memberships.find((p) => p.id === planId);
  if (!plan) {
    const known = program.memberships.map((p) => p.id).join(', ') || 'none';
    throw new TallyError('invalid-input', `Unknown membership plan "${planId}" (this program has: ${known})`);
  }
  return plan;
}

/** The period a sale or renewal of `plan` buys at `now`: from now, or from the end of the plan's current period. */
export function nextPeriod(plan: MembershipPlan, periods: readonly MembershipPeriod[], now: Instant, timeZone: string): MembershipPeriod {
  const same = periods.filter((p) => p.planId === plan.id);
  if (same.some((p) => p.endsAt === null && p.startsAt <= now)) {
    throw new TallyError('limit-reached', `The member already holds the lifetime plan "${plan.id}"`);
  }
  const currentEnd = same.reduce<Instant | null>((end, p) => (p.endsAt !== null && p.endsAt > now && (end === null || p.endsAt > end) ? p.endsAt : end), null);
  const startsAt = currentEnd ?? now;
  if (plan.period === 'lifetime') return { planId: plan.id, startsAt, endsAt: null };
  const months = plan.period === 'monthly' ? 1 : 12;
  const endsAt = startOfLocalDay(addMonths(localDateOf(startsAt, timeZone), months), timeZone);
  return { planId: plan.id, startsAt, endsAt };
}

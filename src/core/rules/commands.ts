/**
 * The counter's other commands: enrolment (welcome bonus), action bonuses, donations to a charity,
 * selling or renewing a membership outside a basket, and manager corrections.
 */
import { TallyError } from '../errors.js';
import { ACCOUNTS, charityAccount } from '../ledger-model.js';
import { localDateOf, monthKey } from '../time.js';
import type { MemberState, RuleContext } from './member-state.js';
import { findPlan, nextPeriod } from './membership.js';
import { planDueEntries } from './periodic.js';
import { Plan } from './plan.js';

/** A new member: the welcome bonus, once per member ever. */
export function planEnrolment(member: MemberState, ctx: RuleContext): Plan {
  const plan = new Plan(member, ctx);
  const welcome = ctx.program.bonuses.welcome;
  if (welcome && !plan.isBooked('welcome', 'once')) {
    plan.credit('welcome', welcome.points, { type: 'period', kind: 'welcome', period: 'once' });
  }
  return plan;
}

/** The period an action's limit counts in: once ever, per year, per month, or per reference (one referral per new member). */
export function actionPeriod(ctx: RuleContext, limit: 'once' | 'per-year' | 'per-month' | 'per-reference', reference: string | undefined): string {
  const today = localDateOf(ctx.now, ctx.timeZone);
  switch (limit) {
    case 'once':
      return 'once';
    case 'per-year':
      return String(today.year);
    case 'per-month':
      return monthKey(today);
    case 'per-reference':
      if (reference === undefined || reference.trim() === '') {
        throw new TallyError('invalid-input', 'This action is limited per reference: give the reference (e.g. the referred member or the reviewed product)');
      }
      return `ref:${reference.trim()}`;
  }
}

export function planAction(member: MemberState, ctx: RuleContext, actionId: string, reference?: string): Plan {
  const action = ctx.program.bonuses.actions.find((a) => a.id === actionId);
  if (!action) {
    const known = ctx.program.bonuses.actions.map((a) => a.id).join(', ') || 'none';
    throw new TallyError('invalid-input', `Unknown action "${actionId}" (this program has: ${known})`);
  }
  const plan = new Plan(member, ctx);
  planDueEntries(plan);
  const kind = `action:${action.id}`;
  const period = actionPeriod(ctx, action.limit, reference);
  if (plan.isBooked(kind, period)) {
    // The limit in plain words, with the period it counts in (the store's local month or year).
    const when = { once: ' (once per member)', 'per-year': ` this year (${period})`, 'per-month': ` this month (${period})`, 'per-reference': ` with reference "${reference?.trim() ?? ''}"` }[action.limit];
    throw new TallyError('limit-reached', `This member was already rewarded for action "${action.id}"${when}; nothing was booked`, { action: action.id, limit: action.limit, period });
  }
  plan.credit('action', action.points, { type: 'period', kind, period }, { detail: { action: action.id, ...(reference !== undefined ? { reference } : {}) } });
  return plan;
}

export function planDonation(member: MemberState, ctx: RuleContext, charityId: string, points: number, donationId: string): Plan {
  const { program } = ctx;
  const charity = program.charities.find((c) => c.id === charityId);
  if (!charity) {
    const known = program.charities.map((c) => c.id).join(', ') || 'none';
    throw new TallyError('invalid-input', `Unknown charity "${charityId}" (this program has: ${known})`);
  }
  if (!Number.isSafeInteger(points) || points <= 0) throw new TallyError('invalid-input', `Points to donate must be a whole positive number, got ${String(points)}`);
  if (points < program.donation.minimumPoints) throw new TallyError('invalid-input', `At least ${program.donation.minimumPoints} points can be donated at once`);
  if (points % program.donation.step !== 0) throw new TallyError('invalid-input', `Points are donated in steps of ${program.donation.step}`);
  const plan = new Plan(member, ctx);
  planDueEntries(plan);
  if (points > plan.view.balance) throw new TallyError('insufficient-points', `Not enough points: ${points} to donate, balance is ${plan.view.balance}`);
  plan.debit('donation', points, charityAccount(charity.id), { type: 'transaction', kind: 'donation' }, { detail: { charity: charity.id, donationId } });
  return plan;
}

/** Sells or renews a plan at the counter without a basket; `fee` defaults to the plan's. */
export function planMembershipSale(member: MemberState, ctx: RuleContext, planId: string, txnId: string, fee?: number): Plan {
  const planDef = findPlan(ctx.program, planId);
  const amount = fee ?? planDef.fee;
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new TallyError('invalid-input', `Membership fee must be a whole positive number, got ${String(amount)}`);
  const plan = new Plan(member, ctx);
  planDueEntries(plan);
  const period = nextPeriod(planDef, plan.view.memberships, ctx.now, ctx.timeZone);
  plan.membershipSale(amount, { type: 'transaction', kind: 'membership-sale' }, period, { detail: { txnId } });
  // Perks that pay out monthly start with the membership.
  planDueEntries(plan);
  return plan;
}

/** A manager's correction: a new transfer, never an edit of an old one. */
export function planAdjustment(member: MemberState, ctx: RuleContext, points: number, reason: string): Plan {
  if (!Number.isSafeInteger(points) || points === 0) throw new TallyError('invalid-input', 'An adjustment must be a whole non-zero number of points');
  if (reason.trim().length < 3) throw new TallyError('invalid-input', 'An adjustment needs a reason');
  const plan = new Plan(member, ctx);
  planDueEntries(plan);
  if (points > 0) {
    plan.credit('adjustment-credit', points, { type: 'transaction', kind: 'adjustment-credit' }, { from: ACCOUNTS.adjustments, detail: { reason } });
  } else {
    if (-points > plan.view.balance) throw new TallyError('insufficient-points', `Cannot take ${-points} points: balance is ${plan.view.balance}`);
    plan.debit('adjustment-debit', -points, ACCOUNTS.adjustments, { type: 'transaction', kind: 'adjustment-debit' }, { detail: { reason } });
  }
  return plan;
}

/** Only what time brings (expiry, credits, yearly rewards, birthdays, reviews, lapses). */
export function planPeriodic(member: MemberState, ctx: RuleContext): Plan {
  const plan = new Plan(member, ctx);
  planDueEntries(plan);
  return plan;
}

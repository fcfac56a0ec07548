/**
 * A checkout at the counter: due time-driven entries, a membership sold as a basket line, member
 * discounts, a redemption, points earned and qualifying spend, planned as one set of transfers.
 * `quote` is the same computation without booking: what the cashier sees before committing.
 */
import { basketTotal, lineNet, type Basket } from '../basket.js';
import { TallyError } from '../errors.js';
import { ACCOUNTS } from '../ledger-model.js';
import { allocateProportionally, mulDiv } from '../money.js';
import type { Program } from '../program/schema.js';
import { dayKey, isoWeekday, localDateOf, type Instant } from '../time.js';
import { amountDue, earnPoints, excludedLines, hundredths, lineFigures, storeBonusDay, type EarnComponent, type LineDiscount, type MultiplierSource } from './earn.js';
import { expiringSoon, type ExpiringAmount } from './lots.js';
import type { MemberState, RuleContext } from './member-state.js';
import { activeMembership, findPlan, nextPeriod } from './membership.js';
import { planDueEntries } from './periodic.js';
import { Plan } from './plan.js';
import { chooseRedemption, redemptionOptions, type ChosenRedemption, type RedeemRequest, type RedemptionOptions } from './redeem.js';
import { tierAt, type TierStatus } from './tiers.js';

export interface CheckoutOptions {
  readonly redeem?: RedeemRequest;
  /** A member-chosen bonus day (e.g. the Gold triple-points day) used on this visit. */
  readonly useBonusDay?: string;
}

export interface TierProgress {
  readonly tier: string;
  readonly qualifyingSpend: number;
  readonly nextTier: string | null;
  readonly spendToNext: number | null;
  readonly periodEnd: Instant | null;
}

export interface MemberBonusDayOption {
  readonly id: string;
  readonly multiplier: number;
  readonly available: boolean;
  readonly left: number;
  /** The once-a-year slot this use books: period `YEAR#slot`. */
  readonly slot: number;
  readonly reason?: string;
}

export interface Quote {
  readonly currency: string;
  readonly basketTotal: number;
  readonly discounts: readonly { readonly source: 'membership' | 'redemption'; readonly id: string; readonly amount: number }[];
  /** What the POS should charge once loyalty discounts are applied. */
  readonly amountDue: number;
  readonly eligibleSpend: number;
  readonly earn: {
    readonly points: number;
    readonly components: readonly EarnComponent[];
    readonly memberBonusDayPoints: number;
    readonly belowMinimum: boolean;
    readonly rate: { readonly points: number; readonly per: number };
  };
  readonly redemption: RedemptionOptions & { readonly chosen: ChosenRedemption | null };
  readonly bonusDays: { readonly storeWide: string | null; readonly memberChoice: readonly MemberBonusDayOption[] };
  readonly balanceBefore: number;
  readonly balanceAfter: number;
  readonly tierBefore: TierProgress | null;
  readonly tierAfter: TierProgress | null;
  readonly membership: { readonly planId: string; readonly endsAt: Instant | null } | null;
  readonly expiringSoon: readonly ExpiringAmount[];
}

export interface SaleLineRecord {
  readonly sku: string;
  readonly category: string;
  readonly quantity: number;
  readonly paid: number;
  readonly eligible: number;
}

/** What a return needs to know about the sale it reverses; stored with the checkout and synced. */
export interface SaleRecord {
  readonly txnId: string;
  readonly memberId: string;
  readonly at: Instant;
  readonly currency: string;
  readonly amountDue: number;
  readonly eligibleSpend: number;
  readonly lines: readonly SaleLineRecord[];
  readonly earned: readonly { readonly transferId: string; readonly points: number }[];
  readonly redeemed: { readonly transferId: string; readonly points: number; readonly discount: number; readonly rewardId: string | null; readonly lots: readonly { readonly points: number; readonly expiresAt: Instant | null }[] } | null;
  readonly membershipSale: { readonly transferId: string; readonly planId: string; readonly sku: string; readonly amount: number; readonly startsAt: Instant; readonly endsAt: Instant | null } | null;
  readonly programId: string;
  readonly programVersion: number;
}

export function tierProgress(status: TierStatus | null): TierProgress | null {
  if (!status) return null;
  return {
    tier: status.tier.id,
    qualifyingSpend: status.qualifyingSpend,
    nextTier: status.next?.tier.id ?? null,
    spendToNext: status.next?.spendNeeded ?? null,
    periodEnd: status.periodEnd,
  };
}

function memberBonusDays(program: Program, plan: Plan, tierId: string | undefined, eligibleSpend: number, year: number): MemberBonusDayOption[] {
  return program.bonuses.days.flatMap((day): MemberBonusDayOption[] => {
    if (day.type !== 'member-choice') return [];
    let used = 0;
    let slot = 0;
    for (let n = 1; n <= day.perYear; n += 1) {
      if (plan.isBooked(`bonus-day:${day.id}`, `${year}#${n}`)) used += 1;
      else if (slot === 0) slot = n;
    }
    const left = day.perYear - used;
    const base = { id: day.id, multiplier: day.multiplier, left, slot };
    if (day.tiers && (tierId === undefined || !day.tiers.includes(tierId))) return [{ ...base, available: false, reason: `only for ${day.tiers.join(', ')} members` }];
    if (left === 0) return [{ ...base, available: false, reason: `already used ${day.perYear}× this year` }];
    if (eligibleSpend < day.minimumSpend) return [{ ...base, available: false, reason: `needs eligible spend of ${day.minimumSpend}` }];
    return [{ ...base, available: true }];
  });
}

function sellMembershipLines(plan: Plan, basket: Basket, txnId: string): SaleRecord['membershipSale'] {
  const { program, now, timeZone } = plan.ctx;
  const lines = basket.lines.filter((line) => program.memberships.some((m) => m.sku === line.sku));
  if (lines.length === 0) return null;
  const [line] = lines;
  if (lines.length > 1 || !line || line.quantity !== 1) throw new TallyError('invalid-input', 'A sale can sell one membership (one line, quantity 1)');
  const planDef = program.memberships.find((m) => m.sku === line.sku)!;
  const amount = line.quantity * line.unitPrice - line.discount;
  if (amount <= 0) throw new TallyError('invalid-input', `Membership line ${line.sku} must have a price`);
  const period = nextPeriod(findPlan(program, planDef.id), plan.view.memberships, now, timeZone);
  const transfer = plan.membershipSale(amount, { type: 'transaction', kind: 'membership-sale' }, period, { detail: { txnId, sku: line.sku } });
  return { transferId: transfer.id, planId: period.planId, sku: line.sku, amount, startsAt: period.startsAt, endsAt: period.endsAt };
}

export interface CheckoutPlan {
  readonly plan: Plan;
  readonly quote: Quote;
  readonly sale: SaleRecord;
}

/** Plans a checkout; throws a TallyError for anything a cashier must fix (unknown reward, too few points…). */
export function planCheckout(member: MemberState, basket: Basket, ctx: RuleContext, txnId: string, options: CheckoutOptions = {}): CheckoutPlan {
  const { program, now, timeZone } = ctx;
  if (basket.currency !== program.currency) {
    throw new TallyError('invalid-input', `The basket is in ${basket.currency} but the program counts in ${program.currency}`);
  }
  const plan = new Plan(member, ctx);
  planDueEntries(plan);
  const membershipSale = sellMembershipLines(plan, basket, txnId);
  // A plan sold in this basket pays its first monthly credit now, as at the counter.
  if (membershipSale) planDueEntries(plan);
  const before = plan.view;
  const statusBefore = tierAt(program, before.spend, before.enrolledAt, now, timeZone);
  const membership = activeMembership(program, before.memberships, now);

  const excluded = excludedLines(program, basket);
  const total = basketTotal(basket);
  const nets = basket.lines.map(lineNet);
  const discountable = nets.reduce((sum, net, i) => (excluded[i] ? sum : sum + net), 0);
  const percentOff = membership?.plan.perks.percentOff ?? 0;
  const memberDiscount = mulDiv(discountable, percentOff, 100);
  // The same split lineFigures makes first, so rewards see what is left of each line.
  const memberShares = allocateProportionally(memberDiscount, nets.map((net, i) => (excluded[i] ? 0 : net)));
  const payable = total - memberDiscount;
  const options_ = redemptionOptions(program, basket, { remaining: nets.map((net, i) => net - (memberShares[i] ?? 0)), excluded }, payable, before.balance);
  const chosen = options.redeem ? chooseRedemption(program, options_, options.redeem) : null;

  const lineDiscounts: LineDiscount[] = [{ kind: 'spread', amount: memberDiscount, over: excluded.map((x) => !x) }];
  if (chosen) {
    lineDiscounts.push(
      chosen.lineIndex !== null
        ? { kind: 'line', index: chosen.lineIndex, amount: chosen.discount }
        : { kind: 'spread', amount: chosen.discount, over: chosen.spreadOver === 'basket' ? basket.lines.map(() => true) : excluded.map((x) => !x) },
    );
  }
  const figures = lineFigures(program, basket, lineDiscounts);
  const eligibleSpend = figures.reduce((sum, l) => sum + l.eligible, 0);

  const today = localDateOf(now, timeZone);
  const tierId = statusBefore?.tier.id;
  const multipliers: MultiplierSource[] = [];
  if (statusBefore && statusBefore.tier.multiplier > 1) multipliers.push({ kind: 'tier', id: statusBefore.tier.id, multiplier: hundredths(statusBefore.tier.multiplier) });
  const planMultiplier = membership?.plan.perks.earnMultiplier;
  if (membership && planMultiplier !== undefined && planMultiplier > 1) multipliers.push({ kind: 'membership', id: membership.plan.id, multiplier: hundredths(planMultiplier) });
  const storeDay = storeBonusDay(program.bonuses.days, dayKey(today), isoWeekday(today), tierId, eligibleSpend);
  if (storeDay) multipliers.push({ kind: 'bonus-day', id: storeDay.id, multiplier: hundredths(storeDay.multiplier) });
  const dayOptions = memberBonusDays(program, plan, tierId, eligibleSpend, today.year);
  if (options.useBonusDay !== undefined) {
    const option = dayOptions.find((d) => d.id === options.useBonusDay);
    if (!option) throw new TallyError('invalid-input', `Unknown member bonus day "${options.useBonusDay}" (this program has: ${dayOptions.map((d) => d.id).join(', ') || 'none'})`);
    if (!option.available) throw new TallyError('limit-reached', `Bonus day "${option.id}" cannot be used: ${option.reason ?? 'not available'}`);
    multipliers.push({ kind: 'member-bonus-day', id: option.id, multiplier: hundredths(option.multiplier) });
  }
  const earn = earnPoints(program, figures, multipliers);
  const due = amountDue(basket, memberDiscount + (chosen?.discount ?? 0));

  // Booking order matters: points earned on this sale cannot pay for it.
  let redeemed: SaleRecord['redeemed'] = null;
  if (chosen) {
    const expiries = new Map(plan.view.lots.map((l) => [l.id, l.expiresAt]));
    const transfer = plan.debit('redeem', chosen.points, ACCOUNTS.redeemed, { type: 'transaction', kind: 'redeem' }, {
      moneyAmount: chosen.discount,
      detail: { txnId, rewardId: chosen.rewardId, discount: chosen.discount },
    })!;
    redeemed = {
      transferId: transfer.id,
      points: chosen.points,
      discount: chosen.discount,
      rewardId: chosen.rewardId,
      lots: transfer.lotsDrawn.map((d) => ({ points: d.points, expiresAt: expiries.get(d.lotId) ?? null })),
    };
  }
  const earned: { transferId: string; points: number }[] = [];
  const earnTransfer = plan.credit('earn', earn.points, { type: 'transaction', kind: 'earn' }, {
    moneyAmount: due,
    earnRate: program.earn.rate,
    detail: { txnId, eligibleSpend, components: earn.components },
  });
  if (earnTransfer) earned.push({ transferId: earnTransfer.id, points: earn.points });
  if (options.useBonusDay !== undefined && earn.memberBonusDayPoints > 0) {
    const option = dayOptions.find((d) => d.id === options.useBonusDay)!;
    const transfer = plan.credit('bonus-day', earn.memberBonusDayPoints, { type: 'period', kind: `bonus-day:${option.id}`, period: `${today.year}#${option.slot}` }, {
      moneyAmount: due,
      earnRate: program.earn.rate,
      detail: { txnId, bonusDay: option.id, multiplier: option.multiplier, eligibleSpend },
    })!;
    earned.push({ transferId: transfer.id, points: earn.memberBonusDayPoints });
  }
  plan.spend('qualifying-spend', eligibleSpend, { type: 'transaction', kind: 'qualifying-spend' }, now, { detail: { txnId } });

  const after = plan.view;
  const statusAfter = tierAt(program, after.spend, after.enrolledAt, now, timeZone);
  const discounts: Quote['discounts'][number][] = [];
  if (memberDiscount > 0 && membership) discounts.push({ source: 'membership', id: membership.plan.id, amount: memberDiscount });
  if (chosen) discounts.push({ source: 'redemption', id: chosen.rewardId ?? 'points', amount: chosen.discount });
  const quote: Quote = {
    currency: program.currency,
    basketTotal: total,
    discounts,
    amountDue: due,
    eligibleSpend,
    earn: { points: earn.points, components: earn.components, memberBonusDayPoints: earn.memberBonusDayPoints, belowMinimum: earn.belowMinimum, rate: program.earn.rate },
    redemption: { ...options_, chosen },
    bonusDays: { storeWide: storeDay?.id ?? null, memberChoice: dayOptions },
    balanceBefore: before.balance,
    balanceAfter: after.balance,
    tierBefore: tierProgress(statusBefore),
    tierAfter: tierProgress(statusAfter),
    membership: membership ? { planId: membership.plan.id, endsAt: membership.period.endsAt } : null,
    expiringSoon: expiringSoon(after.lots, now, program.expiringSoonDays, timeZone),
  };
  const sale: SaleRecord = {
    txnId,
    memberId: member.id,
    at: now,
    currency: program.currency,
    amountDue: due,
    eligibleSpend,
    lines: figures.map((f) => ({ sku: f.sku, category: f.category, quantity: f.quantity, paid: f.paid, eligible: f.eligible })),
    earned,
    redeemed,
    membershipSale,
    programId: program.id,
    programVersion: program.version,
  };
  return { plan, quote, sale };
}

/** What the cashier sees before committing: the same computation as a checkout, nothing booked. */
export function quote(member: MemberState, basket: Basket, ctx: RuleContext, options: CheckoutOptions = {}): Quote {
  return planCheckout(member, basket, ctx, 'quote', options).quote;
}

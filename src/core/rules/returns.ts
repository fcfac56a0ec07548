/**
 * Returns reverse a sale's points in proportion to the eligible spend returned, at the rate the
 * sale earned them (recorded on its transfers), never today's. Cumulative rounding makes partial
 * returns add up exactly to the original. A full refund gives back redeemed points (with the lots'
 * original expiry); those already past that expiry expire at once, in the same return, so they are
 * never spendable again. A return never creates points: what the member already spent is not taken
 * below zero but written off, or its value taken off the refund, as the program says. What of the
 * sale's points already expired is not taken again: the expiry removed it.
 */
import { TallyError } from '../errors.js';
import { ACCOUNTS, storeRiskAccount } from '../ledger-model.js';
import { mulDiv } from '../money.js';
import type { MemberState, RuleContext } from './member-state.js';
import { planDueEntries } from './periodic.js';
import { Plan } from './plan.js';
import type { SaleRecord } from './checkout.js';

export type ReturnRequest =
  | { readonly returnId: string; readonly amount: number }
  | { readonly returnId: string; readonly lines: readonly { readonly sku: string; readonly quantity: number }[] }
  /** Everything still unreturned (also a sale paid entirely with points, whose amount due is 0). */
  | { readonly returnId: string; readonly all: true };

export interface ReturnRecord {
  readonly returnId: string;
  readonly originalTxnId: string;
  readonly mode: 'amount' | 'lines';
  /** Cumulative after this return: money refunded (amount mode) and quantities per sale line (lines mode). */
  readonly cumulativeAmount: number;
  readonly cumulativeQuantities: readonly number[];
  readonly cumulativeEligible: number;
  /** Points taken back per earning transfer of the sale, cumulative. */
  readonly cumulativeReversed: Readonly<Record<string, number>>;
  /**
   * Of those, the points that had not expired (collected or uncollected), per earning transfer,
   * cumulative. Absent on returns booked before expiry was taken into account: they owed all.
   */
  readonly cumulativeOwed?: Readonly<Record<string, number>>;
  readonly full: boolean;
  /** This return alone. */
  readonly eligibleReturned: number;
  /** pointsReversed = pointsCollected + pointsUncollected + pointsExpired. */
  readonly pointsReversed: number;
  readonly pointsCollected: number;
  readonly pointsUncollected: number;
  /** Reversed points the sale's lots had already lost to expiry: neither collected nor charged. */
  readonly pointsExpired: number;
  readonly refundDeduction: number;
  readonly redeemedRestored: number;
  /** Of the redeemed points given back, those past their original expiry: expired at once. */
  readonly redeemedExpired: number;
  /** The plan a returned membership line (or a full return) cancelled, with its fee refunded. */
  readonly membershipCancelled: string | null;
}

function previousState(
  sale: SaleRecord,
  previous: readonly ReturnRecord[],
): { amount: number; quantities: number[]; eligible: number; reversed: Record<string, number>; owed: Record<string, number>; restored: boolean; mode: ReturnRecord['mode'] | null; full: boolean } {
  const last = previous.at(-1);
  return {
    amount: last?.cumulativeAmount ?? 0,
    quantities: last ? [...last.cumulativeQuantities] : sale.lines.map(() => 0),
    eligible: last?.cumulativeEligible ?? 0,
    reversed: { ...(last?.cumulativeReversed ?? {}) },
    owed: { ...(last?.cumulativeOwed ?? last?.cumulativeReversed ?? {}) },
    restored: previous.some((r) => r.redeemedRestored > 0),
    mode: last?.mode ?? null,
    full: last?.full ?? false,
  };
}

export interface ReturnPlan {
  readonly plan: Plan;
  readonly record: ReturnRecord;
}

/** `previous` are the sale's earlier returns, oldest first. */
export function planReturn(member: MemberState, sale: SaleRecord, previous: readonly ReturnRecord[], input: ReturnRequest, ctx: RuleContext): ReturnPlan {
  const { program } = ctx;
  const prior = previousState(sale, previous);
  if (prior.full) throw new TallyError('return-exceeds-sale', `Sale ${sale.txnId} has already been fully returned`);
  // "All" continues the way the sale was returned before (by lines or by amount).
  const request: ReturnRequest =
    'all' in input
      ? prior.mode === 'lines'
        ? { returnId: input.returnId, lines: sale.lines.map((line, i) => ({ sku: line.sku, quantity: line.quantity - (prior.quantities[i] ?? 0) })).filter((l) => l.quantity > 0) }
        : { returnId: input.returnId, amount: sale.amountDue - prior.amount }
      : input;
  const mode = 'amount' in request ? 'amount' : 'lines';
  if (prior.mode !== null && prior.mode !== mode) {
    throw new TallyError('invalid-input', `Sale ${sale.txnId} was returned by ${prior.mode} before; return the rest by ${prior.mode} too`);
  }
  let cumulativeAmount = prior.amount;
  const quantities = [...prior.quantities];
  let cumulativeEligible: number;
  let full: boolean;
  if ('amount' in request) {
    const allOfIt = 'all' in input;
    if (!Number.isSafeInteger(request.amount) || request.amount < 0 || (request.amount === 0 && !allOfIt)) {
      throw new TallyError('invalid-input', `Returned amount must be a whole positive number of minor units, got ${String(request.amount)}`);
    }
    cumulativeAmount += request.amount;
    if (cumulativeAmount > sale.amountDue) {
      throw new TallyError('return-exceeds-sale', `Return of ${request.amount} is more than the ${sale.amountDue - prior.amount} left of sale ${sale.txnId}`);
    }
    full = cumulativeAmount === sale.amountDue;
    cumulativeEligible = full ? sale.eligibleSpend : sale.amountDue === 0 ? 0 : mulDiv(sale.eligibleSpend, cumulativeAmount, sale.amountDue);
  } else if ('lines' in request) {
    if (request.lines.length === 0) throw new TallyError('invalid-input', 'A return by lines needs at least one line');
    for (const wanted of request.lines) {
      if (!Number.isSafeInteger(wanted.quantity) || wanted.quantity <= 0) throw new TallyError('invalid-input', `Returned quantity of ${wanted.sku} must be a whole positive number`);
      let left = wanted.quantity;
      sale.lines.forEach((line, i) => {
        if (line.sku !== wanted.sku || left === 0) return;
        const take = Math.min(left, line.quantity - (quantities[i] ?? 0));
        quantities[i] = (quantities[i] ?? 0) + take;
        left -= take;
      });
      if (left > 0) throw new TallyError('return-exceeds-sale', `Sale ${sale.txnId} has ${wanted.quantity - left} more of ${wanted.sku} to return, not ${wanted.quantity}`);
    }
    full = sale.lines.every((line, i) => quantities[i] === line.quantity);
    cumulativeEligible = sale.lines.reduce((sum, line, i) => sum + mulDiv(line.eligible, quantities[i] ?? 0, line.quantity), 0);
    cumulativeAmount = sale.lines.reduce((sum, line, i) => sum + mulDiv(line.paid, quantities[i] ?? 0, line.quantity), 0);
  } else {
    throw new TallyError('invalid-input', 'A return needs an amount, lines, or all');
  }

  const plan = new Plan(member, ctx);
  planDueEntries(plan);
  const detail = { originalTxnId: sale.txnId, returnId: request.returnId };
  let redeemedRestored = 0;
  let redeemedExpired = 0;
  if (full && sale.redeemed && !prior.restored) {
    // Given back first, so that what the sale earned can be taken back from them if already spent.
    const restored = plan.credit('return-redeem', sale.redeemed.points, { type: 'transaction', kind: 'return-redeem' }, {
      from: ACCOUNTS.redeemed,
      lots: sale.redeemed.lots,
      moneyAmount: sale.redeemed.discount,
      detail: { originalTxnId: sale.txnId, redeemTransferId: sale.redeemed.transferId },
    });
    redeemedRestored = sale.redeemed.points;
    // The redemption is undone in full (the redeemed account gets it all back), but pieces past their
    // original expiry expire at once, here, to the expired account: no later expiry run would catch
    // them today, and they must not pay for anything, this return's reversal included. Keyed by the
    // return (the day's expiry key may already be taken), so a replayed return books it once.
    const pastDue = new Set((restored?.lotsGranted ?? []).filter((l) => l.expiresAt !== null && l.expiresAt <= ctx.now).map((l) => l.id));
    const due = plan.view.lots.filter((l) => pastDue.has(l.id));
    redeemedExpired = due.reduce((sum, l) => sum + l.remaining, 0);
    plan.debit('expiry', redeemedExpired, ACCOUNTS.expired, { type: 'transaction', kind: 'expiry' }, {
      onlyLots: due,
      detail: { ...detail, restoredPastExpiry: true, lots: due.map((l) => ({ lotId: l.id, points: l.remaining, expiresAt: l.expiresAt })) },
    });
  }
  // After the due entries: an expiry booked by this very plan counts too.
  const expiredFrom = plan.view.expiredFrom;
  const cumulativeReversed: Record<string, number> = { ...prior.reversed };
  const cumulativeOwed: Record<string, number> = { ...prior.owed };
  let pointsReversed = 0;
  let pointsOwed = 0;
  for (const earned of sale.earned) {
    const target = full ? earned.points : sale.eligibleSpend === 0 ? 0 : mulDiv(earned.points, cumulativeEligible, sale.eligibleSpend);
    const delta = target - (prior.reversed[earned.transferId] ?? 0);
    cumulativeReversed[earned.transferId] = target;
    pointsReversed += delta;
    // Only the returned share of the points that did not expire is owed (still on the card, or
    // spent): what expired went to the expired account already. Expired points are spread over the
    // sale in proportion, like the points themselves; cumulative, so a full return owes exactly
    // earned − expired in all, and clamped, so a return never owes less than before or more than it reverses.
    const expired = Math.min(expiredFrom.get(earned.transferId) ?? 0, earned.points);
    const owedTarget = earned.points === 0 ? 0 : mulDiv(target, earned.points - expired, earned.points);
    const owedBefore = prior.owed[earned.transferId] ?? 0;
    const owed = Math.min(delta, Math.max(0, owedTarget - owedBefore));
    cumulativeOwed[earned.transferId] = owedBefore + owed;
    pointsOwed += owed;
  }
  const pointsExpired = pointsReversed - pointsOwed;
  // A member below zero (two counters spent the same points offline) has nothing to take back. At
  // an enrolled terminal only what the server reserved for this return is taken back (spendLots:
  // nothing when offline): the member may have spent the rest at another counter meanwhile, and a
  // return must never take a lot below zero. What is not collected is booked as uncollected.
  // Of the reserved points, only those still open in this counter's copy can be drawn (an entry of
  // its own not yet on the server may have drawn one of those lots): the rest is uncollected too.
  const spendLots = ctx.spendLots;
  const reserved = spendLots === undefined ? Number.POSITIVE_INFINITY : plan.view.lots.reduce((sum, l) => sum + Math.min(l.remaining, spendLots.get(l.id) ?? 0), 0);
  const pointsCollected = Math.max(0, Math.min(pointsOwed, plan.view.balance, reserved));
  const pointsUncollected = pointsOwed - pointsCollected;
  plan.debit('return-earn', pointsCollected, ACCOUNTS.issuance, { type: 'transaction', kind: 'return-earn' }, {
    prefer: new Set(sale.earned.map((e) => e.transferId)),
    detail: { ...detail, cumulativeEligible },
  });
  const pointValue = program.redemption.pointValue;
  const deduct = program.returns.uncollected === 'deduct-from-refund' && pointValue !== undefined;
  const refundDeduction = deduct && pointsUncollected > 0 ? mulDiv(pointsUncollected, pointValue.amount, pointValue.points, 'ceil') : 0;
  plan.transfer('return-uncollected', pointsUncollected, deduct ? ACCOUNTS.refundDeductions : storeRiskAccount(ctx.storeId), ACCOUNTS.issuance, { type: 'transaction', kind: 'return-uncollected' }, {
    moneyAmount: refundDeduction,
    detail: { ...detail, policy: deduct ? 'deduct-from-refund' : 'write-off' },
  });
  const eligibleReturned = cumulativeEligible - prior.eligible;
  plan.spend('return-qualifying-spend', eligibleReturned, { type: 'transaction', kind: 'return-qualifying-spend' }, sale.at, { detail });
  // A membership sold in the sale ends when its line comes back (or the whole sale does), fee refunded.
  let membershipCancelled: string | null = null;
  const membership = sale.membershipSale;
  if (membership) {
    const index = sale.lines.findIndex((line) => line.sku === membership.sku);
    const lineBack = index >= 0 && (quantities[index] ?? 0) > (prior.quantities[index] ?? 0);
    const alreadyBack = index >= 0 && (prior.quantities[index] ?? 0) > 0;
    if ((full || lineBack) && !alreadyBack && plan.view.memberships.some((p) => p.saleTransferId === membership.transferId)) {
      plan.membershipRefund(membership.amount, { type: 'transaction', kind: 'membership-refund' }, membership.transferId, { detail });
      membershipCancelled = membership.planId;
    }
  }
  return {
    plan,
    record: {
      returnId: request.returnId,
      originalTxnId: sale.txnId,
      mode,
      cumulativeAmount,
      cumulativeQuantities: quantities,
      cumulativeEligible,
      cumulativeReversed,
      cumulativeOwed,
      full,
      eligibleReturned,
      pointsReversed,
      pointsCollected,
      pointsUncollected,
      pointsExpired,
      refundDeduction,
      redeemedRestored,
      redeemedExpired,
      membershipCancelled,
    },
  };
}

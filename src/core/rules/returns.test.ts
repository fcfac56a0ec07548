/**
 * Returns: points taken back in proportion to what is returned, adding up exactly over partial
 * returns; redeemed points given back on a full refund with their original expiry; points the
 * member already spent written off or taken off the refund; qualifying spend reversed at the
 * sale's time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBasket, type BasketInput } from '../basket.js';
import { isTallyError, type TallyErrorCode } from '../errors.js';
import type { PlannedTransfer } from '../ledger-model.js';
import { parseProgramText } from '../program/parse.js';
import type { Program } from '../program/schema.js';
import { planCheckout, type CheckoutOptions, type SaleRecord } from './checkout.js';
import { planDonation } from './commands.js';
import type { MemberState, OpenLot, RuleContext } from './member-state.js';
import { planReturn, type ReturnRecord, type ReturnRequest } from './returns.js';
import { tierAt } from './tiers.js';

const PROGRAMS = join(import.meta.dirname, '..', '..', '..', 'resources', 'programs');
const example = (name: string): Program => parseProgramText(readFileSync(join(PROGRAMS, `${name}.json`), 'utf8'), `${name}.json`);
const classic = example('classic-krw'); // deduct-from-refund, 1 point = 10 KRW
const sporting = example('sporting-goods-usd'); // write-off, no point value
const plus = example('plus-membership-charity'); // deduct-from-refund, 100 points = $1

const at = (iso: string): number => Date.parse(iso);

function ctxAt(program: Program, now: number, prefix = 'id'): RuleContext {
  let n = 0;
  return { program, now, timeZone: program.timeZone ?? 'UTC', storeId: 'S1', newId: () => `${prefix}-${(n += 1)}` };
}

function member(over: Partial<Omit<MemberState, 'balance'>> = {}): MemberState {
  const lots = over.lots ?? [];
  return { id: 'M1', enrolledAt: at('2025-01-05T15:00:00Z'), birthday: null, lots, spend: [], memberships: [], booked: new Set(), expiredFrom: new Map(), ...over, balance: lots.reduce((s, l) => s + l.remaining, 0) };
}

const lot = (id: string, remaining: number, expiresAt: number | null, earnedAt: number): OpenLot => ({ id, remaining, expiresAt, earnedAt, sourceTransferId: `t-${id}` });

/** A sale booked for `m`: the sale record and the member as it is after it. */
function sell(program: Program, m: MemberState, now: number, lines: BasketInput['lines'], options: CheckoutOptions = {}, txnId = 'POS-1'): { sale: SaleRecord; after: MemberState } {
  const { plan, sale } = planCheckout(m, parseBasket({ currency: program.currency, lines }), ctxAt(program, now), txnId, options);
  return { sale, after: plan.view };
}

/** The member spent `points` elsewhere since (soonest-expiring lots first). */
function spent(m: MemberState, points: number): MemberState {
  let left = points;
  const lots = [...m.lots]
    .sort((a, b) => (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity))
    .map((l) => {
      const take = Math.min(left, l.remaining);
      left -= take;
      return { ...l, remaining: l.remaining - take };
    })
    .filter((l) => l.remaining > 0);
  return { ...m, lots, balance: m.balance - points };
}

const kinds = (transfers: readonly PlannedTransfer[]): string[] => transfers.map((t) => t.kind);

function refusal(fn: () => unknown): { code: TallyErrorCode; message: string } {
  try {
    fn();
  } catch (error) {
    if (isTallyError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the return was allowed');
}

/** Books returns one after another, each on the member the previous one left. */
function returnsInTurn(program: Program, start: MemberState, sale: SaleRecord, now: number, requests: readonly ReturnRequest[]) {
  let m = start;
  const records: ReturnRecord[] = [];
  const transfers: PlannedTransfer[][] = [];
  for (const request of requests) {
    const { plan, record } = planReturn(m, sale, records, request, ctxAt(program, now, request.returnId));
    records.push(record);
    transfers.push(plan.transfers);
    m = plan.view;
  }
  return { records, transfers, member: m };
}

describe('returns by amount', () => {
  const SALE_AT = at('2026-11-26T03:00:00Z'); // Thursday noon in Seoul
  const LATER = at('2026-12-03T03:00:00Z');
  // 47,900 KRW → 47 points (47.9 floored)
  const { sale, after } = sell(classic, member(), SALE_AT, [{ sku: 'GROCERIES', quantity: 1, unitPrice: 47_900 }]);

  it('takes back exactly the 47 points earned over three returns of a third each', () => {
    expect(sale.earned).toEqual([{ transferId: 'id-1', points: 47 }]);
    // 47900 = 15966 + 15967 + 15967
    const { records, transfers, member: end } = returnsInTurn(classic, after, sale, LATER, [
      { returnId: 'R1', amount: 15_966 },
      { returnId: 'R2', amount: 15_967 },
      { returnId: 'R3', amount: 15_967 },
    ]);
    // cumulative: 47 × 15966/47900 = 15.67 → 15; 47 × 31933/47900 = 31.33 → 31 (so 16 more); full → 47 (16 more)
    expect(records.map((r) => r.pointsReversed)).toEqual([15, 16, 16]);
    expect(records.map((r) => r.cumulativeReversed)).toEqual([{ 'id-1': 15 }, { 'id-1': 31 }, { 'id-1': 47 }]);
    expect(records.map((r) => r.eligibleReturned)).toEqual([15_966, 15_967, 15_967]);
    expect(records.map((r) => r.full)).toEqual([false, false, true]);
    expect(records.reduce((s, r) => s + r.pointsReversed, 0)).toBe(47);
    expect(transfers.map(kinds)).toEqual([
      ['return-earn', 'return-qualifying-spend'],
      ['return-earn', 'return-qualifying-spend'],
      ['return-earn', 'return-qualifying-spend'],
    ]);
    expect(transfers[0]?.[0]).toMatchObject({
      id: 'R1-1',
      amount: 15,
      debit: 'member:M1',
      credit: 'issuance',
      key: { type: 'transaction', kind: 'return-earn' },
      detail: { originalTxnId: 'POS-1', returnId: 'R1', cumulativeEligible: 15_966 },
      lotsDrawn: [{ lotId: 'id-1:0', points: 15 }],
    });
    expect(end.balance).toBe(0);
    // qualifying spend nets to zero: +47900 at the sale, −15966 −15967 −15967 at the sale's time
    expect(end.spend.reduce((s, e) => s + e.amount, 0)).toBe(0);
  });

  it('refuses more than is left of the sale, and anything after a full return', () => {
    expect(refusal(() => planReturn(after, sale, [], { returnId: 'R1', amount: 47_901 }, ctxAt(classic, LATER)))).toEqual({
      code: 'return-exceeds-sale',
      message: 'Return of 47901 is more than the 47900 left of sale POS-1',
    });
    const { records, member: m } = returnsInTurn(classic, after, sale, LATER, [{ returnId: 'R1', amount: 15_966 }]);
    // 47900 − 15966 = 31934 left
    expect(refusal(() => planReturn(m, sale, records, { returnId: 'R2', amount: 31_935 }, ctxAt(classic, LATER))).message).toBe('Return of 31935 is more than the 31934 left of sale POS-1');
    const full = returnsInTurn(classic, after, sale, LATER, [{ returnId: 'R1', amount: 47_900 }]);
    expect(refusal(() => planReturn(full.member, sale, full.records, { returnId: 'R2', amount: 1 }, ctxAt(classic, LATER)))).toEqual({
      code: 'return-exceeds-sale',
      message: 'Sale POS-1 has already been fully returned',
    });
  });

  it('refuses a zero or fractional amount as invalid-input', () => {
    expect(refusal(() => planReturn(after, sale, [], { returnId: 'R1', amount: 0 }, ctxAt(classic, LATER))).code).toBe('invalid-input');
    expect(refusal(() => planReturn(after, sale, [], { returnId: 'R1', amount: 10.5 }, ctxAt(classic, LATER))).code).toBe('invalid-input');
  });
});

describe('returns by lines (sporting-goods-usd)', () => {
  const SALE_AT = at('2026-06-10T16:00:00Z');
  const LATER = at('2026-06-20T16:00:00Z');
  // 2 shoes at $50 + 3 socks at $10 = $130 → 130 points (bronze, below the $200 threshold)
  const { sale, after } = sell(sporting, member(), SALE_AT, [
    { sku: 'SHOE', quantity: 2, unitPrice: 5_000, category: 'footwear' },
    { sku: 'SOCKS', quantity: 3, unitPrice: 1_000, category: 'apparel' },
  ]);

  it('takes back one shoe, then the rest, adding up to the 130 points', () => {
    expect(sale.earned[0]?.points).toBe(130);
    const { records } = returnsInTurn(sporting, after, sale, LATER, [
      { returnId: 'R1', lines: [{ sku: 'SHOE', quantity: 1 }] },
      { returnId: 'R2', lines: [{ sku: 'SOCKS', quantity: 3 }, { sku: 'SHOE', quantity: 1 }] },
    ]);
    // one shoe: eligible 10000 × 1/2 = 5000 → 130 × 5000/13000 = 50 points; the rest (full) 80 more
    expect(records.map((r) => [r.mode, r.cumulativeQuantities, r.cumulativeAmount, r.eligibleReturned, r.pointsReversed, r.full])).toEqual([
      ['lines', [1, 0], 5_000, 5_000, 50, false],
      ['lines', [2, 3], 13_000, 8_000, 80, true],
    ]);
  });

  it('refuses more units than were sold, and a SKU that was not in the sale', () => {
    expect(refusal(() => planReturn(after, sale, [], { returnId: 'R1', lines: [{ sku: 'SHOE', quantity: 3 }] }, ctxAt(sporting, LATER)))).toEqual({
      code: 'return-exceeds-sale',
      message: 'Sale POS-1 has 2 more of SHOE to return, not 3',
    });
    expect(refusal(() => planReturn(after, sale, [], { returnId: 'R1', lines: [{ sku: 'HAT', quantity: 1 }] }, ctxAt(sporting, LATER))).code).toBe('return-exceeds-sale');
    const first = returnsInTurn(sporting, after, sale, LATER, [{ returnId: 'R1', lines: [{ sku: 'SHOE', quantity: 2 }] }]);
    expect(refusal(() => planReturn(first.member, sale, first.records, { returnId: 'R2', lines: [{ sku: 'SHOE', quantity: 1 }] }, ctxAt(sporting, LATER))).message).toBe(
      'Sale POS-1 has 0 more of SHOE to return, not 1',
    );
  });

  it('refuses an empty list and a zero quantity', () => {
    expect(refusal(() => planReturn(after, sale, [], { returnId: 'R1', lines: [] }, ctxAt(sporting, LATER))).code).toBe('invalid-input');
    expect(refusal(() => planReturn(after, sale, [], { returnId: 'R1', lines: [{ sku: 'SHOE', quantity: 0 }] }, ctxAt(sporting, LATER))).code).toBe('invalid-input');
  });

  it('refuses mixing a return by lines with one by amount, either way round', () => {
    const byLines = returnsInTurn(sporting, after, sale, LATER, [{ returnId: 'R1', lines: [{ sku: 'SOCKS', quantity: 1 }] }]);
    expect(refusal(() => planReturn(byLines.member, sale, byLines.records, { returnId: 'R2', amount: 1_000 }, ctxAt(sporting, LATER)))).toEqual({
      code: 'invalid-input',
      message: 'Sale POS-1 was returned by lines before; return the rest by lines too',
    });
    const byAmount = returnsInTurn(sporting, after, sale, LATER, [{ returnId: 'R1', amount: 1_000 }]);
    expect(refusal(() => planReturn(byAmount.member, sale, byAmount.records, { returnId: 'R2', lines: [{ sku: 'SOCKS', quantity: 1 }] }, ctxAt(sporting, LATER))).code).toBe('invalid-input');
  });
});

describe('a full return of a sale paid partly with points', () => {
  const SALE_AT = at('2026-11-26T03:00:00Z');
  const RETURN_AT = at('2026-11-28T03:00:00Z');
  const OLD_EXPIRY = at('2026-11-30T15:00:00Z'); // start of 1 Dec 2026 in Seoul
  const NEW_EXPIRY = at('2028-05-31T15:00:00Z');
  const shopper = member({ lots: [lot('L-OLD', 600, OLD_EXPIRY, at('2024-11-05T03:00:00Z')), lot('L-NEW', 1_400, NEW_EXPIRY, at('2026-05-20T03:00:00Z'))] });
  // 45,000 KRW, 1,000 points pay 10,000 KRW (600 from L-OLD, 400 from L-NEW); 35,000 paid earns 35
  const { sale, after } = sell(classic, shopper, SALE_AT, [{ sku: 'GROCERIES', quantity: 1, unitPrice: 45_000 }], { redeem: { points: 1_000 } });

  it('gives the 1,000 points back in lots with their original expiry, then takes the 35 earned', () => {
    expect(after.balance).toBe(1_035); // 2000 − 1000 + 35
    const { plan, record } = planReturn(after, sale, [], { returnId: 'R1', amount: 35_000 }, ctxAt(classic, RETURN_AT, 'r'));
    expect(kinds(plan.transfers)).toEqual(['return-redeem', 'return-earn', 'return-qualifying-spend']);
    expect(plan.transfers[0]).toMatchObject({
      id: 'r-1',
      amount: 1_000,
      debit: 'redeemed',
      credit: 'member:M1',
      moneyAmount: 10_000,
      detail: { originalTxnId: 'POS-1', redeemTransferId: 'id-1' },
      lotsGranted: [
        { id: 'r-1:0', points: 600, earnedAt: RETURN_AT, expiresAt: OLD_EXPIRY },
        { id: 'r-1:1', points: 400, earnedAt: RETURN_AT, expiresAt: NEW_EXPIRY },
      ],
    });
    // the 35 come out of the sale's own lot first
    expect(plan.transfers[1]).toMatchObject({ amount: 35, lotsDrawn: [{ lotId: 'id-2:0', points: 35 }] });
    expect(plan.transfers[2]).toMatchObject({ amount: 35_000, debit: 'member-spend:M1', credit: 'sales', effectiveAt: SALE_AT });
    expect(record).toMatchObject({ full: true, redeemedRestored: 1_000, pointsReversed: 35, pointsCollected: 35, pointsUncollected: 0, refundDeduction: 0 });
    expect(plan.view.balance).toBe(2_000); // back where the member started
  });

  it('gives redeemed points back only once, on the return that completes the sale', () => {
    const { records, transfers } = returnsInTurn(classic, after, sale, RETURN_AT, [
      { returnId: 'R1', amount: 20_000 },
      { returnId: 'R2', amount: 15_000 },
    ]);
    expect(records.map((r) => r.redeemedRestored)).toEqual([0, 1_000]);
    // 35 × 20000/35000 = 20, then the remaining 15
    expect(records.map((r) => r.pointsReversed)).toEqual([20, 15]);
    expect(transfers.map(kinds)).toEqual([
      ['return-earn', 'return-qualifying-spend'],
      ['return-redeem', 'return-earn', 'return-qualifying-spend'],
    ]);
  });
});

describe('points already spent when the goods come back', () => {
  it('deducts their value from the refund (plus: 100 points = $1)', () => {
    // $200 of groceries → 200 points; the member then donates 100 to the food bank
    const SALE_AT = at('2026-11-25T20:00:00Z');
    const LATER = at('2026-12-01T20:00:00Z');
    const { sale, after } = sell(plus, member(), SALE_AT, [{ sku: 'GROCERIES', quantity: 1, unitPrice: 20_000, category: 'grocery' }]);
    expect(sale.earned[0]?.points).toBe(200);
    const donated = planDonation(after, ctxAt(plus, at('2026-11-27T20:00:00Z'), 'd'), 'food-bank', 100, 'DON-1').view;
    expect(donated.balance).toBe(100);

    const { plan, record } = planReturn(donated, sale, [], { returnId: 'R1', amount: 20_000 }, ctxAt(plus, LATER, 'r'));
    // 200 to take back, 100 left on the card: 100 collected, 100 uncollected = $1.00 off the refund
    expect(record).toMatchObject({ pointsReversed: 200, pointsCollected: 100, pointsUncollected: 100, refundDeduction: 100 });
    expect(record.pointsCollected + record.pointsUncollected).toBe(record.pointsReversed);
    expect(kinds(plan.transfers)).toEqual(['return-earn', 'return-uncollected', 'return-qualifying-spend']);
    expect(plan.transfers[1]).toMatchObject({
      kind: 'return-uncollected',
      unit: 'points',
      amount: 100,
      debit: 'refund-deductions',
      credit: 'issuance',
      moneyAmount: 100,
      detail: { originalTxnId: 'POS-1', returnId: 'R1', policy: 'deduct-from-refund' },
    });
    expect(plan.view.balance).toBe(0);
  });

  it('deducts 10 KRW a point in classic-krw', () => {
    // 30,000 KRW → 30 points; 27 spent since; full return: 3 collected, 27 × 10 KRW = 270 KRW off the refund
    const { sale, after } = sell(classic, member(), at('2026-11-26T03:00:00Z'), [{ sku: 'GROCERIES', quantity: 1, unitPrice: 30_000 }]);
    const { record } = planReturn(spent(after, 27), sale, [], { returnId: 'R1', amount: 30_000 }, ctxAt(classic, at('2026-12-01T03:00:00Z')));
    expect(record).toMatchObject({ pointsReversed: 30, pointsCollected: 3, pointsUncollected: 27, refundDeduction: 270 });
  });

  it('deducts on a partial return too', () => {
    // plus: half of a $200 sale back → 100 points to take; only 50 left on the card → $0.50 off
    const { sale, after } = sell(plus, member(), at('2026-11-25T20:00:00Z'), [{ sku: 'GROCERIES', quantity: 1, unitPrice: 20_000, category: 'grocery' }]);
    const { record } = planReturn(spent(after, 150), sale, [], { returnId: 'R1', amount: 10_000 }, ctxAt(plus, at('2026-12-01T20:00:00Z')));
    expect(record).toMatchObject({ full: false, pointsReversed: 100, pointsCollected: 50, pointsUncollected: 50, refundDeduction: 50 });
  });

  it('writes them off to the store’s risk account where the program says so (sporting-goods)', () => {
    // $130 → 130 points; 100 spent; full return: 30 collected, 100 written off, refund untouched
    const { sale, after } = sell(sporting, member(), at('2026-06-10T16:00:00Z'), [{ sku: 'SHOE', quantity: 1, unitPrice: 13_000, category: 'footwear' }]);
    const { plan, record } = planReturn(spent(after, 100), sale, [], { returnId: 'R1', amount: 13_000 }, ctxAt(sporting, at('2026-06-20T16:00:00Z')));
    expect(record).toMatchObject({ pointsReversed: 130, pointsCollected: 30, pointsUncollected: 100, refundDeduction: 0 });
    expect(plan.transfers.find((t) => t.kind === 'return-uncollected')).toMatchObject({
      amount: 100,
      debit: 'store-risk:S1',
      credit: 'issuance',
      moneyAmount: 0,
      detail: { policy: 'write-off' },
    });
    expect(plan.view.balance).toBe(0);
  });
});

describe('qualifying spend reversal', () => {
  it('counts the return at the sale’s time, so last year’s tier drops', () => {
    // $300 on 20 Dec 2025 makes the member silver for 2025 and (kept) 2026; returned on 10 Jan 2026
    const SALE_AT = at('2025-12-20T17:00:00Z');
    const RETURN_AT = at('2026-01-10T17:00:00Z');
    const { sale, after } = sell(sporting, member(), SALE_AT, [{ sku: 'TENT', quantity: 1, unitPrice: 30_000, category: 'camping' }]);
    expect(tierAt(sporting, after.spend, after.enrolledAt, RETURN_AT, 'America/New_York')?.tier.id).toBe('silver');
    const { plan } = planReturn(after, sale, [], { returnId: 'R1', amount: sale.amountDue }, ctxAt(sporting, RETURN_AT));
    expect(plan.transfers.find((t) => t.kind === 'return-qualifying-spend')).toMatchObject({ amount: 30_000, effectiveAt: SALE_AT, unit: 'money' });
    expect(plan.view.spend).toEqual([
      { effectiveAt: SALE_AT, amount: 30_000 },
      { effectiveAt: SALE_AT, amount: -30_000 },
    ]);
    expect(tierAt(sporting, plan.view.spend, plan.view.enrolledAt, RETURN_AT, 'America/New_York')?.tier.id).toBe('bronze');
  });
});

describe('returning everything, and memberships sold in the sale', () => {
  const SALE = at('2026-04-10T18:00:00Z'); // 11:00 PDT
  const LATER = at('2026-04-12T18:00:00Z');

  it('returns a sale paid entirely with points (amount due 0) with "all", giving the points back', () => {
    const rich = member({ lots: [lot('a', 5_000, null, at('2026-01-05T18:00:00Z'))] });
    // $20.00 of groceries paid with 2,000 points (100 points = $1): nothing left to pay, nothing earned.
    const { sale, after } = sell(plus, rich, SALE, [{ sku: 'APPLES', quantity: 1, unitPrice: 2_000 }], { redeem: { points: 2_000 } });
    expect(sale.amountDue).toBe(0);
    expect(() => planReturn(after, sale, [], { returnId: 'R1', amount: 1 }, ctxAt(plus, LATER, 'r'))).toThrow(/more than the 0 left/);
    const { plan, record } = planReturn(after, sale, [], { returnId: 'R1', all: true }, ctxAt(plus, LATER, 'r'));
    expect(record).toMatchObject({ full: true, redeemedRestored: 2_000, pointsReversed: 0, cumulativeAmount: 0 });
    expect(plan.view.balance).toBe(5_000);
  });

  it('"all" after a partial return by lines returns the remaining lines', () => {
    const lines = [{ sku: 'SHOE', quantity: 1, unitPrice: 8_000 }, { sku: 'SOCK', quantity: 3, unitPrice: 1_000 }];
    const { sale, after } = sell(sporting, member(), SALE, lines);
    const first = planReturn(after, sale, [], { returnId: 'R1', lines: [{ sku: 'SOCK', quantity: 1 }] }, ctxAt(sporting, LATER, 'r1'));
    const rest = planReturn(first.plan.view, sale, [first.record], { returnId: 'R2', all: true }, ctxAt(sporting, LATER, 'r2'));
    expect(rest.record).toMatchObject({ mode: 'lines', full: true, cumulativeQuantities: [1, 3] });
    // 110 earned (base 110) in all: 10 back for one sock, 100 for the rest
    expect(first.record.pointsReversed + rest.record.pointsReversed).toBe(sale.earned.reduce((s, e) => s + e.points, 0));
  });

  it('cancels a membership sold as a basket line when that line comes back, and refunds its fee', () => {
    // Groceries $100 plus the annual plan ($49): the plan starts at once (×2 points, 5% off, 200-point credit).
    const lines = [{ sku: 'GROCERIES', quantity: 1, unitPrice: 10_000 }, { sku: 'PLUS-YEAR', quantity: 1, unitPrice: 4_900 }];
    const { sale, after } = sell(plus, member(), SALE, lines);
    expect(sale.membershipSale).toMatchObject({ planId: 'plus-annual', sku: 'PLUS-YEAR', amount: 4_900 });
    expect(after.memberships).toHaveLength(1);
    const { plan, record } = planReturn(after, sale, [], { returnId: 'R1', lines: [{ sku: 'PLUS-YEAR', quantity: 1 }] }, ctxAt(plus, LATER, 'r'));
    expect(record.membershipCancelled).toBe('plus-annual');
    const refund = plan.transfers.find((t) => t.kind === 'membership-refund');
    expect(refund).toMatchObject({ unit: 'money', amount: 4_900, debit: 'membership-fees', credit: 'pos-tender', detail: { planId: 'plus-annual', saleTransferId: sale.membershipSale?.transferId, cancelledAt: LATER } });
    // The plan now ended at the return.
    expect(plan.view.memberships[0]?.endsAt).toBe(LATER);
    // Returning the groceries later does not refund the plan twice.
    const groceries = planReturn(plan.view, sale, [record], { returnId: 'R2', lines: [{ sku: 'GROCERIES', quantity: 1 }] }, ctxAt(plus, LATER + 1000, 'r2'));
    expect(groceries.record.full).toBe(true);
    expect(groceries.record.membershipCancelled).toBeNull();
    expect(groceries.plan.transfers.some((t) => t.kind === 'membership-refund')).toBe(false);
  });

  it('cancels it on a full return by amount, but not on a partial one', () => {
    const lines = [{ sku: 'GROCERIES', quantity: 1, unitPrice: 10_000 }, { sku: 'PLUS-MONTH', quantity: 1, unitPrice: 599 }];
    const { sale, after } = sell(plus, member(), SALE, lines);
    const partial = planReturn(after, sale, [], { returnId: 'R1', amount: 1_000 }, ctxAt(plus, LATER, 'r1'));
    expect(partial.record.membershipCancelled).toBeNull();
    const rest = planReturn(partial.plan.view, sale, [partial.record], { returnId: 'R2', all: true }, ctxAt(plus, LATER, 'r2'));
    expect(rest.record).toMatchObject({ full: true, membershipCancelled: 'plus-monthly' });
    expect(rest.plan.transfers.find((t) => t.kind === 'membership-refund')?.amount).toBe(599);
  });
});

/**
 * planCheckout end to end on hand-built members: the transfers it plans (kinds, accounts, amounts,
 * lots), redemption before earning, memberships sold in the basket, member-choice and store-wide
 * bonus days, birthdays, and quote() as the same computation that books nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBasket, type Basket, type BasketInput } from '../basket.js';
import { isTallyError, type TallyErrorCode } from '../errors.js';
import { deterministicUuid } from '../ids.js';
import type { PlannedTransfer } from '../ledger-model.js';
import { parseProgramText } from '../program/parse.js';
import type { Program } from '../program/schema.js';
import { planCheckout, quote, type CheckoutOptions } from './checkout.js';
import { planMembershipSale } from './commands.js';
import type { MemberState, OpenLot, RuleContext } from './member-state.js';

const PROGRAMS = join(import.meta.dirname, '..', '..', '..', 'resources', 'programs');
const example = (name: string): Program => parseProgramText(readFileSync(join(PROGRAMS, `${name}.json`), 'utf8'), `${name}.json`);
const classic = example('classic-krw'); // Asia/Seoul, 1 pt / 1,000 KRW, 1 pt = 10 KRW, expiry 24 months to month end
const sporting = example('sporting-goods-usd'); // America/New_York, tiers, Gold 3× day, Black Friday 2×
const plus = example('plus-membership-charity'); // America/Los_Angeles, Plus plans: 2× and 5% off

const at = (iso: string): number => Date.parse(iso);

function ctxAt(program: Program, now: number): RuleContext {
  let n = 0;
  return { program, now, timeZone: program.timeZone ?? 'UTC', storeId: 'S1', newId: () => `id-${(n += 1)}` };
}

function member(over: Partial<Omit<MemberState, 'balance'>> = {}): MemberState {
  const lots = over.lots ?? [];
  return {
    id: 'M1',
    enrolledAt: at('2024-12-01T03:00:00Z'),
    birthday: null,
    lots,
    spend: [],
    memberships: [],
    booked: new Set(),
    expiredFrom: new Map(),
    ...over,
    balance: lots.reduce((sum, l) => sum + l.remaining, 0),
  };
}

const lot = (id: string, remaining: number, expiresAt: number | null, earnedAt: number): OpenLot => ({ id, remaining, expiresAt, earnedAt, sourceTransferId: `t-${id}` });
const basket = (input: BasketInput): Basket => parseBasket(input);
const kinds = (transfers: readonly PlannedTransfer[]): string[] => transfers.map((t) => t.kind);

function refusal(fn: () => unknown): { code: TallyErrorCode; message: string } {
  try {
    fn();
  } catch (error) {
    if (isTallyError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the checkout was allowed');
}

describe('classic-krw: redeem 1,000 points on 45,000 KRW of groceries', () => {
  // Thursday 2026-11-26 12:00 in Seoul: no double-points Wednesday.
  const NOW = at('2026-11-26T03:00:00Z');
  // 600 points expire at the start of 1 Dec 2026 (Seoul); 1,400 at the start of 1 Jun 2028.
  const OLD_EXPIRY = at('2026-11-30T15:00:00Z');
  const NEW_EXPIRY = at('2028-05-31T15:00:00Z');
  const shopper = member({
    lots: [lot('L-NEW', 1_400, NEW_EXPIRY, at('2026-05-20T03:00:00Z')), lot('L-OLD', 600, OLD_EXPIRY, at('2024-11-05T03:00:00Z'))],
  });
  const groceries = basket({ currency: 'KRW', lines: [{ sku: 'GROCERIES', quantity: 1, unitPrice: 45_000 }], tax: { amount: 4_091, included: true } });

  it('plans redeem, then earn on what was paid, then qualifying spend', () => {
    const { plan } = planCheckout(shopper, groceries, ctxAt(classic, NOW), 'POS-1001', { redeem: { points: 1_000 } });
    expect(kinds(plan.transfers)).toEqual(['redeem', 'earn', 'qualifying-spend']);
    const [redeem, earn, spend] = plan.transfers;

    // 1,000 points pay 10,000 KRW; the soonest-expiring lot is drawn first: all 600 of L-OLD, then 400 of L-NEW
    expect(redeem).toEqual({
      id: 'id-1',
      kind: 'redeem',
      unit: 'points',
      amount: 1_000,
      debit: 'member:M1',
      credit: 'redeemed',
      memberId: 'M1',
      key: { type: 'transaction', kind: 'redeem' },
      moneyAmount: 10_000,
      effectiveAt: NOW,
      earnRate: null,
      detail: { txnId: 'POS-1001', rewardId: null, discount: 10_000 },
      lotsGranted: [],
      lotsDrawn: [
        { lotId: 'L-OLD', points: 600 },
        { lotId: 'L-NEW', points: 400 },
      ],
    });

    // 45,000 − 10,000 paid with points = 35,000 KRW eligible (VAT included and counted) → 35 points,
    // in a lot expiring 24 months on at the end of that month: 2028-11-26 → start of 2028-12-01 KST
    expect(earn).toEqual({
      id: 'id-2',
      kind: 'earn',
      unit: 'points',
      amount: 35,
      debit: 'issuance',
      credit: 'member:M1',
      memberId: 'M1',
      key: { type: 'transaction', kind: 'earn' },
      moneyAmount: 35_000,
      effectiveAt: NOW,
      earnRate: { points: 1, per: 1_000 },
      detail: { txnId: 'POS-1001', eligibleSpend: 35_000, components: [{ kind: 'base', points: 35 }] },
      lotsGranted: [{ id: 'id-2:0', points: 35, earnedAt: NOW, expiresAt: at('2028-11-30T15:00:00Z') }],
      lotsDrawn: [],
    });

    expect(spend).toMatchObject({ id: 'id-3', kind: 'qualifying-spend', unit: 'money', amount: 35_000, debit: 'sales', credit: 'member-spend:M1', moneyAmount: 35_000, effectiveAt: NOW });
  });

  it('quotes the amounts and records the sale for returns', () => {
    const { quote: q, sale, plan } = planCheckout(shopper, groceries, ctxAt(classic, NOW), 'POS-1001', { redeem: { points: 1_000 } });
    expect(q.basketTotal).toBe(45_000);
    expect(q.discounts).toEqual([{ source: 'redemption', id: 'points', amount: 10_000 }]);
    expect(q.amountDue).toBe(35_000); // 45000 − 10000
    expect(q.balanceBefore).toBe(2_000);
    expect(q.balanceAfter).toBe(1_035); // 2000 − 1000 + 35
    expect(q.redemption.chosen).toEqual({ points: 1_000, discount: 10_000, rewardId: null, lineIndex: null, spreadOver: 'basket' });
    expect(q.tierBefore).toBeNull();
    expect(q.membership).toBeNull();
    expect(q.expiringSoon).toEqual([]); // L-OLD was used up
    expect(sale).toEqual({
      txnId: 'POS-1001',
      memberId: 'M1',
      at: NOW,
      currency: 'KRW',
      amountDue: 35_000,
      eligibleSpend: 35_000,
      lines: [{ sku: 'GROCERIES', category: 'general', quantity: 1, paid: 35_000, eligible: 35_000 }],
      earned: [{ transferId: 'id-2', points: 35 }],
      redeemed: {
        transferId: 'id-1',
        points: 1_000,
        discount: 10_000,
        rewardId: null,
        lots: [
          { points: 600, expiresAt: OLD_EXPIRY },
          { points: 400, expiresAt: NEW_EXPIRY },
        ],
      },
      membershipSale: null,
      programId: 'classic-krw',
      programVersion: 1,
    });
    // The plan's view: L-OLD gone, L-NEW at 1000, the new 35-point lot
    expect(plan.view.lots.map((l) => [l.id, l.remaining])).toEqual([
      ['L-NEW', 1_000],
      ['id-2:0', 35],
    ]);
    expect(plan.view.spend).toEqual([{ effectiveAt: NOW, amount: 35_000 }]);
  });

  it('warns about the 600 points expiring on 30 November when nothing is redeemed', () => {
    const q = quote(shopper, groceries, ctxAt(classic, NOW));
    expect(q.expiringSoon).toEqual([{ lastDay: '2026-11-30', expiresAt: OLD_EXPIRY, points: 600 }]);
    expect(q.earn.points).toBe(45); // 45000 / 1000
    expect(q.balanceAfter).toBe(2_045);
  });

  it('expires a lot past its date before redeeming, so the redemption never draws it', () => {
    const withExpired = member({ lots: [lot('L-GONE', 300, at('2026-10-31T15:00:00Z'), at('2024-10-02T03:00:00Z')), lot('L-NEW', 1_400, NEW_EXPIRY, at('2026-05-20T03:00:00Z'))] });
    const { plan } = planCheckout(withExpired, groceries, ctxAt(classic, NOW), 'POS-1002', { redeem: { points: 1_000 } });
    expect(kinds(plan.transfers)).toEqual(['expiry', 'redeem', 'earn', 'qualifying-spend']);
    expect(plan.transfers[0]).toMatchObject({ amount: 300, debit: 'member:M1', credit: 'expired', lotsDrawn: [{ lotId: 'L-GONE', points: 300 }] });
    expect(plan.transfers[1]?.lotsDrawn).toEqual([{ lotId: 'L-NEW', points: 1_000 }]);
  });

  it('does not let points earned on this sale pay for it', () => {
    // 450 points on the card; 500 requested; the 45 this sale would earn do not count
    const poor = member({ lots: [lot('L-NEW', 450, NEW_EXPIRY, at('2026-05-20T03:00:00Z'))] });
    expect(refusal(() => planCheckout(poor, groceries, ctxAt(classic, NOW), 'POS-1003', { redeem: { points: 500 } }))).toEqual({
      code: 'insufficient-points',
      message: 'Not enough points: 500 requested, balance is 450',
    });
  });

  it('refuses a basket in another currency', () => {
    const usd = basket({ currency: 'USD', lines: [{ sku: 'X', quantity: 1, unitPrice: 100 }] });
    expect(refusal(() => planCheckout(shopper, usd, ctxAt(classic, NOW), 'POS-1004')).code).toBe('invalid-input');
  });

  it('doubles points on a Wednesday in Seoul, up to 23:59:59 local time', () => {
    // Wednesday 2026-11-25 23:59 KST = 14:59 UTC: 45 base + 45 bonus
    const wednesday = quote(shopper, groceries, ctxAt(classic, at('2026-11-25T14:59:00Z')));
    expect(wednesday.bonusDays.storeWide).toBe('wednesday-double');
    expect(wednesday.earn.points).toBe(90);
    // 00:00 KST Thursday = 15:00 UTC Wednesday: no bonus
    const thursday = quote(shopper, groceries, ctxAt(classic, at('2026-11-25T15:00:00Z')));
    expect(thursday.bonusDays.storeWide).toBeNull();
    expect(thursday.earn.points).toBe(45);
  });
});

describe('plus-membership-charity: a Plus membership sold in the basket applies at once', () => {
  // Wednesday 2026-11-25 12:00 in Los Angeles (PST, UTC−8)
  const NOW = at('2026-11-25T20:00:00Z');
  const newcomer = member({ enrolledAt: at('2026-10-01T17:00:00Z') });
  const groceries = basket({
    currency: 'USD',
    lines: [
      { sku: 'PLUS-MONTH', quantity: 1, unitPrice: 599, category: 'membership', taxable: false },
      { sku: 'PRODUCE', quantity: 1, unitPrice: 10_000, category: 'produce', taxable: false },
      { sku: 'WINE', quantity: 1, unitPrice: 2_000, category: 'alcohol' },
    ],
    tax: { amount: 180, included: false },
  });

  it('sells the plan, takes 5% off and doubles the points in the same checkout', () => {
    const { plan, quote: q, sale } = planCheckout(newcomer, groceries, ctxAt(plus, NOW), 'POS-77');
    expect(kinds(plan.transfers)).toEqual(['membership-sale', 'earn', 'qualifying-spend']);
    // one month from 25 Nov: ends at the start of 25 Dec in Los Angeles = 08:00 UTC
    const ENDS = at('2026-12-25T08:00:00Z');
    expect(plan.transfers[0]).toEqual({
      id: 'id-1',
      kind: 'membership-sale',
      unit: 'money',
      amount: 599,
      debit: 'pos-tender',
      credit: 'membership-fees',
      memberId: 'M1',
      key: { type: 'transaction', kind: 'membership-sale' },
      moneyAmount: 599,
      effectiveAt: NOW,
      earnRate: null,
      detail: { txnId: 'POS-77', sku: 'PLUS-MONTH', planId: 'plus-monthly', startsAt: NOW, endsAt: ENDS },
      lotsGranted: [],
      lotsDrawn: [],
    });
    // 5% off only the produce (the plan line and alcohol are excluded): 10000 × 5% = 500
    expect(q.discounts).toEqual([{ source: 'membership', id: 'plus-monthly', amount: 500 }]);
    // 599 + 10000 + 2000 + 180 tax = 12779; − 500 = 12279
    expect(q.basketTotal).toBe(12_779);
    expect(q.amountDue).toBe(12_279);
    // eligible: produce 10000 − 500 = 9500 → 95 base, + 95 for the 2× plan = 190
    expect(q.eligibleSpend).toBe(9_500);
    expect(q.earn.components).toEqual([
      { kind: 'base', points: 95 },
      { kind: 'membership', id: 'plus-monthly', multiplier: 2, points: 95 },
    ]);
    // the points expire at the end of the following year: start of 2028-01-01 in Los Angeles
    expect(plan.transfers[1]).toMatchObject({ amount: 190, lotsGranted: [{ points: 190, expiresAt: at('2028-01-01T08:00:00Z') }] });
    expect(plan.transfers[2]).toMatchObject({ amount: 9_500 });
    expect(q.membership).toEqual({ planId: 'plus-monthly', endsAt: ENDS });
    expect(sale.membershipSale).toEqual({ transferId: 'id-1', planId: 'plus-monthly', sku: 'PLUS-MONTH', amount: 599, startsAt: NOW, endsAt: ENDS });
    expect(sale.lines.map((l) => [l.sku, l.paid, l.eligible])).toEqual([
      ['PLUS-MONTH', 599, 0],
      ['PRODUCE', 9_500, 9_500],
      ['WINE', 2_000, 0],
    ]);
    expect(plan.view.memberships).toEqual([{ planId: 'plus-monthly', saleTransferId: 'id-1', startsAt: NOW, endsAt: ENDS }]);
  });

  it('credits plus-annual’s 200 monthly points at once, whether sold in a basket or at the counter', () => {
    // At the counter (planMembershipSale) the month's credit starts with the membership:
    const counter = planMembershipSale(newcomer, ctxAt(plus, NOW), 'plus-annual', 'POS-80');
    expect(kinds(counter.transfers)).toEqual(['membership-sale', 'membership-credit']);
    expect(counter.transfers[1]).toMatchObject({ amount: 200, key: { type: 'period', kind: 'membership-credit', period: '2026-11' } });
    // Sold as a basket line, the same perk should be there in the same checkout (it is a perk like 2× and 5% off).
    const yearly = basket({
      currency: 'USD',
      lines: [
        { sku: 'PLUS-YEAR', quantity: 1, unitPrice: 4_900, category: 'membership', taxable: false },
        { sku: 'PRODUCE', quantity: 1, unitPrice: 10_000, category: 'produce', taxable: false },
      ],
    });
    const { plan, quote: q } = planCheckout(newcomer, yearly, ctxAt(plus, NOW), 'POS-81');
    expect(plan.transfers.find((t) => t.kind === 'membership-credit')).toMatchObject({ amount: 200, key: { type: 'period', kind: 'membership-credit', period: '2026-11' } });
    // 200 credit + 190 earned (9500 eligible → 95 × 2)
    expect(q.balanceAfter).toBe(390);
  });

  it('renews from the end of the current month, not from today', () => {
    const holder = member({ enrolledAt: at('2026-10-01T17:00:00Z'), memberships: [{ planId: 'plus-monthly', startsAt: at('2026-11-10T20:00:00Z'), endsAt: at('2026-12-10T08:00:00Z') }] });
    const renewal = basket({ currency: 'USD', lines: [{ sku: 'PLUS-MONTH', quantity: 1, unitPrice: 599, category: 'membership' }] });
    const { sale } = planCheckout(holder, renewal, ctxAt(plus, NOW), 'POS-78');
    // 10 Dec → 10 Jan, both at the start of the day in Los Angeles (PST)
    expect(sale.membershipSale).toMatchObject({ startsAt: at('2026-12-10T08:00:00Z'), endsAt: at('2027-01-10T08:00:00Z') });
  });

  it('refuses two plan lines in one basket', () => {
    const two = basket({
      currency: 'USD',
      lines: [
        { sku: 'PLUS-MONTH', quantity: 1, unitPrice: 599 },
        { sku: 'PLUS-YEAR', quantity: 1, unitPrice: 4_900 },
      ],
    });
    expect(refusal(() => planCheckout(newcomer, two, ctxAt(plus, NOW), 'POS-79')).code).toBe('invalid-input');
  });
});

describe('sporting-goods-usd: the Gold triple-points day', () => {
  // Wednesday 2026-06-10 12:00 in New York (EDT)
  const NOW = at('2026-06-10T16:00:00Z');
  const gold = member({ enrolledAt: at('2025-01-10T15:00:00Z'), spend: [{ effectiveAt: at('2026-03-15T16:00:00Z'), amount: 60_000 }] }); // $600 this year ≥ $500
  const silver = member({ enrolledAt: at('2025-01-10T15:00:00Z'), spend: [{ effectiveAt: at('2026-03-15T16:00:00Z'), amount: 30_000 }] });
  const shoes = basket({ currency: 'USD', lines: [{ sku: 'SHOE-TRAIL-44', quantity: 1, unitPrice: 12_000, category: 'footwear' }], tax: { amount: 960, included: false } });
  const DAY_ID = deterministicUuid('m:M1:bonus-day:gold-3x-day:2026#1');

  it('books the extra 2× as its own once-a-year transfer for a gold member', () => {
    const options: CheckoutOptions = { useBonusDay: 'gold-3x-day' };
    const { plan, quote: q, sale } = planCheckout(gold, shoes, ctxAt(sporting, NOW), 'POS-5', options);
    expect(q.tierBefore?.tier).toBe('gold');
    // $120 eligible (tax excluded) → 120 base + 60 for gold (0.5×) = 180; the day adds 120 × 2 = 240
    expect(q.earn.points).toBe(180);
    expect(q.earn.memberBonusDayPoints).toBe(240);
    expect(kinds(plan.transfers)).toEqual(['earn', 'bonus-day', 'qualifying-spend']);
    expect(plan.transfers[1]).toMatchObject({
      id: DAY_ID,
      kind: 'bonus-day',
      amount: 240,
      debit: 'issuance',
      credit: 'member:M1',
      key: { type: 'period', kind: 'bonus-day:gold-3x-day', period: '2026#1' },
      detail: { txnId: 'POS-5', bonusDay: 'gold-3x-day', multiplier: 3, eligibleSpend: 12_000 },
      // 12 months on: start of 2027-06-10 in New York (EDT)
      lotsGranted: [{ id: `${DAY_ID}:0`, points: 240, expiresAt: at('2027-06-10T04:00:00Z') }],
    });
    expect(q.bonusDays.memberChoice).toEqual([{ id: 'gold-3x-day', multiplier: 3, left: 1, slot: 1, available: true }]);
    expect(sale.earned).toEqual([
      { transferId: 'id-1', points: 180 },
      { transferId: DAY_ID, points: 240 },
    ]);
    expect(q.balanceAfter).toBe(420); // 180 + 240
    expect(plan.isBooked('bonus-day:gold-3x-day', '2026#1')).toBe(true);
  });

  it('refuses the day to a silver member', () => {
    expect(refusal(() => planCheckout(silver, shoes, ctxAt(sporting, NOW), 'POS-6', { useBonusDay: 'gold-3x-day' }))).toEqual({
      code: 'limit-reached',
      message: 'Bonus day "gold-3x-day" cannot be used: only for gold members',
    });
  });

  it('refuses a second use in the same year and offers it again next year', () => {
    const used = { ...gold, booked: new Set(['bonus-day:gold-3x-day|2026#1']) };
    expect(refusal(() => planCheckout(used, shoes, ctxAt(sporting, NOW), 'POS-7', { useBonusDay: 'gold-3x-day' }))).toEqual({
      code: 'limit-reached',
      message: 'Bonus day "gold-3x-day" cannot be used: already used 1× this year',
    });
    expect(quote(used, shoes, ctxAt(sporting, NOW)).bonusDays.memberChoice).toEqual([{ id: 'gold-3x-day', multiplier: 3, left: 0, slot: 0, available: false, reason: 'already used 1× this year' }]);
    // February 2027: gold is kept through 2027 (next-period retention), and 2027 has a fresh slot
    const nextYear = planCheckout(used, shoes, ctxAt(sporting, at('2027-02-01T17:00:00Z')), 'POS-8', { useBonusDay: 'gold-3x-day' });
    expect(nextYear.plan.transfers.find((t) => t.kind === 'bonus-day')?.key).toEqual({ type: 'period', kind: 'bonus-day:gold-3x-day', period: '2027#1' });
  });

  it('refuses an unknown bonus day as invalid-input', () => {
    expect(refusal(() => planCheckout(gold, shoes, ctxAt(sporting, NOW), 'POS-9', { useBonusDay: 'platinum-day' })).code).toBe('invalid-input');
  });
});

describe('sporting-goods-usd: Black Friday (2026-11-27) double points, store-wide', () => {
  const bronze = member({ enrolledAt: at('2026-01-05T15:00:00Z') });
  const bike = basket({ currency: 'USD', lines: [{ sku: 'BIKE-GRAVEL', quantity: 1, unitPrice: 30_000, category: 'cycling' }], tax: { amount: 2_400, included: false } });

  it('doubles a bronze member’s points at 23:30 on Black Friday, with the spend threshold on top', () => {
    // 23:30 EST on 27 Nov = 04:30 UTC on 28 Nov
    const { quote: q } = planCheckout(bronze, bike, ctxAt(sporting, at('2026-11-28T04:30:00Z')), 'POS-BF');
    expect(q.bonusDays.storeWide).toBe('black-friday');
    // $300 eligible: 300 base + 300 for the 2× day + 50 for reaching $200
    expect(q.earn.components).toEqual([
      { kind: 'base', points: 300 },
      { kind: 'bonus-day', id: 'black-friday', multiplier: 2, points: 300 },
      { kind: 'spend-threshold', minimumSpend: 20_000, points: 50 },
    ]);
    expect(q.earn.points).toBe(650);
    // and the purchase lifts the member from bronze to silver ($300 ≥ $250)
    expect(q.tierBefore).toEqual({ tier: 'bronze', qualifyingSpend: 0, nextTier: 'silver', spendToNext: 25_000, periodEnd: at('2027-01-01T05:00:00Z') });
    expect(q.tierAfter).toEqual({ tier: 'silver', qualifyingSpend: 30_000, nextTier: 'gold', spendToNext: 20_000, periodEnd: at('2027-01-01T05:00:00Z') });
  });

  it('gives no bonus from midnight on 28 November (New York time)', () => {
    const q = quote(bronze, bike, ctxAt(sporting, at('2026-11-28T05:00:00Z')));
    expect(q.bonusDays.storeWide).toBeNull();
    expect(q.earn.points).toBe(350); // 300 + 50
  });
});

describe('birthdays at the counter', () => {
  const BIRTHDAY = at('2026-06-10T16:00:00Z'); // 10 June 2026, 12:00 in New York
  const fan = member({ enrolledAt: at('2025-01-10T15:00:00Z'), birthday: { month: 6, day: 10 }, lots: [lot('L1', 150, at('2026-09-01T04:00:00Z'), at('2025-09-01T16:00:00Z'))] });
  const socks = basket({ currency: 'USD', lines: [{ sku: 'SOCKS', quantity: 1, unitPrice: 1_500, category: 'apparel' }] });

  it('credits the birthday points first, so they can pay for the $10 off that follows', () => {
    const { plan, quote: q } = planCheckout(fan, socks, ctxAt(sporting, BIRTHDAY), 'POS-B1', { redeem: { rewardId: 'ten-off' } });
    expect(kinds(plan.transfers)).toEqual(['birthday', 'redeem', 'earn', 'qualifying-spend']);
    expect(plan.transfers[0]).toMatchObject({ id: deterministicUuid('m:M1:birthday:2026'), amount: 200, key: { type: 'period', kind: 'birthday', period: '2026' }, credit: 'member:M1' });
    // 300 points: all 150 of L1 (expires 1 Sep) then 150 of the birthday lot (expires June 2027)
    const birthdayLot = plan.transfers[0]?.lotsGranted[0]?.id;
    expect(plan.transfers[1]?.lotsDrawn).toEqual([
      { lotId: 'L1', points: 150 },
      { lotId: birthdayLot, points: 150 },
    ]);
    // $15.00 − $10.00 = $5.00 paid → 5 points
    expect(q.amountDue).toBe(500);
    expect(q.earn.points).toBe(5);
    expect(q.balanceBefore).toBe(350); // 150 + 200 birthday
    expect(q.balanceAfter).toBe(55); // 350 − 300 + 5
  });

  it('credits the birthday only once a year and only on the day (window "day")', () => {
    const already = { ...fan, booked: new Set(['birthday|2026']) };
    expect(kinds(planCheckout(already, socks, ctxAt(sporting, BIRTHDAY), 'POS-B2').plan.transfers)).toEqual(['earn', 'qualifying-spend']);
    const dayAfter = at('2026-06-11T16:00:00Z');
    expect(kinds(planCheckout(fan, socks, ctxAt(sporting, dayAfter), 'POS-B3').plan.transfers)).toEqual(['earn', 'qualifying-spend']);
    // 23:59 on the 10th in New York is 03:59 UTC on the 11th: still the birthday
    expect(kinds(planCheckout(fan, socks, ctxAt(sporting, at('2026-06-11T03:59:00Z')), 'POS-B4').plan.transfers)[0]).toBe('birthday');
  });
});

describe('quote', () => {
  const NOW = at('2026-11-26T03:00:00Z');
  const shopper = member({ lots: [lot('L-NEW', 1_400, at('2028-05-31T15:00:00Z'), at('2026-05-20T03:00:00Z')), lot('L-OLD', 600, at('2026-11-30T15:00:00Z'), at('2024-11-05T03:00:00Z'))] });
  const groceries = basket({ currency: 'KRW', lines: [{ sku: 'GROCERIES', quantity: 1, unitPrice: 45_000 }, { sku: 'HB-TISSUE', quantity: 1, unitPrice: 6_000, category: 'house-brand' }] });

  it('is exactly the quote planCheckout computes', () => {
    const options: CheckoutOptions = { redeem: { points: 1_000 } };
    expect(quote(shopper, groceries, ctxAt(classic, NOW), options)).toEqual(planCheckout(shopper, groceries, ctxAt(classic, NOW), 'POS-1', options).quote);
  });

  it('leaves the member untouched, even with a redemption and due entries', () => {
    const due = member({ birthday: { month: 11, day: 3 }, lots: shopper.lots });
    const before = structuredClone(due);
    const q = quote(due, groceries, ctxAt(classic, NOW), { redeem: { points: 1_000 } });
    expect(q.balanceBefore).toBe(2_200); // 2000 + the 200-point birthday month credit
    expect(due).toEqual(before);
    expect(due.balance).toBe(2_000);
    expect(due.lots.map((l) => l.remaining)).toEqual([1_400, 600]);
    expect(due.booked.size).toBe(0);
  });
});

/**
 * Properties of the pure rules over random members, baskets and requests, for every example
 * program: plans keep lots and balances consistent, never overdraw, add up, and are deterministic.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { basketTotal, type Basket } from '../basket.js';
import { isTallyError } from '../errors.js';
import { memberAccount } from '../ledger-model.js';
import { parseProgramText } from '../program/parse.js';
import type { Program } from '../program/schema.js';
import { planCheckout } from './checkout.js';
import type { MemberState, OpenLot, RuleContext } from './member-state.js';
import { planReturn, type ReturnRecord } from './returns.js';

const programs: Program[] = ['classic-krw', 'sporting-goods-usd', 'plus-membership-charity'].map((name) => {
  const file = join(import.meta.dirname, '..', '..', '..', 'resources', 'programs', `${name}.json`);
  return parseProgramText(readFileSync(file, 'utf8'), file);
});

type ArbitraryValue<A> = A extends fc.Arbitrary<infer T> ? T : never;

const NOW = Date.parse('2026-11-27T15:00:00Z');
const DAY = 86_400_000;

function ctxFor(program: Program): RuleContext {
  let n = 0;
  return { program, now: NOW, timeZone: program.timeZone ?? 'UTC', storeId: 'S1', newId: () => `id-${(n += 1)}` };
}

const lotArb = fc.record({
  remaining: fc.integer({ min: 1, max: 5000 }),
  expiresIn: fc.option(fc.integer({ min: -30, max: 800 }), { nil: null }),
  age: fc.integer({ min: 0, max: 700 }),
});

const memberArb = fc.record({
  lots: fc.array(lotArb, { maxLength: 6 }),
  spend: fc.array(fc.record({ daysAgo: fc.integer({ min: 0, max: 900 }), amount: fc.integer({ min: 1, max: 80_000 }) }), { maxLength: 8 }),
  birthdayToday: fc.boolean(),
  gold: fc.boolean(),
});

function memberFrom(m: ArbitraryValue<typeof memberArb>): MemberState {
  const lots: OpenLot[] = m.lots.map((l, i) => ({
    id: `lot-${i}`,
    remaining: l.remaining,
    expiresAt: l.expiresIn === null ? null : NOW + l.expiresIn * DAY,
    earnedAt: NOW - l.age * DAY,
    sourceTransferId: `t-${i}`,
  }));
  const spend = m.spend.map((s) => ({ effectiveAt: NOW - s.daysAgo * DAY, amount: s.amount }));
  if (m.gold) spend.push({ effectiveAt: NOW - DAY, amount: 60_000 });
  return {
    id: 'member-1',
    enrolledAt: NOW - 1000 * DAY,
    birthday: m.birthdayToday ? { month: 11, day: 27 } : { month: 6, day: 1 },
    balance: lots.reduce((sum, l) => sum + l.remaining, 0),
    lots,
    spend,
    memberships: [],
    booked: new Set(),
    expiredFrom: new Map(),
  };
}

const lineArb = fc.record({
  sku: fc.constantFrom('SHOE', 'BOTTLE-750', 'PLUS-MONTH', 'GIFT', 'COFFEE-1', 'TOBACCO-1', 'X'),
  quantity: fc.integer({ min: 1, max: 4 }),
  unitPrice: fc.integer({ min: 1, max: 200_000 }),
  category: fc.constantFrom('general', 'gift-card', 'coffee', 'tobacco', 'house-brand', 'alcohol', 'footwear'),
  taxable: fc.boolean(),
});

function basketFrom(program: Program, lines: ArbitraryValue<typeof lineArb>[], tax: number, included: boolean): Basket {
  const withDiscount = lines.map((l) => ({ ...l, discount: 0 }));
  const taxable = withDiscount.some((l) => l.taxable);
  return { currency: program.currency, lines: withDiscount, tax: { amount: taxable ? tax : 0, included } };
}

const requestArb = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: 1, max: 60 }).map((n) => ({ points: n * 100 })),
  fc.constantFrom('ten-off', 'fifteen-percent', 'free-bottle', 'free-coffee').map((rewardId) => ({ rewardId })),
);

const EXPECTED_REFUSALS = ['insufficient-points', 'redemption-not-allowed', 'invalid-input', 'limit-reached'];

describe('planCheckout properties', () => {
  it('keeps lots equal to the balance, never overdraws, adds up, and is deterministic', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...programs),
        memberArb,
        fc.array(lineArb, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 50_000 }),
        fc.boolean(),
        requestArb,
        fc.boolean(),
        (program, m, lines, tax, included, redeem, useDay) => {
          const member = memberFrom(m);
          const basket = basketFrom(program, lines, tax, included);
          const options = { ...(redeem ? { redeem } : {}), ...(useDay && program.id === 'sporting-goods-usd' ? { useBonusDay: 'gold-3x-day' } : {}) };
          let result;
          try {
            result = planCheckout(member, basket, ctxFor(program), 'POS-1', options);
          } catch (error) {
            if (isTallyError(error) && EXPECTED_REFUSALS.includes(error.code)) return;
            throw error;
          }
          const { plan, quote, sale } = result;
          const account = memberAccount(member.id);
          let balance = member.balance;
          for (const t of plan.transfers) {
            expect(Number.isSafeInteger(t.amount) && t.amount > 0).toBe(true);
            expect(t.debit).not.toBe(t.credit);
            if (t.credit === account) {
              balance += t.amount;
              expect(t.lotsGranted.reduce((s, l) => s + l.points, 0)).toBe(t.amount);
            }
            if (t.debit === account) {
              balance -= t.amount;
              expect(t.lotsDrawn.reduce((s, d) => s + d.points, 0)).toBe(t.amount);
            }
            // A redemption never draws a lot that had expired: expiry runs first.
            for (const draw of t.lotsDrawn) {
              const lot = member.lots.find((l) => l.id === draw.lotId);
              if (t.kind === 'redeem' && lot) expect(lot.expiresAt === null || lot.expiresAt > NOW).toBe(true);
            }
          }
          const view = plan.view;
          expect(view.balance).toBe(balance);
          expect(balance).toBeGreaterThanOrEqual(0);
          expect(view.lots.every((l) => l.remaining >= 0)).toBe(true);
          expect(view.lots.reduce((s, l) => s + l.remaining, 0)).toBe(balance);
          expect(quote.balanceAfter).toBe(balance);
          // The breakdown adds up; discounts never exceed what points may pay.
          expect(quote.earn.components.reduce((s, c) => s + c.points, 0)).toBe(quote.earn.points);
          const discounts = quote.discounts.reduce((s, d) => s + d.amount, 0);
          expect(quote.amountDue).toBe(basketTotal(basket) - discounts);
          expect(quote.amountDue).toBeGreaterThanOrEqual(0);
          const redeemed = quote.discounts.find((d) => d.source === 'redemption')?.amount ?? 0;
          expect(redeemed).toBeLessThanOrEqual(quote.redemption.cap);
          expect(sale.eligibleSpend).toBe(sale.lines.reduce((s, l) => s + l.eligible, 0));
          expect(sale.lines.every((l) => l.eligible <= Math.max(l.paid, 0) + tax)).toBe(true);
          // Same inputs, same ids: the same plan (what a retry after a crash would compute).
          const again = planCheckout(member, basket, ctxFor(program), 'POS-1', options);
          expect(again.plan.transfers).toEqual(plan.transfers);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('planReturn properties', () => {
  it('partial returns in any split add up exactly to what the sale earned, and never take more than the balance', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...programs),
        memberArb,
        fc.array(lineArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 100 }),
        (program, m, lines, splits, spentPercent) => {
          const ctx = ctxFor(program);
          const basket = basketFrom(program, lines, 0, true);
          let checkout;
          try {
            checkout = planCheckout(memberFrom(m), basket, ctx, 'POS-1');
          } catch (error) {
            if (isTallyError(error) && EXPECTED_REFUSALS.includes(error.code)) return;
            throw error;
          }
          const { sale } = checkout;
          let member = checkout.plan.view;
          // The member may have spent some points since the sale.
          const spend = Math.floor((member.balance * spentPercent) / 100);
          if (spend > 0) {
            const lots = [...member.lots].sort((a, b) => (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity));
            let left = spend;
            const spent = lots.map((l) => {
              const take = Math.min(left, l.remaining);
              left -= take;
              return { ...l, remaining: l.remaining - take };
            });
            member = { ...member, balance: member.balance - spend, lots: spent.filter((l) => l.remaining > 0) };
          }
          const total = splits.reduce((a, b) => a + b, 0);
          const records: ReturnRecord[] = [];
          let returned = 0;
          splits.forEach((part, i) => {
            const amount = i === splits.length - 1 ? sale.amountDue - returned : Math.floor((sale.amountDue * part) / total);
            if (amount <= 0) return;
            returned += amount;
            const { plan, record } = planReturn(member, sale, records, { returnId: `R${i}`, amount }, ctx);
            expect(record.pointsCollected).toBeLessThanOrEqual(member.balance + record.redeemedRestored);
            expect(record.pointsCollected + record.pointsUncollected).toBe(record.pointsReversed);
            member = plan.view;
            expect(member.balance).toBeGreaterThanOrEqual(0);
            expect(member.lots.reduce((s, l) => s + l.remaining, 0)).toBe(member.balance);
            records.push(record);
          });
          if (sale.amountDue === 0) return;
          const earned = sale.earned.reduce((s, e) => s + e.points, 0);
          expect(records.reduce((s, r) => s + r.pointsReversed, 0)).toBe(earned);
          expect(records.reduce((s, r) => s + r.eligibleReturned, 0)).toBe(sale.eligibleSpend);
          expect(records.at(-1)?.full).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

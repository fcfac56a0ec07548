/**
 * Property-based tests of the ledger invariants through the real terminal service and real SQLite
 * files: random sequences of counter commands over random time, checked after every step.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../src/core/card-code/check-digits.js';
import { isTallyError } from '../../src/core/errors.js';
import type { LoyaltyService } from '../../src/terminal/loyalty-service.js';
import { newLedger, tempDir, testClock } from '../support/ledger-fixture.js';
import { spendCode } from '../support/spend-code.js';

/** The member's spend code, which spending needs (none for a card that is not a member yet: that is refused anyway). */
function proofFor(service: LoyaltyService, card: string, now: number): { proof?: { spendCode: string } } {
  return service.ledger.memberIdForCard(card) === undefined ? {} : { proof: { spendCode: spendCode(service.ledger, card, now) } };
}

const { dir, cleanup } = tempDir('tally-props-');
afterAll(cleanup);

type Command =
  | { type: 'enrol'; card: number }
  | { type: 'checkout'; card: number; amount: number; redeem: number; category: 'general' | 'alcohol' | 'coffee' }
  | { type: 'return'; sale: number; fraction: number }
  | { type: 'action'; card: number; action: 'newsletter' | 'bring-your-bag' }
  | { type: 'donate'; card: number; points: number }
  | { type: 'membership'; card: number; plan: 'plus-monthly' | 'plus-annual' }
  | { type: 'wait'; days: number }
  | { type: 'periodic' }
  | { type: 'replay'; index: number };

const card = fc.integer({ min: 0, max: 3 });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: card.map((c) => ({ type: 'enrol' as const, card: c })) },
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('checkout' as const),
      card,
      amount: fc.integer({ min: 1, max: 500_00 }),
      redeem: fc.oneof(fc.constant(0), fc.integer({ min: 5, max: 12 }).map((n) => n * 100)),
      category: fc.constantFrom('general' as const, 'alcohol' as const, 'coffee' as const),
    }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('return' as const), sale: fc.nat(), fraction: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('action' as const), card, action: fc.constantFrom('newsletter' as const, 'bring-your-bag' as const) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('donate' as const), card, points: fc.integer({ min: 1, max: 10 }).map((n) => n * 100) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('membership' as const), card, plan: fc.constantFrom('plus-monthly' as const, 'plus-annual' as const) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('wait' as const), days: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 1, arbitrary: fc.constant({ type: 'periodic' as const }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('replay' as const), index: fc.nat() }) },
);

const cardCode = (n: number): string => withCheckDigit(`290000000${String(n).padStart(3, '0')}`, 'gs1-mod10');

interface Done {
  readonly run: () => unknown;
}

/** Sum of the member's points movements straight from the transfers table. */
function transferSum(service: LoyaltyService, memberId: string): number {
  const account = `member:${memberId}`;
  return service.ledger.db
    .prepare('SELECT coalesce(sum(CASE WHEN credit_account = ? THEN amount ELSE -amount END), 0) FROM transfers WHERE credit_account = ? OR debit_account = ?')
    .pluck()
    .get(account, account, account) as number;
}

function counts(service: LoyaltyService): string {
  const db = service.ledger.db;
  return ['transfers', 'transactions', 'lots', 'lot_draws', 'events', 'outbox', 'members'].map((t) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number).join(',');
}

let runNo = 0;
const seen: Record<string, number> = {};

describe('ledger invariants under random counter sessions (real SQLite)', () => {
  it('balances equal the sum of transfers, never go negative, replays change nothing, verify stays clean', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 20, maxLength: 60, size: "max" }), (commands) => {
        runNo += 1;
        const clock = testClock('2026-01-05T01:00:00Z');
        const { ledger, service } = newLedger(join(dir, `props-${runNo}.sqlite`), 'plus-membership-charity', clock);
        try {
          const sales: { txnId: string; amountDue: number }[] = [];
          const replayable: Done[] = [];
          // Three of the four cards are members from the start; the fourth must be enrolled by the run.
          for (let c = 0; c < 3; c += 1) service.enrol({ cards: [cardCode(c)], birthday: '1990-03-15' });
          for (const [index, command] of commands.entries()) {
            // Ids are fixed per step, so a replay re-sends exactly the same command.
            const n = index + 1;
            const attempt = (run: () => unknown): void => {
              const before = counts(service);
              try {
                run();
                replayable.push({ run });
                seen[command.type] = (seen[command.type] ?? 0) + 1;
              } catch (error) {
                // Refusals are fine (unknown card, too few points, limits); anything else is a bug.
                if (!isTallyError(error)) throw error;
                expect(['unknown-card', 'insufficient-points', 'redemption-not-allowed', 'limit-reached', 'card-in-use', 'return-exceeds-sale', 'invalid-input']).toContain(error.code);
                // …and a refused command wrote nothing at all.
                expect(counts(service)).toBe(before);
                seen[`refused:${command.type}:${error.code}`] = (seen[`refused:${command.type}:${error.code}`] ?? 0) + 1;
              }
            };
            switch (command.type) {
              case 'enrol':
                attempt(() => service.enrol({ cards: [cardCode(command.card)], birthday: '1990-03-15' }));
                break;
              case 'checkout':
                attempt(() => {
                  const txnId = `POS-${n}`;
                  if (command.redeem > 0) seen.redeemTried = (seen.redeemTried ?? 0) + 1;
                  const result = service.checkout({
                    card: cardCode(command.card),
                    txnId,
                    basket: { currency: 'USD', lines: [{ sku: `SKU-${command.category}`, quantity: 1, unitPrice: command.amount, category: command.category }] },
                    // Spending needs a proof: the member's spend code (their app's), valid now.
                    ...(command.redeem > 0 ? { redeem: { points: command.redeem }, ...proofFor(service, cardCode(command.card), clock.read()) } : {}),
                  });
                  sales.push({ txnId, amountDue: result.amountDue });
                  if (result.redeemed) seen.redeemed = (seen.redeemed ?? 0) + 1;
                  return result;
                });
                break;
              case 'return': {
                const sale = sales[command.sale % Math.max(1, sales.length)];
                if (!sale || sale.amountDue === 0) break;
                const amount = Math.max(1, Math.floor((sale.amountDue * command.fraction) / 100));
                attempt(() => service.returnSale({ originalTxnId: sale.txnId, returnId: `RET-${n}`, amount }));
                break;
              }
              case 'action':
                // With its own id, as a POS sends it: a replay finds it in any month. (Without one, the
                // default key holds the action's period, so next month's is a new action, not a replay.)
                attempt(() => service.action({ card: cardCode(command.card), actionId: command.action, txnId: `ACT-${n}` }));
                break;
              case 'donate':
                attempt(() => service.donate({ card: cardCode(command.card), charityId: 'food-bank', points: command.points, donationId: `DON-${n}`, ...proofFor(service, cardCode(command.card), clock.read()) }));
                break;
              case 'membership':
                attempt(() => service.sellMembership({ card: cardCode(command.card), planId: command.plan, txnId: `MEM-${n}` }));
                break;
              case 'wait':
                clock.advanceDays(command.days);
                break;
              case 'periodic':
                service.runPeriodic();
                break;
              case 'replay': {
                const prior = replayable[command.index % Math.max(1, replayable.length)];
                if (!prior) break;
                const snapshot = counts(service);
                const again = prior.run() as { replayed?: boolean };
                expect(again.replayed).toBe(true);
                expect(counts(service)).toBe(snapshot);
                break;
              }
            }
            for (let c = 0; c < 4; c += 1) {
              const memberId = ledger.memberIdForCard(cardCode(c));
              if (!memberId) continue;
              const balance = ledger.balance(memberId);
              expect(balance).toBeGreaterThanOrEqual(0);
              expect(balance).toBe(transferSum(service, memberId));
            }
          }
          const report = service.verify();
          expect(report.problems).toEqual([]);
        } finally {
          ledger.close();
        }
      }),
      { numRuns: 80 },
    );
    // The generator must actually exercise the ledger, not only refusals.
    expect(seen.checkout ?? 0).toBeGreaterThan(200);
    expect(seen.return ?? 0).toBeGreaterThan(30);
    expect(seen.redeemed ?? 0).toBeGreaterThan(20);
    expect(seen.donate ?? 0).toBeGreaterThan(5);
    expect(seen.membership ?? 0).toBeGreaterThan(5);
  });

  it('a refused command (insufficient points, duplicate id with other details) writes nothing', () => {
    const clock = testClock('2026-03-02T03:00:00Z');
    const { ledger, service } = newLedger(join(dir, 'refused.sqlite'), 'plus-membership-charity', clock);
    try {
      service.enrol({ cards: ['2900000000995'] });
      service.checkout({ card: '2900000000995', txnId: 'POS-1', basket: service.amountBasket(10_000) });
      const before = counts(service);
      expect(() => service.checkout({ card: '2900000000995', txnId: 'POS-2', basket: service.amountBasket(10_000), redeem: { points: 100_000 } })).toThrow(/Not enough points/);
      expect(() => service.checkout({ card: '2900000000995', txnId: 'POS-1', basket: service.amountBasket(10_001) })).toThrow(/different details/);
      expect(() => service.donate({ card: '2900000000995', charityId: 'food-bank', points: 100_000, donationId: 'D1' })).toThrow(/Not enough points/);
      expect(() => service.checkout({ card: '2900000009950', txnId: 'POS-3', basket: service.amountBasket(100) })).toThrow(/Card not recognised/);
      expect(() => service.checkout({ card: '1234', txnId: 'POS-3', basket: service.amountBasket(100) })).toThrow(/Not a member card/);
      expect(counts(service)).toBe(before);
      expect(service.verify().ok).toBe(true);
    } finally {
      ledger.close();
    }
  });
});

describe('earn then full return (real SQLite)', () => {
  it('restores the previous balance and qualifying spend, whatever happened in between', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 2_000_00 }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.integer({ min: 1, max: 99 }), { maxLength: 3 }),
        (amount, redeemSteps, partials) => {
          runNo += 1;
          const clock = testClock('2026-06-10T05:00:00Z');
          const { ledger, service } = newLedger(join(dir, `restore-${runNo}.sqlite`), 'sporting-goods-usd', clock);
          try {
            service.enrol({ cards: ['2900000000018'] });
            service.checkout({ card: '2900000000018', txnId: 'SEED', basket: service.amountBasket(1_500_00) });
            const before = service.member('2900000000018');
            const rewards = ['ten-off', 'free-bottle', 'fifteen-percent'];
            const reward = redeemSteps > 0 ? rewards[redeemSteps % rewards.length]! : undefined;
            const basket = { currency: 'USD', lines: [{ sku: 'BOTTLE-750', quantity: 1, unitPrice: 2000, category: 'gear' }, { sku: 'SHOE', quantity: 1, unitPrice: amount, category: 'shoes' }] };
            let sale;
            try {
              // The cashier checked the member: sporting-goods-usd takes that as proof for spending.
              sale = service.checkout({ card: '2900000000018', txnId: 'SALE', basket, ...(reward ? { redeem: { rewardId: reward }, proof: { cashier: 'Lee' } } : {}) });
            } catch (error) {
              if (isTallyError(error) && error.code === 'redemption-not-allowed') return;
              throw error;
            }
            let returned = 0;
            partials.forEach((pct, i) => {
              const part = Math.floor(((sale.amountDue - returned) * pct) / 100);
              if (part <= 0) return;
              service.returnSale({ originalTxnId: 'SALE', returnId: `R${i}`, amount: part });
              returned += part;
            });
            const last = service.returnSale({ originalTxnId: 'SALE', returnId: 'R-final', amount: sale.amountDue - returned });
            expect(last.fullyReturned).toBe(true);
            const after = service.member('2900000000018');
            expect(after.balance).toBe(before.balance);
            expect(after.tier?.qualifyingSpend).toBe(before.tier?.qualifyingSpend);
            expect(after.tier?.tier).toBe(before.tier?.tier);
            // Partial returns added up exactly to what the sale earned.
            const reversed = service.ledger.db.prepare(`SELECT coalesce(sum(amount), 0) FROM transfers WHERE kind IN ('return-earn', 'return-uncollected') AND pos_txn_id LIKE 'R%'`).pluck().get() as number;
            expect(reversed).toBe(sale.earned);
            expect(service.verify().problems).toEqual([]);
          } finally {
            ledger.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

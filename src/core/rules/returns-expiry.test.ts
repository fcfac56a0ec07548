/**
 * Returns and expiry (issue 8 §1): a return never takes back again what the sale's points already
 * lost to expiry (only what they still hold or what was spent from them), and redeemed points a
 * full return gives back past their original expiry expire at once, in the return itself, so a
 * later expiry run finds nothing left to do. All figures are worked out by hand (classic-krw:
 * 1 point per ₩1,000, 24 months to the end of the month, Seoul, 10 KRW a point off a refund).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBasket, type BasketInput } from '../basket.js';
import type { PlannedTransfer } from '../ledger-model.js';
import { parseProgramText } from '../program/parse.js';
import type { Program } from '../program/schema.js';
import { planCheckout, type CheckoutOptions, type SaleRecord } from './checkout.js';
import { planPeriodic } from './commands.js';
import type { MemberState, OpenLot, RuleContext } from './member-state.js';
import { planReturn, type ReturnRecord, type ReturnRequest } from './returns.js';

const PROGRAMS = join(import.meta.dirname, '..', '..', '..', 'resources', 'programs');
const classic = parseProgramText(readFileSync(join(PROGRAMS, 'classic-krw.json'), 'utf8'), 'classic-krw.json');

const at = (iso: string): number => Date.parse(iso);
const HOUR = 3_600_000;

function ctxAt(program: Program, now: number, prefix = 'id'): RuleContext {
  let n = 0;
  return { program, now, timeZone: program.timeZone ?? 'UTC', storeId: 'S1', newId: () => `${prefix}-${(n += 1)}` };
}

function member(lots: OpenLot[] = []): MemberState {
  return { id: 'M1', enrolledAt: at('2025-01-05T03:00:00Z'), birthday: null, lots, expiredFrom: new Map(), spend: [], memberships: [], booked: new Set(), balance: lots.reduce((s, l) => s + l.remaining, 0) };
}

const lot = (id: string, remaining: number, expiresAt: number | null, earnedAt: number): OpenLot => ({ id, remaining, expiresAt, earnedAt, sourceTransferId: `t-${id}` });
const kinds = (transfers: readonly PlannedTransfer[]): string[] => transfers.map((t) => t.kind);

/** Newer points the member earned since (a lot that expires long after the sale's). */
function withNewerPoints(m: MemberState, points: number): MemberState {
  return { ...m, lots: [...m.lots, lot('L-NEW', points, at('2028-12-31T15:00:00Z'), at('2026-12-20T03:00:00Z'))], balance: m.balance + points };
}

/** The member spent `points` of the sale's lot (the only one then), as a redemption elsewhere would. */
function spentFromSale(m: MemberState, points: number): MemberState {
  const [only] = m.lots;
  if (!only || m.lots.length !== 1) throw new Error('expected the sale lot alone');
  return { ...m, lots: [{ ...only, remaining: only.remaining - points }], balance: m.balance - points };
}

function returnsInTurn(start: MemberState, sale: SaleRecord, now: number, requests: readonly ReturnRequest[]): { records: ReturnRecord[]; transfers: PlannedTransfer[][]; member: MemberState } {
  let m = start;
  const records: ReturnRecord[] = [];
  const transfers: PlannedTransfer[][] = [];
  for (const request of requests) {
    const { plan, record } = planReturn(m, sale, records, request, ctxAt(classic, now, request.returnId));
    records.push(record);
    transfers.push(plan.transfers);
    m = plan.view;
  }
  return { records, transfers, member: m };
}

// ₩100,000 of groceries on Tuesday 14 Jan 2025 → 100 points, usable through January 2027.
const SALE_AT = at('2025-01-14T03:00:00Z');
const SALE_EXPIRY = at('2027-01-31T15:00:00Z'); // 00:00 KST on 1 Feb 2027
const EXPIRY_RUN = at('2027-02-01T03:00:00Z');
const RETURN_AT = at('2027-02-10T03:00:00Z');

function sale100(options: CheckoutOptions = {}, start: MemberState = member()): { sale: SaleRecord; after: MemberState } {
  const lines: BasketInput['lines'] = [{ sku: 'GROCERIES', quantity: 1, unitPrice: 100_000 }];
  const { plan, sale } = planCheckout(start, parseBasket({ currency: 'KRW', lines }), ctxAt(classic, SALE_AT), 'POS-1', options);
  return { sale, after: plan.view };
}

describe('a return after the sale’s points expired', () => {
  const { sale, after } = sale100();

  it('the sale earned 100 points in one lot that expires at the start of February 2027', () => {
    expect(sale.earned).toEqual([{ transferId: 'id-1', points: 100 }]);
    expect(after.lots).toEqual([expect.objectContaining({ id: 'id-1:0', remaining: 100, expiresAt: SALE_EXPIRY, sourceTransferId: 'id-1' })]);
  });

  it('takes nothing from newer points when the expiry was booked earlier (the ledger remembers what expired)', () => {
    const expired = planPeriodic(after, ctxAt(classic, EXPIRY_RUN, 'x'));
    expect(kinds(expired.transfers)).toEqual(['expiry']);
    expect(expired.view.lots).toEqual([]);
    expect(expired.view.expiredFrom.get('id-1')).toBe(100);
    // 500 newer points; the full return reverses 100, all of which already expired.
    const { plan, record } = planReturn(withNewerPoints(expired.view, 500), sale, [], { returnId: 'R1', amount: 100_000 }, ctxAt(classic, RETURN_AT, 'r'));
    expect(record).toMatchObject({ full: true, pointsReversed: 100, pointsExpired: 100, pointsCollected: 0, pointsUncollected: 0, refundDeduction: 0 });
    expect(kinds(plan.transfers)).toEqual(['return-qualifying-spend']);
    expect(plan.view.balance).toBe(500);
  });

  it('takes nothing either when the return itself books the expiry (no expiry run in between)', () => {
    const { plan, record } = planReturn(withNewerPoints(after, 500), sale, [], { returnId: 'R1', amount: 100_000 }, ctxAt(classic, RETURN_AT, 'r'));
    // The day's expiry comes first (100 points of the sale lot), then nothing is left to collect.
    expect(kinds(plan.transfers)).toEqual(['expiry', 'return-qualifying-spend']);
    expect(plan.transfers[0]).toMatchObject({ amount: 100, lotsDrawn: [{ lotId: 'id-1:0', points: 100 }] });
    expect(record).toMatchObject({ pointsReversed: 100, pointsExpired: 100, pointsCollected: 0, pointsUncollected: 0 });
    expect(plan.view.balance).toBe(500);
  });

  it('with nothing on the card, charges nothing off the refund for expired points', () => {
    const expired = planPeriodic(after, ctxAt(classic, EXPIRY_RUN, 'x')).view;
    const { record } = planReturn(expired, sale, [], { returnId: 'R1', amount: 100_000 }, ctxAt(classic, RETURN_AT, 'r'));
    // Before: 100 uncollected = ₩1,000 off the refund for points the member never had any more.
    expect(record).toMatchObject({ pointsReversed: 100, pointsExpired: 100, pointsUncollected: 0, refundDeduction: 0 });
  });
});

describe('a sale’s points partly spent, the rest expired', () => {
  // 30 of the 100 spent in 2026, the other 70 expired on 1 Feb 2027.
  const { sale, after } = sale100();
  const expired = planPeriodic(spentFromSale(after, 30), ctxAt(classic, EXPIRY_RUN, 'x')).view;

  it('the expiry took 70', () => {
    expect(expired.expiredFrom.get('id-1')).toBe(70);
    expect(expired.balance).toBe(0);
  });

  it('a full return collects only the 30 spent (from newer points), never the 70 expired', () => {
    const { plan, record } = planReturn(withNewerPoints(expired, 500), sale, [], { returnId: 'R1', amount: 100_000 }, ctxAt(classic, RETURN_AT, 'r'));
    expect(record).toMatchObject({ pointsReversed: 100, pointsExpired: 70, pointsCollected: 30, pointsUncollected: 0 });
    expect(plan.transfers.find((t) => t.kind === 'return-earn')).toMatchObject({ amount: 30, lotsDrawn: [{ lotId: 'L-NEW', points: 30 }] });
    expect(plan.view.balance).toBe(470);
  });

  it('with no points left, only the 30 spent come off the refund (₩300)', () => {
    const { record } = planReturn(expired, sale, [], { returnId: 'R1', amount: 100_000 }, ctxAt(classic, RETURN_AT, 'r'));
    expect(record).toMatchObject({ pointsReversed: 100, pointsExpired: 70, pointsCollected: 0, pointsUncollected: 30, refundDeduction: 300 });
  });

  it('two half returns spread the expired points in proportion: 15 + 15 collected, 35 + 35 expired', () => {
    // half: 50 reversed; owed 50 × 30/100 = 15. All: 100 reversed; owed 30 in all, 15 more.
    const { records, member: end } = returnsInTurn(withNewerPoints(expired, 500), sale, RETURN_AT, [
      { returnId: 'R1', amount: 50_000 },
      { returnId: 'R2', all: true },
    ]);
    expect(records.map((r) => [r.pointsReversed, r.pointsCollected, r.pointsUncollected, r.pointsExpired])).toEqual([
      [50, 15, 0, 35],
      [50, 15, 0, 35],
    ]);
    expect(records.map((r) => r.cumulativeOwed)).toEqual([{ 'id-1': 15 }, { 'id-1': 30 }]);
    expect(end.balance).toBe(470);
  });
});

describe('a partial return before the expiry, the rest after it', () => {
  it('collects 40 at first (from the sale’s own lot), then nothing: the other 60 expired', () => {
    const { sale, after } = sale100();
    const first = planReturn(after, sale, [], { returnId: 'R1', amount: 40_000 }, ctxAt(classic, at('2026-06-01T03:00:00Z'), 'r1'));
    expect(first.record).toMatchObject({ pointsReversed: 40, pointsCollected: 40, pointsExpired: 0, cumulativeOwed: { 'id-1': 40 } });
    const expired = planPeriodic(first.plan.view, ctxAt(classic, EXPIRY_RUN, 'x')).view;
    expect(expired.expiredFrom.get('id-1')).toBe(60);
    const rest = planReturn(withNewerPoints(expired, 500), sale, [first.record], { returnId: 'R2', all: true }, ctxAt(classic, RETURN_AT, 'r2'));
    // Owed in all: 100 × 40/100 = 40, all of it collected already.
    expect(rest.record).toMatchObject({ full: true, pointsReversed: 60, pointsExpired: 60, pointsCollected: 0, pointsUncollected: 0 });
    expect(rest.plan.view.balance).toBe(500);
  });

  it('treats a return booked before expiry was recorded (no cumulativeOwed) as having owed all it reversed', () => {
    const { sale, after } = sale100();
    const first = planReturn(after, sale, [], { returnId: 'R1', amount: 40_000 }, ctxAt(classic, at('2026-06-01T03:00:00Z'), 'r1'));
    const { cumulativeOwed: _owed, ...older } = first.record;
    const expired = planPeriodic(first.plan.view, ctxAt(classic, EXPIRY_RUN, 'x')).view;
    const rest = planReturn(withNewerPoints(expired, 500), sale, [older], { returnId: 'R2', all: true }, ctxAt(classic, RETURN_AT, 'r2'));
    expect(rest.record).toMatchObject({ pointsReversed: 60, pointsExpired: 60, pointsCollected: 0 });
  });
});

describe('redeemed points given back past their expiry date', () => {
  // 600 points that expire at the start of February 2027 and 1,400 that last until June 2028.
  const OLD_EXPIRY = SALE_EXPIRY;
  const NEW_EXPIRY = at('2028-05-31T15:00:00Z');
  const shopper = member([lot('L-OLD', 600, OLD_EXPIRY, at('2025-01-05T03:00:00Z')), lot('L-NEW', 1_400, NEW_EXPIRY, at('2026-05-20T03:00:00Z'))]);
  // Thursday 21 Jan 2027: ₩45,000, 1,000 points pay ₩10,000 (600 from L-OLD, 400 from L-NEW), ₩35,000 paid earns 35.
  const BUY_AT = at('2027-01-21T03:00:00Z');
  const RETURN_AFTER = at('2027-02-05T03:00:00Z');
  const { plan: bought, sale } = planCheckout(shopper, parseBasket({ currency: 'KRW', lines: [{ sku: 'GROCERIES', quantity: 1, unitPrice: 45_000 }] }), ctxAt(classic, BUY_AT), 'POS-1', { redeem: { points: 1_000 } });
  const after = bought.view;

  it('the sale redeemed 1,000 points from two lots and earned 35', () => {
    expect(sale.redeemed?.lots).toEqual([
      { points: 600, expiresAt: OLD_EXPIRY },
      { points: 400, expiresAt: NEW_EXPIRY },
    ]);
    expect(sale.earned.map((e) => e.points)).toEqual([35]);
    expect(after.balance).toBe(1_035);
  });

  it('a full return gives back all 1,000 and expires the 600 past their date at once, before taking back the 35', () => {
    const { plan, record } = planReturn(after, sale, [], { returnId: 'R1', all: true }, ctxAt(classic, RETURN_AFTER, 'r'));
    expect(kinds(plan.transfers)).toEqual(['return-redeem', 'expiry', 'return-earn', 'return-qualifying-spend']);
    expect(plan.transfers[0]).toMatchObject({ amount: 1_000, debit: 'redeemed', credit: 'member:M1' });
    expect(plan.transfers[1]).toMatchObject({
      kind: 'expiry',
      amount: 600,
      debit: 'member:M1',
      credit: 'expired',
      key: { type: 'transaction', kind: 'expiry' },
      lotsDrawn: [{ lotId: 'r-1:0', points: 600 }],
      detail: { originalTxnId: 'POS-1', returnId: 'R1', restoredPastExpiry: true },
    });
    expect(plan.transfers[2]).toMatchObject({ amount: 35, lotsDrawn: [{ lotId: 'id-2:0', points: 35 }] });
    expect(record).toMatchObject({ full: true, redeemedRestored: 1_000, redeemedExpired: 600, pointsCollected: 35, pointsExpired: 0 });
    // 1,035 + 1,000 − 600 − 35: the 400 still valid keep their June 2028 expiry.
    expect(plan.view.balance).toBe(1_400);
    expect(plan.view.lots.filter((l) => l.remaining > 0).map((l) => [l.id, l.remaining, l.expiresAt])).toEqual([
      ['L-NEW', 1_000, NEW_EXPIRY],
      ['r-1:1', 400, NEW_EXPIRY],
    ]);
  });

  it('leaves nothing for the periodic run that day, the next day, or even when the day’s expiry was already booked', () => {
    const alreadyRun = { ...after, booked: new Set([...after.booked, 'expiry|2027-02-05']) };
    for (const start of [after, alreadyRun]) {
      const returned = planReturn(start, sale, [], { returnId: 'R1', all: true }, ctxAt(classic, RETURN_AFTER, 'r')).plan.view;
      for (const when of [RETURN_AFTER + 3_600_000, RETURN_AFTER + 86_400_000]) {
        const periodic = planPeriodic(returned, ctxAt(classic, when, 'p'));
        expect(periodic.transfers).toEqual([]);
        expect(periodic.view.balance).toBe(1_400);
      }
    }
  });

  it('the pieces still valid expire with their original date, through periodic', () => {
    const returned = planReturn(after, sale, [], { returnId: 'R1', all: true }, ctxAt(classic, RETURN_AFTER, 'r')).plan.view;
    const periodic = planPeriodic(returned, ctxAt(classic, NEW_EXPIRY + 3_600_000, 'p'));
    expect(periodic.transfers).toEqual([expect.objectContaining({ kind: 'expiry', amount: 1_400 })]);
    expect(periodic.view.balance).toBe(0);
  });

  it('a return before the old expiry gives all 1,000 back to spend, as before', () => {
    const { plan, record } = planReturn(after, sale, [], { returnId: 'R1', all: true }, ctxAt(classic, at('2027-01-25T03:00:00Z'), 'r'));
    expect(kinds(plan.transfers)).toEqual(['return-redeem', 'return-earn', 'return-qualifying-spend']);
    expect(record).toMatchObject({ redeemedRestored: 1_000, redeemedExpired: 0 });
    expect(plan.view.balance).toBe(2_000);
  });
});

describe('returns around an expiry, any split (property)', () => {
  it('reversed = collected + uncollected + expired; in all, what was owed is exactly earned − expired', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 2_000_000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.integer({ min: 0, max: 1_000 }),
        (amount, spentPercent, splits, expiryAt, newer) => {
          const { plan, sale } = planCheckout(member(), parseBasket({ currency: 'KRW', lines: [{ sku: 'GROCERIES', quantity: 1, unitPrice: amount }] }), ctxAt(classic, SALE_AT), 'POS-1');
          const [earned] = sale.earned;
          if (!earned) throw new Error('a sale of ₩1,000 or more earns');
          let m = spentFromSale(plan.view, Math.floor((earned.points * spentPercent) / 100));
          if (newer > 0) m = withNewerPoints(m, newer);
          // The expiry run comes before return number `expires` (never, when it is past the last).
          const expires = expiryAt % (splits.length + 1);
          const total = splits.reduce((a, b) => a + b, 0);
          const records: ReturnRecord[] = [];
          let returned = 0;
          splits.forEach((part, i) => {
            if (i === expires) m = planPeriodic(m, ctxAt(classic, EXPIRY_RUN, 'x')).view;
            const last = i === splits.length - 1;
            const value = last ? sale.amountDue - returned : Math.floor((sale.amountDue * part) / total);
            if (value <= 0) return;
            returned += value;
            const now = i >= expires ? RETURN_AT + i * HOUR : at('2026-06-01T03:00:00Z') + i * HOUR;
            const step = planReturn(m, sale, records, { returnId: `R${i}`, amount: value }, ctxAt(classic, now, `r${i}`));
            const r = step.record;
            expect([r.pointsCollected, r.pointsUncollected, r.pointsExpired].every((n) => n >= 0)).toBe(true);
            expect(r.pointsCollected + r.pointsUncollected + r.pointsExpired).toBe(r.pointsReversed);
            m = step.plan.view;
            expect(m.balance).toBeGreaterThanOrEqual(0);
            expect(m.lots.reduce((s, l) => s + l.remaining, 0)).toBe(m.balance);
            records.push(r);
          });
          const sum = (f: (r: ReturnRecord) => number): number => records.reduce((s, r) => s + f(r), 0);
          const expired = m.expiredFrom.get(earned.transferId) ?? 0;
          expect(sum((r) => r.pointsReversed)).toBe(earned.points);
          expect(sum((r) => r.pointsCollected + r.pointsUncollected)).toBe(earned.points - expired);
          expect(sum((r) => r.pointsExpired)).toBe(expired);
        },
      ),
      { numRuns: 400 },
    );
  });
});

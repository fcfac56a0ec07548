/**
 * Rule edges of issue 8 §1 through the real terminal service and real SQLite files (months pass on
 * a test clock), and the CLI's wording for them: an action limited per month is rewarded again next
 * month without an id; a return never takes back again what already expired; redeemed points given
 * back past their expiry expire at once; a replay says plainly that nothing new was booked.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoyaltyService } from '../../src/terminal/loyalty-service.js';
import { CLI_ENV, REPO, newLedger, stripNotices, tempDir, testClock } from '../support/ledger-fixture.js';
import { spendCode } from '../support/spend-code.js';

const { dir, cleanup } = tempDir('tally-rules-edges-');
afterAll(cleanup);

const CARD = '2900000000018';
const HOUR = 3_600_000;

function counts(service: LoyaltyService): string {
  const db = service.ledger.db;
  return ['transfers', 'transactions', 'lots', 'lot_draws', 'events', 'outbox'].map((t) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number).join(',');
}

describe('an action limited per month, recorded without an id', () => {
  // plus-membership-charity: "bring-your-bag", 5 points, once a month; welcome 250.
  it('is rewarded again next month, not replayed from last month', () => {
    const clock = testClock('2026-05-12T03:00:00Z');
    const { ledger, service } = newLedger(join(dir, 'action-months.sqlite'), 'plus-membership-charity', clock);
    try {
      service.enrol({ cards: [CARD] });
      const may = service.action({ card: CARD, actionId: 'bring-your-bag' });
      expect(may).toMatchObject({ points: 5, replayed: false, balance: 255 });
      clock.advanceDays(32); // 13 June 2026
      const june = service.action({ card: CARD, actionId: 'bring-your-bag' });
      // Before: replayed, with May's balance of 255, and nothing booked.
      expect(june).toMatchObject({ points: 5, replayed: false, balance: 260 });
      expect(ledger.balance(june.memberId)).toBe(260);
      expect(june.txnId).not.toBe(may.txnId);
      expect(service.verify().problems).toEqual([]);
    } finally {
      ledger.close();
    }
  });

  it('within the month a retry replays (nothing booked twice), and another id is refused in plain words', () => {
    const clock = testClock('2026-05-12T03:00:00Z');
    const { ledger, service } = newLedger(join(dir, 'action-limit.sqlite'), 'plus-membership-charity', clock);
    try {
      service.enrol({ cards: [CARD] });
      const first = service.action({ card: CARD, actionId: 'bring-your-bag' });
      clock.advanceDays(1);
      const before = counts(service);
      expect(service.action({ card: CARD, actionId: 'bring-your-bag' })).toMatchObject({ replayed: true, txnId: first.txnId, balance: 255 });
      expect(counts(service)).toBe(before);
      // Before: 'Action "bring-your-bag" was already this month rewarded for this member'.
      expect(() => service.action({ card: CARD, actionId: 'bring-your-bag', txnId: 'BAG-2' })).toThrow(
        'This member was already rewarded for action "bring-your-bag" this month (2026-05); nothing was booked',
      );
      expect(counts(service)).toBe(before);
      // An action limited once keeps its key (a retry of one booked before this change still replays).
      const newsletter = service.action({ card: CARD, actionId: 'newsletter' });
      expect(newsletter.txnId).toBe(`newsletter:member:${newsletter.memberId}`);
      expect(() => service.action({ card: CARD, actionId: 'newsletter', txnId: 'NL-2' })).toThrow('This member was already rewarded for action "newsletter" (once per member); nothing was booked');
    } finally {
      ledger.close();
    }
  });
});

describe('a return after the sale’s points expired (classic-krw: 24 months to the month end, ₩10 a point)', () => {
  it('takes nothing from newer points and nothing off the refund for what expired', () => {
    const clock = testClock('2025-03-04T03:00:00Z'); // a Tuesday in Seoul
    const { ledger, service } = newLedger(join(dir, 'return-expired.sqlite'), 'classic-krw', clock);
    try {
      service.enrol({ cards: [CARD] }); // welcome 100
      const sale = service.checkout({ card: CARD, txnId: 'POS-1', basket: service.amountBasket(100_000) });
      expect(sale).toMatchObject({ earned: 100, balance: 200 });
      // Both lots are usable through March 2027; the run on 6 April 2027 expires them.
      clock.now = Date.parse('2027-04-06T03:00:00Z');
      service.runPeriodic();
      expect(service.member(CARD).balance).toBe(0);
      const newer = service.checkout({ card: CARD, txnId: 'POS-2', basket: service.amountBasket(50_000) });
      expect(newer).toMatchObject({ earned: 50, balance: 50 });

      const back = service.returnSale({ originalTxnId: 'POS-1', returnId: 'RET-1', all: true });
      // Before: 50 collected from POS-2's points and 50 (₩500) taken off the refund.
      expect([back.pointsCollected, back.pointsUncollected, back.refundDeduction, back.balance]).toEqual([0, 0, 0, 50]);
      expect(back).toMatchObject({ fullyReturned: true, pointsReversed: 100, pointsExpired: 100 });
      expect(back.transfers.map((t) => t.kind)).toEqual(['return-qualifying-spend']);
      expect(service.member(CARD).balance).toBe(50);
      expect(service.verify().problems).toEqual([]);
    } finally {
      ledger.close();
    }
  });
});

describe('a full return of a sale paid with points that have expired since', () => {
  it('gives them back and expires them at once: the balance is final, a later expiry run changes nothing', () => {
    const clock = testClock('2025-03-04T03:00:00Z');
    const { ledger, service } = newLedger(join(dir, 'return-redeemed.sqlite'), 'classic-krw', clock);
    try {
      service.enrol({ cards: [CARD] }); // 100, usable through March 2027
      service.checkout({ card: CARD, txnId: 'POS-1', basket: service.amountBasket(1_000_000) }); // 1,000, same
      // Saturday 20 March 2027: ₩200,000, 1,000 points pay ₩10,000 (100 welcome + 900 of POS-1), ₩190,000 earns 190.
      clock.now = Date.parse('2027-03-20T03:00:00Z');
      const paid = service.checkout({ card: CARD, txnId: 'POS-2', basket: service.amountBasket(200_000), redeem: { points: 1_000 }, proof: { spendCode: spendCode(ledger, CARD, clock.read()) } });
      expect(paid).toMatchObject({ redeemed: { points: 1_000, discount: 10_000 }, earned: 190, balance: 290 });
      // 5 April 2027: the day's expiry run takes POS-1's last 100.
      clock.now = Date.parse('2027-04-05T03:00:00Z');
      service.runPeriodic();
      expect(service.member(CARD).balance).toBe(190);

      clock.now += HOUR;
      const before = counts(service);
      const back = service.returnSale({ originalTxnId: 'POS-2', returnId: 'RET-2', all: true });
      // Before: a balance of 1,000, spendable until the next day's expiry run.
      expect(back.balance).toBe(0);
      expect(service.member(CARD).balance).toBe(0);
      // The 1,000 come back (the redemption is undone) and expire in the same return: their date was 1 April.
      expect(back).toMatchObject({ fullyReturned: true, redeemedRestored: 1_000, redeemedExpired: 1_000, pointsCollected: 190, pointsUncollected: 0, balance: 0 });
      expect(back.transfers.map((t) => t.kind)).toEqual(['return-redeem', 'expiry', 'return-earn', 'return-qualifying-spend']);
      expect(service.member(CARD).balance).toBe(0);
      const expiries = ledger.db.prepare(`SELECT amount, period, pos_txn_id AS posTxnId, credit_account AS credit FROM transfers WHERE kind = 'expiry' ORDER BY seq`).all();
      expect(expiries).toEqual([
        { amount: 100, period: '2027-04-05', posTxnId: null, credit: 'expired' },
        { amount: 1_000, period: null, posTxnId: 'RET-2', credit: 'expired' },
      ]);

      // Periodic the same day and the next: nothing left to expire, the balance stays.
      for (const hours of [1, 24]) {
        clock.now += hours * HOUR;
        expect(service.runPeriodic().transfers).toBe(0);
        expect(ledger.balance(back.memberId)).toBe(0);
      }
      // A retried return books nothing.
      const after = counts(service);
      expect(service.returnSale({ originalTxnId: 'POS-2', returnId: 'RET-2', all: true })).toMatchObject({ replayed: true, redeemedExpired: 1_000 });
      expect(counts(service)).toBe(after);
      expect(after).not.toBe(before);
      expect(service.verify().problems).toEqual([]);
    } finally {
      ledger.close();
    }
  });
});

describe('tally CLI: replies for replays and limits', () => {
  const db = join(dir, 'cli.sqlite');
  function tally(now: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
    const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, '--now', now, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV });
    return { status: run.status, stdout: run.stdout, stderr: stripNotices(run.stderr) };
  }
  const lines = (stdout: string): string[] => stdout.trimEnd().split('\n');

  // May 2026 (Los Angeles): welcome 250, the bag 5, a $100 sale 100, a $50 return of it −50.
  beforeAll(() => {
    expect(tally('2026-05-12T18:00:00Z', ['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'plus-membership-charity.json'), '--store', 'S1', '--terminal', 'T1']).status).toBe(0);
    expect(tally('2026-05-12T18:01:00Z', ['member', 'add', '--card', CARD]).status).toBe(0);
    expect(tally('2026-05-12T18:02:00Z', ['action', '--card', CARD, '--action', 'bring-your-bag']).status).toBe(0);
    expect(tally('2026-05-12T18:03:00Z', ['checkout', '--card', CARD, '--amount', '10000', '--txn', 'POS-1']).status).toBe(0);
    expect(tally('2026-05-12T18:04:00Z', ['return', '--txn', 'POS-1', '--return-id', 'RET-1', '--amount', '5000']).status).toBe(0);
    expect(tally('2026-05-12T18:05:00Z', ['checkout', '--card', CARD, '--amount', '10000', '--txn', 'POS-2']).status).toBe(0);
  });

  it('a replayed action says nothing new was booked and shows the balance now', () => {
    const again = tally('2026-05-13T18:00:00Z', ['action', '--card', CARD, '--action', 'bring-your-bag']);
    expect(again.status).toBe(0);
    // Before: "Action bonus: 5 points (already booked)" and "Balance: 255 points", the balance of then.
    expect(lines(again.stdout)).toEqual(['Action bonus (Brought a reusable bag) was booked before (5 points): nothing new was booked', 'Balance now: 405 points']);
    const json = tally('2026-05-13T18:01:00Z', ['--json', 'action', '--card', CARD, '--action', 'bring-your-bag']);
    expect(JSON.parse(json.stdout)).toMatchObject({ replayed: true, points: 5, balance: 255, balanceNow: 405 });
    const korean = tally('2026-05-13T18:02:00Z', ['--lang', 'ko', 'action', '--card', CARD, '--action', 'bring-your-bag']);
    expect(lines(korean.stdout)[0]).toBe('Action bonus (장바구니 지참) was booked before (5 points): nothing new was booked');
  });

  it('a refusal over the limit reads plainly', () => {
    const refused = tally('2026-05-13T18:03:00Z', ['action', '--card', CARD, '--action', 'bring-your-bag', '--id', 'BAG-2']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe('tally: This member was already rewarded for action "bring-your-bag" this month (2026-05); nothing was booked\n');
  });

  it('a replayed return shows the balance now, not the one it left', () => {
    const again = tally('2026-05-13T18:04:00Z', ['return', '--txn', 'POS-1', '--return-id', 'RET-1', '--amount', '5000']);
    // Before: "Balance: 305 points", as the return left it before POS-2.
    expect(lines(again.stdout)).toEqual(['Return RET-1 of sale POS-1 (already booked; nothing new written)', 'Points taken back: 50 points', 'Balance now: 405 points']);
  });

  it('next month the same command books a new action bonus', () => {
    const june = tally('2026-06-12T18:00:00Z', ['action', '--card', CARD, '--action', 'bring-your-bag']);
    expect(june.stderr).toBe('');
    // Before: May's booking replayed.
    expect(lines(june.stdout)).toEqual(['Action bonus (Brought a reusable bag): 5 points', 'Balance: 410 points']);
  });
});

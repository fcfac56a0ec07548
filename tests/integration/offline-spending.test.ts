/**
 * Spending offline at an enrolled terminal, in process with a test clock (the budget's expiry and
 * the member snapshot's age are on clocks a CLI test cannot move): every limit the server granted
 * refuses with its own clear message and writes nothing; a spend within them is booked, records
 * its budget on the transaction, and counts against it once (a replay does not count again).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/terminal/ledger/verify.js';
import { offlineGate } from '../../src/terminal/sync/spending.js';
import { newLedger, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-offline-');
afterAll(cleanup);

const A = '2900000000018';
const B = '2900000000025';
const HOUR = 3_600_000;

describe('offline spending within the server’s grant', () => {
  const clock = testClock('2026-05-04T10:00:00Z');
  const { ledger, service } = newLedger(join(dir, 'lane.sqlite'), 'sporting-goods-usd', clock);
  afterAll(() => ledger.close());
  service.enrol({ cards: [A] });
  service.enrol({ cards: [B] });
  service.checkout({ card: A, txnId: 'EARN-A', basket: service.amountBasket(200_000) });
  service.checkout({ card: B, txnId: 'EARN-B', basket: service.amountBasket(200_000) });
  // Enrolled with a server (the gate only applies then), and the server's grant: 1,500 per period,
  // 600 per visit, 900 per member, a snapshot at most 72 hours old.
  ledger.transaction(() => ledger.db.prepare(`INSERT INTO sync_state (singleton, server_url, enrolled_at) VALUES (1, 'https://hq.example', ?)`).run(clock.now));
  service.useSpendingGate(offlineGate(ledger, clock.read));
  let n = 0;
  const spend = (card: string, reward = 'ten-off') => {
    n += 1;
    return service.checkout({ card, txnId: `OFF-${n}`, basket: service.amountBasket(3000), redeem: { rewardId: reward }, proof: { cashier: 'Lee' } });
  };
  const spent = (): number => ledger.db.prepare('SELECT coalesce(sum(points), 0) FROM offline_spends').pluck().get() as number;

  it('refuses without a grant, and with a grant while nothing was ever pulled', () => {
    expect(() => spend(A)).toThrow(/^This terminal has no offline budget from the server yet \(sync once while online\): the server cannot be reached/);
    ledger.transaction(() =>
      ledger.saveOfflineGrant({ id: 'grant-0001', points: 1500, perTransaction: 600, perMember: 900, snapshotMaxAgeMs: 72 * HOUR, grantedAt: clock.now, expiresAt: clock.now + 24 * HOUR }, 0, clock.now),
    );
    expect(() => spend(A)).toThrow(/^This terminal last heard from the server more than 72 hours ago/);
    expect(spent()).toBe(0);
  });

  it('books a spend within every limit, recording its budget; a replay counts once', () => {
    ledger.transaction(() => ledger.db.prepare('UPDATE sync_state SET pull_complete_at = ?').run(clock.now));
    const r = spend(A);
    expect(r.replayed).toBe(false);
    expect(spent()).toBe(300);
    const request = JSON.parse(ledger.db.prepare(`SELECT request FROM transactions WHERE txn_id = ?`).pluck().get(r.txnId) as string) as { authority: unknown };
    expect(request.authority).toEqual({ kind: 'offline', grantId: 'grant-0001', points: 300 });
    const again = service.checkout({ card: A, txnId: r.txnId, basket: service.amountBasket(3000), redeem: { rewardId: 'ten-off' }, proof: { cashier: 'Lee' } });
    expect(again.replayed).toBe(true);
    expect(spent()).toBe(300);
  });

  it('refuses a visit over the per-visit limit, a member over theirs, and the terminal over its budget', () => {
    expect(() => spend(A, 'fifteen-percent')).toThrow(/^At most 600 points can be spent in one visit while offline \(this spends 1000\)/);
    spend(A);
    spend(A); // 900 of 900 for A
    expect(() => spend(A)).toThrow(/^This member can spend 0 more points at this terminal while offline \(900 per budget period\)/);
    spend(B);
    spend(B); // 1,500 of 1,500 for the terminal
    expect(() => spend(B)).toThrow(/^This terminal's offline budget has 0 points left \(of 1500\)/);
    expect(spent()).toBe(1500);
  });

  it('refuses once the grant expired or the snapshot is too old, by the server clock', () => {
    clock.now += 25 * HOUR;
    expect(() => spend(B)).toThrow(/^This terminal's offline budget expired \(sync to get a new one\)/);
    ledger.transaction(() =>
      ledger.saveOfflineGrant({ id: 'grant-0002', points: 1500, perTransaction: 600, perMember: 900, snapshotMaxAgeMs: 24 * HOUR, grantedAt: clock.now, expiresAt: clock.now + 24 * HOUR }, 0, clock.now),
    );
    expect(() => spend(B)).toThrow(/^This terminal last heard from the server more than 24 hours ago/);
    ledger.transaction(() => ledger.db.prepare('UPDATE sync_state SET pull_complete_at = ?').run(clock.now));
    spend(B);
    expect(ledger.db.prepare(`SELECT grant_id, sum(points) AS points FROM offline_spends GROUP BY grant_id ORDER BY grant_id`).all()).toEqual([
      { grant_id: 'grant-0001', points: 1500 },
      { grant_id: 'grant-0002', points: 300 },
    ]);
    expect(verifyLedger(ledger.db).problems).toEqual([]);
  });
});

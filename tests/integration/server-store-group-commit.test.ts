/**
 * The SQLite store applies pushes that arrive together in one transaction with one durable commit
 * (a group commit): each push in its own savepoint, in arrival order, answered after the commit.
 * What a counter sees must not change: each push is still all or nothing, a refused or failing push
 * leaves nothing and does not take the others with it, and pushes of one terminal apply in order.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PushOutcome } from '../../src/server/store/store.js';
import { openSqliteServerStore } from '../../src/server/store/sqlite/sqlite-store.js';
import { tempDir } from '../support/ledger-fixture.js';
import { FakeTerminal, rowCounts } from '../support/server-store-fixtures.js';

const { dir, cleanup } = tempDir('tally-group-commit-');
afterAll(cleanup);

const okStatuses = (outcome: PromiseSettledResult<PushOutcome>): string[] =>
  outcome.status === 'fulfilled' && outcome.value.ok ? outcome.value.results.map((r) => r.status) : [`not ok: ${outcome.status === 'rejected' ? String(outcome.reason) : JSON.stringify(outcome.value)}`];

describe('SQLite store: pushes arriving together', () => {
  it('applies each alone or not at all, in arrival order, and answers each after the one commit', async () => {
    const store = await openSqliteServerStore(join(dir, 'group.sqlite'));
    try {
      const terminals = [1, 2, 3, 4].map((n) => new FakeTerminal('S1', `T${n}`));
      const [t1, t2, t3, t4] = terminals as [FakeTerminal, FakeTerminal, FakeTerminal, FakeTerminal];
      const items = (t: FakeTerminal, member: string): Parameters<FakeTerminal['batch']>[0] => [
        { entity: 'transaction', transaction: t.transaction(member) },
        { entity: 'transfer', transfer: t.earn(member, 10) },
      ];
      const before = await rowCounts(store);
      // All started in one tick: they land in one group.
      const pushes = [
        store.push(t1.batch(items(t1, 'm1'))),
        store.push(t1.batch(items(t1, 'm1'))), // the same terminal's next batch, continuing the first
        store.push(t2.batch(items(t2, 'm2'))),
        // A transfer the schema refuses (debit = credit): this push throws, alone.
        store.push(t3.batch([{ entity: 'transfer', transfer: t3.transfer({ memberId: 'm3', kind: 'earn', amount: 5, debitAccount: 'member:m3', creditAccount: 'member:m3' }) }])),
        // Out of sequence: refused, nothing written.
        store.push(t4.batch(items(t4, 'm4'), { fromSeq: 7 })),
        store.push(t2.batch(items(t2, 'm2'))),
      ];
      const outcomes = await Promise.allSettled(pushes);
      expect(okStatuses(outcomes[0]!)).toEqual(['ok', 'ok']);
      expect(okStatuses(outcomes[1]!)).toEqual(['ok', 'ok']);
      expect(okStatuses(outcomes[2]!)).toEqual(['ok', 'ok']);
      expect(outcomes[3]!.status).toBe('rejected');
      expect(outcomes[4]).toMatchObject({ status: 'fulfilled', value: { ok: false, reason: 'sequence', lastSeq: 0 } });
      expect(okStatuses(outcomes[5]!)).toEqual(['ok', 'ok']);

      const after = await rowCounts(store);
      expect(after['transfers']! - before['transfers']!).toBe(4);
      expect(after['transactions']! - before['transactions']!).toBe(4);
      expect(await store.lastSeqs('S1', 'T1')).toEqual([{ epoch: 1, lastSeq: 2 }]);
      expect(await store.lastSeqs('S1', 'T2')).toEqual([{ epoch: 1, lastSeq: 2 }]);
      expect(await store.lastSeqs('S1', 'T3')).toEqual([]);
      expect(await store.lastSeqs('S1', 'T4')).toEqual([]);
      expect((await store.query(`SELECT balance FROM member_balances WHERE account = 'member:m1'`))[0]).toEqual({ balance: 20 });
      expect((await store.verify()).ok).toBe(true);

      // The next group continues where this one left off.
      const again = await Promise.allSettled([store.push(t1.batch(items(t1, 'm1'))), store.push(t2.batch(items(t2, 'm2')))]);
      expect(again.map(okStatuses)).toEqual([
        ['ok', 'ok'],
        ['ok', 'ok'],
      ]);
      expect(await store.lastSeqs('S1', 'T1')).toEqual([{ epoch: 1, lastSeq: 3 }]);
    } finally {
      await store.close();
    }
  });

  it('refuses every push of a group whose transaction cannot be had, and keeps none of them', async () => {
    const store = await openSqliteServerStore(join(dir, 'closed.sqlite'));
    const t = new FakeTerminal('S1', 'T1');
    const pending = store.push(t.batch([{ entity: 'transfer', transfer: t.earn('m1', 10) }]));
    // Closed before the group's turn: its transaction fails, and so does the push.
    await store.close();
    await expect(pending).rejects.toThrow();
  });
});

/** Migration 0013 on its own: held spends, counted against their fallback budget until settled once. */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/ledger-fixture.js';
import { openSqlite } from '../sqlite.js';
import { MIGRATIONS } from './index.js';
import { migration0012 } from './0012-transfers-kept-elsewhere.js';
import { migration0013 } from './0013-held-spends.js';

const { dir, cleanup } = tempDir('tally-m0013-');
afterAll(cleanup);

describe('migration 0013: held spends', () => {
  it('follows 0012; a held spend names a transaction and a grant, is settled once (posted or counted) and never changed or deleted', () => {
    expect(migration0013.version).toBe(migration0012.version + 1);
    const db = openSqlite(join(dir, 'm.sqlite'));
    try {
      db.pragma('foreign_keys = ON');
      db.transaction(() => {
        for (const m of MIGRATIONS.filter((x) => x.version <= 13)) m.up(db);
      })();
      db.exec(`
        INSERT INTO members (id, marketing_consent, enrolled_at, enrolled_by, version, updated_at) VALUES ('m1', 0, 1, 'LANE-2', 1, 1);
        INSERT INTO transactions (id, store_id, terminal_id, kind, txn_id, member_id, request_hash, request, record, result, created_at)
          VALUES ('x1', 'S1', 'LANE-2', 'checkout', 'T-1', 'm1', 'h', '{}', '{}', '{}', 1), ('x2', 'S1', 'LANE-2', 'checkout', 'T-2', 'm1', 'h2', '{}', '{}', '{}', 1);
        INSERT INTO offline_grants (id, points, per_transaction, per_member, snapshot_max_age_ms, granted_at, expires_at, server_offset_ms, received_at)
          VALUES ('g1', 5000, 1000, 2000, 1000, 1, 2, 0, 1);
      `);
      const hold = (tx: string, grant = 'g1') => db.prepare(`INSERT INTO held_spends (transaction_id, hold_id, grant_id, member_id, points) VALUES (?, 'h1', ?, 'm1', 300)`).run(tx, grant);
      hold('x1');
      expect(() => hold('x1')).toThrow(/UNIQUE constraint failed/);
      expect(() => hold('nowhere')).toThrow(/FOREIGN KEY constraint failed/);
      expect(() => hold('x2', 'no-grant')).toThrow(/FOREIGN KEY constraint failed/);
      expect(() => db.exec(`UPDATE held_spends SET points = 400`)).toThrow(/never change/);
      expect(() => db.exec(`UPDATE held_spends SET settled = 'posted'`)).toThrow(/CHECK constraint failed/);
      db.exec(`UPDATE held_spends SET settled = 'counted', settled_at = 5`);
      expect(() => db.exec(`UPDATE held_spends SET settled = 'posted', settled_at = 6`)).toThrow(/settled once/);
      expect(() => db.exec(`DELETE FROM held_spends`)).toThrow(/never deleted/);
    } finally {
      db.close();
    }
  });
});

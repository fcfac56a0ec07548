/** Migration 0009 on its own: offline grants and the spends booked against them, append-only and checked. */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/ledger-fixture.js';
import { openSqlite } from '../sqlite.js';
import { MIGRATIONS } from './index.js';
import { migration0008 } from './0008-pull.js';
import { migration0009 } from './0009-offline-budget.js';

const { dir, cleanup } = tempDir('tally-m0009-');
afterAll(cleanup);

describe('migration 0009: offline budgets', () => {
  it('follows 0008; grants and spends are STRICT, checked, append-only, and spends name real rows', () => {
    expect(migration0009.version).toBe(migration0008.version + 1);
    const db = openSqlite(join(dir, 'm.sqlite'));
    db.pragma('foreign_keys = ON');
    try {
      db.transaction(() => {
        for (const m of MIGRATIONS.filter((x) => x.version <= 9)) m.up(db);
      })();
      for (const table of ['offline_grants', 'offline_spends']) expect(db.prepare(`SELECT strict FROM pragma_table_list WHERE name = ?`).pluck().get(table)).toBe(1);
      const grant = db.prepare(
        'INSERT INTO offline_grants (id, points, per_transaction, per_member, snapshot_max_age_ms, granted_at, expires_at, server_offset_ms, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      grant.run('g1', 1000, 500, 500, 3_600_000, 10, 20, 0, 10);
      expect(() => grant.run('g2', -1, 500, 500, 3_600_000, 10, 20, 0, 10)).toThrow(/CHECK constraint/);
      expect(() => grant.run('g3', 1, 500, 500, 3_600_000, 20, 20, 0, 10)).toThrow(/CHECK constraint/);
      expect(() => db.exec(`UPDATE offline_grants SET points = 5`)).toThrow(/append-only/);
      expect(() => db.exec(`DELETE FROM offline_grants`)).toThrow(/append-only/);
      // A spend must name a booked transaction.
      expect(() => db.exec(`INSERT INTO offline_spends (transaction_id, grant_id, member_id, points) VALUES ('nope', 'g1', 'm1', 5)`)).toThrow(/FOREIGN KEY/);
      expect(db.prepare(`SELECT 1 FROM pragma_table_info('sync_state') WHERE name = 'pull_complete_at'`).pluck().get()).toBe(1);
    } finally {
      db.close();
    }
  });
});

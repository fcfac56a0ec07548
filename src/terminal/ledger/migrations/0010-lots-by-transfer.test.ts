/** Migration 0010 on its own: a transfer's lots are found through an index, not a scan. */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/ledger-fixture.js';
import { openSqlite } from '../sqlite.js';
import { MIGRATIONS } from './index.js';
import { migration0009 } from './0009-offline-budget.js';
import { migration0010 } from './0010-lots-by-transfer.js';

const { dir, cleanup } = tempDir('tally-m0010-');
afterAll(cleanup);

describe('migration 0010: lots by transfer', () => {
  it('follows 0009, and the lots of one transfer are read through the index', () => {
    expect(migration0010.version).toBe(migration0009.version + 1);
    const db = openSqlite(join(dir, 'm.sqlite'));
    try {
      db.transaction(() => {
        for (const m of MIGRATIONS.filter((x) => x.version <= 10)) m.up(db);
      })();
      const plan = (db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM lots WHERE transfer_id = ?`).all('t1') as { detail: string }[]).map((r) => r.detail).join(' ');
      expect(plan).toMatch(/USING (COVERING )?INDEX lots_transfer_id/);
    } finally {
      db.close();
    }
  });
});

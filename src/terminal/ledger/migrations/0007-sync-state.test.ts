/** Migration 0007 on its own: one sync-state row per terminal, naming the server it is enrolled with. */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/ledger-fixture.js';
import { openSqlite } from '../sqlite.js';
import { MIGRATIONS } from './index.js';
import { migration0006 } from './0006-open-checks.js';
import { migration0007 } from './0007-sync-state.js';

const { dir, cleanup } = tempDir('tally-m0007-');
afterAll(cleanup);

describe('migration 0007: sync state', () => {
  it('follows 0006 and makes one STRICT row for the server this terminal syncs with', () => {
    expect(migration0007.version).toBe(migration0006.version + 1);
    const db = openSqlite(join(dir, 'm.sqlite'));
    try {
      for (const m of MIGRATIONS.filter((x) => x.version <= 7)) m.up(db);
      expect(db.prepare(`SELECT strict FROM pragma_table_list WHERE name = 'sync_state'`).pluck().get()).toBe(1);
      db.prepare(`INSERT INTO sync_state (singleton, server_url, enrolled_at) VALUES (1, 'https://hq.example', 1)`).run();
      expect(() => db.prepare(`INSERT INTO sync_state (singleton, server_url, enrolled_at) VALUES (2, 'https://other.example', 1)`).run()).toThrow(/CHECK constraint/);
      expect(() => db.prepare(`INSERT INTO sync_state (singleton, server_url, enrolled_at) VALUES (1, 'https://hq.example', 1)`).run()).toThrow(/UNIQUE|PRIMARY KEY/);
    } finally {
      db.close();
    }
  });
});

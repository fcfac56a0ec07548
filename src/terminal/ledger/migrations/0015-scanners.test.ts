/** Migration 0015 on its own: the scanners the terminal host runs, one STRICT row each. */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/ledger-fixture.js';
import { openSqlite } from '../sqlite.js';
import { MIGRATIONS } from './index.js';
import { migration0014 } from './0014-managers.js';
import { migration0015 } from './0015-scanners.js';

const { dir, cleanup } = tempDir('tally-m0015-');
afterAll(cleanup);

describe('migration 0015: scanners', () => {
  it('follows 0014; a scanner has a short id, a JSON transport and an enabled flag', () => {
    expect(migration0015.version).toBe(migration0014.version + 1);
    const db = openSqlite(join(dir, 'm.sqlite'));
    try {
      db.transaction(() => {
        for (const m of MIGRATIONS.filter((x) => x.version <= 15)) m.up(db);
      })();
      expect(db.prepare(`SELECT strict FROM pragma_table_list WHERE name = 'scanners'`).pluck().get()).toBe(1);
      const add = (id: string, transport: string, enabled = 1) => db.prepare('INSERT INTO scanners (id, transport, enabled, created_at, updated_at) VALUES (?, ?, ?, 1, 1)').run(id, transport, enabled);
      add('counter', '{"kind":"serial","path":"/dev/ttyACM0"}');
      expect(() => add('counter', '{"kind":"hid"}')).toThrow(/UNIQUE|PRIMARY KEY/);
      expect(() => add('', '{}')).toThrow(/CHECK constraint/);
      expect(() => add('x'.repeat(33), '{}')).toThrow(/CHECK constraint/);
      expect(() => add('broken', '{"kind":')).toThrow(/CHECK constraint/);
      expect(() => add('half', '{}', 2)).toThrow(/CHECK constraint/);
      expect(db.prepare('SELECT enabled FROM scanners').pluck().all()).toEqual([1]);
    } finally {
      db.close();
    }
  });
});

/** Migration 0014 on its own: managers with a scrypt PIN hash, never deleted. */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/ledger-fixture.js';
import { openSqlite } from '../sqlite.js';
import { MIGRATIONS } from './index.js';
import { migration0013 } from './0013-held-spends.js';
import { migration0014 } from './0014-managers.js';

const { dir, cleanup } = tempDir('tally-m0014-');
afterAll(cleanup);

describe('migration 0014: managers', () => {
  it('follows 0013; a manager has an id, a name and a scrypt hash, counts failures and is retired, never deleted', () => {
    expect(migration0014.version).toBe(migration0013.version + 1);
    const db = openSqlite(join(dir, 'm.sqlite'));
    try {
      db.transaction(() => {
        for (const m of MIGRATIONS.filter((x) => x.version <= 14)) m.up(db);
      })();
      const add = (id: string, hash = 'scrypt$16384$8$1$salt$hash', name = 'Park') =>
        db.prepare('INSERT INTO managers (id, name, pin_hash, created_at, pin_set_at) VALUES (?, ?, ?, 1, 1)').run(id, name, hash);
      add('M1');
      expect(() => add('M1')).toThrow(/UNIQUE constraint failed/);
      expect(() => add('M2', 'plain-1234')).toThrow(/CHECK constraint failed/);
      expect(() => add('', undefined)).toThrow(/CHECK constraint failed/);
      expect(() => add('M3', undefined, '')).toThrow(/CHECK constraint failed/);
      expect(() => db.exec('UPDATE managers SET pin_failures = -1')).toThrow(/CHECK constraint failed/);
      db.exec('UPDATE managers SET removed_at = 5');
      expect(() => db.exec('DELETE FROM managers')).toThrow(/never deleted/);
    } finally {
      db.close();
    }
  });
});

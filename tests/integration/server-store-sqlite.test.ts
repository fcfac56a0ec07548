/** The shared server-store suite on SQLite, plus what only SQLite has: pragmas and STRICT tables. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SQLITE_LATEST_VERSION } from '../../src/server/store/sqlite/migrations.js';
import { openSqliteServerStore } from '../../src/server/store/sqlite/sqlite-store.js';
import { TABLES } from '../support/server-store-fixtures.js';
import { tempDir } from '../support/ledger-fixture.js';
import { serverBootstrapSuite } from './server-bootstrap.suite.js';
import { serverPullSuite } from './server-pull.suite.js';
import { serverSpendingSuite } from './server-spending.suite.js';
import { serverStoreSuite } from './server-store.suite.js';

const { dir, cleanup } = tempDir('tally-server-store-');
afterAll(cleanup);
const path = join(dir, 'server.sqlite');

function setUserVersion(version: number): void {
  const db = new Database(path);
  try {
    db.pragma(`user_version = ${version}`);
  } finally {
    db.close();
  }
}

serverStoreSuite('SQLite', {
  open: () => openSqliteServerStore(path),
  markNewer: async () => {
    setUserVersion(SQLITE_LATEST_VERSION + 1);
    return { restore: async () => setUserVersion(SQLITE_LATEST_VERSION) };
  },
});
serverPullSuite('SQLite', {
  open: () => openSqliteServerStore(path),
  markNewer: async () => {
    setUserVersion(SQLITE_LATEST_VERSION + 1);
    return { restore: async () => setUserVersion(SQLITE_LATEST_VERSION) };
  },
});
serverBootstrapSuite('SQLite', {
  open: () => openSqliteServerStore(path),
  markNewer: async () => {
    setUserVersion(SQLITE_LATEST_VERSION + 1);
    return { restore: async () => setUserVersion(SQLITE_LATEST_VERSION) };
  },
});
serverSpendingSuite('SQLite', {
  open: () => openSqliteServerStore(path),
  markNewer: async () => {
    setUserVersion(SQLITE_LATEST_VERSION + 1);
    return { restore: async () => setUserVersion(SQLITE_LATEST_VERSION) };
  },
});

describe('server store on SQLite: the file', () => {
  it('is WAL with synchronous=FULL, and every table is STRICT', async () => {
    const store = await openSqliteServerStore(join(dir, 'pragmas.sqlite'));
    try {
      expect(await store.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await store.query('PRAGMA synchronous')).toEqual([{ synchronous: 2 }]);
      expect(await store.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
      const tables = await store.query(`SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name`);
      expect(tables.map((t) => t['name'])).toEqual([...TABLES, 'changes'].sort());
      expect(tables.filter((t) => t['strict'] !== 1)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

/**
 * Migration 0005 on its own: the lease columns on each printer's row (one owner per printer), free
 * on every printer a version-4 file had, and a lease that is an owner with an expiry or nothing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/ledger-fixture.js';
import { openSqlite, type SqliteDatabase } from '../sqlite.js';
import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-period-key-index.js';
import { migration0003 } from './0003-printing.js';
import { migration0004 } from './0004-trust.js';
import { migration0005 } from './0005-print-leases.js';

const { dir, cleanup } = tempDir('tally-m0005-');
let db: SqliteDatabase;

beforeAll(() => {
  db = openSqlite(join(dir, 'm.sqlite'));
  db.pragma('foreign_keys = ON');
  for (const m of [migration0001, migration0002, migration0003, migration0004]) m.up(db);
  // A printer configured by a version-4 terminal, with its settings.
  db.prepare(`INSERT INTO printers (id, transport, profile, language, created_at, updated_at) VALUES ('receipt', '{"kind":"tcp","host":"127.0.0.1"}', 'epson-tm-80', 'en', 1, 1)`).run();
  migration0005.up(db);
});

afterAll(() => {
  db.close();
  cleanup();
});

const lease = (): unknown => db.prepare(`SELECT lease_owner, lease_holder, lease_kind, lease_pid, lease_host, lease_expires_at FROM printers WHERE id = 'receipt'`).get();

describe('migration 0005: printer leases', () => {
  it('follows 0004 and adds the lease to the printers table, which stays STRICT', () => {
    expect(migration0005.version).toBe(migration0004.version + 1);
    const columns = (db.prepare(`SELECT name, type FROM pragma_table_info('printers')`).all() as { name: string; type: string }[]).filter((c) => c.name.startsWith('lease_'));
    expect(columns).toEqual([
      { name: 'lease_owner', type: 'TEXT' },
      { name: 'lease_holder', type: 'TEXT' },
      { name: 'lease_kind', type: 'TEXT' },
      { name: 'lease_pid', type: 'INTEGER' },
      { name: 'lease_host', type: 'TEXT' },
      { name: 'lease_expires_at', type: 'INTEGER' },
    ]);
    expect(db.prepare(`SELECT strict FROM pragma_table_list WHERE name = 'printers'`).pluck().get()).toBe(1);
  });

  it('leaves an existing printer as it was, and free', () => {
    expect(db.prepare(`SELECT transport, profile, language, enabled FROM printers WHERE id = 'receipt'`).get()).toEqual({ transport: '{"kind":"tcp","host":"127.0.0.1"}', profile: 'epson-tm-80', language: 'en', enabled: 1 });
    expect(lease()).toEqual({ lease_owner: null, lease_holder: null, lease_kind: null, lease_pid: null, lease_host: null, lease_expires_at: null });
  });

  it('lets a lease be taken, renewed and given back', () => {
    db.prepare(`UPDATE printers SET lease_owner = 'w1', lease_holder = 'tally print run --watch (pid 42)', lease_kind = 'service', lease_pid = 42, lease_host = 'till-1', lease_expires_at = 15000 WHERE id = 'receipt'`).run();
    db.prepare(`UPDATE printers SET lease_expires_at = 20000 WHERE id = 'receipt' AND lease_owner = 'w1'`).run();
    expect(lease()).toMatchObject({ lease_owner: 'w1', lease_kind: 'service', lease_expires_at: 20000 });
    db.prepare(`UPDATE printers SET lease_owner = NULL, lease_holder = NULL, lease_kind = NULL, lease_pid = NULL, lease_host = NULL, lease_expires_at = NULL WHERE id = 'receipt'`).run();
    expect(lease()).toMatchObject({ lease_owner: null, lease_expires_at: null });
  });

  it('refuses half a lease, an unknown kind, a pid that is not one, and text for a time (STRICT)', () => {
    expect(() => db.prepare(`UPDATE printers SET lease_owner = 'w1' WHERE id = 'receipt'`).run()).toThrow(/both an owner and an expiry, or neither/);
    expect(() => db.prepare(`UPDATE printers SET lease_expires_at = 5 WHERE id = 'receipt'`).run()).toThrow(/both an owner and an expiry, or neither/);
    expect(() => db.prepare(`UPDATE printers SET lease_owner = 'w1', lease_expires_at = 5, lease_kind = 'forever' WHERE id = 'receipt'`).run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare(`UPDATE printers SET lease_owner = 'w1', lease_expires_at = 5, lease_pid = 0 WHERE id = 'receipt'`).run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare(`UPDATE printers SET lease_owner = 'w1', lease_expires_at = 'soon' WHERE id = 'receipt'`).run()).toThrow(/cannot store TEXT value in INTEGER column/);
    expect(lease()).toMatchObject({ lease_owner: null, lease_expires_at: null });
  });

  it('keeps the lease when the printer’s settings change (the upsert printer add uses)', () => {
    db.prepare(`UPDATE printers SET lease_owner = 'w2', lease_kind = 'command', lease_expires_at = 9 WHERE id = 'receipt'`).run();
    db.prepare(
      `INSERT INTO printers (id, transport, profile, language, enabled, created_at, updated_at) VALUES ('receipt', '{"kind":"tcp","host":"10.0.0.9"}', 'korean-80', 'ko', 1, 2, 2)
       ON CONFLICT (id) DO UPDATE SET transport = excluded.transport, profile = excluded.profile, language = excluded.language, enabled = excluded.enabled, updated_at = excluded.updated_at`,
    ).run();
    expect(lease()).toMatchObject({ lease_owner: 'w2', lease_kind: 'command', lease_expires_at: 9 });
  });
});

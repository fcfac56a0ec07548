/**
 * Migration 0011: the transfers table rebuilt so its sequence is unique per (store, terminal, epoch):
 * every row, index, trigger and reference survives, two stores' "LANE-1" may share a sequence number,
 * one store's may not; run through the real upgrade path (foreign keys off for it, on after).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/ledger-fixture.js';
import { openDatabase } from '../database.js';
import { openSqlite } from '../sqlite.js';
import { MIGRATIONS } from './index.js';
import { migration0010 } from './0010-lots-by-transfer.js';
import { migration0011 } from './0011-transfers-store-sequence.js';

const { dir, cleanup } = tempDir('tally-m0011-');
afterAll(cleanup);

const insert = (seq: number, store: string, id: string) =>
  `INSERT INTO transfers (id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, member_id, business_key, store_id, currency, program_id, program_version, effective_at, booked_at, local_time, detail)
   VALUES ('${id}', 'LANE-1', 1, ${seq}, 'earn', 'points', 10, 'program:issued', 'member:m1', 'm1', 'k-${id}', '${store}', 'KRW', 'p', 1, 1, 1, '2026-01-01T00:00', '{}')`;

describe('migration 0011: transfers sequence per store', () => {
  it('follows 0010 and rebuilds the table through the real upgrade path, keeping rows, references, indexes and triggers', () => {
    expect(migration0011.version).toBe(migration0010.version + 1);
    const path = join(dir, 'ledger.sqlite');
    const old = openSqlite(path);
    old.pragma('journal_mode = WAL');
    old.pragma('foreign_keys = ON');
    old.transaction(() => {
      for (const m of MIGRATIONS.filter((x) => x.version <= 10)) m.up(old);
      old.pragma('user_version = 10');
      old.exec(`
        INSERT INTO members (id, marketing_consent, enrolled_at, enrolled_by, version, updated_at) VALUES ('m1', 0, 1, 'LANE-1', 1, 1);
        INSERT INTO accounts (id, kind, unit, member_id, balance) VALUES ('member:m1', 'member-points', 'points', 'm1', 10);
        INSERT INTO accounts (id, kind, unit, balance) VALUES ('program:issued', 'program', 'points', -10);
        ${insert(1, 'S1', 't1')};
        INSERT INTO lots (id, member_id, transfer_id, points, remaining, earned_at) VALUES ('t1:0', 'm1', 't1', 10, 10, 1);
      `);
    })();
    const objectsBefore = old.prepare(`SELECT type, name FROM sqlite_schema WHERE tbl_name = 'transfers' AND sql IS NOT NULL ORDER BY name`).all();
    // Another store's LANE-1 at the same sequence number: refused before the upgrade.
    expect(() => old.exec(insert(1, 'S2', 't2'))).toThrow(/UNIQUE constraint failed: transfers.terminal_id, transfers.epoch, transfers.seq/);
    old.close();

    const db = openDatabase(path, { mode: 'existing' });
    try {
      expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(11);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.prepare(`SELECT type, name FROM sqlite_schema WHERE tbl_name = 'transfers' AND sql IS NOT NULL AND name <> 'transfers_store_sequence' ORDER BY name`).all()).toEqual(objectsBefore);
      expect(db.prepare(`SELECT id, store_id, seq FROM transfers`).all()).toEqual([{ id: 't1', store_id: 'S1', seq: 1 }]);
      db.exec(insert(1, 'S2', 't2'));
      expect(() => db.exec(insert(1, 'S1', 't3'))).toThrow(/UNIQUE constraint failed: transfers.store_id, transfers.terminal_id, transfers.epoch, transfers.seq/);
      // Still append-only, and lots still reference transfers.
      expect(() => db.exec(`UPDATE transfers SET amount = 11 WHERE id = 't1'`)).toThrow(/append-only/);
      expect(() => db.exec(`INSERT INTO lots (id, member_id, transfer_id, points, remaining, earned_at) VALUES ('x:0', 'm1', 'nope', 1, 1, 1)`)).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });
});

/**
 * Migration 0008 on its own: the pull cursor, the withheld-contact and pulled markers, and the
 * "never below zero" rules turned from CHECKs into triggers that only a pulled page may pass.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/ledger-fixture.js';
import { openSqlite } from '../sqlite.js';
import { MIGRATIONS } from './index.js';
import { migration0007 } from './0007-sync-state.js';
import { migration0008 } from './0008-pull.js';

const { dir, cleanup } = tempDir('tally-m0008-');
afterAll(cleanup);

function ledgerAt8(name: string) {
  const db = openSqlite(join(dir, name));
  db.pragma('foreign_keys = ON');
  db.transaction(() => {
    for (const m of MIGRATIONS.filter((x) => x.version <= 8)) m.up(db);
  })();
  db.exec(`
    INSERT INTO members (id, marketing_consent, enrolled_at, enrolled_by, version, updated_at) VALUES ('m1', 0, 1, 'T1', 1, 1);
    INSERT INTO accounts (id, kind, unit, member_id, balance) VALUES ('member:m1', 'member-points', 'points', 'm1', 0);
    INSERT INTO accounts (id, kind, unit, balance) VALUES ('program:issued', 'program', 'points', 0);
    INSERT INTO transfers (id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, member_id, business_key, store_id, currency, program_id, program_version, effective_at, booked_at, local_time, detail)
      VALUES ('tr-earn', 'T1', 1, 1, 'earn', 'points', 10, 'program:issued', 'member:m1', 'm1', 'k1', 'S1', 'KRW', 'p', 1, 1, 1, '2026-01-01T00:00', '{}');
    INSERT INTO lots (id, member_id, transfer_id, points, remaining, earned_at) VALUES ('lot-1', 'm1', 'tr-earn', 10, 10, 1);
  `);
  return db;
}

describe('migration 0008: pull', () => {
  it('follows 0007', () => {
    expect(migration0008.version).toBe(migration0007.version + 1);
  });

  it('refuses a negative member balance or lot outside a pulled page, and allows them inside one', () => {
    const db = ledgerAt8('a.sqlite');
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(() => db.exec(`UPDATE accounts SET balance = -1 WHERE id = 'member:m1'`)).toThrow(/a member's points cannot go below zero at this terminal/);
      expect(() => db.exec(`UPDATE lots SET remaining = -1 WHERE id = 'lot-1'`)).toThrow(/a lot cannot be drawn below zero at this terminal/);
      expect(() => db.exec(`INSERT INTO accounts (id, kind, unit, member_id, balance) VALUES ('member:m2', 'member-points', 'points', NULL, -5)`)).toThrow(/below zero/);
      // The old rule that remaining never exceeds points stays a CHECK.
      expect(() => db.exec(`INSERT INTO lots (id, member_id, transfer_id, points, remaining, earned_at) VALUES ('lot-x', 'm1', 'tr-earn', 10, 11, 1)`)).toThrow(/CHECK constraint failed: remaining <= points/);
      db.transaction(() => {
        db.exec(`INSERT INTO pull_applying (singleton) VALUES (1)`);
        db.exec(`UPDATE accounts SET balance = -1 WHERE id = 'member:m1'`);
        db.exec(`UPDATE lots SET remaining = -1 WHERE id = 'lot-1'`);
        db.exec(`DELETE FROM pull_applying`);
      })();
      expect(db.prepare(`SELECT balance FROM accounts WHERE id = 'member:m1'`).pluck().get()).toBe(-1);
      // Other accounts were never bounded.
      db.exec(`UPDATE accounts SET balance = -7 WHERE id = 'program:issued'`);
    } finally {
      db.close();
    }
  });

  it('adds the cursor, the re-pull flag and the pulled and withheld markers, all checked', () => {
    const db = ledgerAt8('b.sqlite');
    try {
      db.exec(`INSERT INTO sync_state (singleton, server_url, enrolled_at) VALUES (1, 'https://hq.example', 1)`);
      expect(db.prepare('SELECT pull_cursor, pulled_at, repull_own FROM sync_state').get()).toEqual({ pull_cursor: null, pulled_at: null, repull_own: 0 });
      expect(() => db.exec(`UPDATE sync_state SET pull_cursor = 'abc'`)).toThrow(/CHECK constraint/);
      expect(() => db.exec(`UPDATE sync_state SET repull_own = 2`)).toThrow(/CHECK constraint/);
      expect(() => db.exec(`UPDATE members SET contact_withheld = 2`)).toThrow(/CHECK constraint/);
      for (const table of ['members', 'transactions', 'transfers', 'events']) {
        expect(db.prepare(`SELECT 1 FROM pragma_table_info('${table}') WHERE name = 'pulled'`).pluck().get()).toBe(1);
      }
      expect(db.prepare(`SELECT pulled FROM transfers WHERE id = 'tr-earn'`).pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });
});

/** Migration 0012 on its own: the table of once-only entries another counter's copy of was kept. */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/ledger-fixture.js';
import { openSqlite } from '../sqlite.js';
import { MIGRATIONS } from './index.js';
import { migration0011 } from './0011-transfers-store-sequence.js';
import { migration0012 } from './0012-transfers-kept-elsewhere.js';

const { dir, cleanup } = tempDir('tally-m0012-');
afterAll(cleanup);

describe('migration 0012: transfers kept elsewhere', () => {
  it('follows 0011; a row names one of this ledger\'s transfers, is written once and never changed or deleted; an erasure may be replaced by another', () => {
    expect(migration0012.version).toBe(migration0011.version + 1);
    const db = openSqlite(join(dir, 'm.sqlite'));
    try {
      db.pragma('foreign_keys = ON');
      db.transaction(() => {
        for (const m of MIGRATIONS.filter((x) => x.version <= 12)) m.up(db);
      })();
      db.exec(`
        INSERT INTO members (id, marketing_consent, enrolled_at, enrolled_by, version, updated_at) VALUES ('m1', 0, 1, 'LANE-2', 1, 1);
        INSERT INTO accounts (id, kind, unit, member_id, balance) VALUES ('member:m1', 'member-points', 'points', 'm1', 10);
        INSERT INTO accounts (id, kind, unit, balance) VALUES ('program:issued', 'program', 'points', -10);
        INSERT INTO transfers (id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, member_id, business_key, store_id, currency, program_id, program_version, effective_at, booked_at, local_time, detail)
          VALUES ('t1', 'LANE-2', 1, 1, 'earn', 'points', 10, 'program:issued', 'member:m1', 'm1', 'k-t1', 'S1', 'KRW', 'p', 1, 1, 1, '2026-01-01T00:00', '{}');
      `);
      const keep = (id: string) => db.prepare(`INSERT INTO transfers_kept_elsewhere (transfer_id, store_id, terminal_id, epoch, seq, booked_at, learned_at) VALUES (?, 'S1', 'LANE-1', 1, 4, 1, 2)`).run(id);
      keep('t1');
      expect(() => keep('t1')).toThrow(/UNIQUE constraint failed/);
      expect(() => keep('nowhere')).toThrow(/FOREIGN KEY constraint failed/);
      expect(() => db.exec(`UPDATE transfers_kept_elsewhere SET seq = 5`)).toThrow(/append-only/);
      expect(() => db.exec(`DELETE FROM transfers_kept_elsewhere`)).toThrow(/append-only/);

      // An erased member takes another counter's erasure (time, version), never details back.
      expect(db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'members_%erased%'`).pluck().all()).toEqual(['members_stay_erased']);
      db.exec(`INSERT INTO members (id, marketing_consent, enrolled_at, enrolled_by, version, updated_at, erased_at) VALUES ('m9', 0, 1, 'LANE-1', 2, 50, 50)`);
      db.exec(`UPDATE members SET erased_at = 70, updated_at = 70 WHERE id = 'm9'`);
      expect(db.prepare(`SELECT erased_at FROM members WHERE id = 'm9'`).pluck().get()).toBe(70);
      for (const change of [`name = 'Back'`, `phone = '010'`, `email = 'a@b.c'`, `birthday = '1990-01-01'`, `pin_hash = 'x'`, `qr_ref = 'AAAAAAAAAAAAAAAA'`, 'erased_at = NULL']) {
        expect(() => db.exec(`UPDATE members SET ${change} WHERE id = 'm9'`), change).toThrow(/cannot get personal details back/);
      }
    } finally {
      db.close();
    }
  });
});

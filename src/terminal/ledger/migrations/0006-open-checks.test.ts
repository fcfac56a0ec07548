/**
 * Migration 0006: the terminal row gains the record of the last full integrity check and of the
 * processes that have the ledger open for writing, and the `open_checks` view shows them. A
 * version-5 ledger is upgraded in place after a backup, with nothing recorded yet (so its first
 * 'auto' open runs the full check).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downgradeTo } from '../../../../tests/support/downgrade.js';
import { newLedger, tempDir, testClock } from '../../../../tests/support/ledger-fixture.js';
import { Ledger } from '../ledger.js';
import { openSqlite } from '../sqlite.js';
import { LATEST_VERSION, MIGRATIONS } from './index.js';
import { migration0005 } from './0005-print-leases.js';
import { migration0006 } from './0006-open-checks.js';

const { dir, cleanup } = tempDir('tally-m0006-');
afterAll(cleanup);

describe('migration 0006: open checks', () => {
  it('follows 0005 and adds the columns with their defaults, and the view', () => {
    expect(migration0006.version).toBe(migration0005.version + 1);
    const db = openSqlite(join(dir, 'm.sqlite'));
    try {
      for (const m of MIGRATIONS.filter((x) => x.version <= 6)) m.up(db);
      db.exec(`INSERT INTO terminal (singleton, store_id, terminal_id, time_zone, program_id, program_version, epoch, next_seq, created_at) VALUES (1, 'S1', 'T1', 'Asia/Seoul', 'p', 1, 1, 1, 1000)`);
      const columns = db.prepare(`SELECT name, type, "notnull", dflt_value FROM pragma_table_info('terminal') WHERE name IN ('full_check_at', 'full_check_file', 'open_writers') ORDER BY cid`).all();
      expect(columns).toEqual([
        { name: 'full_check_at', type: 'INTEGER', notnull: 0, dflt_value: null },
        { name: 'full_check_file', type: 'TEXT', notnull: 0, dflt_value: null },
        { name: 'open_writers', type: 'TEXT', notnull: 1, dflt_value: "'[]'" },
      ]);
      expect(db.prepare('SELECT * FROM open_checks').get()).toEqual({ full_check_at: null, full_check_utc: null, full_check_file: null, restore_pending: 0, open_writers: '[]' });
      db.prepare('UPDATE terminal SET full_check_at = ?').run(Date.parse('2026-03-02T03:04:05.678Z'));
      expect(db.prepare('SELECT full_check_utc FROM open_checks').pluck().get()).toBe('2026-03-02T03:04:05.678Z');
    } finally {
      db.close();
    }
  });

  it('keeps open_writers a JSON array', () => {
    const db = openSqlite(join(dir, 'json.sqlite'));
    try {
      for (const m of MIGRATIONS.filter((x) => x.version <= 6)) m.up(db);
      db.exec(`INSERT INTO terminal (singleton, store_id, terminal_id, time_zone, program_id, program_version, epoch, next_seq, created_at) VALUES (1, 'S1', 'T1', 'Asia/Seoul', 'p', 1, 1, 1, 1000)`);
      for (const bad of ['not json', '{"pid":1}', '']) {
        expect(() => db.prepare('UPDATE terminal SET open_writers = ?').run(bad), bad).toThrow(/CHECK constraint failed/);
      }
      db.prepare('UPDATE terminal SET open_writers = ?').run('[{"pid":1,"boot":null,"token":"t","at":1}]');
    } finally {
      db.close();
    }
  });

  it('upgrades a version-5 ledger in place after a backup, nothing recorded until its first open has written', () => {
    const path = join(dir, 'v5.sqlite');
    const clock = testClock('2026-05-01T02:00:00Z');
    const { ledger, service } = newLedger(path, 'classic-krw', clock);
    service.enrol({ cards: ['2900000000018'] });
    ledger.close();
    downgradeTo(path, 5);

    const before = Date.now();
    const upgraded = Ledger.open(path, { check: 'auto' });
    try {
      expect(upgraded.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      // No record in a version-5 file: the full check runs, and this writable open records it.
      expect(upgraded.openCheck).toMatchObject({ check: 'full', reason: expect.stringMatching(/no record of a full check/) as unknown });
      expect(upgraded.lastFullCheckAt()).toBeNull();
      upgraded.transaction(() => undefined);
      expect(upgraded.lastFullCheckAt()).toBeGreaterThanOrEqual(before);
      expect(upgraded.db.prepare('SELECT count(*) FROM members').pluck().get()).toBe(1);
      expect(readdirSync(dir).filter((f) => f.startsWith('v5.sqlite.v5-') && f.endsWith('.bak'))).toHaveLength(1);
    } finally {
      upgraded.close();
    }
  });
});

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downgradeTo } from '../../../../tests/support/downgrade.js';
import { newLedger, tempDir, testClock } from '../../../../tests/support/ledger-fixture.js';
import { Ledger } from '../ledger.js';
import { openSqlite } from '../sqlite.js';
import { LATEST_VERSION } from './index.js';
import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-period-key-index.js';

const { dir, cleanup } = tempDir('tally-m0002-');
afterAll(cleanup);

describe('migration 0002: period-key index', () => {
  it('adds a partial index that the period-key lookup uses', () => {
    const db = openSqlite(join(dir, 'm.sqlite'));
    try {
      migration0001.up(db);
      const query = 'SELECT period_kind AS kind, period FROM transfers WHERE member_id = ? AND period IS NOT NULL';
      const before = (db.prepare(`EXPLAIN QUERY PLAN ${query}`).all('m') as { detail: string }[]).map((r) => r.detail).join(' ');
      expect(before).not.toContain('transfers_member_id_period_kind_period');
      migration0002.up(db);
      const index = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'transfers_member_id_period_kind_period'`).pluck().get() as string;
      expect(index).toContain('WHERE period IS NOT NULL');
      const after = (db.prepare(`EXPLAIN QUERY PLAN ${query}`).all('m') as { detail: string }[]).map((r) => r.detail).join(' ');
      expect(after).toContain('transfers_member_id_period_kind_period');
      expect(migration0002.version).toBe(migration0001.version + 1);
    } finally {
      db.close();
    }
  });

  it('upgrades a version-1 ledger in place after a backup, keeping every row', () => {
    const path = join(dir, 'v1.sqlite');
    const clock = testClock('2026-05-01T02:00:00Z');
    const { ledger, service } = newLedger(path, 'classic-krw', clock);
    service.enrol({ cards: ['2900000000018'] });
    service.checkout({ card: '2900000000018', txnId: 'POS-1', basket: service.amountBasket(12_000) });
    ledger.close();
    // Make it what a version-1 build wrote.
    downgradeTo(path, 1);

    const upgraded = Ledger.open(path);
    try {
      expect(upgraded.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      expect(upgraded.db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'transfers_member_id_period_kind_period'`).pluck().get()).toBe(1);
      expect(upgraded.db.prepare('SELECT count(*) FROM transfers').pluck().get()).toBe(3);
      const backups = readdirSync(dir).filter((f) => f.startsWith('v1.sqlite.v1-') && f.endsWith('.bak'));
      expect(backups).toHaveLength(1);
      const backup = openSqlite(join(dir, backups[0]!), { readonly: true });
      expect(backup.pragma('user_version', { simple: true })).toBe(1);
      expect(backup.prepare('SELECT count(*) FROM transfers').pluck().get()).toBe(3);
      backup.close();
    } finally {
      upgraded.close();
    }
  });
});

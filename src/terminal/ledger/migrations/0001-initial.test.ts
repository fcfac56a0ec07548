/**
 * Migration 0001 on its own, applied to an empty SQLite file: the tables it makes (all STRICT), the
 * triggers that keep booked rows append-only while letting cached columns move the way the ledger
 * moves them, and the CHECK, UNIQUE and foreign-key constraints. Rows are written with plain SQL so
 * that the schema itself is tested, not the code that normally respects it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSqliteError, openSqlite, type SqliteDatabase } from '../sqlite.js';
import { migration0001 } from './0001-initial.js';

const dir = mkdtempSync(join(tmpdir(), 'tally-migration-0001-'));
let db: SqliteDatabase;

afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const TABLES = ['accounts', 'card_codes', 'events', 'lot_draws', 'lots', 'members', 'outbox', 'programs', 'terminal', 'transactions', 'transfers'];

interface TransferRow {
  id: string;
  seq: number;
  kind: string;
  unit: string;
  amount: number | string;
  debit_account: string;
  credit_account: string;
  business_key: string;
  period_kind: string | null;
  period: string | null;
  transaction_id: string | null;
}

function insertTransfer(row: Partial<TransferRow> & Pick<TransferRow, 'id' | 'seq'>): void {
  const t: TransferRow = {
    kind: 'earn',
    unit: 'points',
    amount: 100,
    debit_account: 'program:issuance',
    credit_account: 'member:m1',
    business_key: `key:${row.id}`,
    period_kind: null,
    period: null,
    transaction_id: 'txn-1',
    ...row,
  };
  db.prepare(
    `INSERT INTO transfers (id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, member_id, business_key,
       period_kind, period, transaction_id, store_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version,
       earn_rate_points, earn_rate_per, effective_at, booked_at, local_time, detail)
     VALUES (@id, 'T1', 1, @seq, @kind, @unit, @amount, @debit_account, @credit_account, 'm1', @business_key,
       @period_kind, @period, @transaction_id, 'S1', 'POS-1', NULL, NULL, 'USD', 'plus', 1, 1, 100, 1000, 1000, '2026-03-02T12:00', '{}')`,
  ).run(t);
}

/** Every row of every table: a refused statement must leave this exactly as it was. */
function snapshot(): string {
  return JSON.stringify(TABLES.map((table) => (db.prepare(`SELECT * FROM ${table}`).all() as unknown[]).map((row) => JSON.stringify(row)).sort()));
}

function sqliteCode(sql: string): string {
  try {
    db.exec(sql);
  } catch (error) {
    if (!isSqliteError(error)) throw error;
    return `${error.code}: ${error.message}`;
  }
  return 'no error';
}

beforeAll(() => {
  db = openSqlite(join(dir, 'v1.sqlite'));
  db.pragma('foreign_keys = ON');
  expect(db.pragma('user_version', { simple: true })).toBe(0);
  db.transaction(() => migration0001.up(db))();

  // One of everything: a member with a card, their accounts, a sale with an earn (opening a lot),
  // a redemption drawing on that lot, an event and an outbox row.
  db.exec(`
    INSERT INTO terminal (singleton, store_id, terminal_id, time_zone, program_id, program_version, epoch, next_seq, created_at)
      VALUES (1, 'S1', 'T1', 'America/Los_Angeles', 'plus', 1, 1, 3, 1000);
    INSERT INTO programs (id, version, body, installed_at) VALUES ('plus', 1, '{}', 1000);
    INSERT INTO members (id, name, marketing_consent, enrolled_at, enrolled_by, version, updated_at) VALUES ('m1', 'Kim Minji', 0, 1000, 'T1', 1, 1000);
    INSERT INTO card_codes (code, member_id, added_at) VALUES ('2900000000017', 'm1', 1000);
    INSERT INTO accounts (id, kind, unit, member_id, balance) VALUES ('member:m1', 'member-points', 'points', 'm1', 90);
    INSERT INTO accounts (id, kind, unit, balance) VALUES ('program:issuance', 'program', 'points', -100);
    INSERT INTO accounts (id, kind, unit, balance) VALUES ('program:redeemed', 'program', 'points', 10);
    INSERT INTO transactions (id, store_id, terminal_id, kind, txn_id, member_id, request_hash, request, record, result, created_at)
      VALUES ('txn-1', 'S1', 'T1', 'checkout', 'POS-1', 'm1', 'hash', '{}', '{}', '{}', 1000);
  `);
  insertTransfer({ id: 'tr-earn', seq: 1 });
  insertTransfer({ id: 'tr-redeem', seq: 2, kind: 'redeem', amount: 10, debit_account: 'member:m1', credit_account: 'program:redeemed' });
  db.exec(`
    INSERT INTO lots (id, member_id, transfer_id, points, remaining, earned_at, expires_at) VALUES ('lot-1', 'm1', 'tr-earn', 100, 90, 1000, 99999);
    INSERT INTO lot_draws (transfer_id, lot_id, points) VALUES ('tr-redeem', 'lot-1', 10);
    INSERT INTO events (id, member_id, kind, period, business_key, terminal_id, detail, booked_at) VALUES ('ev-1', 'm1', 'tier-review', '2026', 'ev:m1:2026', 'T1', '{}', 1000);
    INSERT INTO outbox (entity, entity_id, entity_version, created_at) VALUES ('transfer', 'tr-earn', NULL, 1000);
    INSERT INTO outbox (entity, entity_id, entity_version, created_at) VALUES ('transfer', 'tr-redeem', NULL, 1000);
  `);
});

describe('migration 0001', () => {
  it('is version 1 and says what it creates', () => {
    expect(migration0001.version).toBe(1);
    expect(migration0001.description).toMatch(/^ledger: /);
  });

  it('creates exactly the ledger tables, every one STRICT', () => {
    const tables = db.prepare(`SELECT name, strict, wr FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string; strict: number; wr: number }[];
    expect(tables.map((t) => t.name)).toEqual(TABLES);
    expect(tables.filter((t) => t.strict !== 1).map((t) => t.name)).toEqual([]);
    // Keyed by their natural key without a rowid.
    expect(tables.filter((t) => t.wr === 1).map((t) => t.name)).toEqual(['card_codes', 'lot_draws']);
  });

  it('names indexes table_columns', () => {
    const indexes = db.prepare(`SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`).all() as { name: string; tbl_name: string }[];
    expect(indexes.length).toBeGreaterThan(5);
    for (const index of indexes) expect(index.name.startsWith(`${index.tbl_name}_`), index.name).toBe(true);
  });

  const refused: [string, string, RegExp][] = [
    ['UPDATE of a transfer', `UPDATE transfers SET amount = 1 WHERE id = 'tr-earn'`, /transfers are append-only: book a correcting transfer instead/],
    ['UPDATE of a transfer’s detail', `UPDATE transfers SET detail = '{"x":1}' WHERE id = 'tr-earn'`, /transfers are append-only/],
    ['DELETE of a transfer', `DELETE FROM transfers WHERE id = 'tr-redeem'`, /transfers are append-only/],
    ['UPDATE of a transaction', `UPDATE transactions SET result = '{"balance":0}'`, /transactions are append-only/],
    ['DELETE of a transaction', `DELETE FROM transactions`, /transactions are append-only/],
    ['UPDATE of an event', `UPDATE events SET detail = '{"x":1}'`, /events are append-only/],
    ['DELETE of an event', `DELETE FROM events`, /events are append-only/],
    ['UPDATE of a lot draw', `UPDATE lot_draws SET points = 1`, /lot draws are append-only/],
    ['DELETE of a lot draw', `DELETE FROM lot_draws`, /lot draws are append-only/],
    ['DELETE of a lot', `DELETE FROM lots`, /lots are never deleted/],
    ['DELETE of an account', `DELETE FROM accounts WHERE id = 'program:redeemed'`, /accounts are never deleted/],
    ['DELETE of a member', `DELETE FROM members`, /members are never deleted/],
    ['DELETE of a card code', `DELETE FROM card_codes`, /card codes cannot be deleted/],
    ['UPDATE of a card code', `UPDATE card_codes SET added_at = 2000`, /card codes cannot be changed/],
    ['a lot growing back', `UPDATE lots SET remaining = remaining + 1`, /lots only ever shrink/],
    ['a lot changing its points', `UPDATE lots SET points = 200`, /lots only ever shrink/],
    ['a lot changing its expiry', `UPDATE lots SET expires_at = NULL`, /lots only ever shrink/],
    ['a lot changing its earning date', `UPDATE lots SET earned_at = 1`, /lots only ever shrink/],
    ['a lot changing its transfer', `UPDATE lots SET transfer_id = 'tr-redeem'`, /lots only ever shrink/],
    ['a lot changing its id', `UPDATE lots SET id = 'lot-2'`, /lots only ever shrink/],
    ['an account changing its kind', `UPDATE accounts SET kind = 'charity' WHERE id = 'program:redeemed'`, /an account's identity cannot change/],
    ['an account changing its unit', `UPDATE accounts SET unit = 'money' WHERE id = 'program:redeemed'`, /an account's identity cannot change/],
    ['an account changing its member', `UPDATE accounts SET member_id = 'm1' WHERE id = 'program:redeemed'`, /an account's identity cannot change/],
    ['an account changing its id', `UPDATE accounts SET id = 'program:other' WHERE id = 'program:redeemed'`, /an account's identity cannot change/],
    ['an outbox row changing what it points at', `UPDATE outbox SET entity_id = 'tr-redeem' WHERE entity_id = 'tr-earn'`, /an outbox row only changes once/],
    ['DELETE of an outbox row the server has not acknowledged', `DELETE FROM outbox WHERE entity_id = 'tr-redeem'`, /not yet acknowledged by the server cannot be deleted/],
  ];

  for (const [what, sql, message] of refused) {
    it(`refuses ${what} and changes nothing`, () => {
      const before = snapshot();
      const error = sqliteCode(sql);
      expect(error).toMatch(/^SQLITE_CONSTRAINT_TRIGGER: /);
      expect(error).toMatch(message);
      expect(snapshot()).toBe(before);
    });
  }

  it('lets a lot shrink, an account balance move and a member change', () => {
    db.transaction(() => {
      expect(db.prepare(`UPDATE lots SET remaining = remaining - 5 WHERE id = 'lot-1'`).run().changes).toBe(1);
      expect(db.prepare(`UPDATE accounts SET balance = balance - 5 WHERE id = 'member:m1'`).run().changes).toBe(1);
      expect(db.prepare(`UPDATE accounts SET balance = balance + 5 WHERE id = 'program:redeemed'`).run().changes).toBe(1);
      expect(db.prepare(`UPDATE members SET name = 'Kim Min-ji', version = 2, updated_at = 2000 WHERE id = 'm1'`).run().changes).toBe(1);
    })();
    expect(db.prepare(`SELECT remaining FROM lots WHERE id = 'lot-1'`).pluck().get()).toBe(85);
    expect(db.prepare(`SELECT balance FROM accounts WHERE id = 'member:m1'`).pluck().get()).toBe(85);
    expect(db.prepare(`SELECT name FROM members WHERE id = 'm1'`).pluck().get()).toBe('Kim Min-ji');
  });

  it('lets an outbox row be acknowledged once, then deleted, but not acknowledged again', () => {
    expect(db.prepare(`UPDATE outbox SET acked_at = 5000 WHERE entity_id = 'tr-earn' AND acked_at IS NULL`).run().changes).toBe(1);
    expect(db.prepare(`SELECT acked_at FROM outbox WHERE entity_id = 'tr-earn'`).pluck().get()).toBe(5000);
    const before = snapshot();
    expect(sqliteCode(`UPDATE outbox SET acked_at = 6000 WHERE entity_id = 'tr-earn'`)).toMatch(/^SQLITE_CONSTRAINT_TRIGGER: an outbox row only changes once/);
    expect(snapshot()).toBe(before);
    expect(db.prepare(`DELETE FROM outbox WHERE entity_id = 'tr-earn'`).run().changes).toBe(1);
    expect(db.prepare(`SELECT count(*) FROM outbox`).pluck().get()).toBe(1);
  });

  describe('constraints', () => {
    const cases: [string, () => void, RegExp][] = [
      ['a transfer of zero points', () => insertTransfer({ id: 'x1', seq: 10, amount: 0 }), /^SQLITE_CONSTRAINT_CHECK: CHECK constraint failed: amount > 0$/],
      ['a transfer of negative points', () => insertTransfer({ id: 'x2', seq: 10, amount: -5 }), /^SQLITE_CONSTRAINT_CHECK: CHECK constraint failed: amount > 0$/],
      ['a transfer from an account to itself', () => insertTransfer({ id: 'x3', seq: 10, debit_account: 'member:m1' }), /^SQLITE_CONSTRAINT_CHECK: CHECK constraint failed: debit_account <> credit_account$/],
      ['a transfer with a period kind but no period', () => insertTransfer({ id: 'x4', seq: 10, period_kind: 'birthday' }), /^SQLITE_CONSTRAINT_CHECK: CHECK constraint failed: \(period_kind IS NULL\) = \(period IS NULL\)$/],
      ['a transfer of an unknown unit', () => insertTransfer({ id: 'x5', seq: 10, unit: 'miles' }), /^SQLITE_CONSTRAINT_CHECK: CHECK constraint failed: unit IN/],
      ['a transfer amount that is not an integer (STRICT)', () => insertTransfer({ id: 'x6', seq: 10, amount: 'ten' }), /^SQLITE_CONSTRAINT_DATATYPE: cannot store TEXT value in INTEGER column transfers\.amount$/],
      ['a transfer reusing a business key', () => insertTransfer({ id: 'x7', seq: 10, business_key: 'key:tr-earn' }), /^SQLITE_CONSTRAINT_UNIQUE: UNIQUE constraint failed: transfers\.business_key$/],
      ['a transfer reusing a sequence number', () => insertTransfer({ id: 'x8', seq: 2 }), /^SQLITE_CONSTRAINT_UNIQUE: UNIQUE constraint failed: transfers\.terminal_id, transfers\.epoch, transfers\.seq$/],
      ['a transfer to an account that does not exist', () => insertTransfer({ id: 'x9', seq: 10, credit_account: 'member:nobody' }), /^SQLITE_CONSTRAINT_FOREIGNKEY: FOREIGN KEY constraint failed$/],
      ['a transfer of a transaction that does not exist', () => insertTransfer({ id: 'x10', seq: 10, transaction_id: 'txn-nope' }), /^SQLITE_CONSTRAINT_FOREIGNKEY: FOREIGN KEY constraint failed$/],
      ['a member-points balance below zero', () => db.exec(`UPDATE accounts SET balance = -1 WHERE id = 'member:m1'`), /^SQLITE_CONSTRAINT_CHECK: CHECK constraint failed: kind <> 'member-points' OR balance >= 0$/],
      ['an account of an unknown kind', () => db.exec(`INSERT INTO accounts (id, kind, unit) VALUES ('bank', 'bank', 'points')`), /^SQLITE_CONSTRAINT_CHECK: CHECK constraint failed: kind IN/],
      ['a lot with more remaining than its points', () => db.exec(`INSERT INTO lots (id, member_id, transfer_id, points, remaining, earned_at) VALUES ('lot-x', 'm1', 'tr-earn', 10, 11, 1000)`), /^SQLITE_CONSTRAINT_CHECK: CHECK constraint failed: remaining >= 0 AND remaining <= points$/],
      ['a lot drawn below zero', () => db.exec(`UPDATE lots SET remaining = -1 WHERE id = 'lot-1'`), /^SQLITE_CONSTRAINT_CHECK: CHECK constraint failed: remaining >= 0 AND remaining <= points$/],
      ['a second booking of the same POS transaction', () => db.exec(`INSERT INTO transactions (id, store_id, terminal_id, kind, txn_id, member_id, request_hash, request, record, result, created_at) VALUES ('txn-2', 'S1', 'T1', 'checkout', 'POS-1', 'm1', 'h', '{}', '{}', '{}', 1)`), /^SQLITE_CONSTRAINT_UNIQUE: UNIQUE constraint failed: transactions\.store_id, transactions\.terminal_id, transactions\.kind, transactions\.txn_id$/],
      ['a second terminal row', () => db.exec(`INSERT INTO terminal (singleton, store_id, terminal_id, time_zone, program_id, program_version, epoch, next_seq, created_at) VALUES (2, 'S1', 'T2', 'UTC', 'plus', 1, 1, 1, 1)`), /^SQLITE_CONSTRAINT_CHECK: CHECK constraint failed: singleton = 1$/],
    ];
    for (const [what, write, message] of cases) {
      it(`refuses ${what}`, () => {
        const before = snapshot();
        let error = 'no error';
        try {
          write();
        } catch (caught) {
          if (!isSqliteError(caught)) throw caught;
          error = `${caught.code}: ${caught.message}`;
        }
        expect(error).toMatch(message);
        expect(snapshot()).toBe(before);
      });
    }

    it('lets a program account go below zero (it issues the points)', () => {
      expect(db.prepare(`UPDATE accounts SET balance = balance - 1000 WHERE id = 'program:issuance'`).run().changes).toBe(1);
      expect(db.prepare(`SELECT balance FROM accounts WHERE id = 'program:issuance'`).pluck().get()).toBe(-1100);
    });
  });
});

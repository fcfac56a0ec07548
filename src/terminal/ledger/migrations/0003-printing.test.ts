/**
 * Migration 0003 on its own: printers, the print queue and the terminal's signing credentials,
 * with the triggers that keep a job's content fixed and a finished job final.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../tests/support/ledger-fixture.js';
import { openSqlite, type SqliteDatabase } from '../sqlite.js';
import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-period-key-index.js';
import { migration0003 } from './0003-printing.js';

const { dir, cleanup } = tempDir('tally-m0003-');
let db: SqliteDatabase;

beforeAll(() => {
  db = openSqlite(join(dir, 'm.sqlite'));
  db.pragma('foreign_keys = ON');
  for (const m of [migration0001, migration0002, migration0003]) m.up(db);
  db.prepare(`INSERT INTO printers (id, transport, profile, language, created_at, updated_at) VALUES ('receipt', '{"kind":"tcp","host":"127.0.0.1"}', 'epson-tm-80', 'en', 1, 1)`).run();
});

afterAll(() => {
  db.close();
  cleanup();
});

const job = (state = 'pending'): number =>
  Number(
    db
      .prepare(`INSERT INTO print_jobs (printer_id, kind, slip, state, next_attempt_at, created_at, updated_at) VALUES ('receipt', 'slip', '{}', ?, 1, 1, 1)`)
      .run(state).lastInsertRowid,
  );

describe('migration 0003: printing', () => {
  it('makes STRICT tables and follows 0002', () => {
    const strict = db.prepare(`SELECT name, strict FROM pragma_table_list WHERE name IN ('printers', 'print_jobs', 'terminal_credentials') ORDER BY name`).all();
    expect(strict).toEqual([
      { name: 'print_jobs', strict: 1 },
      { name: 'printers', strict: 1 },
      { name: 'terminal_credentials', strict: 1 },
    ]);
    expect(migration0003.version).toBe(migration0002.version + 1);
  });

  it('lets a job move pending → printing → printed, then refuses any change', () => {
    const id = job();
    db.prepare(`UPDATE print_jobs SET state = 'printing', attempts = attempts + 1 WHERE id = ?`).run(id);
    db.prepare(`UPDATE print_jobs SET state = 'printed', printed_at = 2 WHERE id = ?`).run(id);
    expect(() => db.prepare(`UPDATE print_jobs SET state = 'pending' WHERE id = ?`).run(id)).toThrow(/final/);
  });

  it('refuses to change a queued job’s content, to delete a job, or an unknown state or printer', () => {
    const id = job();
    expect(() => db.prepare(`UPDATE print_jobs SET slip = '{"x":1}' WHERE id = ?`).run(id)).toThrow(/content is fixed/);
    expect(() => db.prepare(`DELETE FROM print_jobs WHERE id = ?`).run(id)).toThrow(/cancel one instead/);
    expect(() => job('lost')).toThrow(/CHECK constraint/);
    expect(() => db.prepare(`INSERT INTO print_jobs (printer_id, kind, slip, state, next_attempt_at, created_at, updated_at) VALUES ('nope', 'slip', '{}', 'pending', 1, 1, 1)`).run()).toThrow(/FOREIGN KEY/);
  });

  it('keeps one set of terminal credentials', () => {
    db.prepare(`INSERT INTO terminal_credentials (singleton, key_id, secret_key, certificate, installed_at) VALUES (1, 'lane-3', 'x', '{}', 1)`).run();
    expect(() => db.prepare(`INSERT INTO terminal_credentials (singleton, key_id, secret_key, certificate, installed_at) VALUES (2, 'lane-4', 'x', '{}', 1)`).run()).toThrow(/CHECK constraint/);
  });
});

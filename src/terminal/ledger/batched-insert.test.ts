/**
 * BatchedInsert on a real SQLite database: rows go in whole batches and a last partial one, in the
 * order they were added, a conflict clause acts per row as a statement per row would, and the count
 * it reports is the rows that changed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchedInsert } from './batched-insert.js';
import { openSqlite, type SqliteDatabase } from './sqlite.js';

let db: SqliteDatabase;

beforeEach(() => {
  db = openSqlite(':memory:');
  db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, doubled INTEGER NOT NULL) STRICT');
});

afterEach(() => {
  db.close();
});

const insert = (rowsPerStatement: number): BatchedInsert => new BatchedInsert(db, '(NULL, ?, ? * 2)', (values) => `INSERT INTO t (seq, code, doubled) VALUES ${values} ON CONFLICT (code) DO NOTHING`, rowsPerStatement);

describe('BatchedInsert', () => {
  it('writes every row in the order added, in whole batches and the rest on flush', () => {
    const batched = insert(4);
    for (let i = 0; i < 10; i += 1) batched.add(`c${i}`, i);
    // Two batches of four are in; the last two wait for flush.
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(8);
    expect(batched.flush()).toBe(10);
    expect(db.prepare('SELECT code, doubled FROM t ORDER BY seq').raw().all()).toEqual(Array.from({ length: 10 }, (_, i) => [`c${i}`, i * 2]));
    expect(batched.flush()).toBe(0);
  });

  it('lets the conflict clause skip a row as a statement per row would, counting only rows written', () => {
    const batched = insert(3);
    for (const code of ['a', 'b', 'a', 'c', 'b', 'd']) batched.add(code, 1);
    expect(batched.flush()).toBe(4);
    expect(db.prepare('SELECT code FROM t ORDER BY seq').pluck().all()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('tells which rowids each statement gave the rows that went in', () => {
    const heard: unknown[] = [];
    const batched = new BatchedInsert(db, '(NULL, ?, 0)', (values) => `INSERT INTO t (seq, code, doubled) VALUES ${values} ON CONFLICT (code) DO NOTHING`, 3, (written) => heard.push(written));
    for (const code of ['a', 'b', 'c', 'a', 'd']) batched.add(code);
    expect(heard).toEqual([{ rows: 3, changes: 3, lastRowid: 3 }]);
    expect(batched.flush()).toBe(4);
    expect(heard).toEqual([
      { rows: 3, changes: 3, lastRowid: 3 },
      { rows: 2, changes: 1, lastRowid: 4 },
    ]);
  });

  it('refuses a row of the wrong width, and more values per statement than SQLite binds', () => {
    expect(() => insert(2).add('only one value')).toThrow('1 values for a row of 2');
    expect(() => insert(20_000)).toThrow('20000 rows of 2 values are more than one statement may bind');
  });
});

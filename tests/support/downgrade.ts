/**
 * A ledger file as an older Tally would have written it, made from one the current code wrote: a
 * new file with only migrations 1..version, and every row copied with the columns that version had.
 * Migration tests use it to upgrade real data.
 */
import { renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/terminal/ledger/migrations/index.js';

export function downgradeTo(path: string, version: number): void {
  const older = `${path}.v${version}.tmp`;
  rmSync(older, { force: true });
  const db = new Database(older);
  try {
    db.transaction(() => {
      for (const migration of MIGRATIONS.filter((m) => m.version <= version)) migration.up(db);
      db.pragma(`user_version = ${version}`);
    })();
    db.prepare('ATTACH DATABASE ? AS current').run(path);
    db.pragma('foreign_keys = OFF');
    const tables = db.prepare(`SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
    db.transaction(() => {
      for (const table of tables) {
        const columns = (db.prepare(`SELECT name FROM pragma_table_info(?, 'main')`).pluck().all(table) as string[]).filter(
          (column) => (db.prepare(`SELECT count(*) FROM pragma_table_info(?, 'current') WHERE name = ?`).pluck().get(table, column) as number) === 1,
        );
        if (columns.length === 0) continue;
        const list = columns.map((c) => `"${c}"`).join(', ');
        db.exec(`INSERT INTO main."${table}" (${list}) SELECT ${list} FROM current."${table}"`);
      }
    })();
    db.exec('DETACH DATABASE current');
  } finally {
    db.close();
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  renameSync(older, path);
}

import type { SqliteDatabase } from '../sqlite.js';
import type { Migration } from './types.js';

/**
 * A terminal's sequence is unique per (store, terminal, epoch), not per (terminal, epoch): terminal
 * ids are the store's own ("LANE-1" in every store), and since pull a ledger holds other stores'
 * transfers too. SQLite cannot drop a table's UNIQUE constraint, so the table is rebuilt the way
 * SQLite documents, the constraint becoming a named unique index (a new table, the rows copied, the old one dropped, the new one renamed, its
 * indexes and triggers made again), with foreign keys checked in full before the commit.
 */
const OLD = /,\s*UNIQUE \(terminal_id, epoch, seq\)/;

export const migration0011: Migration = {
  version: 11,
  description: "transfers: the sequence is unique per store, terminal and epoch (other stores' terminals may share an id)",
  foreignKeysOff: true,
  up(db: SqliteDatabase) {
    const table = db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'transfers'`).pluck().get() as string;
    if (!OLD.test(table)) throw new Error('transfers: the constraint UNIQUE (terminal_id, epoch, seq) is not where migration 0011 expects it');
    const dependents = db.prepare(`SELECT sql FROM sqlite_schema WHERE tbl_name = 'transfers' AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name`).pluck().all() as string[];
    db.exec(table.replace(OLD, '').replace(/^CREATE TABLE transfers\b/, 'CREATE TABLE transfers_rebuilt'));
    db.exec('INSERT INTO transfers_rebuilt SELECT * FROM transfers');
    db.exec('DROP TABLE transfers');
    db.exec('ALTER TABLE transfers_rebuilt RENAME TO transfers');
    for (const sql of dependents) db.exec(sql);
    // Named, so the constraint is visible in the schema as what it is.
    db.exec('CREATE UNIQUE INDEX transfers_store_sequence ON transfers (store_id, terminal_id, epoch, seq)');
  },
};

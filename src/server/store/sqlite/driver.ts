/**
 * The server's one door to better-sqlite3 (a native module: imported here only, on the server
 * side). Opens the file with the durability the ledger needs: WAL, `synchronous=FULL` (a push that
 * was answered survives a power cut), foreign keys on, and a busy timeout for a second process
 * (`tally-server verify`) reading the same file.
 */
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;
export type SqliteStatement = Database.Statement<unknown[], unknown>;

export function openServerSqlite(path: string): SqliteDatabase {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * A second, read-only connection to the same file, for one long consistent read (a terminal's
 * bootstrap) while the store's own connection goes on writing (WAL lets both run).
 */
export function openServerSqliteReader(path: string): SqliteDatabase {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

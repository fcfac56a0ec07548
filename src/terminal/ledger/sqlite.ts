/**
 * The terminal's one door to better-sqlite3 (a native module: imported here only, so packaging and
 * a future in-memory fake have one place to look).
 */
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;
export type SqliteStatement<P extends unknown[] | object = unknown[], R = unknown> = Database.Statement<P, R>;

export interface OpenOptions {
  readonly readonly?: boolean;
  readonly fileMustExist?: boolean;
}

export function openSqlite(path: string, options: OpenOptions = {}): SqliteDatabase {
  return new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.fileMustExist ?? false });
}

export function isSqliteError(error: unknown): error is Error & { code: string } {
  return error instanceof Database.SqliteError;
}

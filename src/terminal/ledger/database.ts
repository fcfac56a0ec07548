/**
 * Opening a ledger file safely. Before anything is written: the file must be SQLite (a stray file
 * is never overwritten), not truncated, not from a newer Tally, and pass integrity_check and
 * foreign_key_check (with `check: 'auto'`, only when that pays: see open-check.ts). Then WAL with
 * synchronous=FULL set explicitly (better-sqlite3's build makes WAL default to NORMAL, where an
 * acknowledged commit can vanish on power loss), a busy timeout, foreign keys, and pending
 * migrations in one transaction after a backup.
 */
import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { TallyError } from '../../core/errors.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations/index.js';
import { planCheck, type OpenCheck, type OpenCheckRun } from './open-check.js';
import { isSqliteError, openSqlite, type SqliteDatabase } from './sqlite.js';

export type OpenMode = 'create' | 'existing' | 'readonly';

export interface OpenDatabaseOptions {
  readonly mode: OpenMode;
  /**
   * 'full' (the default): integrity_check and foreign_key_check, which read every page (seconds on a
   * large file). 'auto': those only when they pay (an unclean shutdown, another file, a day since the
   * last one: open-check.ts), otherwise the header checks and the schema. 'quick': quick_check (no
   * index cross-checks, still every page) and foreign_key_check.
   */
  readonly check?: OpenCheck;
  /** Told what was checked and why, once the open has succeeded (a Ledger records a full check with its first write). */
  readonly onCheck?: (run: OpenCheckRun) => void;
  readonly busyTimeoutMs?: number;
}

const SQLITE_HEADER = 'SQLite format 3\u0000';

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(100);
    const read = readSync(fd, header, 0, 100, 0);
    return header.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuses, before SQLite opens it (which would create -wal/-shm files beside it), a file that is
 * not SQLite, is shorter than its own header says (a truncated copy), or comes from a newer Tally
 * (the schema version is the header's user_version, bytes 60-63).
 */
function checkFile(path: string): void {
  const size = statSync(path).size;
  if (size === 0) return;
  const header = readHeader(path);
  if (header.length < 16 || header.subarray(0, 16).toString('latin1') !== SQLITE_HEADER) {
    throw new TallyError('not-a-database', `${path} is not a Tally database (it is not an SQLite file). It was left untouched.`);
  }
  if (header.length < 100) {
    throw new TallyError('database-corrupt', `${path} is truncated (${size} bytes, not even a full header). It was left untouched; restore it from a backup.`);
  }
  const version = header.readUInt32BE(60);
  if (version > LATEST_VERSION) throw newerVersion(path, version);
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  const sizeIsValid = header.readUInt32BE(24) === header.readUInt32BE(92);
  // With a WAL beside it the main file may legitimately lag behind (a checkpoint cut short). (A
  // rollback journal beside it does not change this: a write transaction holds page 1, the header,
  // in its cache, so a part-written file still carries the size last committed.)
  const wal = `${path}-wal`;
  const walHasFrames = existsSync(wal) && statSync(wal).size > 32;
  if (sizeIsValid && !walHasFrames && pages > 0 && size < pages * pageSize) {
    throw new TallyError('database-corrupt', `${path} is truncated (${size} bytes, its header says ${pages * pageSize}). It was left untouched; restore it from a backup.`);
  }
}

/** A rollback journal beside the file: a write in progress, or one cut short (a hot journal). */
function hasJournal(path: string): boolean {
  return (statSync(`${path}-journal`, { throwIfNoEntry: false })?.size ?? 0) > 0;
}

/**
 * A read-only connection cannot roll back a hot journal (SQLite refuses to read with
 * SQLITE_READONLY_ROLLBACK), and a writer that died with its rollback journal open (a first sync
 * cut short: Ledger.bulkLoad) leaves one. Any connection that may write rolls it back at its first
 * read, putting back what was last committed: one does that before a read-only open, which so
 * reads what it would have read. A journal whose writer is still running is not hot and is left
 * alone: the read waits for that writer, and fails as busy when it takes too long.
 */
function rollBackInterruptedWrite(path: string): void {
  const db = openSqlite(path, { fileMustExist: true });
  try {
    db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
  } finally {
    db.close();
  }
}

function newerVersion(path: string, version: number): TallyError {
  return new TallyError('database-newer', `${path} was written by a newer Tally (schema ${version}; this one knows up to ${LATEST_VERSION}). Update Tally; the file was left untouched.`);
}

function corrupt(path: string, problems: readonly string[]): TallyError {
  return new TallyError('database-corrupt', `${path} failed its integrity check: ${problems.slice(0, 5).join('; ')}. It was left untouched; restore it from a backup.`, { problems });
}

function integrity(db: SqliteDatabase, path: string, check: OpenCheckRun['check']): void {
  if (check === 'cheap') {
    // O(schema), not O(file): SQLite reads and parses every schema entry (a damaged schema page fails
    // here); no table or index page is read. checkFile has already checked the header.
    db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
    return;
  }
  const rows = db.prepare(check === 'full' ? 'PRAGMA integrity_check' : 'PRAGMA quick_check').pluck().all() as string[];
  if (rows.length !== 1 || rows[0] !== 'ok') throw corrupt(path, rows);
  const orphans = db.prepare('PRAGMA foreign_key_check').all() as { table: string; rowid: number; parent: string }[];
  if (orphans.length > 0) throw corrupt(path, orphans.map((o) => `${o.table} row ${o.rowid} points to a missing ${o.parent}`));
}

/**
 * A consistent copy of a live database (VACUUM INTO runs as a read transaction: writers wait at
 * most briefly). The copy holds members' personal data, so it is made readable by its owner only:
 * created empty with mode 0600 first (never an existing file), then filled.
 */
export function copyDatabase(db: SqliteDatabase, target: string): void {
  let fd: number;
  try {
    fd = openSync(target, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new TallyError('invalid-input', `${target} already exists; choose a new file for the backup`);
    throw error;
  }
  closeSync(fd);
  try {
    db.prepare('VACUUM INTO ?').run(target);
  } catch (error) {
    rmSync(target, { force: true });
    throw error;
  }
}

function migrate(db: SqliteDatabase, path: string, from: number): void {
  const pending = MIGRATIONS.filter((m) => m.version > from);
  if (pending.length === 0) return;
  const backup = from > 0 ? `${path}.v${from}-${Date.now()}.bak` : null;
  if (backup) copyDatabase(db, backup);
  let running = pending[0]!;
  // A pragma that has no effect inside a transaction: set before it, and back on after, whatever happens.
  const foreignKeysOff = pending.some((m) => m.foreignKeysOff === true);
  if (foreignKeysOff) db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      for (const migration of pending) {
        running = migration;
        migration.up(db);
        db.pragma(`user_version = ${migration.version}`);
      }
      if (foreignKeysOff) {
        const broken = db.pragma('foreign_key_check') as { table: string; parent: string }[];
        if (broken.length > 0) throw new Error(`${broken.length} rows of ${broken[0]!.table} name a missing ${broken[0]!.parent} row after the upgrade`);
      }
    }).immediate();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TallyError(
      'migration-failed',
      `${path}: upgrading the schema to version ${running.version} (${running.description}) failed: ${reason}. Nothing was changed; the file is still at version ${from}${backup ? ` and a copy is at ${backup}` : ''}.`,
    );
  } finally {
    if (foreignKeysOff) db.pragma('foreign_keys = ON');
  }
}

/**
 * SQLite creates -wal/-shm beside a WAL file even to read it. Call before opening; the function it
 * returns leaves the file as it was found: empty sidecars the open created are removed (never a WAL
 * holding frames, never sidecars that were there before).
 */
export function sidecarsAsFound(path: string): () => void {
  const sidecars = [`${path}-wal`, `${path}-shm`];
  const before = sidecars.some((f) => existsSync(f));
  return () => {
    if (!before && statSync(`${path}-wal`, { throwIfNoEntry: false })?.size === 0) {
      for (const file of sidecars) rmSync(file, { force: true });
    }
  };
}

export function openDatabase(path: string, options: OpenDatabaseOptions): SqliteDatabase {
  const exists = existsSync(path);
  if (!exists && options.mode !== 'create') {
    throw new TallyError('not-initialised', `No Tally database at ${path}. Create one with: tally init --db ${path} --program FILE --store ID --terminal ID`);
  }
  if (exists) checkFile(path);
  if (exists && options.mode === 'readonly' && hasJournal(path)) rollBackInterruptedWrite(path);
  const leaveSidecarsAsFound = sidecarsAsFound(path);
  let db: SqliteDatabase | undefined;
  try {
    db = openSqlite(path, { readonly: options.mode === 'readonly', fileMustExist: options.mode !== 'create' });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > LATEST_VERSION) throw newerVersion(path, version);
    if (version === 0 && options.mode !== 'create') {
      throw new TallyError('not-initialised', `${path} is not initialised. Create it with: tally init --db ${path} --program FILE --store ID --terminal ID`);
    }
    const checked = planCheck(db, path, version, options.check ?? 'full');
    integrity(db, path, checked.check);
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    db.pragma('foreign_keys = ON');
    if (options.mode !== 'readonly') {
      const journal = db.pragma('journal_mode = WAL', { simple: true });
      if (journal !== 'wal') throw new TallyError('database-corrupt', `${path}: could not switch to WAL (got ${String(journal)})`);
      migrate(db, path, version);
    }
    // Set after WAL on purpose: every commit is fsynced before it is acknowledged.
    db.pragma('synchronous = FULL');
    // No automatic checkpoint inside a commit (it would add its own fsyncs to one unlucky checkout);
    // the host checkpoints when idle (Ledger.checkpoint) and SQLite does on the last close. The
    // large limit is only a safety net for a host that never idles.
    if (options.mode !== 'readonly') db.pragma('wal_autocheckpoint = 10000');
    if (db.pragma('synchronous', { simple: true }) !== 2) throw new Error('synchronous=FULL did not take');
    options.onCheck?.(checked);
    return db;
  } catch (error) {
    db?.close();
    // A file refused here is left as it was found.
    if (exists) leaveSidecarsAsFound();
    if (error instanceof TallyError) throw error;
    if (isSqliteError(error) && (error.code === 'SQLITE_CORRUPT' || error.code === 'SQLITE_NOTADB')) {
      throw corrupt(path, [error.message]);
    }
    throw error;
  }
}

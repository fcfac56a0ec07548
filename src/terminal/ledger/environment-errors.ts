/**
 * Faults of the machine rather than of Tally or of the input: a ledger locked by another process
 * for longer than the busy timeout, a full disk, a read-only file or folder, a path that is a folder,
 * a missing folder, a ledger missing part of its schema. SQLite rolls the transaction back in each
 * case, so nothing was written; the person at the counter gets one line that says what to do, and a
 * retryable code where trying again can help (`busy`).
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { TallyError } from '../../core/errors.js';
import { isSqliteError } from './sqlite.js';

interface ErrnoLike {
  readonly code?: unknown;
  readonly path?: unknown;
  readonly message?: unknown;
}

function errnoOf(error: unknown): { code: string; path: string | undefined; message: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as ErrnoLike;
  if (typeof e.code !== 'string') return undefined;
  return { code: e.code, path: typeof e.path === 'string' ? e.path : undefined, message: error.message };
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The TallyError an environment fault means, or undefined for anything else (a real bug). `file` names what was being opened or written. */
export function environmentError(error: unknown, file: string): TallyError | undefined {
  const fault = errnoOf(error);
  if (!fault) return undefined;
  const where = fault.path ?? file;
  const code = fault.code;
  if (isSqliteError(error) || code.startsWith('SQLITE_')) {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new TallyError('busy', `The ledger ${file} is busy (another Tally process is writing to it): nothing was written; try again in a moment`, { retryable: true });
    }
    if (code === 'SQLITE_FULL') return new TallyError('disk-full', `The disk holding ${file} is full: nothing was written; free some space and try again`);
    if (code.startsWith('SQLITE_READONLY')) return new TallyError('read-only', `${file} cannot be written (a read-only file, folder or disk): nothing was written`);
    if (code.startsWith('SQLITE_CANTOPEN')) {
      // SQLite cannot say why: a ledger that exists but whose file or folder cannot be written (its WAL index lives beside it) is read-only.
      if (existsSync(file) && !(writable(file) && writable(dirname(file)))) return new TallyError('read-only', `${file} cannot be written (a read-only file, folder or disk): nothing was written`);
      return new TallyError('invalid-input', `${file} cannot be opened (a missing folder, or no permission)`);
    }
    if (code.startsWith('SQLITE_IOERR')) return new TallyError('io-error', `Reading or writing ${file} failed (${code}): nothing was written; check the disk`);
    if (code === 'SQLITE_ERROR' && /no such (table|column)/.test(fault.message)) {
      return new TallyError('database-corrupt', `${file} is missing part of the Tally schema (${fault.message}): it is not a complete ledger; restore it from a backup`);
    }
    return undefined;
  }
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new TallyError('disk-full', `The disk holding ${where} is full: nothing was written; free some space and try again`);
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return new TallyError('read-only', `${where} cannot be written here (${code === 'EROFS' ? 'a read-only disk' : 'no permission'}): nothing was written`);
    case 'EISDIR':
      return new TallyError('invalid-input', `${file} is a folder, not a file`);
    case 'ENOENT':
      return new TallyError('invalid-input', `${where}: no such file or folder`);
    case 'ENOTDIR':
      return new TallyError('invalid-input', `${where}: a part of this path is a file, not a folder`);
    case 'EIO':
      return new TallyError('io-error', `Reading or writing ${where} failed (EIO): nothing was written; check the disk`);
    default:
      return undefined;
  }
}

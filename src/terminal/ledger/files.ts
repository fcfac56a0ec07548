/**
 * Ledger files that must survive a typo or an interruption: backups and restores are written under
 * a temporary name, marked, synced and only then given their real name (a hard link, so an existing
 * file is never replaced), so a kill leaves either no file at the target or a complete, marked one.
 * Every copy is readable by its owner only (it holds members' personal data).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TallyError } from '../../core/errors.js';
import { copyDatabase, openDatabase } from './database.js';
import { openSqlite, type SqliteDatabase } from './sqlite.js';

/** Epochs after a restore: later than the old one, and unique even for the same backup restored twice. */
export const EPOCH_BASE = Date.parse('2025-01-01T00:00:00Z');

/** Up to this much is added at random to a new epoch (see nextEpoch). */
export const EPOCH_SPREAD = 2 ** 30;

/**
 * The epoch a restored ledger continues in. Sequence numbers used after the backup may already be
 * on the server, and the same backup may be restored twice (or a migration's copy, or a live file):
 * the new epoch is more than the one it came from and than the milliseconds since 2025 by the real
 * clock, plus a random spread — the clock alone is not enough: set back between two restores of the
 * same backup, it gave both the same epoch, and the second's sales were taken for entries the
 * server already held (found by the sync simulation). Two restores now share an epoch with odds of
 * one in a billion.
 */
export function nextEpoch(current: number, wallNow: number, spread: (limit: number) => number = (limit) => randomInt(limit)): number {
  return Math.max(current + 1, wallNow - EPOCH_BASE) + 1 + spread(EPOCH_SPREAD);
}

function temporaryNameFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Gives a finished file its name, never over an existing one, and makes the rename durable. */
function publish(temporary: string, target: string): void {
  fsyncPath(temporary);
  try {
    linkSync(temporary, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new TallyError('invalid-input', `${target} already exists; choose a new file`);
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  if (process.platform !== 'win32') fsyncPath(dirname(target));
}

/**
 * A consistent copy of `source` at `target` (through SQLite, so commits still in the WAL are in it),
 * changed by `mark` before it gets its name.
 */
export function writeLedgerCopy(source: SqliteDatabase, target: string, mark: (copy: SqliteDatabase) => void): void {
  const temporary = temporaryNameFor(target);
  try {
    copyDatabase(source, temporary);
    const copy = openSqlite(temporary, { fileMustExist: true });
    try {
      // A copy is a single self-contained file: no WAL beside it.
      copy.pragma('journal_mode = DELETE');
      copy.pragma('synchronous = FULL');
      mark(copy);
    } finally {
      copy.close();
    }
    publish(temporary, target);
  } finally {
    for (const leftover of [temporary, `${temporary}-journal`]) rmSync(leftover, { force: true });
  }
}

/**
 * Puts a copy of `from` (a backup, a migration's `.bak`, even a live ledger) in service at `to`, a
 * new path: checked first (SQLite, not newer, not damaged), copied through SQLite, and always in a
 * new sequence epoch, whichever file it came from. Returns the epoch it continues in.
 */
export function restoreLedger(from: string, to: string, wallNow: number, prepareTarget: () => void = () => undefined, spread?: (limit: number) => number): number {
  if (from === to) throw new TallyError('invalid-input', `${to} is the file to restore from; restore into a new path`);
  const source = openDatabase(from, { mode: 'readonly' });
  let epoch = 0;
  try {
    const current = source.prepare('SELECT epoch FROM terminal WHERE singleton = 1').pluck().get() as number | undefined;
    if (current === undefined) throw new TallyError('not-initialised', `${from} holds no terminal: it is not a Tally ledger to restore`);
    epoch = nextEpoch(current, wallNow, spread);
    // Only now, with a ledger to restore, may anything be made at the target (its folder).
    prepareTarget();
    writeLedgerCopy(source, to, (copy) => {
      copy.prepare('UPDATE terminal SET epoch = ?, next_seq = 1, restore_pending = 0 WHERE singleton = 1').run(epoch);
      // What was booked after the backup is on the server only now: the next pull asks for it too.
      if (copy.prepare(`SELECT 1 FROM pragma_table_info('sync_state') WHERE name = 'repull_own'`).pluck().get() === 1) copy.prepare('UPDATE sync_state SET repull_own = 1').run();
    });
  } finally {
    source.close();
  }
  return epoch;
}

/**
 * When opening a ledger pays for the full check (issue 8 §6).
 *
 * `integrity_check` and `foreign_key_check` read every page: 3–4 s on a 1,000,000-member file, far
 * more than a plain CLI command should wait. So the ledger records when they last passed and on
 * which file (device:inode), and a ledger that writes registers itself, from its first write
 * transaction (in that same commit: no fsync of its own, and an open that never writes, such as a
 * refused command, leaves the file's bytes alone) until its clean `close()`. An 'auto' open runs
 * them only when they can find what nothing cheaper would:
 *
 * - an unclean shutdown: a registered writer whose process is gone (killed, crashed) or that was
 *   registered before this boot (a power cut; its pid may now belong to someone else). A process
 *   that wrote nothing cannot have left anything half-written, so it need not be registered;
 * - a file not known to be sound: never fully checked, a different file from the one last checked
 *   (a copy, a restored backup, a file put in its place), or a backup marked as restored;
 * - the last full check more than 24 hours ago by the real clock (or ahead of it: a clock that was
 *   wrong then).
 *
 * Otherwise the open relies on `checkFile`'s header checks (SQLite, not truncated, not from a newer
 * Tally) and on SQLite parsing the schema. Damage written into a page in place since the last full
 * check is found when SQLite reads that page, by `tally verify` (always the full check), or by the
 * next daily check.
 *
 * A read-only open cannot record: it decides the same way (so it runs the full check for as long as
 * one is due, until a writable open that writes records it) and never registers. Writes made
 * outside `Ledger.transaction` (autocommit statements of the print queue) do not register by
 * themselves: the print worker takes its printer lease in a transaction first.
 */
import { currentBoot, processAlive } from '../process-alive.js';
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { migration0006 } from './migrations/0006-open-checks.js';
import type { SqliteDatabase } from './sqlite.js';

/** 'full': integrity_check + foreign_key_check. 'auto': the full check when it pays (above). 'quick': quick_check + foreign_key_check. */
export type OpenCheck = 'full' | 'auto' | 'quick';

/** The longest an 'auto' open goes without a full check, by the real clock. */
export const FULL_CHECK_EVERY_MS = 24 * 60 * 60 * 1000;

/** What one open checked, and why. */
export interface OpenCheckRun {
  /** 'cheap': the header checks and the schema only. */
  readonly check: 'full' | 'quick' | 'cheap';
  readonly reason: string;
  /** The file that was checked (device:inode), recorded with a full check. */
  readonly file: string;
  /** Registered writers a full check covers (gone before it began, or registered on another file): a writable open drops them. */
  readonly settled: readonly string[];
  /** When it was checked (real clock): what a full check is recorded as. */
  readonly at: number;
}

interface OpenWriter {
  readonly pid: number;
  /** The boot it was registered in (Linux boot_id), or null where the OS does not say. */
  readonly boot: string | null;
  /** Its own entry: one process may hold several ledgers open. */
  readonly token: string;
  readonly at: number;
}

interface OpenCheckState {
  readonly fullCheckAt: number | null;
  readonly fullCheckFile: string | null;
  readonly restorePending: boolean;
  readonly writers: readonly OpenWriter[];
}

/** Device and inode: what stays the same while SQLite writes in place, and changes for a copy. */
export function fileIdentity(path: string): string {
  const stat = statSync(path, { bigint: true });
  return `${stat.dev}:${stat.ino}`;
}

function isGone(writer: OpenWriter): boolean {
  // Not an entry this code wrote: nothing vouches for it.
  if (!Number.isSafeInteger(writer.pid) || writer.pid <= 0) return true;
  const now = currentBoot();
  if (writer.boot !== null && now !== null && writer.boot !== now) return true;
  if (writer.pid === process.pid) return false;
  return !processAlive(writer.pid);
}

/** The record, or null: a file older than schema 6 keeps none, and one without a terminal row has none. */
function readState(db: SqliteDatabase, version: number): OpenCheckState | null {
  if (version < migration0006.version) return null;
  const row = db.prepare('SELECT full_check_at, full_check_file, restore_pending, open_writers FROM open_checks').get() as
    | { full_check_at: number | null; full_check_file: string | null; restore_pending: number; open_writers: string }
    | undefined;
  if (!row) return null;
  return { fullCheckAt: row.full_check_at, fullCheckFile: row.full_check_file, restorePending: row.restore_pending === 1, writers: JSON.parse(row.open_writers) as OpenWriter[] };
}

/** Why an 'auto' open must run the full check, or null when the cheap one will do. */
function fullCheckReason(state: OpenCheckState | null, file: string, gone: readonly OpenWriter[], now: number): string | null {
  if (state === null) return 'no record of a full check (a file from before schema 6, or not initialised)';
  const crashed = gone[0];
  if (crashed) return `process ${crashed.pid} did not close it (an unclean shutdown)`;
  if (state.fullCheckAt === null) return 'never fully checked';
  if (state.fullCheckFile !== file) return 'not the file last checked (a copy, a restored backup or a replaced file)';
  if (state.restorePending) return 'a restored backup';
  const age = now - state.fullCheckAt;
  if (age > FULL_CHECK_EVERY_MS) return 'the last full check is more than 24 hours old';
  if (age < 0) return 'the last full check is ahead of the clock';
  return null;
}

/** Decides what an open of a file at `version` checks; reads the record, writes nothing. */
export function planCheck(db: SqliteDatabase, path: string, version: number, wanted: OpenCheck, now = Date.now()): OpenCheckRun {
  const state = readState(db, version);
  const file = fileIdentity(path);
  const gone = (state?.writers ?? []).filter(isGone);
  // A full check covers the writers gone before it began; on another file it covers every entry (they were about that file).
  const settled = (state !== null && state.fullCheckFile !== null && state.fullCheckFile !== file ? state.writers : gone).map((w) => w.token);
  if (wanted === 'quick') return { check: 'quick', reason: 'asked for', file, settled: [], at: now };
  if (wanted === 'full') return { check: 'full', reason: 'asked for', file, settled, at: now };
  const reason = fullCheckReason(state, file, gone, now);
  return reason === null ? { check: 'cheap', reason: 'closed cleanly and fully checked within 24 hours', file, settled: [], at: now } : { check: 'full', reason, file, settled, at: now };
}

function writersOf(db: SqliteDatabase): OpenWriter[] {
  return JSON.parse(db.prepare('SELECT open_writers FROM terminal WHERE singleton = 1').pluck().get() as string) as OpenWriter[];
}

/**
 * Registers a ledger open that is about to write, with what its open found (a full check that
 * passed is recorded; `run` is null for a ledger `Ledger.init` made); returns its token for
 * `recordClose`. Call inside the first write transaction (so it costs no commit of its own, and an
 * open that never writes leaves the file as it was), on a file at the latest schema.
 */
export function recordOpen(db: SqliteDatabase, run: OpenCheckRun | null, now = Date.now()): string {
  const token = randomUUID();
  const writers = writersOf(db).filter((w) => !(run?.settled ?? []).includes(w.token));
  writers.push({ pid: process.pid, boot: currentBoot(), token, at: now });
  db.prepare('UPDATE terminal SET open_writers = ? WHERE singleton = 1').run(JSON.stringify(writers));
  if (run?.check === 'full') db.prepare('UPDATE terminal SET full_check_at = ?, full_check_file = ? WHERE singleton = 1').run(run.at, run.file);
  return token;
}

/** A clean close: the entry goes (what is left, if this never runs, is what an unclean shutdown looks like). */
export function recordClose(db: SqliteDatabase, token: string): void {
  db.transaction(() => {
    const writers = writersOf(db).filter((w) => w.token !== token);
    db.prepare('UPDATE terminal SET open_writers = ? WHERE singleton = 1').run(JSON.stringify(writers));
  }).immediate();
}

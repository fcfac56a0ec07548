/**
 * Files a command writes for a person (a slip preview, a signed program, a certificate): always a
 * new file, readable by its owner only. An existing file is never replaced — a typo in `--out` must
 * not wipe the ledger — and the ledger's own names (`-wal`, `-shm`, `-journal` beside it) are
 * refused even before they exist, since SQLite would take such a file for part of the ledger (and
 * `.host.json`, which the next terminal host would take for a stale address and replace).
 */
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { TallyError } from '../core/errors.js';

/** Refuses the ledger's own file names as an output. */
export function refuseLedgerFiles(path: string, ledgerPath: string): void {
  const ledger = resolve(ledgerPath);
  // `.host.json`: the running terminal host's address (hosts/discovery.ts), which a host replaces.
  if ([ledger, `${ledger}-wal`, `${ledger}-shm`, `${ledger}-journal`, `${ledger}.host.json`].includes(resolve(path))) {
    throw new TallyError('invalid-input', `${path} is the ledger (or one of its files): choose another output file`);
  }
}

export function writeNewFile(path: string, content: string, ledgerPath: string): void {
  refuseLedgerFiles(path, ledgerPath);
  const target = resolve(path);
  let fd: number;
  try {
    fd = openSync(target, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new TallyError('invalid-input', `${path} already exists; output files are never overwritten: choose a new name`);
    if (code === 'ENOENT') throw new TallyError('invalid-input', `${path}: the folder does not exist`);
    throw error;
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(target, { force: true });
    throw error;
  }
  closeSync(fd);
}

/**
 * Issue 8 §6: opening a large ledger. A plain command's open skips integrity_check and
 * foreign_key_check on a ledger that was closed cleanly and fully checked within a day; `tally
 * verify`, an unclean shutdown, another file (a copy, a restored backup) and the daily rule run them.
 *
 * What the open checked is observed, never timed: in this process through `Ledger.openCheck` and
 * the record in the file; through the real CLI by damage no command reads — a page in the middle
 * of a table only this test knows, written over in place after the last full check. A command
 * that runs the full check refuses the file (and leaves it as it was); one that does not, works.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { FULL_CHECK_EVERY_MS } from '../../src/terminal/ledger/open-check.js';
import { CLI_ENV, REPO, stripNotices, tempDir } from '../support/ledger-fixture.js';

const { dir: root, cleanup } = tempDir('tally-open-checks-');
afterAll(cleanup);
const TALLY = join(REPO, 'bin', 'tally.js');
const PROGRAM = join(REPO, 'resources', 'programs', 'plus-membership-charity.json');
const CARD = '2900000000018';
const NOW = '2026-03-02T03:00:00Z';
/** The compiled ledger, as a separate process (a till, a host) runs it. */
const LEDGER_JS = pathToFileURL(join(REPO, 'dist', 'src', 'terminal', 'ledger', 'ledger.js')).href;
const HOUR = 3_600_000;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly error: string;
}

let txn = 0;

function tally(db: string, args: readonly string[]): Run {
  const run = spawnSync(process.execPath, [TALLY, '--db', db, '--now', NOW, ...args], { cwd: root, encoding: 'utf8', env: CLI_ENV, timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, error: stripNotices(run.stderr) };
}

function ok(db: string, args: readonly string[]): void {
  const run = tally(db, args);
  expect(run.error, run.stdout).toBe('');
  expect(run.status).toBe(0);
}

const balance = (db: string): Run => tally(db, ['balance', '--card', CARD]);
const checkout = (db: string): Run => tally(db, ['checkout', '--card', CARD, '--amount', '1500', '--txn', `POS-${(txn += 1)}`]);

function refusedAsDamaged(run: Run, db: string): void {
  expect(run.status).toBe(1);
  expect(run.error).toMatch(new RegExp(`^tally: ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} failed its integrity check: .+\\. It was left untouched; restore it from a backup\\.\\n$`));
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

interface Record {
  readonly full_check_at: number | null;
  readonly full_check_file: string | null;
  readonly restore_pending: number;
  readonly open_writers: string;
}

/** The record, read (a writable connection only reading: its close leaves no -wal behind). */
function record(path: string): Record {
  const db = new Database(path);
  try {
    return db.prepare('SELECT full_check_at, full_check_file, restore_pending, open_writers FROM open_checks').get() as Record;
  } finally {
    db.close();
  }
}

function writers(path: string): { pid: number; token: string }[] {
  return JSON.parse(record(path).open_writers) as { pid: number; token: string }[];
}

function sql(path: string, text: string, ...params: unknown[]): void {
  const db = new Database(path);
  try {
    db.prepare(text).run(...params);
  } finally {
    db.close();
  }
}

/** A process that opens the ledger, writes (an empty write transaction is one), and is SIGKILLed before it can close it. */
function killedWhileOpen(path: string): number {
  const script = `const { Ledger } = await import(${JSON.stringify(LEDGER_JS)});
    const ledger = Ledger.open(process.argv[1], { check: 'auto' });
    ledger.transaction(() => undefined);
    process.kill(process.pid, 'SIGKILL');`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, path], { encoding: 'utf8', timeout: 60_000 });
  expect(run.stderr).toBe('');
  expect(run.signal).toBe('SIGKILL');
  return run.pid;
}

/** A process that has written to the ledger and holds it open until its stdin ends, then closes it cleanly. */
async function liveWriter(path: string): Promise<{ pid: number; close: () => Promise<number | null> }> {
  const script = `const { Ledger } = await import(${JSON.stringify(LEDGER_JS)});
    const ledger = Ledger.open(process.argv[1], { check: 'auto' });
    ledger.transaction(() => undefined);
    process.stdout.write('READY\\n');
    process.stdin.on('end', () => { ledger.close(); process.exit(0); });
    process.stdin.resume();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('READY\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the writer exited (${String(code)}) before it was ready`)));
  });
  return {
    pid: child.pid!,
    close: () => {
      child.stdin.end();
      return exited;
    },
  };
}

/**
 * A table no Tally command reads, so damage to it is found only by integrity_check. Its rows are
 * wide enough to span many pages.
 */
function addScratch(path: string): void {
  const db = new Database(path);
  try {
    db.exec('CREATE TABLE test_scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO test_scratch (body) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 400; i += 1) insert.run(`row ${i} `.repeat(40));
    })();
  } finally {
    db.close();
  }
}

/** Writes garbage over a leaf of the scratch table in the middle of the file, in place (same inode). */
function damageInPlace(path: string): void {
  expect(existsSync(`${path}-wal`)).toBe(false);
  const db = new Database(path, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const leaves = db.prepare(`SELECT pageno FROM dbstat WHERE name = 'test_scratch' AND pagetype = 'leaf' ORDER BY pageno`).pluck().all() as number[];
  db.close();
  expect(leaves.length).toBeGreaterThan(4);
  const page = leaves[Math.floor(leaves.length / 2)]!;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, (page - 1) * pageSize);
  closeSync(fd);
}

let template: string;

beforeAll(() => {
  template = join(mkdtempSync(join(root, 'template-')), 'ledger.sqlite');
  ok(template, ['init', '--demo', '--program', PROGRAM, '--store', 'S1', '--terminal', 'T1']);
  ok(template, ['member', 'add', '--card', CARD, '--name', 'Lee Seo-yeon']);
  addScratch(template);
  expect(checkout(template).status).toBe(0);
}, 120_000);

/**
 * A ledger in a folder of its own, as a terminal leaves it: its last command (a writable one, so
 * the file is fully checked and recorded here) closed it cleanly.
 */
function cleanLedger(): string {
  const path = join(mkdtempSync(join(root, 'case-')), 'ledger.sqlite');
  copyFileSync(template, path);
  expect(checkout(path).status).toBe(0);
  const r = record(path);
  expect(r.full_check_at).not.toBeNull();
  expect(writers(path)).toEqual([]);
  expect(existsSync(`${path}-wal`)).toBe(false);
  return path;
}

describe('through the CLI: which commands run the full check', () => {
  it('a plain command on a cleanly closed ledger, fully checked today, does not (damage it does not read goes unseen, nothing new recorded)', () => {
    const path = cleanLedger();
    const checkedAt = record(path).full_check_at;
    damageInPlace(path);
    expect(balance(path).status).toBe(0);
    const run = checkout(path);
    expect(run.error).toBe('');
    expect(run.status).toBe(0);
    expect(record(path).full_check_at).toBe(checkedAt);
    expect(writers(path)).toEqual([]);
  });

  it('a refused writing command leaves the file byte for byte as it was, even when its open ran the full check', () => {
    const path = cleanLedger();
    for (const due of [false, true]) {
      if (due) sql(path, 'UPDATE terminal SET full_check_at = ?', Date.now() - FULL_CHECK_EVERY_MS - HOUR);
      const before = sha256(path);
      const run = tally(path, ['checkout', '--card', '2900000000995', '--amount', '1500', '--txn', 'POS-REFUSED']);
      expect(run.status).toBe(1);
      expect(run.error).toMatch(/^tally: Card not recognised: /);
      expect(sha256(path)).toBe(before);
      expect(existsSync(`${path}-wal`)).toBe(false);
    }
  });

  it('tally verify always does, even right after one', () => {
    const path = cleanLedger();
    damageInPlace(path);
    const before = sha256(path);
    refusedAsDamaged(tally(path, ['verify']), path);
    expect(sha256(path)).toBe(before);
  });

  it('after an unclean shutdown (a writer killed with the file open), a plain command does, read-only or writing', () => {
    const path = cleanLedger();
    const pid = killedWhileOpen(path);
    expect(writers(path).map((w) => w.pid)).toEqual([pid]);
    damageInPlace(path);
    const before = sha256(path);
    refusedAsDamaged(balance(path), path);
    refusedAsDamaged(checkout(path), path);
    expect(sha256(path)).toBe(before);
    // The dead writer's entry stays: the damage is still there to be found.
    expect(writers(path).map((w) => w.pid)).toEqual([pid]);
  });

  it('when the last full check is more than 24 hours old by the real clock, a plain command does; within 24 hours it does not', () => {
    const path = cleanLedger();
    sql(path, 'UPDATE terminal SET full_check_at = ?', Date.now() - 23 * HOUR);
    damageInPlace(path);
    expect(balance(path).status).toBe(0);
    sql(path, 'UPDATE terminal SET full_check_at = ?', Date.now() - FULL_CHECK_EVERY_MS - HOUR);
    const before = sha256(path);
    refusedAsDamaged(balance(path), path);
    refusedAsDamaged(checkout(path), path);
    expect(sha256(path)).toBe(before);
  });

  it('on a copy of a checked file (another inode), a plain command does', () => {
    const path = cleanLedger();
    damageInPlace(path);
    expect(balance(path).status).toBe(0);
    const copy = join(mkdtempSync(join(root, 'copy-')), 'ledger.sqlite');
    copyFileSync(path, copy);
    refusedAsDamaged(balance(copy), copy);
    refusedAsDamaged(checkout(copy), copy);
  });

  it('on a restored backup, a plain command does', () => {
    const path = cleanLedger();
    sql(path, 'UPDATE terminal SET restore_pending = 1');
    damageInPlace(path);
    refusedAsDamaged(balance(path), path);
    refusedAsDamaged(checkout(path), path);
  });
});

describe('Ledger.open', () => {
  it("'auto' on a file never fully checked runs the check and records it with its first write; the next 'auto' open is cheap", () => {
    const path = cleanLedger();
    sql(path, 'UPDATE terminal SET full_check_at = NULL, full_check_file = NULL');
    const before = Date.now();
    const first = Ledger.open(path, { check: 'auto' });
    expect(first.openCheck).toEqual({ check: 'full', reason: 'never fully checked', file: expect.stringMatching(/^\d+:\d+$/) as unknown, settled: [], at: expect.any(Number) as unknown });
    expect(first.lastFullCheckAt()).toBeNull();
    first.transaction(() => undefined);
    expect(first.lastFullCheckAt()).toBe(first.openCheck?.at);
    first.close();
    expect(record(path).full_check_at).toBeGreaterThanOrEqual(before);
    const second = Ledger.open(path, { check: 'auto' });
    expect(second.openCheck?.check).toBe('cheap');
    second.close();
  });

  it("'full' (the default: a host's start) always runs it and records it", () => {
    const path = cleanLedger();
    sql(path, 'UPDATE terminal SET full_check_at = ?', Date.now() - HOUR);
    const before = Date.now();
    const ledger = Ledger.open(path);
    expect(ledger.openCheck).toMatchObject({ check: 'full', reason: 'asked for' });
    ledger.transaction(() => undefined);
    expect(ledger.lastFullCheckAt()).toBeGreaterThanOrEqual(before);
    ledger.close();
  });

  it("'quick' runs quick_check, which is not recorded as a full check", () => {
    const path = cleanLedger();
    const checkedAt = record(path).full_check_at;
    const ledger = Ledger.open(path, { check: 'quick' });
    expect(ledger.openCheck?.check).toBe('quick');
    ledger.transaction(() => undefined);
    ledger.close();
    expect(record(path).full_check_at).toBe(checkedAt);
  });

  it('a read-only open decides the same way but records nothing', () => {
    const path = cleanLedger();
    sql(path, 'UPDATE terminal SET full_check_at = NULL');
    for (let i = 0; i < 2; i += 1) {
      const ledger = Ledger.open(path, { readonly: true, check: 'auto' });
      expect(ledger.openCheck?.check).toBe('full');
      ledger.close();
    }
    expect(record(path).full_check_at).toBeNull();
  });

  it('an open writes nothing by itself; its first write registers it until close(); a read-only one never is', () => {
    const path = cleanLedger();
    const writer = Ledger.open(path, { check: 'auto' });
    const reader = Ledger.open(path, { readonly: true, check: 'auto' });
    expect(writers(path)).toEqual([]);
    writer.transaction(() => undefined);
    writer.transaction(() => undefined);
    expect(writers(path).map((w) => w.pid)).toEqual([process.pid]);
    reader.close();
    expect(writers(path)).toHaveLength(1);
    writer.close();
    expect(writers(path)).toEqual([]);
    // A writable open that never writes (a refused command) leaves every byte as it was.
    const before = sha256(path);
    for (let i = 0; i < 2; i += 1) Ledger.open(path, { check: 'auto' }).close();
    expect(sha256(path)).toBe(before);
  });

  it('a writer alive in another process is not an unclean shutdown: opens beside it stay cheap, and its clean close takes its entry out', async () => {
    const path = cleanLedger();
    const other = await liveWriter(path);
    try {
      expect(writers(path).map((w) => w.pid)).toEqual([other.pid]);
      for (const readonly of [false, true]) {
        const ledger = Ledger.open(path, { readonly, check: 'auto' });
        expect(ledger.openCheck?.check, `readonly ${String(readonly)}`).toBe('cheap');
        ledger.close();
      }
      expect(writers(path).map((w) => w.pid)).toEqual([other.pid]);
    } finally {
      expect(await other.close()).toBe(0);
    }
    expect(writers(path)).toEqual([]);
  });

  it('after an unclean shutdown: read-only opens run the full check every time; the first writable one runs it, drops the dead entry, and the next is cheap', () => {
    const path = cleanLedger();
    const pid = killedWhileOpen(path);
    for (let i = 0; i < 2; i += 1) {
      const reader = Ledger.open(path, { readonly: true, check: 'auto' });
      expect(reader.openCheck).toMatchObject({ check: 'full', reason: `process ${pid} did not close it (an unclean shutdown)` });
      reader.close();
    }
    const before = Date.now();
    const writer = Ledger.open(path, { check: 'auto' });
    expect(writer.openCheck).toMatchObject({ check: 'full', reason: `process ${pid} did not close it (an unclean shutdown)` });
    expect(writers(path).map((w) => w.pid)).toEqual([pid]);
    writer.transaction(() => undefined);
    expect(writers(path).map((w) => w.pid)).toEqual([process.pid]);
    writer.close();
    expect(record(path).full_check_at).toBeGreaterThanOrEqual(before);
    const next = Ledger.open(path, { check: 'auto' });
    expect(next.openCheck?.check).toBe('cheap');
    next.close();
  });

  it.runIf(existsSync('/proc/sys/kernel/random/boot_id'))('a writer registered in an earlier boot is gone, even if its pid is alive now (a power cut)', () => {
    const path = cleanLedger();
    sql(path, 'UPDATE terminal SET open_writers = ?', JSON.stringify([{ pid: process.pid, boot: 'an-earlier-boot', token: 'before-the-power-cut', at: Date.now() - HOUR }]));
    const ledger = Ledger.open(path, { check: 'auto' });
    expect(ledger.openCheck).toMatchObject({ check: 'full', reason: `process ${process.pid} did not close it (an unclean shutdown)`, settled: ['before-the-power-cut'] });
    ledger.transaction(() => undefined);
    expect(writers(path).map((w) => w.token)).not.toContain('before-the-power-cut');
    ledger.close();
  });

  it('a last full check ahead of the clock (recorded by a clock that was wrong) does not count', () => {
    const path = cleanLedger();
    sql(path, 'UPDATE terminal SET full_check_at = ?', Date.now() + HOUR);
    const ledger = Ledger.open(path, { readonly: true, check: 'auto' });
    expect(ledger.openCheck).toMatchObject({ check: 'full', reason: 'the last full check is ahead of the clock' });
    ledger.close();
  });

  it('a copy is another file: the copy is checked and recorded as itself, and its entries (about the original) are dropped', () => {
    const path = cleanLedger();
    const original = Ledger.open(path, { check: 'auto' });
    original.transaction(() => undefined);
    try {
      const copy = join(mkdtempSync(join(root, 'copy-')), 'ledger.sqlite');
      // Everything, the original's open entry included, into the main file: a copy of it alone is the whole ledger.
      original.checkpoint('truncate');
      copyFileSync(path, copy);
      expect(writers(copy).map((w) => w.pid)).toEqual([process.pid]);
      const opened = Ledger.open(copy, { check: 'auto' });
      expect(opened.openCheck).toMatchObject({ check: 'full', reason: 'not the file last checked (a copy, a restored backup or a replaced file)' });
      expect(opened.openCheck?.settled).toHaveLength(1);
      opened.transaction(() => undefined);
      opened.close();
      expect(writers(copy)).toEqual([]);
      expect(record(copy).full_check_file).not.toBe(record(path).full_check_file);
    } finally {
      original.close();
    }
  });
});

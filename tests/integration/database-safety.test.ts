/**
 * A ledger file Tally cannot trust — from a newer schema version, truncated, not SQLite at all, or
 * with a damaged page — gives a clear error naming the file, through the ledger and through the
 * CLI, and is never written to: same bytes, same size, no -wal or -shm file left beside it, and
 * `tally init` refuses it too. A missing file is `not-initialised` for every command but init, and
 * nothing is created.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TallyError, type TallyErrorCode } from '../../src/core/errors.js';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { newLedger, REPO, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir: root, cleanup } = tempDir('tally-dbsafety-');
afterAll(cleanup);
const PROGRAM = join(REPO, 'resources', 'programs', 'plus-membership-charity.json');
const CARD = '2900000000018';

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function tally(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), ...args], { cwd: root, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

/** A real ledger with some history, checkpointed so that everything is in the main file and no -wal is left. */
function realLedger(path: string): void {
  const clock = testClock('2026-03-02T03:00:00Z');
  const { ledger, service } = newLedger(path, 'plus-membership-charity', clock);
  service.enrol({ cards: [CARD], name: 'Lee Seo-yeon' });
  for (let i = 1; i <= 150; i += 1) service.checkout({ card: CARD, txnId: `POS-${i}`, basket: service.amountBasket(1000 + i * 37) });
  ledger.close();
  settle(path);
}

function settle(path: string): void {
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  expect(existsSync(`${path}-wal`)).toBe(false);
  expect(existsSync(`${path}-shm`)).toBe(false);
}

interface BadFile {
  readonly name: string;
  readonly code: TallyErrorCode;
  /** What the message must say besides the file's path. */
  readonly says: RegExp;
  readonly make: (path: string) => void;
}

const BAD_FILES: readonly BadFile[] = [
  {
    name: 'a ledger from a newer schema version',
    code: 'database-newer',
    says: /was written by a newer Tally \(schema 99; this one knows up to \d+\)\. Update Tally; the file was left untouched\.$/,
    make: (path) => {
      realLedger(path);
      const db = new Database(path);
      db.pragma('user_version = 99');
      db.close();
      settle(path);
    },
  },
  {
    name: 'a ledger truncated to half its size',
    code: 'database-corrupt',
    says: /is truncated \(\d+ bytes, its header says \d+\)\. It was left untouched; restore it from a backup\.$/,
    make: (path) => {
      realLedger(path);
      const size = statSync(path).size;
      expect(size).toBeGreaterThan(64 * 1024);
      truncateSync(path, Math.floor(size / 2));
    },
  },
  {
    name: 'a ledger truncated inside its 100-byte header',
    code: 'database-corrupt',
    says: /is truncated \(60 bytes, not even a full header\)\. It was left untouched; restore it from a backup\.$/,
    make: (path) => {
      realLedger(path);
      truncateSync(path, 60);
    },
  },
  {
    name: 'a text file',
    code: 'not-a-database',
    says: /is not a Tally database \(it is not an SQLite file\)\. It was left untouched\.$/,
    make: (path) => writeFileSync(path, 'card,name,points\n2900000000017,Lee Seo-yeon,1200\n'.repeat(200)),
  },
  {
    name: 'a PNG image',
    code: 'not-a-database',
    says: /is not a Tally database \(it is not an SQLite file\)\. It was left untouched\.$/,
    make: (path) => {
      const body = Buffer.alloc(8192);
      for (let i = 0; i < body.length; i += 1) body[i] = (i * 131 + 7) & 0xff;
      writeFileSync(path, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]), body]));
    },
  },
  {
    name: 'a ledger with a damaged page in the middle',
    code: 'database-corrupt',
    says: /failed its integrity check: .+\. It was left untouched; restore it from a backup\.$/,
    make: (path) => {
      realLedger(path);
      const db = new Database(path, { readonly: true });
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      const pageCount = db.pragma('page_count', { simple: true }) as number;
      const leaves = db.prepare(`SELECT pageno FROM dbstat WHERE name = 'transfers' AND pagetype = 'leaf' ORDER BY pageno`).pluck().all() as number[];
      db.close();
      expect(leaves.length).toBeGreaterThan(4);
      // A leaf of the transfers table well inside the file: its page header and cell pointers become garbage.
      const page = leaves[Math.floor(leaves.length / 2)]!;
      expect(page).toBeGreaterThan(1);
      expect(page).toBeLessThan(pageCount);
      const fd = openSync(path, 'r+');
      writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, (page - 1) * pageSize);
      closeSync(fd);
      expect(statSync(path).size).toBe(pageCount * pageSize);
    },
  },
];

const templates = new Map<string, string>();

beforeAll(() => {
  for (const [i, bad] of BAD_FILES.entries()) {
    const path = join(mkdtempSync(join(root, `template-${i}-`)), 'ledger.sqlite');
    bad.make(path);
    templates.set(bad.name, path);
  }
});

/** A fresh copy of a bad file alone in its own folder, with what it must still be afterwards. */
function copyOf(bad: BadFile): { path: string; folder: string; sha: string; size: number } {
  const template = templates.get(bad.name)!;
  const folder = mkdtempSync(join(root, 'case-'));
  const path = join(folder, 'ledger.sqlite');
  copyFileSync(template, path);
  return { path, folder, sha: sha256(template), size: statSync(template).size };
}

function expectUntouched(file: { path: string; folder: string; sha: string; size: number }): void {
  expect(statSync(file.path).size).toBe(file.size);
  expect(sha256(file.path)).toBe(file.sha);
  expect(readdirSync(file.folder)).toEqual(['ledger.sqlite']);
}

function expectCliRefusal(run: { status: number | null; stdout: string; stderr: string }, path: string, bad: BadFile): void {
  expect(run.status).toBe(1);
  const lines = run.stderr.split('\n');
  expect(lines.at(-1)).toBe('');
  expect(lines).toHaveLength(2);
  expect(lines[0]!.startsWith(`tally: ${path} `)).toBe(true);
  expect(lines[0]).toMatch(bad.says);
}

for (const bad of BAD_FILES) {
  describe(bad.name, () => {
    it(`Ledger.open refuses it with ${bad.code}, naming the file, and writes nothing`, () => {
      const file = copyOf(bad);
      const error = caught(() => Ledger.open(file.path));
      expect(error).toBeInstanceOf(TallyError);
      expect((error as TallyError).code).toBe(bad.code);
      expect((error as TallyError).message.startsWith(`${file.path} `)).toBe(true);
      expect((error as TallyError).message).toMatch(bad.says);
      expectUntouched(file);
    });

    it(`Ledger.open read-only refuses it with ${bad.code} and writes nothing`, () => {
      const file = copyOf(bad);
      const error = caught(() => Ledger.open(file.path, { readonly: true }));
      expect(error).toBeInstanceOf(TallyError);
      expect((error as TallyError).code).toBe(bad.code);
      expect((error as TallyError).message).toMatch(bad.says);
      expectUntouched(file);
    });

    it('tally balance (a read-only command) exits 1 with a one-line error and writes nothing', () => {
      const file = copyOf(bad);
      const human = tally(['--db', file.path, 'balance', '--card', CARD]);
      expect(human.stdout).toBe('');
      expectCliRefusal(human, file.path, bad);
      expectUntouched(file);
      const machine = tally(['--json', '--db', file.path, 'balance', '--card', CARD]);
      expectCliRefusal(machine, file.path, bad);
      expect((JSON.parse(machine.stdout) as { error: { code: string } }).error.code).toBe(bad.code);
      expectUntouched(file);
    });

    it('tally checkout exits 1 with a one-line error and writes nothing', () => {
      const file = copyOf(bad);
      const run = tally(['--json', '--db', file.path, 'checkout', '--card', CARD, '--amount', '25000', '--txn', 'POS-NEW']);
      expectCliRefusal(run, file.path, bad);
      expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).toBe(bad.code);
      expectUntouched(file);
    });

    it('tally init refuses to initialise over it and writes nothing', () => {
      const file = copyOf(bad);
      const run = tally(['--json', '--db', file.path, 'init', '--demo', '--program', PROGRAM, '--store', 'S1', '--terminal', 'T1']);
      expectCliRefusal(run, file.path, bad);
      expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).toBe(bad.code);
      expectUntouched(file);
    });
  });
}

describe('a missing database file', () => {
  const COMMANDS: readonly (readonly string[])[] = [
    ['balance', '--card', CARD],
    ['member', 'show', '--card', CARD],
    ['member', 'add', '--card', CARD, '--name', 'Kim Minji'],
    ['member', 'update', '--card', CARD, '--name', 'Kim Minji'],
    ['quote', '--card', CARD, '--amount', '25000'],
    ['checkout', '--card', CARD, '--amount', '25000', '--txn', 'POS-1'],
    ['return', '--txn', 'POS-1', '--return-id', 'R-1', '--amount', '1000'],
    ['action', '--card', CARD, '--action', 'newsletter'],
    ['donate', '--card', CARD, '--charity', 'food-bank', '--points', '100', '--id', 'D-1'],
    ['membership', 'sell', '--card', CARD, '--plan', 'plus-annual', '--txn', 'M-1'],
    ['membership', 'renew', '--card', CARD, '--plan', 'plus-annual', '--txn', 'M-2'],
    ['adjust', '--card', CARD, '--points', '10', '--reason', 'goodwill', '--id', 'A-1'],
    ['history', '--card', CARD],
    ['periodic'],
    ['verify'],
    ['backup', '--to', 'backup.sqlite'],
    ['program', 'install', '--program', PROGRAM],
  ];

  for (const command of COMMANDS) {
    it(`tally ${command.slice(0, command[0] === 'member' || command[0] === 'membership' || command[0] === 'program' ? 2 : 1).join(' ')} gives not-initialised and creates nothing`, () => {
      const folder = mkdtempSync(join(root, 'missing-'));
      const path = join(folder, 'sub', 'ledger.sqlite');
      const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--json', '--db', path, ...command], { cwd: folder, encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).toBe('not-initialised');
      expect(run.stderr).toBe(`tally: No Tally database at ${path}. Create one with: tally init --db ${path} --program FILE --store ID --terminal ID\n`);
      expect(readdirSync(folder)).toEqual([]);
    });
  }

  it('tally restore from a missing file gives not-initialised and creates nothing', () => {
    const folder = mkdtempSync(join(root, 'missing-'));
    const from = join(folder, 'gone.sqlite');
    const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--json', '--db', join(folder, 'sub', 'new.sqlite'), 'restore', '--from', from], { cwd: folder, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).toBe('not-initialised');
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('Ledger.open gives not-initialised (writable and read-only) and creates nothing', () => {
    const folder = mkdtempSync(join(root, 'missing-'));
    const path = join(folder, 'ledger.sqlite');
    for (const readonly of [false, true]) {
      const error = caught(() => Ledger.open(path, { readonly }));
      expect(error).toBeInstanceOf(TallyError);
      expect((error as TallyError).code).toBe('not-initialised');
      expect((error as TallyError).message).toContain(path);
    }
    expect(readdirSync(folder)).toEqual([]);
  });

  it('tally init creates it, after which commands reach the ledger', () => {
    const folder = mkdtempSync(join(root, 'missing-'));
    const path = join(folder, 'sub', 'ledger.sqlite');
    const init = tally(['--db', path, 'init', '--demo', '--program', PROGRAM, '--store', 'S1', '--terminal', 'T1']);
    expect(init.stderr).toBe('tally: DEMO terminal — it trusts keys whose secrets are published with Tally; never use it for a real store\n');
    expect(init.status).toBe(0);
    expect(existsSync(path)).toBe(true);
    const balance = tally(['--json', '--db', path, 'balance', '--card', CARD]);
    expect(balance.status).toBe(1);
    expect((JSON.parse(balance.stdout) as { error: { code: string } }).error.code).toBe('unknown-card');
  });
});

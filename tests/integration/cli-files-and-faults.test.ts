/**
 * Issue 8 §2 and §3, through the real `tally` CLI on real files: output files that a typo cannot
 * turn into a wiped ledger, backups and restores that an interruption cannot make plausible but
 * wrong, sequence epochs never reused, files readable by their owner only; and the machine's faults
 * (a busy ledger, a full or read-only disk, a folder for a file) as one-line refusals with nothing
 * written, control characters kept off the terminal, and the small promises of the command line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLedgerCopy } from '../../src/terminal/ledger/files.js';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { LoyaltyService } from '../../src/terminal/loyalty-service.js';
import { CLI_ENV, REPO, stripNotices, tempDir } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-files-');
afterAll(cleanup);
const TALLY = join(REPO, 'bin', 'tally.js');
const PROGRAM = join(REPO, 'resources', 'programs', 'classic-krw.json');
const CARD = '2900000000018';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly error: string;
}

function tally(db: string, args: readonly string[], input = ''): Run {
  const run = spawnSync(process.execPath, [TALLY, '--db', db, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV, input, timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, error: stripNotices(run.stderr) };
}

function ok<T>(db: string, args: readonly string[]): T {
  const run = tally(db, ['--json', ...args]);
  expect(run.error, run.stdout).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** A one-line refusal with exit 1, the JSON error code, and no stack trace. */
function refusal(run: Run, code: string, message: RegExp): void {
  expect(run.status, run.error).toBe(1);
  expect(run.error.trimEnd().split('\n')).toHaveLength(1);
  expect(run.error).toMatch(message);
  expect(run.error).not.toMatch(/unexpected error|at .*\.js:\d+/);
  if (run.stdout !== '') expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).toBe(code);
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function newLedgerAt(db: string): void {
  expect(tally(db, ['init', '--demo', '--program', PROGRAM, '--store', 'S1', '--terminal', 'T1']).status).toBe(0);
  ok(db, ['member', 'add', '--card', CARD, '--name', 'Kim Minji']);
  ok(db, ['checkout', '--card', CARD, '--amount', '10000', '--txn', 'POS-1']);
}

function epochOf(db: string): number {
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite.prepare('SELECT epoch FROM terminal').pluck().get() as number;
  } finally {
    sqlite.close();
  }
}

describe('files a typo or an interruption must not destroy', () => {
  const folder = join(dir, 'store');
  const db = join(folder, 'lane.sqlite');

  beforeAll(() => newLedgerAt(db));

  it('creates the ledger, its WAL and a new folder for it readable by the owner only', () => {
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(db).mode & 0o777).toBe(0o600);
    // Keep a connection open so the WAL and its index stay there to be looked at.
    const live = new Database(db);
    try {
      live.prepare('SELECT count(*) FROM transfers').get();
      for (const file of [`${db}-wal`, `${db}-shm`]) expect(statSync(file).mode & 0o777, file).toBe(0o600);
    } finally {
      live.close();
    }
  });

  it('never writes a preview (or any output file) over the ledger, its WAL, or any existing file', () => {
    const before = sha256(db);
    // `.host.json` too: the next terminal host would take a preview there for a stale address and delete it.
    for (const out of [db, `${db}-wal`, `${db}-shm`, `${db}.host.json`]) {
      refusal(tally(db, ['--json', 'print', 'preview', '--txn', 'POS-1', '--out', out]), 'invalid-input', /is the ledger \(or one of its files\): choose another output file/);
    }
    writeFileSync(join(dir, 'taken.svg'), 'mine');
    refusal(tally(db, ['print', 'preview', '--txn', 'POS-1', '--out', 'taken.svg']), 'invalid-input', /taken.svg already exists; output files are never overwritten/);
    expect(readFileSync(join(dir, 'taken.svg'), 'utf8')).toBe('mine');
    refusal(tally(db, ['keys', 'generate', '--id', 'k', '--out', `${db}-wal`]), 'invalid-input', /is the ledger/);
    expect(sha256(db)).toBe(before);
    expect(ok<{ ok: boolean }>(db, ['verify']).ok).toBe(true);
    expect(tally(db, ['print', 'preview', '--txn', 'POS-1', '--out', 'pos-1.svg']).status).toBe(0);
    expect(statSync(join(dir, 'pos-1.svg')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'pos-1.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('backs up to a complete, marked, 0600 file, or to no file at all', () => {
    expect(ok<{ backup: string }>(db, ['backup', '--to', 'b1.sqlite']).backup).toBe(join(dir, 'b1.sqlite'));
    expect(statSync(join(dir, 'b1.sqlite')).mode & 0o777).toBe(0o600);
    const copy = new Database(join(dir, 'b1.sqlite'), { readonly: true });
    expect(copy.prepare('SELECT restore_pending FROM terminal').pluck().get()).toBe(1);
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    copy.close();
    refusal(tally(db, ['--json', 'backup', '--to', 'b1.sqlite']), 'invalid-input', /already exists/);
    refusal(tally(db, ['--json', 'backup', '--to', 'no/such/folder/b.sqlite']), 'invalid-input', /no\/such\/folder.*(no such file or folder|does not exist)/);
    // Interrupted after the copy but before it was marked: nothing at the target, and nothing left over.
    const ledger = Ledger.open(db, { readonly: true });
    try {
      expect(() => writeLedgerCopy(ledger.db, join(dir, 'b2.sqlite'), () => {
        throw new Error('killed');
      })).toThrow('killed');
    } finally {
      ledger.close();
    }
    expect(existsSync(join(dir, 'b2.sqlite'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('b2.sqlite'))).toEqual([]);
  });

  it('leaves, when killed at any moment, either no backup or a complete marked one (never a hot journal)', async () => {
    // A ledger big enough that a kill lands inside the copy now and then.
    const big = join(dir, 'big.sqlite');
    newLedgerAt(big);
    const sqlite = new Database(big);
    sqlite.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
      INSERT INTO members (id, name, marketing_consent, enrolled_at, enrolled_by, version, updated_at, qr_ref)
      SELECT printf('filler-%06d', i), printf('Member %d with a long enough name to take space', i), 0, 1, 'T1', 1, 1, printf('REF%013d', i) FROM n`);
    sqlite.close();
    const seen = { none: 0, complete: 0 };
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const target = join(dir, `killed-${attempt}.sqlite`);
      const child = spawn(process.execPath, [TALLY, '--db', big, 'backup', '--to', target], { cwd: dir, env: CLI_ENV, stdio: 'ignore' });
      const exited = new Promise((r) => child.on('exit', r));
      await new Promise((r) => setTimeout(r, 150 + attempt * 40));
      child.kill('SIGKILL');
      await exited;
      expect(existsSync(`${target}-journal`)).toBe(false);
      if (!existsSync(target)) {
        seen.none += 1;
        continue;
      }
      const copy = new Database(target, { readonly: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(copy.prepare('SELECT restore_pending FROM terminal').pluck().get()).toBe(1);
        expect(copy.prepare('SELECT count(*) FROM members').pluck().get()).toBe(60001);
      } finally {
        copy.close();
      }
      seen.complete += 1;
    }
    console.log(`backup killed 12 times: ${seen.none} left no file, ${seen.complete} a complete one`);
    expect(seen.none + seen.complete).toBe(12);
  }, 120_000);

  it('restores into a new epoch every time, whichever file it comes from, and never reuses one', () => {
    const original = epochOf(db);
    const epochs = new Set<number>([original]);
    for (const [to, from] of [
      ['r1.sqlite', 'b1.sqlite'],
      ['r2.sqlite', 'b1.sqlite'],
      ['r3.sqlite', db],
    ] as const) {
      const restored = ok<{ epoch: number }>(join(dir, to), ['restore', '--from', from]);
      expect(restored.epoch).toBeGreaterThan(original);
      expect(epochs.has(restored.epoch), `${to} reused epoch ${restored.epoch}`).toBe(false);
      epochs.add(restored.epoch);
      expect(statSync(join(dir, to)).mode & 0o777).toBe(0o600);
      // Booking in the restored copy starts the new epoch at 1.
      const r = ok<{ transfers: { seq: number }[] }>(join(dir, to), ['checkout', '--card', CARD, '--amount', '1000', '--txn', `AFTER-${to}`]);
      expect(r.transfers[0]?.seq).toBe(1);
      expect(epochOf(join(dir, to))).toBe(restored.epoch);
    }
  });

  it('restores a live ledger with commits still in its WAL (copied through SQLite, not the main file alone)', () => {
    const live = join(dir, 'live.sqlite');
    newLedgerAt(live);
    const ledger = Ledger.open(live);
    try {
      const service = new LoyaltyService(ledger);
      service.checkout({ card: CARD, txnId: 'IN-THE-WAL', basket: service.amountBasket(5000) });
      expect(statSync(`${live}-wal`).size).toBeGreaterThan(0);
      const restored = ok<{ db: string }>(join(dir, 'from-live.sqlite'), ['restore', '--from', live]);
      const copy = new Database(restored.db, { readonly: true });
      expect(copy.prepare(`SELECT count(*) FROM transactions WHERE txn_id = 'IN-THE-WAL'`).pluck().get()).toBe(1);
      copy.close();
    } finally {
      ledger.close();
    }
  });

  it('restores a migration backup (an older schema) into a new epoch too', () => {
    const old = join(dir, 'old.sqlite');
    newLedgerAt(old);
    const sqlite = new Database(old);
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    sqlite.close();
    const epoch = epochOf(old);
    const restored = ok<{ epoch: number }>(join(dir, 'from-old.sqlite'), ['restore', '--from', old]);
    expect(restored.epoch).toBeGreaterThan(epoch);
    expect(ok<{ ok: boolean }>(join(dir, 'from-old.sqlite'), ['verify']).ok).toBe(true);
  });
});

describe('faults of the machine are refusals: one line, exit 1, nothing written', () => {
  const db = join(dir, 'faults.sqlite');

  beforeAll(() => newLedgerAt(db));

  it('a ledger held busy by another process past the busy timeout: a retryable "busy" refusal', () => {
    const holder = new Database(db);
    holder.pragma('busy_timeout = 0');
    holder.exec('BEGIN IMMEDIATE');
    try {
      const run = tally(db, ['--json', 'checkout', '--card', CARD, '--amount', '1000', '--txn', 'BUSY-1']);
      refusal(run, 'busy', /is busy \(another Tally process is writing to it\): nothing was written; try again/);
      expect((JSON.parse(run.stdout) as { error: { details: { retryable: boolean } } }).error.details.retryable).toBe(true);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(ok<{ replayed: boolean }>(db, ['checkout', '--card', CARD, '--amount', '1000', '--txn', 'BUSY-1']).replayed).toBe(false);
  }, 30_000);

  /** Runs a script in a private mount namespace, so a small or read-only tmpfs never outlives it. */
  function inMountNamespace(script: string): { status: number | null; stdout: string; stderr: string } {
    const run = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { cwd: dir, encoding: 'utf8', env: CLI_ENV, timeout: 60_000 });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  it('a full disk', () => {
    const mnt = join(dir, 'full-disk');
    mkdirSync(mnt, { recursive: true });
    const run = inMountNamespace(`set -e
      mount -t tmpfs -o size=4m tmpfs ${mnt}
      cp ${db} ${mnt}/lane.sqlite
      node ${TALLY} --db ${mnt}/lane.sqlite balance --card ${CARD} > /dev/null 2>&1
      dd if=/dev/zero of=${mnt}/filler bs=64k 2>/dev/null || true
      set +e
      node ${TALLY} --db ${mnt}/lane.sqlite --json checkout --card ${CARD} --amount 900000000 --txn FULL-1
      echo "status=$?"
      rm -f ${mnt}/filler
      node ${TALLY} --db ${mnt}/lane.sqlite --json history --card ${CARD} 2>/dev/null | grep -c FULL-1 || true`);
    expect(run.stdout).toMatch(/^status=1$/m);
    const stderr = stripNotices(run.stderr);
    expect(stderr).toMatch(/^tally: The disk holding .* is full: nothing was written; free some space and try again$/m);
    expect(stderr).not.toMatch(/unexpected error/);
    expect(run.stdout).toContain('"code": "disk-full"');
    // history found no FULL-1: nothing was written.
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('0');
  });

  it('a read-only disk', () => {
    const mnt = join(dir, 'read-only');
    mkdirSync(mnt, { recursive: true });
    const run = inMountNamespace(`set -e
      mount -t tmpfs -o size=8m tmpfs ${mnt}
      cp ${db} ${mnt}/lane.sqlite
      mount -o remount,ro ${mnt}
      set +e
      node ${TALLY} --db ${mnt}/lane.sqlite --json checkout --card ${CARD} --amount 1000 --txn RO-1
      echo "status=$?"`);
    expect(run.stdout).toMatch(/^status=1$/m);
    expect(run.stdout).toContain('"code": "read-only"');
    expect(stripNotices(run.stderr)).toMatch(/^tally: .*lane\.sqlite cannot be written.*: nothing was written$/m);
  });

  it('--db naming a folder, and a ledger missing a table', () => {
    mkdirSync(join(dir, 'a-folder'), { recursive: true });
    refusal(tally(join(dir, 'a-folder'), ['--json', 'balance', '--card', CARD]), 'invalid-input', /a-folder is a folder, not a file/);
    const broken = join(dir, 'broken.sqlite');
    newLedgerAt(broken);
    const sqlite = new Database(broken);
    sqlite.exec('DROP TABLE lot_draws');
    sqlite.close();
    refusal(tally(broken, ['--json', 'checkout', '--card', CARD, '--amount', '1000', '--txn', 'X']), 'database-corrupt', /is missing part of the Tally schema .*lot_draws.*restore it from a backup/);
  });

  it('a basket beyond 2^53 minor units', () => {
    writeFileSync(join(dir, 'huge.json'), JSON.stringify({ currency: 'KRW', lines: [{ sku: 'A', quantity: 1000, unitPrice: 9_007_199_254_741 }] }));
    refusal(tally(db, ['--json', 'checkout', '--card', CARD, '--basket', 'huge.json', '--txn', 'HUGE']), 'invalid-input', /quantity × unit price is too large/);
    writeFileSync(join(dir, 'huge2.json'), JSON.stringify({ currency: 'KRW', lines: [{ sku: 'A', quantity: 1, unitPrice: 9_007_199_254_740_000 }, { sku: 'B', quantity: 1, unitPrice: 9_007_199_254_740_000 }] }));
    refusal(tally(db, ['--json', 'checkout', '--card', CARD, '--basket', 'huge2.json', '--txn', 'HUGE']), 'invalid-input', /the basket total is too large/);
  });
});

describe('what reaches the terminal, and the small promises of the command line', () => {
  const db = join(dir, 'cli.sqlite');

  beforeAll(() => newLedgerAt(db));

  it('refuses control and direction characters in names and ids, and shows stored ones escaped', () => {
    const fake = '\u001b[2J\nBalance: 999999 points';
    refusal(tally(db, ['--json', 'member', 'add', '--card', '2900000000025', '--name', fake]), 'invalid-input', /name: must not contain control or text-direction characters/);
    refusal(tally(db, ['--json', 'member', 'add', '--card', '2900000000025', '--name', 'Kim \u202einiM']), 'invalid-input', /control or text-direction/);
    refusal(tally(db, ['--json', 'adjust', '--card', CARD, '--points', '5', '--reason', 'ok\u0007bell', '--id', 'A-CTL']), 'invalid-input', /control or text-direction/);
    // A name stored by an older version is shown as itself, on its own line.
    const sqlite = new Database(db);
    sqlite.prepare(`UPDATE members SET name = ? WHERE id = (SELECT member_id FROM card_codes WHERE code = ?)`).run(fake, CARD);
    sqlite.close();
    const shown = tally(db, ['member', 'show', '--card', CARD]);
    expect(shown.status).toBe(0);
    expect(shown.stdout).not.toContain('\u001b');
    expect(shown.stdout.split('\n').filter((l) => l.startsWith('Balance:'))).toHaveLength(1);
    expect(shown.stdout).toContain('\\u{1b}[2J\\u{a}Balance: 999999 points');
    // A scanned code with an escape character is refused and never echoed.
    const code = tally(db, ['card', 'parse', '--card', '290000\u001b[2J0000018']);
    expect(code.status).toBe(1);
    expect(code.stdout + code.error).not.toContain('\u001b');
  });

  it('takes a negative number after an option that needs one', () => {
    ok(db, ['adjust', '--card', CARD, '--points', '100', '--reason', 'goodwill', '--id', 'ADJ-PLUS']);
    expect(ok<{ points: number }>(db, ['adjust', '--card', CARD, '--points', '-50', '--reason', 'correction', '--id', 'ADJ-MINUS']).points).toBe(-50);
  });

  it('answers usage errors in JSON under --json', () => {
    const run = tally(db, ['--json', 'checkout', '--card', CARD, '--bogus']);
    expect(run.status).toBe(2);
    expect((JSON.parse(run.stdout) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'usage', message: expect.stringMatching(/--bogus/) });
  });

  it('keeps exit 0 and says nothing of "nothing written" when the reader of its output went away after the commit', async () => {
    for (let i = 0; i < 3; i += 1) {
      const child = spawn(process.execPath, [TALLY, '--db', db, '--json', 'checkout', '--card', CARD, '--amount', '1000', '--txn', `PIPE-${i}`], { cwd: dir, env: CLI_ENV });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (c: string) => (stderr += c));
      const status = await new Promise<number | null>((r) => child.on('exit', r));
      expect(stripNotices(stderr)).toBe('');
      expect(status).toBe(0);
    }
    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.prepare(`SELECT count(*) FROM transactions WHERE txn_id LIKE 'PIPE-%'`).pluck().get()).toBe(3);
    sqlite.close();
  });

  it('refuses an input file that is not a regular file or is too large, at once', () => {
    refusal(tally(db, ['--json', 'checkout', '--card', CARD, '--basket', '/dev/zero', '--txn', 'ZERO']), 'invalid-input', /\/dev\/zero: it is not a regular file/);
    writeFileSync(join(dir, 'big-basket.json'), ' '.repeat(2 * 1024 * 1024));
    refusal(tally(db, ['--json', 'checkout', '--card', CARD, '--basket', 'big-basket.json', '--txn', 'BIG']), 'invalid-input', /is 2097152 bytes; at most 1048576 are read/);
  });

  it('refuses birthdays no one has: year 0000, 2999, or later than today', () => {
    for (const birthday of ['0000-01-01', '2999-05-05']) {
      refusal(tally(db, ['--json', 'member', 'add', '--card', '2900000000025', '--birthday', birthday]), 'invalid-input', /must be a birthday between 1900 and today/);
    }
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    refusal(tally(db, ['--json', 'member', 'add', '--card', '2900000000025', '--birthday', tomorrow]), 'invalid-input', /is in the future/);
    expect(ok<{ birthday: string }>(db, ['member', 'update', '--card', CARD, '--birthday', '12-24']).birthday).toBe('--12-24');
  });
});

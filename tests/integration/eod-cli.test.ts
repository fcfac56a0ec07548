/**
 * End of day as a store runs it, all real processes: the central server as a child process on a
 * loopback socket, a terminal enrolled with it through `tally enrol`, counter commands, then
 * `tally eod` — synced, checked, its figures equal to the server's (asked over HTTP here too), a
 * backup that restores into a working ledger, the slip on an emulated receipt printer. Then what
 * must never pass for a clean day: a row the server has and the terminal does not (the mismatch is
 * printed, the command fails, no backup), and a server that is down (local figures, marked not
 * confirmed). A terminal never enrolled gets a local-only day.
 *
 * The commands run at a pinned time (`--now`, at most 12 hours ahead of the real clock, as an
 * overridden clock may be) on a day none of them crosses: the next 06:00 or 18:00 in New York.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayReportSchema, type DayFigures, type DayReport } from '../../src/contract/day-report.js';
import { errorResponseSchema } from '../../src/contract/sync.js';
import { dayKey, isoInstant, localDateOf, localIso } from '../../src/core/time.js';
import type { EodOutcome } from '../../src/terminal/sync/eod.js';
import { CLI_ENV, REPO, stripNotices, tempDir } from '../support/ledger-fixture.js';
import { TcpPrinterEmulator } from '../support/printer-emulator.js';
import { http, serverCliJson, startServer, type ServerProcess } from '../support/server-process.js';

const { dir, cleanup } = tempDir('tally-eod-');
const data = join(dir, 'server-data');
const ZONE = 'America/New_York';
const CARD = '2900000000018';
const db = join(dir, 'lane-3', 'ledger.sqlite');
const backups = `${db}.backups`;

/** The next 06:00 or 18:00 in New York after the next full hour: commands after it stay on its day. */
function quietTime(): number {
  for (let t = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000; ; t += 3_600_000) {
    const hour = localIso(t, ZONE).slice(11, 13);
    if (hour === '06' || hour === '18') return t;
  }
}
const T = quietTime();
const DAY = dayKey(localDateOf(T, ZONE));
const at = (minutes: number): number => T + minutes * 60_000;

let server: ServerProcess;
let emulator: TcpPrinterEmulator;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Asynchronous on purpose: the emulated printer lives in this process and must keep answering. */
function tally(path: string, args: readonly string[], when?: number): Promise<Run> {
  const clock = when === undefined ? [] : ['--now', isoInstant(when)];
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', path, ...clock, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr: stripNotices(stderr).trim() });
    });
  });
}

async function ok<T>(args: readonly string[], when: number): Promise<T> {
  const run = await tally(db, ['--json', ...args], when);
  expect(run.stderr, run.stdout).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as T;
}

function admin<T>(...args: string[]): T {
  return serverCliJson<T>(['--data', data, ...args]);
}

function credential(): string {
  return (JSON.parse(readFileSync(join(`${db}.secrets`, 'sync-credential.json'), 'utf8')) as { credential: string }).credential;
}

async function serverReport(day: string): Promise<DayReport> {
  const answer = await http(server.url, { path: `/v1/day-report?day=${day}`, credential: credential() });
  expect(answer.status, answer.text).toBe(200);
  return dayReportSchema.parse(answer.json());
}

const backupFiles = (): string[] => (existsSync(backups) ? readdirSync(backups).filter((f) => f.endsWith('.sqlite')) : []);

let memberId = '';
let expected: DayFigures;

beforeAll(async () => {
  // Head office's program: the sporting-goods example without the published demo key (the server puts its own keys in).
  const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'sporting-goods-usd.json'), 'utf8')) as { cardCodes: { verifyKeys: unknown[] } };
  program.cardCodes.verifyKeys = [];
  writeFileSync(join(dir, 'program.json'), JSON.stringify(program));
  admin('init', '--program', join(dir, 'program.json'));
  admin('store', 'create', '--id', 'STORE-12', '--name', 'Downtown', '--time-zone', ZONE);
  server = await startServer(['--data', data, '--port', '0']);
  emulator = await TcpPrinterEmulator.start('ready');
  const { code } = admin<{ code: string }>('terminal', 'code', '--store', 'STORE-12', '--terminal', 'LANE-3');
  const enrolled = await tally(db, ['enrol', '--server', server.url, '--code', code]);
  expect(enrolled.stderr).toBe('');
  expect(enrolled.status).toBe(0);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await emulator?.close();
  cleanup();
});

describe('tally eod, enrolled', () => {
  it("syncs, checks, and reports the day's figures equal to the server's; then writes a backup that restores", async () => {
    const enrolment = await ok<{ memberId: string; welcomePoints: number }>(['member', 'add', '--card', CARD, '--name', 'Kim Minji'], at(0));
    memberId = enrolment.memberId;
    const first = await ok<{ earned: number }>(['checkout', '--card', CARD, '--amount', '45000', '--txn', 'POS-0001'], at(1));
    const second = await ok<{ earned: number }>(['checkout', '--card', CARD, '--amount', '20000', '--txn', 'POS-0002'], at(2));
    // The same POS id again books nothing: still two sales.
    await ok(['checkout', '--card', CARD, '--amount', '20000', '--txn', 'POS-0002'], at(3));
    const ret = await ok<{ pointsCollected: number; eligibleReturned: number }>(['return', '--txn', 'POS-0001', '--return-id', 'RET-0001', '--amount', '15000'], at(4));
    const ledger = new Database(db, { readonly: true });
    const entries = ledger.prepare(`SELECT count(*) FROM transfers WHERE terminal_id = 'LANE-3'`).pluck().get() as number;
    ledger.close();
    expected = {
      sales: 2,
      salesAmount: 65_000,
      returns: 1,
      returnsAmount: ret.eligibleReturned,
      pointsIssued: enrolment.welcomePoints + first.earned + second.earned,
      pointsRedeemed: 0,
      pointsExpired: 0,
      pointsDonated: 0,
      pointsTakenBack: ret.pointsCollected,
      pointsGivenBack: 0,
      pointsAdjusted: 0,
      membersEnrolled: 1,
      transfers: entries,
    };
    expect(ret.eligibleReturned).toBe(15_000);
    expect(expected.pointsIssued).toBeGreaterThan(100);

    const run = await tally(db, ['eod', '--out', 'eod.json'], at(10));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`End of day ${DAY}: store STORE-12, terminal LANE-3 (${ZONE})`);
    expect(run.stdout).toMatch(/^Ledger check: OK$/m);
    expect(run.stdout).toMatch(/^ {2}Sales +2 +2$/m);
    expect(run.stdout).toMatch(/^ {2}Qualifying sales +\$650\.00 +\$650\.00$/m);
    expect(run.stdout).toMatch(/^Confirmed by the server: every figure agrees$/m);
    expect(run.stdout).not.toMatch(/^!/m);
    expect(run.stdout).toMatch(/^Report written to eod\.json$/m);

    const report = JSON.parse(readFileSync(join(dir, 'eod.json'), 'utf8')) as EodOutcome;
    expect(report).toMatchObject({ day: DAY, status: 'confirmed', clean: true, enrolled: true, mismatches: [], problems: [] });
    expect(report.terminal.figures).toEqual(expected);
    expect(report.terminal.unsynced).toBe(0);
    // The server says the same when asked directly.
    const onServer = await serverReport(DAY);
    expect(onServer.figures).toEqual(report.terminal.figures);
    expect(report.server).toEqual(onServer);
    expect(statSync(join(dir, 'eod.json')).mode & 0o777).toBe(0o600);

    // The backup: beside the ledger, the owner's alone, and a ledger that restores and verifies.
    const files = backupFiles();
    expect(files).toHaveLength(1);
    expect(report.backup).toBe(join(backups, files[0]!));
    expect(run.stdout).toContain(`Backup: ${report.backup}`);
    expect(statSync(backups).mode & 0o777).toBe(0o700);
    expect(statSync(report.backup!).mode & 0o777).toBe(0o600);
    const restored = join(dir, 'restored', 'ledger.sqlite');
    expect((await tally(restored, ['restore', '--from', report.backup!])).status).toBe(0);
    const verify = await tally(restored, ['verify']);
    expect(verify.stdout).toMatch(/^Ledger OK: 1 members, \d+ transfers/);
    expect(verify.status).toBe(0);
    const copy = new Database(restored, { readonly: true });
    expect(copy.prepare(`SELECT count(*) FROM transfers WHERE terminal_id = 'LANE-3'`).pluck().get()).toBe(entries);
    copy.close();

    // An output file is never overwritten: refused before anything is done.
    const again = await tally(db, ['eod', '--out', 'eod.json'], at(11));
    expect(again.status).toBe(1);
    expect(again.stderr).toBe('tally: eod.json already exists; output files are never overwritten: choose a new name');
    expect(backupFiles()).toHaveLength(1);
  });

  it('prints the slip on the receipt printer', async () => {
    const add = await tally(db, ['printer', 'add', '--id', 'receipt', '--tcp', `${emulator.host}:${emulator.port}`, '--profile', 'epson-tm-80-42', '--slip-lang', 'en', '--timeout', '1500']);
    expect(add.status).toBe(0);
    const run = await tally(db, ['eod', '--print', '--backup-dir', 'elsewhere'], at(12));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('Receipt printed');
    const text = emulator.decodePrinted().lines.join('\n');
    expect(text).toContain(`End of day ${DAY}`);
    expect(text).toContain('STORE-12 / LANE-3');
    expect(text).toMatch(/Sales\s+2\n/);
    expect(text).toMatch(/Qualifying sales\s+\$650\.00/);
    expect(text).toMatch(/Points issued\s+[\d,]+/);
    // Notes are broken at spaces to fit the narrowest paper.
    expect(text).toMatch(/^Confirmed by the server: every\s*\nfigure agrees/m);
    // --backup-dir: the day's copy goes there instead.
    expect(readdirSync(join(dir, 'elsewhere')).filter((f) => f.startsWith(`eod-${DAY}-`))).toHaveLength(1);
  });

  it('answers the day report over HTTP only to a terminal, for a real day, and lists it in the OpenAPI document', async () => {
    expect((await http(server.url, { path: `/v1/day-report?day=${DAY}` })).status).toBe(401);
    for (const day of ['2026-02-30', '20261101', '']) {
      const answer = await http(server.url, { path: `/v1/day-report?day=${day}`, credential: credential() });
      expect(answer.status, day).toBe(400);
      expect(errorResponseSchema.parse(answer.json()).error.message).toMatch(/day/);
    }
    expect((await http(server.url, { path: `/v1/day-report?day=${DAY}&terminal=LANE-4`, credential: credential() })).status).toBe(400);
    const openapi = (await http(server.url, { path: '/openapi.json' })).json<{ paths: Record<string, { get?: { parameters?: { name: string; required: boolean }[] } }> }>();
    expect(openapi.paths['/v1/day-report']?.get?.parameters).toEqual([expect.objectContaining({ name: 'day', required: true })]);
  });

  it('shows a figure the server has otherwise, fails, and writes no backup', async () => {
    // A sale the server holds for this terminal that the terminal never booked, written straight into its file.
    const file = new Database(join(data, 'tally-server.sqlite'));
    file.pragma('busy_timeout = 5000');
    file
      .prepare(
        `INSERT INTO transactions (member_id, id, store_id, terminal_id, kind, txn_id, original_id, request_hash, request, record, result, cashier, created_at, identity_hash, received_at)
         VALUES (?, '01900000-0000-7000-8000-00000000dead', 'STORE-12', 'LANE-3', 'checkout', 'POS-GHOST', NULL, ?, '{}', '{}', '{}', NULL, ?, x'00', ?)`,
      )
      .run(memberId, 'a'.repeat(64), at(13), at(13));
    file.close();
    // The slip in Korean this time, on a printer in its CP949 mode.
    expect((await tally(db, ['printer', 'add', '--id', 'receipt', '--tcp', `${emulator.host}:${emulator.port}`, '--profile', 'korean-80', '--slip-lang', 'ko', '--timeout', '1500'])).status).toBe(0);
    const before = backupFiles().length;
    const printedBefore = emulator.receivedCount;

    const run = await tally(db, ['--json', 'eod', '--print'], at(14));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^tally: end of day ${DAY} not confirmed: 1 figure\\(s\\) differ from the server's: Sales; nothing was changed; tell head office$`));
    const outcome = JSON.parse(run.stdout) as EodOutcome;
    expect(outcome).toMatchObject({ status: 'not-confirmed', clean: false, backup: null, mismatches: [{ field: 'sales', terminal: 2, server: 3 }] });
    expect(outcome.problems.map((p) => p.code)).toEqual(['mismatch']);
    expect(outcome.terminal.figures).toEqual(expected);
    expect(outcome.server?.figures).toEqual({ ...expected, sales: 3 });
    expect(backupFiles()).toHaveLength(before);

    // Printed for a person: the differing figure marked, both values.
    const human = await tally(db, ['eod'], at(15));
    expect(human.status).toBe(1);
    expect(human.stdout).toMatch(/^! Sales +2 +3$/m);
    expect(human.stdout).toMatch(/^ {2}Returns +1 +1$/m);
    expect(human.stdout).toMatch(/^NOT CONFIRMED: the server has other figures$/m);

    await emulator.whenReceived(printedBefore + 1);
    const korean = emulator.decodePrinted({ multiByte: 'cp949' }).lines.join('\n');
    expect(korean).toContain(`마감 보고 ${DAY}`);
    expect(korean).toMatch(/! 판매 건수\s+2\n\s*서버\s+3/);
    expect(korean).toContain('미확인: 서버의 수치가 다릅니다');
  });

  it('reports from local figures, marked not confirmed, when the server is down', async () => {
    await ok(['checkout', '--card', CARD, '--amount', '1000', '--txn', 'POS-0003'], at(20));
    await server.stop();
    const before = backupFiles().length;
    const run = await tally(db, ['eod', '--out', 'offline.json'], at(21));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^tally: end of day ${DAY} not confirmed: The server http://127\\.0\\.0\\.1:\\d+ cannot be reached \\(ECONNREFUSED\\): nothing was lost; try again when the link is back; \\d+ entries are not on the server yet`));
    expect(run.stdout).toMatch(/^NOT CONFIRMED by the server: this terminal's figures only$/m);
    expect(run.stdout).toMatch(/^ {2}Sales +3 +—$/m);
    const outcome = JSON.parse(readFileSync(join(dir, 'offline.json'), 'utf8')) as EodOutcome;
    expect(outcome).toMatchObject({ status: 'not-confirmed', clean: false, server: null, sync: null, backup: null, mismatches: [] });
    expect(outcome.problems.map((p) => p.code)).toEqual(['offline', 'unsynced']);
    expect(outcome.terminal.figures.sales).toBe(3);
    expect(outcome.terminal.unsynced).toBeGreaterThan(0);
    expect(backupFiles()).toHaveLength(before);
  });
});

describe('tally eod, not enrolled', () => {
  it('gives a stand-alone terminal a local-only day, checked and backed up', async () => {
    const demo = join(dir, 'demo', 'ledger.sqlite');
    expect((await tally(demo, ['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'S1', '--terminal', 'T1', '--time-zone', 'Asia/Seoul'], at(0))).status).toBe(0);
    expect((await tally(demo, ['member', 'add', '--card', CARD], at(1))).status).toBe(0);
    expect((await tally(demo, ['checkout', '--card', CARD, '--amount', '45000', '--txn', 'S-1'], at(2))).status).toBe(0);
    const day = dayKey(localDateOf(at(3), 'Asia/Seoul'));
    const run = await tally(demo, ['--json', 'eod', '--day', day, '--backup-dir', join(dir, 'demo-backups')], at(3));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const outcome = JSON.parse(run.stdout) as EodOutcome;
    expect(outcome).toMatchObject({ day, status: 'local-only', clean: true, enrolled: false, sync: null, server: null, problems: [] });
    expect(outcome.terminal.figures).toMatchObject({ sales: 1, salesAmount: 45_000, membersEnrolled: 1 });
    expect(outcome.backup).toMatch(new RegExp(`demo-backups/eod-${day}-\\d{8}T\\d{9}Z\\.sqlite$`));
    expect(existsSync(outcome.backup!)).toBe(true);
    // Another day of the same terminal holds nothing.
    const empty = JSON.parse((await tally(demo, ['--json', 'eod', '--day', '2026-01-01', '--backup-dir', join(dir, 'demo-backups')], at(4))).stdout) as EodOutcome;
    expect(Object.values(empty.terminal.figures).every((n) => n === 0)).toBe(true);
  });

  it('refuses a day that is not one', async () => {
    const run = await tally(db, ['eod', '--day', '2026-02-30']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^tally: --day is a day of the calendar written YYYY-MM-DD, got "2026-02-30"/);
  });
});

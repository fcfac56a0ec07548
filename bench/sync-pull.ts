/**
 * Pulling a whole chain into a new counter (issue 9): N members (TALLY_BENCH_PULL_MEMBERS, a
 * million by default) pulled from a real server over loopback into an empty, freshly enrolled
 * terminal. Targets: under 30 s, and under 300 MiB peak resident memory on the terminal.
 *
 * Three processes, so each figure is what it says: the server (`tally-server serve` on its cached
 * data folder, bench/pull-fixtures.ts), the terminal (bench/pull-terminal.ts: enrol with a one-time
 * code, then `syncNow` — what `tally enrol` and `tally sync` run — reporting its own time and peak
 * RSS and CPU time), and this one, which builds or reuses the fixture, starts both, reads the server's
 * CPU time and peak RSS from /proc, and afterwards checks that the terminal really holds the chain
 * (so the benchmark cannot pass by pulling nothing): quick_check and the foreign keys, row counts,
 * member balances summed against what was pushed, every cached balance against its transfers and
 * open lots, and `verifyLedger` itself up to FULL_VERIFY_MAX_MEMBERS.
 *
 * The machine matters: the terminal's SQLite work is single-threaded and the server needs a core of
 * its own, so the CPU times are printed too (they say what the pull costs when other work shares
 * the cores).
 *
 * TALLY_BENCH_PULL_CHECKOUTS: visits per member after the enrolment (0 by default).
 * TALLY_BENCH_PULL_LIMIT: entries per page asked of the server (default: the terminal's own).
 * TALLY_BENCH_PULL_PAGED=1: pages only (`tally sync --paged`), no bootstrap stream: the first sync as it was before it.
 * TALLY_BENCH_PULL_PROFILE=DIR: the terminal child writes a V8 CPU profile there (and with
 * TALLY_BENCH_SERVER_PROFILE=DIR the server does too, see bench/sync-fixtures.ts).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger } from '../src/terminal/ledger/ledger.js';
import { verifyLedger } from '../src/terminal/ledger/verify.js';
import { count, envInt, filesystemOf, log, mib, ms, tempDir, type BenchResult } from './lib.js';
import { enrolmentCode, pullFixture, type PullFixture } from './pull-fixtures.js';
import type { PullTerminalArgs, PullTerminalResult } from './pull-terminal.js';
import { startServerChild } from './sync-fixtures.js';

const TARGET_SECONDS = 30;
/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;
/** verifyLedger compares each member's balance with a scan of every lot: fine for a counter's own members, hours for a chain. */
const FULL_VERIFY_MAX_MEMBERS = 20_000;
const TARGET_RSS = 300 * 1024 * 1024;

/** Peak resident set (bytes) and CPU time so far (seconds) of another process (Linux), or null where /proc is not there. */
function usageOf(pid: number): { readonly peakRss: number; readonly cpuSeconds: number } | null {
  try {
    const peak = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    // Fields 14 and 15 of /proc/PID/stat (utime, stime, in clock ticks), counted after the command name's closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return peak ? { peakRss: Number(peak[1]) * 1024, cpuSeconds: ticks / CLOCK_TICKS } : null;
  } catch {
    return null;
  }
}

/** Runs bench/pull-terminal.js and returns its one line of figures (its progress goes to our stdout). */
function runTerminal(args: PullTerminalArgs): Promise<PullTerminalResult> {
  const profile = process.env['TALLY_BENCH_PULL_PROFILE'];
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, join(import.meta.dirname, 'pull-terminal.js'), JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
    for (const line of chunk.split('\n')) if (line.startsWith('pull ')) log(`      … ${line}`);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`the terminal process ended (${signal ?? code}) without its figures: ${stderr.trim().split('\n').slice(-6).join(' | ')}`));
        return;
      }
      resolve(JSON.parse(line) as PullTerminalResult);
    });
  });
}

interface Held {
  readonly members: number;
  readonly cards: number;
  readonly transactions: number;
  readonly transfers: number;
  readonly lots: number;
  readonly points: number;
  readonly spend: number;
  readonly withContact: number;
  readonly cursorSaved: boolean;
  /** Accounts whose cached balance differs from their transfers, and member balances that differ from their open lots. */
  readonly wrongBalances: number;
  readonly wrongLots: number;
}

/**
 * What the terminal holds after the pull, to compare with what was pushed to the server. The two
 * balance checks are verifyLedger's, written as grouped joins so they stay linear in a chain.
 */
function held(ledger: Ledger): Held {
  const one = (sql: string): number => ledger.db.prepare(sql).pluck().get() as number;
  return {
    members: one('SELECT count(*) FROM members WHERE pulled = 1'),
    cards: one('SELECT count(*) FROM card_codes'),
    transactions: one('SELECT count(*) FROM transactions WHERE pulled = 1'),
    transfers: one('SELECT count(*) FROM transfers WHERE pulled = 1'),
    lots: one('SELECT count(*) FROM lots'),
    points: one(`SELECT coalesce(sum(balance), 0) FROM accounts WHERE kind = 'member-points'`),
    spend: one(`SELECT coalesce(sum(balance), 0) FROM accounts WHERE kind = 'member-spend'`),
    withContact: one('SELECT count(*) FROM members WHERE contact_withheld = 0 AND (phone IS NOT NULL OR email IS NOT NULL)'),
    cursorSaved: one('SELECT count(*) FROM sync_state WHERE pull_cursor IS NOT NULL AND repull_own = 0') === 1,
    wrongBalances: one(`
      SELECT count(*) FROM accounts a
      LEFT JOIN (SELECT credit_account AS id, sum(amount) AS total FROM transfers GROUP BY credit_account) c ON c.id = a.id
      LEFT JOIN (SELECT debit_account AS id, sum(amount) AS total FROM transfers GROUP BY debit_account) d ON d.id = a.id
      WHERE a.balance <> coalesce(c.total, 0) - coalesce(d.total, 0)`),
    wrongLots: one(`
      SELECT count(*) FROM accounts a LEFT JOIN (SELECT member_id, sum(remaining) AS open FROM lots GROUP BY member_id) l ON l.member_id = a.member_id
      WHERE a.kind = 'member-points' AND a.balance <> coalesce(l.open, 0)`),
  };
}

function mismatch(h: Held, f: PullFixture): string | null {
  const expected: [keyof Held, number][] = [
    ['members', f.members],
    ['cards', f.members],
    ['transactions', f.transactions],
    ['transfers', f.transfers],
    ['lots', f.lots],
    ['points', f.points],
    ['spend', f.spend],
    ['wrongBalances', 0],
    ['wrongLots', 0],
  ];
  const wrong = expected.filter(([k, v]) => h[k] !== v).map(([k, v]) => `${k} ${count(Number(h[k]))} (expected ${count(v)})`);
  if (h.withContact > f.homeMembers) wrong.push(`${count(h.withContact)} members with contact details, more than the ${count(f.homeMembers)} of the terminal's own store`);
  if (!h.cursorSaved) wrong.push('no pull cursor saved');
  return wrong.length === 0 ? null : wrong.join('; ');
}

export async function runSyncPullBench(): Promise<BenchResult[]> {
  const members = envInt('TALLY_BENCH_PULL_MEMBERS', 1_000_000);
  const checkoutsText = process.env['TALLY_BENCH_PULL_CHECKOUTS'];
  const checkouts = checkoutsText === undefined || checkoutsText === '' || checkoutsText === '0' ? 0 : envInt('TALLY_BENCH_PULL_CHECKOUTS', 0);
  const limitText = process.env['TALLY_BENCH_PULL_LIMIT'];
  const limit = limitText === undefined || limitText === '' ? undefined : envInt('TALLY_BENCH_PULL_LIMIT', 1);
  log(`sync-pull: ${count(members)} members (enrolment${checkouts > 0 ? ` and ${checkouts} checkout${checkouts > 1 ? 's' : ''}` : ''} each) pulled into a new terminal from a real server on loopback`);

  const built = await pullFixture(members, checkouts);
  const f = built.fixture;
  log(
    `   server data: ${count(f.members)} members at ${f.counters} counters of ${f.stores} stores, ${count(f.transactions)} transactions, ${count(f.transfers)} transfers, ${count(f.lots)} lots (${count(f.entries)} entries in ${count(f.pushes)} pushes), ${mib(f.fileBytes)} on disk; ${built.cached ? `reused from ${built.dataDir} (built in ${ms(f.buildSeconds * 1000)} by an earlier run)` : `built in ${ms(f.buildSeconds * 1000)} = ${count(f.members / f.buildSeconds)} members/s (cached in ${built.dataDir})`}`,
  );
  const work = tempDir('tally-bench-pull-');
  log(`   terminal folder: ${filesystemOf(work.dir)}`);
  const dbPath = join(work.dir, 'ledger.sqlite');
  try {
    const code = enrolmentCode(built.dataDir);
    const server = await startServerChild(built.dataDir);
    let result: PullTerminalResult;
    let serverUsage: ReturnType<typeof usageOf>;
    try {
      const before = usageOf(server.pid);
      result = await runTerminal({ serverUrl: server.url, code, dbPath, ...(limit !== undefined ? { limit } : {}), ...(process.env['TALLY_BENCH_PULL_PAGED'] === '1' ? { paged: true } : {}) });
      const after = usageOf(server.pid);
      serverUsage = before && after ? { peakRss: after.peakRss, cpuSeconds: after.cpuSeconds - before.cpuSeconds } : null;
    } finally {
      // Its own line on a clean stop is not news.
      const stderr = (await server.stop()).split('\n').filter((line) => line.trim() !== '' && !line.includes('stopped (SIGTERM)'));
      if (stderr.length > 0) log(`      server stderr: ${stderr.slice(-3).join(' | ')}`);
    }
    const perPage = Math.round(result.entries / Math.max(1, result.pages));
    log(
      `   pull: ${count(result.members)} members, ${count(result.entries)} entries in ${count(result.pages)} chunks of the bootstrap stream and pages after it (${limit !== undefined ? `page limit ${count(limit)}` : 'default sizes'}; ${count(result.entries / result.pages)} entries each on average), ${mib(result.bytes)} of JSON (the largest answer ${mib(result.largestPageBytes)})`,
    );
    log(
      `         ${ms(result.seconds * 1000)} = ${count(result.members / result.seconds)} members/s, ${count(result.entries / result.seconds)} entries/s (enrolment before it ${ms(result.enrolSeconds * 1000)})`,
    );
    log(
      `         terminal: ${ms((result.seconds - result.idleSeconds) * 1000)} busy (JSON, row checks, loading; the server reads ahead as far as the socket buffers), ${ms(result.idleSeconds * 1000)} waiting for the server; CPU ${ms(result.cpuSeconds * 1000)}; peak RSS ${mib(result.maxRss)}`,
    );
    log(`         server: CPU ${serverUsage === null ? 'unknown' : ms(serverUsage.cpuSeconds * 1000)}, peak RSS ${serverUsage === null ? 'unknown' : mib(serverUsage.peakRss)}`);

    const checkStarted = Date.now();
    // quick_check and foreign_key_check as the terminal runs them; the rest below.
    const ledger = Ledger.open(dbPath, { readonly: true, check: 'quick' });
    let wrong: string | null;
    let verified: ReturnType<typeof verifyLedger> | null = null;
    try {
      wrong = mismatch(held(ledger), f);
      if (members <= FULL_VERIFY_MAX_MEMBERS) verified = verifyLedger(ledger.db);
    } finally {
      ledger.close();
    }
    const complete = wrong === null && (verified === null || verified.ok) && result.cardConflicts === 0;
    log(
      `   after: ${wrong === null ? 'the terminal holds every member, card, transaction, transfer and lot; balances equal transfers and open lots, and sum to what was pushed' : `WRONG: ${wrong}`}; ${verified === null ? `verifyLedger skipped above ${count(FULL_VERIFY_MAX_MEMBERS)} members (its balance-against-lots check scans every lot per member)` : `verifyLedger ${verified.ok ? 'ok' : `PROBLEMS: ${verified.problems.slice(0, 3).join('; ')}`}`} (checks took ${ms(Date.now() - checkStarted)})`,
    );
    log();
    const label = `sync-pull ${count(members)} members${checkouts > 0 ? ` × ${checkouts} checkout${checkouts > 1 ? 's' : ''}` : ''}`;
    return [
      { name: `${label}: time`, figure: `${result.seconds.toFixed(1)} s`, target: `< ${TARGET_SECONDS} s`, pass: complete && result.seconds < TARGET_SECONDS },
      { name: `${label}: terminal peak RSS`, figure: mib(result.maxRss), target: `< ${mib(TARGET_RSS)}`, pass: complete && result.maxRss < TARGET_RSS },
      { name: `${label}: rate`, figure: `${count(result.members / result.seconds)} members/s, ${count(result.entries / result.seconds)} entries/s`, target: '', pass: null },
      { name: `${label}: chunks and pages`, figure: `${count(result.pages)} of ${count(perPage)} entries on average`, target: '', pass: null },
      { name: `${label}: CPU terminal / server`, figure: `${result.cpuSeconds.toFixed(1)} s / ${serverUsage === null ? '?' : `${serverUsage.cpuSeconds.toFixed(1)} s`}`, target: '', pass: null },
      { name: `${label}: server peak RSS`, figure: serverUsage === null ? 'unknown' : mib(serverUsage.peakRss), target: '', pass: null },
      { name: `${label}: fixture build`, figure: built.cached ? 'cached' : `${f.buildSeconds.toFixed(1)} s`, target: '', pass: null },
    ];
  } finally {
    work.cleanup();
  }
}

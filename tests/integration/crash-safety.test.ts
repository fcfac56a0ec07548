/**
 * Crash safety: a till process (fixtures/checkout-worker.mjs, running the compiled service from
 * dist/) books checkouts, redemptions and returns against a real ledger file and is SIGKILLed at a
 * random moment, many times over. After every kill the file is reopened (a restart) and must hold
 * every command that reported success exactly once, nothing of a refused command, an in-flight
 * command either completely or not at all, and pass `verify` (which includes the gap-free sequence).
 * The POS then retries the command it got no answer for, as a real one would: it must be booked
 * exactly once. Finally every reported command is retried and must replay without writing.
 *
 * TALLY_CRASH_KILLS sets the number of kills (200 by default); TALLY_CRASH_SEED repeats a run's
 * choices (the seed is printed): the kill delays and each worker's commands. What exactly a kill
 * interrupts still depends on the machine's timing. The kills run in
 * two lanes at once, each with its own ledger file, so that both cores work: most of a kill's cost
 * is starting Node and importing the service.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckoutArgs, ReturnArgs } from '../../src/contract/commands.js';
import { isTallyError } from '../../src/core/errors.js';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { verifyLedger } from '../../src/terminal/ledger/verify.js';
import { LoyaltyService } from '../../src/terminal/loyalty-service.js';
import { programText, REPO, tempDir } from '../support/ledger-fixture.js';

const KILLS = Number(process.env['TALLY_CRASH_KILLS'] ?? 200);
const SEED = Number(process.env['TALLY_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const WORKER = join(REPO, 'tests', 'integration', 'fixtures', 'checkout-worker.mjs');
const DIST_ENTRIES = [join(REPO, 'dist', 'src', 'terminal', 'ledger', 'ledger.js'), join(REPO, 'dist', 'src', 'terminal', 'loyalty-service.js')];
/** The worker's clock starts each run at this instant plus one minute per run; see the worker. */
const CLOCK_BASE = Date.parse('2026-03-10T18:00:00Z');
/** What the worker's deliberately refused commands must be refused with. */
const REFUSAL: Record<Kind, string> = { checkout: 'insufficient-points', return: 'return-exceeds-sale' };

const LANES = 2;

const { dir, cleanup } = tempDir('tally-crash-');
afterAll(cleanup);

type Kind = 'checkout' | 'return';

interface BookedTransfer {
  readonly id: string;
  readonly kind: string;
  readonly unit: string;
  readonly amount: number;
  readonly seq: number;
}

interface Outcome {
  readonly balance: number;
  readonly transfers: readonly BookedTransfer[];
  readonly replayed: boolean;
}

interface Command {
  readonly kind: Kind;
  readonly txnId: string;
  readonly expect: 'ok' | 'fail';
  readonly args: CheckoutArgs | ReturnArgs;
}

const key = (kind: string, txnId: string): string => `${kind} ${txnId}`;

/** mulberry32, as in the worker: the parent's choices (delays, worker seeds) repeat with the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface WorkerRun {
  readonly lines: readonly string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/**
 * Starts the worker and SIGKILLs it `delayMs` after it printed `marker` (LOADED: before the ledger
 * is opened; READY: in the command loop). Timing from the marker rather than from spawn, because
 * Node needs ~100-150 ms just to start and import the service: counted from spawn, almost every kill
 * would land before the first write.
 */
function runWorker(db: string, run: number, seed: number, marker: 'LOADED' | 'READY', delayMs: number): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, db, String(run), String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    // A worker that never reaches its marker (it crashed on its own) must not hang the test.
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (timer === undefined && stdout.includes(`${marker}\n`)) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    // 'close' comes after stdout is drained: every line the worker wrote before it died is here.
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (timer !== undefined) clearTimeout(timer);
      // A line cut off by the kill has no newline: it never happened.
      const lines = stdout.split('\n');
      lines.pop();
      resolve({ lines, code, signal, stderr });
    });
  });
}

interface ParsedRun {
  readonly ready: boolean;
  readonly done: readonly { readonly command: Command; readonly outcome: Outcome }[];
  readonly refused: readonly { readonly command: Command; readonly code: string }[];
  readonly inFlight: Command | undefined;
}

/** Reads the worker's report, checking the protocol: each START is answered by OK or FAIL, except the last. */
function parseRun(lines: readonly string[]): ParsedRun {
  const done: { command: Command; outcome: Outcome }[] = [];
  const refused: { command: Command; code: string }[] = [];
  let ready = false;
  let pending: Command | undefined;
  for (const line of lines) {
    const start = /^START (checkout|return) (\S+) (ok|fail) (.+)$/.exec(line);
    const ok = /^OK (checkout|return) (\S+) (.+)$/.exec(line);
    const fail = /^FAIL (checkout|return) (\S+) (\S+)$/.exec(line);
    if (line === 'LOADED') continue;
    if (line === 'READY') {
      ready = true;
    } else if (start) {
      if (pending) throw new Error(`worker started ${start[2]} while ${pending.txnId} was unanswered`);
      pending = { kind: start[1] as Kind, txnId: start[2]!, expect: start[3] as 'ok' | 'fail', args: JSON.parse(start[4]!) as CheckoutArgs | ReturnArgs };
    } else if (ok || fail) {
      const [, kind, txnId] = (ok ?? fail)!;
      if (!pending || pending.kind !== kind || pending.txnId !== txnId) throw new Error(`worker answered ${kind} ${txnId} without starting it`);
      if (ok) done.push({ command: pending, outcome: JSON.parse(ok[3]!) as Outcome });
      else refused.push({ command: pending, code: fail![3]! });
      pending = undefined;
    } else {
      throw new Error(`unexpected worker output: ${line}`);
    }
  }
  return { ready, done, refused, inFlight: pending };
}

/** Everything a replay must leave as it was. */
function fingerprint(ledger: Ledger): string {
  const one = (sql: string): unknown => ledger.db.prepare(sql).pluck().get();
  return JSON.stringify([
    one('SELECT count(*) FROM transactions'),
    one('SELECT count(*) FROM transfers'),
    one('SELECT count(*) FROM outbox'),
    one('SELECT count(*) FROM lots'),
    one('SELECT count(*) FROM lot_draws'),
    one('SELECT total(remaining) FROM lots'),
    one('SELECT next_seq FROM terminal'),
    one(`SELECT group_concat(id || '=' || balance, ',') FROM (SELECT id, balance FROM accounts ORDER BY id)`),
  ]);
}

/** One ledger file and what its till reported: the commands acknowledged and the ones refused. */
interface Lane {
  readonly db: string;
  readonly reported: Map<string, { command: Command; outcome: Outcome }>;
  readonly refused: Map<string, Command>;
}

const lanes: readonly Lane[] = Array.from({ length: LANES }, (_, i) => ({ db: join(dir, `till-${i + 1}.sqlite`), reported: new Map(), refused: new Map() }));

/**
 * Everything that must hold after a restart, collected as a list of problems (so a failure names
 * all of them at once): reported commands exactly once and as reported, refused ones absent, every
 * transaction with exactly the transfers its stored result lists (nothing half-written), no stray
 * transfers, a gap-free sequence, and a clean `verify`.
 */
function problems(ledger: Ledger, { reported, refused }: Lane): string[] {
  const found: string[] = [];
  const report = verifyLedger(ledger.db);
  found.push(...report.problems.map((p) => `verify: ${p}`));
  if (!report.ok) found.push('verify: not ok');

  const rows = ledger.db.prepare('SELECT id, kind, txn_id, result FROM transactions').all() as { id: string; kind: string; txn_id: string; result: string }[];
  const transfers = ledger.db.prepare('SELECT id, kind, unit, amount, seq, transaction_id FROM transfers ORDER BY seq').all() as (BookedTransfer & { transaction_id: string | null })[];
  const byTransaction = new Map<string, BookedTransfer[]>();
  for (const t of transfers) {
    if (t.transaction_id === null) {
      found.push(`transfer ${t.id} (${t.kind}) belongs to no transaction`);
      continue;
    }
    const list = byTransaction.get(t.transaction_id) ?? [];
    list.push({ id: t.id, kind: t.kind, unit: t.unit, amount: t.amount, seq: t.seq });
    byTransaction.set(t.transaction_id, list);
  }
  const byKey = new Map<string, { id: string; outcome: Outcome }>();
  let listed = 0;
  for (const row of rows) {
    const k = key(row.kind, row.txn_id);
    if (byKey.has(k)) found.push(`${k} is booked twice`);
    const outcome = JSON.parse(row.result) as Outcome;
    byKey.set(k, { id: row.id, outcome });
    const expected = JSON.stringify(outcome.transfers);
    const actual = JSON.stringify(byTransaction.get(row.id) ?? []);
    if (actual !== expected) found.push(`${k} is half-written: its result lists transfers ${expected}, the ledger holds ${actual}`);
    listed += outcome.transfers.length;
  }
  if (listed !== transfers.length) found.push(`transactions list ${listed} transfers, the ledger holds ${transfers.length}`);

  for (const [k, { outcome }] of reported) {
    const row = byKey.get(k);
    if (!row) found.push(`${k} reported success but is missing`);
    else if (JSON.stringify(row.outcome.transfers) !== JSON.stringify(outcome.transfers) || row.outcome.balance !== outcome.balance) {
      found.push(`${k} is booked differently from what it reported: ${JSON.stringify(row.outcome)} vs ${JSON.stringify(outcome)}`);
    }
  }
  for (const k of refused.keys()) if (byKey.has(k)) found.push(`${k} was refused but is in the ledger`);

  const seq = ledger.db.prepare('SELECT count(*) AS n, coalesce(min(seq), 0) AS lo, coalesce(max(seq), 0) AS hi FROM transfers').get() as { n: number; lo: number; hi: number };
  if (seq.n > 0 && (seq.lo !== 1 || seq.hi !== seq.n)) found.push(`sequence: ${seq.n} transfers numbered ${seq.lo}…${seq.hi}`);
  if (ledger.sequence().nextSeq !== seq.n + 1) found.push(`sequence: next is ${ledger.sequence().nextSeq}, expected ${seq.n + 1}`);
  return found;
}

function rerun(service: LoyaltyService, command: Command): Outcome {
  return command.kind === 'checkout' ? service.checkout(command.args as CheckoutArgs) : service.returnSale(command.args as ReturnArgs);
}

function isPresent(ledger: Ledger, command: Command): boolean {
  return ledger.findTransaction(command.kind, command.txnId) !== undefined;
}

beforeAll(() => {
  expect(Number.isInteger(KILLS) && KILLS >= LANES, `TALLY_CRASH_KILLS must be a whole number of at least ${LANES}`).toBe(true);
  expect(Number.isInteger(SEED), 'TALLY_CRASH_SEED must be a whole number').toBe(true);
  for (const file of DIST_ENTRIES) {
    expect(existsSync(file), `${file} is missing: build first with \`npx tsc -b\` (npm test does it)`).toBe(true);
  }
  for (const lane of lanes) {
    Ledger.init(lane.db, {
      demo: true,
      storeId: 'S1',
      terminalId: 'T1',
      timeZone: 'America/Los_Angeles',
      programText: programText('plus-membership-charity'),
      programSource: 'plus-membership-charity.json',
      now: CLOCK_BASE - 60_000,
    }).close();
  }
});

interface Stats {
  beforeReady: number;
  inFlight: number;
  inFlightPresent: number;
  inFlightMulti: number;
  retriedBooked: number;
  retriedRefused: number;
  commands: number;
}

/** Kills, restarts and checks one lane's till for the given runs; stops early when another lane failed. */
async function killLoop(lane: Lane, runs: readonly number[], random: () => number, stats: Stats, abort: { failed: boolean }): Promise<void> {
  const { reported, refused } = lane;
  for (const run of runs) {
    if (abort.failed) return;
    // One kill in ten lands while the ledger opens (recovery, integrity check, enrolment).
    const early = random() < 0.1;
    const delay = early ? Math.floor(random() * 16) : 5 + Math.floor(random() * 76);
    const workerSeed = Math.floor(random() * 2 ** 31);
    const where = `run ${run} of ${lane.db} (seed ${SEED}, worker seed ${workerSeed}, kill ${delay} ms after ${early ? 'LOADED' : 'READY'})`;
    const worker = await runWorker(lane.db, run, workerSeed, early ? 'LOADED' : 'READY', delay);
    expect(worker.stderr, where).toBe('');
    expect(worker.signal, `${where}: the worker ended on its own (exit ${worker.code})`).toBe('SIGKILL');
    const parsed = parseRun(worker.lines);
    if (!parsed.ready) stats.beforeReady += 1;
    stats.commands += parsed.done.length + parsed.refused.length;
    for (const { command, outcome } of parsed.done) {
      expect(command.expect, `${where}: ${command.kind} ${command.txnId} should have been refused`).toBe('ok');
      expect(outcome.replayed).toBe(false);
      reported.set(key(command.kind, command.txnId), { command, outcome });
    }
    for (const { command, code } of parsed.refused) {
      expect(`${command.kind} ${command.txnId} ${command.expect} ${code}`, where).toBe(`${command.kind} ${command.txnId} fail ${REFUSAL[command.kind]}`);
      refused.set(key(command.kind, command.txnId), command);
    }

    // The restart: open the file as the next process would, and check it.
    const ledger = Ledger.open(lane.db);
    try {
      const service = new LoyaltyService(ledger, { clock: () => CLOCK_BASE + run * 60_000 + 59_000 });
      expect(problems(ledger, lane), where).toEqual([]);

      // The POS got no answer for the in-flight command and retries it with the same id.
      const inFlight = parsed.inFlight;
      if (inFlight) {
        stats.inFlight += 1;
        if (inFlight.kind === 'return' || ('redeem' in inFlight.args && inFlight.args.redeem !== undefined)) stats.inFlightMulti += 1;
        const k = key(inFlight.kind, inFlight.txnId);
        const before = fingerprint(ledger);
        if (isPresent(ledger, inFlight)) {
          // Committed, but killed before it could say so: complete (checked above), and a retry replays it.
          stats.inFlightPresent += 1;
          expect(inFlight.expect, `${where}: ${k} was meant to be refused but is in the ledger`).toBe('ok');
          const again = rerun(service, inFlight);
          expect(again.replayed, `${where}: ${k}`).toBe(true);
          expect(fingerprint(ledger), `${where}: retrying ${k} wrote something`).toBe(before);
          reported.set(k, { command: inFlight, outcome: { balance: again.balance, transfers: again.transfers, replayed: false } });
        } else if (inFlight.expect === 'ok') {
          // Not committed: nothing of it is there (checked above), and the retry books it once.
          const booked = rerun(service, inFlight);
          expect(booked.replayed, `${where}: ${k}`).toBe(false);
          stats.retriedBooked += 1;
          reported.set(k, { command: inFlight, outcome: { balance: booked.balance, transfers: booked.transfers, replayed: false } });
        } else {
          let code: string | undefined;
          try {
            rerun(service, inFlight);
          } catch (error) {
            if (!isTallyError(error)) throw error;
            code = error.code;
          }
          expect(code, `${where}: retrying ${k}`).toBe(REFUSAL[inFlight.kind]);
          expect(fingerprint(ledger), `${where}: refusing ${k} wrote something`).toBe(before);
          stats.retriedRefused += 1;
          refused.set(k, inFlight);
        }
      }

      // The last command this run acknowledged, retried after the restart: a replay, nothing written.
      const last = parsed.done.at(-1);
      if (last) {
        const before = fingerprint(ledger);
        const again = rerun(service, last.command);
        expect(again.replayed, where).toBe(true);
        expect({ balance: again.balance, transfers: again.transfers }, where).toEqual({ balance: last.outcome.balance, transfers: last.outcome.transfers });
        expect(fingerprint(ledger), `${where}: replaying ${last.command.txnId} wrote something`).toBe(before);
      }
      // The retries above were booked by this process; check them too (every 10th run: it costs).
      if (run % 10 < LANES || run > KILLS - LANES) expect(problems(ledger, lane), `${where}, after the retries`).toEqual([]);
    } finally {
      ledger.close();
    }
  }
}

describe('crash safety under SIGKILL', () => {
  it(
    `keeps every acknowledged checkout exactly once and nothing half-written across ${KILLS} kills`,
    async () => {
      console.log(`crash-safety: seed ${SEED}, ${KILLS} kills in ${LANES} lanes (repeat with TALLY_CRASH_SEED=${SEED}; more kills with TALLY_CRASH_KILLS)`);
      const seeds = prng(SEED);
      const started = performance.now();
      const stats: Stats = { beforeReady: 0, inFlight: 0, inFlightPresent: 0, inFlightMulti: 0, retriedBooked: 0, retriedRefused: 0, commands: 0 };
      const abort = { failed: false };
      // Runs are numbered across lanes (1, 3, 5… and 2, 4, 6…), so every transaction id is unique.
      const results = await Promise.allSettled(
        lanes.map((lane, i) => {
          const runs = Array.from({ length: KILLS }, (_, r) => r + 1).filter((r) => r % LANES === (i + 1) % LANES);
          return killLoop(lane, runs, prng(Math.floor(seeds() * 2 ** 31)), stats, abort).catch((error: unknown) => {
            abort.failed = true;
            throw error;
          });
        }),
      );
      for (const result of results) if (result.status === 'rejected') throw result.reason;
      const seconds = (performance.now() - started) / 1000;
      const booked = lanes.reduce((sum, lane) => sum + lane.reported.size, 0);
      const refusedCount = lanes.reduce((sum, lane) => sum + lane.refused.size, 0);
      console.log(
        `crash-safety: ${KILLS} kills in ${seconds.toFixed(1)} s; ${stats.commands} commands answered before a kill (${booked} booked, ${refusedCount} refused in all), ` +
          `${stats.beforeReady} kills before READY, ${stats.inFlight} mid-command (${stats.inFlightMulti} of them a redemption or a return; ${stats.inFlightPresent} committed but unreported, ` +
          `${stats.retriedBooked} booked on retry, ${stats.retriedRefused} refused on retry)`,
      );
      // The kills must really have landed on work: most of them mid-command, with plenty booked.
      expect(stats.inFlight).toBeGreaterThan(KILLS / 2);
      expect(booked).toBeGreaterThan(KILLS);
      const all = lanes.flatMap((lane) => [...lane.reported.values()]);
      expect(all.some((r) => r.command.kind === 'return')).toBe(true);
      expect(all.some((r) => r.outcome.transfers.some((t) => t.kind === 'redeem'))).toBe(true);
    },
    Math.max(600_000, KILLS * 3_000),
  );

  it('replays every acknowledged command after the last restart and writes nothing', () => {
    for (const lane of lanes) {
      expect(lane.reported.size).toBeGreaterThan(0);
      const ledger = Ledger.open(lane.db);
      try {
        const service = new LoyaltyService(ledger, { clock: () => CLOCK_BASE + (KILLS + 1) * 60_000 });
        const before = fingerprint(ledger);
        const mismatches: string[] = [];
        for (const [k, { command, outcome }] of lane.reported) {
          const again = rerun(service, command);
          if (!again.replayed) mismatches.push(`${k} was booked again`);
          if (again.balance !== outcome.balance || JSON.stringify(again.transfers) !== JSON.stringify(outcome.transfers)) mismatches.push(`${k} replayed a different result`);
        }
        expect(mismatches).toEqual([]);
        expect(fingerprint(ledger)).toBe(before);
        expect(problems(ledger, lane)).toEqual([]);
        // Every checkout and return in the ledger was acknowledged: by the till, or by a retry.
        expect(ledger.db.prepare(`SELECT count(*) FROM transactions WHERE kind IN ('checkout', 'return')`).pluck().get()).toBe(lane.reported.size);
      } finally {
        ledger.close();
      }
    }
  });
});

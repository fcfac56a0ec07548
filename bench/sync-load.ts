/**
 * Fifty counters syncing at once (issue 9): every terminal's real `pushOutbox` over its own
 * `SyncClient`, all started together against one `tally-server serve` child process on 127.0.0.1,
 * per store (embedded SQLite, PostgreSQL). Reported: the latency of each push request as its
 * terminal sees it (p50 / p99 / max, queueing at the server included), and the server's throughput
 * (outbox entries acknowledged per second of wall time, first request to last answer).
 *
 * Each terminal's ledger is filled through the counter path (bench/sync-fixtures.ts) with its own
 * customers, then copied per store. The terminals push in batches of TALLY_BENCH_LOAD_BATCH items
 * (100: a counter that syncs every few minutes has a few hundred entries, not a thousand), with the
 * client's own 10 s timeout, so a server that falls that far behind shows up as failed pushes.
 *
 * Targets: p99 below 2 s — a fifth of the terminal's timeout, so fifty counters at once never make
 * a background sync time out and start over — and everything pushed, the server's ledger verified
 * and its member balances equal to the terminals'. Throughput is reported for information (on
 * SQLite the pushes are serialised by design; on PostgreSQL they run over the pool's connections).
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PushRequest } from '../src/contract/sync.js';
import { ensureDataFolder, sqlitePath } from '../src/server/cli/files.js';
import { openPostgresServerStore } from '../src/server/store/postgres/postgres-store.js';
import { openSqliteServerStore } from '../src/server/store/sqlite/sqlite-store.js';
import type { Row } from '../src/server/store/rows.js';
import type { ServerStore } from '../src/server/store/store.js';
import { Ledger } from '../src/terminal/ledger/ledger.js';
import { SyncClient, type PushAnswer } from '../src/terminal/sync/client.js';
import { pushOutbox } from '../src/terminal/sync/push.js';
import { count, envInt, filesystemOf, latency, log, ms, tempDir, type BenchResult } from './lib.js';
import { benchDatabase, postgresAvailability, postgresSetting, type BenchDatabase } from './postgres.js';
import { fillTerminalLedger, registerTerminal, startServerChild, type Place } from './sync-fixtures.js';
import { syncStores } from './sync-push.js';

const SEED = 20250610;
/** Counters per store: the terminals are spread over stores S1, S2, … */
const TERMINALS_PER_STORE = 10;
/** Card serials per terminal: no two terminals enrol the same card. */
const CARDS_PER_TERMINAL = 1_000_000;
const P99_TARGET_MS = 2_000;

export interface SyncLoadOptions {
  readonly terminals: number;
  readonly entries: number;
  readonly batch: number;
  readonly stores: readonly ('sqlite' | 'postgres')[];
}

export function syncLoadOptions(): SyncLoadOptions {
  return {
    terminals: envInt('TALLY_BENCH_LOAD_TERMINALS', 50),
    entries: envInt('TALLY_BENCH_LOAD_ENTRIES', 2_000),
    batch: envInt('TALLY_BENCH_LOAD_BATCH', 100),
    stores: syncStores(),
  };
}

/** The real client, timing each push request from its start to its answer. */
class TimedClient extends SyncClient {
  readonly samples: bigint[] = [];

  override async push(request: PushRequest): Promise<PushAnswer> {
    const started = process.hrtime.bigint();
    const answer = await super.push(request);
    this.samples.push(process.hrtime.bigint() - started);
    return answer;
  }
}

type TestableStore = ServerStore & { query(sql: string): Promise<Row[]> };

interface Terminal extends Place {
  readonly template: string;
  readonly entries: number;
}

async function runOne(name: 'sqlite' | 'postgres', describe: string, open: () => Promise<TestableStore>, databaseUrl: string | undefined, dir: string, terminals: readonly Terminal[], options: SyncLoadOptions): Promise<BenchResult[]> {
  const label = `sync-load ${name}`;
  log(`   -- ${name}: ${describe}`);
  const setup = await open();
  const credentials: string[] = [];
  for (const t of terminals) credentials.push(await registerTerminal(setup, t, Date.now()));
  await setup.close();

  const ledgers = terminals.map((t) => {
    const path = join(dir, `${name}-${t.terminalId}.sqlite`);
    copyFileSync(t.template, path);
    return Ledger.open(path);
  });
  const server = await startServerChild(join(dir, `${name}-server`), databaseUrl);
  const clients = credentials.map((credential) => new TimedClient({ baseUrl: server.url, credential }));
  let wallNs: bigint;
  let outcomes: PromiseSettledResult<Awaited<ReturnType<typeof pushOutbox>>>[];
  try {
    const started = process.hrtime.bigint();
    outcomes = await Promise.allSettled(ledgers.map((ledger, i) => pushOutbox(ledger, clients[i]!, { now: Date.now, batchSize: options.batch })));
    wallNs = process.hrtime.bigint() - started;
  } finally {
    const stderr = (await server.stop())
      .split('\n')
      .filter((line) => line.trim() !== '' && !/not initialised yet|stopped \(SIGTERM\)/.test(line))
      .join(' | ');
    if (stderr !== '') log(`      server stderr: ${stderr.slice(-600)}`);
  }
  const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [`${terminals[i]!.terminalId}: ${o.reason instanceof Error ? o.reason.message : String(o.reason)}`] : []));
  const acknowledged = outcomes.reduce((s, o) => s + (o.status === 'fulfilled' ? o.value.acknowledged : 0), 0);
  const complete = failed.length === 0 && outcomes.every((o) => o.status === 'fulfilled' && o.value.remaining === 0 && o.value.conflicts.length === 0);

  const store = await open();
  let verified: { ok: boolean; problems: readonly string[] };
  let agree = true;
  try {
    verified = await store.verify();
    const server = new Map((await store.query('SELECT account, balance FROM member_balances WHERE balance <> 0')).map((r) => [String(r['account']), Number(r['balance'])]));
    let onTerminals = 0;
    for (const ledger of ledgers) {
      for (const [account, balance] of ledger.db.prepare(`SELECT id, balance FROM accounts WHERE kind IN ('member-points', 'member-spend') AND balance <> 0`).raw().all() as [string, number][]) {
        onTerminals += 1;
        if (server.get(account) !== balance) agree = false;
      }
    }
    if (onTerminals !== server.size) agree = false;
  } finally {
    await store.close();
    for (const ledger of ledgers) ledger.close();
  }

  const wallSeconds = Number(wallNs) / 1e9;
  const samples = BigUint64Array.from(clients.flatMap((c) => c.samples));
  const l = latency(samples);
  const ok = complete && verified.ok && agree;
  log(
    `      ${terminals.length} terminals at once: ${count(acknowledged)} entries in ${ms(wallSeconds * 1000)} = ${count(acknowledged / wallSeconds)} entries/s; ${count(samples.length)} push requests of ≤ ${options.batch} items: p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, max ${ms(l.max)}`,
  );
  log(
    `      after: ${complete ? 'every outbox empty, no conflicts' : `INCOMPLETE: ${failed.length} terminals failed${failed.length > 0 ? ` (${failed.slice(0, 2).join('; ')})` : ''}`}; server verify ${verified.ok ? 'ok' : `PROBLEMS: ${verified.problems.slice(0, 2).join('; ')}`}; member balances ${agree ? "equal the terminals'" : 'DIFFER'}`,
  );
  return [
    { name: `${label}: server throughput`, figure: `${count(acknowledged / wallSeconds)} entries/s`, target: '', pass: null },
    { name: `${label}: push p50 / max`, figure: `${ms(l.p50)} / ${ms(l.max)}`, target: '', pass: null },
    { name: `${label}: push p99 (${terminals.length} terminals)`, figure: ms(l.p99), target: `< ${ms(P99_TARGET_MS)}`, pass: l.p99 < P99_TARGET_MS },
    { name: `${label}: all pushed, verify ok, balances equal`, figure: ok ? 'yes' : 'NO', target: 'yes', pass: ok },
  ];
}

export async function runSyncLoadBench(options: SyncLoadOptions = syncLoadOptions()): Promise<BenchResult[]> {
  const temp = tempDir('tally-bench-sync-load-');
  const dbs: BenchDatabase[] = [];
  try {
    log(`== sync-load: ${options.terminals} terminals pushing ${count(options.entries)} outbox entries each at once over loopback, ≤ ${options.batch} items per push`);
    log(`   files in ${temp.dir} on ${filesystemOf(temp.dir)}`);
    const started = Date.now();
    const terminals: Terminal[] = [];
    for (let i = 0; i < options.terminals; i += 1) {
      const place = { storeId: `S${Math.floor(i / TERMINALS_PER_STORE) + 1}`, terminalId: `T${String(i + 1).padStart(2, '0')}` };
      const template = join(temp.dir, `template-${place.terminalId}.sqlite`);
      const filled = fillTerminalLedger(template, { ...place, entries: options.entries, seed: SEED + i, firstCard: i * CARDS_PER_TERMINAL });
      terminals.push({ ...place, template, entries: filled.total });
    }
    const total = terminals.reduce((s, t) => s + t.entries, 0);
    log(`   terminal templates: ${terminals.length} ledgers, ${count(total)} outbox entries in all, filled in ${ms(Date.now() - started)} (each its own customers; stores of ${TERMINALS_PER_STORE} terminals)`);
    const results: BenchResult[] = [];

    if (options.stores.includes('sqlite')) {
      const data = join(temp.dir, 'sqlite-server');
      results.push(
        ...(await runOne(
          'sqlite',
          'embedded store file, WAL, synchronous=FULL',
          () => {
            ensureDataFolder(data);
            return openSqliteServerStore(sqlitePath(data));
          },
          undefined,
          temp.dir,
          terminals,
          options,
        )),
      );
    }
    const pg = options.stores.includes('postgres') ? await postgresAvailability() : ({ ok: false, reason: 'not asked for (TALLY_BENCH_SYNC_STORES)' } as const);
    if (!pg.ok) {
      log(`   -- postgres: not measured: ${pg.reason}`);
      results.push({ name: 'sync-load postgres', figure: 'not measured', target: '', pass: null });
    } else {
      const db = await benchDatabase(pg.adminUrl, 'load');
      dbs.push(db);
      const settings = `synchronous_commit=${await postgresSetting(db.url, 'synchronous_commit')}, the server's pool of 10 connections`;
      results.push(...(await runOne('postgres', `${pg.server} (${settings})`, () => openPostgresServerStore({ connectionString: db.url }), db.url, temp.dir, terminals, options)));
    }
    log();
    return results;
  } finally {
    for (const db of dbs) await db.drop().catch(() => undefined);
    temp.cleanup();
  }
}

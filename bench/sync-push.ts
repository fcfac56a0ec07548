/**
 * Pushing a terminal's outbox to the central server, end to end over loopback, against the raw
 * batched insert of the same rows into the same kind of database in the same run (issue 9):
 * targets push ÷ raw ≥ 0.5 on SQLite, ≥ 0.3 on PostgreSQL.
 *
 * The terminal: a real ledger filled once through the counter path (bench/sync-fixtures.ts) into a
 * template file, copied per store. "Entries" are outbox rows — a checkout writes several (its
 * transaction, its transfers: qualifying spend, earn, a redemption…; an enrolment its member too).
 *
 * The push: `tally-server serve` as a child process on 127.0.0.1 (its store set up through the store
 * API first), and in this process the real terminal code — `pushOutbox` with a `SyncClient` over
 * fetch — timed from the first request until the outbox is empty: reading the outbox, JSON, HTTP,
 * the server's parsing and checks, the store's transaction per batch (durable: SQLite
 * synchronous=FULL, PostgreSQL synchronous_commit as configured), and the acknowledgements.
 *
 * The raw baseline (bench/sync-raw.ts): the rows the push left on the server, read back and written
 * into a fresh database of the same kind by plain multi-row INSERTs, one transaction per push
 * batch with that batch's rows. The ratio is raw time ÷ push time: the share of the bare write speed
 * the whole push keeps. Pushes and raw writes alternate in blocks of ten batches, so that both see
 * the same disk and the same machine load (on a shared machine either drifts by tens of percent
 * within a minute; back-to-back phases made the ratio flap).
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_PUSH_ITEMS, type PushRequest } from '../src/contract/sync.js';
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
import { fillTerminalLedger, registerTerminal, startServerChild, type FilledLedger, type Place } from './sync-fixtures.js';
import { postgresRawSide, RawPlanner, sqliteRawSide, type BatchKeys, type RawSide } from './sync-raw.js';

const PLACE: Place = { storeId: 'S1', terminalId: 'T1' };
const SEED = 20250609;

export interface SyncPushOptions {
  readonly entries: number;
  readonly batch: number;
  readonly stores: readonly ('sqlite' | 'postgres')[];
}

/** TALLY_BENCH_SYNC_STORES: which stores to measure, `sqlite,postgres` by default. */
export function syncStores(): ('sqlite' | 'postgres')[] {
  const names = (process.env['TALLY_BENCH_SYNC_STORES'] ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = names.filter((n) => n !== 'sqlite' && n !== 'postgres');
  if (bad.length > 0) throw new Error(`TALLY_BENCH_SYNC_STORES names sqlite and postgres only (got ${bad.join(', ')})`);
  return names as ('sqlite' | 'postgres')[];
}

export function syncPushOptions(): SyncPushOptions {
  return { entries: envInt('TALLY_BENCH_PUSH_ENTRIES', 100_000), batch: Math.min(envInt('TALLY_BENCH_PUSH_BATCH', MAX_PUSH_ITEMS), MAX_PUSH_ITEMS), stores: syncStores() };
}

/**
 * The real client, noting what each push carried (for the raw baseline) and how long it took, and
 * running `pause` (the raw block, bench/sync-raw.ts) after an answer when asked, timed apart.
 */
export class RecordingClient extends SyncClient {
  readonly batches: BatchKeys[] = [];
  readonly samples: bigint[] = [];
  /** Time spent in `pause`: not the push's. */
  pausedNs = 0n;
  pause: ((batches: readonly BatchKeys[]) => Promise<void>) | undefined;

  override async push(request: PushRequest): Promise<PushAnswer> {
    const keys = { transfers: [] as string[], transactions: [] as string[], events: [] as string[], members: [] as string[] };
    for (const item of request.items) {
      if (item.entity === 'transfer') keys.transfers.push(item.transfer.id);
      else if (item.entity === 'transaction') keys.transactions.push(item.transaction.id);
      else if (item.entity === 'event') keys.events.push(item.event.id);
      else keys.members.push(item.member.id);
    }
    const started = process.hrtime.bigint();
    const answer = await super.push(request);
    this.samples.push(process.hrtime.bigint() - started);
    if (answer.ok) this.batches.push(keys);
    // After the answer, before the terminal acknowledges: nothing of the push runs meanwhile (its
    // read of the next batch is done by then), so the pause takes nothing from it.
    if (this.pause) {
      const paused = process.hrtime.bigint();
      await this.pause(this.batches);
      this.pausedNs += process.hrtime.bigint() - paused;
    }
    return answer;
  }
}

type TestableStore = ServerStore & { query(sql: string): Promise<Row[]> };

interface StoreKind {
  readonly name: 'sqlite' | 'postgres';
  readonly target: number;
  /** PostgreSQL: the server's DATABASE_URL (SQLite: the store file in the server's data folder). */
  readonly databaseUrl?: string;
  readonly open: () => Promise<TestableStore>;
  /** The raw side: reads what the push wrote, writes it into a fresh database of the same kind. */
  readonly raw: () => Promise<RawSide>;
  readonly describe: string;
}

/** Pushes and raw writes alternate in blocks of this many batches (both see the same disk and load). */
const BLOCK_BATCHES = 10;

/** Member balances on the terminal and on the server, compared account by account (non-zero ones). */
async function balancesAgree(ledger: Ledger, store: TestableStore): Promise<string | null> {
  const terminal = new Map((ledger.db.prepare(`SELECT id, balance FROM accounts WHERE kind IN ('member-points', 'member-spend') AND balance <> 0`).raw().all() as [string, number][]).map(([a, b]) => [a, b]));
  const server = new Map((await store.query('SELECT account, balance FROM member_balances WHERE balance <> 0')).map((r) => [String(r['account']), Number(r['balance'])]));
  if (terminal.size !== server.size) return `${terminal.size} non-zero member accounts on the terminal, ${server.size} on the server`;
  for (const [account, balance] of terminal) if (server.get(account) !== balance) return `${account}: ${balance} on the terminal, ${server.get(account)} on the server`;
  return null;
}

async function runOne(kind: StoreKind, dir: string, template: string, filled: FilledLedger, options: SyncPushOptions): Promise<BenchResult[]> {
  const label = `sync-push ${kind.name}`;
  log(`   -- ${kind.name}: ${kind.describe}`);
  const dataDir = join(dir, `${kind.name}-server`);
  const setup = await kind.open();
  const credential = await registerTerminal(setup, PLACE, Date.now());
  await setup.close();

  const terminalPath = join(dir, `${kind.name}-terminal.sqlite`);
  copyFileSync(template, terminalPath);
  const ledger = Ledger.open(terminalPath);
  const server = await startServerChild(dataDir, kind.databaseUrl);
  const raw = await kind.raw();
  const planner = new RawPlanner({ ...PLACE, epoch: ledger.sequence().epoch });
  const rawTotals = { ns: 0n, rows: 0, batches: 0, tables: new Map<string, number>() };
  let rawDone = 0;
  /** The batches pushed since the last raw block, written raw. */
  const rawBlock = async (batches: readonly BatchKeys[]): Promise<void> => {
    const block = batches.slice(rawDone);
    if (block.length === 0) return;
    rawDone = batches.length;
    const pushed = await raw.read(block);
    for (const [table, { rows }] of Object.entries(pushed)) rawTotals.tables.set(table, (rawTotals.tables.get(table) ?? 0) + rows.length);
    const plan = planner.plan(pushed, block, Date.now());
    rawTotals.rows += plan.rows;
    rawTotals.batches += plan.batches.length;
    rawTotals.ns += await raw.write(plan.batches);
  };
  let pushNs: bigint;
  let client: RecordingClient;
  let report: Awaited<ReturnType<typeof pushOutbox>>;
  let agree: string | null;
  let verified: { ok: boolean; problems: readonly string[] };
  try {
    client = new RecordingClient({ baseUrl: server.url, credential, timeoutMs: 300_000 });
    client.pause = async (batches) => {
      if (batches.length - rawDone >= BLOCK_BATCHES) await rawBlock(batches);
    };
    const started = process.hrtime.bigint();
    report = await pushOutbox(ledger, client, { now: Date.now, batchSize: options.batch });
    pushNs = process.hrtime.bigint() - started - client.pausedNs;
    await rawBlock(client.batches);
  } finally {
    await raw.close();
    const stderr = (await server.stop())
      .split('\n')
      .filter((line) => line.trim() !== '' && !/not initialised yet|stopped \(SIGTERM\)/.test(line))
      .join(' | ');
    if (stderr !== '') log(`      server stderr: ${stderr.slice(-600)}`);
  }
  const store = await kind.open();
  try {
    verified = await store.verify();
    agree = await balancesAgree(ledger, store);
  } finally {
    await store.close();
    ledger.close();
  }
  const pushSeconds = Number(pushNs) / 1e9;
  const batchLatency = latency(BigUint64Array.from(client.samples));
  const complete = report.remaining === 0 && report.conflicts.length === 0 && report.acknowledged === filled.total;
  log(
    `      push: ${count(report.acknowledged)} entries in ${ms(pushSeconds * 1000)} = ${count(report.acknowledged / pushSeconds)} entries/s; ${client.samples.length} batches of ≤ ${count(options.batch)} items, per batch p50 ${ms(batchLatency.p50)} / p99 ${ms(batchLatency.p99)} / max ${ms(batchLatency.max)}`,
  );
  log(`      after: ${complete ? 'outbox empty, no conflicts' : `INCOMPLETE (${report.remaining} remaining, ${report.conflicts.length} conflicts)`}; server verify ${verified.ok ? 'ok' : `PROBLEMS: ${verified.problems.slice(0, 2).join('; ')}`}; member balances ${agree === null ? "equal the terminal's" : `DIFFER: ${agree}`}`);

  const rawSeconds = Number(rawTotals.ns) / 1e9;
  const ratio = rawSeconds / pushSeconds;
  log(
    `      raw:  the same ${count(rawTotals.rows)} rows (${[...rawTotals.tables].map(([t, n]) => `${t} ${count(n)}`).join(', ')}, + balance upserts and the sequence row) in ${rawTotals.batches} transactions, in blocks of ${BLOCK_BATCHES} between the pushes: ${ms(rawSeconds * 1000)} = ${count(rawTotals.rows / rawSeconds)} rows/s, ${count(filled.total / rawSeconds)} entries/s`,
  );
  log(`      ratio push ÷ raw = ${ratio.toFixed(2)} (raw ${ms(rawSeconds * 1000)} / push ${ms(pushSeconds * 1000)}); push writes ${count(rawTotals.rows / pushSeconds)} rows/s`);
  const ok = complete && verified.ok && agree === null;
  return [
    { name: `${label}: entries/s (${count(filled.total)} entries)`, figure: `${count(report.acknowledged / pushSeconds)}/s`, target: '', pass: null },
    { name: `${label}: raw rows/s (${count(rawTotals.rows)} rows)`, figure: `${count(rawTotals.rows / rawSeconds)}/s`, target: '', pass: null },
    { name: `${label}: per-batch p50 / p99`, figure: `${ms(batchLatency.p50)} / ${ms(batchLatency.p99)}`, target: '', pass: null },
    { name: `${label}: all pushed, verify ok, balances equal`, figure: ok ? 'yes' : 'NO', target: 'yes', pass: ok },
    { name: `${label}: ratio to raw`, figure: ratio.toFixed(2), target: `≥ ${kind.target}`, pass: ratio >= kind.target },
  ];
}

export async function runSyncPushBench(options: SyncPushOptions = syncPushOptions()): Promise<BenchResult[]> {
  const temp = tempDir('tally-bench-sync-push-');
  const dbs: BenchDatabase[] = [];
  try {
    log(`== sync-push: ${count(options.entries)} outbox entries pushed over loopback (batches of ≤ ${count(options.batch)}) vs raw multi-row inserts of the same rows`);
    log(`   files in ${temp.dir} on ${filesystemOf(temp.dir)}`);
    log(`   server: tally-server serve, a child process on 127.0.0.1; terminal: pushOutbox with a SyncClient (fetch) in this process; an entry is an outbox row`);
    log(`   pushes and raw writes alternate in blocks of ${BLOCK_BATCHES} batches (both see the same disk and load); ratio = raw time ÷ push time`);
    const template = join(temp.dir, 'template.sqlite');
    const filled = fillTerminalLedger(template, { ...PLACE, entries: options.entries, seed: SEED, firstCard: 0 });
    log(
      `   terminal template: ${count(filled.members)} members, ${count(filled.checkouts)} checkouts (${count(filled.redemptions)} redeeming), ${count(filled.returns)} returns in ${ms(filled.ms)} → ${count(filled.total)} outbox entries: ${Object.entries(filled.outbox).map(([e, n]) => `${e} ${count(n)}`).join(', ')}`,
    );
    const results: BenchResult[] = [];

    const sqliteData = join(temp.dir, 'sqlite-server');
    const sqliteRaw = join(temp.dir, 'raw.sqlite');
    if (options.stores.includes('sqlite')) results.push(
      ...(await runOne(
        {
          name: 'sqlite',
          target: 0.5,
          describe: 'embedded store file, WAL, synchronous=FULL (a push answered ok survives a power cut)',
          open: () => {
            ensureDataFolder(sqliteData);
            return openSqliteServerStore(sqlitePath(sqliteData));
          },
          raw: async () => {
            await (await openSqliteServerStore(sqliteRaw)).close();
            return sqliteRawSide(sqlitePath(sqliteData), sqliteRaw);
          },
        },
        temp.dir,
        template,
        filled,
        options,
      )),
    );

    const pgAvailable = options.stores.includes('postgres') ? await postgresAvailability() : ({ ok: false, reason: 'not asked for (TALLY_BENCH_SYNC_STORES)' } as const);
    if (!pgAvailable.ok) {
      log(`   -- postgres: not measured: ${pgAvailable.reason}`);
      results.push({ name: 'sync-push postgres', figure: 'not measured', target: '', pass: null });
    } else {
      const main = await benchDatabase(pgAvailable.adminUrl, 'push');
      dbs.push(main);
      const raw = await benchDatabase(pgAvailable.adminUrl, 'raw');
      dbs.push(raw);
      const settings = `synchronous_commit=${await postgresSetting(main.url, 'synchronous_commit')}, fsync=${await postgresSetting(main.url, 'fsync')}, ${await postgresSetting(main.url, 'server_version')}`;
      results.push(
        ...(await runOne(
          {
            name: 'postgres',
            target: 0.3,
            databaseUrl: main.url,
            describe: `${pgAvailable.server} (${settings})`,
            open: () => openPostgresServerStore({ connectionString: main.url }),
            raw: async () => {
              await (await openPostgresServerStore({ connectionString: raw.url })).close();
              return postgresRawSide(main.url, raw.url);
            },
          },
          temp.dir,
          template,
          filled,
          options,
        )),
      );
    }
    log();
    return results;
  } finally {
    for (const db of dbs) await db.drop().catch(() => undefined);
    temp.cleanup();
  }
}

/**
 * Durable checkouts against raw better-sqlite3 inserts of the same rows, in one run.
 *
 * Checkout: the real path — `LoyaltyService.checkout` validates, checks idempotency, looks the card
 * up, loads the member, lets the rules plan, and books transaction + transfers + lots + balances +
 * outbox in one IMMEDIATE transaction with synchronous=FULL.
 *
 * Raw: a second, fresh file opened with the same `openDatabase` (same schema, WAL, synchronous=FULL,
 * foreign keys, triggers), and per iteration one IMMEDIATE transaction that writes exactly the rows
 * a real checkout writes — counted from the ledger before/after one real checkout and checked again
 * on the raw file — with prepared statements and precomputed values. No reads, no rules, no JSON.
 * The ratio checkouts/s ÷ raw commits/s is what the service costs on top of the durable write.
 * The two loops run in alternating blocks so that both see the same disk (fsync latency on a shared
 * or virtual disk drifts by tens of percent over a minute; back-to-back phases made the ratio flap).
 */
import { join } from 'node:path';
import { openDatabase } from '../src/terminal/ledger/database.js';
import { Ledger } from '../src/terminal/ledger/ledger.js';
import type { SqliteDatabase } from '../src/terminal/ledger/sqlite.js';
import { LoyaltyService } from '../src/terminal/loyalty-service.js';
import {
  benchClock,
  cardCode,
  count,
  envInt,
  fakeUuidV7,
  filesystemOf,
  latency,
  log,
  mib,
  ms,
  programText,
  randomInt,
  rss,
  seededRandom,
  tempDir,
  type BenchResult,
  type Latency,
} from './lib.js';

const SEED = 20250303;
const STORE = 'S1';
const TERMINAL = 'T1';
const HISTORY_SAMPLES = 200;
/** Checkouts and raw commits are timed in alternating blocks of this many. */
const BLOCK = 250;
/** Warm-up commits over which WAL pages per commit are averaged (× ~30 pages stays under the 1,000-page auto-checkpoint). */
const WAL_SAMPLE = 25;
const COUNTED_TABLES = ['members', 'card_codes', 'accounts', 'transactions', 'transfers', 'lots', 'lot_draws', 'events', 'outbox'] as const;

/** What one commit wrote: rows inserted per table, account balances and terminal rows updated, and SQLite's own change count. */
interface RowDelta {
  readonly inserted: Readonly<Record<string, number>>;
  readonly accountsUpdated: number;
  readonly terminalUpdated: number;
  readonly totalChanges: number;
}

interface Snapshot {
  readonly counts: Record<string, number>;
  readonly balances: Map<string, number>;
  readonly nextSeq: number;
  readonly totalChanges: number;
}

function snapshot(db: SqliteDatabase): Snapshot {
  const counts: Record<string, number> = {};
  for (const table of COUNTED_TABLES) counts[table] = db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  const balances = new Map((db.prepare('SELECT id, balance FROM accounts').raw().all() as [string, number][]).map(([id, balance]) => [id, balance]));
  const nextSeq = db.prepare('SELECT next_seq FROM terminal WHERE singleton = 1').pluck().get() as number;
  const totalChanges = db.prepare('SELECT total_changes()').pluck().get() as number;
  return { counts, balances, nextSeq, totalChanges };
}

function delta(before: Snapshot, after: Snapshot): RowDelta {
  const inserted: Record<string, number> = {};
  for (const table of COUNTED_TABLES) inserted[table] = (after.counts[table] ?? 0) - (before.counts[table] ?? 0);
  let accountsUpdated = 0;
  for (const [id, balance] of after.balances) if (before.balances.get(id) !== balance) accountsUpdated += 1;
  return { inserted, accountsUpdated, terminalUpdated: after.nextSeq === before.nextSeq ? 0 : 1, totalChanges: after.totalChanges - before.totalChanges };
}

/**
 * Pages appended to the WAL per commit, averaged over a run of commits (one commit alone varies with
 * page splits): empty the WAL, commit, and read the frame count a passive checkpoint reports. The run
 * must stay under the auto-checkpoint threshold (1,000 pages), so callers pass about 25 commits.
 */
function walPagesPerCommit(db: SqliteDatabase, commits: readonly (() => void)[]): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  for (const commit of commits) commit();
  const [status] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
  return (status?.log ?? Number.NaN) / commits.length;
}

function describeDelta(d: RowDelta): string {
  const parts = COUNTED_TABLES.filter((t) => (d.inserted[t] ?? 0) !== 0).map((t) => `${t} +${d.inserted[t]}`);
  parts.push(`accounts updated ${d.accountsUpdated}`, `terminal updated ${d.terminalUpdated}`);
  return `${parts.join(', ')} (SQLite total_changes ${d.totalChanges})`;
}

function sameDelta(a: RowDelta, b: RowDelta): boolean {
  return COUNTED_TABLES.every((t) => a.inserted[t] === b.inserted[t]) && a.accountsUpdated === b.accountsUpdated && a.terminalUpdated === b.terminalUpdated && a.totalChanges === b.totalChanges;
}

interface TransferRow {
  id: string;
  kind: string;
  unit: string;
  amount: number;
  debit_account: string;
  credit_account: string;
  member_id: string;
  money_amount: number | null;
  currency: string;
  program_id: string;
  program_version: number;
  earn_rate_points: number | null;
  earn_rate_per: number | null;
  local_time: string;
  detail: string;
}

interface TransactionTemplate {
  readonly request: string;
  readonly record: string;
  readonly result: string;
  readonly requestHash: string;
  readonly transfers: readonly (TransferRow & { readonly lots: readonly { expires_at: number | null }[] })[];
}

/** The rows a real checkout wrote, used as the raw loop's fixed strings (same sizes, same shapes). */
function template(db: SqliteDatabase, txnId: string): TransactionTemplate {
  const txn = db.prepare(`SELECT id, request, record, result, request_hash FROM transactions WHERE kind = 'checkout' AND txn_id = ?`).get(txnId) as
    | { id: string; request: string; record: string; result: string; request_hash: string }
    | undefined;
  if (!txn) throw new Error(`probe checkout ${txnId} is not in the ledger`);
  const transfers = (db.prepare('SELECT * FROM transfers WHERE transaction_id = ? ORDER BY seq').all(txn.id) as TransferRow[]).map((t) => ({
    ...t,
    lots: db.prepare('SELECT expires_at FROM lots WHERE transfer_id = ?').all(t.id) as { expires_at: number | null }[],
  }));
  return { request: txn.request, record: txn.record, result: txn.result, requestHash: txn.request_hash, transfers };
}

function copyTables(from: SqliteDatabase, to: SqliteDatabase, tables: readonly string[]): void {
  to.transaction(() => {
    for (const table of tables) {
      const rows = from.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
      const first = rows[0];
      if (!first) continue;
      const columns = Object.keys(first);
      const insert = to.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
      for (const row of rows) insert.run(row);
    }
  }).immediate();
}

/** One raw iteration's precomputed statement arguments, in statement order. */
interface RawIteration {
  readonly transaction: readonly unknown[];
  readonly outboxTransaction: readonly unknown[];
  readonly transfers: readonly {
    readonly row: readonly unknown[];
    readonly debit: readonly [number, string];
    readonly credit: readonly [number, string];
    readonly lots: readonly (readonly unknown[])[];
    readonly outbox: readonly unknown[];
  }[];
  readonly nextSeq: number;
}

export interface CheckoutBenchOptions {
  readonly checkouts: number;
  readonly members: number;
  readonly warmup: number;
  /** Earlier checkouts of one regular customer (about 5 visits a week for two years at 500). */
  readonly history: number;
}

export function checkoutOptions(): CheckoutBenchOptions {
  return {
    checkouts: envInt('TALLY_BENCH_CHECKOUTS', 5_000),
    members: envInt('TALLY_BENCH_CHECKOUT_MEMBERS', 1_000),
    warmup: envInt('TALLY_BENCH_WARMUP', 500),
    history: envInt('TALLY_BENCH_HISTORY', 500),
  };
}

function timingLine(label: string, n: number, elapsedNs: bigint, l: Latency): string {
  const perSecond = n / (Number(elapsedNs) / 1e9);
  return `${label}: ${count(perSecond)}/s over ${count(n)} (p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, max ${ms(l.max)}, mean ${ms(l.mean)})`;
}

/** The raw loop: prepared statements on the raw file, one IMMEDIATE transaction per precomputed iteration. */
function rawCommitter(raw: SqliteDatabase): (it: RawIteration) => void {
  const insertTransaction = raw.prepare(
    `INSERT INTO transactions (id, store_id, terminal_id, kind, txn_id, member_id, original_id, request_hash, request, record, result, cashier, created_at)
     VALUES (?, ?, ?, 'checkout', ?, ?, NULL, ?, ?, ?, ?, NULL, ?)`,
  );
  const insertTransfer = raw.prepare(
    `INSERT INTO transfers (id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, member_id, business_key,
       period_kind, period, transaction_id, store_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version,
       earn_rate_points, earn_rate_per, effective_at, booked_at, local_time, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const debitAccount = raw.prepare('UPDATE accounts SET balance = balance - ? WHERE id = ?');
  const creditAccount = raw.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?');
  const insertLot = raw.prepare('INSERT INTO lots (id, member_id, transfer_id, points, remaining, earned_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertOutbox = raw.prepare('INSERT INTO outbox (entity, entity_id, entity_version, created_at) VALUES (?, ?, NULL, ?)');
  const updateSeq = raw.prepare('UPDATE terminal SET next_seq = ? WHERE singleton = 1');
  const commit = raw.transaction((it: RawIteration) => {
    insertTransaction.run(it.transaction);
    insertOutbox.run(it.outboxTransaction);
    for (const t of it.transfers) {
      insertTransfer.run(t.row);
      debitAccount.run(t.debit);
      creditAccount.run(t.credit);
      for (const lot of t.lots) insertLot.run(lot);
      insertOutbox.run(t.outbox);
    }
    updateSeq.run(it.nextSeq);
  });
  return (it) => commit.immediate(it);
}

/** Precomputes every argument of the raw iterations: the timed loop only binds and steps. */
function rawIterations(
  raw: SqliteDatabase,
  shape: TransactionTemplate,
  probeMember: string,
  memberIds: readonly string[],
  sales: readonly { readonly txnId: string; readonly member: number; readonly amount: number }[],
  startInstant: number,
): RawIteration[] {
  const idRandom = seededRandom(SEED + 2);
  const { epoch } = raw.prepare('SELECT epoch FROM terminal WHERE singleton = 1').get() as { epoch: number };
  let seq = raw.prepare('SELECT next_seq FROM terminal WHERE singleton = 1').pluck().get() as number;
  let instant = startInstant;
  return sales.map(({ txnId, member, amount }) => {
    instant += 1;
    const memberId = memberIds[member]!;
    const swap = (account: string): string => account.replace(probeMember, memberId);
    const transactionId = fakeUuidV7(instant, idRandom);
    const transfers = shape.transfers.map((t) => {
      const id = fakeUuidV7(instant, idRandom);
      const points =
        t.kind === 'earn' && t.earn_rate_points !== null && t.earn_rate_per !== null ? Math.floor((amount * t.earn_rate_points) / t.earn_rate_per) : t.kind === 'qualifying-spend' ? amount : t.amount;
      const row = [
        id,
        TERMINAL,
        epoch,
        seq,
        t.kind,
        t.unit,
        points,
        swap(t.debit_account),
        swap(t.credit_account),
        memberId,
        `t:${STORE}:${TERMINAL}:${txnId}:${t.kind}`,
        transactionId,
        STORE,
        txnId,
        amount,
        t.currency,
        t.program_id,
        t.program_version,
        t.earn_rate_points,
        t.earn_rate_per,
        instant,
        instant,
        t.local_time,
        t.detail,
      ];
      seq += 1;
      return {
        row,
        debit: [points, swap(t.debit_account)] as const,
        credit: [points, swap(t.credit_account)] as const,
        lots: t.lots.map((lot, i) => [`${id}:${i}`, memberId, id, points, points, instant, lot.expires_at]),
        outbox: ['transfer', id, instant],
      };
    });
    return {
      transaction: [transactionId, STORE, TERMINAL, txnId, memberId, shape.requestHash, shape.request, shape.record, shape.result, instant],
      outboxTransaction: ['transaction', transactionId, instant],
      transfers,
      nextSeq: seq,
    };
  });
}

export function runCheckoutBench(options: CheckoutBenchOptions = checkoutOptions()): BenchResult[] {
  const { checkouts: n, members: memberCount, warmup, history } = options;
  const temp = tempDir('tally-bench-checkout-');
  let ledger: Ledger | undefined;
  let raw: SqliteDatabase | undefined;
  try {
    log(`== checkout: ${count(n)} durable checkouts vs raw inserts of the same rows (${count(memberCount)} members, ${count(warmup)} warm-up each)`);
    log(`   files in ${temp.dir} on ${filesystemOf(temp.dir)}`);
    const clock = benchClock();
    ledger = Ledger.init(join(temp.dir, 'checkout.db'), {
      demo: true,
      storeId: STORE,
      terminalId: TERMINAL,
      timeZone: 'Asia/Seoul',
      programText: programText('classic-krw'),
      programSource: 'classic-krw.json',
      now: clock(),
    });
    const service = new LoyaltyService(ledger, { clock });
    const db = ledger.db;
    log(`   pragmas: journal_mode=${String(db.pragma('journal_mode', { simple: true }))}, synchronous=${String(db.pragma('synchronous', { simple: true }))} (2 = FULL), foreign_keys=${String(db.pragma('foreign_keys', { simple: true }))}`);

    // Members, through the real enrolment path (each one a durable commit too).
    let started = process.hrtime.bigint();
    for (let i = 0; i < memberCount; i += 1) service.enrol({ cards: [cardCode(i)], marketingConsent: i % 3 === 0 });
    const enrolNs = process.hrtime.bigint() - started;
    log(`   enrolled ${count(memberCount)} members in ${ms(Number(enrolNs) / 1e6)} (${count(memberCount / (Number(enrolNs) / 1e9))} enrolments/s); RSS ${mib(rss())}`);
    const memberIdOf = db.prepare('SELECT member_id FROM card_codes WHERE code = ?').pluck();
    const memberIds = Array.from({ length: memberCount }, (_, i) => memberIdOf.get(cardCode(i)) as string);

    // The raw file: same openDatabase (schema, WAL, synchronous=FULL, foreign keys, triggers), same members and accounts.
    raw = openDatabase(join(temp.dir, 'raw.db'), { mode: 'create' });
    copyTables(db, raw, ['terminal', 'programs', 'members', 'card_codes', 'accounts']);
    log(`   raw file: same openDatabase (journal_mode=${String(raw.pragma('journal_mode', { simple: true }))}, synchronous=${String(raw.pragma('synchronous', { simple: true }))}), the same ${count(memberCount)} members and their accounts copied in`);

    // One member/amount sequence drives both loops. KRW has no minor unit: 1,000 to 200,000 won in
    // steps of 100, so every sale earns (1 point per 1,000).
    const random = seededRandom(SEED);
    const sale = (txnId: string): { txnId: string; member: number; amount: number } => ({ txnId, member: randomInt(random, 0, memberCount - 1), amount: randomInt(random, 10, 2_000) * 100 });
    const warm = Array.from({ length: warmup }, (_, i) => sale(`W-${i}`));
    const probe = sale('P-0');
    const timed = Array.from({ length: n }, (_, i) => sale(`C-${i}`));

    const checkout = (txnId: string, member: number, amount: number): void => {
      const result = service.checkout({ card: cardCode(member), txnId, basket: service.amountBasket(amount) });
      if (result.replayed || result.earned <= 0) throw new Error(`checkout ${txnId} did not book as expected`);
    };
    const walSample = Math.min(WAL_SAMPLE, warmup);
    for (const w of warm.slice(0, warmup - walSample)) checkout(w.txnId, w.member, w.amount);
    const realWalPages = walPagesPerCommit(db, warm.slice(warmup - walSample).map((w) => () => checkout(w.txnId, w.member, w.amount)));

    // What one plain checkout writes, counted from the file; its rows are the raw loop's template.
    const beforeProbe = snapshot(db);
    checkout(probe.txnId, probe.member, probe.amount);
    const realDelta = delta(beforeProbe, snapshot(db));
    const shape = template(db, probe.txnId);
    log(`   one checkout writes:    ${describeDelta(realDelta)}`);

    const commitRaw = rawCommitter(raw);
    const [rawProbe, ...rawRest] = rawIterations(raw, shape, memberIds[probe.member]!, memberIds, [probe, ...warm, ...timed], clock());
    const rawWarm = rawRest.slice(0, warmup);
    const rawTimed = rawRest.slice(warmup);
    const beforeRaw = snapshot(raw);
    commitRaw(rawProbe!);
    const rawDelta = delta(beforeRaw, snapshot(raw));
    const fair = sameDelta(realDelta, rawDelta);
    log(`   one raw commit writes:  ${describeDelta(rawDelta)}`);
    log(`   row counts per commit ${fair ? 'MATCH' : 'DIFFER — the comparison below is NOT like for like'}`);
    log(
      `   fixed strings per raw commit (copied from that checkout): request ${shape.request.length} B, record ${shape.record.length} B, result ${shape.result.length} B, transfer details ${shape.transfers.map((t) => `${t.detail.length} B`).join(' + ')}`,
    );
    for (const it of rawWarm.slice(0, warmup - walSample)) commitRaw(it);
    const rawWalPages = walPagesPerCommit(raw, rawWarm.slice(warmup - walSample).map((it) => () => commitRaw(it)));
    log(`   pages appended to the WAL per commit (mean of the last ${walSample} warm-up commits): checkout ${realWalPages.toFixed(1)}, raw ${rawWalPages.toFixed(1)}`);

    // Interleaved blocks: both loops see the same disk and the same page-cache weather.
    const checkoutSamples = new BigUint64Array(n);
    const rawSamples = new BigUint64Array(n);
    let checkoutNs = 0n;
    let rawNs = 0n;
    for (let from = 0; from < n; from += BLOCK) {
      const to = Math.min(n, from + BLOCK);
      let blockStart = process.hrtime.bigint();
      for (let i = from; i < to; i += 1) {
        const { txnId, member, amount } = timed[i]!;
        const t0 = process.hrtime.bigint();
        checkout(txnId, member, amount);
        checkoutSamples[i] = process.hrtime.bigint() - t0;
      }
      checkoutNs += process.hrtime.bigint() - blockStart;
      blockStart = process.hrtime.bigint();
      for (let i = from; i < to; i += 1) {
        const it = rawTimed[i]!;
        const t0 = process.hrtime.bigint();
        commitRaw(it);
        rawSamples[i] = process.hrtime.bigint() - t0;
      }
      rawNs += process.hrtime.bigint() - blockStart;
      // Between blocks, as a terminal host does when the counter is idle: the WAL goes back into
      // the database file outside any checkout (the ledger turns automatic checkpoints off).
      ledger.checkpoint();
      raw.pragma('wal_checkpoint(PASSIVE)');
    }
    const checkoutLatency = latency(checkoutSamples);
    const rawLatency = latency(rawSamples);
    const checkoutsPerSecond = n / (Number(checkoutNs) / 1e9);
    const rawPerSecond = n / (Number(rawNs) / 1e9);
    const ratio = checkoutsPerSecond / rawPerSecond;
    log(`   timed in interleaved blocks of ${count(BLOCK)} (checkouts, then raw commits, …), WAL checkpointed between blocks (untimed, as on an idle counter):`);
    log(`   ${timingLine('checkout', n, checkoutNs, checkoutLatency)}`);
    log(`   ${timingLine('raw     ', n, rawNs, rawLatency)}`);
    log(`   ratio checkouts/s ÷ raw commits/s = ${ratio.toFixed(2)}; service cost per checkout on top of the same durable write ≈ ${ms(checkoutLatency.mean - rawLatency.mean)} (mean ${ms(checkoutLatency.mean)} − ${ms(rawLatency.mean)})`);
    const report = service.verify();
    log(
      `   verify after the run: ${report.ok ? 'ok' : `PROBLEMS: ${report.problems.slice(0, 3).join('; ')}`} (${count(report.counts.transfers)} transfers, ${count(report.counts.lots)} lots, ${count(report.counts.outboxPending)} outbox rows pending)`,
    );
    const rssTimed = rss();
    log(`   RSS after checkouts and raw commits: ${mib(rssTimed)}`);

    // Cost of member history: every checkout and summary loads the member's open lots and spend rows.
    const regularCard = cardCode(memberCount);
    service.enrol({ cards: [regularCard] });
    started = process.hrtime.bigint();
    for (let i = 0; i < history; i += 1) checkout(`H-${i}`, memberCount, 15_000);
    const historyNs = process.hrtime.bigint() - started;
    const regularSummary = new BigUint64Array(HISTORY_SAMPLES);
    for (let i = 0; i < HISTORY_SAMPLES; i += 1) {
      const t0 = process.hrtime.bigint();
      service.member(regularCard);
      regularSummary[i] = process.hrtime.bigint() - t0;
    }
    const regularCheckout = new BigUint64Array(HISTORY_SAMPLES);
    for (let i = 0; i < HISTORY_SAMPLES; i += 1) {
      const t0 = process.hrtime.bigint();
      checkout(`H-${history + i}`, memberCount, 15_000);
      regularCheckout[i] = process.hrtime.bigint() - t0;
    }
    const summaryLatency = latency(regularSummary);
    const regularLatency = latency(regularCheckout);
    log(
      `   one regular with ${count(history)} earlier checkouts (built in ${ms(Number(historyNs) / 1e6)}): checkout p50 ${ms(regularLatency.p50)} / p99 ${ms(regularLatency.p99)}, service.member p50 ${ms(summaryLatency.p50)} / p99 ${ms(summaryLatency.p99)} (${HISTORY_SAMPLES} each)`,
    );
    const rssHistory = rss();
    log(`   RSS after the regular: ${mib(rssHistory)}`);
    log();

    return [
      { name: 'checkout: durable checkouts/s', figure: `${count(checkoutsPerSecond)}/s`, target: '', pass: null },
      { name: 'checkout: p50 latency', figure: ms(checkoutLatency.p50), target: '', pass: null },
      { name: 'checkout: p99 latency', figure: ms(checkoutLatency.p99), target: '< 5 ms', pass: checkoutLatency.p99 < 5 },
      { name: 'checkout: max latency', figure: ms(checkoutLatency.max), target: '', pass: null },
      { name: 'raw: durable commits/s (same rows)', figure: `${count(rawPerSecond)}/s`, target: '', pass: null },
      { name: 'raw: p50 / p99 latency', figure: `${ms(rawLatency.p50)} / ${ms(rawLatency.p99)}`, target: '', pass: null },
      { name: 'raw: rows per commit match checkout', figure: fair ? 'yes' : 'NO', target: 'yes', pass: fair },
      { name: 'checkout: ratio to raw', figure: ratio.toFixed(2), target: '≥ 0.5', pass: ratio >= 0.5 },
      { name: `checkout: p50 / p99, member with ${count(history)} earlier`, figure: `${ms(regularLatency.p50)} / ${ms(regularLatency.p99)}`, target: '', pass: null },
      { name: 'service.member: p50 / p99, same member', figure: `${ms(summaryLatency.p50)} / ${ms(summaryLatency.p99)}`, target: '', pass: null },
      { name: 'checkout: RSS after timed phase', figure: mib(rssTimed), target: '', pass: null },
      { name: 'checkout: RSS after regular member', figure: mib(rssHistory), target: '', pass: null },
    ];
  } finally {
    raw?.close();
    ledger?.close();
    temp.cleanup();
  }
}

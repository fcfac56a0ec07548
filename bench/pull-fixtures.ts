/**
 * The server the pull benchmark pulls from: N members spread over the counters of 20 stores, each
 * as a counter pushes an enrolment under the sporting-goods program — the member record (one card;
 * some with a name, phone, e-mail, birthday), the enrolment transaction, and its welcome transfer
 * with the lot it opens — followed by TALLY_BENCH_PULL_CHECKOUTS visits (each a checkout transaction,
 * its earn transfer with a lot and its qualifying-spend transfer). The shapes (request, record and
 * result of each transaction, transfer details, the welcome's id derived from its key) copy what
 * `LoyaltyService` writes; they are built here directly, since a million real enrolments through the
 * counter path would take far longer than the pull being measured.
 *
 * The rows go into the server's SQLite file the way `SqliteServerStore.push` writes a batch of new
 * entries, one counter's batch of MAX_PUSH_ITEMS at a time, counters taking turns — the same rows,
 * identity hashes and order, so the change log its triggers fill is the one real pushes leave
 * (checked against `store.push` itself with TALLY_BENCH_PULL_VIA_PUSH=1 at a small N: identical
 * tables). `store.push` is not used for the millions because a new member's push deletes from
 * `card_index` by member_id, which has no index: each push scans the whole card index.
 *
 * The result is a `tally-server` data folder (keys and program from `tally-server init`, the SQLite
 * file), cached under the bench directory keyed by N, the checkouts and FORMAT.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_PUSH_ITEMS, type PushItem, type SyncMember, type SyncTransaction, type SyncTransfer } from '../src/contract/sync.js';
import { deterministicUuid } from '../src/core/ids.js';
import { ACCOUNTS, memberAccount, memberSpendAccount, periodKeyText, transactionKeyText } from '../src/core/ledger-model.js';
import { sqlitePath } from '../src/server/cli/files.js';
import { balanceDeltas, distinctCards, sortBatch } from '../src/server/store/push-plan.js';
import { openServerSqlite, type SqliteDatabase, type SqliteStatement } from '../src/server/store/sqlite/driver.js';
import { openSqliteServerStore } from '../src/server/store/sqlite/sqlite-store.js';
import type { PushBatch } from '../src/server/store/store.js';
import { cardCode, count, fakeUuidV7, log, ms, programText, REPO, seededRandom } from './lib.js';

/** Bump when the generated data changes: a cache of another format is rebuilt, not reused. */
const FORMAT = 1;
export const PULL_PROGRAM = 'sporting-goods-usd';
export const PULL_TIME_ZONE = 'America/New_York';
const STORES = 20;
const COUNTERS_PER_STORE = 2;
/** The store whose new terminal pulls: a twentieth of the members are its own (it gets their phone and e-mail). */
export const PULL_STORE = 'S01';
export const PULL_TERMINAL = 'PULL';
/** Members enrolled from this instant on, one every 30 s (a million span about a year). */
const START = Date.UTC(2024, 2, 4, 14, 0, 0);
const SPACING_MS = 30_000;
/** Entries one member brings: the member, the enrolment and its welcome transfer, and 3 per checkout. */
export const entriesPerMember = (checkouts: number): number => 3 + 3 * checkouts;

export interface PullFixture {
  readonly format: number;
  readonly members: number;
  /** Checkouts per member after the enrolment. */
  readonly checkouts: number;
  readonly entries: number;
  readonly stores: number;
  readonly counters: number;
  readonly transactions: number;
  readonly transfers: number;
  readonly lots: number;
  readonly pushes: number;
  /** Sum of every member's points and spend, for the terminal to match after its pull. */
  readonly points: number;
  readonly spend: number;
  /** Members of PULL_STORE (their contact details reach the pulling terminal). */
  readonly homeMembers: number;
  readonly buildSeconds: number;
  readonly fileBytes: number;
}

export interface FixtureFolder {
  readonly dataDir: string;
  readonly fixture: PullFixture;
  readonly cached: boolean;
}

const storeId = (s: number): string => `S${String(s + 1).padStart(2, '0')}`;
const counterId = (s: number, c: number): string => `${storeId(s)}-T${c + 1}`;

const FIRST = ['Minji', 'Jiho', 'Seoyeon', 'Daniel', 'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Lucas', 'Mia', 'Ethan'];
const LAST = ['Kim', 'Lee', 'Park', 'Smith', 'Johnson', 'Garcia', 'Brown', 'Davis', 'Miller', 'Wilson'];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A per-member QR reference: unique (the terminal indexes it), 16 base64url characters. */
function qrRef(index: number, random: () => number): string {
  let out = '';
  let n = index;
  for (let i = 0; i < 6; i += 1) {
    out += B64[n % 64];
    n = Math.floor(n / 64);
  }
  while (out.length < 16) out += B64[Math.floor(random() * 64)];
  return out;
}

function hex64(random: () => number): string {
  let out = '';
  while (out.length < 64) out += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return out;
}

function localTime(at: number): string {
  // The program's zone at the bench's dates is within a day of UTC−5: written as the counter writes it.
  return new Date(at - 5 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '-05:00');
}

interface Counter {
  readonly storeId: string;
  readonly terminalId: string;
  nextSeq: number;
  nextTxn: number;
}

interface MemberItems {
  readonly items: PushItem[];
  readonly points: number;
  readonly spend: number;
}

const WELCOME_POINTS = 100;

/**
 * One member's enrolment — the member record, the enrolment transaction and its welcome transfer
 * with the lot it opens — and `checkouts` visits after it (each a checkout transaction, its earn
 * transfer with a lot and its qualifying-spend transfer), as a counter's outbox sends them.
 */
function memberItems(index: number, counter: Counter, random: () => number, checkouts: number): MemberItems {
  const enrolledAt = START + index * SPACING_MS;
  const memberId = fakeUuidV7(enrolledAt, random);
  const card = cardCode(index + 1);
  const masked = `*********${card.slice(-4)}`;
  const consent = index % 3 === 0;
  const named = random() < 0.6;
  const expiry = (at: number): number => Date.UTC(new Date(at).getUTCFullYear() + 1, 11, 31, 5, 0, 0);
  const member: SyncMember = {
    id: memberId,
    version: 1,
    name: named ? `${FIRST[index % FIRST.length]} ${LAST[Math.floor(index / FIRST.length) % LAST.length]}` : null,
    phone: random() < 0.5 ? `+1-555-${String(index % 10_000_000).padStart(7, '0')}` : null,
    email: random() < 0.3 ? `member${index}@example.com` : null,
    birthday: random() < 0.4 ? `19${60 + (index % 40)}-${String(1 + (index % 12)).padStart(2, '0')}-${String(1 + (index % 28)).padStart(2, '0')}` : null,
    marketingConsent: consent,
    enrolledAt,
    enrolledBy: counter.terminalId,
    qrRef: qrRef(index, random),
    pinHash: null,
    erasedAt: null,
    updatedAt: enrolledAt,
    cards: [card],
  };
  const common = {
    storeId: counter.storeId,
    terminalId: counter.terminalId,
    epoch: 1,
    memberId,
    cashier: null,
    currency: 'USD',
    programId: PULL_PROGRAM,
    programVersion: 1,
    lotsDrawn: [],
  };

  const enrolTxnId = `enrol:${memberId}`;
  const enrolmentId = fakeUuidV7(enrolledAt, random);
  // A once-only credit: its id comes from its business key, as every terminal derives it.
  const welcomeKey = periodKeyText(memberId, 'welcome', 'once');
  const welcomeId = deterministicUuid(welcomeKey);
  const welcomeSeq = counter.nextSeq;
  counter.nextSeq += 1;
  const enrolment: SyncTransaction = {
    id: enrolmentId,
    storeId: counter.storeId,
    terminalId: counter.terminalId,
    kind: 'enrolment',
    txnId: enrolTxnId,
    memberId,
    originalId: null,
    requestHash: hex64(random),
    request: { cards: [masked], marketingConsent: consent, pin: false },
    record: { memberId, cards: 1 },
    result: { txnId: enrolTxnId, memberId, balance: WELCOME_POINTS, transfers: [{ id: welcomeId, kind: 'welcome', unit: 'points', amount: WELCOME_POINTS, seq: welcomeSeq }], replayed: false, welcomePoints: WELCOME_POINTS },
    cashier: null,
    createdAt: enrolledAt,
  };
  const welcome: SyncTransfer = {
    ...common,
    id: welcomeId,
    seq: welcomeSeq,
    kind: 'welcome',
    unit: 'points',
    amount: WELCOME_POINTS,
    debitAccount: ACCOUNTS.issuance,
    creditAccount: memberAccount(memberId),
    businessKey: welcomeKey,
    periodKind: 'welcome',
    period: 'once',
    transactionId: enrolmentId,
    posTxnId: enrolTxnId,
    moneyAmount: null,
    earnRatePoints: null,
    earnRatePer: null,
    effectiveAt: enrolledAt,
    bookedAt: enrolledAt,
    localTime: localTime(enrolledAt),
    detail: {},
    lotsGranted: [{ id: `${welcomeId}:0`, points: WELCOME_POINTS, earnedAt: enrolledAt, expiresAt: expiry(enrolledAt) }],
    lotsDrawn: [],
  };
  const items: PushItem[] = [
    { entity: 'member', member },
    { entity: 'transaction', transaction: enrolment },
    { entity: 'transfer', transfer: welcome },
  ];

  let balance = WELCOME_POINTS;
  let spent = 0;
  for (let visit = 0; visit < checkouts; visit += 1) {
    const paidAt = enrolledAt + 45_000 + visit * 86_400_000 + Math.floor(random() * 60_000);
    counter.nextTxn += 1;
    const txnId = `${counter.terminalId}-${counter.nextTxn}`;
    const amount = (5 + Math.floor(random() * 396)) * 100;
    const base = Math.floor(amount / 100);
    const threshold = amount >= 20_000 ? 50 : 0;
    const points = base + threshold;
    const components = threshold > 0 ? [{ kind: 'base', points: base }, { kind: 'spend-threshold', minimumSpend: 20_000, points: threshold }] : [{ kind: 'base', points: base }];
    const earnId = fakeUuidV7(paidAt, random);
    const spendId = fakeUuidV7(paidAt, random);
    const checkoutId = fakeUuidV7(paidAt, random);
    const expiresAt = expiry(paidAt);
    const earnSeq = counter.nextSeq;
    const spendSeq = counter.nextSeq + 1;
    counter.nextSeq += 2;
    const spendBefore = spent;
    balance += points;
    spent += amount;
    const tier = (total: number): { tier: string; nextTier: string; spendToNext: number } =>
      total >= 25_000 ? { tier: 'silver', nextTier: 'gold', spendToNext: Math.max(0, 50_000 - total) } : { tier: 'bronze', nextTier: 'silver', spendToNext: 25_000 - total };
    const checkout: SyncTransaction = {
      id: checkoutId,
      storeId: counter.storeId,
      terminalId: counter.terminalId,
      kind: 'checkout',
      txnId,
      memberId,
      originalId: null,
      requestHash: hex64(random),
      request: { card: masked, txnId, basket: { currency: 'USD', lines: [{ sku: 'AMOUNT', quantity: 1, unitPrice: amount, discount: 0, category: 'general', taxable: true }], tax: { amount: 0, included: true } } },
      record: {
        txnId,
        memberId,
        at: paidAt,
        currency: 'USD',
        amountDue: amount,
        eligibleSpend: amount,
        lines: [{ sku: 'AMOUNT', category: 'general', quantity: 1, paid: amount, eligible: amount }],
        earned: [{ transferId: earnId, points }],
        redeemed: null,
        membershipSale: null,
        programId: PULL_PROGRAM,
        programVersion: 1,
      },
      result: {
        txnId,
        memberId,
        balance,
        transfers: [
          { id: earnId, kind: 'earn', unit: 'points', amount: points, seq: earnSeq },
          { id: spendId, kind: 'qualifying-spend', unit: 'money', amount, seq: spendSeq },
        ],
        replayed: false,
        amountDue: amount,
        currency: 'USD',
        discounts: [],
        earned: points,
        earn: { points, components, memberBonusDayPoints: 0, belowMinimum: false, rate: { points: 1, per: 100 } },
        redeemed: null,
        tierBefore: { ...tier(spendBefore), qualifyingSpend: spendBefore, periodEnd: expiresAt },
        tier: { ...tier(spent), qualifyingSpend: spent, periodEnd: expiresAt },
        membership: null,
        expiringSoon: [],
        storeBonusDay: null,
      },
      cashier: null,
      createdAt: paidAt,
    };
    const sale = { ...common, periodKind: null, period: null, transactionId: checkoutId, posTxnId: txnId, moneyAmount: amount, effectiveAt: paidAt, bookedAt: paidAt, localTime: localTime(paidAt) };
    const earn: SyncTransfer = {
      ...sale,
      id: earnId,
      seq: earnSeq,
      kind: 'earn',
      unit: 'points',
      amount: points,
      debitAccount: ACCOUNTS.issuance,
      creditAccount: memberAccount(memberId),
      businessKey: transactionKeyText(counter.storeId, counter.terminalId, txnId, 'earn'),
      earnRatePoints: 1,
      earnRatePer: 100,
      detail: { txnId, eligibleSpend: amount, components },
      lotsGranted: [{ id: `${earnId}:0`, points, earnedAt: paidAt, expiresAt }],
      lotsDrawn: [],
    };
    const qualifying: SyncTransfer = {
      ...sale,
      id: spendId,
      seq: spendSeq,
      kind: 'qualifying-spend',
      unit: 'money',
      amount,
      debitAccount: ACCOUNTS.sales,
      creditAccount: memberSpendAccount(memberId),
      businessKey: transactionKeyText(counter.storeId, counter.terminalId, txnId, 'qualifying-spend'),
      earnRatePoints: null,
      earnRatePer: null,
      detail: { txnId },
      lotsGranted: [],
      lotsDrawn: [],
    };
    items.push({ entity: 'transaction', transaction: checkout }, { entity: 'transfer', transfer: earn }, { entity: 'transfer', transfer: qualifying });
  }
  return { items, points: balance, spend: spent };
}

function tallyServer(dataDir: string, args: readonly string[]): string {
  const env = { ...process.env };
  delete env['DATABASE_URL'];
  delete env['TALLY_SERVER_DATA'];
  const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally-server.js'), '--data', dataDir, '--json', ...args], { encoding: 'utf8', env, timeout: 120_000 });
  if (run.status !== 0) throw new Error(`tally-server ${args.join(' ')} exited ${run.status}: ${run.stderr}${run.stdout}`);
  return run.stdout;
}

/** A one-time enrolment code for the pulling terminal (the real admin command). */
export function enrolmentCode(dataDir: string): string {
  const out = JSON.parse(tallyServer(dataDir, ['terminal', 'code', '--store', PULL_STORE, '--terminal', PULL_TERMINAL])) as { code: string };
  return out.code;
}

type Param = string | number | Buffer | null;

/**
 * Writes one batch the way `SqliteServerStore.push` does for a batch of new entries — the same
 * rows, columns, identity hashes and order (transactions, transfers each with its lots, member
 * balances, members with their cards, the counter's sequence), so the change log the triggers fill
 * is the one a real push leaves — without the per-item lookups a push needs for resends and
 * conflicts. `TALLY_BENCH_PULL_VIA_PUSH=1` builds through `store.push` itself instead (slow: use a
 * small N to compare the two).
 */
class DirectWriter {
  private readonly statements: Record<'transaction' | 'transfer' | 'lot' | 'balance' | 'member' | 'card' | 'cardIndex' | 'sequence', SqliteStatement>;

  constructor(private readonly db: SqliteDatabase) {
    this.statements = {
      transaction: db.prepare(
        `INSERT INTO transactions (member_id, id, store_id, terminal_id, kind, txn_id, original_id, request_hash, request, record, result, cashier, created_at, identity_hash, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      transfer: db.prepare(
        `INSERT INTO transfers (member_id, id, store_id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, business_key,
           period_kind, period, transaction_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version,
           earn_rate_points, earn_rate_per, effective_at, booked_at, local_time, detail, identity_hash, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      lot: db.prepare('INSERT INTO lots (member_id, id, transfer_id, points, remaining, earned_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      balance: db.prepare('INSERT INTO member_balances (member_id, account, balance) VALUES (?, ?, ?) ON CONFLICT (member_id, account) DO UPDATE SET balance = balance + excluded.balance'),
      member: db.prepare('INSERT INTO members (member_id, version, name, erased_at, updated_at, identity_hash, record, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      card: db.prepare('INSERT INTO member_cards (member_id, code, position) VALUES (?, ?, ?)'),
      cardIndex: db.prepare('INSERT INTO card_index (code, member_id) VALUES (?, ?)'),
      sequence: db.prepare(
        `INSERT INTO terminal_sequences (store_id, terminal_id, epoch, last_seq, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (store_id, terminal_id, epoch) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at`,
      ),
    };
  }

  write(batch: PushBatch): void {
    const s = this.statements;
    const sorted = sortBatch(batch);
    const run = (statement: SqliteStatement, ...params: Param[]): void => {
      statement.run(...params);
    };
    this.db.transaction(() => {
      for (const { item: t, identity } of sorted.transactions) {
        run(s.transaction, t.memberId, t.id, t.storeId, t.terminalId, t.kind, t.txnId, t.originalId, t.requestHash, JSON.stringify(t.request ?? null), JSON.stringify(t.record ?? null), JSON.stringify(t.result ?? null), t.cashier, t.createdAt, identity, batch.now);
      }
      for (const { item: t, identity } of sorted.transfers) {
        run(
          s.transfer,
          t.memberId, t.id, t.storeId, t.terminalId, t.epoch, t.seq, t.kind, t.unit, t.amount, t.debitAccount, t.creditAccount, t.businessKey,
          t.periodKind, t.period, t.transactionId, t.posTxnId, t.cashier, t.moneyAmount, t.currency, t.programId, t.programVersion,
          t.earnRatePoints, t.earnRatePer, t.effectiveAt, t.bookedAt, t.localTime, JSON.stringify(t.detail), identity, batch.now,
        );
        for (const lot of t.lotsGranted) run(s.lot, t.memberId, lot.id, t.id, lot.points, lot.points, lot.earnedAt, lot.expiresAt);
      }
      for (const d of balanceDeltas(sorted.transfers.map((t) => t.item))) run(s.balance, d.memberId, d.account, d.delta);
      const members = [...sorted.members].sort((a, b) => (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0));
      for (const { item: m, identity } of members) {
        run(s.member, m.id, m.version, m.name, m.erasedAt, m.updatedAt, identity, JSON.stringify(m), batch.now);
        distinctCards(m).forEach((code, position) => {
          run(s.card, m.id, code, position);
          run(s.cardIndex, code, m.id);
        });
      }
      const last = sorted.transfers.at(-1)?.item.seq;
      if (last !== undefined) run(s.sequence, batch.storeId, batch.terminalId, batch.epoch, last, batch.now);
    })();
  }
}

async function build(dataDir: string, members: number, checkouts: number): Promise<PullFixture> {
  const started = Date.now();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // As the pull test does: the program's demo verify keys would be refused by a server with its own.
  const program = JSON.parse(programText(PULL_PROGRAM)) as { cardCodes: { verifyKeys: unknown[] } };
  program.cardCodes.verifyKeys = [];
  const programPath = join(dataDir, 'program.json');
  writeFileSync(programPath, JSON.stringify(program));
  tallyServer(dataDir, ['init', '--program', programPath]);
  const viaPush = process.env['TALLY_BENCH_PULL_VIA_PUSH'] === '1';
  const store = await openSqliteServerStore(sqlitePath(dataDir));
  const counters: Counter[] = [];
  for (let s = 0; s < STORES; s += 1) {
    await store.createStore({ id: storeId(s), name: `Store ${s + 1}`, timeZone: PULL_TIME_ZONE, createdAt: START - 86_400_000 });
    for (let c = 0; c < COUNTERS_PER_STORE; c += 1) counters.push({ storeId: storeId(s), terminalId: counterId(s, c), nextSeq: 1, nextTxn: 0 });
  }
  let db: SqliteDatabase | undefined;
  let direct: DirectWriter | undefined;
  if (!viaPush) {
    await store.close();
    db = openServerSqlite(sqlitePath(dataDir));
    // A fixture, not a server's commits: no fsync per batch (the file is checkpointed and closed at the end).
    db.pragma('synchronous = OFF');
    direct = new DirectWriter(db);
  }
  const random = seededRandom(20250904 + members);
  let points = 0;
  let spend = 0;
  let pushes = 0;
  let homeMembers = 0;
  try {
    let lastReport = Date.now();
    // A counter's push is at most MAX_PUSH_ITEMS items, a member's entries never split across two.
    const perBatch = Math.max(1, Math.floor(MAX_PUSH_ITEMS / entriesPerMember(checkouts)));
    for (let first = 0, batch = 0; first < members; first += perBatch, batch += 1) {
      // Counters take turns, a batch of members each: arrival order mixes stores as a real feed does.
      const counter = counters[batch % counters.length]!;
      const fromSeq = counter.nextSeq;
      const items: PushItem[] = [];
      const last = Math.min(members, first + perBatch);
      for (let i = first; i < last; i += 1) {
        const made = memberItems(i, counter, random, checkouts);
        items.push(...made.items);
        points += made.points;
        spend += made.spend;
        if (counter.storeId === PULL_STORE) homeMembers += 1;
      }
      const pushBatch: PushBatch = { storeId: counter.storeId, terminalId: counter.terminalId, epoch: 1, fromSeq, items, now: START + last * SPACING_MS + 300_000 };
      if (direct) direct.write(pushBatch);
      else {
        const outcome = await store.push(pushBatch);
        if (!outcome.ok) throw new Error(`building the pull fixture: push refused (${outcome.message})`);
        const refused = outcome.results.filter((r) => r.status !== 'ok');
        if (refused.length > 0) throw new Error(`building the pull fixture: ${refused.length} items not applied (${refused[0]!.entity} ${refused[0]!.id}: ${refused[0]!.status})`);
      }
      pushes += 1;
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        log(`      … ${count(last)} of ${count(members)} members written (${ms(Date.now() - started)})`);
      }
    }
  } finally {
    if (db) {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    } else await store.close();
  }
  const fileBytes = ['', '-wal'].reduce((sum, suffix) => sum + (existsSync(sqlitePath(dataDir) + suffix) ? statSync(sqlitePath(dataDir) + suffix).size : 0), 0);
  return {
    format: FORMAT,
    members,
    checkouts,
    entries: members * entriesPerMember(checkouts),
    stores: STORES,
    counters: STORES * COUNTERS_PER_STORE,
    transactions: members * (1 + checkouts),
    transfers: members * (1 + 2 * checkouts),
    lots: members * (1 + checkouts),
    pushes,
    points,
    spend,
    homeMembers,
    buildSeconds: (Date.now() - started) / 1000,
    fileBytes,
  };
}

/**
 * The data folder for `members`, built now or reused from an earlier run (TALLY_BENCH_DIR or the OS
 * temp dir; TALLY_BENCH_PULL_REBUILD=1 forces a rebuild). Built beside its final name and renamed
 * when complete, so an interrupted build is never taken for a cache.
 */
export async function pullFixture(members: number, checkouts: number): Promise<FixtureFolder> {
  const root = process.env['TALLY_BENCH_DIR'] ?? tmpdir();
  const dataDir = join(root, `tally-bench-pull-${members}x${checkouts}-v${FORMAT}`);
  const marker = join(dataDir, 'fixture.json');
  if (process.env['TALLY_BENCH_PULL_REBUILD'] === '1') rmSync(dataDir, { recursive: true, force: true });
  if (existsSync(marker)) {
    const fixture = JSON.parse(readFileSync(marker, 'utf8')) as PullFixture;
    if (fixture.format === FORMAT && fixture.members === members && fixture.checkouts === checkouts) return { dataDir, fixture, cached: true };
  }
  rmSync(dataDir, { recursive: true, force: true });
  const building = `${dataDir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const fixture = await build(building, members, checkouts);
  writeFileSync(join(building, 'fixture.json'), `${JSON.stringify(fixture, null, 2)}\n`);
  renameSync(building, dataDir);
  return { dataDir, fixture, cached: false };
}

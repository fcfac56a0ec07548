/**
 * What must hold after every step of the simulation, each check a named entry of `STEP_INVARIANTS`
 * returning the problems it finds (empty: it holds), all reading one `StepView`.
 *
 * The checks read the real files (the server's SQLite store, every terminal's ledger), never a
 * model of what they should hold, except where a fact only the simulation knows is needed: which
 * debits were booked by which terminal knowing what (`world.debits`), to tell an overdraft two
 * counters made offline from one nobody should have made.
 */
import { createHash } from 'node:crypto';
import type { Row } from '../../../src/server/store/rows.js';
import { verifyLedger } from '../../../src/terminal/ledger/verify.js';
import type { SqliteDatabase } from '../../../src/terminal/ledger/sqlite.js';
import type { DebitRecord, SimTerminal, SimWorld } from './world.js';

const hash = (value: unknown): string => createHash('sha1').update(JSON.stringify(value)).digest('base64');
const str = (row: Row, key: string): string => String(row[key]);
const num = (row: Row, key: string): number => Number(row[key]);

/** The server's rows, read once per step for every check. */
export interface ServerView {
  readonly transfers: readonly Row[];
  readonly transactions: readonly Row[];
  readonly events: readonly Row[];
  readonly lots: readonly Row[];
  readonly lotDraws: readonly Row[];
  readonly resent: readonly Row[];
  readonly sequences: readonly Row[];
  readonly members: readonly Row[];
  readonly balances: readonly Row[];
  readonly alerts: readonly Row[];
  readonly changes: readonly Row[];
  readonly holds: readonly Row[];
  readonly grants: readonly Row[];
  readonly offlineSpends: readonly Row[];
  /** Transactions whose spend's hold the server posted. */
  readonly postedHolds: ReadonlySet<string>;
  /** Transactions booked under a hold that lapsed, which the server counted against their fallback offline budget. */
  readonly countedHolds: ReadonlySet<string>;
  readonly transferById: ReadonlyMap<string, Row>;
  readonly transferByKey: ReadonlyMap<string, Row>;
}

export async function readServer(world: SimWorld): Promise<ServerView> {
  // Rows typed alike on SQLite and PostgreSQL (./server.ts).
  const q = (sql: string): Promise<Row[]> => world.server.query(sql);
  const transfers = await q('SELECT * FROM transfers ORDER BY member_id, id');
  const holds = await q('SELECT * FROM holds ORDER BY member_id, id');
  const offlineSpends = await q('SELECT * FROM offline_spends ORDER BY member_id, transaction_id');
  return {
    transfers,
    transactions: await q('SELECT * FROM transactions ORDER BY member_id, id'),
    events: await q('SELECT * FROM events ORDER BY member_id, id'),
    lots: await q('SELECT * FROM lots ORDER BY member_id, id'),
    lotDraws: await q('SELECT * FROM lot_draws ORDER BY member_id, lot_id, transfer_id'),
    resent: await q('SELECT * FROM resent_transfers ORDER BY store_id, terminal_id, epoch, seq'),
    sequences: await q('SELECT * FROM terminal_sequences ORDER BY store_id, terminal_id, epoch'),
    members: await q('SELECT member_id, version, identity_hash, record FROM members ORDER BY member_id'),
    balances: await q('SELECT * FROM member_balances ORDER BY member_id, account'),
    alerts: await q('SELECT * FROM alerts ORDER BY id'),
    changes: await world.server.changeLog(),
    holds,
    grants: await q('SELECT * FROM offline_grants ORDER BY store_id, terminal_id, id'),
    offlineSpends,
    postedHolds: new Set(holds.filter((h) => h['state'] === 'posted').map((h) => str(h, 'transaction_id'))),
    countedHolds: new Set(offlineSpends.filter((s) => s['hold_id'] !== null && s['hold_id'] !== undefined).map((s) => str(s, 'transaction_id'))),
    transferById: new Map(transfers.map((t) => [str(t, 'id'), t])),
    transferByKey: new Map(transfers.map((t) => [str(t, 'business_key'), t])),
  };
}

/** What every step invariant is given. */
export interface StepView {
  readonly world: SimWorld;
  readonly server: ServerView;
  readonly history: History;
  /** Compare every row seen before with what it was (else: only that it is still there). */
  readonly full: boolean;
}

export interface Invariant {
  readonly name: string;
  readonly check: (view: StepView) => string[] | Promise<string[]>;
}

/**
 * What was seen before, to prove nothing booked is ever changed or deleted: a hash per append-only
 * row, lots' remaining points (they only shrink), member versions (they only grow), and per
 * terminal its transfers and acknowledged outbox rows (a restore resets a terminal's part, after
 * checking the restored file holds nothing the terminal did not have).
 */
export class History {
  readonly server = new Map<string, string>();
  readonly lotBooked = new Map<string, string>();
  readonly lotRemaining = new Map<string, number>();
  readonly memberVersion = new Map<string, number>();
  readonly lastSeq = new Map<string, number>();
  readonly terminalRows = new Map<string, Map<string, string>>();
  /** Every transfer row each terminal ever held, in any generation (what a backup may bring back). */
  readonly terminalEverHad = new Map<string, Map<string, Set<string>>>();
  readonly terminalAcked = new Map<string, Set<number>>();
  readonly terminalLots = new Map<string, Map<string, number>>();
  /** Alerts already reported (each is reported once). */
  alertsSeen = 0;
  /** Holds seen resolved (posted or voided), with what they were resolved to. */
  readonly holdsResolved = new Map<string, string>();
  /** Members the server ever held below zero (what offline double spends did, for the run's summary). */
  readonly negativeMembers = new Set<string>();
}

const APPEND_ONLY: readonly (readonly [keyof ServerView, (r: Row) => string])[] = [
  ['transfers', (r) => `transfer ${str(r, 'member_id')}/${str(r, 'id')}`],
  ['transactions', (r) => `transaction ${str(r, 'member_id')}/${str(r, 'id')}`],
  ['events', (r) => `event ${str(r, 'member_id')}/${str(r, 'id')}`],
  ['lotDraws', (r) => `lot draw ${str(r, 'lot_id')}<-${str(r, 'transfer_id')}`],
  ['resent', (r) => `resent ${str(r, 'terminal_id')}/${str(r, 'epoch')}/${str(r, 'seq')}`],
  ['alerts', (r) => `alert ${str(r, 'id')}`],
  ['changes', (r) => `change ${str(r, 'id')}`],
  ['grants', (r) => `offline grant ${str(r, 'terminal_id')}/${str(r, 'id')}`],
  ['offlineSpends', (r) => `offline spend ${str(r, 'transaction_id')}`],
];

/** The server never modifies or deletes a booked row; lots only shrink; member versions and sequences only grow. */
const serverAppendOnly: Invariant = {
  name: 'server: nothing booked is modified or deleted',
  check: ({ server, history, full }) => {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const [table, key] of APPEND_ONLY) {
      for (const row of server[table] as readonly Row[]) {
        const k = key(row);
        seen.add(k);
        // Buffers (identity hashes) hash by their bytes: JSON gives {type, data}.
        const before = history.server.get(k);
        if (before === undefined) history.server.set(k, hash(row));
        else if (full && before !== hash(row)) problems.push(`${k} changed on the server`);
      }
    }
    for (const k of history.server.keys()) if (!seen.has(k)) problems.push(`${k} disappeared from the server`);
    for (const lot of server.lots) {
      const k = `${str(lot, 'member_id')}/${str(lot, 'id')}`;
      const booked = hash([lot['transfer_id'], lot['points'], lot['earned_at'], lot['expires_at']]);
      const before = history.lotBooked.get(k);
      if (before === undefined) history.lotBooked.set(k, booked);
      else if (before !== booked) problems.push(`lot ${k}: its booked columns changed on the server`);
      const remaining = num(lot, 'remaining');
      const was = history.lotRemaining.get(k);
      if (was !== undefined && remaining > was) problems.push(`lot ${k}: remaining grew from ${was} to ${remaining} on the server`);
      history.lotRemaining.set(k, remaining);
    }
    const lots = new Set(server.lots.map((l) => `${str(l, 'member_id')}/${str(l, 'id')}`));
    for (const k of history.lotRemaining.keys()) if (!lots.has(k)) problems.push(`lot ${k} disappeared from the server`);
    const members = new Set<string>();
    for (const m of server.members) {
      const id = str(m, 'member_id');
      members.add(id);
      const version = num(m, 'version');
      const was = history.memberVersion.get(id);
      if (was !== undefined && version < was) problems.push(`member ${id}: version went back from ${was} to ${version} on the server`);
      history.memberVersion.set(id, version);
    }
    for (const id of history.memberVersion.keys()) if (!members.has(id)) problems.push(`member ${id} disappeared from the server`);
    for (const s of server.sequences) {
      const k = `${str(s, 'terminal_id')}/${str(s, 'epoch')}`;
      const last = num(s, 'last_seq');
      const was = history.lastSeq.get(k);
      if (was !== undefined && last < was) problems.push(`sequence ${k}: last seq went back from ${was} to ${last}`);
      history.lastSeq.set(k, last);
    }
    return problems;
  },
};

/** `verify` on the server finds nothing, except overdrawn lots, which `overdrafts` explains or not. */
const serverVerifies: Invariant = {
  name: 'server: verify (balanced units, cached balances = journal, sequences, lots)',
  check: async ({ world }) => {
    const report = await world.store.verify();
    return report.problems.filter((p) => !/: overdrawn by \d+ points$/.test(p)).map((p) => `server verify: ${p}`);
  },
};

/** Each transfer, transaction and event is on the server once: by id, and by business key. */
const appliedOnce: Invariant = {
  name: 'server: each id and business key applied once',
  check: ({ server }) => {
    const problems: string[] = [];
    const dupes = (rows: readonly Row[], key: (r: Row) => string, what: string): void => {
      const by = new Map<string, string[]>();
      for (const r of rows) by.set(key(r), [...(by.get(key(r)) ?? []), `${str(r, 'member_id')}/${str(r, 'id')}`]);
      for (const [k, ids] of by) if (ids.length > 1) problems.push(`${what} ${k} is on the server ${ids.length} times: ${ids.join(', ')}`);
    };
    dupes(server.transfers, (r) => str(r, 'id'), 'transfer id');
    dupes(server.transfers, (r) => str(r, 'business_key'), 'transfer business key');
    dupes(server.transactions, (r) => str(r, 'id'), 'transaction id');
    dupes(server.transactions, (r) => JSON.stringify([r['store_id'], r['terminal_id'], r['kind'], r['txn_id']]), 'transaction key');
    dupes(server.events, (r) => str(r, 'id'), 'event id');
    dupes(server.events, (r) => str(r, 'business_key'), 'event business key');
    return problems;
  },
};

/** Per (terminal, epoch): the transfers held plus the seqs resends used up are exactly 1 … last_seq. */
const contiguousSequences: Invariant = {
  name: 'server: per-terminal sequences contiguous',
  check: ({ server }) => {
    const problems: string[] = [];
    const seqs = new Map<string, number[]>();
    const add = (r: Row): void => {
      const k = `${str(r, 'store_id')}/${str(r, 'terminal_id')}/${str(r, 'epoch')}`;
      seqs.set(k, [...(seqs.get(k) ?? []), num(r, 'seq')]);
    };
    server.transfers.forEach(add);
    server.resent.forEach(add);
    const last = new Map(server.sequences.map((s) => [`${str(s, 'store_id')}/${str(s, 'terminal_id')}/${str(s, 'epoch')}`, num(s, 'last_seq')]));
    for (const [k, list] of seqs) {
      const sorted = [...list].sort((a, b) => a - b);
      const n = last.get(k);
      if (n === undefined) problems.push(`${k}: seqs held but no last seq recorded`);
      else if (sorted.length !== n || sorted.some((s, i) => s !== i + 1)) problems.push(`${k}: seqs ${describeSeqs(sorted)} held, last seq ${n}`);
    }
    for (const [k, n] of last) if (n > 0 && !seqs.has(k)) problems.push(`${k}: last seq ${n} but no seq held`);
    return problems;
  },
};

function describeSeqs(sorted: readonly number[]): string {
  if (sorted.length <= 12) return sorted.join(',');
  return `${sorted.slice(0, 5).join(',')}…${sorted.slice(-5).join(',')} (${sorted.length})`;
}

/**
 * No alerts but the expected ones: nothing in this simulation sends the server a contradiction (an
 * alert is worth a look each time). Expected: a member taken below zero (whether that overdraft was
 * allowed to happen is `overdrafts`' question) and a spend arriving after its hold lapsed (a push
 * held up by the network; what it does to balances is `overdrafts`' question too), and two
 * counters' concurrent edits of one member (one snapshot is kept by the order every side shares;
 * convergence checks that all hold the same one).
 */
const EXPECTED_ALERTS: ReadonlySet<string> = new Set(['overdraft', 'hold-not-posted', 'member-concurrent-edit']);

const noAlerts: Invariant = {
  name: 'server: no alerts but the expected ones',
  check: ({ server, history }) => {
    const fresh = server.alerts.slice(history.alertsSeen).filter((a) => !EXPECTED_ALERTS.has(str(a, 'kind')));
    history.alertsSeen = server.alerts.length;
    return fresh.map((a) => `server alert ${str(a, 'kind')} from ${str(a, 'terminal_id')} on ${str(a, 'entity')} ${str(a, 'entity_id')}: ${str(a, 'detail')}`);
  },
};

/** How debits relate, for telling an overdraft offline spending made from one nothing should have made. */
class Debits {
  constructor(
    private readonly debits: ReadonlyMap<string, DebitRecord>,
    /** Transactions whose hold the server posted. */
    private readonly posted: ReadonlySet<string>,
    /** Transactions whose hold lapsed, counted by the server against the offline budget they named. */
    private readonly counted: ReadonlySet<string>,
  ) {}

  static unaware(a: DebitRecord, b: DebitRecord): boolean {
    return !a.known.has(b.transferId) && !b.known.has(a.transferId);
  }

  static spend(d: DebitRecord): boolean {
    return d.kind === 'redeem' || d.kind === 'donation';
  }

  /** Pairs of these debits booked without knowing of each other. */
  static concurrent(records: readonly DebitRecord[]): [DebitRecord, DebitRecord][] {
    const pairs: [DebitRecord, DebitRecord][] = [];
    for (let i = 0; i < records.length; i += 1) for (let j = i + 1; j < records.length; j += 1) if (Debits.unaware(records[i]!, records[j]!)) pairs.push([records[i]!, records[j]!]);
    return pairs;
  }

  /**
   * A spend counted against an offline budget: booked offline under it, or booked under a hold that
   * lapsed before the spend reached the server, which the server then counted against the budget the
   * spend named as its fallback (within it, or the budget alert says otherwise).
   */
  offline(d: DebitRecord): boolean {
    return (Debits.spend(d) && d.authority === 'offline') || this.countedLate(d);
  }

  /** Held when booked (a spend, or a return's take-back); the hold lapsed and the server counted it against its fallback budget. */
  countedLate(d: DebitRecord): boolean {
    return d.authority === 'hold' && d.transactionId !== null && !this.posted.has(d.transactionId) && this.counted.has(d.transactionId);
  }

  /** Held on the server when booked, but the spend reached it only after the hold had lapsed, and was counted in no budget. */
  lapsed(d: DebitRecord): boolean {
    return Debits.spend(d) && d.authority === 'hold' && (d.transactionId === null || !this.posted.has(d.transactionId)) && !this.countedLate(d);
  }

  get(id: string): DebitRecord | undefined {
    return this.debits.get(id);
  }

  all(): IterableIterator<DebitRecord> {
    return this.debits.values();
  }

  describe(d: DebitRecord): string {
    return `${d.kind} ${d.transferId} by ${d.terminalId} at step ${d.step}${Debits.spend(d) ? ` (${this.lapsed(d) ? 'lapsed hold' : this.countedLate(d) ? 'lapsed hold, counted against its offline budget' : d.authority})` : ''}`;
  }

  /** What is wrong about concurrent debits having overdrawn something; null when allowed (a spend counted against an offline budget is one of them). */
  verdict(pairs: readonly (readonly [DebitRecord, DebitRecord])[], what: string): string | null {
    const listed = pairs
      .slice(0, 4)
      .map(([a, b]) => `${this.describe(a)} / ${this.describe(b)}`)
      .join('; ');
    if (pairs.some(([a, b]) => this.offline(a) || this.offline(b))) return null;
    if (pairs.some(([a, b]) => this.lapsed(a) || this.lapsed(b))) return `${what} by a spend whose hold lapsed before the spend reached the server (counted in no budget): ${listed}`;
    if (pairs.some(([a, b]) => !Debits.spend(a) || !Debits.spend(b))) return `${what} without an offline redemption (a debit that is not a spend, e.g. an offline return, took points another counter had let the member spend): ${listed}`;
    return `${what} by spends under holds the server posted, each counter drawing the lots it knew: ${listed}`;
  }
}

/**
 * Overdrafts of lots: a lot drawn below zero must come from two debits booked without knowing of
 * each other (each counter draws lots by what it knows and never below zero), at least one of them
 * a spend counted against an offline budget: the only case in which `verify` may name an overdrawn lot.
 */
function lotOverdraftProblems(where: string, lots: readonly { lot: string; remaining: number }[], draws: ReadonlyMap<string, readonly string[]>, debits: Debits): string[] {
  const problems: string[] = [];
  for (const { lot, remaining } of lots) {
    if (remaining >= 0) continue;
    const ids = draws.get(lot) ?? [];
    const records = ids.flatMap((id) => debits.get(id) ?? []);
    if (records.length < ids.length) {
      problems.push(`${where}: lot ${lot} overdrawn by ${-remaining}: drawn by transfers the simulation did not book (${ids.filter((id) => debits.get(id) === undefined).join(', ')})`);
      continue;
    }
    const pairs = Debits.concurrent(records);
    if (pairs.length === 0) {
      problems.push(`${where}: lot ${lot} overdrawn by ${-remaining}, yet every debit of it knew of the others: ${records.map((d) => debits.describe(d)).join('; ')}`);
      continue;
    }
    const verdict = debits.verdict(pairs, `${where}: lot ${lot} overdrawn by ${-remaining}`);
    if (verdict !== null) problems.push(verdict);
  }
  return problems;
}

/**
 * Negative balances: only from spends counted against an offline budget (booked offline, or held
 * and counted there because the hold lapsed before the spend arrived), concurrent with another debit
 * of the member, and never by more than the member spent so.
 */
function balanceOverdraftProblems(where: string, balances: readonly { memberId: string; balance: number }[], debits: Debits): string[] {
  const problems: string[] = [];
  const byMember = new Map<string, DebitRecord[]>();
  for (const d of debits.all()) byMember.set(d.memberId, [...(byMember.get(d.memberId) ?? []), d]);
  for (const { memberId, balance } of balances) {
    if (balance >= 0) continue;
    const records = byMember.get(memberId) ?? [];
    const pairs = Debits.concurrent(records);
    const what = `${where}: member ${memberId} at ${balance} points`;
    if (pairs.length === 0) {
      problems.push(`${what}, yet every debit of theirs knew of the others`);
      continue;
    }
    const verdict = debits.verdict(pairs, what);
    if (verdict !== null) {
      problems.push(verdict);
      continue;
    }
    const offline = records.filter((d) => debits.offline(d)).reduce((sum, d) => sum + d.points, 0);
    if (-balance > offline) problems.push(`${what}: more than the ${offline} points they spent counted against offline budgets`);
  }
  return problems;
}

const serverOverdrafts: Invariant = {
  name: 'server: negative balances only from spends counted against an offline budget',
  check: ({ world, server, history }) => {
    for (const b of server.balances) if (num(b, 'balance') < 0 && str(b, 'account').startsWith('member:')) history.negativeMembers.add(str(b, 'member_id'));
    const draws = new Map<string, string[]>();
    for (const d of server.lotDraws) draws.set(str(d, 'lot_id'), [...(draws.get(str(d, 'lot_id')) ?? []), str(d, 'transfer_id')]);
    const lots = server.lots.map((l) => ({ lot: str(l, 'id'), remaining: num(l, 'remaining') }));
    const debits = new Debits(world.debits, server.postedHolds, server.countedHolds);
    const balances = server.balances.filter((b) => str(b, 'account') === `member:${str(b, 'member_id')}`).map((b) => ({ memberId: str(b, 'member_id'), balance: num(b, 'balance') }));
    return [...balanceOverdraftProblems('server', balances, debits), ...lotOverdraftProblems('server', lots, draws, debits)];
  },
};

/** The transfers seen before with their old hashes if still there (unread), new ones hashed. */
function newTransferHashes(db: SqliteDatabase, before: ReadonlyMap<string, string>): Map<string, string> {
  const rows = new Map<string, string>();
  const fresh: string[] = [];
  for (const id of db.prepare('SELECT id FROM transfers').pluck().all() as string[]) {
    const h = before.get(id);
    if (h === undefined) fresh.push(id);
    else rows.set(id, h);
  }
  if (fresh.length > 0) {
    for (const r of db.prepare('SELECT * FROM transfers WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(fresh)) as Row[]) rows.set(str(r, 'id'), hash(r));
  }
  return rows;
}

/**
 * Holds are resolved at most once and never after they expired: once posted or voided a hold never
 * changes, a posted hold was posted before its expiry by the transaction that spent it (whose
 * stored request names the hold).
 */
const holdsResolvedOnce: Invariant = {
  name: 'server: holds resolved at most once, never after expiry',
  check: ({ server, history }) => {
    const problems: string[] = [];
    const transactions = new Map(server.transactions.map((t) => [str(t, 'id'), t]));
    for (const h of server.holds) {
      const k = `${str(h, 'member_id')}/${str(h, 'id')}`;
      const state = str(h, 'state');
      const resolved = hash([h['state'], h['resolved_at'], h['transaction_id'], h['points'], h['expires_at']]);
      const before = history.holdsResolved.get(k);
      if (before !== undefined && before !== resolved) problems.push(`hold ${k} was resolved again (${state})`);
      if (state !== 'held') history.holdsResolved.set(k, resolved);
      if (state !== 'posted') continue;
      if (num(h, 'resolved_at') >= num(h, 'expires_at')) problems.push(`hold ${k} was posted at ${num(h, 'resolved_at')}, at or after its expiry ${num(h, 'expires_at')}`);
      const t = transactions.get(str(h, 'transaction_id'));
      if (!t) problems.push(`hold ${k} was posted by transaction ${str(h, 'transaction_id')}, which the server does not hold`);
      else if (!str(t, 'request').includes(`"holdId":"${str(h, 'id')}"`)) problems.push(`hold ${k} was posted by transaction ${str(h, 'transaction_id')}, which does not name it`);
    }
    for (const k of history.holdsResolved.keys()) if (!server.holds.some((h) => `${str(h, 'member_id')}/${str(h, 'id')}` === k)) problems.push(`hold ${k} disappeared`);
    return problems;
  },
};

/**
 * What terminals spent offline stays within what the server granted them: per budget (held spends
 * counted after their hold lapsed included), per member, per visit.
 */
const withinBudget: Invariant = {
  name: 'server: offline spends within their budgets',
  check: ({ server }) => {
    const problems: string[] = [];
    const grants = new Map(server.grants.map((g) => [`${str(g, 'store_id')}/${str(g, 'terminal_id')}/${str(g, 'id')}`, g]));
    const total = new Map<string, number>();
    const perMember = new Map<string, number>();
    for (const s of server.offlineSpends) {
      const k = `${str(s, 'store_id')}/${str(s, 'terminal_id')}/${str(s, 'grant_id')}`;
      const g = grants.get(k);
      if (!g) {
        problems.push(`offline spend ${str(s, 'transaction_id')} names grant ${k}, which the server never gave`);
        continue;
      }
      total.set(k, (total.get(k) ?? 0) + num(s, 'points'));
      // A held spend counted after its hold lapsed (hold_id) counts against the budget's total only:
      // the caps per visit and per member bound spending blind, and it was booked online.
      if (s['hold_id'] !== null && s['hold_id'] !== undefined) {
        if (server.postedHolds.has(str(s, 'transaction_id'))) problems.push(`spend ${str(s, 'transaction_id')} was counted against grant ${k} as a lapsed hold, yet its hold was posted`);
        continue;
      }
      if (num(s, 'points') > num(g, 'per_transaction')) problems.push(`offline spend ${str(s, 'transaction_id')} of ${num(s, 'points')} points is over the ${num(g, 'per_transaction')} a visit may spend`);
      const m = `${k}/${str(s, 'member_id')}`;
      perMember.set(m, (perMember.get(m) ?? 0) + num(s, 'points'));
    }
    for (const [k, spent] of total) if (spent > num(grants.get(k)!, 'points')) problems.push(`grant ${k}: ${spent} points spent offline, ${num(grants.get(k)!, 'points')} granted`);
    for (const [m, spent] of perMember) {
      const g = grants.get(m.split('/').slice(0, 3).join('/'))!;
      if (spent > num(g, 'per_member')) problems.push(`grant ${m}: member spent ${spent} points offline, ${num(g, 'per_member')} allowed per member`);
    }
    return problems;
  },
};

/** A ledger's transfers, one hash per row (all columns). */
export function transferHashes(db: SqliteDatabase): Map<string, string> {
  const rows = db.prepare('SELECT * FROM transfers').all() as Row[];
  return new Map(rows.map((r) => [str(r, 'id'), hash(r)]));
}

/** Every terminal: its ledger verifies, nothing booked changes, what the server acknowledged is there, sequences agree. */
const terminals: Invariant = {
  name: 'terminals: verify, append-only, acknowledged entries on the server, overdrafts explained',
  check: ({ world, server, history, full }) => {
    const problems: string[] = [];
    const serverSeq = new Map<string, string>();
    for (const t of server.transfers) serverSeq.set(`${str(t, 'terminal_id')}/${str(t, 'epoch')}/${str(t, 'seq')}`, str(t, 'id'));
    for (const r of server.resent) serverSeq.set(`${str(r, 'terminal_id')}/${str(r, 'epoch')}/${str(r, 'seq')}`, str(r, 'transfer_id'));
    const serverTransactions = new Set(server.transactions.flatMap((t) => [str(t, 'id'), JSON.stringify([t['store_id'], t['terminal_id'], t['kind'], t['txn_id']])]));
    const serverEvents = new Set(server.events.flatMap((e) => [str(e, 'id'), str(e, 'business_key')]));
    const serverMembers = new Map(server.members.map((m) => [str(m, 'member_id'), num(m, 'version')]));
    for (const t of world.terminals) problems.push(...checkTerminal(world, t, server, history, { serverSeq, serverTransactions, serverEvents, serverMembers }, full));
    return problems;
  },
};

interface ServerIndexes {
  readonly serverSeq: ReadonlyMap<string, string>;
  readonly serverTransactions: ReadonlySet<string>;
  readonly serverEvents: ReadonlySet<string>;
  readonly serverMembers: ReadonlyMap<string, number>;
}

function checkTerminal(world: SimWorld, t: SimTerminal, server: ServerView, history: History, idx: ServerIndexes, full: boolean): string[] {
  const problems: string[] = [];
  const db = world.ledgerOf(t).db;
  const at = `${t.id} (g${t.generation})`;
  const verified = verifyLedger(db);
  for (const p of verified.problems) problems.push(`${at} verify: ${p}`);

  // Append-only: every transfer seen before is there (unchanged, on a full check).
  const before = history.terminalRows.get(t.id);
  const rows = full || !before ? transferHashes(db) : newTransferHashes(db, before);
  if (before) {
    for (const [id, h] of before) {
      const now = rows.get(id);
      if (now === undefined) problems.push(`${at}: transfer ${id} disappeared`);
      else if (now !== h) problems.push(`${at}: transfer ${id} changed`);
    }
  }
  history.terminalRows.set(t.id, rows);
  // A row may legitimately differ between generations in one column: `pulled` (this terminal's own
  // entry, pulled back after a restore), so every version seen counts.
  const ever = history.terminalEverHad.get(t.id) ?? new Map<string, Set<string>>();
  for (const [id, h] of rows) ever.set(id, (ever.get(id) ?? new Set<string>()).add(h));
  history.terminalEverHad.set(t.id, ever);
  const lots = db.prepare('SELECT id, remaining FROM lots').all() as { id: string; remaining: number }[];
  const lotsBefore = history.terminalLots.get(t.id);
  if (lotsBefore) {
    const present = new Set(lots.map((l) => l.id));
    for (const id of lotsBefore.keys()) if (!present.has(id)) problems.push(`${at}: lot ${id} disappeared`);
    for (const l of lots) {
      const was = lotsBefore.get(l.id);
      if (was !== undefined && l.remaining > was) problems.push(`${at}: lot ${l.id} remaining grew from ${was} to ${l.remaining}`);
    }
  }
  history.terminalLots.set(t.id, new Map(lots.map((l) => [l.id, l.remaining])));

  // Acknowledged means the server has it: never un-acknowledged, never missing there.
  const acked = db.prepare('SELECT id, entity, entity_id, entity_version FROM outbox WHERE acked_at IS NOT NULL').all() as { id: number; entity: string; entity_id: string; entity_version: number | null }[];
  const ackedBefore = history.terminalAcked.get(t.id);
  const ackedNow = new Set(acked.map((a) => a.id));
  if (ackedBefore) for (const id of ackedBefore) if (!ackedNow.has(id)) problems.push(`${at}: outbox row ${id} was acknowledged, now it is not`);
  history.terminalAcked.set(t.id, ackedNow);
  const transferRow = db.prepare('SELECT business_key, kind, amount, debit_account, credit_account, member_id FROM transfers WHERE id = ?');
  const transactionKey = db.prepare('SELECT store_id, terminal_id, kind, txn_id FROM transactions WHERE id = ?');
  const eventKey = db.prepare('SELECT business_key FROM events WHERE id = ?').pluck();
  for (const a of acked) {
    switch (a.entity) {
      case 'transfer': {
        if (server.transferById.has(a.entity_id)) break;
        const mine = transferRow.get(a.entity_id) as Row | undefined;
        const theirs = mine ? server.transferByKey.get(str(mine, 'business_key')) : undefined;
        const same = mine && theirs && ['kind', 'amount', 'debit_account', 'credit_account', 'member_id'].every((k) => String(mine[k]) === String(theirs[k]));
        if (!same) problems.push(`${at}: transfer ${a.entity_id} is acknowledged but the server does not hold it${theirs ? ` (it holds ${str(theirs, 'id')} under its business key)` : ''}`);
        break;
      }
      case 'transaction': {
        const key = transactionKey.get(a.entity_id) as Row | undefined;
        if (!idx.serverTransactions.has(a.entity_id) && !(key && idx.serverTransactions.has(JSON.stringify([key['store_id'], key['terminal_id'], key['kind'], key['txn_id']])))) {
          problems.push(`${at}: transaction ${a.entity_id} is acknowledged but the server does not hold it`);
        }
        break;
      }
      case 'event': {
        const key = eventKey.get(a.entity_id) as string | undefined;
        if (!idx.serverEvents.has(a.entity_id) && !(key !== undefined && idx.serverEvents.has(key))) problems.push(`${at}: event ${a.entity_id} is acknowledged but the server does not hold it`);
        break;
      }
      case 'member': {
        const held = idx.serverMembers.get(a.entity_id);
        if (held === undefined || held < (a.entity_version ?? 1)) problems.push(`${at}: member ${a.entity_id} v${a.entity_version} is acknowledged but the server holds ${held === undefined ? 'nothing' : `v${held}`}`);
        break;
      }
    }
  }

  // A (terminal, epoch, seq) names one transfer, here and on the server.
  const own = db.prepare('SELECT id, epoch, seq FROM transfers WHERE store_id = ? AND terminal_id = ?').all(t.storeId, t.id) as { id: string; epoch: number; seq: number }[];
  for (const o of own) {
    const there = idx.serverSeq.get(`${t.id}/${o.epoch}/${o.seq}`);
    if (there !== undefined && there !== o.id) problems.push(`${at}: epoch ${o.epoch} seq ${o.seq} is transfer ${o.id} here but ${there} on the server`);
  }

  // Overdrafts on this terminal's lots.
  const draws = new Map<string, string[]>();
  for (const d of db.prepare('SELECT lot_id, transfer_id FROM lot_draws').all() as { lot_id: string; transfer_id: string }[]) draws.set(d.lot_id, [...(draws.get(d.lot_id) ?? []), d.transfer_id]);
  const debits = new Debits(world.debits, server.postedHolds, server.countedHolds);
  const balances = db.prepare(`SELECT member_id AS memberId, balance FROM accounts WHERE kind = 'member-points' AND balance < 0`).all() as { memberId: string; balance: number }[];
  problems.push(...balanceOverdraftProblems(at, balances, debits), ...lotOverdraftProblems(at, lots.map((l) => ({ lot: l.id, remaining: l.remaining })), draws, debits));
  return problems;
}

/** Checked after every step (and once more when everything has synced). */
export const STEP_INVARIANTS: readonly Invariant[] = [serverVerifies, serverAppendOnly, appliedOnce, contiguousSequences, noAlerts, holdsResolvedOnce, withinBudget, serverOverdrafts, terminals];

/**
 * `full`: also re-hash every row seen before (a changed row); otherwise only new rows are hashed and
 * old ones checked for presence — re-hashing everything every step made long runs quadratic.
 */
export async function checkStep(world: SimWorld, history: History, full: boolean): Promise<string[]> {
  const server = await readServer(world);
  const problems: string[] = [];
  for (const invariant of STEP_INVARIANTS) {
    for (const p of await invariant.check({ world, server, history, full })) problems.push(`[${invariant.name}] ${p}`);
  }
  return problems;
}

/**
 * A restore: the restored file may hold only what the terminal had in some generation (a backup
 * is a past copy), row for row; then the terminal's history starts again from the restored file.
 */
export function checkRestored(world: SimWorld, t: SimTerminal, history: History): string[] {
  const problems: string[] = [];
  const before = history.terminalEverHad.get(t.id) ?? new Map<string, Set<string>>();
  const rows = transferHashes(world.ledgerOf(t).db);
  for (const [id, h] of rows) {
    const was = before.get(id);
    if (was === undefined) problems.push(`${t.id}: the restored ledger holds transfer ${id}, which the terminal never had`);
    else if (!was.has(h)) problems.push(`${t.id}: the restored ledger holds transfer ${id} changed`);
  }
  history.terminalRows.delete(t.id);
  history.terminalAcked.delete(t.id);
  history.terminalLots.delete(t.id);
  return problems;
}

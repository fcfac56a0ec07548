/**
 * The end of a run: the network heals (every link up, no faults, held messages delivered), every
 * terminal syncs until nothing is left to push or pull, and then what must hold once all have
 * synced is checked:
 * - every step invariant, once more;
 * - every terminal holds the chain's journal (the same transfers, transactions, events and lots as
 *   the server), and each member's balance is the server's;
 * - each terminal's end-of-day report equals the server's for every day it booked on;
 * - the server's state does not depend on arrival order: the pushes it accepted, replayed into a
 *   fresh store in their original order, give the same store; in another order (each terminal's
 *   batches still in their own order, epochs included, as its outbox sends them), the same entries,
 *   lots and balances, and the same terminal for every entry but a once-only one booked at several
 *   counters, which the first copy to arrive wins (the set of its bookings must still be the same).
 */
import { createHash } from 'node:crypto';
import { compareDayReports } from '../../../src/contract/day-report.js';
import { dayKey, localDateOf } from '../../../src/core/time.js';
import type { Row } from '../../../src/server/store/rows.js';
import { terminalDayReport } from '../../../src/terminal/ledger/day-report.js';
import type { Actions } from './actions.js';
import { checkStep, type History } from './invariants.js';
import type { AcceptedPush } from './network.js';
import type { Random } from './random.js';
import { openSimServerStore, type SimServerStore } from './server.js';
import type { SimWorld } from './world.js';

const MAX_ROUNDS = 6;

/** Heals the network and syncs every terminal until a whole round pushes and pulls nothing. */
export async function quiesce(world: SimWorld, actions: Actions): Promise<string[]> {
  const problems: string[] = [];
  world.network.faultRate = 0;
  for (const t of world.terminals) {
    world.network.setLink(t.id, true);
    world.network.disarmCrash(t.id);
    world.open(t);
  }
  await world.network.drain();
  for (let round = 1; ; round += 1) {
    let moved = 0;
    for (const t of world.terminals) {
      const ledger = world.ledgerOf(t);
      const pending = ledger.db.prepare('SELECT count(*) FROM outbox WHERE acked_at IS NULL').pluck().get() as number;
      const cursor = ledger.db.prepare('SELECT pull_cursor FROM sync_state').pluck().get() as string | null;
      const ok = await actions.sync(t, `final sync round ${round}`);
      if (!ok) problems.push(`${t.id}: the final sync (round ${round}) on a perfect network did not get everything on the server`);
      const after = ledger.db.prepare('SELECT pull_cursor FROM sync_state').pluck().get() as string | null;
      moved += pending + (after !== cursor ? 1 : 0);
    }
    if (moved === 0) break;
    if (round === MAX_ROUNDS) {
      problems.push(`still syncing after ${MAX_ROUNDS} rounds on a perfect network`);
      break;
    }
  }
  return problems;
}

const str = (row: Row, key: string): string => String(row[key]);

/** Every terminal holds what the server holds, and the same balances. */
async function replicas(world: SimWorld): Promise<string[]> {
  const problems: string[] = [];
  // Ordered, so the problems it lists (the first few of a kind) are the same in a replay: PostgreSQL
  // returns rows without ORDER BY in no promised order.
  const q = (sql: string): Promise<Row[]> => world.server.query(sql);
  const serverTransfers = new Map((await q('SELECT id, kind, amount, member_id FROM transfers ORDER BY id')).map((r) => [str(r, 'id'), `${str(r, 'kind')} ${str(r, 'amount')} ${str(r, 'member_id')}`]));
  const serverTransactions = new Set((await q('SELECT id FROM transactions ORDER BY id')).map((r) => str(r, 'id')));
  const serverEvents = new Set((await q('SELECT id FROM events ORDER BY id')).map((r) => str(r, 'id')));
  const serverLots = new Map((await q('SELECT id, remaining FROM lots ORDER BY id')).map((r) => [str(r, 'id'), Number(r['remaining'])]));
  const serverBalances = new Map((await q(`SELECT member_id, balance FROM member_balances WHERE account = 'member:' || member_id ORDER BY member_id`)).map((r) => [str(r, 'member_id'), Number(r['balance'])]));
  const serverMembers = (await q('SELECT member_id FROM members ORDER BY member_id')).map((r) => str(r, 'member_id'));
  const serverRecords = new Map((await q('SELECT member_id, version, name, erased_at FROM members ORDER BY member_id')).map((r) => [str(r, 'member_id'), `v${str(r, 'version')} ${str(r, 'name')} erased ${str(r, 'erased_at')}`]));
  const compareSets = (where: string, what: string, mine: ReadonlySet<string>, theirs: ReadonlySet<string>): void => {
    const missing = [...theirs].filter((id) => !mine.has(id));
    const extra = [...mine].filter((id) => !theirs.has(id));
    if (missing.length > 0) problems.push(`${where}: ${missing.length} ${what} the server holds are not here: ${missing.slice(0, 5).join(', ')}`);
    if (extra.length > 0) problems.push(`${where}: ${extra.length} ${what} here are not on the server: ${extra.slice(0, 5).join(', ')}`);
  };
  for (const t of world.terminals) {
    const db = world.ledgerOf(t).db;
    const mine = new Map((db.prepare('SELECT id, kind, amount, member_id FROM transfers').all() as Row[]).map((r) => [str(r, 'id'), `${str(r, 'kind')} ${str(r, 'amount')} ${str(r, 'member_id')}`]));
    compareSets(t.id, 'transfers', new Set(mine.keys()), new Set(serverTransfers.keys()));
    for (const [id, what] of mine) {
      const theirs = serverTransfers.get(id);
      if (theirs !== undefined && theirs !== what) problems.push(`${t.id}: transfer ${id} is ${what} here, ${theirs} on the server`);
    }
    compareSets(t.id, 'transactions', new Set(db.prepare('SELECT id FROM transactions').pluck().all() as string[]), serverTransactions);
    compareSets(t.id, 'events', new Set(db.prepare('SELECT id FROM events').pluck().all() as string[]), serverEvents);
    for (const l of db.prepare('SELECT id, remaining FROM lots').all() as { id: string; remaining: number }[]) {
      const theirs = serverLots.get(l.id);
      if (theirs === undefined) problems.push(`${t.id}: lot ${l.id} is not on the server`);
      else if (theirs !== l.remaining) problems.push(`${t.id}: lot ${l.id} has ${l.remaining} points left here, ${theirs} on the server`);
    }
    for (const m of db.prepare('SELECT id, version, name, erased_at FROM members').all() as Row[]) {
      const mine = `v${str(m, 'version')} ${str(m, 'name')} erased ${str(m, 'erased_at')}`;
      const theirs = serverRecords.get(str(m, 'id'));
      if (theirs === undefined) problems.push(`${t.id}: member ${str(m, 'id')} is not on the server`);
      else if (theirs !== mine) problems.push(`${t.id}: member ${str(m, 'id')} is ${mine} here, ${theirs} on the server`);
    }
    for (const member of serverMembers) {
      const account = db.prepare('SELECT balance FROM accounts WHERE id = ?').pluck().get(`member:${member}`) as number | undefined;
      if (account === undefined) problems.push(`${t.id}: member ${member} is not here`);
      else if (account !== (serverBalances.get(member) ?? 0)) problems.push(`${t.id}: member ${member} has ${account} points here, ${serverBalances.get(member) ?? 0} on the server`);
    }
  }
  return problems;
}

/** Every day a terminal booked on: its end-of-day figures are the server's (asked over HTTP, as `tally eod` does). */
async function dayReports(world: SimWorld): Promise<{ problems: string[]; days: number }> {
  const problems: string[] = [];
  let days = 0;
  for (const t of world.terminals) {
    const ledger = world.ledgerOf(t);
    const instants = ledger.db
      .prepare('SELECT booked_at FROM transfers WHERE store_id = ? AND terminal_id = ? UNION SELECT created_at FROM transactions WHERE store_id = ? AND terminal_id = ?')
      .pluck()
      .all(t.storeId, t.id, t.storeId, t.id) as number[];
    const dayKeys = [...new Set(instants.map((i) => dayKey(localDateOf(i, ledger.terminal.timeZone))))].sort();
    for (const day of dayKeys) {
      days += 1;
      const mine = terminalDayReport(ledger, day);
      const theirs = await t.client.dayReport(day);
      if (mine.unsynced !== 0) problems.push(`${t.id} ${day}: ${mine.unsynced} entries unsynced after the final sync`);
      const differences = compareDayReports(mine, theirs);
      if (differences.length > 0) problems.push(`${t.id} end of day ${day}: ${differences.map((d) => `${d.field} terminal ${d.terminal}, server ${d.server}`).join('; ')}`);
    }
  }
  return { problems, days };
}

/**
 * The server's state in canonical form: `entries` what was booked (identity, lots, balances,
 * members, sequences) — what must not depend on arrival order; `attribution` which terminal, epoch,
 * seq and time each kept copy of a transfer carries.
 */
export async function canonicalDump(server: SimServerStore, multiEvents: ReadonlySet<string> = new Set()): Promise<{ entries: string[]; attribution: string[]; kept: string[] }> {
  // Rows typed alike on both stores (./server.ts): JSON columns are text, integers numbers.
  const q = (sql: string): Promise<Row[]> => server.query(sql);
  // A once-only entry booked at more than one counter (or again after a restore) is kept as the
  // copy that arrived first; the others are answered `exists` and recorded as resent. Which copy
  // is kept, and so the lot's earned time, follows arrival by design (README: restore and once-only
  // entries); the set of bookings and everything the member holds must not.
  const bookings = new Map<string, string[]>();
  for (const r of await q(
    `SELECT t.id, t.store_id, t.terminal_id, t.epoch, t.seq, 1 AS kept FROM transfers t
     WHERE EXISTS (SELECT 1 FROM resent_transfers r WHERE r.transfer_id = t.id AND r.status = 'exists' AND NOT (r.store_id = t.store_id AND r.terminal_id = t.terminal_id AND r.epoch = t.epoch AND r.seq = t.seq))
     UNION
     SELECT r.transfer_id, r.store_id, r.terminal_id, r.epoch, r.seq, 0 FROM resent_transfers r JOIN transfers t ON t.id = r.transfer_id
     WHERE r.status = 'exists' AND NOT (r.store_id = t.store_id AND r.terminal_id = t.terminal_id AND r.epoch = t.epoch AND r.seq = t.seq)`,
  )) {
    const list = bookings.get(str(r, 'id')) ?? [];
    list.push(`${str(r, 'store_id')}/${str(r, 'terminal_id')} ${str(r, 'epoch')}:${str(r, 'seq')}`);
    bookings.set(str(r, 'id'), list);
  }
  const kept: string[] = [];
  const entries: string[] = [];
  for (const r of await q('SELECT * FROM transfers ORDER BY id')) {
    entries.push(`transfer ${str(r, 'id')} ${str(r, 'member_id')} ${str(r, 'kind')} ${str(r, 'unit')} ${str(r, 'amount')} ${str(r, 'debit_account')}>${str(r, 'credit_account')} ${str(r, 'business_key')} ${str(r, 'detail')}`);
  }
  for (const r of await q('SELECT * FROM lots ORDER BY id')) {
    const multi = bookings.has(str(r, 'transfer_id'));
    // Its expiry date too: a rolling expiry runs from the kept booking's day, in its store's time zone.
    const dates = multi ? "earned and expires (the kept booking's)" : `earned ${str(r, 'earned_at')} expires ${str(r, 'expires_at')}`;
    entries.push(`lot ${str(r, 'id')} ${str(r, 'member_id')} ${str(r, 'transfer_id')} ${str(r, 'points')} left ${str(r, 'remaining')} ${dates}`);
    if (multi) kept.push(`lot ${str(r, 'id')} earned ${str(r, 'earned_at')} expires ${str(r, 'expires_at')}`);
  }
  for (const r of await q('SELECT * FROM lot_draws ORDER BY lot_id, transfer_id')) entries.push(`draw ${str(r, 'lot_id')} <- ${str(r, 'transfer_id')} ${str(r, 'points')}`);
  // A member without a balance row holds 0 points (verify and holds read it so): a zero row and no
  // row are the same state. PostgreSQL makes a zero row as the member's lock when a counter asks for
  // a hold on a member who has none yet (postgres/spending.ts), and holds are not pushes, so the
  // replays never make it; comparing zero rows would call that lock a difference of arrival order.
  for (const r of await q('SELECT * FROM member_balances WHERE balance <> 0 ORDER BY account')) entries.push(`balance ${str(r, 'account')} ${str(r, 'balance')}`);
  for (const r of await q('SELECT member_id, version, record FROM members ORDER BY member_id')) entries.push(`member ${str(r, 'member_id')} v${str(r, 'version')} ${str(r, 'record')}`);
  for (const r of await q('SELECT * FROM member_cards ORDER BY member_id, code')) entries.push(`card ${str(r, 'code')} ${str(r, 'member_id')}`);
  for (const r of await q('SELECT * FROM transactions ORDER BY id')) entries.push(`transaction ${str(r, 'id')} ${str(r, 'kind')} ${str(r, 'txn_id')} ${str(r, 'member_id')} ${str(r, 'request_hash')}`);
  for (const r of await q('SELECT * FROM events ORDER BY id')) entries.push(`event ${str(r, 'id')} ${str(r, 'business_key')}`);
  for (const r of await q('SELECT * FROM terminal_sequences ORDER BY store_id, terminal_id, epoch')) entries.push(`sequence ${str(r, 'terminal_id')}/${str(r, 'epoch')} ${str(r, 'last_seq')}`);
  const attribution: string[] = [];
  for (const r of await q('SELECT * FROM transfers ORDER BY id')) {
    const line = `transfer ${str(r, 'id')} by ${str(r, 'store_id')}/${str(r, 'terminal_id')} ${str(r, 'epoch')}:${str(r, 'seq')} at ${str(r, 'booked_at')}`;
    const all = bookings.get(str(r, 'id'));
    if (all === undefined) attribution.push(line);
    else {
      attribution.push(`transfer ${str(r, 'id')} booked by ${[...all].sort().join(', ')}`);
      kept.push(line);
    }
  }
  for (const r of await q('SELECT * FROM events ORDER BY id')) {
    // A once-only event (an erasure) pushed by several counters: the first copy to arrive is kept.
    const line = `event ${str(r, 'id')} by ${str(r, 'terminal_id')} at ${str(r, 'booked_at')}`;
    if (multiEvents.has(str(r, 'id'))) kept.push(line);
    else attribution.push(line);
  }
  return { entries, attribution, kept };
}

function difference(label: string, a: readonly string[], b: readonly string[]): string[] {
  const left = new Set(a);
  const right = new Set(b);
  const onlyA = a.filter((x) => !right.has(x));
  const onlyB = b.filter((x) => !left.has(x));
  if (onlyA.length === 0 && onlyB.length === 0) return [];
  return [`${label}: ${onlyA.length + onlyB.length} lines differ, e.g. live "${onlyA[0] ?? '-'}" / replayed "${onlyB[0] ?? '-'}"`];
}

/**
 * Each terminal's accepted pushes stay in their order, across its epochs too; the terminals' streams
 * interleave at random. A terminal pushes its outbox oldest first, so after a restore what is left of
 * the old epoch goes before the new epoch's entries (src/terminal/sync/push.ts): an order in which a
 * terminal's new epoch overtakes its old one never happens. It matters: a sale re-keyed after the
 * restore is the same entry (same business key, new id) in both epochs, the server keeps whichever
 * arrives first, and other counters then draw from the lots of the one they pulled. Interleaving the
 * epochs as independent streams kept the other copy and left those draws on lots nobody granted.
 */
export function interleave(pushes: readonly AcceptedPush[], random: Random): AcceptedPush[] {
  const streams = new Map<string, AcceptedPush[]>();
  for (const p of pushes) {
    const key = p.terminalId;
    streams.set(key, [...(streams.get(key) ?? []), p]);
  }
  const queues = [...streams.values()];
  const out: AcceptedPush[] = [];
  while (queues.some((q) => q.length > 0)) {
    const live = queues.filter((q) => q.length > 0);
    out.push(random.pick(live).shift()!);
  }
  return out;
}

/**
 * The pushes into a fresh store of the live server's kind: a PostgreSQL server is compared with
 * PostgreSQL replays (a fresh database each), so a difference can only come from arrival order,
 * never from the dialect.
 */
async function replay(world: SimWorld, dir: string, name: string, pushes: readonly AcceptedPush[]): Promise<{ server: SimServerStore; problems: string[] }> {
  const server = await openSimServerStore(world.server.kind, dir, name);
  const { store } = server;
  const problems: string[] = [];
  const storeOf = new Map(world.terminals.map((t) => [t.id, t.storeId]));
  for (const p of pushes) {
    const outcome = await store.push({ storeId: storeOf.get(p.terminalId)!, terminalId: p.terminalId, epoch: p.request.epoch, fromSeq: p.request.fromSeq, items: p.request.items, now: p.at });
    if (!outcome.ok) problems.push(`replay: ${p.terminalId} epoch ${p.request.epoch} from ${p.request.fromSeq} refused: ${outcome.message}`);
  }
  return { server, problems };
}

export async function orderIndependence(world: SimWorld, random: Random, dir: string): Promise<string[]> {
  const problems: string[] = [];
  const pushes = world.network.accepted;
  // Events more than one counter (or epoch) pushed under one id: once-only events booked apart.
  const pushedBy = new Map<string, Set<string>>();
  for (const p of pushes) {
    for (const item of p.request.items) {
      if (item.entity !== 'event') continue;
      const by = pushedBy.get(item.event.id) ?? new Set<string>();
      by.add(`${p.terminalId}/${p.request.epoch}`);
      pushedBy.set(item.event.id, by);
    }
  }
  const multiEvents = new Set([...pushedBy].filter(([, by]) => by.size > 1).map(([id]) => id));
  const live = await canonicalDump(world.server, multiEvents);
  const same = await replay(world, dir, 'replay_same_order', pushes);
  try {
    problems.push(...same.problems);
    const dump = await canonicalDump(same.server, multiEvents);
    problems.push(...difference('the accepted pushes replayed in arrival order', [...live.entries, ...live.attribution, ...live.kept], [...dump.entries, ...dump.attribution, ...dump.kept]));
  } finally {
    await same.server.close();
  }
  const shuffled = await replay(world, dir, 'replay_other_order', interleave(pushes, random));
  try {
    problems.push(...shuffled.problems);
    const dump = await canonicalDump(shuffled.server, multiEvents);
    const verify = await shuffled.server.store.verify();
    for (const p of verify.problems) if (!/: overdrawn by \d+ points$/.test(p)) problems.push(`replayed in another order, the store does not verify: ${p}`);
    problems.push(...difference('arrival order changed what the server holds', live.entries, dump.entries));
    problems.push(...difference('arrival order changed which terminal a kept entry is attributed to', live.attribution, dump.attribution));
  } finally {
    await shuffled.server.close();
  }
  return problems;
}

export interface FinalReport {
  readonly problems: string[];
  readonly days: number;
  /** SHA-256 of the server's canonical state and every terminal's transfers: equal for a replayed seed. */
  readonly digest: string;
}

export async function finalChecks(world: SimWorld, actions: Actions, history: History, random: Random, dir: string): Promise<FinalReport> {
  const problems = await quiesce(world, actions);
  problems.push(...actions.problems.splice(0));
  problems.push(...(await checkStep(world, history, true)));
  for (const t of world.terminals) {
    const pending = world.ledgerOf(t).db.prepare('SELECT count(*) FROM outbox WHERE acked_at IS NULL').pluck().get() as number;
    if (pending > 0) problems.push(`${t.id}: ${pending} outbox rows not on the server after the final sync`);
  }
  problems.push(...(await replicas(world)));
  const reports = await dayReports(world);
  problems.push(...reports.problems);
  problems.push(...(await orderIndependence(world, random, dir)));
  const live = await canonicalDump(world.server);
  const digest = createHash('sha256');
  for (const line of [...live.entries, ...live.attribution]) digest.update(`${line}\n`);
  for (const t of world.terminals) {
    for (const row of world.ledgerOf(t).db.prepare('SELECT id, epoch, seq, booked_at, pulled FROM transfers ORDER BY id').all() as Row[]) digest.update(`${t.id} ${JSON.stringify(row)}\n`);
  }
  return { problems, days: reports.days, digest: digest.digest('hex') };
}

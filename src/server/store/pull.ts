/**
 * Reading a pull page (src/contract/pull.ts), shared by both stores: each adapter supplies a
 * `PullReader` for its dialect (where the change stamps come from, how entities are fetched in bulk
 * and shaped for the contract), and this module decides what a page holds, cuts it on a stamp
 * boundary, leaves out what the terminal booked itself and withholds contact details from other
 * stores.
 */
import type { PulledMember, PullResponse } from '../../contract/pull.js';
import { MAX_PUSH_ITEMS, type SyncEvent, type SyncMember, type SyncTransaction, type SyncTransfer } from '../../contract/sync.js';

export type ChangeEntity = 'member' | 'transaction' | 'transfer' | 'event';

export interface ChangeRow {
  /** The change stamp, as decimal digits (it may exceed 2^53 on PostgreSQL). */
  readonly stamp: bigint;
  readonly entity: ChangeEntity;
  readonly memberId: string;
  readonly id: string;
}

export interface EntityKey {
  readonly memberId: string;
  readonly id: string;
}

/** A member's current record, with the store of the member's enrolment (null when none is held). */
export interface StoredMember {
  readonly record: SyncMember;
  readonly homeStore: string | null;
}

/** An event with the store it was booked at (the contract's event does not name it). */
export interface StoredEvent {
  readonly storeId: string;
  readonly event: SyncEvent;
}

/**
 * What a store adapter reads for a pull, already in the contract's shapes (each adapter builds them
 * the cheapest way its dialect allows). Entities come back in any order; one not held is left out.
 */
export interface PullReader {
  /**
   * True when every change row has a stamp of its own (SQLite's change log) rather than one stamp
   * per commit (PostgreSQL): a page cut by stamps alone could then split one push (see pageChanges).
   */
  readonly stampPerRow: boolean;
  /** Changes after `after` (all when null) in stamp order, at most `limit` rows, only stamps safe to hand out. */
  changes(after: bigint | null, limit: number): Promise<ChangeRow[]>;
  /** Every change with exactly this stamp (one PostgreSQL transaction can write many rows). */
  changesAt(stamp: bigint): Promise<ChangeRow[]>;
  /**
   * Where a member row carries only the stamp of its latest write (PostgreSQL: an update restamps
   * it), the member rows of these members stamped after `stamp`, with their stamps: records the
   * feed would send only further on than entries of theirs already due. Absent where every write
   * leaves a change row of its own (SQLite's log: a member's first row precedes its entries).
   */
  membersStampedAfter?(memberIds: readonly string[], stamp: bigint): Promise<ChangeRow[]>;
  /** The newest stamp (for progress; 0 when empty). */
  latest(): Promise<bigint>;
  members(ids: readonly string[]): Promise<StoredMember[]>;
  transactions(keys: readonly EntityKey[]): Promise<SyncTransaction[]>;
  /** Transfers with the lots each granted (by lot id) and the draws it made (by lot id). */
  transfers(keys: readonly EntityKey[]): Promise<SyncTransfer[]>;
  events(keys: readonly EntityKey[]): Promise<StoredEvent[]>;
}

export interface PullRequest {
  readonly storeId: string;
  readonly terminalId: string;
  /** Absent: from the beginning. */
  readonly cursor: bigint | null;
  readonly limit: number;
  /** Include what this terminal booked itself (after a restore). */
  readonly own: boolean;
}

/**
 * How far past a page's end pageChanges looks for the member records its entries need: one push
 * writes at most MAX_PUSH_ITEMS rows, its members last.
 */
export const MEMBER_LOOKAHEAD = MAX_PUSH_ITEMS;

/** Members whose entries `rows` hold without a row for the member itself. */
function membersWithout(rows: readonly ChangeRow[]): Set<string> {
  const named = new Set<string>();
  const present = new Set<string>();
  for (const r of rows) (r.entity === 'member' ? present : named).add(r.memberId);
  for (const id of present) named.delete(id);
  return named;
}

/**
 * The changes of one page: up to `limit` rows, ending on a stamp boundary, so that a page never
 * holds half of what one server transaction wrote. A single stamp larger than the limit is taken
 * whole (a page may then exceed the limit; one push is at most a few thousand rows).
 *
 * Where every row has its own stamp (SQLite), a cut can still fall inside one push, and a push
 * writes its members after their transactions and transfers: the page would hold the entries of a
 * member whose record comes only on the next page, which a terminal that never saw the member must
 * refuse — and would refuse again on every retry of the same page. So the page is extended past the
 * cut up to the last record of such a member found within MEMBER_LOOKAHEAD rows (nothing is sent
 * twice, and the cursor still only moves forward). A member not found there is one the terminal
 * received on an earlier page (or its own).
 */
export async function pageChanges(reader: PullReader, cursor: bigint | null, limit: number): Promise<{ rows: ChangeRow[]; more: boolean }> {
  const rows = await reader.changes(cursor, limit + 1);
  if (rows.length <= limit) return { rows: await withLaterRecords(reader, rows), more: false };
  const next = rows[limit]!.stamp;
  const kept = rows.slice(0, limit).filter((r) => r.stamp !== next);
  if (kept.length === 0) return { rows: await withLaterRecords(reader, await reader.changesAt(next)), more: true };
  if (!reader.stampPerRow) return { rows: await withLaterRecords(reader, kept), more: true };
  let page = kept;
  let more = true;
  // Each round either extends the page or stops; the rows it adds may name members further on.
  for (let missing = membersWithout(page); missing.size > 0 && more; missing = membersWithout(page)) {
    const ahead = await reader.changes(page[page.length - 1]!.stamp, MEMBER_LOOKAHEAD);
    let end = -1;
    ahead.forEach((r, i) => {
      if (r.entity === 'member' && missing.has(r.memberId)) end = i;
    });
    if (end < 0) break;
    page = [...page, ...ahead.slice(0, end + 1)];
    // Rows after the new end: known when the look-ahead saw some, else only if it was cut short.
    more = ahead.length > end + 1 || ahead.length === MEMBER_LOOKAHEAD;
  }
  return { rows: page, more };
}

/**
 * A page whose entries name a member whose record the feed sends only later (PostgreSQL: the
 * record was updated after those entries were booked, and a member row has only its latest stamp)
 * gets the member's current record too, as SQLite's log sends it at the member's first change row.
 * The rows go first, so the page's cursor (its last row's stamp) still never passes anything
 * unsent; the record comes again at its own stamp, which a terminal applies as the version it
 * holds. Without it a terminal that did not know the member refused the page on every retry.
 */
async function withLaterRecords(reader: PullReader, page: readonly ChangeRow[]): Promise<ChangeRow[]> {
  const missing = membersWithout(page);
  if (missing.size === 0 || reader.membersStampedAfter === undefined) return [...page];
  const later = await reader.membersStampedAfter([...missing], page[page.length - 1]!.stamp);
  return [...later, ...page];
}

const keyOf = (memberId: string, id: string): string => `${memberId}\u0000${id}`;

function unique(rows: readonly ChangeRow[], entity: ChangeEntity): EntityKey[] {
  const seen = new Set<string>();
  const keys: EntityKey[] = [];
  for (const r of rows) {
    if (r.entity !== entity) continue;
    const k = keyOf(r.memberId, r.id);
    if (seen.has(k)) continue;
    seen.add(k);
    keys.push({ memberId: r.memberId, id: r.id });
  }
  return keys;
}

/** `entities` in the order of `keys` (the change log's), those not held left out. */
function inOrder<T>(keys: readonly EntityKey[], entities: readonly T[], key: (entity: T) => string): T[] {
  const byKey = new Map(entities.map((e) => [key(e), e]));
  return keys.flatMap((k) => {
    const entity = byKey.get(keyOf(k.memberId, k.id));
    return entity === undefined ? [] : [entity];
  });
}

export function memberForCaller(stored: StoredMember, callerStore: string): PulledMember {
  const member = stored.record;
  if (stored.homeStore === callerStore || member.erasedAt !== null) return { member, contactWithheld: false };
  return { member: { ...member, phone: null, email: null }, contactWithheld: true };
}

/** The entities named by `rows`, read and shaped for the contract (own entries left out unless asked). */
export async function readEntities(reader: PullReader, rows: readonly ChangeRow[], request: Pick<PullRequest, 'storeId' | 'terminalId' | 'own'>): Promise<Omit<PullResponse, 'cursor' | 'latest' | 'more'>> {
  const memberIds = [...new Set(rows.filter((r) => r.entity === 'member').map((r) => r.memberId))];
  const transactionKeys = unique(rows, 'transaction');
  const transferKeys = unique(rows, 'transfer');
  const eventKeys = unique(rows, 'event');
  const [members, transactions, transfers, events] = await Promise.all([
    memberIds.length > 0 ? reader.members(memberIds) : [],
    transactionKeys.length > 0 ? reader.transactions(transactionKeys) : [],
    transferKeys.length > 0 ? reader.transfers(transferKeys) : [],
    eventKeys.length > 0 ? reader.events(eventKeys) : [],
  ]);
  const wanted = (storeId: string, terminalId: string): boolean => request.own || storeId !== request.storeId || terminalId !== request.terminalId;
  const byMember = new Map(members.map((m) => [m.record.id, m]));
  const entityKey = (e: { readonly memberId: string; readonly id: string }): string => keyOf(e.memberId, e.id);
  return {
    members: memberIds.flatMap((id) => {
      const stored = byMember.get(id);
      return stored ? [memberForCaller(stored, request.storeId)] : [];
    }),
    transactions: inOrder(transactionKeys, transactions.filter((t) => wanted(t.storeId, t.terminalId)), entityKey),
    transfers: inOrder(transferKeys, transfers.filter((t) => wanted(t.storeId, t.terminalId)), entityKey),
    events: inOrder(eventKeys, events.filter((e) => wanted(e.storeId, e.event.terminalId)), (e) => entityKey(e.event)).map((e) => e.event),
  };
}

export async function readPullPage(reader: PullReader, request: PullRequest): Promise<PullResponse> {
  const latest = await reader.latest();
  const { rows, more } = await pageChanges(reader, request.cursor, request.limit);
  const cursor = rows.length > 0 ? rows[rows.length - 1]!.stamp : (request.cursor ?? 0n);
  const entities = await readEntities(reader, rows, request);
  return { cursor: cursor.toString(), latest: (latest > cursor ? latest : cursor).toString(), more, ...entities };
}

/** One member's whole state (an unknown card scanned at a counter). */
export async function readMemberState(reader: PullReader & { readonly memberChanges: (memberId: string) => Promise<ChangeRow[]> }, memberId: string, request: Pick<PullRequest, 'storeId' | 'terminalId'>): Promise<Omit<PullResponse, 'cursor' | 'latest' | 'more'>> {
  return readEntities(reader, await reader.memberChanges(memberId), { ...request, own: true });
}

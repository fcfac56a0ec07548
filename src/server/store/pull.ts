/**
 * Reading a pull page (src/contract/pull.ts), shared by both stores: each adapter supplies a
 * `PullReader` for its dialect (where the change stamps come from, how rows are fetched in bulk),
 * and this module decides what a page holds, cuts it on a stamp boundary, leaves out what the
 * terminal booked itself, withholds contact details from other stores and turns rows into the
 * contract's shapes.
 */
import type { PulledMember, PullResponse } from '../../contract/pull.js';
import type { SyncEvent, SyncMember, SyncTransaction, SyncTransfer } from '../../contract/sync.js';
import { int, intOrNull, json, text, textOrNull, type Row } from './rows.js';

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

/** What a store adapter reads for a pull; rows are the adapter's, columns as named below. */
export interface PullReader {
  /** Changes after `after` (all when null) in stamp order, at most `limit` rows, only stamps safe to hand out. */
  changes(after: bigint | null, limit: number): Promise<ChangeRow[]>;
  /** Every change with exactly this stamp (one PostgreSQL transaction can write many rows). */
  changesAt(stamp: bigint): Promise<ChangeRow[]>;
  /** The newest stamp (for progress; 0 when empty). */
  latest(): Promise<bigint>;
  /** member_id, record (JSON text), home_store (the store of the member's enrolment, or null). */
  members(ids: readonly string[]): Promise<Row[]>;
  /** Transaction rows, with request, record and result as JSON text. */
  transactions(keys: readonly EntityKey[]): Promise<Row[]>;
  /** Transfer rows, detail as JSON text. */
  transfers(keys: readonly EntityKey[]): Promise<Row[]>;
  /** Lots granted by these transfers: member_id, id, transfer_id, points, earned_at, expires_at. */
  lots(transfers: readonly EntityKey[]): Promise<Row[]>;
  /** Draws made by these transfers: member_id, lot_id, transfer_id, points. */
  draws(transfers: readonly EntityKey[]): Promise<Row[]>;
  /** Event rows, detail as JSON text. */
  events(keys: readonly EntityKey[]): Promise<Row[]>;
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
 * The changes of one page: up to `limit` rows, ending on a stamp boundary, so that a page never
 * holds half of what one server transaction wrote. A single stamp larger than the limit is taken
 * whole (a page may then exceed the limit; one push is at most a few thousand rows).
 */
export async function pageChanges(reader: PullReader, cursor: bigint | null, limit: number): Promise<{ rows: ChangeRow[]; more: boolean }> {
  const rows = await reader.changes(cursor, limit + 1);
  if (rows.length <= limit) return { rows, more: false };
  const next = rows[limit]!.stamp;
  const kept = rows.slice(0, limit).filter((r) => r.stamp !== next);
  if (kept.length > 0) return { rows: kept, more: true };
  return { rows: await reader.changesAt(next), more: true };
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

function inOrder<T>(keys: readonly EntityKey[], rows: readonly Row[], convert: (row: Row) => T): T[] {
  const byKey = new Map(rows.map((r) => [keyOf(text(r, 'member_id'), text(r, 'id')), r]));
  return keys.flatMap((k) => {
    const row = byKey.get(keyOf(k.memberId, k.id));
    return row ? [convert(row)] : [];
  });
}

const ownRow = (request: Pick<PullRequest, 'storeId' | 'terminalId'>, row: Row): boolean => text(row, 'store_id') === request.storeId && text(row, 'terminal_id') === request.terminalId;

export function memberFromRow(row: Row, callerStore: string): PulledMember {
  const member = json(row, 'record') as SyncMember;
  const home = textOrNull(row, 'home_store');
  if (home === callerStore || member.erasedAt !== null) return { member, contactWithheld: false };
  return { member: { ...member, phone: null, email: null }, contactWithheld: true };
}

export function transactionFromRow(r: Row): SyncTransaction {
  return {
    id: text(r, 'id'),
    storeId: text(r, 'store_id'),
    terminalId: text(r, 'terminal_id'),
    kind: text(r, 'kind') as SyncTransaction['kind'],
    txnId: text(r, 'txn_id'),
    memberId: text(r, 'member_id'),
    originalId: textOrNull(r, 'original_id'),
    requestHash: text(r, 'request_hash'),
    request: json(r, 'request'),
    record: json(r, 'record'),
    result: json(r, 'result'),
    cashier: textOrNull(r, 'cashier'),
    createdAt: int(r, 'created_at'),
  };
}

export function transferFromRow(r: Row, lots: readonly Row[], draws: readonly Row[]): SyncTransfer {
  return {
    id: text(r, 'id'),
    storeId: text(r, 'store_id'),
    terminalId: text(r, 'terminal_id'),
    epoch: int(r, 'epoch'),
    seq: int(r, 'seq'),
    kind: text(r, 'kind'),
    unit: text(r, 'unit') as SyncTransfer['unit'],
    amount: int(r, 'amount'),
    debitAccount: text(r, 'debit_account'),
    creditAccount: text(r, 'credit_account'),
    memberId: text(r, 'member_id'),
    businessKey: text(r, 'business_key'),
    periodKind: textOrNull(r, 'period_kind'),
    period: textOrNull(r, 'period'),
    transactionId: textOrNull(r, 'transaction_id'),
    posTxnId: textOrNull(r, 'pos_txn_id'),
    cashier: textOrNull(r, 'cashier'),
    moneyAmount: intOrNull(r, 'money_amount'),
    currency: text(r, 'currency'),
    programId: text(r, 'program_id'),
    programVersion: int(r, 'program_version'),
    earnRatePoints: intOrNull(r, 'earn_rate_points'),
    earnRatePer: intOrNull(r, 'earn_rate_per'),
    effectiveAt: int(r, 'effective_at'),
    bookedAt: int(r, 'booked_at'),
    localTime: text(r, 'local_time'),
    detail: json(r, 'detail') as Record<string, unknown>,
    lotsGranted: lots.map((l) => ({ id: text(l, 'id'), points: int(l, 'points'), earnedAt: int(l, 'earned_at'), expiresAt: intOrNull(l, 'expires_at') })),
    lotsDrawn: draws.map((d) => ({ lotId: text(d, 'lot_id'), points: int(d, 'points') })),
  };
}

export function eventFromRow(r: Row): SyncEvent {
  return {
    id: text(r, 'id'),
    memberId: text(r, 'member_id'),
    kind: text(r, 'kind'),
    period: text(r, 'period'),
    businessKey: text(r, 'business_key'),
    terminalId: text(r, 'terminal_id'),
    detail: json(r, 'detail') as Record<string, unknown>,
    bookedAt: int(r, 'booked_at'),
  };
}

function grouped(rows: readonly Row[], column: string): Map<string, Row[]> {
  const map = new Map<string, Row[]>();
  for (const r of rows) {
    const k = keyOf(text(r, 'member_id'), text(r, column));
    const list = map.get(k);
    if (list) list.push(r);
    else map.set(k, [r]);
  }
  return map;
}

/** The entities named by `rows`, read and shaped for the contract (own entries left out unless asked). */
export async function readEntities(reader: PullReader, rows: readonly ChangeRow[], request: Pick<PullRequest, 'storeId' | 'terminalId' | 'own'>): Promise<Omit<PullResponse, 'cursor' | 'latest' | 'more'>> {
  const memberIds = [...new Set(rows.filter((r) => r.entity === 'member').map((r) => r.memberId))];
  const transactionKeys = unique(rows, 'transaction');
  const transferKeys = unique(rows, 'transfer');
  const eventKeys = unique(rows, 'event');
  const [memberRows, transactionRows, transferRows, eventRows] = await Promise.all([
    memberIds.length > 0 ? reader.members(memberIds) : [],
    transactionKeys.length > 0 ? reader.transactions(transactionKeys) : [],
    transferKeys.length > 0 ? reader.transfers(transferKeys) : [],
    eventKeys.length > 0 ? reader.events(eventKeys) : [],
  ]);
  const wanted = (row: Row): boolean => request.own || !ownRow(request, row);
  const transfersWanted = transferRows.filter(wanted);
  const wantedKeys = transfersWanted.map((r) => ({ memberId: text(r, 'member_id'), id: text(r, 'id') }));
  const [lotRows, drawRows] = wantedKeys.length > 0 ? await Promise.all([reader.lots(wantedKeys), reader.draws(wantedKeys)]) : [[], []];
  const lotsBy = grouped(lotRows, 'transfer_id');
  const drawsBy = grouped(drawRows, 'transfer_id');
  const byMember = new Map(memberRows.map((r) => [text(r, 'member_id'), r]));
  return {
    members: memberIds.flatMap((id) => {
      const row = byMember.get(id);
      return row ? [memberFromRow(row, request.storeId)] : [];
    }),
    transactions: inOrder(transactionKeys, transactionRows.filter(wanted), transactionFromRow),
    transfers: inOrder(transferKeys, transfersWanted, (r) => {
      const k = keyOf(text(r, 'member_id'), text(r, 'id'));
      return transferFromRow(r, lotsBy.get(k) ?? [], drawsBy.get(k) ?? []);
    }),
    events: inOrder(eventKeys, eventRows.filter(wanted), eventFromRow),
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

/**
 * The outbox, read for sync: pending rows in the order they were committed, each turned into the
 * item the server takes (src/contract/sync.ts), and acknowledged only from the server's answer.
 * A member's outbox rows name the version written then; the ledger keeps only the current record,
 * so the newest version is sent once and acknowledges every older row of that member.
 */
import type { PushItem, SyncEvent, SyncMember, SyncTransaction, SyncTransfer } from '../../contract/sync.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite.js';

export interface PendingRow {
  /** The outbox row ids this item acknowledges when the server has it. */
  readonly outboxIds: readonly number[];
  readonly item: PushItem;
  /** For transfers: the sequence they carry. */
  readonly epoch: number | null;
  readonly seq: number | null;
  /**
   * About what the item adds to a push body, in UTF-8 bytes (its JSON as read, and the envelope):
   * known for free here, so the push can stay under the server's body limit without measuring.
   */
  readonly bytes: number;
}

/** `{"entity":"transaction","transaction":…},` around an entry's own JSON, with room to spare. */
const ENVELOPE_BYTES = 48;

interface OutboxRow {
  id: number;
  entity: 'transfer' | 'member' | 'transaction' | 'event';
  entity_id: string;
  entity_version: number | null;
}

export function pendingCount(db: SqliteDatabase): number {
  return db.prepare('SELECT count(*) FROM outbox WHERE acked_at IS NULL').pluck().get() as number;
}

/**
 * Statements of the read path, prepared once per database: a push reads a batch every few
 * milliseconds, and preparing costs more than running these lookups.
 */
const statements = new WeakMap<SqliteDatabase, Map<string, SqliteStatement>>();

function stmt(db: SqliteDatabase, sql: string): SqliteStatement {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let s = cache.get(sql);
  if (!s) {
    s = db.prepare(sql);
    cache.set(sql, s);
  }
  return s;
}

/*
 * Each entry is read as the JSON of its push item, made by SQLite (json_object over the columns,
 * the stored JSON columns embedded as they are), one statement per entity for the whole batch
 * (`json_each(?)` of the ids, each an indexed lookup), and parsed once per entity. Reading the rows
 * into JavaScript and building the objects there cost three times as much (a push reads a batch of
 * up to 1,000 entries every few milliseconds). The field names are the contract's
 * (src/contract/sync.ts); the server validates every item, and outbox.test.ts holds these to it.
 *
 * A transfer's lots are found through the lots' primary key: the lots a transfer grants are
 * `<transfer id>:<n>` (src/core/rules/plan.ts; the server and every terminal derive time-driven
 * lots by that rule). The lots table has no index on transfer_id, and a scan per transfer made a
 * push quadratic in the ledger's size; a credit of the member's points that finds no lot this way
 * is looked up by a scan (transfersLotsByScan), so a lot named otherwise would still be sent.
 */
const TRANSFER_JSON = `SELECT json_object(
    'id', t.id, 'storeId', t.store_id, 'terminalId', t.terminal_id, 'epoch', t.epoch, 'seq', t.seq, 'kind', t.kind, 'unit', t.unit,
    'amount', t.amount, 'debitAccount', t.debit_account, 'creditAccount', t.credit_account, 'memberId', t.member_id,
    'businessKey', t.business_key, 'periodKind', t.period_kind, 'period', t.period, 'transactionId', t.transaction_id,
    'posTxnId', t.pos_txn_id, 'cashier', t.cashier, 'moneyAmount', t.money_amount, 'currency', t.currency,
    'programId', t.program_id, 'programVersion', t.program_version, 'earnRatePoints', t.earn_rate_points,
    'earnRatePer', t.earn_rate_per, 'effectiveAt', t.effective_at, 'bookedAt', t.booked_at, 'localTime', t.local_time,
    'detail', json(t.detail),
    'lotsGranted', (SELECT json_group_array(json_object('id', l.id, 'points', l.points, 'earnedAt', l.earned_at, 'expiresAt', l.expires_at) ORDER BY l.rowid)
                    FROM lots l WHERE l.id >= t.id || ':' AND l.id < t.id || ';' AND l.transfer_id = t.id),
    'lotsDrawn', (SELECT json_group_array(json_object('lotId', d.lot_id, 'points', d.points) ORDER BY d.lot_id) FROM lot_draws d WHERE d.transfer_id = t.id))
  FROM json_each(?) k CROSS JOIN transfers t ON t.id = k.value`;

const TRANSFER_LOTS_BY_SCAN = `SELECT json_group_array(json_object('id', id, 'points', points, 'earnedAt', earned_at, 'expiresAt', expires_at) ORDER BY rowid)
  FROM lots WHERE transfer_id = ?`;

const TRANSACTION_JSON = `SELECT json_object(
    'id', t.id, 'storeId', t.store_id, 'terminalId', t.terminal_id, 'kind', t.kind, 'txnId', t.txn_id, 'memberId', t.member_id,
    'originalId', t.original_id, 'requestHash', t.request_hash, 'request', json(t.request), 'record', json(t.record),
    'result', json(t.result), 'cashier', t.cashier, 'createdAt', t.created_at)
  FROM json_each(?) k CROSS JOIN transactions t ON t.id = k.value`;

const EVENT_JSON = `SELECT json_object(
    'id', e.id, 'memberId', e.member_id, 'kind', e.kind, 'period', e.period, 'businessKey', e.business_key,
    'terminalId', e.terminal_id, 'detail', json(e.detail), 'bookedAt', e.booked_at)
  FROM json_each(?) k CROSS JOIN events e ON e.id = k.value`;

const MEMBER_JSON = `SELECT json_object(
    'id', m.id, 'version', m.version, 'name', m.name, 'phone', m.phone, 'email', m.email, 'birthday', m.birthday,
    'marketingConsent', json(CASE m.marketing_consent WHEN 1 THEN 'true' ELSE 'false' END), 'enrolledAt', m.enrolled_at,
    'enrolledBy', m.enrolled_by, 'qrRef', m.qr_ref, 'pinHash', m.pin_hash, 'erasedAt', m.erased_at, 'updatedAt', m.updated_at,
    'cards', (SELECT json_group_array(c.code ORDER BY c.added_at, c.code) FROM card_codes c WHERE c.member_id = m.id))
  FROM json_each(?) k CROSS JOIN members m ON m.id = k.value`;

/** The member record as this ledger would push it now (undefined for a member it does not hold). */
export function memberSnapshot(db: SqliteDatabase, id: string): SyncMember | undefined {
  return itemsById<SyncMember>(db, MEMBER_JSON, [id]).get(id)?.item;
}

interface Read<T> {
  readonly item: T;
  readonly bytes: number;
}

/** The items `sql` makes for `ids`, by id (an id the ledger does not have is simply absent). */
function itemsById<T extends { readonly id: string }>(db: SqliteDatabase, sql: string, ids: readonly string[]): Map<string, Read<T>> {
  if (ids.length === 0) return new Map();
  const texts = stmt(db, sql).pluck().all(JSON.stringify(ids)) as string[];
  const items = JSON.parse(`[${texts.join(',')}]`) as T[];
  return new Map(items.map((item, i) => [item.id, { item, bytes: Buffer.byteLength(texts[i]!) + ENVELOPE_BYTES }]));
}

function transferItems(db: SqliteDatabase, ids: readonly string[]): Map<string, Read<SyncTransfer>> {
  const transfers = itemsById<SyncTransfer>(db, TRANSFER_JSON, ids);
  for (const [id, { item: t }] of transfers) {
    if (t.lotsGranted.length === 0 && t.unit === 'points' && t.creditAccount === `member:${t.memberId}`) {
      const lots = JSON.parse(stmt(db, TRANSFER_LOTS_BY_SCAN).pluck().get(id) as string) as SyncTransfer['lotsGranted'];
      if (lots.length > 0) {
        const item = { ...t, lotsGranted: lots };
        transfers.set(id, { item, bytes: Buffer.byteLength(JSON.stringify(item)) + ENVELOPE_BYTES });
      }
    }
  }
  return transfers;
}

function missing(row: OutboxRow): never {
  throw new Error(`outbox row ${row.id} names ${row.entity} ${row.entity_id}, which the ledger does not have`);
}

/**
 * Where a read starts when the push reads the next batch while the server applies the current one:
 * after outbox row `after`, passing over the rows in `skip` (the current batch's, not acknowledged
 * yet), so that it gives what a read after acknowledging them would.
 */
export interface ReadFrom {
  readonly after: number;
  readonly skip: ReadonlySet<number>;
}

/**
 * Up to `limit` pending items, oldest first (from `from`, when given). A member with several pending
 * rows appears once, at its first row, with its current record, acknowledging all of them (among
 * the first `4 × limit` pending rows; later ones are acknowledged with the next push of that member).
 */
export function pendingItems(db: SqliteDatabase, limit: number, from?: ReadFrom): PendingRow[] {
  const page = stmt(db, 'SELECT id, entity, entity_id, entity_version FROM outbox WHERE acked_at IS NULL AND id > ? ORDER BY id LIMIT ?');
  const chosen: { readonly row: OutboxRow; readonly outboxIds: number[] }[] = [];
  const members = new Map<string, number[]>();
  // Read a page at a time: repeated member rows are rare, so one page of `limit` rows is the usual batch.
  let last = from?.after ?? 0;
  let budget = limit * 4;
  reading: while (chosen.length < limit && budget > 0) {
    const want = Math.min(limit, budget);
    const rows = page.all(last, want) as OutboxRow[];
    for (const row of rows) {
      if (chosen.length >= limit) break reading;
      last = row.id;
      if (from?.skip.has(row.id)) continue;
      budget -= 1;
      if (row.entity === 'member') {
        const seen = members.get(row.entity_id);
        if (seen) {
          seen.push(row.id);
          continue;
        }
        const ids = [row.id];
        members.set(row.entity_id, ids);
        chosen.push({ row, outboxIds: ids });
        continue;
      }
      chosen.push({ row, outboxIds: [row.id] });
    }
    if (rows.length < want) break;
  }
  const idsOf = (entity: OutboxRow['entity']): string[] => chosen.filter((c) => c.row.entity === entity).map((c) => c.row.entity_id);
  const transfers = transferItems(db, idsOf('transfer'));
  const transactions = itemsById<SyncTransaction>(db, TRANSACTION_JSON, idsOf('transaction'));
  const events = itemsById<SyncEvent>(db, EVENT_JSON, idsOf('event'));
  const memberRecords = itemsById<SyncMember>(db, MEMBER_JSON, idsOf('member'));
  return chosen.map(({ row, outboxIds }): PendingRow => {
    switch (row.entity) {
      case 'transfer': {
        const { item: transfer, bytes } = transfers.get(row.entity_id) ?? missing(row);
        return { outboxIds, item: { entity: 'transfer', transfer }, epoch: transfer.epoch, seq: transfer.seq, bytes };
      }
      case 'transaction': {
        const { item: transaction, bytes } = transactions.get(row.entity_id) ?? missing(row);
        return { outboxIds, item: { entity: 'transaction', transaction }, epoch: null, seq: null, bytes };
      }
      case 'event': {
        const { item: event, bytes } = events.get(row.entity_id) ?? missing(row);
        return { outboxIds, item: { entity: 'event', event }, epoch: null, seq: null, bytes };
      }
      case 'member': {
        const { item: member, bytes } = memberRecords.get(row.entity_id) ?? missing(row);
        return { outboxIds, item: { entity: 'member', member }, epoch: null, seq: null, bytes };
      }
    }
  });
}

/** Marks outbox rows acknowledged (the server holds their entries); never un-marks. */
export function acknowledge(db: SqliteDatabase, outboxIds: readonly number[], now: number): void {
  const mark = db.prepare('UPDATE outbox SET acked_at = ? WHERE id = ? AND acked_at IS NULL');
  db.transaction(() => {
    for (const id of outboxIds) mark.run(now, id);
  })();
}

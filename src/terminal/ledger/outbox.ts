/**
 * The outbox, read for sync: pending rows in the order they were committed, each turned into the
 * item the server takes (src/contract/sync.ts), and acknowledged only from the server's answer.
 * A member's outbox rows name the version written then; the ledger keeps only the current record,
 * so the newest version is sent once and acknowledges every older row of that member.
 */
import type { PushItem, SyncEvent, SyncMember, SyncTransaction, SyncTransfer } from '../../contract/sync.js';
import type { TransactionKind } from './ledger.js';
import type { SqliteDatabase } from './sqlite.js';

export interface PendingRow {
  /** The outbox row ids this item acknowledges when the server has it. */
  readonly outboxIds: readonly number[];
  readonly item: PushItem;
  /** For transfers: the sequence they carry. */
  readonly epoch: number | null;
  readonly seq: number | null;
}

interface OutboxRow {
  id: number;
  entity: 'transfer' | 'member' | 'transaction' | 'event';
  entity_id: string;
  entity_version: number | null;
}

interface TransferRow {
  id: string;
  terminal_id: string;
  epoch: number;
  seq: number;
  kind: string;
  unit: 'points' | 'money';
  amount: number;
  debit_account: string;
  credit_account: string;
  member_id: string;
  business_key: string;
  period_kind: string | null;
  period: string | null;
  transaction_id: string | null;
  store_id: string;
  pos_txn_id: string | null;
  cashier: string | null;
  money_amount: number | null;
  currency: string;
  program_id: string;
  program_version: number;
  earn_rate_points: number | null;
  earn_rate_per: number | null;
  effective_at: number;
  booked_at: number;
  local_time: string;
  detail: string;
}

export function pendingCount(db: SqliteDatabase): number {
  return db.prepare('SELECT count(*) FROM outbox WHERE acked_at IS NULL').pluck().get() as number;
}

function transferItem(db: SqliteDatabase, id: string): SyncTransfer | undefined {
  const t = db.prepare('SELECT * FROM transfers WHERE id = ?').get(id) as TransferRow | undefined;
  if (!t) return undefined;
  const lotsGranted = (db.prepare('SELECT id, points, earned_at, expires_at FROM lots WHERE transfer_id = ? ORDER BY rowid').all(id) as { id: string; points: number; earned_at: number; expires_at: number | null }[]).map((l) => ({
    id: l.id,
    points: l.points,
    earnedAt: l.earned_at,
    expiresAt: l.expires_at,
  }));
  const lotsDrawn = (db.prepare('SELECT lot_id, points FROM lot_draws WHERE transfer_id = ? ORDER BY lot_id').all(id) as { lot_id: string; points: number }[]).map((d) => ({ lotId: d.lot_id, points: d.points }));
  return {
    id: t.id,
    storeId: t.store_id,
    terminalId: t.terminal_id,
    epoch: t.epoch,
    seq: t.seq,
    kind: t.kind,
    unit: t.unit,
    amount: t.amount,
    debitAccount: t.debit_account,
    creditAccount: t.credit_account,
    memberId: t.member_id,
    businessKey: t.business_key,
    periodKind: t.period_kind,
    period: t.period,
    transactionId: t.transaction_id,
    posTxnId: t.pos_txn_id,
    cashier: t.cashier,
    moneyAmount: t.money_amount,
    currency: t.currency,
    programId: t.program_id,
    programVersion: t.program_version,
    earnRatePoints: t.earn_rate_points,
    earnRatePer: t.earn_rate_per,
    effectiveAt: t.effective_at,
    bookedAt: t.booked_at,
    localTime: t.local_time,
    detail: JSON.parse(t.detail) as Record<string, unknown>,
    lotsGranted,
    lotsDrawn,
  };
}

function transactionItem(db: SqliteDatabase, id: string): SyncTransaction | undefined {
  const t = db.prepare('SELECT * FROM transactions WHERE id = ?').get(id) as
    | { id: string; store_id: string; terminal_id: string; kind: TransactionKind; txn_id: string; member_id: string; original_id: string | null; request_hash: string; request: string; record: string; result: string; cashier: string | null; created_at: number }
    | undefined;
  if (!t) return undefined;
  return {
    id: t.id,
    storeId: t.store_id,
    terminalId: t.terminal_id,
    kind: t.kind,
    txnId: t.txn_id,
    memberId: t.member_id,
    originalId: t.original_id,
    requestHash: t.request_hash,
    request: JSON.parse(t.request) as unknown,
    record: JSON.parse(t.record) as unknown,
    result: JSON.parse(t.result) as unknown,
    cashier: t.cashier,
    createdAt: t.created_at,
  };
}

function eventItem(db: SqliteDatabase, id: string): SyncEvent | undefined {
  const e = db.prepare('SELECT * FROM events WHERE id = ?').get(id) as
    | { id: string; member_id: string; kind: string; period: string; business_key: string; terminal_id: string; detail: string; booked_at: number }
    | undefined;
  if (!e) return undefined;
  return { id: e.id, memberId: e.member_id, kind: e.kind, period: e.period, businessKey: e.business_key, terminalId: e.terminal_id, detail: JSON.parse(e.detail) as Record<string, unknown>, bookedAt: e.booked_at };
}

function memberItem(db: SqliteDatabase, id: string): SyncMember | undefined {
  const m = db.prepare('SELECT * FROM members WHERE id = ?').get(id) as
    | {
        id: string;
        version: number;
        name: string | null;
        phone: string | null;
        email: string | null;
        birthday: string | null;
        marketing_consent: number;
        enrolled_at: number;
        enrolled_by: string;
        qr_ref: string | null;
        pin_hash: string | null;
        erased_at: number | null;
        updated_at: number;
      }
    | undefined;
  if (!m) return undefined;
  const cards = db.prepare('SELECT code FROM card_codes WHERE member_id = ? ORDER BY added_at, code').pluck().all(id) as string[];
  return {
    id: m.id,
    version: m.version,
    name: m.name,
    phone: m.phone,
    email: m.email,
    birthday: m.birthday,
    marketingConsent: m.marketing_consent === 1,
    enrolledAt: m.enrolled_at,
    enrolledBy: m.enrolled_by,
    qrRef: m.qr_ref,
    pinHash: m.pin_hash,
    erasedAt: m.erased_at,
    updatedAt: m.updated_at,
    cards,
  };
}

/**
 * Up to `limit` pending items, oldest first. A member with several pending rows appears once, at
 * its first row, with its current record, acknowledging all of them.
 */
export function pendingItems(db: SqliteDatabase, limit: number): PendingRow[] {
  const rows = db.prepare('SELECT id, entity, entity_id, entity_version FROM outbox WHERE acked_at IS NULL ORDER BY id LIMIT ?').all(limit * 4) as OutboxRow[];
  const out: PendingRow[] = [];
  const members = new Map<string, number[]>();
  for (const row of rows) {
    if (out.length >= limit) break;
    if (row.entity === 'member') {
      const seen = members.get(row.entity_id);
      if (seen) {
        seen.push(row.id);
        continue;
      }
      const member = memberItem(db, row.entity_id);
      if (!member) throw new Error(`outbox row ${row.id} names member ${row.entity_id}, which the ledger does not have`);
      const ids = [row.id];
      members.set(row.entity_id, ids);
      out.push({ outboxIds: ids, item: { entity: 'member', member }, epoch: null, seq: null });
      continue;
    }
    if (row.entity === 'transfer') {
      const transfer = transferItem(db, row.entity_id);
      if (!transfer) throw new Error(`outbox row ${row.id} names transfer ${row.entity_id}, which the ledger does not have`);
      out.push({ outboxIds: [row.id], item: { entity: 'transfer', transfer }, epoch: transfer.epoch, seq: transfer.seq });
    } else if (row.entity === 'transaction') {
      const transaction = transactionItem(db, row.entity_id);
      if (!transaction) throw new Error(`outbox row ${row.id} names transaction ${row.entity_id}, which the ledger does not have`);
      out.push({ outboxIds: [row.id], item: { entity: 'transaction', transaction }, epoch: null, seq: null });
    } else {
      const event = eventItem(db, row.entity_id);
      if (!event) throw new Error(`outbox row ${row.id} names event ${row.entity_id}, which the ledger does not have`);
      out.push({ outboxIds: [row.id], item: { entity: 'event', event }, epoch: null, seq: null });
    }
  }
  // Later rows of a member already in the batch, beyond the rows read: acknowledged with it next time.
  return out;
}

/** Marks outbox rows acknowledged (the server holds their entries); never un-marks. */
export function acknowledge(db: SqliteDatabase, outboxIds: readonly number[], now: number): void {
  const mark = db.prepare('UPDATE outbox SET acked_at = ? WHERE id = ? AND acked_at IS NULL');
  db.transaction(() => {
    for (const id of outboxIds) mark.run(now, id);
  })();
}

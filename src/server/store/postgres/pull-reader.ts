/**
 * The pull reader on PostgreSQL: a row's stamp is the id of the transaction that wrote it
 * (`change_xid`). Only stamps below the oldest transaction still running are handed out
 * (`pg_snapshot_xmin`): every transaction below it has committed or aborted, so no row can appear
 * later behind a cursor a terminal already holds. Rows are fetched in bulk by key arrays (one round
 * trip per table per page, those of one page sent together) and turned into the contract's shapes
 * here, each value checked against its column's type.
 */
import type { SyncEvent, SyncMember, SyncTransaction, SyncTransfer } from '../../../contract/sync.js';
import type { Row } from '../rows.js';
import { int, intOrNull, json, text, textOrNull } from '../rows.js';
import type { ChangeEntity, ChangeRow, EntityKey, PullReader, StoredEvent, StoredMember } from '../pull.js';
import type { PgPool } from './driver.js';

const TRANSFER_COLUMNS = `member_id, id, store_id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, business_key, period_kind, period,
  transaction_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version, earn_rate_points, earn_rate_per, effective_at, booked_at, local_time, detail::text AS detail`;

const KEYS = 'unnest($1::text[], $2::text[]) AS k(member_id, id)';

function changeFromRow(r: Row): ChangeRow {
  return { stamp: BigInt(text(r, 'stamp')), entity: text(r, 'entity') as ChangeEntity, memberId: text(r, 'member_id'), id: text(r, 'id') };
}

const arrays = (keys: readonly EntityKey[]): [string[], string[]] => [keys.map((k) => k.memberId), keys.map((k) => k.id)];

function transactionFromRow(r: Row): SyncTransaction {
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

function transferFromRow(r: Row, lots: readonly Row[], draws: readonly Row[]): SyncTransfer {
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

function eventFromRow(r: Row): StoredEvent {
  const event: SyncEvent = {
    id: text(r, 'id'),
    memberId: text(r, 'member_id'),
    kind: text(r, 'kind'),
    period: text(r, 'period'),
    businessKey: text(r, 'business_key'),
    terminalId: text(r, 'terminal_id'),
    detail: json(r, 'detail') as Record<string, unknown>,
    bookedAt: int(r, 'booked_at'),
  };
  return { storeId: text(r, 'store_id'), event };
}

/** Lot or draw rows by the transfer that made them. */
function byTransfer(rows: readonly Row[]): Map<string, Row[]> {
  const map = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${text(r, 'member_id')}\u0000${text(r, 'transfer_id')}`;
    const list = map.get(k);
    if (list) list.push(r);
    else map.set(k, [r]);
  }
  return map;
}

export class PostgresPullReader implements PullReader {
  /** One stamp per committing transaction: a page never splits a push (see pageChanges). */
  readonly stampPerRow = false;

  constructor(private readonly pool: PgPool) {}

  private async rows(name: string, sql: string, values: readonly unknown[]): Promise<Row[]> {
    return (await this.pool.query({ name, text: sql, values: [...values] })).rows as Row[];
  }

  async changes(after: bigint | null, limit: number): Promise<ChangeRow[]> {
    const rows = await this.rows(
      'tally-pull-changes',
      `WITH bound AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin, $1::text::xid8 AS after)
       SELECT stamp::text AS stamp, entity, member_id, id FROM (
         SELECT change_xid AS stamp, 'member' AS entity, member_id, member_id AS id FROM members, bound WHERE change_xid > bound.after AND change_xid < bound.xmin
         UNION ALL SELECT change_xid, 'transaction', member_id, id FROM transactions, bound WHERE change_xid > bound.after AND change_xid < bound.xmin
         UNION ALL SELECT change_xid, 'transfer', member_id, id FROM transfers, bound WHERE change_xid > bound.after AND change_xid < bound.xmin
         UNION ALL SELECT change_xid, 'event', member_id, id FROM events, bound WHERE change_xid > bound.after AND change_xid < bound.xmin
       ) c ORDER BY c.stamp, CASE c.entity WHEN 'member' THEN 0 WHEN 'transaction' THEN 1 WHEN 'transfer' THEN 2 ELSE 3 END, c.member_id, c.id LIMIT $2`,
      [(after ?? 0n).toString(), limit],
    );
    return rows.map(changeFromRow);
  }

  async changesAt(stamp: bigint): Promise<ChangeRow[]> {
    const rows = await this.rows(
      'tally-pull-changes-at',
      `SELECT stamp::text AS stamp, entity, member_id, id FROM (
         SELECT change_xid AS stamp, 'member' AS entity, member_id, member_id AS id FROM members WHERE change_xid = $1::text::xid8
         UNION ALL SELECT change_xid, 'transaction', member_id, id FROM transactions WHERE change_xid = $1::text::xid8
         UNION ALL SELECT change_xid, 'transfer', member_id, id FROM transfers WHERE change_xid = $1::text::xid8
         UNION ALL SELECT change_xid, 'event', member_id, id FROM events WHERE change_xid = $1::text::xid8
       ) c ORDER BY CASE c.entity WHEN 'member' THEN 0 WHEN 'transaction' THEN 1 WHEN 'transfer' THEN 2 ELSE 3 END, c.member_id, c.id`,
      [stamp.toString()],
    );
    return rows.map(changeFromRow);
  }

  async membersStampedAfter(memberIds: readonly string[], stamp: bigint): Promise<ChangeRow[]> {
    // Visible rows are committed: a record stamped at or past pg_snapshot_xmin is still safe to
    // send early (it is the current record); only the cursor must not pass that stamp, and it does
    // not (pull.ts puts these rows first).
    const rows = await this.rows(
      'tally-pull-members-later',
      `SELECT change_xid::text AS stamp, 'member' AS entity, member_id, member_id AS id FROM members
       WHERE member_id = ANY($1::text[]) AND change_xid > $2::text::xid8 ORDER BY member_id`,
      [[...memberIds], stamp.toString()],
    );
    return rows.map(changeFromRow);
  }

  async latest(): Promise<bigint> {
    const [row] = await this.rows(
      'tally-pull-latest',
      `SELECT greatest((SELECT max(change_xid) FROM members), (SELECT max(change_xid) FROM transactions), (SELECT max(change_xid) FROM transfers), (SELECT max(change_xid) FROM events))::text AS stamp`,
      [],
    );
    const stamp = row?.['stamp'];
    return typeof stamp === 'string' ? BigInt(stamp) : 0n;
  }

  async members(ids: readonly string[]): Promise<StoredMember[]> {
    const rows = await this.rows(
      'tally-pull-members',
      `SELECT m.member_id, m.record::text AS record,
         (SELECT t.store_id FROM transactions t WHERE t.member_id = m.member_id AND t.kind = 'enrolment' ORDER BY t.created_at LIMIT 1) AS home_store
       FROM members m WHERE m.member_id = ANY($1::text[])`,
      [[...ids]],
    );
    return rows.map((r) => ({ record: json(r, 'record') as SyncMember, homeStore: textOrNull(r, 'home_store') }));
  }

  async transactions(keys: readonly EntityKey[]): Promise<SyncTransaction[]> {
    const rows = await this.rows(
      'tally-pull-transactions',
      `SELECT t.member_id, t.id, t.store_id, t.terminal_id, t.kind, t.txn_id, t.original_id, t.request_hash, t.request::text AS request, t.record::text AS record,
              t.result::text AS result, t.cashier, t.created_at
       FROM ${KEYS} JOIN transactions t ON t.member_id = k.member_id AND t.id = k.id`,
      arrays(keys),
    );
    return rows.map(transactionFromRow);
  }

  async transfers(keys: readonly EntityKey[]): Promise<SyncTransfer[]> {
    const columns = TRANSFER_COLUMNS.split(',').map((c) => `t.${c.trim()}`).join(', ');
    const [transfers, lots, draws] = await Promise.all([
      this.rows('tally-pull-transfers', `SELECT ${columns} FROM ${KEYS} JOIN transfers t ON t.member_id = k.member_id AND t.id = k.id`, arrays(keys)),
      this.rows(
        'tally-pull-lots',
        `SELECT l.member_id, l.id, l.transfer_id, l.points, l.earned_at, l.expires_at FROM ${KEYS} JOIN lots l ON l.member_id = k.member_id AND l.transfer_id = k.id ORDER BY l.id`,
        arrays(keys),
      ),
      this.rows(
        'tally-pull-draws',
        `SELECT d.member_id, d.lot_id, d.transfer_id, d.points FROM ${KEYS} JOIN lot_draws d ON d.member_id = k.member_id AND d.transfer_id = k.id ORDER BY d.lot_id`,
        arrays(keys),
      ),
    ]);
    const lotsBy = byTransfer(lots);
    const drawsBy = byTransfer(draws);
    return transfers.map((r) => {
      const k = `${text(r, 'member_id')}\u0000${text(r, 'id')}`;
      return transferFromRow(r, lotsBy.get(k) ?? [], drawsBy.get(k) ?? []);
    });
  }

  async events(keys: readonly EntityKey[]): Promise<StoredEvent[]> {
    const rows = await this.rows(
      'tally-pull-events',
      `SELECT e.member_id, e.id, e.store_id, e.terminal_id, e.kind, e.period, e.business_key, e.detail::text AS detail, e.booked_at
       FROM ${KEYS} JOIN events e ON e.member_id = k.member_id AND e.id = k.id`,
      arrays(keys),
    );
    return rows.map(eventFromRow);
  }

  async memberChanges(memberId: string): Promise<ChangeRow[]> {
    const rows = await this.rows(
      'tally-member-changes',
      `SELECT '0' AS stamp, entity, member_id, id FROM (
         SELECT 'member' AS entity, member_id, member_id AS id, 0::bigint AS at FROM members WHERE member_id = $1
         UNION ALL SELECT 'transaction', member_id, id, received_at FROM transactions WHERE member_id = $1
         UNION ALL SELECT 'transfer', member_id, id, received_at FROM transfers WHERE member_id = $1
         UNION ALL SELECT 'event', member_id, id, received_at FROM events WHERE member_id = $1
       ) c ORDER BY at`,
      [memberId],
    );
    return rows.map(changeFromRow);
  }
}

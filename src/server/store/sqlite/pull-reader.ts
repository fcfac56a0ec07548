/**
 * The pull reader on SQLite: stamps are positions in the `changes` log (filled by triggers, in
 * commit order, since SQLite runs one write at a time).
 *
 * Each kind of entity is read with one statement per page, joined to the page's keys (passed as one
 * JSON array), rows as plain arrays turned into the contract's objects here. A million-member pull
 * reads millions of rows: a statement per key, or an object per row and column from the driver,
 * cost several times more than the lookups themselves (building the JSON in SQL and parsing it was
 * slower too). The tables are STRICT, so each column holds the type the contract expects; the JSON
 * columns were written by the server from validated input.
 */
import type { SyncTransaction, SyncTransfer } from '../../../contract/sync.js';
import type { ChangeEntity, ChangeRow, EntityKey, PullReader, StoredEvent, StoredMember } from '../pull.js';
import type { SqliteDatabase, SqliteStatement } from './driver.js';

/** The page's keys as the statements read them: `[[member_id, id], …]` through json_each. */
const KEYS = 'json_each(?) AS k';
const KEY_MEMBER = "k.value ->> '$[0]'";
const KEY_ID = "k.value ->> '$[1]'";

const TRANSACTIONS = `SELECT t.id, t.store_id, t.terminal_id, t.kind, t.txn_id, t.member_id, t.original_id, t.request_hash, t.request, t.record, t.result, t.cashier, t.created_at
  FROM ${KEYS} JOIN transactions t ON t.member_id = ${KEY_MEMBER} AND t.id = ${KEY_ID}`;

// Lots and draws as one small JSON array per transfer ('[]' for most), in lot id order.
const TRANSFERS = `SELECT t.id, t.store_id, t.terminal_id, t.epoch, t.seq, t.kind, t.unit, t.amount, t.debit_account, t.credit_account, t.member_id, t.business_key,
    t.period_kind, t.period, t.transaction_id, t.pos_txn_id, t.cashier, t.money_amount, t.currency, t.program_id, t.program_version,
    t.earn_rate_points, t.earn_rate_per, t.effective_at, t.booked_at, t.local_time, t.detail,
    (SELECT json_group_array(json_object('id', l.id, 'points', l.points, 'earnedAt', l.earned_at, 'expiresAt', l.expires_at))
      FROM (SELECT id, points, earned_at, expires_at FROM lots WHERE member_id = t.member_id AND transfer_id = t.id ORDER BY id) AS l),
    (SELECT json_group_array(json_object('lotId', d.lot_id, 'points', d.points))
      FROM (SELECT lot_id, points FROM lot_draws WHERE member_id = t.member_id AND transfer_id = t.id ORDER BY lot_id) AS d)
  FROM ${KEYS} JOIN transfers t ON t.member_id = ${KEY_MEMBER} AND t.id = ${KEY_ID}`;

const EVENTS = `SELECT e.id, e.member_id, e.kind, e.period, e.business_key, e.terminal_id, e.detail, e.booked_at, e.store_id
  FROM ${KEYS} JOIN events e ON e.member_id = ${KEY_MEMBER} AND e.id = ${KEY_ID}`;

// The home store: where the member's first enrolment was recorded.
const MEMBERS = `SELECT m.record, (SELECT t.store_id FROM transactions t WHERE t.member_id = m.member_id AND t.kind = 'enrolment' ORDER BY t.created_at LIMIT 1)
  FROM json_each(?) AS k JOIN members m ON m.member_id = k.value`;

type Cell = string | number | null;

const list = <T>(text: Cell): T[] => (text === '[]' ? [] : (JSON.parse(text as string) as T[]));

const ENTITIES: readonly ChangeEntity[] = ['member', 'transaction', 'transfer', 'event'];

type ChangeTuple = [id: number | bigint, memberId: string, entity: string, entityId: string];

function changeFromTuple([id, memberId, entity, entityId]: ChangeTuple): ChangeRow {
  // The log's CHECK allows these four only; anything else is a damaged file, not an entity to skip.
  if (!ENTITIES.includes(entity as ChangeEntity)) throw new TypeError(`database column changes.entity: unexpected ${JSON.stringify(entity.slice(0, 40))}`);
  return { stamp: BigInt(id), entity: entity as ChangeEntity, memberId, id: entityId };
}

export class SqlitePullReader implements PullReader {
  /** Each row of the change log is a stamp of its own (see pageChanges). */
  readonly stampPerRow = true;
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(private readonly db: SqliteDatabase) {}

  private stmt(sql: string, raw = false): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (raw) statement.raw(true);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** One statement over all `keys`, its rows as arrays. */
  private rows(sql: string, keys: unknown): Cell[][] {
    return this.stmt(sql, true).all(JSON.stringify(keys)) as Cell[][];
  }

  private static pairs(keys: readonly EntityKey[]): [string, string][] {
    return keys.map((k) => [k.memberId, k.id]);
  }

  async changes(after: bigint | null, limit: number): Promise<ChangeRow[]> {
    return (this.stmt('SELECT id, member_id, entity, entity_id FROM changes WHERE id > ? ORDER BY id LIMIT ?', true).all(after ?? 0n, limit) as ChangeTuple[]).map(changeFromTuple);
  }

  async changesAt(stamp: bigint): Promise<ChangeRow[]> {
    return (this.stmt('SELECT id, member_id, entity, entity_id FROM changes WHERE id = ?', true).all(stamp) as ChangeTuple[]).map(changeFromTuple);
  }

  async latest(): Promise<bigint> {
    return BigInt(this.stmt('SELECT coalesce(max(id), 0) FROM changes').pluck().get() as number);
  }

  async members(ids: readonly string[]): Promise<StoredMember[]> {
    return this.rows(MEMBERS, ids).map(([record, home]) => ({ record: JSON.parse(record as string) as StoredMember['record'], homeStore: home as string | null }));
  }

  async transactions(keys: readonly EntityKey[]): Promise<SyncTransaction[]> {
    return this.rows(TRANSACTIONS, SqlitePullReader.pairs(keys)).map((r) => ({
      id: r[0] as string,
      storeId: r[1] as string,
      terminalId: r[2] as string,
      kind: r[3] as SyncTransaction['kind'],
      txnId: r[4] as string,
      memberId: r[5] as string,
      originalId: r[6] as string | null,
      requestHash: r[7] as string,
      request: JSON.parse(r[8] as string) as unknown,
      record: JSON.parse(r[9] as string) as unknown,
      result: JSON.parse(r[10] as string) as unknown,
      cashier: r[11] as string | null,
      createdAt: r[12] as number,
    }));
  }

  async transfers(keys: readonly EntityKey[]): Promise<SyncTransfer[]> {
    return this.rows(TRANSFERS, SqlitePullReader.pairs(keys)).map((r) => ({
      id: r[0] as string,
      storeId: r[1] as string,
      terminalId: r[2] as string,
      epoch: r[3] as number,
      seq: r[4] as number,
      kind: r[5] as string,
      unit: r[6] as SyncTransfer['unit'],
      amount: r[7] as number,
      debitAccount: r[8] as string,
      creditAccount: r[9] as string,
      memberId: r[10] as string,
      businessKey: r[11] as string,
      periodKind: r[12] as string | null,
      period: r[13] as string | null,
      transactionId: r[14] as string | null,
      posTxnId: r[15] as string | null,
      cashier: r[16] as string | null,
      moneyAmount: r[17] as number | null,
      currency: r[18] as string,
      programId: r[19] as string,
      programVersion: r[20] as number,
      earnRatePoints: r[21] as number | null,
      earnRatePer: r[22] as number | null,
      effectiveAt: r[23] as number,
      bookedAt: r[24] as number,
      localTime: r[25] as string,
      detail: JSON.parse(r[26] as string) as Record<string, unknown>,
      lotsGranted: list<SyncTransfer['lotsGranted'][number]>(r[27] ?? '[]'),
      lotsDrawn: list<SyncTransfer['lotsDrawn'][number]>(r[28] ?? '[]'),
    }));
  }

  async events(keys: readonly EntityKey[]): Promise<StoredEvent[]> {
    return this.rows(EVENTS, SqlitePullReader.pairs(keys)).map((r) => ({
      storeId: r[8] as string,
      event: {
        id: r[0] as string,
        memberId: r[1] as string,
        kind: r[2] as string,
        period: r[3] as string,
        businessKey: r[4] as string,
        terminalId: r[5] as string,
        detail: JSON.parse(r[6] as string) as Record<string, unknown>,
        bookedAt: r[7] as number,
      },
    }));
  }

  /** Everything held for one member, in the order it was received. */
  async memberChanges(memberId: string): Promise<ChangeRow[]> {
    const rows = this.stmt(
      `SELECT 0 AS id, member_id, 'member' AS entity, member_id AS entity_id, 0 AS at FROM members WHERE member_id = @m
       UNION ALL SELECT 0, member_id, 'transaction', id, received_at FROM transactions WHERE member_id = @m
       UNION ALL SELECT 0, member_id, 'transfer', id, received_at FROM transfers WHERE member_id = @m
       UNION ALL SELECT 0, member_id, 'event', id, received_at FROM events WHERE member_id = @m
       ORDER BY at`,
      true,
    ).all({ m: memberId }) as [...ChangeTuple, number][];
    return rows.map(([id, member, entity, entityId]) => changeFromTuple([id, member, entity, entityId]));
  }
}

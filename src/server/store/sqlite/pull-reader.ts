/**
 * The pull reader on SQLite: stamps are positions in the `changes` log (filled by triggers, in
 * commit order, since SQLite runs one write at a time).
 *
 * Each kind of entity is read with one statement per page that builds the contract's JSON inside
 * SQLite (`json_object`, the stored JSON columns spliced in with `json()`) over the page's keys
 * (passed as one JSON array), and the result is parsed once. A million-member pull reads millions
 * of rows: a statement per key and a JavaScript object per row and column cost several times more
 * than the lookups themselves. The tables are STRICT, so the column types the JSON carries are the
 * ones the contract expects.
 */
import type { SyncTransaction, SyncTransfer } from '../../../contract/sync.js';
import type { ChangeEntity, ChangeRow, EntityKey, PullReader, StoredEvent, StoredMember } from '../pull.js';
import type { SqliteDatabase, SqliteStatement } from './driver.js';

/** The page's keys as the statements read them: `[[member_id, id], …]` through json_each. */
const KEYS = 'json_each(?) AS k';
const KEY_MEMBER = "k.value ->> '$[0]'";
const KEY_ID = "k.value ->> '$[1]'";

const TRANSACTIONS = `SELECT json_group_array(json_object(
    'id', t.id, 'storeId', t.store_id, 'terminalId', t.terminal_id, 'kind', t.kind, 'txnId', t.txn_id, 'memberId', t.member_id,
    'originalId', t.original_id, 'requestHash', t.request_hash, 'request', json(t.request), 'record', json(t.record), 'result', json(t.result),
    'cashier', t.cashier, 'createdAt', t.created_at))
  FROM ${KEYS} JOIN transactions t ON t.member_id = ${KEY_MEMBER} AND t.id = ${KEY_ID}`;

const TRANSFERS = `SELECT json_group_array(json_object(
    'id', t.id, 'storeId', t.store_id, 'terminalId', t.terminal_id, 'epoch', t.epoch, 'seq', t.seq, 'kind', t.kind, 'unit', t.unit, 'amount', t.amount,
    'debitAccount', t.debit_account, 'creditAccount', t.credit_account, 'memberId', t.member_id, 'businessKey', t.business_key,
    'periodKind', t.period_kind, 'period', t.period, 'transactionId', t.transaction_id, 'posTxnId', t.pos_txn_id, 'cashier', t.cashier,
    'moneyAmount', t.money_amount, 'currency', t.currency, 'programId', t.program_id, 'programVersion', t.program_version,
    'earnRatePoints', t.earn_rate_points, 'earnRatePer', t.earn_rate_per, 'effectiveAt', t.effective_at, 'bookedAt', t.booked_at,
    'localTime', t.local_time, 'detail', json(t.detail),
    'lotsGranted', json((SELECT json_group_array(json_object('id', l.id, 'points', l.points, 'earnedAt', l.earned_at, 'expiresAt', l.expires_at))
      FROM (SELECT id, points, earned_at, expires_at FROM lots WHERE member_id = t.member_id AND transfer_id = t.id ORDER BY id) AS l)),
    'lotsDrawn', json((SELECT json_group_array(json_object('lotId', d.lot_id, 'points', d.points))
      FROM (SELECT lot_id, points FROM lot_draws WHERE member_id = t.member_id AND transfer_id = t.id ORDER BY lot_id) AS d))))
  FROM ${KEYS} JOIN transfers t ON t.member_id = ${KEY_MEMBER} AND t.id = ${KEY_ID}`;

const EVENTS = `SELECT json_group_array(json_object('storeId', e.store_id, 'event', json_object(
    'id', e.id, 'memberId', e.member_id, 'kind', e.kind, 'period', e.period, 'businessKey', e.business_key, 'terminalId', e.terminal_id,
    'detail', json(e.detail), 'bookedAt', e.booked_at)))
  FROM ${KEYS} JOIN events e ON e.member_id = ${KEY_MEMBER} AND e.id = ${KEY_ID}`;

// The home store: where the member's first enrolment was recorded.
const MEMBERS = `SELECT json_group_array(json_object('record', json(m.record), 'homeStore',
    (SELECT t.store_id FROM transactions t WHERE t.member_id = m.member_id AND t.kind = 'enrolment' ORDER BY t.created_at LIMIT 1)))
  FROM json_each(?) AS k JOIN members m ON m.member_id = k.value`;

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

  /** One statement over all `keys`, answering one JSON array. */
  private parsed<T>(sql: string, keys: unknown): T[] {
    const text = this.stmt(sql).pluck().get(JSON.stringify(keys)) as string;
    return JSON.parse(text) as T[];
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
    return this.parsed<StoredMember>(MEMBERS, ids);
  }

  async transactions(keys: readonly EntityKey[]): Promise<SyncTransaction[]> {
    return this.parsed<SyncTransaction>(TRANSACTIONS, SqlitePullReader.pairs(keys));
  }

  async transfers(keys: readonly EntityKey[]): Promise<SyncTransfer[]> {
    return this.parsed<SyncTransfer>(TRANSFERS, SqlitePullReader.pairs(keys));
  }

  async events(keys: readonly EntityKey[]): Promise<StoredEvent[]> {
    return this.parsed<StoredEvent>(EVENTS, SqlitePullReader.pairs(keys));
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

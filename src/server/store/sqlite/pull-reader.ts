/**
 * The pull reader on SQLite: stamps are positions in the `changes` log (filled by triggers, in
 * commit order, since SQLite runs one write at a time); rows are read by primary key, one cheap
 * prepared-statement lookup each (no round trips to batch away).
 */
import type { Row } from '../rows.js';
import { int, text } from '../rows.js';
import type { ChangeEntity, ChangeRow, EntityKey, PullReader } from '../pull.js';
import type { SqliteDatabase } from './driver.js';

const TRANSFER_COLUMNS = `member_id, id, store_id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, business_key, period_kind, period,
  transaction_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version, earn_rate_points, earn_rate_per, effective_at, booked_at, local_time, detail`;

function changeFromRow(r: Row): ChangeRow {
  return { stamp: BigInt(int(r, 'id')), entity: text(r, 'entity') as ChangeEntity, memberId: text(r, 'member_id'), id: text(r, 'entity_id') };
}

export class SqlitePullReader implements PullReader {
  constructor(private readonly db: SqliteDatabase) {}

  private each(sql: string, keys: readonly EntityKey[]): Row[] {
    const statement = this.db.prepare(sql);
    return keys.flatMap((k) => statement.all(k.memberId, k.id) as Row[]);
  }

  async changes(after: bigint | null, limit: number): Promise<ChangeRow[]> {
    return (this.db.prepare('SELECT id, member_id, entity, entity_id FROM changes WHERE id > ? ORDER BY id LIMIT ?').all(after ?? 0n, limit) as Row[]).map(changeFromRow);
  }

  async changesAt(stamp: bigint): Promise<ChangeRow[]> {
    return (this.db.prepare('SELECT id, member_id, entity, entity_id FROM changes WHERE id = ?').all(stamp) as Row[]).map(changeFromRow);
  }

  async latest(): Promise<bigint> {
    return BigInt(this.db.prepare('SELECT coalesce(max(id), 0) FROM changes').pluck().get() as number);
  }

  async members(ids: readonly string[]): Promise<Row[]> {
    const statement = this.db.prepare(
      `SELECT m.member_id, m.record,
         (SELECT t.store_id FROM transactions t WHERE t.member_id = m.member_id AND t.kind = 'enrolment' ORDER BY t.created_at LIMIT 1) AS home_store
       FROM members m WHERE m.member_id = ?`,
    );
    return ids.flatMap((id) => statement.all(id) as Row[]);
  }

  async transactions(keys: readonly EntityKey[]): Promise<Row[]> {
    return this.each(
      'SELECT member_id, id, store_id, terminal_id, kind, txn_id, original_id, request_hash, request, record, result, cashier, created_at FROM transactions WHERE member_id = ? AND id = ?',
      keys,
    );
  }

  async transfers(keys: readonly EntityKey[]): Promise<Row[]> {
    return this.each(`SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE member_id = ? AND id = ?`, keys);
  }

  async lots(transfers: readonly EntityKey[]): Promise<Row[]> {
    return this.each('SELECT member_id, id, transfer_id, points, earned_at, expires_at FROM lots WHERE member_id = ? AND transfer_id = ? ORDER BY id', transfers);
  }

  async draws(transfers: readonly EntityKey[]): Promise<Row[]> {
    return this.each('SELECT member_id, lot_id, transfer_id, points FROM lot_draws WHERE member_id = ? AND transfer_id = ? ORDER BY lot_id', transfers);
  }

  async events(keys: readonly EntityKey[]): Promise<Row[]> {
    return this.each('SELECT member_id, id, store_id, terminal_id, kind, period, business_key, detail, booked_at FROM events WHERE member_id = ? AND id = ?', keys);
  }

  /** Everything held for one member, in the order it was received. */
  async memberChanges(memberId: string): Promise<ChangeRow[]> {
    const rows = this.db
      .prepare(
        `SELECT 0 AS id, member_id, 'member' AS entity, member_id AS entity_id, 0 AS at FROM members WHERE member_id = @m
         UNION ALL SELECT 0, member_id, 'transaction', id, received_at FROM transactions WHERE member_id = @m
         UNION ALL SELECT 0, member_id, 'transfer', id, received_at FROM transfers WHERE member_id = @m
         UNION ALL SELECT 0, member_id, 'event', id, received_at FROM events WHERE member_id = @m
         ORDER BY at`,
      )
      .all({ m: memberId }) as Row[];
    return rows.map(changeFromRow);
  }
}

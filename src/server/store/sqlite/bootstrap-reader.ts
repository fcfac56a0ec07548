/**
 * The bootstrap read on SQLite (../bootstrap.ts): a read-only connection of its own, one read
 * transaction from the first statement to the last, so every row and the cursor come from the same
 * snapshot while the store's connection keeps taking pushes. Entry rows are built as JSON arrays by
 * SQLite itself (the JSON columns embedded as they are stored), so the server's own work per row is
 * joining strings; members go through memberForCaller in TypeScript, the one privacy rule.
 */
import type { SyncMember } from '../../../contract/sync.js';
import type { BootstrapCounts } from '../../../contract/bootstrap.js';
import { chunked, type BootstrapRequest, type BootstrapSnapshot } from '../bootstrap.js';
import type { StoredMember } from '../pull.js';
import { openServerSqliteReader, type SqliteDatabase } from './driver.js';

/** Not the caller's own entries (unless asked): as a pull page leaves them out. */
const NOT_OWN = '(@own = 1 OR NOT (store_id = @store AND terminal_id = @terminal))';

const MEMBERS = `SELECT m.record, (SELECT t.store_id FROM transactions t WHERE t.member_id = m.member_id AND t.kind = 'enrolment' ORDER BY t.created_at LIMIT 1)
  FROM members m ORDER BY m.member_id`;

const TRANSACTIONS = `SELECT json_array(id, store_id, terminal_id, kind, txn_id, member_id, original_id, request_hash, json(request), json(record), json(result), cashier, created_at)
  FROM transactions WHERE ${NOT_OWN} ORDER BY member_id, id`;

const TRANSFERS = `SELECT json_array(t.id, t.terminal_id, t.epoch, t.seq, t.kind, t.unit, t.amount, t.debit_account, t.credit_account, t.member_id, t.business_key,
    t.period_kind, t.period, t.transaction_id, t.store_id, t.pos_txn_id, t.cashier, t.money_amount, t.currency, t.program_id, t.program_version,
    t.earn_rate_points, t.earn_rate_per, t.effective_at, t.booked_at, t.local_time, json(t.detail),
    json((SELECT json_group_array(json_array(l.id, l.points, l.earned_at, l.expires_at))
      FROM (SELECT id, points, earned_at, expires_at FROM lots WHERE member_id = t.member_id AND transfer_id = t.id ORDER BY id) AS l)),
    json((SELECT json_group_array(json_array(d.lot_id, d.points))
      FROM (SELECT lot_id, points FROM lot_draws WHERE member_id = t.member_id AND transfer_id = t.id ORDER BY lot_id) AS d)))
  FROM transfers t WHERE ${NOT_OWN.replaceAll('store_id', 't.store_id').replaceAll('terminal_id', 't.terminal_id')} ORDER BY t.member_id, t.id`;

const EVENTS = `SELECT json_array(id, member_id, kind, period, business_key, terminal_id, json(detail), booked_at)
  FROM events WHERE ${NOT_OWN} ORDER BY member_id, id`;

const SECTIONS = { transactions: TRANSACTIONS, transfers: TRANSFERS, events: EVENTS } as const;

export function openSqliteBootstrap(path: string, request: BootstrapRequest): BootstrapSnapshot {
  const db: SqliteDatabase = openServerSqliteReader(path);
  const params = { own: request.own ? 1 : 0, store: request.storeId, terminal: request.terminalId };
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
  };
  try {
    // The snapshot starts with the first read after BEGIN and lasts until COMMIT.
    db.exec('BEGIN');
    const one = (sql: string, p: object = {}): number => Number(db.prepare(sql).pluck().safeIntegers(false).get(p));
    const cursor = BigInt(db.prepare('SELECT coalesce(max(id), 0) FROM changes').pluck().safeIntegers(true).get() as bigint);
    const counts: BootstrapCounts = {
      members: one('SELECT count(*) FROM members'),
      transactions: one(`SELECT count(*) FROM transactions WHERE ${NOT_OWN}`, params),
      transfers: one(`SELECT count(*) FROM transfers WHERE ${NOT_OWN}`, params),
      events: one(`SELECT count(*) FROM events WHERE ${NOT_OWN}`, params),
    };
    return {
      cursor,
      latest: cursor,
      counts,
      async *members() {
        const rows = db.prepare(MEMBERS).raw(true).iterate() as IterableIterator<[string, string | null]>;
        try {
          for (const chunk of chunked(rows)) {
            yield chunk.map(([record, home]): StoredMember => ({ record: JSON.parse(record) as SyncMember, homeStore: home }));
          }
        } finally {
          rows.return?.();
        }
      },
      async *rows(section) {
        const rows = db.prepare(SECTIONS[section]).pluck().iterate(params) as IterableIterator<string>;
        try {
          for (const chunk of chunked(rows)) yield chunk;
        } finally {
          rows.return?.();
        }
      },
      async close() {
        close();
      },
    };
  } catch (error) {
    close();
    throw error;
  }
}

/**
 * The bootstrap read on PostgreSQL (../bootstrap.ts): one connection of the pool, one REPEATABLE
 * READ READ ONLY transaction (a single snapshot for every statement), sections read through
 * server-side cursors in chunks. Entries are sent only below the snapshot's xmin and the cursor is
 * xmin − 1 (see ../bootstrap.ts for why that leaves no gap and no double); members are sent whole.
 * Entry rows are built as JSON arrays by PostgreSQL (json_build_array), so the server's own work per
 * row is joining strings.
 */
import type { SyncMember } from '../../../contract/sync.js';
import { BOOTSTRAP_CHUNK_ROWS, type BootstrapCounts } from '../../../contract/bootstrap.js';
import type { BootstrapRequest, BootstrapSnapshot } from '../bootstrap.js';
import type { StoredMember } from '../pull.js';
import { text, textOrNull, type Row } from '../rows.js';
import type { PgClient, PgPool } from './driver.js';

/** $1: the snapshot's xmin; $2, $3: the caller's store and terminal; $4: own entries too. */
const ENTRY_FILTER = (alias: string): string => `${alias}.change_xid < $1::text::xid8 AND ($4::boolean OR NOT (${alias}.store_id = $2 AND ${alias}.terminal_id = $3))`;

const MEMBERS = `SELECT m.record::text AS record,
    (SELECT t.store_id FROM transactions t WHERE t.member_id = m.member_id AND t.kind = 'enrolment' ORDER BY t.created_at LIMIT 1) AS home_store
  FROM members m ORDER BY m.member_id`;

const TRANSACTIONS = `SELECT json_build_array(t.id, t.store_id, t.terminal_id, t.kind, t.txn_id, t.member_id, t.original_id, t.request_hash, t.request, t.record, t.result, t.cashier, t.created_at)::text AS row
  FROM transactions t WHERE ${ENTRY_FILTER('t')} ORDER BY t.member_id, t.id`;

const TRANSFERS = `SELECT json_build_array(t.id, t.terminal_id, t.epoch, t.seq, t.kind, t.unit, t.amount, t.debit_account, t.credit_account, t.member_id, t.business_key,
    t.period_kind, t.period, t.transaction_id, t.store_id, t.pos_txn_id, t.cashier, t.money_amount, t.currency, t.program_id, t.program_version,
    t.earn_rate_points, t.earn_rate_per, t.effective_at, t.booked_at, t.local_time, t.detail,
    (SELECT coalesce(json_agg(json_build_array(l.id, l.points, l.earned_at, l.expires_at) ORDER BY l.id), '[]'::json) FROM lots l WHERE l.member_id = t.member_id AND l.transfer_id = t.id),
    (SELECT coalesce(json_agg(json_build_array(d.lot_id, d.points) ORDER BY d.lot_id), '[]'::json) FROM lot_draws d WHERE d.member_id = t.member_id AND d.transfer_id = t.id))::text AS row
  FROM transfers t WHERE ${ENTRY_FILTER('t')} ORDER BY t.member_id, t.id`;

const EVENTS = `SELECT json_build_array(e.id, e.member_id, e.kind, e.period, e.business_key, e.terminal_id, e.detail, e.booked_at)::text AS row
  FROM events e WHERE ${ENTRY_FILTER('e')} ORDER BY e.member_id, e.id`;

const SECTIONS = { transactions: TRANSACTIONS, transfers: TRANSFERS, events: EVENTS } as const;

const count = (table: string, alias: string): string => `SELECT count(*)::text AS n FROM ${table} ${alias} WHERE ${ENTRY_FILTER(alias)}`;

export async function openPostgresBootstrap(pool: PgPool, request: BootstrapRequest): Promise<BootstrapSnapshot> {
  const client: PgClient = await pool.connect();
  let open = true;
  let broken: Error | undefined;
  const close = async (): Promise<void> => {
    if (!open) return;
    open = false;
    try {
      await client.query('ROLLBACK');
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
    } finally {
      client.release(broken);
    }
  };
  const rows = async (sql: string, values: readonly unknown[] = []): Promise<Row[]> => (await client.query({ text: sql, values: [...values] })).rows as Row[];
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // The first statement takes the transaction's snapshot: its xmin bounds what is sent.
    const [bound] = await rows('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
    const xmin = BigInt(text(bound!, 'xmin'));
    const values = [xmin.toString(), request.storeId, request.terminalId, request.own];
    const n = async (sql: string, v: readonly unknown[]): Promise<number> => Number(text((await rows(sql, v))[0]!, 'n'));
    const counts: BootstrapCounts = {
      members: await n('SELECT count(*)::text AS n FROM members', []),
      transactions: await n(count('transactions', 't'), values),
      transfers: await n(count('transfers', 't'), values),
      events: await n(count('events', 'e'), values),
    };
    const [newest] = await rows(
      `SELECT greatest((SELECT max(change_xid) FROM members), (SELECT max(change_xid) FROM transactions), (SELECT max(change_xid) FROM transfers), (SELECT max(change_xid) FROM events))::text AS stamp`,
    );
    const cursor = xmin - 1n;
    const latestText = newest ? textOrNull(newest, 'stamp') : null;
    const latest = latestText === null ? cursor : BigInt(latestText) > cursor ? BigInt(latestText) : cursor;
    /** Reads a query through a cursor of this transaction, BOOTSTRAP_CHUNK_ROWS at a time. */
    async function* fetched(name: string, sql: string, v: readonly unknown[]): AsyncGenerator<Row[]> {
      await client.query({ text: `DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, values: [...v] });
      try {
        for (;;) {
          const chunk = await rows(`FETCH FORWARD ${BOOTSTRAP_CHUNK_ROWS} FROM ${name}`);
          if (chunk.length === 0) return;
          yield chunk;
        }
      } finally {
        if (open) await client.query(`CLOSE ${name}`);
      }
    }
    return {
      cursor,
      latest,
      counts,
      async *members() {
        for await (const chunk of fetched('bootstrap_members', MEMBERS, [])) {
          yield chunk.map((r): StoredMember => ({ record: JSON.parse(text(r, 'record')) as SyncMember, homeStore: textOrNull(r, 'home_store') }));
        }
      },
      async *rows(section) {
        for await (const chunk of fetched(`bootstrap_${section}`, SECTIONS[section], values)) yield chunk.map((r) => text(r, 'row'));
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

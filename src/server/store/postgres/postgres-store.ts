/**
 * The central server's store on PostgreSQL (production; Citus-ready schema, see migrations.ts).
 *
 * A push is one READ COMMITTED transaction made of a fixed number of statements whatever the batch
 * size — each entity is written with one multi-row statement over `unnest($n::type[])` arrays, as
 * named (server-side prepared) statements — so a batch of 1,000 transfers costs about ten round
 * trips. Concurrency is handled with row locks, not SERIALIZABLE (which Citus does not offer across
 * shards):
 * - the (store, terminal, epoch) sequence row is locked first (`INSERT … ON CONFLICT DO UPDATE`
 *   locks it even when it is new): two pushes of one terminal and epoch run one after the other;
 * - transfers, transactions, events and lots are inserted as plain INSERTs in a savepoint (the
 *   common case: all new); if a key is taken, again with `ON CONFLICT DO NOTHING RETURNING`: a row
 *   another push is inserting makes this one wait for it, then count as held, and be compared by
 *   identity;
 * - member balances are added with one upsert, rows in a fixed order (member, account);
 * - member rows are locked (`FOR UPDATE`) before their versions are decided; a member another
 *   push created meanwhile makes the conditional upsert write nothing, and the push is retried.
 * Deadlocks and serialization failures (40P01, 40001) are retried too, a few times.
 */
import { TallyError } from '../../../core/errors.js';
import type { PushStatus, SyncTransfer } from '../../../contract/sync.js';
import type { TerminalCertificate } from '../../../core/card-code/member-qr.js';
import {
  alert,
  balanceDeltas,
  distinctCards,
  eventAlertDetail,
  inItemOrder,
  mergedDraws,
  newLastSeq,
  planMembers,
  resolveHeld,
  results,
  sequenceProblem,
  sortBatch,
  transactionAlertDetail,
  transactionKey,
  transferAlertDetail,
  type HeldEntry,
  type Indexed,
  type NewAlert,
  type SortedBatch,
  type StoredMemberVersion,
} from '../push-plan.js';
import { alertFromRow, enrolmentCodeFromRow, programFromRow, sameStore, storeFromRow, terminalFromRow } from '../records.js';
import { bytes, int, intOrNull, text, textOrNull, type Row } from '../rows.js';
import type {
  AlertRecord,
  DayReportRequest,
  EnrolmentCodeRecord,
  MemberView,
  ProgramRecord,
  PushBatch,
  PushOutcome,
  ServerStore,
  StoreRecord,
  TerminalRecord,
} from '../store.js';
import { VERIFY_QUERIES, verifyReport } from '../verify-checks.js';
import { readMemberState, readPullPage, type PullRequest } from '../pull.js';
import type { MemberState, PullResponse } from '../../../contract/pull.js';
import { PostgresPullReader } from './pull-reader.js';
import type { BootstrapRequest, BootstrapSnapshot } from '../bootstrap.js';
import { openPostgresBootstrap } from './bootstrap-reader.js';
import { pgCreateHold, pgOfflineGrant, pgRiskReport, pgSettleSpends, pgVoidHold } from './spending.js';
import type { GrantTerms, HoldOutcome, HoldRequestRecord, OfflineGrantRecord, RiskRow, VoidOutcome } from '../spending.js';
import type { DayReport } from '../../../contract/day-report.js';
import { postgresDayReport } from './day-report.js';
import { openPgPool, sqlState, type PgClient, type PgOptions, type PgPool } from './driver.js';
import { PG_LATEST_VERSION, PG_MIGRATIONS } from './migrations.js';

type Queryable = Pick<PgClient, 'query'>;

/** A member row appeared between our read and our write (another push created it): start again. */
class MemberRaced extends Error {}

const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 5;
/** Serialises `migrate()` across server processes sharing one database. */
const MIGRATION_LOCK = 7_305_218_431;

const TERMINAL_COLUMNS = 'store_id, terminal_id, status, key_id, certificate::text AS certificate, enrolled_at, revoked_at';

/** Runs one statement; `name` makes it a server-side prepared statement (same text every time). */
async function q(db: Queryable, name: string | null, sql: string, values: readonly unknown[] = []): Promise<Row[]> {
  const result = name === null ? await db.query(sql, [...values]) : await db.query({ name, text: sql, values: [...values] });
  return result.rows as Row[];
}

/**
 * Inserts rows that are almost always new (a resend is the rare case): first as a plain INSERT in a
 * savepoint — about a third cheaper than `ON CONFLICT DO NOTHING RETURNING` at 1,000 rows — and only
 * if a key is taken (23505) once more with `ON CONFLICT DO NOTHING RETURNING <keys>`. Returns null
 * when every row was inserted, else the keys of the rows that were.
 */
async function insertMostlyNew(c: PgClient, name: string, insertSql: string, returning: string, values: readonly unknown[]): Promise<Row[] | null> {
  await c.query('SAVEPOINT tally_insert');
  try {
    await q(c, name, insertSql, values);
    await c.query('RELEASE SAVEPOINT tally_insert');
    return null;
  } catch (error) {
    if (sqlState(error) !== '23505') throw error;
    await c.query('ROLLBACK TO SAVEPOINT tally_insert');
  }
  return q(c, `${name}-some`, `${insertSql}\nON CONFLICT DO NOTHING RETURNING ${returning}`, values);
}

/** Whether an offered entry was inserted, from insertMostlyNew's answer. */
function insertedBy(rows: Row[] | null): (memberId: string, id: string) => boolean {
  if (rows === null) return () => true;
  const keys = new Set(rows.map((r) => key2(text(r, 'member_id'), text(r, 'id'))));
  return (memberId, id) => keys.has(key2(memberId, id));
}

const key2 = (a: string, b: string): string => `${a}\u0000${b}`;

/**
 * After a plain multi-row INSERT of `offered` (rows: what it returned, or null when every row went
 * in): the entries it applied are answered `ok`; the rest are held already (or were not offered)
 * and are compared with what the server has.
 */
function splitInserted<T extends { readonly memberId: string; readonly id: string }>(
  entries: readonly Indexed<T>[],
  offered: readonly { readonly index: number }[],
  rows: Row[] | null,
  statuses: (PushStatus | undefined)[],
): { applied: Indexed<T>[]; rest: Indexed<T>[] } {
  const inserted = insertedBy(rows);
  const offeredIndexes = new Set(offered.map((e) => e.index));
  const applied: Indexed<T>[] = [];
  const rest: Indexed<T>[] = [];
  for (const e of entries) {
    if (offeredIndexes.has(e.index) && inserted(e.item.memberId, e.item.id)) {
      statuses[e.index] = 'ok';
      applied.push(e);
    } else rest.push(e);
  }
  return { applied, rest };
}

export class PostgresServerStore implements ServerStore {
  private readonly pool: PgPool;

  constructor(options: PgOptions) {
    this.pool = openPgPool(options);
  }

  /**
   * Runs `fn` in one transaction and commits, unless it asks for a rollback (`commit: false`: a
   * refused batch writes nothing). Retried on deadlock, serialization failure or a raced member.
   */
  private async transaction<T>(fn: (c: PgClient) => Promise<{ readonly commit: boolean; readonly value: T }>, begin = 'BEGIN'): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query(begin);
        const { commit, value } = await fn(client);
        await client.query(commit ? 'COMMIT' : 'ROLLBACK');
        return value;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        const retry = error instanceof MemberRaced || RETRYABLE.has(sqlState(error) ?? '');
        if (!retry || attempt >= ATTEMPTS) throw error;
      } finally {
        // A connection that could not even roll back is discarded, not reused.
        client.release(broken);
      }
    }
  }

  private async write<T>(fn: (c: PgClient) => Promise<T>): Promise<T> {
    return this.transaction(async (c) => ({ commit: true, value: await fn(c) }));
  }

  async migrate(): Promise<void> {
    await this.write(async (c) => {
      await q(c, null, `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await q(c, null, 'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at bigint NOT NULL)');
      const [row] = await q(c, null, 'SELECT coalesce(max(version), 0) AS version FROM schema_migrations');
      const current = row ? int(row, 'version') : 0;
      if (current > PG_LATEST_VERSION) {
        throw new TallyError('database-newer', `The server database is schema version ${current}, newer than this Tally server (${PG_LATEST_VERSION}): upgrade the server.`);
      }
      for (const m of PG_MIGRATIONS) {
        if (m.version <= current) continue;
        await q(c, null, m.sql);
        await q(c, null, 'INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)', [m.version, m.description, Date.now()]);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async createStore(store: StoreRecord): Promise<void> {
    await this.write(async (c) => {
      const inserted = await q(c, null, 'INSERT INTO stores (id, name, time_zone, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING id', [
        store.id,
        store.name,
        store.timeZone,
        store.createdAt,
      ]);
      if (inserted.length > 0) return;
      const [held] = await q(c, null, 'SELECT * FROM stores WHERE id = $1', [store.id]);
      if (held && !sameStore(storeFromRow(held), store)) throw new TallyError('duplicate-different', `Store ${store.id} already exists with another name or time zone.`);
    });
  }

  async getStore(id: string): Promise<StoreRecord | undefined> {
    const [row] = await q(this.pool, null, 'SELECT * FROM stores WHERE id = $1', [id]);
    return row ? storeFromRow(row) : undefined;
  }

  async listStores(): Promise<StoreRecord[]> {
    return (await q(this.pool, null, 'SELECT * FROM stores ORDER BY id')).map(storeFromRow);
  }

  async publishProgram(program: ProgramRecord): Promise<void> {
    await this.write(async (c) => {
      const inserted = await q(c, null, 'INSERT INTO programs (id, version, text, published_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id, version) DO NOTHING RETURNING id', [
        program.id,
        program.version,
        program.text,
        program.publishedAt,
      ]);
      if (inserted.length > 0) return;
      const [held] = await q(c, null, 'SELECT text FROM programs WHERE id = $1 AND version = $2', [program.id, program.version]);
      if (held && text(held, 'text') !== program.text) {
        throw new TallyError('duplicate-different', `Program ${program.id} version ${program.version} is already published with another text: publish a new version.`);
      }
    });
  }

  async currentProgram(): Promise<ProgramRecord | undefined> {
    const [row] = await q(this.pool, null, 'SELECT * FROM programs ORDER BY version DESC, published_at DESC, id LIMIT 1');
    return row ? programFromRow(row) : undefined;
  }

  async createEnrolmentCode(codeHash: string, code: EnrolmentCodeRecord): Promise<void> {
    await q(this.pool, null, 'INSERT INTO enrolment_codes (code_hash, store_id, terminal_id, expires_at, used_at) VALUES ($1, $2, $3, $4, $5)', [
      codeHash,
      code.storeId,
      code.terminalId,
      code.expiresAt,
      code.usedAt,
    ]);
  }

  async enrolmentCode(codeHash: string): Promise<EnrolmentCodeRecord | undefined> {
    const [row] = await q(this.pool, 'tally-enrolment-code', 'SELECT store_id, terminal_id, expires_at, used_at FROM enrolment_codes WHERE code_hash = $1', [codeHash]);
    return row ? enrolmentCodeFromRow(row) : undefined;
  }

  async useEnrolmentCode(
    codeHash: string,
    terminal: { readonly credentialHash: string; readonly keyId: string; readonly certificate: TerminalCertificate; readonly now: number },
  ): Promise<{ ok: true; readonly storeId: string; readonly terminalId: string } | { ok: false; readonly reason: 'unknown' | 'used' | 'expired' }> {
    return this.write(async (c) => {
      // Locked: two enrolments racing for one code cannot both see it unused.
      const [row] = await q(c, null, 'SELECT store_id, terminal_id, expires_at, used_at FROM enrolment_codes WHERE code_hash = $1 FOR UPDATE', [codeHash]);
      if (!row) return { ok: false, reason: 'unknown' } as const;
      if (intOrNull(row, 'used_at') !== null) return { ok: false, reason: 'used' } as const;
      if (terminal.now >= int(row, 'expires_at')) return { ok: false, reason: 'expired' } as const;
      const storeId = text(row, 'store_id');
      const terminalId = text(row, 'terminal_id');
      await q(c, null, 'UPDATE enrolment_codes SET used_at = $1 WHERE code_hash = $2', [terminal.now, codeHash]);
      await q(
        c,
        null,
        `INSERT INTO terminals (store_id, terminal_id, credential_hash, status, key_id, certificate, enrolled_at, revoked_at)
         VALUES ($1, $2, $3, 'active', $4, $5::jsonb, $6, NULL)
         ON CONFLICT (store_id, terminal_id) DO UPDATE SET credential_hash = excluded.credential_hash, status = 'active', key_id = excluded.key_id,
           certificate = excluded.certificate, enrolled_at = excluded.enrolled_at, revoked_at = NULL`,
        [storeId, terminalId, terminal.credentialHash, terminal.keyId, JSON.stringify(terminal.certificate), terminal.now],
      );
      return { ok: true, storeId, terminalId } as const;
    });
  }

  async terminalByCredential(credentialHash: string): Promise<TerminalRecord | undefined> {
    const [row] = await q(this.pool, 'tally-terminal-by-credential', `SELECT ${TERMINAL_COLUMNS} FROM terminals WHERE credential_hash = $1`, [credentialHash]);
    return row ? terminalFromRow(row) : undefined;
  }

  async listTerminals(storeId?: string): Promise<TerminalRecord[]> {
    const rows =
      storeId === undefined
        ? await q(this.pool, null, `SELECT ${TERMINAL_COLUMNS} FROM terminals ORDER BY store_id, terminal_id`)
        : await q(this.pool, null, `SELECT ${TERMINAL_COLUMNS} FROM terminals WHERE store_id = $1 ORDER BY terminal_id`, [storeId]);
    return rows.map(terminalFromRow);
  }

  async revokeTerminal(storeId: string, terminalId: string, now: number): Promise<boolean> {
    // Revoking twice keeps the first time; false only for a terminal that does not exist.
    const rows = await q(this.pool, null, `UPDATE terminals SET status = 'revoked', revoked_at = coalesce(revoked_at, $1) WHERE store_id = $2 AND terminal_id = $3 RETURNING terminal_id`, [
      now,
      storeId,
      terminalId,
    ]);
    return rows.length > 0;
  }

  async push(batch: PushBatch): Promise<PushOutcome> {
    const sorted = sortBatch(batch);
    return this.transaction(async (c) => {
      const done = await this.pushInTransaction(c, batch, sorted);
      // Holds posted and offline spends counted in the same transaction as the spends themselves.
      if (!done.commit || !done.value.ok) return done;
      const countedHolds = await pgSettleSpends(c, batch, done.value);
      return countedHolds.length === 0 ? done : { commit: true, value: { ...done.value, countedHolds } };
    });
  }

  async createHold(hold: HoldRequestRecord): Promise<HoldOutcome> {
    return this.write((c) => pgCreateHold(c, hold));
  }

  async voidHold(key: { readonly memberId: string; readonly holdId: string; readonly storeId: string; readonly terminalId: string; readonly now: number }): Promise<VoidOutcome> {
    return this.write((c) => pgVoidHold(c, key));
  }

  async offlineGrant(request: { readonly storeId: string; readonly terminalId: string; readonly now: number; readonly newId: string; readonly terms: GrantTerms }): Promise<OfflineGrantRecord> {
    return this.write((c) => pgOfflineGrant(c, request));
  }

  async setStoreOfflineBudget(storeId: string, points: number | null): Promise<boolean> {
    return (await q(this.pool, null, 'UPDATE stores SET offline_budget_points = $1 WHERE id = $2 RETURNING id', [points, storeId])).length > 0;
  }

  async riskReport(now: number): Promise<RiskRow[]> {
    return this.transaction(async (c) => ({ commit: true, value: await pgRiskReport(c, now) }), 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  private async pushInTransaction(c: PgClient, batch: PushBatch, sorted: SortedBatch): Promise<{ commit: boolean; value: PushOutcome }> {
    const seqKey = [batch.storeId, batch.terminalId, batch.epoch];
    const seqRows =
      sorted.transfers.length > 0
        ? // Locks the sequence row, creating it at 0 if new (rolled back with the batch if refused).
          await q(
            c,
            'tally-push-seq-lock',
            `INSERT INTO terminal_sequences (store_id, terminal_id, epoch, last_seq, updated_at) VALUES ($1, $2, $3, 0, $4)
             ON CONFLICT (store_id, terminal_id, epoch) DO UPDATE SET last_seq = terminal_sequences.last_seq RETURNING last_seq`,
            [...seqKey, batch.now],
          )
        : await q(c, 'tally-push-seq-read', 'SELECT last_seq FROM terminal_sequences WHERE store_id = $1 AND terminal_id = $2 AND epoch = $3', seqKey);
    const lastSeq = seqRows[0] ? int(seqRows[0], 'last_seq') : 0;
    const problem = sequenceProblem(batch, sorted.transfers, lastSeq);
    if (problem !== null) return { commit: false, value: { ok: false, reason: 'sequence', lastSeq, message: problem } };

    const statuses: (PushStatus | undefined)[] = new Array<PushStatus | undefined>(batch.items.length);
    const alerts: NewAlert[] = [];
    await this.pushTransactions(c, batch, sorted, statuses, alerts);
    await this.pushTransfers(c, batch, sorted, statuses, alerts);
    await this.pushEvents(c, batch, sorted, statuses, alerts);
    await this.pushMembers(c, batch, sorted, statuses, alerts);

    const ordered = inItemOrder(alerts);
    if (ordered.length > 0) {
      await q(
        c,
        'tally-push-alerts',
        `INSERT INTO alerts (kind, store_id, terminal_id, entity, entity_id, detail, created_at)
         SELECT u.kind, u.store_id, u.terminal_id, u.entity, u.entity_id, u.detail::jsonb, u.created_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[]) WITH ORDINALITY AS u(kind, store_id, terminal_id, entity, entity_id, detail, created_at, n)
         ORDER BY u.n`,
        [
          ordered.map((a) => a.kind),
          ordered.map((a) => a.storeId),
          ordered.map((a) => a.terminalId),
          ordered.map((a) => a.entity),
          ordered.map((a) => a.entityId),
          ordered.map((a) => JSON.stringify(a.detail)),
          ordered.map((a) => a.createdAt),
        ],
      );
    }

    const last = newLastSeq(batch, sorted.transfers, lastSeq);
    if (sorted.transfers.length > 0) {
      await q(c, 'tally-push-seq-set', 'UPDATE terminal_sequences SET last_seq = $4, updated_at = $5 WHERE store_id = $1 AND terminal_id = $2 AND epoch = $3', [...seqKey, last, batch.now]);
    }
    return { commit: true, value: { ok: true, lastSeq: last, results: results(batch, statuses) } };
  }

  /**
   * The first item per (member, id) is offered to the insert; RETURNING names the ones inserted.
   * Every other item (a resend, or a repeat inside the batch) is answered against what is held.
   */
  private static firstPerId<T extends { readonly memberId: string; readonly id: string }>(entries: readonly Indexed<T>[]): Indexed<T>[] {
    const seen = new Set<string>();
    return entries.filter((e) => {
      const k = key2(e.item.memberId, e.item.id);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  private async pushTransactions(c: PgClient, batch: PushBatch, sorted: SortedBatch, statuses: (PushStatus | undefined)[], alerts: NewAlert[]): Promise<void> {
    if (sorted.transactions.length === 0) return;
    const offered = PostgresServerStore.firstPerId(sorted.transactions);
    // The rows go as one JSON document (jsonb_to_recordset), not as unnest arrays: the three JSON
    // columns of a counter transaction (about 1.5 kB) cost more to escape into and parse out of
    // array literals than the insert itself (measured: 18 ms instead of 24-37 ms per 320 rows).
    // A JSON null comes out as SQL NULL, hence the coalesce back to the JSON value null.
    const rows = await insertMostlyNew(
      c,
      'tally-push-transactions',
      `INSERT INTO transactions (member_id, id, store_id, terminal_id, kind, txn_id, original_id, request_hash, request, record, result, cashier, created_at, identity_hash, received_at)
       SELECT u.member_id, u.id, $1, $2, u.kind, u.txn_id, u.original_id, u.request_hash,
              coalesce(u.request, 'null'::jsonb), coalesce(u.record, 'null'::jsonb), coalesce(u.result, 'null'::jsonb),
              u.cashier, u.created_at, decode(u.identity_hash, 'hex'), $3
       FROM ROWS FROM (jsonb_to_recordset($4::jsonb) AS (member_id text, id text, kind text, txn_id text, original_id text, request_hash text,
                       request jsonb, record jsonb, result jsonb, cashier text, created_at bigint, identity_hash text)) WITH ORDINALITY AS u
       ORDER BY u.ordinality`,
      'member_id, id',
      [
        batch.storeId,
        batch.terminalId,
        batch.now,
        JSON.stringify(
          offered.map(({ item: t, identity }) => ({
            member_id: t.memberId,
            id: t.id,
            kind: t.kind,
            txn_id: t.txnId,
            original_id: t.originalId,
            request_hash: t.requestHash,
            request: t.request ?? null,
            record: t.record ?? null,
            result: t.result ?? null,
            cashier: t.cashier,
            created_at: t.createdAt,
            identity_hash: identity.toString('hex'),
          })),
        ),
      ],
    );
    const { rest } = splitInserted(sorted.transactions, offered, rows, statuses);
    if (rest.length === 0) return;
    const held = await q(
      c,
      'tally-push-transactions-held',
      `SELECT t.member_id, t.id, t.store_id, t.terminal_id, t.kind, t.txn_id, t.identity_hash
       FROM transactions t JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(member_id, id, kind, txn_id)
         ON t.member_id = k.member_id AND (t.id = k.id OR (t.store_id = $5 AND t.terminal_id = $6 AND t.kind = k.kind AND t.txn_id = k.txn_id))`,
      [rest.map((e) => e.item.memberId), rest.map((e) => e.item.id), rest.map((e) => e.item.kind), rest.map((e) => e.item.txnId), batch.storeId, batch.terminalId],
    );
    const byMember = groupBy(held, (r) => text(r, 'member_id'), (r): HeldEntry => ({
      id: text(r, 'id'),
      key: transactionKey({ storeId: text(r, 'store_id'), terminalId: text(r, 'terminal_id'), kind: text(r, 'kind'), txnId: text(r, 'txn_id') }),
      identity: bytes(r, 'identity_hash'),
    }));
    for (const { index, item: t, identity } of rest) {
      const r = resolveHeld({ id: t.id, key: transactionKey(t), identity }, byMember.get(t.memberId) ?? [], 'transaction');
      statuses[index] = r.status;
      if (r.status === 'exists_with_different') alerts.push(alert(batch, index, 'exists_with_different', 'transaction', t.id, transactionAlertDetail(t, r.held, r.matchedBy)));
    }
  }

  private async pushTransfers(c: PgClient, batch: PushBatch, sorted: SortedBatch, statuses: (PushStatus | undefined)[], alerts: NewAlert[]): Promise<void> {
    if (sorted.transfers.length === 0) return;
    const offered = PostgresServerStore.firstPerId(sorted.transfers);
    const col = <V>(f: (t: SyncTransfer) => V): V[] => offered.map((e) => f(e.item));
    const rows = await insertMostlyNew(
      c,
      'tally-push-transfers',
      `INSERT INTO transfers (member_id, id, store_id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, business_key,
         period_kind, period, transaction_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version,
         earn_rate_points, earn_rate_per, effective_at, booked_at, local_time, detail, identity_hash, received_at)
       SELECT u.member_id, u.id, $1, $2, $3, u.seq, u.kind, u.unit, u.amount, u.debit_account, u.credit_account, u.business_key,
         u.period_kind, u.period, u.transaction_id, u.pos_txn_id, u.cashier, u.money_amount, u.currency, u.program_id, u.program_version,
         u.earn_rate_points, u.earn_rate_per, u.effective_at, u.booked_at, u.local_time, u.detail::jsonb, u.identity_hash, $4
       FROM unnest($5::text[], $6::text[], $7::bigint[], $8::text[], $9::text[], $10::bigint[], $11::text[], $12::text[], $13::text[],
                   $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::bigint[], $20::text[], $21::text[], $22::int[],
                   $23::bigint[], $24::bigint[], $25::bigint[], $26::bigint[], $27::text[], $28::text[], $29::bytea[])
         WITH ORDINALITY AS u(member_id, id, seq, kind, unit, amount, debit_account, credit_account, business_key,
           period_kind, period, transaction_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version,
           earn_rate_points, earn_rate_per, effective_at, booked_at, local_time, detail, identity_hash, n)
       ORDER BY u.n`,
      'member_id, id',
      [
        batch.storeId,
        batch.terminalId,
        batch.epoch,
        batch.now,
        col((t) => t.memberId),
        col((t) => t.id),
        col((t) => t.seq),
        col((t) => t.kind),
        col((t) => t.unit),
        col((t) => t.amount),
        col((t) => t.debitAccount),
        col((t) => t.creditAccount),
        col((t) => t.businessKey),
        col((t) => t.periodKind),
        col((t) => t.period),
        col((t) => t.transactionId),
        col((t) => t.posTxnId),
        col((t) => t.cashier),
        col((t) => t.moneyAmount),
        col((t) => t.currency),
        col((t) => t.programId),
        col((t) => t.programVersion),
        col((t) => t.earnRatePoints),
        col((t) => t.earnRatePer),
        col((t) => t.effectiveAt),
        col((t) => t.bookedAt),
        col((t) => t.localTime),
        col((t) => JSON.stringify(t.detail)),
        offered.map((e) => e.identity),
      ],
    );
    const { applied, rest } = splitInserted(sorted.transfers, offered, rows, statuses);

    if (rest.length > 0) {
      const held = await q(
        c,
        'tally-push-transfers-held',
        `SELECT t.member_id, t.id, t.business_key, t.identity_hash
         FROM transfers t JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(member_id, id, business_key)
           ON t.member_id = k.member_id AND (t.id = k.id OR t.business_key = k.business_key)`,
        [rest.map((e) => e.item.memberId), rest.map((e) => e.item.id), rest.map((e) => e.item.businessKey)],
      );
      const byMember = groupBy(held, (r) => text(r, 'member_id'), (r): HeldEntry => ({ id: text(r, 'id'), key: text(r, 'business_key'), identity: bytes(r, 'identity_hash') }));
      const resent: { seq: number; id: string; status: PushStatus }[] = [];
      for (const { index, item: t, identity } of rest) {
        const r = resolveHeld({ id: t.id, key: t.businessKey, identity }, byMember.get(t.memberId) ?? [], 'transfer');
        statuses[index] = r.status;
        resent.push({ seq: t.seq, id: t.id, status: r.status });
        if (r.status === 'exists_with_different') alerts.push(alert(batch, index, 'exists_with_different', 'transfer', t.id, transferAlertDetail(t, r.held, r.matchedBy)));
      }
      await q(
        c,
        'tally-push-resent',
        `INSERT INTO resent_transfers (store_id, terminal_id, epoch, seq, transfer_id, status, received_at)
         SELECT $1, $2, $3, u.seq, u.transfer_id, u.status, $4 FROM unnest($5::bigint[], $6::text[], $7::text[]) AS u(seq, transfer_id, status)`,
        [batch.storeId, batch.terminalId, batch.epoch, batch.now, resent.map((r) => r.seq), resent.map((r) => r.id), resent.map((r) => r.status)],
      );
    }
    if (applied.length > 0) await this.bookLotsAndBalances(c, batch, applied, alerts);
  }

  /**
   * Lots first (each starting with any draws already held for it: another terminal's batch may
   * have drawn from it before it arrived), then this batch's draws, then the lots they shrink, then
   * member balances — one statement each, so the result does not depend on arrival order.
   */
  private async bookLotsAndBalances(c: PgClient, batch: PushBatch, applied: readonly Indexed<SyncTransfer>[], alerts: NewAlert[]): Promise<void> {
    const lots: { index: number; memberId: string; transferId: string; id: string; points: number; earnedAt: number; expiresAt: number | null }[] = [];
    const seenLots = new Set<string>();
    for (const { index, item: t } of applied) {
      for (const lot of t.lotsGranted) {
        const k = key2(t.memberId, lot.id);
        const entry = { index, memberId: t.memberId, transferId: t.id, id: lot.id, points: lot.points, earnedAt: lot.earnedAt, expiresAt: lot.expiresAt };
        if (seenLots.has(k)) alerts.push(alert(batch, index, 'lot-conflict', 'transfer', t.id, { lotId: lot.id, memberId: t.memberId, points: lot.points }));
        else {
          seenLots.add(k);
          lots.push(entry);
        }
      }
    }
    if (lots.length > 0) {
      const rows = await insertMostlyNew(
        c,
        'tally-push-lots',
        `INSERT INTO lots (member_id, id, transfer_id, points, remaining, earned_at, expires_at)
         SELECT u.member_id, u.id, u.transfer_id, u.points,
                u.points - coalesce((SELECT sum(d.points) FROM lot_draws d WHERE d.member_id = u.member_id AND d.lot_id = u.id), 0),
                u.earned_at, u.expires_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[]) WITH ORDINALITY AS u(member_id, id, transfer_id, points, earned_at, expires_at, n)
         ORDER BY u.n`,
        'member_id, id',
        [lots.map((l) => l.memberId), lots.map((l) => l.id), lots.map((l) => l.transferId), lots.map((l) => l.points), lots.map((l) => l.earnedAt), lots.map((l) => l.expiresAt)],
      );
      const inserted = insertedBy(rows);
      for (const l of lots) {
        if (!inserted(l.memberId, l.id)) alerts.push(alert(batch, l.index, 'lot-conflict', 'transfer', l.transferId, { lotId: l.id, memberId: l.memberId, points: l.points }));
      }
    }

    const draws = applied.flatMap(({ item: t }) => mergedDraws(t).map((d) => ({ memberId: t.memberId, lotId: d.lotId, transferId: t.id, points: d.points })));
    if (draws.length > 0) {
      const values = [draws.map((d) => d.memberId), draws.map((d) => d.lotId), draws.map((d) => d.transferId), draws.map((d) => d.points)];
      await q(c, 'tally-push-draws', `INSERT INTO lot_draws (member_id, lot_id, transfer_id, points) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])`, values);
      await q(
        c,
        'tally-push-draws-shrink',
        `UPDATE lots AS l SET remaining = l.remaining - d.points
         FROM (SELECT member_id, lot_id, sum(points)::bigint AS points FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(member_id, lot_id, points) GROUP BY member_id, lot_id) d
         WHERE l.member_id = d.member_id AND l.id = d.lot_id`,
        [values[0], values[1], values[3]],
      );
    }

    const deltas = balanceDeltas(applied.map((e) => e.item));
    if (deltas.length > 0) {
      await q(
        c,
        'tally-push-balances',
        `INSERT INTO member_balances (member_id, account, balance)
         SELECT u.member_id, u.account, u.delta FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS u(member_id, account, delta, n) ORDER BY u.n
         ON CONFLICT (member_id, account) DO UPDATE SET balance = member_balances.balance + excluded.balance`,
        [deltas.map((d) => d.memberId), deltas.map((d) => d.account), deltas.map((d) => d.delta)],
      );
    }
  }

  private async pushEvents(c: PgClient, batch: PushBatch, sorted: SortedBatch, statuses: (PushStatus | undefined)[], alerts: NewAlert[]): Promise<void> {
    if (sorted.events.length === 0) return;
    const offered = PostgresServerStore.firstPerId(sorted.events);
    const rows = await insertMostlyNew(
      c,
      'tally-push-events',
      `INSERT INTO events (member_id, id, kind, period, business_key, store_id, terminal_id, detail, booked_at, identity_hash, received_at)
       SELECT u.member_id, u.id, u.kind, u.period, u.business_key, $1, $2, u.detail::jsonb, u.booked_at, u.identity_hash, $3
       FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::bytea[])
         WITH ORDINALITY AS u(member_id, id, kind, period, business_key, detail, booked_at, identity_hash, n)
       ORDER BY u.n`,
      'member_id, id',
      [
        batch.storeId,
        batch.terminalId,
        batch.now,
        offered.map((e) => e.item.memberId),
        offered.map((e) => e.item.id),
        offered.map((e) => e.item.kind),
        offered.map((e) => e.item.period),
        offered.map((e) => e.item.businessKey),
        offered.map((e) => JSON.stringify(e.item.detail)),
        offered.map((e) => e.item.bookedAt),
        offered.map((e) => e.identity),
      ],
    );
    const { rest } = splitInserted(sorted.events, offered, rows, statuses);
    if (rest.length === 0) return;
    const held = await q(
      c,
      'tally-push-events-held',
      `SELECT e.member_id, e.id, e.business_key, e.identity_hash
       FROM events e JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(member_id, id, business_key)
         ON e.member_id = k.member_id AND (e.id = k.id OR e.business_key = k.business_key)`,
      [rest.map((e) => e.item.memberId), rest.map((e) => e.item.id), rest.map((e) => e.item.businessKey)],
    );
    const byMember = groupBy(held, (r) => text(r, 'member_id'), (r): HeldEntry => ({ id: text(r, 'id'), key: text(r, 'business_key'), identity: bytes(r, 'identity_hash') }));
    for (const { index, item: e, identity } of rest) {
      const r = resolveHeld({ id: e.id, key: e.businessKey, identity }, byMember.get(e.memberId) ?? [], 'event');
      statuses[index] = r.status;
      if (r.status === 'exists_with_different') alerts.push(alert(batch, index, 'exists_with_different', 'event', e.id, eventAlertDetail(e, r.held, r.matchedBy)));
    }
  }

  private async pushMembers(c: PgClient, batch: PushBatch, sorted: SortedBatch, statuses: (PushStatus | undefined)[], alerts: NewAlert[]): Promise<void> {
    if (sorted.members.length === 0) return;
    const ids = [...new Set(sorted.members.map((m) => m.item.id))].sort();
    const storedRows = await q(c, 'tally-push-members-lock', 'SELECT member_id, version, identity_hash, erased_at, updated_at FROM members WHERE member_id = ANY($1::text[]) ORDER BY member_id FOR UPDATE', [ids]);
    const stored = new Map<string, StoredMemberVersion>(
      storedRows.map((r) => [text(r, 'member_id'), { version: int(r, 'version'), identity: bytes(r, 'identity_hash'), erased: intOrNull(r, 'erased_at') !== null, updatedAt: int(r, 'updated_at') }]),
    );
    const plan = planMembers(batch, sorted.members, stored);
    for (const [index, status] of plan.statuses) statuses[index] = status;
    alerts.push(...plan.alerts);
    if (plan.writes.length === 0) return;

    const ms = plan.writes.map((w) => w.item);
    const written = await q(
      c,
      'tally-push-members',
      `INSERT INTO members (member_id, version, name, erased_at, updated_at, identity_hash, record, stored_at)
       SELECT u.member_id, u.version, u.name, u.erased_at, u.updated_at, u.identity_hash, u.record::jsonb, $1
       FROM unnest($2::text[], $3::int[], $4::text[], $5::bigint[], $6::bigint[], $7::bytea[], $8::text[]) WITH ORDINALITY AS u(member_id, version, name, erased_at, updated_at, identity_hash, record, n)
       ORDER BY u.n
       ON CONFLICT (member_id) DO UPDATE SET version = excluded.version, name = excluded.name, erased_at = excluded.erased_at, updated_at = excluded.updated_at,
         identity_hash = excluded.identity_hash, record = excluded.record, stored_at = excluded.stored_at
       WHERE (members.erased_at IS NOT NULL, members.version, members.updated_at, members.identity_hash) < (excluded.erased_at IS NOT NULL, excluded.version, excluded.updated_at, excluded.identity_hash)
       RETURNING member_id`,
      [
        batch.now,
        ms.map((m) => m.id),
        ms.map((m) => m.version),
        ms.map((m) => m.name),
        ms.map((m) => m.erasedAt),
        ms.map((m) => m.updatedAt),
        plan.writes.map((w) => w.identity),
        ms.map((m) => JSON.stringify(m)),
      ],
    );
    // Rows we had locked cannot have moved; a member another push created since our read can.
    if (written.length !== ms.length) throw new MemberRaced('a member was created by another push meanwhile');

    const writtenIds = ms.map((m) => m.id);
    const cards = plan.writes.flatMap(({ index, item: m }) => distinctCards(m).map((code, position) => ({ index, memberId: m.id, version: m.version, code, position })));
    // The members' codes in the card index are among their member_cards rows (both are written
    // together): found by code, the index's key, instead of a scan of the whole index.
    await q(
      c,
      'tally-push-card-index-clear',
      'DELETE FROM card_index i USING member_cards m WHERE m.member_id = ANY($1::text[]) AND i.code = m.code AND i.member_id = m.member_id',
      [writtenIds],
    );
    await q(c, 'tally-push-cards-clear', 'DELETE FROM member_cards WHERE member_id = ANY($1::text[])', [writtenIds]);
    if (cards.length === 0) return;
    await q(c, 'tally-push-cards', 'INSERT INTO member_cards (member_id, code, position) SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[])', [
      cards.map((k) => k.memberId),
      cards.map((k) => k.code),
      cards.map((k) => k.position),
    ]);
    const indexed = await q(
      c,
      'tally-push-card-index',
      `INSERT INTO card_index (code, member_id)
       SELECT u.code, u.member_id FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(code, member_id, n) ORDER BY u.n
       ON CONFLICT DO NOTHING RETURNING code, member_id`,
      [cards.map((k) => k.code), cards.map((k) => k.memberId)],
    );
    const claimed = new Set(indexed.map((r) => key2(text(r, 'code'), text(r, 'member_id'))));
    const refused = cards.filter((k) => !claimed.has(key2(k.code, k.memberId)));
    if (refused.length === 0) return;
    const holders = await q(c, null, 'SELECT code, member_id FROM card_index WHERE code = ANY($1::text[])', [refused.map((k) => k.code)]);
    const holderOf = new Map(holders.map((r) => [text(r, 'code'), text(r, 'member_id')]));
    for (const k of refused) alerts.push(alert(batch, k.index, 'card-conflict', 'member', k.memberId, { code: k.code, heldBy: holderOf.get(k.code) ?? null, version: k.version }));
  }

  async lastSeqs(storeId: string, terminalId: string): Promise<{ readonly epoch: number; readonly lastSeq: number }[]> {
    const rows = await q(this.pool, 'tally-last-seqs', 'SELECT epoch, last_seq FROM terminal_sequences WHERE store_id = $1 AND terminal_id = $2 ORDER BY epoch', [storeId, terminalId]);
    return rows.map((r) => ({ epoch: int(r, 'epoch'), lastSeq: int(r, 'last_seq') }));
  }

  async member(memberId: string): Promise<MemberView | undefined> {
    const [row] = await q(
      this.pool,
      'tally-member-view',
      `SELECT m.version, m.name, m.erased_at, coalesce(b.balance, 0) AS balance,
              coalesce((SELECT array_agg(c.code ORDER BY c.position) FROM member_cards c WHERE c.member_id = m.member_id), '{}') AS cards
       FROM members m
       LEFT JOIN member_balances b ON b.member_id = m.member_id AND b.account = 'member:' || m.member_id
       WHERE m.member_id = $1`,
      [memberId],
    );
    if (!row) return undefined;
    const cards = row['cards'];
    if (!Array.isArray(cards) || !cards.every((c): c is string => typeof c === 'string')) throw new TypeError('database column cards: expected a text array');
    return { id: memberId, version: int(row, 'version'), name: textOrNull(row, 'name'), cards, balance: int(row, 'balance'), erasedAt: intOrNull(row, 'erased_at') };
  }

  async pull(request: PullRequest): Promise<PullResponse> {
    return readPullPage(new PostgresPullReader(this.pool), request);
  }

  async bootstrap(request: BootstrapRequest): Promise<BootstrapSnapshot> {
    return openPostgresBootstrap(this.pool, request);
  }

  async memberState(memberId: string, caller: { readonly storeId: string; readonly terminalId: string }): Promise<MemberState> {
    return readMemberState(new PostgresPullReader(this.pool), memberId, caller);
  }

  async memberStateByCard(code: string, caller: { readonly storeId: string; readonly terminalId: string }): Promise<MemberState | undefined> {
    const memberId = await this.memberIdForCard(code);
    if (memberId === undefined) return undefined;
    return readMemberState(new PostgresPullReader(this.pool), memberId, caller);
  }

  async memberIdForCard(code: string): Promise<string | undefined> {
    const [row] = await q(this.pool, 'tally-card', 'SELECT member_id FROM card_index WHERE code = $1', [code]);
    return row ? text(row, 'member_id') : undefined;
  }

  async alerts(limit: number): Promise<AlertRecord[]> {
    const rows = await q(this.pool, null, 'SELECT id, kind, store_id, terminal_id, entity, entity_id, detail::text AS detail, created_at FROM alerts ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map(alertFromRow);
  }

  async verify(): Promise<{ readonly ok: boolean; readonly problems: readonly string[]; readonly overdrafts: readonly string[] }> {
    // One snapshot for every check, read-only, never blocking pushes.
    return this.transaction(async (c) => {
      const rows: Row[][] = [];
      for (const sql of VERIFY_QUERIES) rows.push(await q(c, null, sql));
      return { commit: true, value: verifyReport(rows) };
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async dayReport(request: DayReportRequest): Promise<DayReport | undefined> {
    return postgresDayReport(this.pool, request);
  }

  /** Tests only: raw rows (the shared suite counts rows to prove a refused batch wrote nothing). */
  async query(sql: string): Promise<Row[]> {
    return q(this.pool, null, sql);
  }
}

function groupBy<V>(rows: readonly Row[], keyOf: (r: Row) => string, valueOf: (r: Row) => V): Map<string, V[]> {
  const map = new Map<string, V[]>();
  for (const r of rows) {
    const k = keyOf(r);
    const list = map.get(k);
    if (list) list.push(valueOf(r));
    else map.set(k, [valueOf(r)]);
  }
  return map;
}

/** Connects (a pool; nothing is opened until the first query) and brings the schema up to date. */
export async function openPostgresServerStore(options: PgOptions): Promise<PostgresServerStore> {
  const store = new PostgresServerStore(options);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}


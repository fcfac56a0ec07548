/**
 * The simulation's server store, embedded SQLite or PostgreSQL (issue 9: the suite runs against
 * both), and the one place where the two dialects' rows are made alike for the invariants and the
 * final checks.
 *
 * The checks read the server's tables with plain SQL (`query`). What comes back differs by driver:
 * better-sqlite3 gives integers as numbers, booleans as 1/0, JSON columns as the text the server
 * wrote, blobs as Buffers; `pg` gives bigint (and numeric sums) as strings, booleans as true/false,
 * json/jsonb parsed into objects, bytea as Buffers. On PostgreSQL the checks therefore read through
 * their own small pool whose type parsers (per pool: nothing process-wide changes under the
 * store's own pool) give what SQLite gives:
 * - bigint and numeric → a number, refused if it is not a safe integer (never silently rounded);
 * - boolean → 1 / 0;
 * - json / jsonb → compact JSON text (`JSON.stringify` of the value). jsonb keeps its own key order
 *   and drops the writer's spacing, so the text is not byte-equal to SQLite's — no check compares
 *   text across stores; checks that look inside it (`"holdId":"…"`) see the same compact form;
 * - bytea → Buffer, as on SQLite.
 * A `String(value)` of an object would have given "[object Object]" and made every comparison of a
 * JSON column pass vacuously on PostgreSQL; a number-as-string would have made hashes differ from
 * the numbers the checks compute with.
 *
 * The schemas differ in one place the checks see: SQLite keeps an append-only change log table
 * (`changes`) that pull reads; PostgreSQL stamps each booked row with the writing transaction's id
 * (`change_xid`, migration 2) instead, so `changeLog()` is SQLite's table there and empty here. The
 * stamps are still covered on PostgreSQL: they are columns of the append-only rows the invariants
 * hash (`SELECT *` of transfers, transactions and events), so a restamped row reads as changed. The
 * stamps' values differ between runs (xids are cluster-wide) and are never part of the digest.
 */
import { join } from 'node:path';
import pg from 'pg';
import type { CustomTypesConfig } from 'pg';
import { openPostgresServerStore } from '../../../src/server/store/postgres/postgres-store.js';
import type { Row } from '../../../src/server/store/rows.js';
import { openSqliteServerStore } from '../../../src/server/store/sqlite/sqlite-store.js';
import type { ServerStore } from '../../../src/server/store/store.js';
import { createTestDatabase } from '../postgres.js';

export type SimStoreKind = 'sqlite' | 'postgres';

export const SIM_STORE_KINDS: readonly SimStoreKind[] = ['sqlite', 'postgres'];

/** TALLY_SIM_STORE (default sqlite): which store the simulation's server runs on when a test does not say. */
export function simStoreFromEnv(): SimStoreKind {
  const text = process.env['TALLY_SIM_STORE'];
  if (text === undefined || text === '') return 'sqlite';
  const kind = SIM_STORE_KINDS.find((k) => k === text);
  if (kind === undefined) throw new Error(`TALLY_SIM_STORE must be one of ${SIM_STORE_KINDS.join(', ')}, got "${text}"`);
  return kind;
}

export interface SimServerStore {
  readonly kind: SimStoreKind;
  /** The real store the server (or a replay) writes through. */
  readonly store: ServerStore;
  /** Raw rows, typed alike on both stores (see above). */
  query(sql: string): Promise<Row[]>;
  /** SQLite's change log, oldest first; PostgreSQL has none (its stamps are columns of the booked rows). */
  changeLog(): Promise<Row[]>;
  /**
   * Called before each pull reaches the server. PostgreSQL hands out only change stamps below the
   * oldest transaction running anywhere in the cluster (`pg_snapshot_xmin`; xids are cluster-wide),
   * so a transaction another test file holds open in another database at that moment would make
   * the pull withhold rows this run has committed — the run would then depend on what else the
   * machine is doing, and a seed would not replay. The simulation's requests are sequential, so on
   * a quiet cluster every committed row is below that horizon when a pull starts: this waits until
   * it is, which is the answer the pull gives there. (Whether a pull withholds a push still
   * committing is the pull suite's question, not the simulation's.) A no-op on SQLite.
   */
  settle(): Promise<void>;
  /** Closes the store (and on PostgreSQL drops its database). */
  close(): Promise<void>;
}

const { builtins } = pg.types;

function safeInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new TypeError(`simulation reader: ${text} is not a safe integer`);
  return n;
}

const compactJson = (text: string): string => JSON.stringify(JSON.parse(text) as unknown);

/** The checks' type parsers for PostgreSQL rows (text format: the only one `pg` asks for here). */
const getTypeParser = ((oid: number, format?: 'text' | 'binary') => {
  if (format === undefined || format === 'text') {
    switch (oid) {
      case builtins.INT8:
      case builtins.NUMERIC:
        return safeInteger;
      case builtins.BOOL:
        return (text: string): number => (text === 't' ? 1 : 0);
      case builtins.JSON:
      case builtins.JSONB:
        return compactJson;
    }
  }
  return pg.types.getTypeParser(oid, format ?? 'text');
}) as CustomTypesConfig['getTypeParser'];

const SETTLE_WAIT_MS = 30_000;

/** True when every stamp this database holds is below the cluster's oldest running transaction. */
const SETTLED_SQL = `SELECT pg_snapshot_xmin(pg_current_snapshot()) > greatest(
  (SELECT max(change_xid) FROM members), (SELECT max(change_xid) FROM transactions),
  (SELECT max(change_xid) FROM transfers), (SELECT max(change_xid) FROM events), '0'::xid8) AS settled`;

/**
 * A fresh server store of this kind: a file in `dir` named `name`, or a fresh PostgreSQL database
 * (tests/support/postgres.ts: the local Debian cluster, or TALLY_TEST_DATABASE_URL).
 */
export async function openSimServerStore(kind: SimStoreKind, dir: string, name: string): Promise<SimServerStore> {
  if (kind === 'sqlite') {
    const store = await openSqliteServerStore(join(dir, `${name}.sqlite`));
    return {
      kind,
      store,
      query: (sql) => store.query(sql),
      changeLog: () => store.query('SELECT * FROM changes ORDER BY id'),
      settle: async () => undefined,
      close: () => store.close(),
    };
  }
  const database = await createTestDatabase(`sim_${name}`);
  let store: ServerStore;
  try {
    store = await openPostgresServerStore({ connectionString: database.url });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const reader = new pg.Pool({ connectionString: database.url, max: 1, types: { getTypeParser } });
  reader.on('error', () => undefined);
  return {
    kind,
    store,
    query: async (sql) => (await reader.query<Row>(sql)).rows,
    changeLog: async () => [],
    settle: async () => {
      const deadline = Date.now() + SETTLE_WAIT_MS;
      for (;;) {
        const [row] = (await reader.query<Row>(SETTLED_SQL)).rows;
        if (row?.['settled'] === 1) return;
        // Thrown, not waited past: a run that went on would no longer be the seed's run.
        if (Date.now() > deadline) throw new Error(`simulation: another session kept a transaction open on the PostgreSQL cluster for ${SETTLE_WAIT_MS / 1000} s; the pull would withhold this run's rows`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: async () => {
      try {
        await reader.end();
        await store.close();
      } finally {
        await database.drop();
      }
    },
  };
}

/**
 * The shared server-store suite on a real PostgreSQL (tests/support/postgres.ts: a fresh database
 * for this file; the test fails, never skips, when PostgreSQL cannot be had), plus the Citus schema
 * rules read from the catalog.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresServerStore, type PostgresServerStore } from '../../src/server/store/postgres/postgres-store.js';
import { PG_LATEST_VERSION } from '../../src/server/store/postgres/migrations.js';
import { text } from '../../src/server/store/rows.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { serverBootstrapSuite } from './server-bootstrap.suite.js';
import { serverPullSuite } from './server-pull.suite.js';
import pg from 'pg';
import { serverSpendingSuite } from './server-spending.suite.js';
import { serverStoreSuite } from './server-store.suite.js';

let database: TestDatabase | undefined;
let setupError: unknown;
beforeAll(async () => {
  try {
    database = await createTestDatabase('server-store');
  } catch (error) {
    // Reported by every test through url(): a failure, never a skip.
    setupError = error;
  }
});
afterAll(async () => {
  await database?.drop();
});

function url(): string {
  if (setupError !== undefined) throw setupError;
  if (!database) throw new Error('PostgreSQL for tests: the test database was not created');
  return database.url;
}

serverStoreSuite('PostgreSQL', {
  open: () => openPostgresServerStore({ connectionString: url() }),
  markNewer: async (store) => {
    const future = PG_LATEST_VERSION + 1;
    await store.query(`INSERT INTO schema_migrations (version, description, applied_at) VALUES (${future}, 'from the future', 0) RETURNING version`);
    return { restore: async () => void (await store.query(`DELETE FROM schema_migrations WHERE version = ${future} RETURNING version`)) };
  },
});
serverPullSuite('PostgreSQL', {
  open: () => openPostgresServerStore({ connectionString: url() }),
  markNewer: async (store) => {
    const future = PG_LATEST_VERSION + 1;
    await store.query(`INSERT INTO schema_migrations (version, description, applied_at) VALUES (${future}, 'from the future', 0) RETURNING version`);
    return { restore: async () => void (await store.query(`DELETE FROM schema_migrations WHERE version = ${future} RETURNING version`)) };
  },
});
serverBootstrapSuite('PostgreSQL', {
  open: () => openPostgresServerStore({ connectionString: url() }),
  markNewer: async (store) => {
    const future = PG_LATEST_VERSION + 1;
    await store.query(`INSERT INTO schema_migrations (version, description, applied_at) VALUES (${future}, 'from the future', 0) RETURNING version`);
    return { restore: async () => void (await store.query(`DELETE FROM schema_migrations WHERE version = ${future} RETURNING version`)) };
  },
  // A transaction that has an id and stays open: the oldest running one, so it holds back the snapshot's xmin.
  holdXid: async () => {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT pg_current_xact_id()');
    return {
      release: async () => {
        await client.query('ROLLBACK');
        await client.end();
      },
    };
  },
});
serverSpendingSuite('PostgreSQL', {
  open: () => openPostgresServerStore({ connectionString: url() }),
  markNewer: async (store) => {
    const future = PG_LATEST_VERSION + 1;
    await store.query(`INSERT INTO schema_migrations (version, description, applied_at) VALUES (${future}, 'from the future', 0) RETURNING version`);
    return { restore: async () => void (await store.query(`DELETE FROM schema_migrations WHERE version = ${future} RETURNING version`)) };
  },
});

/**
 * Every table is classified. Member-keyed tables are distributed by member_id in Citus: member_id
 * must be in their primary key and in every unique constraint or index (Citus cannot enforce one
 * without the distribution column). A new table fails this test until it is added to a list.
 */
const MEMBER_KEYED = ['members', 'member_cards', 'transfers', 'lots', 'lot_draws', 'transactions', 'events', 'member_balances', 'holds', 'hold_lots', 'offline_spends'];
/** Small, read on every request, written rarely: Citus reference tables (a copy on every node). */
const REFERENCE = ['stores', 'programs', 'terminals', 'enrolment_codes'];
/** Neither: each with the reason. */
const OTHER: Record<string, string> = {
  terminal_sequences: 'per-terminal push bookkeeping, written on every push: coordinator-local (or distributed by terminal)',
  resent_transfers: 'per-terminal push bookkeeping: coordinator-local (or distributed by terminal)',
  card_index: 'keyed by card code (unique codes cannot be enforced on a member-distributed table): distributed by code',
  alerts: 'for managers, written rarely: coordinator-local',
  offline_grants: 'one row per terminal and budget period: coordinator-local (or distributed by terminal)',
  schema_migrations: 'the schema version: coordinator-local',
};
/** Tables that hold a member_id but are deliberately not keyed by it. */
const KEYED_OTHERWISE = ['card_index'];

describe('server store on PostgreSQL: Citus schema rules', () => {
  let opened: PostgresServerStore | undefined;
  /** The store, or the set-up failure thrown inside the test (so it fails, not skips). */
  const store = (): PostgresServerStore => {
    if (opened) return opened;
    url();
    throw new Error('PostgreSQL for tests: the store was not opened');
  };
  beforeAll(async () => {
    if (setupError === undefined) opened = await openPostgresServerStore({ connectionString: url() });
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('classifies every table, and member-keyed tables carry member_id in every primary and unique key', async () => {
    const tables = (await store().query(`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`)).map((r) => text(r, 'name'));
    expect([...tables].sort()).toEqual([...MEMBER_KEYED, ...REFERENCE, ...Object.keys(OTHER)].sort());

    const withMemberId = (
      await store().query(
        `SELECT DISTINCT c.relname AS name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attname = 'member_id' AND NOT a.attisdropped`,
      )
    ).map((r) => text(r, 'name'));
    expect([...withMemberId].sort()).toEqual([...MEMBER_KEYED, ...KEYED_OTHERWISE].sort());

    const keys = await store().query(
      `SELECT c.relname AS table_name, i.relname AS index_name, ix.indisprimary AS is_primary,
              EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'member_id' AND a.attnum = ANY (ix.indkey)) AS has_member_id
       FROM pg_index ix JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND ix.indisunique`,
    );
    for (const table of MEMBER_KEYED) {
      const own = keys.filter((k) => k['table_name'] === table);
      expect(own.some((k) => k['is_primary'] === true), `${table} has a primary key`).toBe(true);
      expect(own.filter((k) => k['has_member_id'] !== true).map((k) => k['index_name']), `${table}: unique keys without member_id`).toEqual([]);
    }
  });

  it('stores times, amounts and sequence numbers as bigint', async () => {
    const columns = await store().query(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = current_schema() AND (column_name LIKE '%\\_at' OR column_name IN ('amount', 'balance', 'epoch', 'seq', 'last_seq', 'points', 'remaining'))`,
    );
    expect(columns.length).toBeGreaterThan(20);
    expect(columns.filter((c) => c['data_type'] !== 'bigint').map((c) => `${String(c['table_name'])}.${String(c['column_name'])}`)).toEqual([]);
  });
});

/**
 * The bootstrap end to end on PostgreSQL (see sync-bootstrap.suite.ts; tests/support/postgres.ts: a
 * fresh database for this file, a failure, never a skip, when PostgreSQL cannot be had).
 */
import { afterAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { syncBootstrapSuite } from './sync-bootstrap.suite.js';

let database: TestDatabase | undefined;
afterAll(async () => {
  await database?.drop();
});

syncBootstrapSuite('PostgreSQL', async () => {
  database = await createTestDatabase('sync-bootstrap');
  return database.url;
});

/**
 * A full disk under the server's PostgreSQL, with real processes: the test database's tablespace on
 * a small tmpfs (tests/support/postgres.ts `createSmallDiskDatabase`) that the test fills. A push
 * that does not fit gets the same clear 503 `disk-full` answer as on the embedded store, the server
 * and PostgreSQL stay up, the terminal keeps its outbox; once space is freed a sync converges.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createSmallDiskDatabase, type SmallDiskDatabase } from '../support/postgres.js';
import { pushOntoFullDisk } from '../support/sync-scenarios.js';
import { SyncWorld } from '../support/sync-world.js';

let database: SmallDiskDatabase;
let world: SyncWorld;

beforeAll(async () => {
  database = await createSmallDiskDatabase('sync-disk-pg', 48);
  world = await SyncWorld.start({ label: 'sync-disk-pg', terminals: 1, databaseUrl: database.url });
}, 60_000);

afterAll(async () => {
  await world?.close();
  await database?.drop();
});

describe('a full disk under PostgreSQL', () => {
  it('the push gets a clear 503 disk-full answer, the server stays up, the terminal keeps its outbox; freed, a sync converges', async () => {
    await pushOntoFullDisk(world, database, 'PostgreSQL full disk');
  });
});

/**
 * A full disk under the server's PostgreSQL, with real processes: the test database's tablespace on
 * a small tmpfs (tests/support/postgres.ts `createSmallDiskDatabase`) that the test fills. A push
 * that does not fit gets the same clear 503 `disk-full` answer as on the embedded store, the server
 * and PostgreSQL stay up, the terminal keeps its outbox; once space is freed a sync converges.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponseSchema } from '../../src/contract/sync.js';
import { parseResponse } from '../support/fault-proxy.js';
import { createSmallDiskDatabase, type SmallDiskDatabase } from '../support/postgres.js';
import { http } from '../support/server-process.js';
import { expectConverged, isPush } from '../support/sync-scenarios.js';
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
    const terminal = world.terminals[0]!;
    const members = world.bulkMembers(terminal, 70);
    world.bulkSales(terminal, 20, members);
    const first = await world.tally(terminal.db, ['sync']);
    expect(first.status, first.stderr).toBe(0);

    world.bulkSales(terminal, 700, members);
    const pending = world.pending(terminal);
    database.fill();
    const from = world.proxy.records.length;
    const sync = await world.tally(terminal.db, ['sync']);
    expect(sync.status).toBe(1);
    expect(sync.stderr).toMatch(/^tally: The server failed on a push \(.+\): nothing was lost; sync again later\n$/);
    expect(sync.stderr).toMatch(/The server's disk is full/);
    expect(world.pending(terminal)).toBe(pending);

    const refused = world.proxy.records.slice(from).find((r) => isPush(r.request) && (r.upstream[0] ?? 0) >= 500);
    expect(refused, 'a push answered with a 5xx').toBeDefined();
    const answer = parseResponse(refused!.responses[0]!);
    expect(answer.status).toBe(503);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const body = errorResponseSchema.parse(JSON.parse(answer.body));
    expect(body.error).toMatchObject({ code: 'disk-full', message: expect.stringMatching(/^The server's disk is full: nothing was written/) });
    expect(answer.body).not.toMatch(/could not extend|No space|\bat .*\.(js|ts):\d+|\/work\/|node_modules|pg_tblspc/);
    console.log(`PostgreSQL full disk: push answered ${answer.status} ${answer.body}`);

    // Still up and answering, on a full disk.
    expect(world.server.child.exitCode).toBeNull();
    const { credential } = JSON.parse(readFileSync(`${terminal.db}.secrets/sync-credential.json`, 'utf8')) as { credential: string };
    expect((await http(world.server.url, { path: '/v1/health', credential })).status).toBe(200);

    database.free();
    await expectConverged(world);
  });
});

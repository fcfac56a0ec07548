/**
 * The core sync fault scenario of sync-faults.test.ts on the production store: the same real
 * `tally-server` with DATABASE_URL set to a fresh PostgreSQL database (tests/support/postgres.ts),
 * three terminals through the fault proxy — each fault once on a push (two copies of one batch
 * at the same time included, which PostgreSQL really runs concurrently), then fewer rounds of
 * random faults — and the same convergence checks. TALLY_SYNC_FAULT_SEED / _ROUNDS as there.
 * Also: text PostgreSQL cannot store is refused at the door, as on SQLite (server-bad-input.test.ts).
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorResponseSchema } from '../../src/contract/sync.js';
import { PASS } from '../support/fault-proxy.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { describeRun, everyFaultOnAPush, expectConverged, faultSettings, randomRounds } from '../support/sync-scenarios.js';
import { memberItem } from '../support/server-batch.js';
import { http } from '../support/server-process.js';
import { STORE, SyncWorld } from '../support/sync-world.js';

const { seed: SEED, rounds: ROUNDS } = faultSettings(1);

let database: TestDatabase;
let world: SyncWorld;

beforeAll(async () => {
  database = await createTestDatabase('sync-faults');
  world = await SyncWorld.start({ label: 'sync-faults-pg', terminals: 3, databaseUrl: database.url });
}, 60_000);

afterEach(async () => {
  world.proxy.setPlanner(() => PASS);
  await world.proxy.idle();
});

afterAll(async () => {
  await world?.close();
  await database?.drop();
});

describe('three terminals syncing through a faulty network (PostgreSQL)', () => {
  it(`converges after every fault on a push and random faults (seed ${SEED}, ${ROUNDS} rounds)`, async () => {
    console.log(`sync faults (PostgreSQL): seed ${SEED}, ${ROUNDS} rounds (replay: TALLY_SYNC_FAULT_SEED=${SEED} TALLY_SYNC_FAULT_ROUNDS=${ROUNDS})`);
    const started = Date.now();
    await everyFaultOnAPush(world);
    const run = await randomRounds(world, SEED, ROUNDS);
    expect(run.requests - (run.faults.get('pass') ?? 0)).toBeGreaterThan(0);
    const transfers = await expectConverged(world, `seed ${SEED}`);
    console.log(`sync faults (PostgreSQL): ${describeRun(run, transfers, Date.now() - started)}`);
  });

  it('refuses text PostgreSQL cannot keep (NUL, a lone surrogate) with a 400, as the embedded store does, instead of failing in the write', async () => {
    const terminal = world.terminals[0]!;
    const { credential } = JSON.parse(readFileSync(`${terminal.db}.secrets/sync-credential.json`, 'utf8')) as { credential: string };
    const place = { storeId: STORE, terminalId: terminal.id };
    for (const name of ['Kim\u0000Minji', 'Kim \udc00']) {
      const answer = await http(world.server.url, { path: '/v1/push', credential, body: { epoch: 1, fromSeq: 1, items: [memberItem('M-UNSTORABLE', place, 1, name)] } });
      expect(answer.status, answer.text).toBe(400);
      expect(errorResponseSchema.parse(answer.json()).error.code).toBe('malformed');
    }
    expect(world.admin<{ ok: boolean }>('verify').ok).toBe(true);
  });
});

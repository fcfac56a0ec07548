/**
 * Pulls through the fault-injecting proxy, with real processes: one terminal books sales for members
 * it enrolled and pushes them; another loads them (its first sync's stream cut off once), then pulls
 * more while every fault hits its `GET /v1/pull` once —
 * dropped, the answer lost after the server sent it, the answer cut off part-way (a truncated JSON
 * page), sent twice, delayed — then random faults on pulls. Every failed sync is a clear one-line
 * refusal; once the faults stop, the puller holds every transfer of the other terminal exactly
 * once, the same member balances as the server, and verifies.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomFaults, seededRandom, type Fault } from '../support/fault-proxy.js';
import { expectConverged, faultSettings, terminalOf } from '../support/sync-scenarios.js';
import { syncFailureProblem, SyncWorld } from '../support/sync-world.js';

const { seed: SEED, rounds: ROUNDS } = faultSettings(6);
const isPull = (r: { readonly path: string }): boolean => r.path.startsWith('/v1/pull');

let world: SyncWorld;

beforeAll(async () => {
  world = await SyncWorld.start({ label: 'sync-faults-pull', terminals: 2 });
}, 60_000);

afterAll(async () => {
  await world?.close();
});

/** The puller's transfers and member balances against the server's. */
async function expectSameJournal(): Promise<void> {
  const [pusher, puller] = [world.terminals[0]!, world.terminals[1]!];
  const server = await world.serverRows();
  const fromPusher = server.transfers.filter((t) => t.terminalId === pusher.id).map((t) => t.id).sort();
  const ledger = new Database(puller.db, { readonly: true });
  try {
    const held = ledger.prepare('SELECT id FROM transfers WHERE terminal_id = ? ORDER BY id').pluck().all(pusher.id) as string[];
    expect(held).toEqual(fromPusher);
    const balances = ledger.prepare(`SELECT id, balance FROM accounts WHERE id LIKE 'member:%' AND balance <> 0 ORDER BY id`).all() as { id: string; balance: number }[];
    const expected = new Map<string, number>();
    const pusherLedger = new Database(pusher.db, { readonly: true });
    try {
      for (const r of pusherLedger.prepare(`SELECT id, balance FROM accounts WHERE id LIKE 'member:%' AND balance <> 0 ORDER BY id`).all() as { id: string; balance: number }[]) expected.set(r.id, r.balance);
    } finally {
      pusherLedger.close();
    }
    expect(balances).toEqual([...expected].map(([id, balance]) => ({ id, balance })));
  } finally {
    ledger.close();
  }
  const verify = await world.tally(puller.db, ['verify']);
  expect(verify.status, verify.stdout + verify.stderr).toBe(0);
}

describe('pulls through a faulty network', () => {
  it(`every fault once on a pull, then random faults (seed ${SEED}, ${ROUNDS} rounds): clear refusals, and the puller ends with the journal once`, async () => {
    console.log(`pull faults: seed ${SEED}, ${ROUNDS} rounds (replay: TALLY_SYNC_FAULT_SEED=${SEED} TALLY_SYNC_FAULT_ROUNDS=${ROUNDS})`);
    const [pusher, puller] = [world.terminals[0]!, world.terminals[1]!];
    const who = terminalOf(world);
    const members = world.bulkMembers(pusher, 40);
    world.bulkSales(pusher, 60, members);
    const pushed = await world.tally(pusher.db, ['sync']);
    expect(pushed.status, pushed.stderr).toBe(0);

    // The puller's first sync loads the chain as one stream: cut off part-way it fails clearly and
    // leaves the ledger empty; the next one loads it whole. Pages follow from its cursor.
    world.proxy.script([{ kind: 'cut-response', fraction: 0.5 }], (r) => r.path.startsWith('/v1/bootstrap') && who(r.headers['authorization']) === 1);
    const cut = await world.tally(puller.db, ['sync']);
    expect(syncFailureProblem(cut), cut.stdout).toBeNull();
    expect(cut.status, cut.stderr).toBe(1);
    const loaded = await world.tally(puller.db, ['sync']);
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(world.proxy.records.filter((r) => r.request.path.startsWith('/v1/bootstrap')).length).toBe(2);

    // What the puller's sync then does: fails clearly (1) or goes through (0).
    const faults: readonly (readonly [Fault, 0 | 1])[] = [
      [{ kind: 'drop' }, 1],
      [{ kind: 'lose-response' }, 1],
      [{ kind: 'cut-response', fraction: 0.5 }, 1],
      [{ kind: 'cut-response', fraction: 0.02 }, 1],
      [{ kind: 'duplicate', concurrent: true, answer: 'second' }, 0],
      [{ kind: 'duplicate', lateMs: 100 }, 0],
      [{ kind: 'delay', ms: 300, phase: 'response' }, 0],
    ];
    for (const [fault, status] of faults) {
      // More for the puller to fetch each time, so every pull has a page to lose.
      world.bulkSales(pusher, 5, members);
      expect((await world.tally(pusher.db, ['sync'])).status).toBe(0);
      const from = world.proxy.records.length;
      world.proxy.script([fault], (r) => isPull(r) && who(r.headers['authorization']) === 1);
      const sync = await world.tally(puller.db, ['sync']);
      await world.proxy.idle();
      const hit = world.proxy.records.slice(from).find((r) => isPull(r.request) && r.fault.kind === fault.kind);
      expect(hit, `${fault.kind} on a pull`).toBeDefined();
      expect(syncFailureProblem(sync), `${fault.kind}: ${sync.stdout}`).toBeNull();
      expect(sync.status, `${fault.kind}: ${sync.stderr}`).toBe(status);
    }

    const random = randomFaults(seededRandom(SEED), { pass: 3, drop: 1, 'lose-response': 1, 'cut-response': 2, duplicate: 1, delay: 1 }, 300);
    world.proxy.setPlanner((r) => (isPull(r) && who(r.headers['authorization']) === 1 ? random(r) : { kind: 'pass' }));
    for (let round = 0; round < ROUNDS; round += 1) {
      world.bulkSales(pusher, 5, members);
      expect((await world.tally(pusher.db, ['sync'])).status).toBe(0);
      const sync = await world.tally(puller.db, ['sync']);
      expect(syncFailureProblem(sync), `round ${round}: ${sync.stdout}`).toBeNull();
    }
    await expectConverged(world, `seed ${SEED}`);
    await expectSameJournal();
  });
});

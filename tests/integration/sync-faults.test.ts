/**
 * Sync through a bad network and through crashes, with real processes on loopback: one
 * `tally-server` (embedded SQLite), three terminals enrolled with `tally enrol` and booking with the
 * `tally` CLI, all their requests through the fault proxy (tests/support/fault-proxy.ts).
 *
 * - Each fault once on a push: drop, reset mid-body, answer lost after the commit, duplicates
 *   (concurrent, back to back, trailing late), delays on either side.
 * - Random faults from a printed seed while the terminals book and sync: drops, resets mid-body,
 *   answers lost after the server committed, duplicates (concurrent, back to back, trailing), delays.
 *   A sync that fails says so in one line and exits 1. Once the network is clean, one sync per
 *   terminal converges: the server verifies, raised no alert, holds exactly what the terminals
 *   booked, every terminal's sequence is 1…n, every outbox is empty.
 *   TALLY_SYNC_FAULT_SEED=N replays a run's bookings and each terminal's fault stream (which
 *   terminal's request reaches the proxy first is up to the OS); TALLY_SYNC_FAULT_ROUNDS=N scales it.
 * - `kill -9` of a terminal in the middle of pushing a few thousand entries, twice
 *   (TALLY_SYNC_FAULT_BULK=N sales, default 700, about three outbox rows each).
 * - `kill -9` of the server while it applies a batch, restarted on the same data and port.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PASS } from '../support/fault-proxy.js';
import { cleanSync, describeRun, everyFaultOnAPush, expectConverged, faultSettings, isPush, randomRounds } from '../support/sync-scenarios.js';
import { finished, spawnTally, syncFailureProblem, SyncWorld } from '../support/sync-world.js';

const { seed: SEED, rounds: ROUNDS } = faultSettings(2);
/** Sales booked before a push is killed: about three outbox rows each. */
const BULK_SALES = Number(process.env['TALLY_SYNC_FAULT_BULK'] ?? 700);

let world: SyncWorld;

beforeAll(async () => {
  world = await SyncWorld.start({ label: 'sync-faults', terminals: 3 });
}, 60_000);

afterEach(async () => {
  // A failed test must not leave its faults to the next one.
  world.proxy.setPlanner(() => PASS);
  await world.proxy.idle();
});

afterAll(async () => {
  await world?.close();
});

describe('three terminals syncing through a faulty network (embedded SQLite)', () => {
  it(`converges after every fault once on a push, then random faults (seed ${SEED}, ${ROUNDS} rounds)`, async () => {
    console.log(`sync faults (SQLite): seed ${SEED}, ${ROUNDS} rounds (replay: TALLY_SYNC_FAULT_SEED=${SEED} TALLY_SYNC_FAULT_ROUNDS=${ROUNDS})`);
    const started = Date.now();
    await everyFaultOnAPush(world);
    const run = await randomRounds(world, SEED, ROUNDS);
    expect(run.requests - (run.faults.get('pass') ?? 0)).toBeGreaterThan(0);
    const transfers = await expectConverged(world, `seed ${SEED}`);
    console.log(`sync faults (SQLite): ${describeRun(run, transfers, Date.now() - started)}`);
  });
});

describe('kill -9', () => {
  it('of a terminal in the middle of a push: nothing lost, nothing doubled', async () => {
    const terminal = world.terminals[0]!;
    world.bulkSales(terminal, BULK_SALES);
    const pending = world.pending(terminal);
    expect(pending).toBeGreaterThan(2000);

    // 1. Killed as soon as the server has the first batch (it may be applying it right now).
    let from = world.proxy.records.length;
    let child = spawnTally(terminal.db, ['sync'], world.dir);
    let run = finished(child);
    await world.proxy.waitFor('forwarded', (r) => r.request.index > from && isPush(r.request));
    child.kill('SIGKILL');
    expect((await run).signal).toBe('SIGKILL');
    expect(world.pending(terminal)).toBe(pending);

    // 2. Killed after the first batch was answered, while it acknowledges and sends the next.
    from = world.proxy.records.length;
    child = spawnTally(terminal.db, ['sync'], world.dir);
    run = finished(child);
    await world.proxy.waitFor('request', (r) => r.request.index > from && isPush(r.request) && world.proxy.records.some((p) => p.request.index > from && p.request.index < r.request.index && isPush(p.request) && p.delivered));
    child.kill('SIGKILL');
    expect((await run).signal).toBe('SIGKILL');
    const left = world.pending(terminal);
    expect(left).toBeLessThan(pending);
    expect(left).toBeGreaterThan(0);

    // The killed terminal's ledger is whole, and one clean sync brings everything over exactly once.
    const check = await world.tally(terminal.db, ['verify']);
    expect(check.stdout).toMatch(/^Ledger OK: /);
    await expectConverged(world);
  });

  it('of the server while it applies a batch: restarted on the same data and port, the next sync converges', async () => {
    const terminal = world.terminals[1]!;
    const port = world.serverPort();
    // How long the server takes over a full batch, from having it whole to having answered it.
    world.bulkSales(terminal, 400);
    const calibration = world.proxy.records.length;
    await cleanSync(world, terminal);
    const applyMs = Math.max(...world.proxy.records.slice(calibration).filter((r) => isPush(r.request)).map((r) => (r.times.answered ?? 0) - (r.times.forwarded ?? 0)));
    expect(applyMs).toBeGreaterThan(0);
    const figures: string[] = [`a batch of 1000 takes ${applyMs} ms`];
    // Kill at a few instants after the server has the whole batch: while it parses, around the commit, after the answer.
    for (const killAt of [0, 0.9, 'answered'] as const) {
      world.bulkSales(terminal, 400);
      const from = world.proxy.records.length;
      const sync = world.tally(terminal.db, ['sync']);
      const push = await world.proxy.waitFor(killAt === 'answered' ? 'answered' : 'forwarded', (r) => r.request.index > from && isPush(r.request));
      if (typeof killAt === 'number' && killAt > 0) await new Promise((resolve) => setTimeout(resolve, Math.round(applyMs * killAt)));
      const killed = await world.server.stop('SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
      const run = await sync;
      expect(syncFailureProblem(run), `killed at ${killAt}`).toBeNull();
      await world.proxy.waitFor('settled', (r) => r === push);
      await world.startServer(String(port));
      expect(world.serverPort()).toBe(port);
      const batch = JSON.parse(push.request.body.toString('utf8')) as { fromSeq: number; items: unknown[] };
      const lastSeq = (await world.serverRows()).sequences.find((s) => s.terminalId === terminal.id)?.lastSeq ?? 0;
      figures.push(`killed at ${killAt}: ${batch.items.length} items from seq ${batch.fromSeq}, ${push.upstream[0] === null ? 'no answer' : `answered ${push.upstream[0]}`}, ${lastSeq >= batch.fromSeq ? 'committed' : 'not committed'}, sync exit ${run.status}`);
      // Killed the moment the batch arrived, the server cannot have answered it; killed after answering, it had committed it.
      if (killAt === 0) expect(push.upstream[0]).toBeNull();
      if (killAt === 'answered') expect(lastSeq).toBeGreaterThanOrEqual(batch.fromSeq);
    }
    console.log(`server kill -9 during a batch: ${figures.join('; ')}`);
    await expectConverged(world);
  });
});


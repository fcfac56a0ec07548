/**
 * The seeded sync simulation of sync-simulation.test.ts with the server on PostgreSQL (issue 9:
 * "the suite runs against PostgreSQL … and against the embedded SQLite store"): the same steps,
 * step invariants and final checks, a fresh database for the server and one for each arrival-order
 * replay (tests/support/sim/server.ts; tests/support/postgres.ts finds or starts the cluster, and
 * fails — never skips — without one).
 *
 * Fewer steps per seed than on SQLite (PG_STEPS), to keep this file's time in CI small on a
 * two-core machine; TALLY_SIM_STEPS, TALLY_SIM_SEED and TALLY_SIM_SEEDS apply here as there, and
 * `TALLY_SIM_STORE=postgres` runs sync-simulation.test.ts's seeds and scenarios on PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { describeFailure, describeRun, runSimulation, simSettings } from '../support/sim/run.js';

const FIXED_SEEDS = [2, 3, 4, 5, 6];
const PG_STEPS = 120;
const RUNS = simSettings(FIXED_SEEDS, { store: 'postgres', steps: PG_STEPS });

describe('sync simulation on PostgreSQL', () => {
  for (const settings of RUNS) {
    it(`seed ${settings.seed}: every invariant holds at every step, and after all have synced`, async () => {
      console.log(`sync simulation (PostgreSQL): seed ${settings.seed}, ${settings.steps} steps, ${settings.terminals} terminals`);
      const result = await runSimulation(settings);
      console.log(describeRun(result));
      expect(result.problems, describeFailure(result)).toEqual([]);
    }, 600_000);
  }

  it('replays a seed exactly on PostgreSQL: the same decisions, faults, problems and final state, byte for byte (no xid or row-order dependence)', async () => {
    const settings = { ...RUNS[0]!, steps: Math.min(RUNS[0]!.steps, 60) };
    const first = await runSimulation(settings);
    const second = await runSimulation(settings);
    expect(second.failedAt).toBe(first.failedAt);
    expect(second.problems).toEqual(first.problems);
    expect(second.trace).toEqual(first.trace);
    expect([...second.stats]).toEqual([...first.stats]);
    expect([...second.faults]).toEqual([...first.faults]);
    // The two runs' databases had different transaction ids throughout: the digest holds none.
    expect(second.digest).toBe(first.digest);
    if (first.failedAt === null) expect(first.digest).toMatch(/^[0-9a-f]{64}$/);
  }, 600_000);
});

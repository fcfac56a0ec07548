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
import { describe } from 'vitest';
import { simSettings } from '../support/sim/run.js';
import { seededRunTests } from '../support/sim/seeded-tests.js';

const FIXED_SEEDS = [2, 3, 4, 5, 6];
const PG_STEPS = 120;
const RUNS = simSettings(FIXED_SEEDS, { store: 'postgres', steps: PG_STEPS });

describe('sync simulation on PostgreSQL', () => {
  seededRunTests(RUNS, 'PostgreSQL');
});

/**
 * The seeded runs every simulation test file declares, on either store: one test per seed (every
 * invariant at every step and after all have synced), and one that replays the first seed twice
 * and compares them byte for byte. Call inside a `describe`.
 */
import { expect, it } from 'vitest';
import { describeFailure, describeRun, runSimulation, type SimSettings } from './run.js';

export function seededRunTests(runs: readonly SimSettings[], where: string): void {
  for (const settings of runs) {
    it(`seed ${settings.seed}${settings.bootstrap ? ' (first syncs as one stream)' : ''}: every invariant holds at every step, and after all have synced`, async () => {
      console.log(`sync simulation (${where}): seed ${settings.seed}, ${settings.steps} steps, ${settings.terminals} terminals`);
      const result = await runSimulation(settings);
      console.log(describeRun(result));
      expect(result.problems, describeFailure(result)).toEqual([]);
    }, 600_000);
  }

  it(`replays a seed exactly (${where}): the same decisions, faults, problems and final state, byte for byte`, async () => {
    const settings = { ...runs[0]!, steps: Math.min(runs[0]!.steps, 60) };
    const first = await runSimulation(settings);
    const second = await runSimulation(settings);
    expect(second.failedAt).toBe(first.failedAt);
    expect(second.problems).toEqual(first.problems);
    expect(second.trace).toEqual(first.trace);
    expect([...second.stats]).toEqual([...first.stats]);
    expect([...second.faults]).toEqual([...first.faults]);
    // The canonical server state and every terminal's transfers (only when the run got to the end);
    // on PostgreSQL the two runs' databases had different transaction ids throughout: the digest holds none.
    expect(second.digest).toBe(first.digest);
    if (first.failedAt === null) expect(first.digest).toMatch(/^[0-9a-f]{64}$/);
  }, 600_000);
}

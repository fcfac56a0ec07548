/**
 * One simulation run: a world from the seed, `steps` random steps with every step invariant
 * checked after each, then the network heals and the final checks run. The first step that breaks
 * an invariant ends the run; the result names the seed, the step, the problems and the trace of the
 * steps before it, and `TALLY_SIM_SEED=<seed> TALLY_SIM_STEPS=<steps>` replays exactly that run.
 *
 * Settings (environment):
 * - TALLY_SIM_SEED: run only this seed (a replay);
 * - TALLY_SIM_SEEDS: how many random seeds besides the fixed ones (default 0: CI runs the fixed ones only);
 * - TALLY_SIM_STEPS: steps per run (default 200);
 * - TALLY_SIM_TERMINALS: terminals per run (default 4);
 * - TALLY_SIM_BOOTSTRAP=1: a new terminal's first sync is one bootstrap stream (the product's
 *   default) rather than pages; it changes every run from the first such sync on;
 * - TALLY_SIM_IGNORE: a regular expression; problems it matches are listed but do not end the run;
 * - TALLY_SIM_SKIP: step kinds to leave out (comma-separated, actions.ts `StepKind`), and `rekey`
 *   for no lost command sent again after a restore.
 * - TALLY_SIM_TRACE_LINES: how many trace lines a failure prints (default 60; the whole run for a long look);
 * - TALLY_SIM_STORE: the server's store, `sqlite` (default) or `postgres` (a fresh database per run
 *   and per arrival-order replay, tests/support/postgres.ts), for exploring seeds on PostgreSQL
 *   with sync-simulation.test.ts; sync-simulation-postgres.test.ts always runs on PostgreSQL.
 * SKIP and IGNORE are for looking past a known defect for the next one; never set them in CI.
 */
import { randomInt } from 'node:crypto';
import { tempDir } from '../ledger-fixture.js';
import { Actions, STEP_WEIGHTS } from './actions.js';
import { SimClock } from './clock.js';
import { finalChecks } from './final.js';
import { checkStep, History } from './invariants.js';
import { Random } from './random.js';
import { simStoreFromEnv, type SimStoreKind } from './server.js';
import { SimWorld } from './world.js';

/** 2026-03-02 14:00 UTC: a Monday morning in New York, the evening in Seoul. */
export const SIM_START = Date.UTC(2026, 2, 2, 14, 0, 0);
const TRACE_LINES = envInt('TALLY_SIM_TRACE_LINES', 60, 1);
/** Every row seen before is re-hashed every this many steps (and at the end); other steps check new rows and presence. */
const FULL_CHECK_EVERY = 10;

export interface SimSettings {
  readonly seed: number;
  readonly steps: number;
  readonly terminals: number;
  readonly store: SimStoreKind;
  /** A new terminal's first sync is one bootstrap stream, as in the product (else pages). */
  readonly bootstrap: boolean;
}

export interface SimResult {
  readonly settings: SimSettings;
  /** Empty when every invariant held. */
  readonly problems: readonly string[];
  /** The step the run stopped at (steps + 1: the final checks). */
  readonly failedAt: number | null;
  readonly trace: readonly string[];
  readonly stats: ReadonlyMap<string, number>;
  readonly faults: ReadonlyMap<string, number>;
  readonly digest: string | null;
  readonly serverTransfers: number;
  /** Lots overdrawn on the server at the end, members it held below zero at some step (offline double spends). */
  readonly overdrawnLots: number;
  readonly negativeMembers: number;
  /** Problems TALLY_SIM_IGNORE let through (distinct, first seen). */
  readonly ignored: readonly string[];
  readonly days: number;
  readonly ms: number;
}

function envInt(name: string, fallback: number, min: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min}, got "${text}"`);
  return value;
}

/**
 * The fixed seeds every run covers, plus random ones (printed), or the one TALLY_SIM_SEED names.
 * `defaults`: a test file's own store (else TALLY_SIM_STORE) and step count (TALLY_SIM_STEPS wins).
 */
export function simSettings(
  fixedSeeds: readonly number[],
  defaults: { readonly store?: SimStoreKind; readonly steps?: number; readonly bootstrap?: boolean } = {},
): SimSettings[] {
  const steps = envInt('TALLY_SIM_STEPS', defaults.steps ?? 200, 1);
  const terminals = envInt('TALLY_SIM_TERMINALS', 4, 2);
  const store = defaults.store ?? simStoreFromEnv();
  const bootstrap = defaults.bootstrap ?? process.env['TALLY_SIM_BOOTSTRAP'] === '1';
  if (process.env['TALLY_SIM_SEED'] !== undefined && process.env['TALLY_SIM_SEED'] !== '') {
    return [{ seed: envInt('TALLY_SIM_SEED', 0, 0), steps, terminals, store, bootstrap }];
  }
  const extra = envInt('TALLY_SIM_SEEDS', 0, 0);
  const random = Array.from({ length: extra }, () => randomInt(2 ** 31));
  return [...fixedSeeds, ...random].map((seed) => ({ seed, steps, terminals, store, bootstrap }));
}

export function replayHint(settings: SimSettings): string {
  // The exploration knobs change the run (SKIP) or where it stops (IGNORE): a replay needs them too.
  const knobs = (['TALLY_SIM_SKIP', 'TALLY_SIM_IGNORE'] as const).flatMap((k) => (process.env[k] ? [`${k}='${process.env[k]}'`] : []));
  return [
    ...(settings.bootstrap ? ['TALLY_SIM_BOOTSTRAP=1'] : []),
    `TALLY_SIM_SEED=${settings.seed}`,
    `TALLY_SIM_STEPS=${settings.steps}`,
    `TALLY_SIM_TERMINALS=${settings.terminals}`,
    `TALLY_SIM_STORE=${settings.store}`,
    ...knobs,
    'npx vitest run tests/integration/sync-simulation.test.ts',
  ].join(' ');
}

export async function runSimulation(settings: SimSettings): Promise<SimResult> {
  const skip = new Set((process.env['TALLY_SIM_SKIP'] ?? '').split(',').map((k) => k.trim()).filter((k) => k !== ''));
  for (const k of skip) if (k !== 'rekey' && !Object.hasOwn(STEP_WEIGHTS, k)) throw new Error(`TALLY_SIM_SKIP: no step "${k}" (steps: ${Object.keys(STEP_WEIGHTS).join(', ')}; or rekey)`);
  const started = performance.now();
  const { dir, cleanup } = tempDir(`tally-sim-${settings.seed}-`);
  const trace: string[] = [];
  const note = (line: string): void => {
    trace.push(line);
    if (trace.length > TRACE_LINES * 4) trace.splice(0, trace.length - TRACE_LINES);
  };
  const random = new Random(settings.seed);
  const clock = new SimClock(SIM_START);
  let world: SimWorld;
  try {
    world = await SimWorld.create({ dir, terminals: settings.terminals, random, clock, trace: note, store: settings.store });
  } catch (error) {
    cleanup();
    throw error;
  }
  const history = new History();
  const actions = new Actions(world, random.fork('steps'), history, skip, settings.bootstrap);
  let problems: string[];
  const ignorePattern = process.env['TALLY_SIM_IGNORE'] ? new RegExp(process.env['TALLY_SIM_IGNORE']) : null;
  const ignored = new Map<string, string>();
  const sift = (found: string[]): string[] => {
    if (!ignorePattern) return found;
    for (const p of found.filter((x) => ignorePattern.test(x))) if (!ignored.has(p.replace(/[0-9a-f-]{36}/g, '…'))) ignored.set(p.replace(/[0-9a-f-]{36}/g, '…'), p);
    return found.filter((x) => !ignorePattern.test(x));
  };
  let failedAt: number | null = null;
  let digest: string | null = null;
  let days = 0;
  try {
    problems = sift(await checkStep(world, history, true));
    if (problems.length > 0) failedAt = 0;
    for (let step = 1; failedAt === null && step <= settings.steps; step += 1) {
      await actions.step(step);
      problems = sift([...actions.problems.splice(0), ...(await checkStep(world, history, step % FULL_CHECK_EVERY === 0))]);
      if (problems.length > 0) failedAt = step;
    }
    if (failedAt === null) {
      note(`final: the network heals and every terminal syncs`);
      const report = await finalChecks(world, actions, history, random.fork('final'), dir);
      problems = sift(report.problems);
      digest = report.digest;
      days = report.days;
      if (problems.length > 0) failedAt = settings.steps + 1;
    }
    const scalar = async (sql: string): Promise<number> => Number((await world.server.query(sql))[0]?.['n'] ?? 0);
    const serverTransfers = await scalar('SELECT count(*) AS n FROM transfers');
    const overdrawnLots = await scalar('SELECT count(*) AS n FROM lots WHERE remaining < 0');
    return {
      settings,
      problems,
      failedAt,
      trace: trace.slice(-TRACE_LINES),
      stats: actions.stats,
      faults: world.network.faults,
      digest,
      serverTransfers,
      overdrawnLots,
      negativeMembers: history.negativeMembers.size,
      ignored: [...ignored.values()],
      days,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await world.close();
    cleanup();
  }
}

/** A failed run as a message: the replay command, where it stopped, what broke, what led there. */
export function describeFailure(result: SimResult): string {
  const where = result.failedAt === result.settings.steps + 1 ? 'in the final checks' : `at step ${result.failedAt}`;
  return [
    `Simulation seed ${result.settings.seed} failed ${where} (replay: ${replayHint(result.settings)})`,
    ...result.problems.slice(0, 20).map((p) => `  ! ${p}`),
    ...(result.problems.length > 20 ? [`  … and ${result.problems.length - 20} more`] : []),
    'Last steps:',
    ...result.trace.map((l) => `  ${l}`),
  ].join('\n');
}

export function describeRun(result: SimResult): string {
  const top = (m: ReadonlyMap<string, number>): string =>
    [...m]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return [
    `seed ${result.settings.seed} (${result.settings.store}): ${result.settings.steps} steps, ${result.settings.terminals} terminals, ${result.ms} ms, ${result.serverTransfers} transfers on the server (${result.overdrawnLots} lots overdrawn at the end, ${result.negativeMembers} members below zero at some step), ${result.days} end-of-day reports compared, digest ${result.digest?.slice(0, 16) ?? '-'}`,
    ...result.ignored.map((p) => `  ignored (TALLY_SIM_IGNORE): ${p}`),
    `  outcomes: ${top(result.stats)}`,
    `  network: ${top(result.faults)}`,
  ].join('\n');
}

/**
 * The fault scenarios both stores go through (sync-faults.test.ts on SQLite,
 * sync-faults-postgres.test.ts on PostgreSQL), over a `SyncWorld`: every kind of fault once on a
 * push, then rounds of random faults while the terminals book and sync, then a clean sync per
 * terminal and the convergence checks.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { errorResponseSchema } from '../../src/contract/sync.js';
import { describeRecords, parseResponse, PASS, randomFaults, seededRandom, type Fault, type FaultKind, type Planner } from './fault-proxy.js';
import { http } from './server-process.js';
import { syncFailureProblem, type SyncWorld, type Terminal } from './sync-world.js';

export const isPush = (r: { readonly path: string }): boolean => r.path === '/v1/push';

/** The seed of this run's random faults (TALLY_SYNC_FAULT_SEED replays one) and its rounds (TALLY_SYNC_FAULT_ROUNDS). */
export function faultSettings(defaultRounds: number): { readonly seed: number; readonly rounds: number } {
  const seedText = process.env['TALLY_SYNC_FAULT_SEED'];
  const seed = seedText ? Number(seedText) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`TALLY_SYNC_FAULT_SEED must be an integer, got ${seedText}`);
  const rounds = Number(process.env['TALLY_SYNC_FAULT_ROUNDS'] ?? defaultRounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`TALLY_SYNC_FAULT_ROUNDS must be a positive integer, got ${process.env['TALLY_SYNC_FAULT_ROUNDS']}`);
  return { seed, rounds };
}

/** Which terminal sent a request, by its bearer credential (-1: none of them). */
export function terminalOf(world: SyncWorld): (authorization: string | undefined) => number {
  const credentials = world.terminals.map((t) => (JSON.parse(readFileSync(`${t.db}.secrets/sync-credential.json`, 'utf8')) as { credential: string }).credential);
  return (authorization) => credentials.findIndex((c) => authorization === `Bearer ${c}`);
}

export async function cleanSync(world: SyncWorld, terminal: Terminal): Promise<void> {
  const run = await world.tally(terminal.db, ['sync']);
  expect(run.stderr, `${terminal.id}: ${run.stdout}\n${describeRecords(world.proxy.records.slice(-20))}`).toBe('');
  expect(run.stdout).toMatch(/^Everything is on the server \(\d+ entr(y|ies) acknowledged\)$/m);
  expect(run.status).toBe(0);
}

/** Faults off, one clean sync per terminal, then everything `SyncWorld.convergence` checks. Returns the transfers on the server. */
export async function expectConverged(world: SyncWorld, context = ''): Promise<number> {
  world.proxy.setPlanner(() => PASS);
  await world.proxy.idle();
  for (const terminal of world.terminals) await cleanSync(world, terminal);
  const { problems, transfers } = await world.convergence();
  expect(problems, `${context}\n${describeRecords(world.proxy.records.slice(-40))}`).toEqual([]);
  return transfers;
}

/**
 * What the terminal sees of each fault on its push: the sync fails (1) or goes through (0). (The
 * random rounds add the other shapes: duplicates one after the other, delays before the server.)
 */
export const EVERY_FAULT: readonly (readonly [Fault, 0 | 1])[] = [
  [{ kind: 'drop' }, 1],
  [{ kind: 'reset-mid-body', fraction: 0.5 }, 1],
  [{ kind: 'lose-response' }, 1],
  [{ kind: 'duplicate', concurrent: true, answer: 'second' }, 0],
  [{ kind: 'duplicate', lateMs: 150 }, 0],
  [{ kind: 'delay', ms: 300, phase: 'response' }, 0],
];

/**
 * Each fault once on a push of some terminal (the terminals take turns, in parallel): the sync
 * fails clearly or goes through, and the server saw what the fault let through.
 */
export async function everyFaultOnAPush(world: SyncWorld): Promise<void> {
  const who = terminalOf(world);
  await Promise.all(
    world.terminals.map(async (terminal, i) => {
      for (const [fault, status] of EVERY_FAULT.filter((_, n) => n % world.terminals.length === i)) {
        world.bulkSales(terminal, 2);
        const from = world.proxy.records.length;
        world.proxy.script([fault], (r) => isPush(r) && who(r.headers['authorization']) === i);
        const sync = await world.tally(terminal.db, ['sync']);
        // A late duplicate reaches the server after the terminal is done: wait for it.
        await world.proxy.idle();
        const push = world.proxy.records.slice(from).find((r) => isPush(r.request) && r.fault.kind === fault.kind);
        expect(push, `${fault.kind} on ${terminal.id}`).toBeDefined();
        expect(syncFailureProblem(sync)).toBeNull();
        expect(sync.status, `${fault.kind}: ${sync.stderr}`).toBe(status);
        // The server got and committed the batch wherever the fault let it through.
        if (fault.kind === 'lose-response') expect(push!.upstream).toEqual([200]);
        if (fault.kind === 'duplicate') expect(push!.upstream.length).toBe(2);
        if (fault.kind === 'drop') expect(push!.upstream).toEqual([]);
      }
    }),
  );
}

export interface RandomRun {
  readonly bookings: number;
  readonly syncs: number;
  readonly failedSyncs: number;
  readonly requests: number;
  readonly faults: ReadonlyMap<FaultKind, number>;
}

/**
 * Rounds of random faults: each terminal books one to three commands with the CLI, then syncs,
 * half the time booking one more while the sync runs (as the host's background sync will). Every
 * failed sync must be a clear one-line refusal. One fault stream and one booking stream per
 * terminal, both from the seed, so a replay gives each terminal the same bookings and faults.
 */
export async function randomRounds(world: SyncWorld, seed: number, rounds: number): Promise<RandomRun> {
  const who = terminalOf(world);
  const faultStreams: Planner[] = world.terminals.map((_, i) => randomFaults(seededRandom(seed * 31 + i)));
  const bookingStreams = world.terminals.map((_, i) => seededRandom(seed * 17 + i));
  world.proxy.setPlanner((request) => faultStreams[who(request.headers['authorization'])]?.(request) ?? PASS);
  const first = world.proxy.records.length;
  const problems: string[] = [];
  let bookings = 0;
  let syncs = 0;
  let failedSyncs = 0;
  for (let round = 0; round < rounds; round += 1) {
    await Promise.all(
      world.terminals.map(async (terminal, i) => {
        const random = bookingStreams[i]!;
        const before = 1 + Math.floor(random() * 3);
        for (let n = 0; n < before; n += 1) await world.book(terminal, random);
        const during = random() < 0.5;
        const [sync] = await Promise.all([world.tally(terminal.db, ['sync']), during ? world.book(terminal, random) : Promise.resolve('')]);
        bookings += before + (during ? 1 : 0);
        syncs += 1;
        if (sync.status !== 0) failedSyncs += 1;
        // A sale booked while the sync ran may land after its last push: exit 1, "sync again" (not a failure).
        const bookedAfter = during && sync.status === 1 && sync.stderr.trim() === '' && /still waiting .*; sync again/.test(sync.stdout);
        const problem = bookedAfter ? null : syncFailureProblem(sync);
        if (problem) problems.push(`round ${round} ${terminal.id}: ${problem}`);
      }),
    );
  }
  world.proxy.setPlanner(() => PASS);
  expect(problems, `seed ${seed}`).toEqual([]);
  const records = world.proxy.records.slice(first);
  const faults = new Map<FaultKind, number>();
  for (const r of records) faults.set(r.fault.kind, (faults.get(r.fault.kind) ?? 0) + 1);
  return { bookings, syncs, failedSyncs, requests: records.length, faults };
}

export function describeRun(run: RandomRun, transfers: number, ms: number): string {
  return `${run.bookings} bookings, ${run.syncs} syncs under faults (${run.failedSyncs} failed), ${run.requests} requests (${[...run.faults].map(([k, n]) => `${k} ${n}`).join(', ')}), ${transfers} transfers on the server, ${ms} ms`;
}

/**
 * A push onto a server whose disk is full (sync-faults-disk.test.ts on the embedded store,
 * sync-faults-disk-postgres.test.ts under PostgreSQL): a clear 503 `disk-full` JSON answer with
 * nothing internal in it, the server still up and answering, the terminal keeping its outbox; once
 * `disk.free()` has run, a sync converges.
 */
export async function pushOntoFullDisk(world: SyncWorld, disk: { readonly fill: () => void; readonly free: () => void }, label: string): Promise<void> {
  const terminal = world.terminals[0]!;
  const members = world.bulkMembers(terminal, 70);
  world.bulkSales(terminal, 20, members);
  const first = await world.tally(terminal.db, ['sync']);
  expect(first.status, first.stderr).toBe(0);

  // A push larger than anything the server's write-ahead log has held, onto a full disk.
  world.bulkSales(terminal, 700, members);
  const pending = world.pending(terminal);
  disk.fill();
  const from = world.proxy.records.length;
  const sync = await world.tally(terminal.db, ['sync']);
  expect(sync.status).toBe(1);
  expect(sync.stderr).toMatch(/^tally: The server failed on a push \(.+\): nothing was lost; sync again later\n$/);
  // Said as what it is, so the message the terminal shows sends head office to the server's disk.
  expect(sync.stderr).toMatch(/The server's disk is full/);
  expect(world.pending(terminal)).toBe(pending);

  const refused = world.proxy.records.slice(from).find((r) => isPush(r.request) && (r.upstream[0] ?? 0) >= 500);
  expect(refused, 'a push answered with a 5xx').toBeDefined();
  const answer = parseResponse(refused!.responses[0]!);
  expect(answer.status).toBe(503);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = errorResponseSchema.parse(JSON.parse(answer.body));
  expect(body.error).toMatchObject({ code: 'disk-full', message: expect.stringMatching(/^The server's disk is full: nothing was written/) });
  expect(answer.body).not.toMatch(/SQLITE|could not extend|No space|\bat .*\.(js|ts):\d+|\/work\/|node_modules|pg_tblspc/);
  console.log(`${label}: push answered ${answer.status} ${answer.body}`);

  // Still up, and still answering.
  expect(world.server.child.exitCode).toBeNull();
  const { credential } = JSON.parse(readFileSync(`${terminal.db}.secrets/sync-credential.json`, 'utf8')) as { credential: string };
  expect((await http(world.server.url, { path: '/v1/health', credential })).status).toBe(200);

  disk.free();
  await expectConverged(world);
}

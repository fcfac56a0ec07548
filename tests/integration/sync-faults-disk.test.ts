/**
 * Full disks in sync, with real processes: the server's data folder on a small tmpfs that the test
 * fills, and a terminal's ledger on one. The tmpfs lives in a private mount namespace held by a
 * `sleep` process (run as root, like the terminal's full-disk tests in cli-files-and-faults), so no
 * mount outlives the test; the server and its admin commands run inside it through `nsenter`.
 *
 * - Server: a push that does not fit gets a clear 5xx JSON answer (no stack trace), the server
 *   stays up, the terminal keeps its outbox and says so; once space is freed a sync converges.
 * - Terminal: a sync whose acknowledgements cannot be written fails clearly and loses nothing; once
 *   space is freed a sync converges.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushOntoFullDisk } from '../support/sync-scenarios.js';
import { finished, STORE, SyncWorld, TALLY, type Run } from '../support/sync-world.js';
import { tempDir } from '../support/server-process.js';

const { dir, cleanup } = tempDir('tally-sync-disk-');
const serverDisk = join(dir, 'server-disk');
const terminalDisk = join(dir, 'terminal-disk');
let holder: ChildProcessWithoutNullStreams;
let wrap: string[];
let world: SyncWorld;

/** A command inside the namespace; throws unless it exits 0. */
function inside(command: readonly string[]): string {
  const run = spawnSync(wrap[0]!, [...wrap.slice(1), ...command], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`${command.join(' ')} exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}

/** Fills a tmpfs to the last page (tmpfs allocates by page). */
function fill(mount: string): void {
  inside(['sh', '-c', `dd if=/dev/zero of=${mount}/filler bs=64k 2>/dev/null; dd if=/dev/zero of=${mount}/filler-pages bs=4k 2>/dev/null; true`]);
  expect(inside(['df', '--output=avail', '-B1', mount]).trim().split('\n').at(-1)?.trim()).toBe('0');
}

function free(mount: string): void {
  inside(['rm', '-f', `${mount}/filler`, `${mount}/filler-pages`]);
}

beforeAll(async () => {
  mkdirSync(serverDisk);
  mkdirSync(terminalDisk);
  holder = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=24m tmpfs ${serverDisk} && mount -t tmpfs -o size=6m tmpfs ${terminalDisk} && echo mounted && exec sleep 600`]);
  await new Promise<void>((resolve, reject) => {
    let said = '';
    holder.stdout.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes('mounted')) resolve();
    });
    holder.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
    holder.once('exit', (code) => reject(new Error(`could not make the tmpfs mounts (run as root with util-linux): exit ${code} ${said}`)));
  });
  wrap = ['nsenter', '-t', String(holder.pid), '-m', '--'];
  world = await SyncWorld.start({ label: 'sync-disk', terminals: 1, wrap, data: join(serverDisk, 'data') });
}, 60_000);

afterAll(async () => {
  await world?.close();
  if (holder && holder.exitCode === null) holder.kill('SIGKILL');
  cleanup();
});

describe('a full disk', () => {
  it("on the server: the push gets a clear 5xx JSON answer, the server stays up, the terminal keeps its outbox; freed, a sync converges", async () => {
    await pushOntoFullDisk(world, { fill: () => fill(serverDisk), free: () => free(serverDisk) }, 'server full disk');
  });

  it('on the terminal: a sync that cannot record the answers fails clearly and loses nothing; freed, a sync converges', async () => {
    free(serverDisk);
    const { code } = world.admin<{ code: string }>('terminal', 'code', '--store', STORE, '--terminal', 'LANE-9');
    const db = join(terminalDisk, 'ledger.sqlite');
    // The terminal inside the namespace, asynchronously: the proxy it talks to runs in this process.
    const run = (args: readonly string[]): Promise<Run> => {
      const env = { ...process.env };
      delete env['TALLY_ALLOW_CLOCK_OVERRIDE'];
      return finished(spawn(wrap[0]!, [...wrap.slice(1), process.execPath, TALLY, '--db', db, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    };
    const enrolled = await run(['enrol', '--server', world.proxy.url, '--code', code]);
    expect(enrolled.status, enrolled.stderr).toBe(0);
    const card = world.newCard();
    expect((await run(['member', 'add', '--card', card])).status).toBe(0);
    expect((await run(['checkout', '--card', card, '--amount', '4500', '--txn', 'LANE-9-1'])).status).toBe(0);
    const waiting = async (): Promise<number> => Number(/(\d+) outbox rows waiting for sync/.exec((await run(['verify'])).stdout)?.[1] ?? NaN);
    const before = await waiting();
    expect(before).toBeGreaterThan(0);

    fill(terminalDisk);
    const full = await run(['sync']);
    expect(full.status).toBe(1);
    expect(full.stderr).toMatch(/^tally: The disk holding .* is full: nothing was written; free some space and try again\n$/);
    // The server took the push; only the terminal's record of the answer is missing: the next sync
    // learns it from the server's sequence and sends nothing twice.
    expect((await world.serverRows()).sequences.find((s) => s.terminalId === 'LANE-9')?.lastSeq).toBeGreaterThan(0);
    free(terminalDisk);
    expect(await waiting()).toBe(before);

    const sync = await run(['sync']);
    expect(sync.stderr).toBe('');
    expect(sync.status).toBe(0);
    expect(await waiting()).toBe(0);
    expect(world.admin<{ ok: boolean }>('verify').ok).toBe(true);
    expect(world.admin<unknown[]>('alerts')).toEqual([]);
    expect(world.admin<{ balance: number }>('member', 'show', '--card', card).balance).toBeGreaterThan(0);
  });
});

/**
 * `sync-run` and `end-of-day` through the terminal host's contract (issue 10, the manager screen's
 * "Sync now" and "End of day"), against a real `tally-server` process and a loopback TCP printer:
 *  - the server away, "Sync now" answers the sync's refusal (`io-error`) and the entries wait;
 *  - the server back, it runs push then pull as the background sync's next run, pushing its
 *    progress as `sync-state` (a step and a percent) before the reply, which says everything is on
 *    the server; two at once never overlap (the server would refuse a push that skips ahead);
 *  - end of day is a manager's; it reports the terminal's figures equal to the server's, writes the
 *    backup, and its slip prints on the receipt printer.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushedEventSchema, replySchema, type SyncState } from '../../src/contract/messages.js';
import type { EndOfDayResult, SyncRunResult } from '../../src/contract/end-of-day.js';
import { TerminalHost } from '../../src/terminal/hosts/app.js';
import { WebSocketHost } from '../../src/terminal/hosts/websocket/server.js';
import { connect, until, type HostClient } from '../support/host-client.js';
import { TcpPrinterEmulator } from '../support/printer-emulator.js';
import { newLedger, tempDir, testClock } from '../support/ledger-fixture.js';
import { SyncWorld } from '../support/sync-world.js';

let world: SyncWorld;
let printer: TcpPrinterEmulator;
let host: TerminalHost;
let client: HostClient;

beforeAll(async () => {
  world = await SyncWorld.start({ label: 'host-sync-run', terminals: 1 });
  printer = await TcpPrinterEmulator.start('ready');
  const added = await world.tally(world.terminals[0]!.db, ['printer', 'add', '--id', 'receipt', '--tcp', `${printer.host}:${printer.port}`, '--profile', 'epson-tm-80-42', '--slip-lang', 'en', '--timeout', '5000']);
  expect(added.status, added.stderr).toBe(0);
  host = TerminalHost.open({ db: world.terminals[0]!.db });
  const socket = await WebSocketHost.start(host.handlers);
  host.attach(socket);
  client = await connect(socket.url);
  // A long interval and a long backoff: every run after the first is one this test asked for.
  host.start({ intervalMs: 600_000, baseBackoffMs: 600_000, maxBackoffMs: 600_000, onlineForMs: 600_000 });
}, 90_000);

afterAll(async () => {
  client?.close();
  await host?.close();
  await printer?.close();
  await world?.close();
});

const replyTo = (id: string) => (message: unknown) => {
  const parsed = replySchema.safeParse(message);
  return parsed.success && parsed.data.id === id ? parsed.data : undefined;
};

/** Sends a request (then whatever `then` sends right after it) and collects every `sync-state` pushed before its reply. */
async function withPushes(id: string, name: string, args: unknown, session?: string, then?: () => void): Promise<{ reply: NonNullable<ReturnType<ReturnType<typeof replyTo>>>; pushes: SyncState[] }> {
  const pushes: SyncState[] = [];
  client.send({ id, name, args, ...(session !== undefined ? { session } : {}) });
  then?.();
  const reply = await until(
    client,
    (message) => {
      const pushed = pushedEventSchema.safeParse(message);
      if (pushed.success && pushed.data.name === 'sync-state') pushes.push(pushed.data.data);
      return replyTo(id)(message);
    },
    60_000,
  );
  return { reply, pushes };
}

async function eventually(what: string, condition: () => boolean, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('sync-run and end-of-day through the host', () => {
  it('refuses with the sync’s reason while the server is away, keeping the entries', async () => {
    await until(client, (m) => {
      const pushed = pushedEventSchema.safeParse(m);
      return pushed.success && pushed.data.name === 'sync-state' && pushed.data.data.online ? true : undefined;
    });
    await world.server.stop();
    world.bulkSales(world.terminals[0]!, 40);
    const { reply } = await withPushes('away', 'sync-run', {});
    expect(reply).toMatchObject({ type: 'error', error: { code: 'io-error' } });
    expect(host.syncState()?.unsynced).toBeGreaterThan(0);
    expect(host.syncState()?.failures).toBeGreaterThan(0);
  }, 60_000);

  it('the server back: pushes then pulls with progress pushed before the reply, and two at once never overlap', async () => {
    await world.startServer(String(world.serverPort()));
    const { reply, pushes } = await withPushes('first', 'sync-run', {}, undefined, () => client.send({ id: 'second', name: 'sync-run', args: {} }));
    expect(reply.type).toBe('reply');
    const result = (reply as { result: SyncRunResult }).result;
    expect(result).toMatchObject({ remaining: 0, conflicts: 0, state: { online: true, unsynced: 0, failures: 0 } });
    expect(result.acknowledged).toBeGreaterThan(40);
    const steps = pushes.flatMap((p) => (p.progress ? [`${p.progress.step}:${p.progress.percent}`] : []));
    expect(steps[0]).toBe('push:0');
    expect(steps).toContain('push:100');
    expect(steps).toContain('pull:100');
    // The run's end is pushed without progress.
    expect(pushes.at(-1)?.progress ?? null).toBeNull();
    const second = await until(client, replyTo('second'), 60_000);
    expect(second).toMatchObject({ type: 'reply', result: { remaining: 0, acknowledged: 0, conflicts: 0 } });
    expect(world.pending(world.terminals[0]!)).toBe(0);
  }, 90_000);

  it('end of day is a manager’s, confirms the day against the server, backs up and prints its slip', async () => {
    expect(await client.request('m1', 'manager-add', { managerId: 'boss', name: 'Boss', pin: '4827' })).toMatchObject({ type: 'reply' });
    expect(await client.request('refused', 'end-of-day', {})).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
    const login = (await client.request('m2', 'manager-login', { managerId: 'boss', pin: '4827' })) as { result: { session: string } };
    const { reply } = await withPushes('eod', 'end-of-day', {}, login.result.session);
    expect(reply.type).toBe('reply');
    const eod = (reply as { result: EndOfDayResult }).result;
    expect(eod.problems).toEqual([]);
    expect(eod).toMatchObject({ status: 'confirmed', clean: true, enrolled: true, mismatches: [], slip: { printerId: 'receipt' } });
    expect(eod.server?.figures).toEqual(eod.terminal.figures);
    expect(eod.terminal.figures.sales).toBe(40);
    expect(eod.terminal.unsynced).toBe(0);
    expect(eod.backup !== null && existsSync(eod.backup)).toBe(true);
    await eventually('the end-of-day slip on the printer', () => printer.decodePrinted().lines.join('\n').includes(`End of day ${eod.day}`));
    expect(printer.decodePrinted().lines.join('\n')).toMatch(/Confirmed by the server/);
  }, 90_000);

  it('a terminal enrolled nowhere: "Sync now" says so, and end of day is the local-only report with its backup', async () => {
    const { dir, cleanup } = tempDir('tally-host-local-eod-');
    try {
      const { ledger } = newLedger(`${dir}/lane.sqlite`, 'classic-krw', testClock('2026-03-02T03:00:00Z'));
      ledger.close();
      const local = TerminalHost.open({ db: `${dir}/lane.sqlite` });
      try {
        local.start();
        await expect(local.handlers.invoke('sync-run', {})).rejects.toMatchObject({ code: 'not-initialised' });
        const eod = (await local.handlers.invoke('end-of-day', { day: '2026-03-02' })) as EndOfDayResult;
        expect(eod).toMatchObject({ status: 'local-only', clean: true, enrolled: false, server: null, sync: null, mismatches: [], problems: [], slip: null });
        expect(eod.backup !== null && existsSync(eod.backup)).toBe(true);
      } finally {
        await local.close();
      }
    } finally {
      cleanup();
    }
  });
});

/**
 * Background sync in the terminal host (issue 10 with issue 9's sync): a host on a ledger enrolled
 * with a real server process syncs at start and right after a request books something, and pushes
 * its clients the sync state after each run; stopped, the server gone, it says offline and keeps
 * the entry; the server back, the next run sends it. A host on a ledger not enrolled anywhere runs
 * no sync at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushedEventSchema, replySchema, type SyncState } from '../../src/contract/messages.js';
import { TerminalHost } from '../../src/terminal/hosts/app.js';
import { WebSocketHost } from '../../src/terminal/hosts/websocket/server.js';
import { connect, type HostClient } from '../support/host-client.js';
import { newLedger, tempDir, testClock } from '../support/ledger-fixture.js';
import { SyncWorld } from '../support/sync-world.js';

let world: SyncWorld;

beforeAll(async () => {
  world = await SyncWorld.start({ label: 'host-sync', terminals: 1 });
}, 60_000);

afterAll(async () => {
  await world?.close();
});

/** Reads the host's messages until one satisfies `wanted` (pushes and replies arrive interleaved). */
async function until<T>(client: HostClient, wanted: (message: unknown) => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error('the host never sent the message waited for');
    const found = wanted(await client.next(left));
    if (found !== undefined) return found;
  }
}

const syncState = (predicate: (state: SyncState) => boolean) => (message: unknown): SyncState | undefined => {
  const pushed = pushedEventSchema.safeParse(message);
  return pushed.success && pushed.data.name === 'sync-state' && predicate(pushed.data.data) ? pushed.data.data : undefined;
};

const reply = (id: number) => (message: unknown): unknown => {
  const parsed = replySchema.safeParse(message);
  return parsed.success && parsed.data.id === id ? parsed.data : undefined;
};

describe('background sync in the terminal host', () => {
  it("syncs at start and right after a booking, tells its clients, and says offline (keeping the entry) while the server is away", async () => {
    const terminal = world.terminals[0]!;
    const host = TerminalHost.open({ db: terminal.db });
    const socket = await WebSocketHost.start(host.handlers);
    host.attach(socket);
    const client = await connect(socket.url);
    try {
      // A long interval: every run after the first is one a booking (or a failure) asked for.
      host.start({ intervalMs: 600_000, baseBackoffMs: 200, maxBackoffMs: 400, onlineForMs: 60_000 });
      const first = await until(client, syncState((s) => s.online));
      expect(first).toMatchObject({ online: true, unsynced: 0, failures: 0, lastError: null });
      // A screen connecting now asks instead of waiting for the next run's push.
      const late = await connect(socket.url);
      expect(await late.request('s', 'sync-state', {})).toMatchObject({ type: 'reply', id: 's', result: { online: true, unsynced: 0, lastSuccessAt: first.lastSuccessAt } });
      late.close();

      const card = world.newCard();
      const basket = { currency: host.ledger.program.currency, lines: [{ sku: 'AMOUNT', quantity: 1, unitPrice: 5000 }] };
      client.send({ id: 1, name: 'enrol', args: { cards: [card], marketingConsent: false } });
      expect(await until(client, reply(1))).toMatchObject({ type: 'reply' });
      client.send({ id: 2, name: 'checkout-commit', args: { card, txnId: 'HOST-1', basket } });
      expect(await until(client, reply(2))).toMatchObject({ type: 'reply', result: { replayed: false } });
      // Nudged by the bookings: on the server without any sync command (the run a booking asked for
      // may still be in flight when the previous one reports: wait for a report with all of it there).
      const onServer = async (): Promise<number> => (await world.serverRows()).transfers.filter((t) => t.terminalId === terminal.id).length;
      const booked = host.ledger.db.prepare('SELECT count(*) FROM transfers WHERE pulled = 0').pluck().get() as number;
      while ((await until(client, syncState((s) => s.unsynced === 0))) && (await onServer()) < booked);
      const held = await onServer();
      expect(held).toBe(booked);

      // The server goes away: the next booking's run fails, the state says so, the entry waits.
      await world.server.stop();
      client.send({ id: 3, name: 'checkout-commit', args: { card, txnId: 'HOST-2', basket } });
      expect(await until(client, reply(3))).toMatchObject({ type: 'reply' });
      const away = await until(client, syncState((s) => s.failures > 0));
      expect(away.unsynced).toBeGreaterThan(0);
      expect(away.lastError).toMatch(/cannot be reached|stopped answering/);
      expect(await onServer()).toBe(held);
    } finally {
      client.close();
      await host.close();
    }
  }, 60_000);

  it('a host on a ledger enrolled nowhere runs no sync and pushes no sync state', async () => {
    const { dir, cleanup } = tempDir('tally-host-nosync-');
    try {
      const { ledger } = newLedger(`${dir}/lane.sqlite`, 'classic-krw', testClock('2026-03-02T03:00:00Z'));
      ledger.close();
      const host = TerminalHost.open({ db: `${dir}/lane.sqlite` });
      host.start();
      expect(host.syncState()).toBeNull();
      await host.close();
    } finally {
      cleanup();
    }
  });
});

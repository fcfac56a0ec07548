/**
 * The screens' bridge (src/ui/bridge) against a real terminal host: a real ledger, the real
 * WebSocket carrier on loopback (reached through `ws`, which a browser's WebSocket stands in for in
 * the e2e suite), and the Electron carrier's `post` / `onMessage` wired to the real handler map.
 * Where a peer has to misbehave (drop a connection mid-request, send what the contract does not
 * allow), a scripted `ws` server on loopback plays it.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { MAX_MESSAGE_BYTES, parseRequest } from '../../src/contract/messages.js';
import { TerminalHost } from '../../src/terminal/hosts/app.js';
import { WebSocketHost } from '../../src/terminal/hosts/websocket/server.js';
import { Bridge, type Connect, type ConnectionState } from '../../src/ui/bridge/bridge.js';
import { ContractError } from '../../src/ui/bridge/contract-error.js';
import { ipcConnect, type TallyPreload } from '../../src/ui/bridge/ipc-carrier.js';
import { counterIds, newLedger, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-ui-bridge-');
afterAll(cleanup);

const CARD = '2900000000018';
const basket = (amount: number) => ({ currency: 'KRW', lines: [{ sku: 'AMOUNT', quantity: 1, unitPrice: amount }] });

let n = 0;
function ledgerFile(): string {
  n += 1;
  const path = join(dir, `lane-${n}.sqlite`);
  const { ledger, service } = newLedger(path, 'classic-krw', testClock('2026-03-02T03:00:00Z'));
  service.enrol({ cards: [CARD], name: 'Kim Minji' });
  ledger.close();
  return path;
}

function openHost(path: string): TerminalHost {
  const clock = testClock('2026-03-02T03:00:00Z');
  return TerminalHost.open({ db: path, clock: clock.read, wallClock: clock.read, newId: counterIds(), log: () => undefined });
}

async function serve(path: string, options: { port?: number; secret?: string } = {}): Promise<{ host: TerminalHost; socket: WebSocketHost }> {
  const host = openHost(path);
  const socket = await WebSocketHost.start(host.handlers, { ...options, log: () => undefined });
  host.attach(socket);
  return { host, socket };
}

/** The WebSocket carrier with `ws` in place of the browser's WebSocket (same events, same text frames). */
function wsConnect(url: string, watch: { opened?: () => void; closed?: () => void } = {}): Connect {
  return (events) => {
    watch.opened?.();
    const socket = new WebSocket(url);
    socket.on('open', () => events.open());
    socket.on('message', (data, isBinary) => {
      if (!isBinary) events.message(String(data));
    });
    socket.on('close', () => {
      events.close();
      watch.closed?.();
    });
    // A refused connection reports `error`, then `close`: only `close` matters.
    socket.on('error', () => undefined);
    return { send: (text) => socket.send(text), close: () => socket.close() };
  };
}

function until(bridge: Bridge, state: ConnectionState): Promise<void> {
  if (bridge.state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const off = bridge.onState((now) => {
      if (now === state) {
        off();
        resolve();
      }
    });
  });
}

async function refusal(promise: Promise<unknown>): Promise<ContractError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError);
    return error as ContractError;
  }
  throw new Error('expected a refusal');
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const done of cleanups.splice(0).reverse()) await done();
});

describe('bridge over the WebSocket carrier', () => {
  it('sends requests and reads replies, typed; a refusal is a ContractError with code, message and details', async () => {
    const { host, socket } = await serve(ledgerFile());
    const bridge = new Bridge(wsConnect(socket.url)).start();
    cleanups.push(() => host.close(), () => bridge.stop());
    await until(bridge, 'open');

    const info = await bridge.send('terminal-info', {});
    expect(info.program.currency).toBe('KRW');
    const member = await bridge.send('member-lookup', { card: CARD });
    expect(member).toMatchObject({ name: 'Kim Minji', balance: 100 });
    const receipt = await bridge.send('checkout-commit', { card: CARD, txnId: 'UI-1', basket: basket(45_000) });
    expect(receipt).toMatchObject({ txnId: 'UI-1', earned: 45, balance: 145, replayed: false });
    // The same basket sent again (a retry after a lost answer) is the same checkout.
    expect(await bridge.send('checkout-commit', { card: CARD, txnId: 'UI-1', basket: basket(45_000) })).toMatchObject({ balance: 145, replayed: true });

    const unknown = await refusal(bridge.send('member-lookup', { card: '2900000000995' }));
    expect(unknown.code).toBe('unknown-card');
    expect(unknown.message).not.toBe('');
    const invalid = await refusal(bridge.send('checkout-commit', { card: CARD, txnId: 'UI-2', basket: basket(-5) }));
    expect(invalid.code).toBe('invalid-input');
    expect(invalid.details['problems']).toEqual(expect.arrayContaining([expect.stringContaining('basket.lines.0.unitPrice')]));
    // Replies are matched by id even when requests overlap.
    const [a, b] = await Promise.all([bridge.send('member-lookup', { card: CARD }), bridge.send('quote', { card: CARD, basket: basket(10_000) })]);
    expect(a.balance).toBe(145);
    expect(b.earn.points).toBe(10);
  });

  it('refuses a request over the size limit itself, without sending it', async () => {
    const { host, socket } = await serve(ledgerFile());
    const bridge = new Bridge(wsConnect(socket.url)).start();
    cleanups.push(() => host.close(), () => bridge.stop());
    await until(bridge, 'open');
    const huge = await refusal(bridge.send('enrol', { cards: [CARD], name: 'x'.repeat(MAX_MESSAGE_BYTES) }));
    expect(huge.code).toBe('too-large');
    // The connection is still good, and no reply went astray.
    expect((await bridge.send('member-lookup', { card: CARD })).balance).toBe(100);
  });

  it('hears pushes; when the host stops it is unreachable, and when it is back on the same address it reconnects by itself', async () => {
    const path = ledgerFile();
    const secret = randomBytes(32).toString('base64url');
    const first = await serve(path, { secret });
    const port = first.socket.port;
    let attempts = 0;
    const bridge = new Bridge(wsConnect(first.socket.url, { opened: () => (attempts += 1) }), { backoff: () => 50 }).start();
    cleanups.push(() => bridge.stop());
    await until(bridge, 'open');
    const closing = new Promise<string>((resolve) => bridge.onPush('host-closing', (data) => resolve(data.reason)));

    await first.host.close('restarting');
    expect(await closing).toBe('restarting');
    await until(bridge, 'unreachable');
    expect((await refusal(bridge.send('member-lookup', { card: CARD }))).code).toBe('unreachable');

    const second = await serve(path, { port, secret });
    cleanups.push(() => second.host.close());
    await until(bridge, 'open');
    expect(attempts).toBeGreaterThan(1);
    expect((await bridge.send('member-lookup', { card: CARD })).balance).toBe(100);
  });

  it('a host that refuses the secret leaves the bridge unauthorised, and it does not retry', async () => {
    const { host, socket } = await serve(ledgerFile());
    cleanups.push(() => host.close());
    const retries: number[] = [];
    let closed!: () => void;
    const socketClosed = new Promise<void>((resolve) => (closed = resolve));
    const wrong = `${socket.url.replace(/secret=.*$/, 'secret=')}${'A'.repeat(43)}`;
    const bridge = new Bridge(wsConnect(wrong, { closed }), { backoff: (attempt) => (retries.push(attempt), 10) }).start();
    cleanups.push(() => bridge.stop());
    await until(bridge, 'unauthorised');
    expect((await refusal(bridge.send('member-lookup', { card: CARD }))).code).toBe('unauthorised');
    // The host closed the socket after its refusal; the bridge, told so, scheduled no attempt to come back.
    await socketClosed;
    expect(retries).toEqual([]);
    expect(bridge.state).toBe('unauthorised');
  });
});

describe('bridge against a peer that misbehaves (scripted ws server on loopback)', () => {
  async function scripted(onMessage: (ws: WebSocket, text: string) => void): Promise<string> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    server.on('connection', (ws) => ws.on('message', (data) => onMessage(ws, String(data))));
    cleanups.push(() => new Promise<void>((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => resolve());
    }));
    return `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
  }

  it('fails a request whose connection drops before the answer with unreachable (the screen sends it again)', async () => {
    const url = await scripted((ws) => ws.terminate());
    const bridge = new Bridge(wsConnect(url), { backoff: () => 60_000 }).start();
    cleanups.push(() => bridge.stop());
    await until(bridge, 'open');
    const lost = await refusal(bridge.send('checkout-commit', { card: CARD, txnId: 'UI-9', basket: basket(1000) }));
    expect(lost.code).toBe('unreachable');
    expect(bridge.state).toBe('unreachable');
  });

  it('refuses a reply that is not the contract’s, and ignores a push it does not know', async () => {
    const warnings: string[] = [];
    const url = await scripted((ws, text) => {
      const { id } = JSON.parse(text) as { id: string };
      ws.send(JSON.stringify({ type: 'push', name: 'from-the-future', data: {} }));
      ws.send(JSON.stringify({ type: 'reply', id, result: {}, extra: 'not allowed' }));
    });
    const bridge = new Bridge(wsConnect(url), { warn: (line) => warnings.push(line) }).start();
    cleanups.push(() => bridge.stop());
    await until(bridge, 'open');
    expect((await refusal(bridge.send('verify', {}))).code).toBe('bad-reply');
    expect(warnings.join('\n')).toMatch(/from-the-future/);
    expect(bridge.state).toBe('open');
  });
});

describe('bridge over the Electron carrier (post / onMessage)', () => {
  it('moves the same messages to the real handler map and back', async () => {
    const host = openHost(ledgerFile());
    cleanups.push(() => host.close());
    const listeners = new Set<(message: string) => void>();
    // What the preload and main do between them: one JSON text each way.
    const preload: TallyPreload = {
      post(message) {
        const request = parseRequest(JSON.parse(message));
        void (request.ok ? host.handlers.handle(request.request) : Promise.resolve(request.reply)).then((reply) => {
          for (const listener of listeners) listener(JSON.stringify(reply));
        });
      },
      onMessage(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const bridge = new Bridge(ipcConnect(preload)).start();
    await until(bridge, 'open');
    expect((await bridge.send('member-lookup', { card: CARD })).balance).toBe(100);
    expect((await refusal(bridge.send('member-lookup', { card: '2900000000995' }))).code).toBe('unknown-card');
    bridge.stop();
    expect(listeners.size).toBe(0);
  });
});

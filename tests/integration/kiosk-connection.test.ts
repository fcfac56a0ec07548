/**
 * A kiosk connection is its own kind, held by the host, not by the page: over the real WebSocket
 * carrier (the kiosk's own per-start secret) and the real Electron carrier (a request main tagged
 * `kiosk`), on a real SQLite ledger. A kiosk may look a member up (masked, nothing else personal)
 * and read terminal-info; every other method gets `not-allowed` and changes nothing; it never hears
 * the counter's pushes (a customer's view, a scan). The customer display's view is checked too.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerminalHost } from '../../src/terminal/hosts/app.js';
import { PortCarrier } from '../../src/terminal/hosts/electron/port-carrier.js';
import type { FromHost, HostPort } from '../../src/terminal/hosts/electron/port-protocol.js';
import { WebSocketHost } from '../../src/terminal/hosts/websocket/server.js';
import { connect, dumpLedger, until, type HostClient } from '../support/host-client.js';
import { counterIds, newLedger, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-kiosk-');
afterAll(cleanup);

const CARD = '2900000000018';
const basket = (amount: number) => ({ currency: 'KRW', lines: [{ sku: 'AMOUNT', quantity: 1, unitPrice: amount }] });

/** What a kiosk tries that only the counter may do; each must be refused before the handler map. */
const FORBIDDEN: readonly (readonly [string, unknown])[] = [
  ['checkout-commit', { card: CARD, txnId: 'KIOSK-1', basket: basket(50_000) }],
  ['return-commit', { originalTxnId: 'POS-1', returnId: 'RET-K', all: true }],
  ['adjust', { card: CARD, points: 5000, reason: 'kiosk wants points', txnId: 'ADJ-K' }],
  ['enrol', { cards: ['2900000000025'] }],
  ['donate', { card: CARD, charity: 'x', points: 10, id: 'DON-K' }],
  ['member-lookup', { card: CARD }],
  ['member-search', { query: 'Kim' }],
  ['member-update', { card: CARD, name: 'Someone Else' }],
  ['history', { card: CARD }],
  ['manager-status', {}],
  ['manager-login', { managerId: 'boss', pin: '482913' }],
  ['manager-add', { managerId: 'kiosk', name: 'Kiosk', pin: '482913' }],
  ['manager-list', {}],
  ['printer-list', {}],
  ['printer-save', { id: 'p', transport: { kind: 'tcp', host: '127.0.0.1', port: 9100 }, profileId: 'epson-tm-80-42', language: 'en' }],
  ['printer-test', {}],
  ['print-reprint', { kind: 'sale', txnId: 'POS-1' }],
  ['program-install', { document: '{}' }],
  ['customer-view-show', { view: { state: 'idle' } }],
  ['customer-view-current', {}],
  ['scan-arrived', { code: CARD }],
  ['setup-create', {}],
  ['verify', {}],
  ['terminal-figures', { days: 30 }],
  ['drop-tables', {}],
];

let n = 0;
function openHost(clock = testClock('2026-03-02T03:00:00Z')): TerminalHost {
  n += 1;
  const path = join(dir, `kiosk-${n}.sqlite`);
  const { ledger, service } = newLedger(path, 'classic-krw', clock);
  service.enrol({ cards: [CARD], name: 'Kim Minji', phone: '010-1234-5678', email: 'minji@example.com', birthday: '1994-11-20' });
  service.checkout({ card: CARD, txnId: 'POS-1', basket: basket(45_000) });
  ledger.close();
  return TerminalHost.open({ db: path, clock: clock.read, wallClock: clock.read, newId: counterIds(), log: () => undefined });
}

const reply = (client: HostClient, id: string) => until(client, (m) => ((m as { id?: unknown }).id === id ? (m as Record<string, unknown>) : undefined));

describe('the WebSocket carrier: a kiosk connection', () => {
  let host: TerminalHost;
  let socket: WebSocketHost;
  let clock: ReturnType<typeof testClock>;
  const clients: HostClient[] = [];
  beforeEach(async () => {
    clock = testClock('2026-03-02T03:00:00Z');
    host = openHost(clock);
    socket = await WebSocketHost.start(host.handlers, { log: () => undefined });
    host.attach(socket);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await host.close();
  });
  const open = async (secret: string): Promise<HostClient> => {
    const client = await connect(`ws://127.0.0.1:${socket.port}/?secret=${encodeURIComponent(secret)}`);
    clients.push(client);
    return client;
  };

  it('has its own secret and address, neither the counter’s', () => {
    expect(socket.kioskSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(socket.kioskSecret).not.toBe(socket.secret);
    expect(socket.kioskPageUrl).toBe(`http://127.0.0.1:${socket.port}/#/kiosk&secret=${socket.kioskSecret}`);
    expect(socket.kioskPageUrl).not.toContain(socket.secret);
  });

  it('looks a member up with the name masked and nothing else personal, and reads terminal-info', async () => {
    const kiosk = await open(socket.kioskSecret);
    expect(await kiosk.request('i', 'terminal-info', {})).toMatchObject({ type: 'reply', result: { storeId: 'S1', terminalId: 'T1' } });
    const answer = (await kiosk.request('k', 'kiosk-member', { card: CARD })) as { type: string; result: Record<string, unknown> };
    expect(answer.type).toBe('reply');
    const member = host.service.member(CARD);
    expect(answer.result).toMatchObject({ name: 'K** M****', balance: member.balance, tier: member.tier, expiringSoon: member.expiringSoon });
    expect(Object.keys(answer.result).sort()).toEqual(['balance', 'expiringSoon', 'history', 'name', 'tier']);
    // The welcome bonus and the checkout's points, newest first; the money entry (qualifying spend) is not a customer's line.
    const history = answer.result['history'] as { at: number; kind: string; points: number }[];
    expect(history.map((e) => e.kind)).toEqual(['earned', 'earned']);
    expect(history.reduce((sum, e) => sum + e.points, 0)).toBe(member.balance);
    const text = JSON.stringify(answer);
    for (const secret of ['Minji', '010', 'example.com', '1994', CARD, member.memberId]) expect(text, secret).not.toContain(secret);
    expect(await kiosk.request('u', 'kiosk-member', { card: '2900000000995' })).toMatchObject({ type: 'error', id: 'u', error: { code: 'unknown-card' } });
  });

  it('pauses its look-ups after 5 cards that are nobody’s within a minute, for any kiosk connection, until the minute has passed', async () => {
    const kiosk = await open(socket.kioskSecret);
    const strangers = ['2900000000995', '2900000001008', '2900000001015', '2900000001022', '2900000001039'];
    for (const [i, card] of strangers.entries()) {
      expect(await kiosk.request(`s${i}`, 'kiosk-member', { card }), card).toMatchObject({ type: 'error', error: { code: 'unknown-card' } });
      clock.now += 1_000;
    }
    // A member's own card too, now: the kiosk cannot tell a customer from someone trying numbers.
    expect(await kiosk.request('paused', 'kiosk-member', { card: CARD })).toMatchObject({ type: 'error', error: { code: 'busy', details: { retryable: true, retryAfterMs: 55_000 } } });
    // A new connection does not start afresh; the counter is not paused.
    const again = await open(socket.kioskSecret);
    expect(await again.request('again', 'kiosk-member', { card: CARD })).toMatchObject({ type: 'error', error: { code: 'busy' } });
    const counter = await open(socket.secret);
    expect(await counter.request('counter', 'member-lookup', { card: CARD })).toMatchObject({ type: 'reply' });
    // The first miss leaves the window: one look-up is let through again.
    clock.now += 55_000;
    expect(await again.request('back', 'kiosk-member', { card: CARD })).toMatchObject({ type: 'reply', result: { name: 'K** M****' } });
  });

  it('answers everything else not-allowed, with the request’s id, and the ledger does not change', async () => {
    const kiosk = await open(socket.kioskSecret);
    const before = dumpLedger(host.ledger.path);
    for (const [name, args] of FORBIDDEN) {
      expect(await kiosk.request(`x-${name}`, name, args), name).toMatchObject({ type: 'error', id: `x-${name}`, error: { code: 'not-allowed' } });
    }
    // Even its own method, sent as a manager: a kiosk is never a manager's screen.
    kiosk.send({ id: 'sess', name: 'kiosk-member', args: { card: CARD }, session: 'a-token-that-leaked' });
    expect(await kiosk.next()).toMatchObject({ type: 'error', id: 'sess', error: { code: 'not-allowed' } });
    expect(dumpLedger(host.ledger.path)).toBe(before);
    // The connection is still open and still a kiosk.
    expect(await kiosk.request('after', 'kiosk-member', { card: CARD })).toMatchObject({ type: 'reply', id: 'after' });
  });

  it('does not hear the counter’s pushes: the customer’s view and scans go to the counter only', async () => {
    const counter = await open(socket.secret);
    const kiosk = await open(socket.kioskSecret);
    const view = { state: 'member', member: { name: 'K** M****', balance: 1045, tier: null } };
    // The host pushes the view while it runs the request: the push comes just before the reply.
    counter.send({ id: 'v', name: 'customer-view-show', args: { view } });
    expect(await counter.next()).toEqual({ type: 'push', name: 'customer-view', data: view });
    expect(await counter.next()).toMatchObject({ type: 'reply', id: 'v', result: { shown: 'member' } });
    counter.send({ id: 's', name: 'scan-arrived', args: { code: CARD } });
    expect(await counter.next()).toMatchObject({ type: 'push', name: 'scan' });
    expect(await counter.next()).toMatchObject({ type: 'reply', id: 's' });
    // Pushes leave for every client in one pass, before the kiosk's next reply: the reply comes first, so no push came.
    expect(await kiosk.request('after', 'terminal-info', {})).toMatchObject({ type: 'reply', id: 'after' });
    expect(await counter.request('c', 'customer-view-current', {})).toMatchObject({ type: 'reply', result: view });
    // What every screen must hear still reaches the kiosk.
    const closing = until(kiosk, (m) => ((m as { name?: unknown }).name === 'host-closing' ? m : undefined));
    await host.close('test over');
    expect(await closing).toMatchObject({ type: 'push', name: 'host-closing' });
  });

  it('a wrong secret is still unauthorised', async () => {
    const stranger = await open('x'.repeat(43));
    expect(await stranger.next()).toMatchObject({ type: 'error', id: null, error: { code: 'unauthorised' } });
    expect(await stranger.closed).toBe(1008);
  });
});

describe('the customer display’s view', () => {
  let host: TerminalHost;
  let socket: WebSocketHost;
  beforeEach(async () => {
    host = openHost();
    socket = await WebSocketHost.start(host.handlers, { log: () => undefined });
    host.attach(socket);
  });
  afterEach(() => host.close());

  it('refuses a full name, a phone number or a member id, and pushes nothing then', async () => {
    const counter = await connect(socket.url);
    const member = { name: 'K** M****', balance: 10, tier: null };
    for (const bad of [
      { state: 'member', member: { ...member, name: 'Kim Minji' } },
      { state: 'member', member: { ...member, name: '김민지' } },
      { state: 'member', member: { ...member, phone: '010-1234-5678' } },
      { state: 'member', member, memberId: 'm1' },
      { state: 'thanks', member, earned: -5, redeemed: 0 },
      { state: 'party' },
    ]) {
      expect(await counter.request('bad', 'customer-view-show', { view: bad }), JSON.stringify(bad)).toMatchObject({ type: 'error', error: { code: 'invalid-input' } });
    }
    // Each refusal above was the next message: none of them pushed a view. An accepted one does, just before its reply.
    counter.send({ id: 'ko', name: 'customer-view-show', args: { view: { state: 'member', member: { ...member, name: '김*지' } } } });
    expect(await counter.next()).toMatchObject({ type: 'push', name: 'customer-view', data: { member: { name: '김*지' } } });
    expect(await counter.next()).toMatchObject({ type: 'reply', id: 'ko' });
    counter.close();
  });

  it('is idle until told, and a display that connects later asks for the current one', async () => {
    const counter = await connect(socket.url);
    expect(await counter.request('c0', 'customer-view-current', {})).toMatchObject({ result: { state: 'idle' } });
    const view = { state: 'thanks', member: { name: 'K** M****', balance: 1090, tier: { tier: 'silver', nextTier: 'gold', spendToNext: 5000, qualifyingSpend: 45_000 } }, earned: 45, redeemed: 0 };
    counter.send({ id: 's', name: 'customer-view-show', args: { view } });
    await reply(counter, 's');
    const display = await connect(socket.url);
    expect(await display.request('c1', 'customer-view-current', {})).toEqual({ type: 'reply', id: 'c1', result: view });
    counter.close();
    display.close();
  });
});

describe('the Electron carrier: a request main tagged kiosk', () => {
  it('is held to the kiosk’s methods; the same request untagged (a counter window) runs', async () => {
    const host = openHost();
    const posted: FromHost[] = [];
    let deliver: (message: unknown) => void = () => undefined;
    const waiters: (() => void)[] = [];
    const port: HostPort = {
      post: (message) => {
        posted.push(message);
        for (const wake of waiters.splice(0)) wake();
      },
      onMessage: (listener) => {
        deliver = listener;
        return () => undefined;
      },
      onDisconnect: () => () => undefined,
    };
    const carrier = new PortCarrier(port, host.handlers, { log: () => undefined, onCloseRequested: () => undefined });
    host.attach(carrier);
    const answer = async (message: unknown, id: string): Promise<Record<string, unknown>> => {
      deliver(message);
      for (;;) {
        const found = posted.find((m) => m.type === 'reply' && m.id === id);
        if (found && found.type === 'reply') return JSON.parse(found.text) as Record<string, unknown>;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    const before = dumpLedger(host.ledger.path);
    const checkout = (id: string) => JSON.stringify({ id, name: 'checkout-commit', args: { card: CARD, txnId: id, basket: basket(50_000) } });
    expect(await answer({ type: 'request', client: 7, role: 'kiosk', text: checkout('K-1') }, 'K-1')).toMatchObject({ type: 'error', error: { code: 'not-allowed' } });
    expect(await answer({ type: 'request', client: 7, role: 'kiosk', text: JSON.stringify({ id: 'K-2', name: 'kiosk-member', args: { card: CARD } }) }, 'K-2')).toMatchObject({ type: 'reply', result: { name: 'K** M****' } });
    expect(dumpLedger(host.ledger.path)).toBe(before);
    expect(await answer({ type: 'request', client: 8, text: checkout('C-1') }, 'C-1')).toMatchObject({ type: 'reply', result: { replayed: false } });
    await host.close();
  });
});

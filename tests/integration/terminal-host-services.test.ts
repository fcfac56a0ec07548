/**
 * The terminal host's services with real parts: a serial scanner on a socat pair (a code written
 * into the pty arrives at a WebSocket client as a `scan` push; unplug and replug arrive as
 * `scanner-state`), a TCP printer emulator going out of paper and back (`printer-state`), idle WAL
 * checkpoints on the real ledger file, and periodic bookings run at start and just after local
 * midnight. Timers are driven by the test only where a wait would otherwise be an hour or a
 * guessed quiet time; everything else waits for a condition.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pushedEventSchema, replySchema, type PrinterState, type ScannedCode, type ScannerState } from '../../src/contract/messages.js';
import { ScannerRegistry } from '../../src/terminal/devices/scanner-config.js';
import { SocatPair, socatAvailable } from '../../src/terminal/devices/serial/socat-pair.js';
import { TerminalHost, type TerminalHostOptions } from '../../src/terminal/hosts/app.js';
import type { CheckpointOutcome } from '../../src/terminal/hosts/services/idle-checkpoints.js';
import type { PeriodicRun } from '../../src/terminal/hosts/services/periodic-bookings.js';
import { WebSocketHost } from '../../src/terminal/hosts/websocket/server.js';
import { PrinterRegistry } from '../../src/terminal/printing/printers.js';
import { authoriseSpend } from '../../src/terminal/sync/spending.js';
import { FileSecretStore, secretsDirFor } from '../../src/terminal/trust/secret-store.js';
import { connect, until, type HostClient } from '../support/host-client.js';
import { waitFor } from '../support/device-events.js';
import { TcpPrinterEmulator } from '../support/printer-emulator.js';
import { counterIds, newLedger, tempDir, testClock, type Clock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-host-services-');
afterAll(cleanup);

const CARD = '2900000000018';
const OTHER = '2900000000025';
const STRIPE = ';4111111111111111=29121010000000000000?';
const basket = (amount: number) => ({ currency: 'KRW', lines: [{ sku: 'AMOUNT', quantity: 1, unitPrice: amount }] });

let n = 0;
/** A fresh demo ledger with two members (one with a March birthday), closed again: what a host opens. */
function ledgerFile(start: string, setup?: (ledger: ReturnType<typeof newLedger>['ledger']) => void): { path: string; clock: Clock } {
  n += 1;
  const path = join(dir, `lane-${n}.sqlite`);
  const clock = testClock(start);
  const { ledger, service } = newLedger(path, 'classic-krw', clock);
  service.enrol({ cards: [CARD], name: 'Kim Minji', birthday: '03-15' });
  service.enrol({ cards: [OTHER], name: 'Lee Joon' });
  setup?.(ledger);
  ledger.close();
  return { path, clock };
}

const hosts: TerminalHost[] = [];
const clients: HostClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const h of hosts.splice(0)) await h.close();
});

async function serve(path: string, options: Omit<TerminalHostOptions, 'db'>): Promise<{ host: TerminalHost; client: HostClient }> {
  const host = TerminalHost.open({ db: path, newId: counterIds(), log: () => undefined, ...options });
  hosts.push(host);
  const socket = await WebSocketHost.start(host.handlers);
  host.attach(socket);
  const client = await connect(socket.url);
  clients.push(client);
  host.start();
  return { host, client };
}

const pushed =
  <N extends 'scan' | 'scanner-state' | 'printer-state', D>(name: N, predicate: (data: D) => boolean) =>
  (message: unknown): D | undefined => {
    const event = pushedEventSchema.safeParse(message);
    return event.success && event.data.name === name && predicate(event.data.data as D) ? (event.data.data as D) : undefined;
  };
const scanPush = (predicate: (scan: ScannedCode) => boolean) => pushed<'scan', ScannedCode>('scan', predicate);
const scannerPush = (predicate: (state: ScannerState) => boolean) => pushed<'scanner-state', ScannerState>('scanner-state', predicate);
const replyTo = (id: number | string) => (message: unknown) => {
  const parsed = replySchema.safeParse(message);
  return parsed.success && parsed.data.id === id ? parsed.data : undefined;
};

/** Timers the test fires itself: the last one armed, and the delay it was armed with. */
function manualTimers(): { set: (fn: () => void, ms: number) => unknown; clear: (handle: unknown) => void; armed: () => { fn: () => void; ms: number } | undefined; fire: () => void } {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  return {
    set: (fn, ms) => {
      next += 1;
      timers.set(next, { fn, ms });
      return next;
    },
    clear: (handle) => void timers.delete(handle as number),
    armed: () => [...timers.values()].at(-1),
    fire() {
      const last = [...timers.entries()].at(-1);
      if (!last) throw new Error('no timer armed');
      timers.delete(last[0]);
      last[1].fn();
    },
  };
}

/** A gate a spend's authorisation waits at: a request held in the middle of its turn, for as long as the test wants. */
function gate(path: string): { authorise: NonNullable<TerminalHostOptions['authorise']>; entered: () => boolean; open: () => void } {
  let release: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (release = resolve));
  let inside = false;
  return {
    authorise: async (service, preview) => {
      inside = true;
      await opened;
      return authoriseSpend(service, preview, { secrets: new FileSecretStore(secretsDirFor(path)) });
    },
    entered: () => inside,
    open: () => release(),
  };
}

/** Lets every callback already due run (no time passes): what was queued has had its chance. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

const HAVE_SOCAT = socatAvailable();

describe.skipIf(!HAVE_SOCAT)('the scanner supervisor in the host', () => {
  let pair: SocatPair;
  beforeAll(async () => {
    pair = await SocatPair.start(dir, 'counter');
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('pushes every code as a scan (booking nothing), and each unplug and replug as a scanner-state', async () => {
    const { path, clock } = ledgerFile('2026-02-02T03:00:00Z', (ledger) => {
      new ScannerRegistry(ledger).save({ id: 'counter', transport: { kind: 'serial', path: pair.appPath, suffix: 'any' } }, Date.parse('2026-02-02T03:00:00Z'));
    });
    const { host, client } = await serve(path, { clock: clock.read, wallClock: clock.read, scanners: { backoff: { initialDelayMs: 25, maxDelayMs: 200, factor: 2 } } });
    expect(host.serviceNames).toEqual(['print-worker', 'scanners', 'idle-checkpoints', 'periodic-bookings']);
    const transfers = (): number => host.ledger.db.prepare('SELECT count(*) FROM transfers').pluck().get() as number;
    const everything: string[] = [];
    client.socket.on('message', (data) => everything.push(String(data)));
    expect(await until(client, scannerPush((s) => s.state === 'connected'))).toEqual({ device: 'counter', state: 'connected', message: null });
    const before = transfers();

    await pair.write(`]E0${CARD}\r\n`);
    expect(await until(client, scanPush(() => true))).toEqual({ source: 'serial', device: 'counter', code: `]E0${CARD}`, shown: '…0018', refused: null, at: expect.any(Number) });
    // A bank card swiped on the same scanner: the screens learn that it was one, never its number.
    await pair.write(`${STRIPE}\r\n`);
    expect(await until(client, scanPush(() => true))).toMatchObject({ source: 'serial', device: 'counter', code: null, refused: 'bank-card', shown: expect.stringMatching(/not shown/) });
    // The screen decides what a scan means: the host booked nothing for either.
    expect(transfers()).toBe(before);

    await pair.unplug();
    const gone = await until(client, scannerPush((s) => s.state !== 'connected'));
    expect(gone).toMatchObject({ device: 'counter', state: 'disconnected', message: expect.stringMatching(/unplugged/) });
    client.send({ id: 'ds-1', name: 'device-states', args: {} });
    const states = (await until(client, replyTo('ds-1'))) as { result: { scanners: ScannerState[] } };
    expect(states.result.scanners).toEqual([gone]);

    await pair.plug();
    expect(await until(client, scannerPush((s) => s.state === 'connected'))).toEqual({ device: 'counter', state: 'connected', message: null });
    await pair.write(`${OTHER}\r`);
    expect(await until(client, scanPush(() => true))).toMatchObject({ code: OTHER, shown: '…0025', refused: null });
    expect(transfers()).toBe(before);
    expect(everything.join('\n')).not.toContain('4111');
  }, 60_000);
});

describe('a scanner configuration that is not one', () => {
  it('is said once in the log; the host serves without its scanners', async () => {
    const { path, clock } = ledgerFile('2026-02-02T03:00:00Z', (ledger) => {
      // Written by hand, not by tally scanner add: the kind is unknown.
      ledger.db.prepare(`INSERT INTO scanners (id, transport, enabled, created_at, updated_at) VALUES ('counter', '{"kind":"bluetooth"}', 1, 1, 1)`).run();
    });
    const log: string[] = [];
    const { host } = await serve(path, { clock: clock.read, wallClock: clock.read, log: (line) => log.push(line) });
    expect(log.filter((l) => l.includes('scanner'))).toEqual([expect.stringMatching(/^tally host: scanners not started: scanner counter: kind: .* \(fix it with tally scanner add or remove\)$/)]);
    expect(await host.handlers.handle({ id: 1, name: 'device-states', args: {} })).toMatchObject({ type: 'reply', result: { scanners: [], printers: [] } });
    expect(await host.handlers.handle({ id: 2, name: 'member-lookup', args: { card: CARD } })).toMatchObject({ type: 'reply', result: { name: 'Kim Minji' } });
  });
});

describe('printer state in the host', () => {
  it('pushes a printer going out of paper (idle, then with a slip waiting) and back, once per change', async () => {
    const emulator = await TcpPrinterEmulator.start('ready');
    try {
      const { path } = ledgerFile('2026-02-02T03:00:00Z', (ledger) => {
        new PrinterRegistry(ledger).save({ id: 'receipt', transport: { kind: 'tcp', host: emulator.host, port: emulator.port, timeoutMs: 2000 }, profileId: 'epson-tm-80-42', language: 'en' }, Date.parse('2026-02-02T03:00:00Z'));
      });
      // Booking time that moves with real time: a waiting slip's retry falls due.
      const started = Date.now();
      const clock = (): number => Date.parse('2026-02-02T03:00:00Z') + (Date.now() - started);
      const { client } = await serve(path, { clock, wallClock: clock, printing: { idleProbeMs: 50, pollMs: 20, retryDelay: () => 50 } });
      // Every printer-state pushed, in order (replies and other pushes come between them).
      const received: PrinterState[] = [];
      client.socket.on('message', (data) => {
        const event = pushedEventSchema.safeParse(JSON.parse(String(data)));
        if (event.success && event.data.name === 'printer-state') received.push(event.data.data);
      });
      const state = (wanted: Partial<PrinterState>): Promise<PrinterState> =>
        waitFor(`printer-state ${JSON.stringify(wanted)}`, () => received.find((p, i) => i >= seen && Object.entries(wanted).every(([k, v]) => p[k as keyof PrinterState] === v)));
      let seen = 0;
      const next = async (wanted: Partial<PrinterState>): Promise<PrinterState> => {
        const found = await state(wanted);
        seen = received.indexOf(found) + 1;
        return found;
      };

      expect(await next({ state: 'ready' })).toEqual({ printer: 'receipt', state: 'ready', message: null, waiting: 0 });
      // Between checkouts: the idle probe finds it.
      emulator.setState('paper-out');
      expect(await next({ state: 'out-of-paper' })).toEqual({ printer: 'receipt', state: 'out-of-paper', message: 'Printer out of paper — load paper', waiting: 0 });
      // A checkout's slip is kept for it, and the screen says one is waiting.
      client.send({ id: 1, name: 'checkout-commit', args: { card: CARD, txnId: 'POS-PAPER', basket: basket(15_000) } });
      expect(await until(client, replyTo(1))).toMatchObject({ type: 'reply' });
      await next({ state: 'out-of-paper', waiting: 1 });
      expect(emulator.decodePrinted().lines.some((l) => l.includes('POS-PAPER'))).toBe(false);

      emulator.setState('ready');
      expect(await next({ state: 'ready' })).toEqual({ printer: 'receipt', state: 'ready', message: null, waiting: 0 });
      expect(emulator.decodePrinted().lines.filter((l) => l.includes('POS-PAPER'))).toHaveLength(1);
      // Pushed on change only: never the same state twice in a row, however often it was asked.
      expect(received.length).toBe(seen);
      for (let i = 1; i < received.length; i += 1) expect(received[i], `push ${i}`).not.toEqual(received[i - 1]);
      client.send({ id: 'ds', name: 'device-states', args: {} });
      const states = (await until(client, replyTo('ds'))) as { result: { printers: PrinterState[] } };
      expect(states.result.printers).toEqual([{ printer: 'receipt', state: 'ready', message: null, waiting: 0 }]);
    } finally {
      await emulator.close();
    }
  }, 60_000);
});

describe('idle WAL checkpoints', () => {
  it('empties a grown WAL once the counter has been quiet', async () => {
    const { path, clock } = ledgerFile('2026-02-02T03:00:00Z');
    const outcomes: CheckpointOutcome[] = [];
    const { host } = await serve(path, { clock: clock.read, wallClock: clock.read, checkpoints: { idleMs: 100, truncateAboveBytes: 0, onCheckpoint: (o) => outcomes.push(o) } });
    for (let i = 0; i < 20; i += 1) {
      expect(await host.handlers.handle({ id: i, name: 'checkout-commit', args: { card: CARD, txnId: `POS-${i}`, basket: basket(10_000 + i) } })).toMatchObject({ type: 'reply' });
    }
    const wal = (): number => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    await waitFor('the WAL to be emptied', () => wal() === 0 && outcomes.some((o) => o.truncated && o.walBytesBefore > 0));
    // Everything is in the main file: the ledger still verifies and holds every checkout.
    expect(host.service.verify().ok).toBe(true);
    expect(host.ledger.db.prepare(`SELECT count(*) FROM transactions WHERE kind = 'checkout'`).pluck().get()).toBe(20);
  }, 60_000);

  it('never runs during a request, and a request that comes while one is queued waits its turn', async () => {
    const { path, clock } = ledgerFile('2026-02-02T03:00:00Z');
    const timers = manualTimers();
    const order: string[] = [];
    const held = gate(path);
    const { host } = await serve(path, {
      clock: clock.read,
      wallClock: clock.read,
      authorise: held.authorise,
      checkpoints: { idleMs: 30_000, setTimer: timers.set, clearTimer: timers.clear, onCheckpoint: () => order.push('checkpoint') },
    });
    expect(timers.armed()?.ms).toBe(30_000);

    // A checkout held in the middle of its turn (its spend authorisation): the quiet time has not begun.
    const checkout = host.handlers.handle({ id: 'held', name: 'checkout-commit', args: { card: CARD, txnId: 'POS-HELD', basket: basket(20_000) } }).then((reply) => {
      order.push('checkout');
      return reply;
    });
    await waitFor('the checkout to be under way', held.entered);
    timers.fire();
    await settle();
    expect(order).toEqual([]);

    held.open();
    expect(await checkout).toMatchObject({ type: 'reply' });
    // Its end started the quiet time again; when it is over, the checkpoint runs.
    timers.fire();
    await waitFor('the checkpoint', () => order.includes('checkpoint'));
    expect(order).toEqual(['checkout', 'checkpoint']);

    // Queued, then a request: the request is served after it, not refused.
    timers.fire();
    const lookup = await host.handlers.handle({ id: 'after', name: 'member-lookup', args: { card: CARD } });
    order.push('lookup');
    expect(lookup).toMatchObject({ type: 'reply', result: { name: 'Kim Minji' } });
    expect(order).toEqual(['checkout', 'checkpoint', 'checkpoint', 'lookup']);
  }, 60_000);
});

describe('periodic bookings in the host', () => {
  it('run at start, then just after local midnight (and hourly), in the queue between requests', async () => {
    // 23:59 on 28 February in Seoul: Kim Minji's birthday month starts in a minute.
    const { path, clock } = ledgerFile('2026-02-28T14:59:00Z');
    const timers = manualTimers();
    const runs: PeriodicRun[] = [];
    const held = gate(path);
    const { host } = await serve(path, { clock: clock.read, wallClock: clock.read, authorise: held.authorise, periodic: { setTimer: timers.set, clearTimer: timers.clear, onRun: (r) => runs.push(r) } });
    const balance = (card: string): number => host.service.member(card).balance;

    await waitFor('the run at start', () => runs.length === 1);
    const midnight = Date.parse('2026-02-28T15:00:05Z');
    expect(runs[0]).toMatchObject({ ok: true, members: 2, transfers: 0, nextAt: midnight });
    expect(timers.armed()?.ms).toBe(65_000);
    expect(balance(CARD)).toBe(100);

    // The other member's checkout holds the queue when midnight comes: the run waits for it.
    const checkout = host.handlers.handle({ id: 'c', name: 'checkout-commit', args: { card: OTHER, txnId: 'POS-MIDNIGHT', basket: basket(30_000) } });
    await waitFor('the checkout to be under way', held.entered);
    clock.now = midnight;
    timers.fire();
    await settle();
    expect(runs).toHaveLength(1);
    held.open();
    const booked = (await checkout) as { type: 'reply'; result: { transfers: { seq: number }[] } };
    await waitFor('the run after midnight', () => runs.length === 2);
    expect(runs[1]).toMatchObject({ ok: true, transfers: 1, nextAt: midnight + 3_600_000 });
    expect(timers.armed()?.ms).toBe(3_600_000);
    expect(balance(CARD)).toBe(300);
    // Booked after the checkout it waited for, never in the middle of it.
    const birthday = host.ledger.db.prepare(`SELECT seq FROM transfers WHERE kind = 'birthday'`).pluck().get() as number;
    expect(birthday).toBeGreaterThan(Math.max(...booked.result.transfers.map((t) => t.seq)));

    // An hour later nothing is due again: the birthday is booked once.
    clock.now = midnight + 3_600_000;
    timers.fire();
    await waitFor('the hourly run', () => runs.length === 3);
    expect(runs[2]).toMatchObject({ ok: true, transfers: 0 });
    expect(balance(CARD)).toBe(300);
  }, 60_000);
});

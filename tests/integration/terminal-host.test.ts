/**
 * The terminal host (issue 10, first slice): the handler map over one real ledger, the local
 * WebSocket carrier with a real `ws` client on loopback, and `tally host` as a real child process.
 * What is refused (a wrong secret, a foreign Origin, a malformed message, bad args, too large)
 * gets its error and leaves every table of the ledger exactly as it was.
 */
import { spawn, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, replySchema } from '../../src/contract/messages.js';
import { terminalInfoSchema } from '../../src/contract/terminal-info.js';
import { TerminalHost } from '../../src/terminal/hosts/app.js';
import { HandlerMap } from '../../src/terminal/hosts/handlers.js';
import { loopbackOrigin, WebSocketHost } from '../../src/terminal/hosts/websocket/server.js';
import { connect, dumpLedger } from '../support/host-client.js';
import { TcpPrinterEmulator } from '../support/printer-emulator.js';
import { CLI_ENV, counterIds, newLedger, REPO, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-host-');
afterAll(cleanup);

const START = '2026-03-02T03:00:00Z';
const CARD = '2900000000018';
const basket = (amount: number) => ({ currency: 'KRW', lines: [{ sku: 'AMOUNT', quantity: 1, unitPrice: amount }] });

let n = 0;
/** A fresh demo ledger with one member, closed again: what a host opens. */
function ledgerFile(): { path: string; clock: ReturnType<typeof testClock> } {
  n += 1;
  const path = join(dir, `lane-${n}.sqlite`);
  const clock = testClock(START);
  const { ledger, service } = newLedger(path, 'classic-krw', clock);
  service.enrol({ cards: [CARD], name: 'Kim Minji' });
  ledger.close();
  return { path, clock };
}

function openHost(path: string, clock: ReturnType<typeof testClock>, log: string[] = []): TerminalHost {
  return TerminalHost.open({ db: path, clock: clock.read, wallClock: clock.read, newId: counterIds(), log: (line) => log.push(line) });
}

describe('handler map', () => {
  let host: TerminalHost;
  let log: string[];
  beforeEach(() => {
    const { path, clock } = ledgerFile();
    log = [];
    host = openHost(path, clock, log);
  });
  afterEach(() => host.close());

  it('validates args by the method schema before the service runs', async () => {
    const before = dumpLedger(host.ledger.path);
    const reply = await host.handlers.handle({ id: 1, name: 'checkout-commit', args: { card: CARD, txnId: 'POS-1', basket: basket(-5) } });
    expect(reply).toMatchObject({ type: 'error', id: 1, error: { code: 'invalid-input' } });
    expect(JSON.stringify(reply)).toContain('basket.lines.0.unitPrice');
    const extra = await host.handlers.handle({ id: 2, name: 'member-lookup', args: { card: CARD, admin: true } });
    expect(extra).toMatchObject({ type: 'error', id: 2, error: { code: 'invalid-input' } });
    expect(dumpLedger(host.ledger.path)).toBe(before);
  });

  it('terminal-info describes the terminal and its program for the screens, and books nothing', async () => {
    const before = dumpLedger(host.ledger.path);
    const reply = await host.handlers.handle({ id: 't', name: 'terminal-info', args: {} });
    expect(reply.type).toBe('reply');
    const info = terminalInfoSchema.parse((reply as { result: unknown }).result);
    expect(info).toMatchObject({ storeId: 'S1', terminalId: 'T1', timeZone: 'Asia/Seoul', demo: true, enrolledWithServer: false, languages: ['en', 'ko'] });
    expect(info.program).toMatchObject({ id: 'classic-krw', version: 1, currency: 'KRW', name: { en: 'Classic Points', ko: '클래식 포인트' }, spendProofs: ['pin', 'spend-code'], withoutProofUpTo: 0 });
    expect(info.program.rewards).toEqual([{ id: 'free-coffee', name: { en: 'Free coffee', ko: '커피 무료' }, points: 400, kind: 'free-item' }]);
    expect(info.program.bonusDays).toEqual([{ id: 'wednesday-double', name: { en: 'Double-points Wednesday', ko: '수요일 포인트 2배' } }]);
    expect(info.program.pointsAsMoney).toEqual({ points: 1, amount: 10, minimumPoints: 500, step: 100, maxBasketShare: 50 });
    // It takes no arguments: anything given is refused like any other method's unknown field.
    expect(await host.handlers.handle({ id: 'u', name: 'terminal-info', args: { all: true } })).toMatchObject({ type: 'error', error: { code: 'invalid-input' } });
    // Not enrolled with a server: no sync state to tell.
    expect(await host.handlers.handle({ id: 's', name: 'sync-state', args: {} })).toEqual({ type: 'reply', id: 's', result: null });
    expect(dumpLedger(host.ledger.path)).toBe(before);
  });

  it('answers an unknown method with unknown-method', async () => {
    const reply = await host.handlers.handle({ id: 'x', name: 'drop-tables', args: {} });
    expect(reply).toMatchObject({ type: 'error', id: 'x', error: { code: 'unknown-method' } });
    // Not even an inherited name of the map reaches a handler.
    expect(await host.handlers.handle({ id: 'y', name: 'constructor', args: {} })).toMatchObject({ type: 'error', error: { code: 'unknown-method' } });
  });

  it('maps a TallyError to its typed reply, and a fault of Tally to internal without its stack', async () => {
    expect(await host.handlers.handle({ id: 3, name: 'member-lookup', args: { card: '2900000000995' } })).toMatchObject({ type: 'error', error: { code: 'unknown-card' } });
    // A service whose ledger was closed under it: a bug, not a refusal.
    const { path, clock } = ledgerFile();
    const other = openHost(path, clock);
    const broken = new HandlerMap(other.service, { log: (line) => log.push(line) });
    other.ledger.db.close();
    const reply = await broken.handle({ id: 4, name: 'member-lookup', args: { card: CARD } });
    expect(reply).toMatchObject({ type: 'error', id: 4, error: { code: 'internal' } });
    expect(JSON.stringify(reply)).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(log.join('\n')).toMatch(/unexpected error in member-lookup[\s\S]*\bat /);
  });

  it('serves every contract method', async () => {
    const ok = async (method: string, args: unknown): Promise<Record<string, unknown>> => {
      const reply = await host.handlers.handle({ id: method, name: method, args });
      expect(reply, method).toMatchObject({ type: 'reply' });
      return (reply as { result: Record<string, unknown> }).result;
    };
    expect((await ok('member-lookup', { card: CARD })).name).toBe('Kim Minji');
    expect(await ok('quote', { card: CARD, basket: basket(10_000) })).toHaveProperty('amountDue', 10_000);
    expect(await ok('checkout-commit', { card: CARD, txnId: 'POS-1', basket: basket(50_000) })).toHaveProperty('replayed', false);
    expect(await ok('return-commit', { originalTxnId: 'POS-1', returnId: 'RET-1', amount: 10_000 })).toHaveProperty('originalTxnId', 'POS-1');
    expect(await ok('enrol', { cards: ['2900000000025'] })).toHaveProperty('memberId');
    expect(await ok('adjust', { card: CARD, points: 5, reason: 'goodwill', txnId: 'ADJ-1' })).toHaveProperty('points', 5);
    expect(((await ok('history', { card: CARD, limit: 2 })).entries as unknown[]).length).toBe(2);
    expect(await ok('verify', {})).toMatchObject({ ok: true });
  });
});

describe('WebSocket host', () => {
  let host: TerminalHost;
  let socket: WebSocketHost;
  let path: string;
  const log: string[] = [];
  beforeEach(async () => {
    const file = ledgerFile();
    path = file.path;
    host = openHost(path, file.clock, log);
    socket = await WebSocketHost.start(host.handlers, { log: (line) => log.push(line) });
    host.attach(socket);
  });
  afterEach(() => host.close());

  it('prints a loopback address with a fresh 32-byte secret', () => {
    expect(socket.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/\?secret=[A-Za-z0-9_-]{43}$/);
  });

  it('refuses to listen anywhere but loopback', async () => {
    for (const address of ['0.0.0.0', '::', 'localhost', '192.168.1.10']) {
      await expect(WebSocketHost.start(host.handlers, { address })).rejects.toMatchObject({ code: 'invalid-input' });
    }
  });

  it('books a checkout exactly as the service does', async () => {
    // The same ledger, the same clock and ids, driven directly.
    const twin = ledgerFile();
    const direct = openHost(twin.path, twin.clock);
    const args = { card: CARD, txnId: 'POS-7', basket: basket(45_000) };
    const expected = JSON.parse(JSON.stringify(direct.service.checkout(args))) as unknown;
    const expectedBalance = direct.service.member(CARD).balance;
    await direct.close();

    const client = await connect(socket.url);
    const reply = await client.request(1, 'checkout-commit', args);
    expect(replySchema.parse(reply)).toEqual({ type: 'reply', id: 1, result: expected });
    const lookup = (await client.request(2, 'member-lookup', { card: CARD })) as { result: { balance: number } };
    expect(lookup.result.balance).toBe(expectedBalance);
    expect((expected as { transfers: unknown[] }).transfers.length).toBeGreaterThan(0);
    client.close();
  });

  it('refuses a missing or wrong secret: unauthorised, closed, nothing run', async () => {
    const before = dumpLedger(path);
    const base = socket.url.replace(/\?secret=.*$/, '');
    const wrong = `${socket.url.slice(0, -4)}AAAA`;
    for (const url of [base, `${base}?secret=`, wrong]) {
      const client = await connect(url);
      // Sent at once: it must not be read, let alone run.
      client.send({ id: 1, name: 'adjust', args: { card: CARD, points: 1000, reason: 'free points', txnId: 'EVIL-1' } });
      expect(await client.next()).toEqual({ type: 'error', id: null, error: { code: 'unauthorised', message: expect.any(String) } });
      expect(await client.closed).toBe(1008);
    }
    expect(dumpLedger(path)).toBe(before);
  });

  it('refuses a page from another origin, and a Host that is not ours, before any socket', async () => {
    const before = dumpLedger(path);
    await expect(connect(socket.url, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    await expect(connect(socket.url, { origin: 'null' })).rejects.toThrow(/403/);
    await expect(connect(socket.url, { headers: { host: `rebound.example:${socket.port}` } })).rejects.toThrow(/403/);
    const local = await connect(socket.url, { origin: 'http://localhost:5173' });
    expect(await local.request(1, 'member-lookup', { card: CARD })).toMatchObject({ type: 'reply' });
    local.close();
    expect(dumpLedger(path)).toBe(before);
    expect([undefined, 'http://127.0.0.1:1', 'http://[::1]', 'https://localhost'].every(loopbackOrigin)).toBe(true);
    expect(['http://127.0.0.1.evil.example', 'file:///x', 'null', 'ws://localhost'].some(loopbackOrigin)).toBe(false);
  });

  it('answers each malformed message with its error, keeps the connection, changes nothing', async () => {
    const client = await connect(socket.url);
    const before = dumpLedger(path);
    const cases: [unknown, string, string | number | null][] = [
      ['{"id": 1, "name": ', 'malformed', null],
      [JSON.stringify([1, 2]), 'malformed', null],
      [{ id: 5, name: 'checkout-commit' , args: {}, extra: 1 }, 'malformed', 5],
      [{ id: { nested: true }, name: 'verify', args: {} }, 'malformed', null],
      [{ id: 6, name: 'refund-everything', args: {} }, 'unknown-method', 6],
      [{ id: 7, name: 'adjust', args: { card: CARD, points: '1000', reason: 'typed as text', txnId: 'ADJ-9' } }, 'invalid-input', 7],
      [{ id: 8, name: 'checkout-commit', args: { card: CARD, txnId: 'POS-9', basket: basket(1000), cashier: 'a\u202Eb' } }, 'invalid-input', 8],
      [JSON.stringify({ id: 9, name: 'verify', args: {}, pad: 'x'.repeat(MAX_MESSAGE_BYTES) }), 'too-large', null],
      [Buffer.from('{"id":10,"name":"verify","args":{}}'), 'malformed', null],
    ];
    for (const [message, code, id] of cases) {
      client.send(message);
      const reply = await client.next();
      expect(reply, String(code)).toMatchObject({ type: 'error', id, error: { code } });
      replySchema.parse(reply);
    }
    expect(dumpLedger(path)).toBe(before);
    // Still connected, still served.
    expect(await client.request(11, 'member-lookup', { card: CARD })).toMatchObject({ id: 11, type: 'reply' });
    client.close();
  });

  it('returns a refusal of the service as a typed reply, not a closed socket', async () => {
    const client = await connect(socket.url);
    expect(await client.request('a', 'member-lookup', { card: '2900000000995' })).toMatchObject({ type: 'error', id: 'a', error: { code: 'unknown-card' } });
    expect(await client.request('b', 'adjust', { card: CARD, points: -1_000_000, reason: 'too much', txnId: 'ADJ-2' })).toMatchObject({ type: 'error', id: 'b', error: { code: 'insufficient-points' } });
    expect(await client.request('c', 'member-lookup', { card: CARD })).toMatchObject({ id: 'c', type: 'reply' });
    client.close();
  });

  it('serves two clients at once, one request at a time, in order', async () => {
    const a = await connect(socket.url);
    const b = await connect(socket.url);
    // Pipelined: nobody waits for a reply before sending the next request.
    for (let i = 0; i < 5; i += 1) {
      a.send({ id: `a${i}`, name: 'checkout-commit', args: { card: CARD, txnId: `A-${i}`, basket: basket(10_000 + i) } });
      b.send({ id: `b${i}`, name: 'checkout-commit', args: { card: CARD, txnId: `B-${i}`, basket: basket(20_000 + i) } });
    }
    const repliesA = await Promise.all([0, 1, 2, 3, 4].map(() => a.next()));
    const repliesB = await Promise.all([0, 1, 2, 3, 4].map(() => b.next()));
    expect(repliesA.map((r) => (r as { id: string }).id)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(repliesB.map((r) => (r as { id: string }).id)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    const results = [...repliesA, ...repliesB].map((r) => (r as { type: 'reply'; result: { balance: number; transfers: { seq: number }[] } }).result);
    // One at a time: each checkout's transfers are a block of consecutive sequence numbers, and the
    // balances step through one total in the order the bookings were made.
    const bySeq = [...results].sort((x, y) => x.transfers[0]!.seq - y.transfers[0]!.seq);
    for (const r of bySeq) r.transfers.forEach((t, i) => expect(t.seq).toBe(r.transfers[0]!.seq + i));
    for (let i = 1; i < bySeq.length; i += 1) expect(bySeq[i]!.balance).toBeGreaterThan(bySeq[i - 1]!.balance);
    a.close();
    b.close();
    expect(host.service.verify().ok).toBe(true);
  });

  it('tells its clients it is closing, then closes them', async () => {
    const client = await connect(socket.url);
    await host.close('test over');
    expect(await client.next()).toEqual({ type: 'push', name: 'host-closing', data: { reason: 'test over' } });
    expect(await client.closed).toBe(1001);
  });
});

describe('tally host (a real process)', () => {
  it('answers a request, stops on SIGTERM with exit 0, and leaves a ledger that verifies', async () => {
    const db = join(dir, 'process.sqlite');
    const tally = (args: string[]) => spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV });
    expect(tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'S1', '--terminal', 'T1']).status).toBe(0);

    const child = spawn(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, 'host'], { cwd: dir, env: CLI_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const m = /(ws:\/\/127\.0\.0\.1:\d+\/\?secret=[A-Za-z0-9_-]+)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      void exited.then(() => reject(new Error(`host exited early: ${stderr}`)));
    });

    const client = await connect(url);
    expect(await client.request(1, 'enrol', { cards: [CARD], name: 'Kim Minji' })).toMatchObject({ type: 'reply', id: 1, result: { replayed: false } });
    child.kill('SIGTERM');
    expect(await client.next()).toMatchObject({ type: 'push', name: 'host-closing' });
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/terminal host stopped \(SIGTERM\)/);

    const verify = tally(['verify']);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^Ledger OK: 1 members/);
  });
});

describe('the host prints', () => {
  it("prints a command's slip itself while it runs (no tally print run), exactly once", async () => {
    const emulator = await TcpPrinterEmulator.start('ready');
    const { path, clock } = ledgerFile();
    try {
      const add = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', path, 'printer', 'add', '--id', 'receipt', '--tcp', `${emulator.host}:${emulator.port}`, '--profile', 'epson-tm-80-42', '--slip-lang', 'en', '--timeout', '1500'], { encoding: 'utf8', env: CLI_ENV });
      expect(add.status, add.stderr).toBe(0);
      const host = openHost(path, clock);
      try {
        host.start();
        const reply = await host.handlers.handle({ id: 1, name: 'checkout-commit', args: { card: CARD, txnId: 'POS-HOST-PRINT', basket: basket(15_000) } });
        expect(reply).toMatchObject({ type: 'reply' });
        const deadline = Date.now() + 15_000;
        while (!emulator.decodePrinted().lines.some((l) => l.includes('POS-HOST-PRINT'))) {
          if (Date.now() > deadline) throw new Error(`the host never printed the slip; printed: ${emulator.decodePrinted().lines.join(' | ')}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(emulator.decodePrinted().lines.join('\n')).toMatch(/Points earned/);
      } finally {
        await host.close();
      }
      // Printed once, and nothing left in the queue.
      expect(emulator.decodePrinted().lines.filter((l) => l.includes('POS-HOST-PRINT'))).toHaveLength(1);
      const queued = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', path, 'print', 'run'], { encoding: 'utf8', env: CLI_ENV });
      expect(queued.stdout).toMatch(/^Printed 0 slips/);
    } finally {
      await emulator.close();
    }
  }, 60_000);

  it('a ledger busy beyond its timeout pauses printing, never ends it: the slip prints once the lock is gone', async () => {
    const emulator = await TcpPrinterEmulator.start('ready');
    const { path, clock } = ledgerFile();
    const log: string[] = [];
    try {
      const add = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', path, 'printer', 'add', '--id', 'receipt', '--tcp', `${emulator.host}:${emulator.port}`, '--profile', 'epson-tm-80-42', '--slip-lang', 'en', '--timeout', '1500'], { encoding: 'utf8', env: CLI_ENV });
      expect(add.status, add.stderr).toBe(0);
      const host = openHost(path, clock, log);
      try {
        expect(await host.handlers.handle({ id: 1, name: 'checkout-commit', args: { card: CARD, txnId: 'POS-BUSY', basket: basket(15_000) } })).toMatchObject({ type: 'reply' });
        // Another process holds the write lock longer than the host's busy timeout when its worker starts.
        const other = new Database(path);
        other.exec('BEGIN IMMEDIATE');
        host.start();
        const deadline = Date.now() + 30_000;
        while (!log.some((line) => line.includes('printing paused'))) {
          if (Date.now() > deadline) throw new Error(`the worker never met the lock; log: ${log.join(' | ')}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        other.exec('ROLLBACK');
        other.close();
        // Before the fix the worker ended here for the life of the host ("printing stopped").
        const printedBy = Date.now() + 30_000;
        while (!emulator.decodePrinted().lines.some((l) => l.includes('POS-BUSY'))) {
          if (Date.now() > printedBy) throw new Error(`the slip never printed after the lock was gone; log: ${log.join(' | ')}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await host.close();
      }
    } finally {
      await emulator.close();
    }
  }, 90_000);

  it('stops printing between jobs when it closes: slips still queued stay queued for the next start, none printed twice', async () => {
    const emulator = await TcpPrinterEmulator.start('ready');
    const { path, clock } = ledgerFile();
    try {
      const add = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', path, 'printer', 'add', '--id', 'receipt', '--tcp', `${emulator.host}:${emulator.port}`, '--profile', 'epson-tm-80-42', '--slip-lang', 'en', '--timeout', '1500'], { encoding: 'utf8', env: CLI_ENV });
      expect(add.status, add.stderr).toBe(0);
      const host = openHost(path, clock);
      // Forty slips queued before the worker starts.
      for (let i = 1; i <= 40; i++) expect(await host.handlers.handle({ id: i, name: 'checkout-commit', args: { card: CARD, txnId: `POS-Q-${i}`, basket: basket(15_000) } })).toMatchObject({ type: 'reply' });
      host.start();
      const deadline = Date.now() + 15_000;
      while (!emulator.decodePrinted().lines.some((l) => l.includes('POS-Q-1'))) {
        if (Date.now() > deadline) throw new Error('the host never printed the first slip');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await host.close();
      const printedAtClose = emulator.decodePrinted().lines.filter((l) => /POS-Q-\d+/.test(l)).length;
      // Before the fix the worker printed the whole queue before it looked at the host closing.
      expect(printedAtClose).toBeLessThan(40);
      // The next start prints the rest, once each.
      const again = openHost(path, clock);
      try {
        again.start();
        const until = Date.now() + 30_000;
        while (new Set(emulator.decodePrinted().lines.filter((l) => /POS-Q-\d+/.test(l))).size < 40) {
          if (Date.now() > until) throw new Error('the next start did not print the rest');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await again.close();
      }
      const txnLines = emulator.decodePrinted().lines.filter((l) => /POS-Q-\d+/.test(l));
      expect(new Set(txnLines.map((l) => /POS-Q-\d+/.exec(l)![0])).size).toBe(40);
      expect(txnLines).toHaveLength(40);
    } finally {
      await emulator.close();
    }
  }, 90_000);
});

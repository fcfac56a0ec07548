/**
 * The Electron carrier (src/terminal/hosts/electron/): the terminal host as the utility process
 * runs it, with a real TerminalHost on a real SQLite file. First over an in-memory parent port
 * (what main would send, what the host posts back), then as a real child process started by
 * `child_process.fork`, whose Node IPC channel stands in for Electron's parent port.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, pushedEventSchema, replySchema } from '../../src/contract/messages.js';
import { fromHostSchema, HOST_DB_ENV, type FromHost } from '../../src/terminal/hosts/electron/port-protocol.js';
import { runUtilityHost } from '../../src/terminal/hosts/electron/utility-host.js';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { dumpLedger } from '../support/host-client.js';
import { counterIds, newLedger, REPO, tempDir, testClock } from '../support/ledger-fixture.js';
import { memoryPort, type MainEnd } from '../support/memory-port.js';

const { dir, cleanup } = tempDir('tally-electron-carrier-');
afterAll(cleanup);

const START = '2026-03-02T03:00:00Z';
const PROGRAMS = join(REPO, 'resources', 'programs');
const CARD = '2900000000018';
const basket = (amount: number) => ({ currency: 'KRW', lines: [{ sku: 'AMOUNT', quantity: 1, unitPrice: amount }] });

let n = 0;
function ledgerFile(): string {
  n += 1;
  const path = join(dir, `lane-${n}.sqlite`);
  const { ledger, service } = newLedger(path, 'classic-krw', testClock(START));
  service.enrol({ cards: [CARD], name: 'Kim Minji' });
  ledger.close();
  return path;
}

/** A host over an in-memory port, started; resolves once it said `ready`. */
async function startHost(path: string, log: string[] = []): Promise<{ main: MainEnd; exited: Promise<number> }> {
  const { port, main } = memoryPort();
  const clock = testClock(START);
  const exited = runUtilityHost(port, { db: path, log: (line) => log.push(line), programsDir: PROGRAMS, host: { clock: clock.read, wallClock: clock.read, newId: counterIds() } });
  expect(await main.next()).toEqual({ type: 'ready', db: path, demo: true });
  return { main, exited };
}

/** Sends one contract message from window `client` and returns the parsed reply the host sent back to it. */
async function ask(main: MainEnd, client: number, message: unknown): Promise<{ id: unknown; reply: unknown }> {
  main.send({ type: 'request', client, text: typeof message === 'string' ? message : JSON.stringify(message) });
  const answer = await main.until((m) => m.type === 'reply');
  if (answer.type !== 'reply') throw new Error('unreachable');
  expect(answer.client).toBe(client);
  const reply = replySchema.parse(JSON.parse(answer.text));
  // The envelope's id and kind are the reply's, so main settles a request without parsing the text.
  expect(answer.id).toEqual(reply.id);
  expect(answer.ok).toBe(reply.type === 'reply');
  return { id: answer.id, reply };
}

describe('the utility-process host over its parent port', () => {
  it('says ready, serves the contract, and replays a retried checkout', async () => {
    const path = ledgerFile();
    const { main, exited } = await startHost(path);
    const lookup = await ask(main, 7, { id: 'a', name: 'member-lookup', args: { card: CARD } });
    expect(lookup.reply).toMatchObject({ type: 'reply', id: 'a', result: { name: 'Kim Minji', balance: expect.any(Number) } });
    const checkout = await ask(main, 7, { id: 2, name: 'checkout-commit', args: { card: CARD, txnId: 'POS-1', basket: basket(45_000) } });
    expect(checkout.reply).toMatchObject({ type: 'reply', id: 2, result: { replayed: false } });
    const again = await ask(main, 7, { id: 3, name: 'checkout-commit', args: { card: CARD, txnId: 'POS-1', basket: basket(45_000) } });
    expect(again.reply).toMatchObject({ type: 'reply', id: 3, result: { replayed: true } });
    const after = await ask(main, 7, { id: 'b', name: 'member-lookup', args: { card: CARD } });
    const before = (lookup.reply as { result: { balance: number } }).result.balance;
    expect((after.reply as { result: { balance: number } }).result.balance).toBeGreaterThan(before);

    main.send({ type: 'close', reason: 'test over' });
    expect(await exited).toBe(0);
  });

  it('refuses what the WebSocket carrier refuses, with the same codes, and changes nothing', async () => {
    const path = ledgerFile();
    const { main, exited } = await startHost(path);
    // A second, read-only connection beside the host's (WAL): every table, before and after.
    const before = dumpLedger(path);
    const cases: [string, string, unknown][] = [
      ['not json', 'malformed', null],
      [JSON.stringify({ id: 5, name: 'verify' }), 'malformed', 5],
      [JSON.stringify([1, 2]), 'malformed', null],
      [JSON.stringify({ id: 6, name: 'drop-tables', args: {} }), 'unknown-method', 6],
      [JSON.stringify({ id: 7, name: 'checkout-commit', args: { card: CARD, txnId: 'POS-9', basket: basket(-5) } }), 'invalid-input', 7],
      [JSON.stringify({ id: 8, name: 'verify', args: {}, pad: 'x'.repeat(MAX_MESSAGE_BYTES) }), 'too-large', null],
    ];
    for (const [text, code, id] of cases) {
      const { reply } = await ask(main, 1, text);
      expect(reply, text.slice(0, 60)).toMatchObject({ type: 'error', id, error: { code } });
    }
    expect(dumpLedger(path)).toBe(before);
    main.send({ type: 'close', reason: 'test over' });
    expect(await exited).toBe(0);
  });

  it("keeps each window's replies in order and sends each reply to the window that asked", async () => {
    const { main, exited } = await startHost(ledgerFile());
    // Window 1: a slow command, then a refusal that is ready at once. Window 2: a look-up.
    main.send({ type: 'request', client: 1, text: JSON.stringify({ id: 'slow', name: 'verify', args: {} }) });
    main.send({ type: 'request', client: 1, text: 'not json' });
    main.send({ type: 'request', client: 2, text: JSON.stringify({ id: 'other', name: 'member-lookup', args: { card: CARD } }) });
    const replies: FromHost[] = [];
    while (replies.length < 3) replies.push(await main.next());
    const byClient = (client: number) => replies.filter((r) => r.type === 'reply' && r.client === client).map((r) => (r.type === 'reply' ? r.id : undefined));
    expect(byClient(1)).toEqual(['slow', null]);
    expect(byClient(2)).toEqual(['other']);
    main.send({ type: 'close', reason: 'test over' });
    expect(await exited).toBe(0);
  });

  it('ignores (and logs) a message that is not in the port protocol', async () => {
    const log: string[] = [];
    const { main, exited } = await startHost(ledgerFile(), log);
    for (const bad of ['just text', { type: 'request', client: -1, text: '{}' }, { type: 'request', client: 1, text: 5 }, { type: 'shutdown' }, null]) main.send(bad);
    const { reply } = await ask(main, 3, { id: 1, name: 'verify', args: {} });
    expect(reply).toMatchObject({ type: 'reply', id: 1, result: { ok: true } });
    expect(log.filter((line) => line.includes('not in the port protocol'))).toHaveLength(5);
    main.send({ type: 'close', reason: 'test over' });
    expect(await exited).toBe(0);
  });

  it('pushes host-closing to the windows, then checkpoints and closes the ledger, when main asks', async () => {
    const path = ledgerFile();
    const { main, exited } = await startHost(path);
    await ask(main, 1, { id: 1, name: 'checkout-commit', args: { card: CARD, txnId: 'POS-2', basket: basket(10_000) } });
    main.send({ type: 'close', reason: 'the cashier closed the app' });
    const push = await main.until((m) => m.type === 'push');
    if (push.type !== 'push') throw new Error('unreachable');
    expect(pushedEventSchema.parse(JSON.parse(push.text))).toEqual({ type: 'push', name: 'host-closing', data: { reason: 'the cashier closed the app' } });
    expect(await exited).toBe(0);
    // TRUNCATE checkpoint: everything is in the main file, and another process opens it at once.
    expect(statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
    const reopened = Ledger.open(path, { check: 'full' });
    expect(reopened.db.prepare('SELECT count(*) AS n FROM transactions').get()).toMatchObject({ n: expect.any(Number) });
    reopened.close();
  });

  it('closes cleanly when main goes away', async () => {
    const path = ledgerFile();
    const { main, exited } = await startHost(path);
    main.disconnect();
    expect(await exited).toBe(0);
    expect(statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
  });

  it('with no ledger yet serves the setup screen, then the terminal on the same port once setup made it', async () => {
    const folder = join(dir, 'first-start');
    const path = join(folder, 'tally.sqlite');
    const { port, main } = memoryPort();
    const log: string[] = [];
    const exited = runUtilityHost(port, { db: path, log: (line) => log.push(line), programsDir: PROGRAMS });
    expect(await main.next()).toEqual({ type: 'ready', db: path, demo: false, setup: true });
    const status = await ask(main, 1, { id: 1, name: 'setup-status', args: {} });
    expect(status.reply).toMatchObject({ type: 'reply', result: { configured: false } });
    expect((status.reply as { result: { examplePrograms: { id: string }[] } }).result.examplePrograms.map((p) => p.id)).toContain('classic-krw');
    expect((await ask(main, 1, { id: 2, name: 'member-lookup', args: { card: CARD } })).reply).toMatchObject({ type: 'error', error: { code: 'not-initialised' } });
    const weak = { mode: 'demo', program: 'classic-krw', storeId: 'DEMO-1', terminalId: 'LANE-1', manager: { managerId: 'M-PARK', name: 'Park Jiwoo', pin: '1234' } };
    expect((await ask(main, 1, { id: 3, name: 'setup-create', args: weak })).reply).toMatchObject({ type: 'error', error: { code: 'invalid-input' } });
    expect(existsSync(path)).toBe(false);

    main.send({ type: 'request', client: 1, text: JSON.stringify({ id: 4, name: 'setup-create', args: { ...weak, manager: { ...weak.manager, pin: '4827' } } }) });
    const pushed = await main.until((m) => m.type === 'push');
    expect(pushed.type === 'push' ? JSON.parse(pushed.text) : null).toEqual({ type: 'push', name: 'host-ready', data: { terminalId: 'LANE-1' } });
    const created = await main.until((m) => m.type === 'reply');
    expect(created.type === 'reply' ? JSON.parse(created.text) : null).toMatchObject({ type: 'reply', id: 4, result: { terminalId: 'LANE-1', demo: true, managerId: 'M-PARK' } });
    // Another window, no restart: the terminal's own methods answer now, and setup is over.
    expect((await ask(main, 2, { id: 5, name: 'member-lookup', args: { card: CARD } })).reply).toMatchObject({ type: 'reply', result: { name: 'Kim Minji' } });
    expect((await ask(main, 2, { id: 6, name: 'setup-create', args: weak })).reply).toMatchObject({ type: 'error', error: { code: 'already-initialised' } });

    main.send({ type: 'close', reason: 'test over' });
    expect(await exited).toBe(0);
    expect(log.join('\n')).toContain('terminal LANE-1 set up');
    expect(statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
    const reopened = Ledger.open(path, { readonly: true });
    expect(reopened.terminal.terminalId).toBe('LANE-1');
    reopened.close();
  });

  it('with no ledger yet and closed before setup, creates nothing and exits 0', async () => {
    const path = join(dir, 'never-set-up.sqlite');
    const { port, main } = memoryPort();
    const exited = runUtilityHost(port, { db: path, log: () => undefined, programsDir: PROGRAMS });
    expect(await main.next()).toMatchObject({ type: 'ready', setup: true });
    main.send({ type: 'close', reason: 'the app is closing' });
    expect(await exited).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  it('says failed (invalid-input) when started without a database path', async () => {
    const { port, main } = memoryPort();
    const exited = runUtilityHost(port, { db: undefined, log: () => undefined, programsDir: PROGRAMS });
    expect(await main.next()).toMatchObject({ type: 'failed', code: 'invalid-input' });
    main.disconnect();
    expect(await exited).toBe(1);
  });
});

describe('the utility entry as a real child process (child_process.fork, Node IPC for the parent port)', () => {
  const entry = join(REPO, 'dist', 'src', 'terminal', 'hosts', 'electron', 'utility-entry.js');

  function start(path: string): { child: ChildProcess; messages: FromHost[]; next: () => Promise<FromHost>; exit: Promise<number | null>; stderr: () => string } {
    const child = fork(entry, [], { env: { ...process.env, [HOST_DB_ENV]: path }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const messages: FromHost[] = [];
    const waiting: ((m: FromHost) => void)[] = [];
    child.on('message', (raw) => {
      const message = fromHostSchema.parse(raw);
      const waiter = waiting.shift();
      if (waiter) waiter(message);
      else messages.push(message);
    });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const next = () => {
      const ready = messages.shift();
      return ready ? Promise.resolve(ready) : new Promise<FromHost>((resolve) => waiting.push(resolve));
    };
    return { child, messages, next, exit, stderr: () => stderr };
  }

  it('is built (npm run build)', () => {
    expect(existsSync(entry)).toBe(true);
  });

  it('serves a request from a real parent, then exits 0 when asked to close', async () => {
    const path = ledgerFile();
    const host = start(path);
    expect(await host.next()).toEqual({ type: 'ready', db: path, demo: true });
    host.child.send({ type: 'request', client: 4, text: JSON.stringify({ id: 'r1', name: 'member-lookup', args: { card: CARD } }) });
    const reply = await host.next();
    expect(reply).toMatchObject({ type: 'reply', client: 4, id: 'r1' });
    expect(JSON.parse(reply.type === 'reply' ? reply.text : '{}')).toMatchObject({ type: 'reply', id: 'r1', result: { name: 'Kim Minji' } });
    host.child.send({ type: 'close', reason: 'test over' });
    expect(await host.exit).toBe(0);
    expect(statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
  });

  it('closes the ledger and exits 0 when its parent disconnects', async () => {
    const path = ledgerFile();
    const host = start(path);
    expect(await host.next()).toMatchObject({ type: 'ready' });
    host.child.disconnect();
    expect(await host.exit).toBe(0);
    expect(statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
  });

  it('closes the ledger and exits 0 on SIGTERM (what UtilityProcess.kill sends on POSIX)', async () => {
    const path = ledgerFile();
    const host = start(path);
    expect(await host.next()).toMatchObject({ type: 'ready' });
    host.child.kill('SIGTERM');
    expect(await host.exit).toBe(0);
    expect(host.stderr()).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('with no ledger yet offers the example programs shipped beside it (the path from the built entry), and exits 0 once closed', async () => {
    const path = join(dir, 'missing-for-fork.sqlite');
    const host = start(path);
    expect(await host.next()).toMatchObject({ type: 'ready', setup: true });
    host.child.send({ type: 'request', client: 1, text: JSON.stringify({ id: 1, name: 'setup-status', args: {} }) });
    const reply = await host.next();
    const status = reply.type === 'reply' ? (JSON.parse(reply.text) as { result: { examplePrograms: { id: string }[] } }) : null;
    expect(status?.result.examplePrograms.map((p) => p.id)).toEqual(['classic-krw', 'plus-membership-charity', 'sporting-goods-usd']);
    host.child.send({ type: 'close', reason: 'the app is closing' });
    expect(await host.exit).toBe(0);
    expect(existsSync(path)).toBe(false);
  });
});

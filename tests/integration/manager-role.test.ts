/**
 * The manager role at the terminal host: managers with a scrypt PIN (ledger migration 0014), five
 * wrong PINs lock one (and a restart gives no fresh tries), a session token in the envelope instead
 * of the PIN, corrections refused without a session once the terminal has a manager, and the
 * manager's id on the entry they authorised. Through the handler map over a real ledger, and over
 * the WebSocket carrier with a real client.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TerminalFigures } from '../../src/contract/figures.js';
import type { Reply } from '../../src/contract/messages.js';
import { TerminalHost } from '../../src/terminal/hosts/app.js';
import { MANAGER_IDLE_MS } from '../../src/terminal/hosts/manager-sessions.js';
import { WebSocketHost } from '../../src/terminal/hosts/websocket/server.js';
import { connect, dumpLedger } from '../support/host-client.js';
import { CLI_ENV, newLedger, REPO, stripNotices, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-managers-');
afterAll(cleanup);

const START = '2026-03-02T03:00:00Z';
const CARD = '2900000000018';

let n = 0;
function ledgerFile(): { path: string; clock: ReturnType<typeof testClock> } {
  n += 1;
  const path = join(dir, `lane-${n}.sqlite`);
  const clock = testClock(START);
  const { ledger, service } = newLedger(path, 'classic-krw', clock);
  service.enrol({ cards: [CARD], name: 'Kim Minji' });
  ledger.close();
  return { path, clock };
}

function result(reply: Reply): Record<string, unknown> {
  if (reply.type !== 'reply') throw new Error(`expected a reply, got ${JSON.stringify(reply)}`);
  return reply.result as Record<string, unknown>;
}

describe('managers through the handler map', () => {
  let host: TerminalHost;
  let path: string;
  let clock: ReturnType<typeof testClock>;
  let seq = 0;
  const call = (name: string, args: unknown, session?: string) => host.handlers.handle({ id: ++seq, name, args, ...(session !== undefined ? { session } : {}) });
  const open = () => TerminalHost.open({ db: path, clock: clock.read, wallClock: clock.read, log: () => undefined });

  beforeEach(() => {
    ({ path, clock } = ledgerFile());
    host = open();
  });
  afterEach(() => host.close());

  it('before the first manager anyone may correct; the first manager needs no session, the second needs one', async () => {
    expect(result(await call('manager-status', {}))).toEqual({ managers: 0, manager: null });
    expect(await call('adjust', { card: CARD, points: 100, reason: 'goodwill', txnId: 'ADJ-1' })).toMatchObject({ type: 'reply' });
    expect(result(await call('manager-add', { managerId: 'M-PARK', name: 'Park Jisoo', pin: '402913' }))).toMatchObject({ manager: { id: 'M-PARK', createdBy: null, locked: false } });
    expect(await call('manager-add', { managerId: 'M-LEE', name: 'Lee', pin: '550721' })).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
    const login = result(await call('manager-login', { managerId: 'M-PARK', pin: '402913' }));
    expect(login).toMatchObject({ manager: { id: 'M-PARK', name: 'Park Jisoo' } });
    const session = login['session'] as string;
    expect(result(await call('manager-add', { managerId: 'M-LEE', name: 'Lee', pin: '550721' }, session))).toMatchObject({ manager: { id: 'M-LEE', createdBy: 'M-PARK' } });
    expect(result(await call('manager-status', {}, session))).toEqual({ managers: 2, manager: { id: 'M-PARK', name: 'Park Jisoo' } });
    // A weak PIN is refused with the reason.
    expect(await call('manager-add', { managerId: 'M-KIM', name: 'Kim', pin: '1234' }, session)).toMatchObject({ type: 'error', error: { code: 'invalid-input', message: expect.stringContaining('run of digits') } });
  });

  it('a correction needs a session once there is a manager, and carries the manager id on its transaction', async () => {
    await call('manager-add', { managerId: 'M-PARK', name: 'Park', pin: '402913' });
    const before = dumpLedger(path);
    expect(await call('adjust', { card: CARD, points: 100, reason: 'goodwill', txnId: 'ADJ-1' })).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
    expect(await call('adjust', { card: CARD, points: 100, reason: 'goodwill', txnId: 'ADJ-1' }, 'A'.repeat(43))).toMatchObject({ type: 'error', error: { code: 'manager-required', details: { sessionEnded: true } } });
    expect(dumpLedger(path)).toBe(before);
    const session = result(await call('manager-login', { managerId: 'M-PARK', pin: '402913' }))['session'] as string;
    // Whatever name the page puts in `cashier`, the entry names the manager of the session.
    expect(result(await call('adjust', { card: CARD, points: 100, reason: 'goodwill', txnId: 'ADJ-1', cashier: 'someone else' }, session))).toMatchObject({ points: 100 });
    const cashier = host.ledger.db.prepare(`SELECT cashier FROM transactions WHERE txn_id = 'ADJ-1'`).pluck().get();
    expect(cashier).toBe('manager:M-PARK');
    // Cashier work needs no session and is not refused for carrying one.
    expect(await call('member-lookup', { card: CARD }, session)).toMatchObject({ type: 'reply' });
  });

  it('five wrong PINs lock a manager, also across a restart; another manager sets a new PIN and unlocks', async () => {
    await call('manager-add', { managerId: 'M-PARK', name: 'Park', pin: '402913' });
    const lee = result(await call('manager-login', { managerId: 'M-PARK', pin: '402913' }))['session'] as string;
    await call('manager-add', { managerId: 'M-LEE', name: 'Lee', pin: '550721' }, lee);
    await call('manager-logout', {}, lee);
    for (let i = 1; i <= 3; i++) {
      expect(await call('manager-login', { managerId: 'M-LEE', pin: '999000' })).toMatchObject({ type: 'error', error: { code: 'proof-refused', details: { triesLeft: 5 - i, locked: false } } });
    }
    await host.close();
    host = open();
    expect(await call('manager-login', { managerId: 'M-LEE', pin: '999000' })).toMatchObject({ type: 'error', error: { details: { triesLeft: 1 } } });
    expect(await call('manager-login', { managerId: 'M-LEE', pin: '999000' })).toMatchObject({ type: 'error', error: { message: expect.stringContaining('now locked'), details: { triesLeft: 0, locked: true } } });
    // Locked: even the right PIN is refused now.
    expect(await call('manager-login', { managerId: 'M-LEE', pin: '550721' })).toMatchObject({ type: 'error', error: { code: 'proof-refused', details: { locked: true } } });
    const park = result(await call('manager-login', { managerId: 'M-PARK', pin: '402913' }))['session'] as string;
    expect(result(await call('manager-set-pin', { managerId: 'M-LEE', pin: '730418' }, park))).toMatchObject({ manager: { id: 'M-LEE', locked: false, pinFailures: 0 } });
    expect(await call('manager-login', { managerId: 'M-LEE', pin: '730418' })).toMatchObject({ type: 'reply' });
    // The PIN is only a hash in the file.
    const hash = host.ledger.db.prepare(`SELECT pin_hash FROM managers WHERE id = 'M-LEE'`).pluck().get() as string;
    expect(hash).toMatch(/^scrypt\$/);
    expect(hash).not.toContain('730418');
  });

  it('a session ends after five idle minutes, at logout, and when the PIN changes; the last manager cannot be retired', async () => {
    await call('manager-add', { managerId: 'M-PARK', name: 'Park', pin: '402913' });
    const login = async () => result(await call('manager-login', { managerId: 'M-PARK', pin: '402913' }))['session'] as string;
    let session = await login();
    clock.now += MANAGER_IDLE_MS - 1000;
    expect(await call('manager-list', {}, session)).toMatchObject({ type: 'reply' });
    clock.now += MANAGER_IDLE_MS - 1000;
    expect(await call('manager-list', {}, session)).toMatchObject({ type: 'reply' });
    clock.now += MANAGER_IDLE_MS;
    expect(await call('manager-list', {}, session)).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
    session = await login();
    expect(result(await call('manager-logout', {}, session))).toEqual({ loggedOut: true });
    expect(await call('manager-list', {}, session)).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
    session = await login();
    // Your own PIN: only with the current one.
    expect(await call('manager-set-pin', { managerId: 'M-PARK', pin: '618302' }, session)).toMatchObject({ type: 'error', error: { code: 'proof-refused' } });
    expect(await call('manager-set-pin', { managerId: 'M-PARK', pin: '618302', currentPin: '402913' }, session)).toMatchObject({ type: 'reply' });
    expect(await call('manager-list', {}, session)).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
    session = result(await call('manager-login', { managerId: 'M-PARK', pin: '618302' }))['session'] as string;
    expect(await call('manager-remove', { managerId: 'M-PARK' }, session)).toMatchObject({ type: 'error', error: { code: 'invalid-input', message: expect.stringContaining('last manager') } });
  });
});

describe('managers over the WebSocket carrier', () => {
  it('the session travels in the envelope; a malformed session field is refused as malformed and changes nothing', async () => {
    const { path, clock } = ledgerFile();
    const host = TerminalHost.open({ db: path, clock: clock.read, wallClock: clock.read, log: () => undefined });
    const socket = await WebSocketHost.start(host.handlers, { log: () => undefined });
    host.attach(socket);
    const client = await connect(socket.url);
    try {
      client.send({ id: 1, name: 'manager-add', args: { managerId: 'M-PARK', name: 'Park', pin: '402913' } });
      expect(await client.next()).toMatchObject({ type: 'reply', id: 1 });
      client.send({ id: 2, name: 'manager-login', args: { managerId: 'M-PARK', pin: '402913' } });
      const login = (await client.next()) as { result: { session: string } };
      const before = dumpLedger(path);
      client.send({ id: 3, name: 'adjust', args: { card: CARD, points: 5, reason: 'goodwill', txnId: 'ADJ-9' }, session: 42 });
      expect(await client.next()).toMatchObject({ type: 'error', id: 3, error: { code: 'malformed' } });
      client.send({ id: 4, name: 'adjust', args: { card: CARD, points: 5, reason: 'goodwill', txnId: 'ADJ-9' } });
      expect(await client.next()).toMatchObject({ type: 'error', id: 4, error: { code: 'manager-required' } });
      expect(dumpLedger(path)).toBe(before);
      client.send({ id: 5, name: 'adjust', args: { card: CARD, points: 5, reason: 'goodwill', txnId: 'ADJ-9' }, session: login.result.session });
      expect(await client.next()).toMatchObject({ type: 'reply', id: 5, result: { points: 5 } });
    } finally {
      client.close();
      await host.close();
    }
  });
});

describe('tally manager and tally adjust (the CLI through the same handler map)', () => {
  it('adds managers, refuses a correction without one, books it with --manager and a PIN on stdin, and resets a locked manager at the machine', () => {
    const { path } = ledgerFile();
    const tally = (args: string[], input = '') => {
      const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', path, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV, input });
      return { status: run.status, stdout: run.stdout, stderr: stripNotices(run.stderr) };
    };
    expect(tally(['manager', 'list'])).toMatchObject({ status: 0, stdout: expect.stringContaining('No managers yet') });
    expect(tally(['manager', 'add', '--id', 'M-PARK', '--name', 'Park Jisoo'], '402913\n')).toMatchObject({ status: 0, stdout: expect.stringContaining('Manager added: M-PARK') });
    const refused = tally(['adjust', '--card', CARD, '--points', '50', '--reason', 'goodwill', '--id', 'ADJ-1']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('A manager must approve this');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const booked = tally(['adjust', '--card', CARD, '--points', '50', '--reason', 'goodwill', '--id', 'ADJ-1', '--manager', 'M-PARK'], '402913\n');
    expect(booked).toMatchObject({ status: 0, stdout: expect.stringContaining('authorised by manager M-PARK') });
    expect(tally(['manager', 'add', '--id', 'M-LEE', '--name', 'Lee', '--by', 'M-PARK'], '402913\n550721\n')).toMatchObject({ status: 0 });
    for (let i = 0; i < 5; i++) expect(tally(['manager', 'list', '--by', 'M-LEE'], '999000\n').status).not.toBe(0);
    expect(tally(['manager', 'list', '--by', 'M-PARK'], '402913\n').stdout).toMatch(/M-LEE .*LOCKED/);
    expect(tally(['manager', 'pin', '--id', 'M-LEE', '--reset'], '730418\n')).toMatchObject({ status: 0, stdout: expect.stringContaining('reset at the machine') });
    expect(tally(['manager', 'list', '--by', 'M-LEE'], '730418\n')).toMatchObject({ status: 0, stdout: expect.not.stringContaining('LOCKED') });
    // Without --reset, another manager or the current PIN, nothing changes.
    expect(tally(['manager', 'pin', '--id', 'M-LEE'], '111000\n').status).not.toBe(0);
    expect(tally(['manager', 'list', '--by', 'M-LEE'], '730418\n').status).toBe(0);
    // A member's first PIN and an erasure, in a manager's name: their PIN first on stdin.
    expect(tally(['member', 'pin', '--card', CARD, '--manager', 'Park'], '250813\n').status).not.toBe(0);
    expect(tally(['member', 'pin', '--card', CARD, '--manager', 'M-PARK'], '402913\n250813\n')).toMatchObject({ status: 0, stdout: expect.stringContaining('PIN set') });
    expect(tally(['member', 'erase', '--card', CARD, '--reason', "member's request", '--by', 'Park']).stderr).toContain('A manager must approve this');
    expect(tally(['member', 'erase', '--card', CARD, '--reason', "member's request", '--manager', 'M-PARK'], '402913\n')).toMatchObject({ status: 0, stdout: expect.stringContaining('Erased') });
  });
});

describe('printers, the print queue and the program through the handler map', () => {
  it('a manager configures printers, cancels slips (their id recorded) and installs a program; cashiers list, test and reprint', async () => {
    const { path, clock } = ledgerFile();
    const host = TerminalHost.open({ db: path, clock: clock.read, wallClock: clock.read, log: () => undefined });
    let seq = 0;
    const call = (name: string, args: unknown, session?: string) => host.handlers.handle({ id: ++seq, name, args, ...(session !== undefined ? { session } : {}) });
    const silent = await new Promise<Server>((resolve) => {
      // Accepts and never answers: a printer that hangs.
      const server = createServer(() => undefined);
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
    try {
      await call('manager-add', { managerId: 'M-PARK', name: 'Park', pin: '402913' });
      const session = result(await call('manager-login', { managerId: 'M-PARK', pin: '402913' }))['session'] as string;
      const printer = { id: 'receipt', transport: { kind: 'tcp', host: '127.0.0.1', port: (silent.address() as AddressInfo).port, timeoutMs: 3000 }, profileId: 'epson-tm-80-42', language: 'ko' };
      expect(await call('printer-save', printer)).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
      expect(await call('printer-save', { ...printer, profileId: 'no-such-printer' }, session)).toMatchObject({ type: 'error', error: { code: 'invalid-input', message: expect.stringContaining('Unknown printer profile') } });
      expect(await call('printer-save', { ...printer, transport: { kind: 'tcp', host: '' } }, session)).toMatchObject({ type: 'error', error: { code: 'invalid-input' } });
      expect(result(await call('printer-save', printer, session))).toMatchObject({ printer: { id: 'receipt', language: 'ko', enabled: true } });
      expect(result(await call('printer-list', {}))).toMatchObject({ printers: [{ id: 'receipt' }] });

      // A status check waits on the printer, beside the queue: a lookup sent after it is answered first.
      const order: string[] = [];
      const status = call('printer-status', {}).then((r) => order.push(`status:${r.type === 'error' ? r.error.code : 'reply'}`));
      const lookup = call('member-lookup', { card: CARD }).then(() => order.push('lookup'));
      await Promise.all([status, lookup]);
      expect(order).toEqual(['lookup', 'status:invalid-input']);

      expect(result(await call('checkout-commit', { card: CARD, txnId: 'POS-1', basket: { currency: 'KRW', lines: [{ sku: 'A', quantity: 1, unitPrice: 10_000 }] } }))).toMatchObject({ replayed: false });
      const reprint = result(await call('print-reprint', { txnId: 'POS-1' }));
      expect(reprint).toMatchObject({ txnId: 'POS-1' });
      const test = result(await call('printer-test', {}));
      const queue = result(await call('print-queue', {}))['jobs'] as { id: number; kind: string; txnId: string; slip?: unknown }[];
      expect(queue.map((j) => j.kind).sort()).toEqual(['reprint', 'slip', 'test']);
      expect(queue.every((j) => j.slip === undefined)).toBe(true);
      expect(await call('print-cancel', { job: test['job'] })).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
      expect(result(await call('print-cancel', { job: test['job'] }, session))).toEqual({ id: test['job'], state: 'cancelled' });
      expect(host.ledger.db.prepare('SELECT cancelled_by FROM print_jobs WHERE id = ?').pluck().get(test['job'])).toBe('manager:M-PARK');

      const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'classic-krw.json'), 'utf8')) as { version: number };
      program.version += 1;
      const document = JSON.stringify(program);
      expect(await call('program-install', { document })).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
      expect(await call('program-install', { document: '{"not": "a program"' }, session)).toMatchObject({ type: 'error', error: { code: 'invalid-program' } });
      expect(result(await call('program-install', { document }, session))).toMatchObject({ version: program.version, previousVersion: program.version - 1 });
      expect(host.ledger.program.version).toBe(program.version);
    } finally {
      silent.close();
      await host.close();
    }
  });
});

describe('member search, erasure, PIN resets and the dashboard figures', () => {
  it('are a manager’s, record the manager, and the figures count this terminal’s own bookings per local day', async () => {
    const { path, clock } = ledgerFile();
    const host = TerminalHost.open({ db: path, clock: clock.read, wallClock: clock.read, log: () => undefined });
    let seq = 0;
    const call = (name: string, args: unknown, session?: string) => host.handlers.handle({ id: ++seq, name, args, ...(session !== undefined ? { session } : {}) });
    try {
      const sale = (txnId: string, amount: number, redeem?: number) =>
        call('checkout-commit', { card: CARD, txnId, basket: { currency: 'KRW', lines: [{ sku: 'A', quantity: 1, unitPrice: amount }] }, ...(redeem ? { redeem: { points: redeem }, proof: { pin: '250813' } } : {}) });
      result(await call('enrol', { cards: ['2900000000025'], name: 'Lee Seo-yeon', phone: '+82 10-5555-0123' }));
      // Before roles start, a first PIN is set in a manager's typed-in name.
      result(await call('member-set-pin', { card: CARD, pin: '250813', manager: 'Park' }));
      result(await sale('POS-1', 1_000_000));
      clock.advanceDays(1);
      result(await sale('POS-2', 50_000));
      const spent = result(await sale('POS-3', 20_000, 500));
      expect(spent).toMatchObject({ replayed: false });

      await call('manager-add', { managerId: 'M-PARK', name: 'Park', pin: '402913' });
      const session = result(await call('manager-login', { managerId: 'M-PARK', pin: '402913' }))['session'] as string;
      expect(await call('member-search', { query: 'Lee' })).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
      const names = async (query: string) => (result(await call('member-search', { query }, session))['members'] as { name: string }[]).map((m) => m.name);
      expect(await names('Lee')).toEqual(['Lee Seo-yeon']);
      expect(await names('0123')).toEqual(['Lee Seo-yeon']);
      expect(await names(CARD)).toEqual(['Kim Minji']);
      expect(await names('%%')).toEqual([]);
      expect(await names('12')).toEqual([]);

      const figures = result(await call('terminal-figures', { days: 3 }, session)) as unknown as TerminalFigures;
      expect(figures.days.map((d) => d.day)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
      const [, first, second] = figures.days;
      expect(first!.figures).toMatchObject({ sales: 1, salesAmount: 1_000_000, membersEnrolled: 2 });
      // Sales count what qualified: 70,000 less the 5,000 paid with 500 points.
      expect(second!.figures).toMatchObject({ sales: 2, salesAmount: 65_000, pointsRedeemed: 500 });
      const issued = figures.days.reduce((sum, d) => sum + d.figures.pointsIssued, 0);
      expect(figures.redemptionRate).toBeCloseTo(500 / issued, 10);
      const balances = host.ledger.db.prepare(`SELECT sum(balance) FROM accounts WHERE kind = 'member-points'`).pluck().get() as number;
      expect(figures.liability).toMatchObject({ points: balances, members: 2 });

      // A typed-in manager name is no proof once there are managers; a session is.
      expect(await call('member-set-pin', { card: CARD, pin: '730418', manager: 'Park' })).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
      expect(await call('member-set-pin', { card: CARD, pin: '730418' }, session)).toMatchObject({ type: 'reply' });
      const pinEvent = host.ledger.db.prepare(`SELECT detail FROM events WHERE kind = 'pin-set' ORDER BY rowid DESC LIMIT 1`).pluck().get() as string;
      expect(JSON.parse(pinEvent)).toMatchObject({ by: 'manager:M-PARK' });

      expect(await call('member-erase', { card: '2900000000025', reason: "member's request" })).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
      expect(result(await call('member-erase', { card: '2900000000025', reason: "member's request", by: 'someone' }, session))).toMatchObject({ name: null });
      const erasure = host.ledger.db.prepare(`SELECT detail FROM events WHERE kind = 'member-erased'`).pluck().get() as string;
      expect(JSON.parse(erasure)).toMatchObject({ by: 'manager:M-PARK' });
      expect(await names('Lee')).toEqual([]);
    } finally {
      await host.close();
    }
  });
});

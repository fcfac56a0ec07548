/**
 * Printing when more than one thing prints, and when the printer is not what it should be (issue 8,
 * "Printing"):
 *
 * - one printer, one owner: two workers (in one process, or `tally print run --watch` and CLI
 *   commands in others) never print the same slip twice, and neither fails on a job the other
 *   finished; a holder that died (SIGKILL), or one on another machine whose lease expired, is taken
 *   over, and the job it was printing prints again;
 * - the counter does not wait: a checkout against a hung or dead printer costs a short probe, not
 *   the printer's timeout, and says once that the receipt is kept;
 * - a web server on the printer's port is "not an ESC/POS printer", never "out of paper";
 * - the watch loop leaves no abort listener behind per poll;
 * - the slip names the sale: its POS transaction id, and what the points were earned on.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBasket } from '../../src/core/basket.js';
import { decodeEscPos } from '../../src/core/escpos/decoder.js';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { LoyaltyService } from '../../src/terminal/loyalty-service.js';
import { Printing } from '../../src/terminal/printing/printing.js';
import { TcpTransport } from '../../src/terminal/printing/transports/tcp.js';
import { PrinterError } from '../../src/terminal/printing/types.js';
import { CLI_ENV, newLedger, REPO, stripNotices, tempDir, testClock, type Clock } from '../support/ledger-fixture.js';
import { TcpPrinterEmulator } from '../support/printer-emulator.js';

const { dir, cleanup } = tempDir('tally-print-robust-');
afterAll(cleanup);

const CARD = '2900000000018';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A TCP port on loopback with nothing listening: connections are refused. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A web server, as a printer's address may turn out to be: Node's HTTP server answering bytes that
 * are not HTTP the way nginx does — a 400 with its headers and a body.
 */
async function webServer(): Promise<{ server: HttpServer; port: number }> {
  const server = createHttpServer((_request, response) => response.end('hello'));
  server.on('clientError', (_error, socket) => {
    socket.end(
      'HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nDate: Sun, 06 Dec 2026 10:00:00 GMT\r\nContent-Type: text/html\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A process that has come and gone: its pid is free (as a SIGKILLed printer owner's is). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid;
}

/** A ledger with a member and a printer, and the printing stack its commands queue slips on. */
function counter(name: string, printerPort: number, options: { clock?: Clock; leaseClock?: () => number; timeoutMs?: number } = {}) {
  const clock = options.clock ?? testClock('2026-11-24T03:00:00Z');
  const path = join(dir, `${name}.sqlite`);
  const { ledger } = newLedger(path, 'classic-krw', clock);
  const printing = new Printing(ledger, { clock: clock.read, wallClock: clock.read, retryDelay: () => 0, ...(options.leaseClock ? { leases: { clock: options.leaseClock } } : {}) });
  printing.printers.save({ id: 'receipt', transport: { kind: 'tcp', host: '127.0.0.1', port: printerPort, timeoutMs: options.timeoutMs ?? 1_500 }, profileId: 'epson-tm-80-42', language: 'en' }, clock.read());
  const service = new LoyaltyService(ledger, { clock: clock.read, wallClock: clock.read, onSlip: printing.sink });
  service.enrol({ cards: [CARD], name: 'Kim Minji' });
  const sale = (txnId: string, amount = 12_000) => service.checkout({ card: CARD, txnId, basket: service.amountBasket(amount) });
  return { path, clock, ledger, printing, service, sale };
}

const txnsOnPaper = (printed: Uint8Array): string[] => decodeEscPos(printed).lines.flatMap((l) => /POS-[A-Z0-9-]+/.exec(l) ?? []);

const leaseOf = (ledger: Ledger): { lease_owner: string | null; lease_kind: string | null; lease_holder: string | null; lease_expires_at: number | null } =>
  ledger.db.prepare(`SELECT lease_owner, lease_kind, lease_holder, lease_expires_at FROM printers WHERE id = 'receipt'`).get() as never;

describe('one printer, one owner (in one process)', () => {
  it('two workers draining the same queue at once print every slip exactly once, in order, and neither fails', async () => {
    const emulator = await TcpPrinterEmulator.start('ready');
    const a = counter('two-workers', emulator.port);
    for (let i = 1; i <= 12; i += 1) a.sale(`POS-${String(i).padStart(2, '0')}`);
    // A second connection to the same file, as a second process has.
    const other = Ledger.open(a.path);
    const b = new Printing(other, { clock: a.clock.read, retryDelay: () => 0 });
    try {
      const [ra, rb] = await Promise.all([a.printing.worker.drain(), b.worker.drain()]);
      expect(ra.printed + rb.printed).toBe(13); // the welcome slip and twelve sales
      // The one that found the printer taken left it to the other (a command's short attempt: it may wait for it, this one did not).
      expect([ra, rb].flatMap((r) => r.leftTo ?? [])).toEqual([{ printerId: 'receipt', holder: `tally (pid ${process.pid})`, kind: 'command' }]);
      expect(txnsOnPaper(emulator.printed)).toEqual(Array.from({ length: 12 }, (_, i) => `POS-${String(i + 1).padStart(2, '0')}`));
      expect(a.printing.queue.openCount()).toBe(0);
      expect(a.printing.queue.list().every((j) => j.state === 'printed' && j.attempts === 1)).toBe(true);
      // Both gave the printer back.
      expect(leaseOf(a.ledger).lease_owner).toBeNull();
    } finally {
      await b.close();
      other.close();
      await a.printing.close();
      a.ledger.close();
      await emulator.close();
    }
  });

  it('takes over at once from a holder whose process is gone, and prints again the job it was in the middle of', async () => {
    const emulator = await TcpPrinterEmulator.start('ready');
    const a = counter('dead-holder', emulator.port);
    a.sale('POS-FIRST');
    await a.printing.worker.drain();
    a.sale('POS-NEXT');
    const [cut] = a.printing.queue.list().filter((j) => j.slip.txnId === 'POS-NEXT');
    // What a watch SIGKILLed mid-slip leaves: its lease on this machine (not expired) and the job "printing".
    a.ledger.db
      .prepare(`UPDATE printers SET lease_owner = 'gone', lease_holder = 'tally print run --watch (pid 1)', lease_kind = 'service', lease_pid = ?, lease_host = ?, lease_expires_at = ? WHERE id = 'receipt'`)
      .run(deadPid(), hostname(), Date.now() + 60_000);
    a.ledger.db.prepare(`UPDATE print_jobs SET state = 'printing', attempts = 1 WHERE id = ?`).run(cut!.id);
    try {
      const outcome = await a.printing.worker.drain();
      expect(outcome).toEqual({ printed: 1, waiting: [] });
      expect(a.printing.queue.job(cut!.id)).toMatchObject({ state: 'printed', attempts: 2 });
      expect(txnsOnPaper(emulator.printed).filter((t) => t === 'POS-NEXT')).toHaveLength(1);
    } finally {
      await a.printing.close();
      a.ledger.close();
      await emulator.close();
    }
  });

  it('leaves a printer to a live holder elsewhere until its lease expires, then takes it over', async () => {
    const emulator = await TcpPrinterEmulator.start('ready');
    let leaseNow = Date.now();
    const a = counter('other-host', emulator.port, { leaseClock: () => leaseNow });
    a.sale('POS-ELSEWHERE');
    // A host on another till holding the printer (its pid cannot be checked from here): only its expiry frees it.
    a.ledger.db
      .prepare(`UPDATE printers SET lease_owner = 'far', lease_holder = 'tally print run --watch (pid 77)', lease_kind = 'service', lease_pid = 77, lease_host = 'till-9', lease_expires_at = ? WHERE id = 'receipt'`)
      .run(leaseNow + 10_000);
    try {
      expect(await a.printing.worker.drain()).toEqual({ printed: 0, waiting: [], leftTo: [{ printerId: 'receipt', holder: 'tally print run --watch (pid 77)', kind: 'service' }] });
      expect(emulator.receivedCount).toBe(0);
      leaseNow += 10_001;
      expect(await a.printing.worker.drain()).toEqual({ printed: 2, waiting: [] });
      expect(leaseOf(a.ledger).lease_owner).toBeNull();
    } finally {
      await a.printing.close();
      a.ledger.close();
      await emulator.close();
    }
  });
});

describe('the watch loop (PrintWorker.run)', () => {
  it('adds no abort listener per poll', async () => {
    const emulator = await TcpPrinterEmulator.start('paper-out');
    const a = counter('watch-listeners', emulator.port);
    const controller = new AbortController();
    // The welcome slip waits on paper: with no backoff, the loop polls the printer every 10 ms or so.
    const running = a.printing.worker.run(controller.signal);
    try {
      await until('many polls', () => emulator.statusRequests.length >= 4 * 40);
      // Each poll's sleep removes its listener: at most the current one remains (it was one more per poll).
      expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
    } finally {
      controller.abort();
      await running;
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await a.printing.close();
    a.ledger.close();
    await emulator.close();
  });

  it('holds its printers with a heartbeat while it runs, so commands leave them to it, and gives them back when stopped', async () => {
    const emulator = await TcpPrinterEmulator.start('paper-out');
    const a = counter('watch-lease', emulator.port);
    const connection = Ledger.open(a.path);
    const watch = new Printing(connection, { clock: a.clock.read, retryDelay: () => 0, renewEveryMs: 50 });
    const controller = new AbortController();
    const running = watch.worker.run(controller.signal, { pollMs: 100 });
    try {
      await until('the watch to take the printer', () => leaseOf(a.ledger).lease_kind === 'service');
      const first = leaseOf(a.ledger);
      expect(first.lease_holder).toBe(`tally (pid ${process.pid})`);
      await until('a heartbeat', () => leaseOf(a.ledger).lease_expires_at! > first.lease_expires_at!);
      expect(leaseOf(a.ledger).lease_owner).toBe(first.lease_owner);
      // A command meanwhile leaves the printer to the watch, at once, even when it may wait for a command.
      const started = Date.now();
      const command = await a.printing.worker.drain({ waitForCommandMs: 5_000, probeMs: 500 });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(command).toEqual({ printed: 0, waiting: [], leftTo: [{ printerId: 'receipt', holder: `tally (pid ${process.pid})`, kind: 'service' }] });
    } finally {
      controller.abort();
      await running;
      await watch.close();
      connection.close();
    }
    expect(leaseOf(a.ledger).lease_owner).toBeNull();
    await a.printing.close();
    a.ledger.close();
    await emulator.close();
  });
});

describe('a device that is not an ESC/POS printer', () => {
  it('a web server on the printer port is reported as such, never as a printer out of paper', async () => {
    const { server, port } = await webServer();
    const transport = new TcpTransport({ host: '127.0.0.1', port, timeoutMs: 2_000 });
    try {
      const error = await transport.status().then(
        (status) => status,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PrinterError);
      expect((error as PrinterError).code).toBe('not-escpos');
      expect((error as PrinterError).message).toMatch(/^TCP printer 127\.0\.0\.1:\d+: this device does not answer like an ESC\/POS printer \(it answered "HTTP\/1\.1 400 Bad Request…"\) — check the printer's address, port or baud rate$/);
      // The queue keeps the slip with that reason.
      const a = counter('web-server', port);
      try {
        const outcome = await a.printing.worker.drain();
        expect(outcome.printed).toBe(0);
        expect(outcome.waiting).toHaveLength(1);
        expect(outcome.waiting[0]!.reason).toMatch(/does not answer like an ESC\/POS printer/);
        expect(outcome.waiting[0]!.reason).not.toMatch(/paper/i);
      } finally {
        await a.printing.close();
        a.ledger.close();
      }
    } finally {
      await transport.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the slip names the sale', () => {
  it('prints the POS transaction id and the eligible spend the points were earned on; a return names its sale', async () => {
    const emulator = await TcpPrinterEmulator.start('ready');
    const clock = testClock('2026-11-24T03:00:00Z');
    const { ledger } = newLedger(join(dir, 'sale.sqlite'), 'sporting-goods-usd', clock, { timeZone: 'America/New_York' });
    const printing = new Printing(ledger, { clock: clock.read, wallClock: clock.read, retryDelay: () => 0 });
    printing.printers.save({ id: 'receipt', transport: { kind: 'tcp', host: '127.0.0.1', port: emulator.port, timeoutMs: 1_500 }, profileId: 'epson-tm-80-42', language: 'en' }, clock.read());
    const service = new LoyaltyService(ledger, { clock: clock.read, wallClock: clock.read, onSlip: printing.sink });
    try {
      service.enrol({ cards: [CARD], name: 'Jordan Avery' });
      // $175.25 with tax; the $50 gift card earns nothing and tax is left out: $115.97 earns.
      const basket = parseBasket(JSON.parse(readFileSync(join(REPO, 'resources', 'samples', 'basket-usd.json'), 'utf8')) as unknown, 'basket-usd.json');
      expect(service.quote({ card: CARD, basket }).eligibleSpend).toBe(11_597);
      const r = service.checkout({ card: CARD, txnId: 'POS-USD-7', basket });
      expect(r.amountDue).toBe(17_525);
      await printing.worker.drain();
      const lines = decodeEscPos(emulator.printed).lines.map((l) => l.trim());
      // The transaction once (the date row), the amount under the points.
      expect(lines.filter((l) => l.includes('POS-USD-7'))).toEqual([expect.stringMatching(/^2026-11-23 22:00 +POS-USD-7$/)]);
      const earned = lines.findIndex((l) => /^Points earned +\+\d+$/.test(l));
      expect(earned, lines.join('\n')).toBeGreaterThan(0);
      expect(lines[earned + 1]).toBe('Earned on $115.97');
      expect(printing.queue.latestForTransaction(ledger.findTransaction('checkout', 'POS-USD-7')!.id)!.slip.earnedOn).toBe(11_597);
      service.returnSale({ originalTxnId: 'POS-USD-7', returnId: 'RET-1', all: true });
      await printing.worker.drain();
      const after = decodeEscPos(emulator.printed).lines.map((l) => l.trim());
      expect(after.some((l) => /^Return of sale +POS-USD-7$/.test(l)), after.join('\n')).toBe(true);
    } finally {
      await printing.close();
      ledger.close();
      await emulator.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The real CLI, in processes of its own (compiled: run `npx tsc -b` first)

describe('the counter and the watch, as separate processes', () => {
  const db = join(dir, 'lane.sqlite');
  const NOW = '2026-11-24T03:00:00Z';
  let emulator: TcpPrinterEmulator;
  let txn = 0;

  function tally(args: string[], options: { now?: boolean } = {}): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
    const started = Date.now();
    const now = options.now === false ? [] : ['--now', NOW];
    return new Promise((resolve) => {
      execFile(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, ...now, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV }, (error, stdout, stderr) => {
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr: stripNotices(stderr), ms: Date.now() - started });
      });
    });
  }

  const checkout = (): Promise<{ status: number | null; stdout: string; stderr: string; ms: number; txn: string }> => {
    txn += 1;
    const id = `POS-C${txn}`;
    return tally(['checkout', '--card', CARD, '--amount', '5000', '--txn', id]).then((r) => ({ ...r, txn: id }));
  };

  /** The printer's lease as the ledger has it (another process's view). */
  function lease(): { kind: string | null; holder: string | null } {
    const sqlite = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return sqlite.prepare(`SELECT lease_kind AS kind, lease_holder AS holder FROM printers WHERE id = 'receipt'`).get() as { kind: string | null; holder: string | null };
    } finally {
      sqlite.close();
    }
  }

  /** `tally print run --watch`, on the real clock (it books nothing). */
  function watch(): { child: ChildProcess; stderr: () => string; rawStderr: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, 'print', 'run', '--watch'], { cwd: dir, env: CLI_ENV });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, stderr: () => stripNotices(stderr), rawStderr: () => stderr, exited };
  }

  const setPrinter = async (port: number, extra: string[] = []): Promise<void> => {
    const r = await tally(['printer', 'add', '--id', 'receipt', '--tcp', `127.0.0.1:${port}`, '--profile', 'epson-tm-80-42', '--slip-lang', 'en', ...extra]);
    expect(r.status, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    emulator = await TcpPrinterEmulator.start('ready');
    expect((await tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'S1', '--terminal', 'T1'])).status).toBe(0);
    expect((await tally(['member', 'add', '--card', CARD, '--name', 'Kim Minji'])).status).toBe(0);
    // Each test starts from this printer (and sets another one back to it).
    await setPrinter(emulator.port);
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('a checkout against a hung printer takes a short probe, not the printer timeout, and says once that the receipt is kept', async () => {
    // What a checkout costs with no printer at all, on this machine now.
    await setPrinter(emulator.port);
    expect((await tally(['printer', 'disable', '--id', 'receipt'])).status).toBe(0);
    const baseline = Math.min((await checkout()).ms, (await checkout()).ms);
    expect((await tally(['printer', 'enable', '--id', 'receipt'])).status).toBe(0);
    // The printer's own timeout is the default 5 s; it accepts the connection and never answers.
    emulator.hang(true);
    const hung = await checkout().finally(() => emulator.hang(false));
    expect(hung.status).toBe(0);
    const lines = hung.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Checkout ${hung.txn}`);
    expect(lines.at(-1)).toMatch(/^Receipt kept for printer receipt: TCP printer 127\.0\.0\.1:\d+: no status answer within 500 ms .*; it prints when the printer is ready \(tally print run\)$/);
    expect(hung.ms - baseline, `hung ${hung.ms} ms, baseline ${baseline} ms`).toBeLessThan(1_500);
    // A port with nothing listening.
    await setPrinter(await deadPort());
    const dead = await checkout();
    expect(dead.stdout.trim().split('\n').at(-1)).toMatch(/^Receipt kept for printer receipt: TCP printer 127\.0\.0\.1:\d+: connection refused .*; it prints when the printer is ready \(tally print run\)$/);
    expect(dead.ms - baseline).toBeLessThan(1_500);
    // Nothing was lost: back on the real printer (the next command prints them), each prints once.
    const before = emulator.printed.length;
    await setPrinter(emulator.port);
    await tally(['print', 'run']);
    expect(txnsOnPaper(emulator.printed.subarray(before))).toEqual([hung.txn, dead.txn]);
  });

  it('says what to do about paper once, and that the receipt is kept once', async () => {
    emulator.setState('paper-out');
    try {
      const r = await checkout();
      expect(r.stdout.trim().split('\n').at(-1)).toBe('Receipt kept for printer receipt: Printer out of paper — load paper; it prints when the printer is ready (tally print run)');
      expect(r.stdout.match(/prints when/g)).toHaveLength(1);
      expect(r.stdout.match(/kept/g)).toHaveLength(1);
    } finally {
      emulator.setState('ready');
    }
    expect((await tally(['print', 'run'])).stdout).toContain('Printed 1 slip');
  });

  it('with print run --watch running, checkouts leave their slips to it: each prints exactly once and the watch keeps running', async () => {
    // A printer that reads slowly: a slip takes a while, as on a real line.
    emulator.slowReading(2_000);
    const sessionsBefore = emulator.sessions.length;
    const w = watch();
    try {
      // Up once it has opened the ledger (it says so: a demo terminal) and taken its printers, which it does at once.
      await until('the watch to start', () => w.rawStderr().includes('DEMO terminal'));
      await sleep(300);
      const results = [];
      for (let i = 0; i < 3; i += 1) results.push(await checkout());
      const sales = results.map((r) => r.txn);
      // Slip by slip as each connection delivered them (two connections at once would interleave on the paper).
      const printed = (): string[] => emulator.sessions.slice(sessionsBefore).flatMap((session) => txnsOnPaper(session.printed));
      // (Not there in time: the assertions below say what is.)
      await until('every sale on paper', () => sales.every((t) => printed().includes(t)), 10_000).catch(() => undefined);
      await sleep(1_500); // time for a second copy, if anything printed one
      // Each slip once, in order; no command and not the watch failed on a job the other finished.
      expect(printed()).toEqual(sales);
      expect(results.map((r) => [r.status, r.stderr])).toEqual(sales.map(() => [0, '']));
      expect(w.child.exitCode).toBeNull();
      // The watch owns the printer: the checkouts left their slips to it.
      expect(lease()).toEqual({ kind: 'service', holder: `tally print run --watch (pid ${w.child.pid})` });
      for (const r of results) expect(r.stdout.trim().split('\n').at(-1)).toBe(`Receipt queued for printer receipt: tally print run --watch (pid ${w.child.pid}) prints it`);
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
      expect(w.stderr()).toBe('');
      // It gave the printer back on its way out.
      expect(lease().kind).toBeNull();
    } finally {
      emulator.slowReading(null);
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
    }
  });

  it('a SIGKILLed watch does not keep the printer: the next checkout prints its own slip at once', async () => {
    const w = watch();
    await until('the watch to own the printer', () => lease().kind === 'service');
    w.child.kill('SIGKILL');
    await w.exited;
    // Its lease is still in the ledger (nobody gave it back), but its process is gone.
    expect(lease().kind).toBe('service');
    const before = emulator.printed.length;
    const r = await checkout();
    expect(r.stdout.trim().split('\n').at(-1)).toBe('Receipt printed');
    expect(txnsOnPaper(emulator.printed.subarray(before))).toEqual([r.txn]);
    expect(lease().kind).toBeNull();
  });

  it('printer status on a web server says it is not an ESC/POS printer', async () => {
    const { server, port } = await webServer();
    try {
      await setPrinter(port);
      const r = await tally(['printer', 'status']);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^tally: Printer receipt: TCP printer 127\.0\.0\.1:\d+: this device does not answer like an ESC\/POS printer \(it answered "HTTP\/1\.1 400 Bad Request…"\) — check the printer's address, port or baud rate\n$/);
      expect(r.stderr).not.toMatch(/paper/i);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await setPrinter(emulator.port);
    }
  });
});

/**
 * SerialPrinterTransport through a socat pseudo-terminal pair, both ends opened with the real
 * serialport bindings: the transport on one end, the test printer (SerialPrinterEmulator, the
 * same state machine as the TCP printer) on the other. Killing socat is pulling the cable.
 *
 * A pseudo-terminal ignores baud rate and RTS/CTS: these tests show the port opens with flow
 * control on and that bytes, status and unplugs behave; they cannot show the line's speed or a
 * printer holding CTS (the write timeout covers that; see the TCP "stops reading" test).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canPrint, describeStatus } from '../../src/core/escpos/status.js';
import { socatAvailable } from '../../src/terminal/devices/serial/socat-pair.js';
import { createTransport, SerialPrinterTransport, STATUS_REQUEST_BYTES } from '../../src/terminal/printing/transports/index.js';
import { tempDir } from '../support/ledger-fixture.js';
import { answersFor, fiftyKibJob, SerialPrinterEmulator } from '../support/printer-emulator.js';
import { rejection } from '../support/printer-errors.js';

const HAVE_SOCAT = socatAvailable();
if (!HAVE_SOCAT) console.warn('socat is not installed (apt-get install socat): the serial printer tests are skipped');

const unhandled: unknown[] = [];
const onUncaught = (error: unknown): void => void unhandled.push(error);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(HAVE_SOCAT)('SerialPrinterTransport through a socat pseudo-terminal pair', () => {
  let temp: ReturnType<typeof tempDir>;
  let printer: SerialPrinterEmulator;
  let transport: SerialPrinterTransport;
  let n = 0;

  beforeAll(() => {
    temp = tempDir('tally-serial-printer-');
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  });
  afterAll(() => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    temp.cleanup();
  });
  beforeEach(async () => {
    n += 1;
    printer = await SerialPrinterEmulator.start(temp.dir, `printer${n}`);
  });
  afterEach(async () => {
    await transport.close();
    await printer.close();
    await sleep(20);
    expect(unhandled).toEqual([]);
  });

  const open = (options: { timeoutMs?: number; rtscts?: boolean } = {}): SerialPrinterTransport => {
    transport = new SerialPrinterTransport({ path: printer.path, baudRate: 19200, timeoutMs: 2_000, ...options });
    return transport;
  };

  it('reads the scripted states and delivers a ~50 KiB slip byte-exact between two status reads', async () => {
    const t = open();
    for (const state of ['ready', 'paper-near-end', 'paper-out', 'cover-open', 'error'] as const) {
      printer.setState(state);
      expect((await t.status()).raw).toEqual(answersFor(state));
    }
    printer.setState('ready');
    const job = fiftyKibJob();
    expect(canPrint(await t.status())).toBe(true);
    await t.write(job);
    expect(canPrint(await t.status())).toBe(true);
    await printer.whenReceived(STATUS_REQUEST_BYTES.length * 7 + job.length);
    expect(printer.printed).toEqual(job);
    expect(printer.statusRequests).toHaveLength(7 * 4);
    expect(printer.decodePrinted().qrCodes).toEqual(['TALLY1:\u0010\u0004\u0001:member-42']);
  });

  it('opens with RTS/CTS flow control (from a transport config) and sees paper out before a job', async () => {
    transport = createTransport({ kind: 'serial', path: printer.path, baudRate: 19200, rtscts: true, timeoutMs: 2_000 }) as SerialPrinterTransport;
    expect(transport.rtscts).toBe(true);
    printer.setState('paper-out');
    const status = await transport.status();
    expect(canPrint(status)).toBe(false);
    expect(describeStatus(status).en).toMatch(/out of paper/);
  });

  it('times out within the configured timeout when the printer hangs', async () => {
    const t = open({ timeoutMs: 300 });
    printer.hang();
    const started = Date.now();
    const error = await rejection(t.status());
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1_500);
    printer.hang(false);
    expect((await t.status()).online).toBe(true);
  });

  it('unplugged while idle: offline until it is plugged back in', async () => {
    const t = open({ timeoutMs: 1_000 });
    await t.status();
    await printer.unplug();
    await sleep(50);
    const error = await rejection(t.status());
    expect(error.code).toBe('offline');
    expect(error.message).toMatch(/plugged in/);
    expect((await rejection(t.write(fiftyKibJob()))).code).toBe('offline');
    await printer.plug();
    expect((await t.status()).online).toBe(true);
    await t.write(Uint8Array.of(0x41, 0x0a));
    await printer.whenReceived(STATUS_REQUEST_BYTES.length * 2 + 2);
    expect(printer.sessions.at(-1)!.printed).toEqual(Uint8Array.of(0x41, 0x0a));
  });

  it('unplugged during a job: the write rejects offline', async () => {
    const t = open({ timeoutMs: 5_000 });
    await t.status();
    printer.stall(); // the pseudo-terminal's buffers fill and the job waits in the port
    const job = new Uint8Array(1 << 20).fill(0x2e);
    const writing = rejection(t.write(job)); // handled from the start: it rejects during unplug()
    await sleep(200);
    const started = Date.now();
    await printer.unplug();
    const error = await writing;
    expect(error.code).toBe('offline');
    expect(error.message).toMatch(/unplugged/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('unplugged while waiting for a status answer: offline at once, not after the timeout', async () => {
    const t = open({ timeoutMs: 10_000 });
    printer.hang();
    const asking = rejection(t.status());
    await printer.whenReceived(STATUS_REQUEST_BYTES.length);
    const started = Date.now();
    await printer.unplug();
    expect((await asking).code).toBe('offline');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

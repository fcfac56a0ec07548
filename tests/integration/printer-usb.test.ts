/**
 * UsbLpTransport, the USB printer class device (/dev/usb/lp0 on Linux), through the same kind of
 * path a character device is: a FIFO (mkfifo) read by a child `cat` or by the test, and a plain
 * file. Real fds, real pipe buffers, no mocks.
 *
 * Status cannot be read back through a FIFO or a file — there is no way back from the reader to
 * the writer — and /dev/usb/lp* itself gives it only through an ioctl (LPGETSTATUS, IEEE 1284
 * lines) or reads that few printers answer (usb-lp.ts explains why Tally does not try). So the
 * transport's status() is null here, and the status PARSER is tested on the bytes a printer sends.
 */
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canPrint, parseStatus, StatusParseError, statusAnswers } from '../../src/core/escpos/status.js';
import { collectStatusBytes, createTransport, UsbLpTransport } from '../../src/terminal/printing/transports/index.js';
import { PrinterError } from '../../src/terminal/printing/types.js';
import { tempDir } from '../support/ledger-fixture.js';
import { answersFor, fiftyKibJob, PRINTER_STATES } from '../support/printer-emulator.js';
import { rejection } from '../support/printer-errors.js';

const POSIX = process.platform !== 'win32';
const unhandled: unknown[] = [];
const onUncaught = (error: unknown): void => void unhandled.push(error);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function makeFifo(path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('mkfifo', ['-m', '0600', path], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mkfifo exited with ${code}`))));
  });
}

/**
 * Writes once the reader is there. A child's open() of the FIFO races with ours; until it is in
 * place the transport says 'offline' ("nothing is reading it") — as a printer queue would see it.
 */
async function writeWhenRead(transport: UsbLpTransport, job: Uint8Array): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      await transport.write(job);
      return;
    } catch (error) {
      if (!(error instanceof PrinterError) || error.code !== 'offline' || !/nothing is reading/.test(error.message) || Date.now() > deadline) throw error;
      await sleep(5);
    }
  }
}

/** The read end of a FIFO, opened without blocking; reads only when asked (a printer that takes its time). */
class FifoReader {
  private readonly fd: number;
  readonly chunks: Buffer[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  total = 0;

  constructor(path: string) {
    this.fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  }

  /** Reads up to `bytes` now (0 when the FIFO is empty). */
  readSome(bytes: number): number {
    const buffer = Buffer.alloc(bytes);
    try {
      const n = readSync(this.fd, buffer, 0, bytes, null);
      if (n > 0) this.chunks.push(buffer.subarray(0, n));
      this.total += n;
      return n;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
      throw error;
    }
  }

  /** Reads `bytes` every `everyMs`. */
  pace(bytes: number, everyMs: number): void {
    this.timer = setInterval(() => this.readSome(bytes), everyMs);
  }

  get data(): Buffer {
    return Buffer.concat(this.chunks);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    closeSync(this.fd);
  }
}

describe.runIf(POSIX)('UsbLpTransport (USB printer class) through a FIFO and a file', () => {
  let temp: ReturnType<typeof tempDir>;
  let transport: UsbLpTransport | null = null;
  let n = 0;
  const fresh = (name: string): string => join(temp.dir, `${name}-${(n += 1)}`);

  beforeAll(() => {
    temp = tempDir('tally-usb-printer-');
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  });
  afterAll(() => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    temp.cleanup();
  });
  afterEach(async () => {
    await transport?.close();
    transport = null;
    await sleep(10);
    expect(unhandled).toEqual([]);
  });

  it('cannot read status: readsStatus is false and status() is null, because nothing comes back through a FIFO or file', async () => {
    const path = fresh('status');
    writeFileSync(path, '');
    transport = new UsbLpTransport({ path });
    expect(transport.readsStatus).toBe(false);
    expect(await transport.status(1_000)).toBeNull();
    expect(await transport.status()).toBeNull();
  });

  it('writes each job to a FIFO read by a child cat, byte-exact; every job is one open–write–close (cat sees its end)', async () => {
    const fifo = fresh('lp');
    await makeFifo(fifo);
    transport = createTransport({ kind: 'usb', path: fifo, timeoutMs: 2_000 }) as UsbLpTransport;
    for (const job of [fiftyKibJob(), Uint8Array.of(0x1b, 0x40, 0x48, 0x69, 0x0a, 0x1d, 0x56, 0x00)]) {
      const cat = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
      const out: Buffer[] = [];
      cat.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      const exited = new Promise<number | null>((resolve) => cat.on('close', (code) => resolve(code)));
      await writeWhenRead(transport, job);
      expect(await exited).toBe(0); // cat got EOF: the transport closed the device after the job
      expect(Buffer.concat(out).equals(Buffer.from(job))).toBe(true);
    }
  });

  it('appends jobs to a plain file', async () => {
    const path = fresh('printer.bin');
    writeFileSync(path, '');
    transport = new UsbLpTransport({ path });
    const first = fiftyKibJob();
    await transport.write(first);
    await transport.write(Uint8Array.of(0x0a, 0x0a));
    expect(readFileSync(path).equals(Buffer.from([...first, 0x0a, 0x0a]))).toBe(true);
  });

  it('a job larger than the pipe buffer, read slowly: takes longer than the write timeout in total and still succeeds (the timeout is for inactivity)', async () => {
    const fifo = fresh('slow');
    await makeFifo(fifo);
    const reader = new FifoReader(fifo);
    try {
      transport = new UsbLpTransport({ path: fifo, writeTimeoutMs: 300 });
      const job = new Uint8Array(1 << 20).map((_, i) => i % 251);
      reader.pace(32 * 1024, 20); // ~1.6 MB/s: about 0.65 s for the job
      const started = Date.now();
      await transport.write(job);
      expect(Date.now() - started).toBeGreaterThan(300);
      while (reader.total < job.length) await sleep(20);
      expect(reader.data.equals(Buffer.from(job))).toBe(true);
    } finally {
      reader.close();
    }
  });

  it('times out when the reader stops taking data (the pipe stays full)', async () => {
    const fifo = fresh('stuck');
    await makeFifo(fifo);
    const reader = new FifoReader(fifo); // open, never read
    try {
      transport = new UsbLpTransport({ path: fifo, writeTimeoutMs: 200 });
      const started = Date.now();
      const error = await rejection(transport.write(new Uint8Array(256 * 1024)));
      expect(error.code).toBe('timeout');
      expect(error.message).toMatch(/accepted no data for 200 ms/);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      reader.close();
    }
  });

  it('the reader going away mid-job is io (EPIPE), and the job is reported cut short', async () => {
    const fifo = fresh('gone');
    await makeFifo(fifo);
    const reader = new FifoReader(fifo);
    transport = new UsbLpTransport({ path: fifo, writeTimeoutMs: 2_000 });
    const writing = rejection(transport.write(new Uint8Array(1 << 20)));
    while (reader.readSome(1_000) === 0) await sleep(2);
    reader.close(); // the device disappears with 1 MiB still to go
    const error = await writing;
    expect(error.code).toBe('io');
    expect(error.message).toMatch(/cut short/);
  });

  it('a FIFO without a reader is offline at once (no thread left blocked in open)', async () => {
    const fifo = fresh('noreader');
    await makeFifo(fifo);
    transport = new UsbLpTransport({ path: fifo, timeoutMs: 5_000 });
    const started = Date.now();
    const error = await rejection(transport.write(Uint8Array.of(0x0a)));
    expect(error.code).toBe('offline');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('an absent device (printer unplugged) is offline, and no file is created in its place', async () => {
    const path = fresh('lp-absent');
    transport = new UsbLpTransport({ path });
    const error = await rejection(transport.write(fiftyKibJob()));
    expect(error.code).toBe('offline');
    expect(error.message).toMatch(/plugged in/);
    expect(existsSync(path)).toBe(false);
  });

  it('a directory is not a printer', async () => {
    const path = fresh('dir');
    mkdirSync(path);
    transport = new UsbLpTransport({ path });
    expect((await rejection(transport.write(Uint8Array.of(0x0a)))).code).toBe('not-found');
  });

  it('permission denied names the lp group and native/README.md', async (context) => {
    // A file the terminal's user may not write, like /dev/usb/lp0 (root:lp 0660) for a user outside "lp".
    // Root may write anything, so as root the write runs with the effective uid of "nobody" (65534)
    // for that moment (seteuid; the real and saved uid stay 0, so root comes back in `finally`).
    // Without the right to switch (no CAP_SETUID) the check cannot be made and is skipped.
    const dir = fresh('perm');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const path = join(dir, 'lp0');
    writeFileSync(path, '');
    chmodSync(path, 0o600);
    const root = process.geteuid?.() === 0;
    if (!root) chmodSync(path, 0o400);
    transport = new UsbLpTransport({ path });
    let error: PrinterError;
    if (root) {
      try {
        process.seteuid!(65534);
      } catch {
        context.skip();
        return;
      }
      try {
        error = await rejection(transport.write(Uint8Array.of(0x0a)));
      } finally {
        process.seteuid!(0);
      }
    } else {
      error = await rejection(transport.write(Uint8Array.of(0x0a)));
    }
    expect(error.code).toBe('permission-denied');
    expect(error.message).toMatch(/"lp" group/);
    expect(error.message).toMatch(/native\/README\.md/);
    expect(readFileSync(path)).toHaveLength(0);
  });
});

describe('the status parser on the bytes a printer sends (what a USB-class transport cannot read back)', () => {
  // Answers to DLE EOT 1, 2, 3, 4 as the ESC/POS reference defines them; bit 1 and bit 4 are
  // always set (0x12). 0x16 in the first byte is "drawer kick-out connector pin 3 high", common
  // on printers without a drawer.
  it.each([
    ['ready', [0x16, 0x12, 0x12, 0x12], { online: true, coverOpen: false, paper: 'ok', error: false, drawerOpen: true }],
    ['paper near end', [0x16, 0x12, 0x12, 0x1e], { online: true, paper: 'near-end' }],
    ['paper out, printing stopped', [0x1e, 0x32, 0x12, 0x7e], { online: false, paper: 'out' }],
    ['cover open', [0x1e, 0x16, 0x12, 0x12], { online: false, coverOpen: true, paper: 'ok' }],
    ['auto-cutter error', [0x1e, 0x52, 0x1a, 0x12], { online: false, error: true, cutterError: true }],
    ['unrecoverable error', [0x1a, 0x52, 0x32, 0x12], { error: true, cutterError: false }],
  ] as const)('%s: %j', (_name, bytes, expected) => {
    expect(parseStatus(bytes)).toMatchObject(expected);
  });

  it('round-trips every state the test printers script', () => {
    for (const state of PRINTER_STATES) {
      const status = parseStatus(answersFor(state));
      expect(canPrint(status), state).toBe(state === 'ready' || state === 'paper-near-end');
    }
    expect(parseStatus(statusAnswers({ paper: 'out', coverOpen: true }))).toMatchObject({ paper: 'out', coverOpen: true });
  });

  it('finds the four answers among Automatic Status Back frames and flow-control bytes, and rejects bytes that are not answers', () => {
    const stream = Uint8Array.of(0x14, 0x00, 0x00, 0x0f, 0x16, 0x11, 0x12, 0x10, 0x00, 0x40, 0x00, 0x12, 0x13, 0x1e, 0x16);
    const answers: number[] = [];
    const used = collectStatusBytes(stream, answers);
    expect(answers).toEqual([0x16, 0x12, 0x12, 0x1e]);
    expect(used).toBe(stream.length - 1); // the trailing 0x16 belongs to a later answer
    expect(parseStatus(answers).paper).toBe('near-end');
    expect(() => parseStatus([0x16, 0x12, 0x14, 0x12])).toThrow(StatusParseError);
    expect(() => parseStatus([0x16, 0x12, 0x12])).toThrow(StatusParseError);
  });
});

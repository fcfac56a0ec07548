/**
 * The test printer itself (tests/support/printer-emulator.ts): its stream scanner must find DLE EOT
 * exactly where decodeEscPos does — between commands, never inside a command's data — however
 * the stream is cut into chunks; and the TCP printer must answer each request with the scripted
 * state, in order. Checked with a raw socket, so the transports play no part here.
 */
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { qrCode } from '../../src/core/escpos/commands.js';
import { decodeEscPos } from '../../src/core/escpos/decoder.js';
import { STATUS_REQUESTS } from '../../src/core/escpos/status.js';
import { answersFor, RealtimeScanner, TcpPrinterEmulator, type Segment } from '../support/printer-emulator.js';

const byte = fc.integer({ min: 0, max: 255 });
/** Data that often contains a DLE EOT n, to tempt the scanner. */
const trickyData = (maxLength: number): fc.Arbitrary<number[]> =>
  fc.array(fc.oneof(fc.array(byte, { maxLength: 8 }), fc.constantFrom([0x10, 0x04, 0x01], [0x10, 0x04, 0x04], [0x10], [0x1b], [0x1d, 0x28])), { maxLength: Math.ceil(maxLength / 4) }).map((parts) => parts.flat().slice(0, maxLength));
const nonNul = (maxLength: number): fc.Arbitrary<number[]> => trickyData(maxLength).map((bytes) => bytes.map((b) => (b === 0 ? 0x10 : b)));
const le16 = (n: number): number[] => [n & 0xff, n >> 8];

interface Command {
  readonly bytes: number[];
  /** DLE EOT n at top level: the n. */
  readonly status?: number;
  /** A real-time command (not printed). */
  readonly realtime?: boolean;
}

const plain = (bytes: number[]): Command => ({ bytes });

/** Well-formed ESC/POS commands whose parameters and data may hold 0x10 0x04 n. */
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.array(fc.integer({ min: 0x20, max: 0x7e }), { minLength: 1, maxLength: 20 }).map(plain),
  fc.constant(plain([0x0a])),
  fc.tuple(fc.constantFrom(0x21, 0x2d, 0x33, 0x45, 0x4a, 0x61, 0x64, 0x74, 0x52), byte).map(([c, n]) => plain([0x1b, c, n])),
  fc.tuple(fc.constantFrom(0x24, 0x5c), byte, byte).map(([c, a, b]) => plain([0x1b, c, a, b])),
  fc.tuple(byte, byte, byte).map(([m, t1, t2]) => plain([0x1b, 0x70, m, t1, t2])),
  fc.array(byte, { minLength: 8, maxLength: 8 }).map((p) => plain([0x1b, 0x57, ...p])),
  fc.constant(plain([0x1b, 0x40])),
  fc.constantFrom(0x01, 0x30, 0x7e).map((c) => plain([0x1b, c])), // unknown: two bytes
  fc.tuple(fc.constantFrom(0x21, 0x42, 0x48, 0x68, 0x77, 0x61), byte).map(([c, n]) => plain([0x1d, c, n])),
  fc.oneof(fc.integer({ min: 0, max: 64 }).map((m) => [m]), fc.tuple(fc.integer({ min: 65, max: 255 }), byte)).map((p) => plain([0x1d, 0x56, ...(Array.isArray(p) ? p.flat() : [p])])),
  fc.tuple(fc.constantFrom(0x6b, 0x4c), trickyData(300)).map(([fn, body]) => plain([0x1d, 0x28, fn, ...le16(body.length), ...body])),
  trickyData(200).map((body) => plain([0x1d, 0x38, 0x4c, ...le16(body.length), 0, 0, ...body])),
  fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 12 }), byte).chain(([xBytes, height, m]) =>
    fc.array(fc.constantFrom(0x10, 0x04, 0x01, 0x00, 0xff, 0x1b), { minLength: xBytes * height, maxLength: xBytes * height }).map((d) => plain([0x1d, 0x76, 0x30, m % 4, ...le16(xBytes), ...le16(height), ...d])),
  ),
  fc.constantFrom(0x00, 0x31, 0x7f).map((m) => plain([0x1d, 0x76, m])), // GS v without '0': unknown, two bytes, then m is read again
  fc.tuple(fc.constantFrom(0, 1, 32, 33), fc.integer({ min: 0, max: 20 })).chain(([m, n]) =>
    fc.array(byte, { minLength: m >= 32 ? n * 3 : n, maxLength: m >= 32 ? n * 3 : n }).map((d) => plain([0x1b, 0x2a, m, ...le16(n), ...d])),
  ),
  fc.tuple(fc.integer({ min: 0, max: 6 }), nonNul(20)).map(([m, d]) => plain([0x1d, 0x6b, m, ...d, 0])),
  fc.tuple(fc.integer({ min: 65, max: 79 }), trickyData(40)).map(([m, d]) => plain([0x1d, 0x6b, m, d.length, ...d])),
  nonNul(8).map((d) => plain([0x1b, 0x44, ...d, 0])),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0x20, max: 0x22 }), fc.integer({ min: 0, max: 2 })).chain(([y, c1, count]) =>
    fc.array(fc.integer({ min: 0, max: 4 }).chain((x) => fc.array(byte, { minLength: x * y, maxLength: x * y }).map((d) => [x, ...d])), { minLength: count, maxLength: count }).map((chars) => plain([0x1b, 0x26, y, c1, c1 + count - 1, ...chars.flat()])),
  ),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).chain(([x, y]) => fc.array(byte, { minLength: x * y * 8, maxLength: x * y * 8 }).map((d) => plain([0x1d, 0x2a, x, y, ...d]))),
  fc.constantFrom(plain([0x1c, 0x26]), plain([0x1c, 0x2e])),
  trickyData(30).map((body) => plain([0x1c, 0x28, 0x41, ...le16(body.length), ...body])),
  fc.integer({ min: 1, max: 4 }).map((n): Command => ({ bytes: [0x10, 0x04, n], status: n, realtime: true })),
  fc.integer({ min: 7, max: 8 }).map((n): Command => ({ bytes: [0x10, 0x04, n, 1], status: n, realtime: true })),
  fc.constant<Command>({ bytes: [0x10, 0x05, 0x02], realtime: true }),
  fc.tuple(byte, byte).map(([m, t]): Command => ({ bytes: [0x10, 0x14, 0x01, m, t], realtime: true })),
);

/** Feeds `stream` to a fresh scanner in pieces cut at `cuts`. */
function scan(stream: Uint8Array, cuts: readonly number[]): { segments: Segment[]; atBoundary: boolean } {
  const scanner = new RealtimeScanner();
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const segments: Segment[] = [];
  let from = 0;
  for (const to of [...points, stream.length]) {
    segments.push(...scanner.push(stream.subarray(from, to)));
    from = to;
  }
  return { segments, atBoundary: scanner.atBoundary };
}

describe('RealtimeScanner (the printer emulator finds DLE EOT as the decoder does)', () => {
  it('finds the same status requests as decodeEscPos, and prints everything else, however the stream is chunked', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 12 }), (commands, cuts) => {
        const stream = Uint8Array.from(commands.flatMap((c) => c.bytes));
        const { segments, atBoundary } = scan(stream, cuts);
        const found = segments.flatMap((s) => (s.type === 'realtime' && s.command === 'status' ? [s.kind] : []));
        const decoded = decodeEscPos(stream).events.flatMap((e) => (e.type === 'status-request' ? [e.kind] : []));
        const expected = commands.flatMap((c) => (c.status === undefined ? [] : [c.status]));
        expect(found).toEqual(expected);
        expect(decoded).toEqual(expected);
        const printed = segments.flatMap((s) => (s.type === 'data' ? [...s.bytes] : []));
        expect(printed).toEqual(commands.filter((c) => !c.realtime).flatMap((c) => c.bytes));
        expect(atBoundary).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('does not take DLE EOT inside a QR code block or a raster image for a request', () => {
    const tricky = Uint8Array.of(0x41, 0x10, 0x04, 0x01, 0x10, 0x04, 0x04, 0x42);
    const raster = [0x1d, 0x76, 0x30, 0x00, 2, 0, 2, 0, 0x10, 0x04, 0x02, 0x10];
    const stream = Uint8Array.from([...qrCode(tricky), ...raster, ...STATUS_REQUESTS.offlineCause, 0x0a]);
    const { segments } = scan(stream, []);
    expect(segments.filter((s) => s.type === 'realtime').map((s) => s.kind)).toEqual([2]);
    // Byte by byte: the header of each long command is held, its data passes through.
    const oneByOne = scan(stream, Array.from(stream, (_, i) => i));
    expect(oneByOne.segments.filter((s) => s.type === 'realtime').map((s) => s.kind)).toEqual([2]);
  });
});

describe('TcpPrinterEmulator on a raw socket', () => {
  let printer: TcpPrinterEmulator | null = null;
  let socket: Socket | null = null;

  afterEach(async () => {
    socket?.destroy();
    await printer?.close();
    printer = null;
  });

  async function open(): Promise<{ printer: TcpPrinterEmulator; socket: Socket; replies: () => number[] }> {
    printer = await TcpPrinterEmulator.start();
    const s = connect(printer.port, printer.host);
    socket = s;
    s.on('error', () => undefined);
    const got: number[] = [];
    s.on('data', (chunk: Buffer) => got.push(...chunk));
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    return { printer, socket: s, replies: () => got };
  }

  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it('answers DLE EOT 1–4 in order with the scripted state, also when the request arrives split', async () => {
    const { printer, socket, replies } = await open();
    printer.setState('cover-open');
    socket.write(Uint8Array.from([0x10, 0x04, 0x04, 0x10, 0x04, 0x01]));
    await until(() => replies().length === 2, 'two answers');
    expect(replies()).toEqual([answersFor('cover-open')[3], answersFor('cover-open')[0]]);
    socket.write(Uint8Array.of(0x10));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(Uint8Array.of(0x04, 0x02));
    await until(() => replies().length === 3, 'the third answer');
    expect(replies()[2]).toBe(answersFor('cover-open')[1]);
  });

  it('answers a request that follows a QR block holding DLE EOT bytes once, and records every byte', async () => {
    const { printer, socket, replies } = await open();
    const job = Uint8Array.from([...qrCode(Uint8Array.of(0x10, 0x04, 0x01, 0x31)), ...STATUS_REQUESTS.paperSensor]);
    printer.setState('paper-near-end');
    socket.write(job);
    await printer.whenReceived(job.length);
    await until(() => replies().length >= 1, 'an answer');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(replies()).toEqual([answersFor('paper-near-end')[3]]);
    expect(printer.received).toEqual(job);
    expect(printer.printed).toEqual(job.subarray(0, job.length - 3));
    expect(printer.statusRequests).toEqual([4]);
    expect(printer.decodePrinted().qrCodes).toEqual(['\u0010\u0004\u00011']);
  });

  it('hangs on request: reads on, answers nothing', async () => {
    const { printer, socket, replies } = await open();
    printer.hang();
    socket.write(STATUS_REQUESTS.printer);
    await printer.whenReceived(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(replies()).toEqual([]);
    expect(printer.statusRequests).toEqual([1]);
  });
});

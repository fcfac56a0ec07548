/**
 * ESC/POS receipt printers written for the tests: one on a loopback TCP port (like a network
 * printer's raw port 9100) and one on the far end of a socat pseudo-terminal pair (a serial
 * printer). Both share one state machine, PrinterModel: it records every byte, finds the real-time
 * status requests (DLE EOT n) in the stream and answers them with `statusAnswers(state)` for the
 * state the test scripted — and it can misbehave on purpose (hang, stop reading, read slowly,
 * drop the connection after N bytes, refuse connections).
 *
 * Finding DLE EOT in a stream that also carries print data: a printer answers a real-time
 * request anywhere between commands, but the same three bytes inside a command's data (a QR code
 * stored with GS ( k, a raster image, a bar code, …) are data. We chose a small incremental,
 * command-length-aware scanner (RealtimeScanner) over re-running decodeEscPos on everything
 * received after each chunk: decodeEscPos is not incremental (quadratic over a long connection,
 * and it gives no offsets to answer in order). The scanner knows exactly the command lengths
 * src/core/escpos/decoder.ts uses (its tables are copied below and must change together with
 * the decoder's), and tests/integration/printer-emulator.test.ts checks on generated streams, cut
 * into random chunks, that the scanner finds the same status requests as decodeEscPos.
 *
 *   const printer = await TcpPrinterEmulator.start();
 *   const transport = new TcpTransport({ host: printer.host, port: printer.port });
 *   printer.setState('paper-out');        // any time; answers follow at once
 *   printer.changeStateAfter(n, 'cover-open');   // when the n-th byte has arrived
 *   printer.hang(); printer.stall(); printer.slowReading(64 * 1024); printer.disconnectAfter(1000);
 *   await printer.refuseConnections(); await printer.acceptConnections();
 *   printer.decodePrinted().lines          // decodeEscPos of everything printed so far
 */
import { createServer, type Server, type Socket } from 'node:net';
import { SerialPort } from 'serialport';
import { qrCode } from '../../src/core/escpos/commands.js';
import { decodeEscPos, type DecodedPrint, type DecodeOptions } from '../../src/core/escpos/decoder.js';
import { statusAnswers, type PaperState } from '../../src/core/escpos/status.js';
import { SocatPair } from '../../src/terminal/devices/serial/socat-pair.js';

// ---------------------------------------------------------------------------------------------
// Command lengths (the decoder's rules)

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;
const EOT = 0x04;

/** Parameter bytes after `ESC x` — a copy of decoder.ts ESC_FIXED (unknown commands are 2 bytes). */
const ESC_FIXED: Readonly<Record<number, number>> = {
  0x20: 1, 0x21: 1, 0x24: 2, 0x25: 1, 0x2d: 1, 0x32: 0, 0x33: 1, 0x3c: 0, 0x3d: 1, 0x3f: 1, 0x40: 0, 0x45: 1, 0x47: 1,
  0x4a: 1, 0x4b: 1, 0x4c: 0, 0x4d: 1, 0x52: 1, 0x53: 0, 0x54: 1, 0x55: 1, 0x56: 1, 0x57: 8, 0x5c: 2, 0x61: 1, 0x63: 2,
  0x64: 1, 0x65: 1, 0x69: 0, 0x6d: 0, 0x70: 3, 0x72: 1, 0x74: 1, 0x75: 1, 0x76: 0, 0x7b: 1,
};
/** A copy of decoder.ts GS_FIXED. */
const GS_FIXED: Readonly<Record<number, number>> = {
  0x21: 1, 0x24: 2, 0x2f: 1, 0x3a: 0, 0x42: 1, 0x48: 1, 0x49: 1, 0x4c: 2, 0x50: 2, 0x54: 1, 0x57: 2, 0x5c: 2, 0x5e: 3,
  0x61: 1, 0x62: 1, 0x66: 1, 0x68: 1, 0x6a: 1, 0x72: 1, 0x77: 1,
};
/** A copy of decoder.ts FS_FIXED. */
const FS_FIXED: Readonly<Record<number, number>> = { 0x21: 1, 0x26: 0, 0x2d: 1, 0x2e: 0, 0x43: 1, 0x53: 2, 0x57: 1, 0x70: 2 };

const MORE = -1;
const UNTIL_NUL = -2;

/**
 * The total length of the command whose first bytes are `p`, as decodeEscPos reads it: a length,
 * MORE (its header is not complete yet) or UNTIL_NUL (its data ends with the next NUL, inclusive).
 */
function commandLength(p: readonly number[]): number {
  const at = (i: number): number => p[i]!;
  const need = (n: number): boolean => p.length >= n;
  const lead = at(0);
  if (lead !== ESC && lead !== GS && lead !== FS && lead !== DLE) return 1;
  if (!need(2)) return MORE;
  const cmd = at(1);
  if (lead === ESC) {
    if (cmd === 0x2a) return need(5) ? 5 + (at(2) === 32 || at(2) === 33 ? 3 : 1) * (at(3) + at(4) * 256) : MORE;
    if (cmd === 0x26) {
      // ESC & y c1 c2 [x d(x·y)]…: walk the characters as their widths arrive.
      if (!need(5)) return MORE;
      const y = at(2);
      let pos = 5;
      for (let c = at(3); c <= at(4); c += 1) {
        if (!need(pos + 1)) return MORE;
        pos += 1 + at(pos) * y;
      }
      return pos;
    }
    if (cmd === 0x44) return UNTIL_NUL;
    return 2 + (ESC_FIXED[cmd] ?? 0);
  }
  if (lead === GS) {
    switch (cmd) {
      case 0x28:
        return need(5) ? 5 + at(3) + at(4) * 256 : MORE;
      case 0x38:
        return need(7) ? 7 + at(3) + at(4) * 0x100 + at(5) * 0x10000 + at(6) * 0x1000000 : MORE;
      case 0x2a:
        return need(4) ? 4 + at(2) * at(3) * 8 : MORE;
      case 0x76:
        if (!need(3)) return MORE;
        if (at(2) !== 0x30) return 2; // unknown: the decoder goes on after "GS v"
        return need(8) ? 8 + (at(4) + at(5) * 256) * (at(6) + at(7) * 256) : MORE;
      case 0x56:
        return need(3) ? 3 + (at(2) >= 65 ? 1 : 0) : MORE;
      case 0x6b:
        if (!need(3)) return MORE;
        if (at(2) <= 6) return UNTIL_NUL;
        return need(4) ? 4 + at(3) : MORE;
      default:
        return 2 + (GS_FIXED[cmd] ?? 0);
    }
  }
  if (lead === FS) {
    if (cmd === 0x28) return need(5) ? 5 + at(3) + at(4) * 256 : MORE;
    return 2 + (FS_FIXED[cmd] ?? 0);
  }
  // DLE: real-time commands.
  if (cmd === EOT) return need(3) ? 3 + (at(2) === 7 || at(2) === 8 ? 1 : 0) : MORE;
  if (cmd === 0x05) return 3; // DLE ENQ n
  if (cmd === 0x14) return 5; // DLE DC4 fn m t
  return 2;
}

export type Segment =
  | { readonly type: 'data'; readonly bytes: Uint8Array }
  /** A real-time command: DLE EOT n (kind n), DLE ENQ, DLE DC4. Not printed. */
  | { readonly type: 'realtime'; readonly command: 'status' | 'recover' | 'pulse'; readonly kind: number; readonly bytes: Uint8Array };

/**
 * Splits a byte stream, chunk by chunk, into print data and real-time commands, at the command
 * boundaries decodeEscPos uses. Only a command's header is held between chunks; the data of a
 * long command (an image, a QR block) passes through without being buffered.
 */
export class RealtimeScanner {
  private pending: number[] = [];
  private skip = 0;
  private untilNul = false;

  push(chunk: Uint8Array): Segment[] {
    const segments: Segment[] = [];
    let data: number[] = [];
    const flushData = (): void => {
      if (data.length > 0) segments.push({ type: 'data', bytes: Uint8Array.from(data) });
      data = [];
    };
    const dataRange = (from: number, to: number): void => {
      flushData();
      if (to > from) segments.push({ type: 'data', bytes: chunk.slice(from, to) });
    };
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        dataRange(i, i + n);
        this.skip -= n;
        i += n;
        continue;
      }
      if (this.untilNul) {
        const end = chunk.indexOf(0, i);
        const stop = end < 0 ? chunk.length : end + 1;
        dataRange(i, stop);
        this.untilNul = end < 0;
        i = stop;
        continue;
      }
      // Plain text runs fast.
      if (this.pending.length === 0) {
        let j = i;
        while (j < chunk.length && chunk[j] !== ESC && chunk[j] !== GS && chunk[j] !== FS && chunk[j] !== DLE) j += 1;
        if (j > i) {
          dataRange(i, j);
          i = j;
          continue;
        }
      }
      this.pending.push(chunk[i]!);
      i += 1;
      this.resolvePending((bytes) => data.push(...bytes), (segment) => {
        flushData();
        segments.push(segment);
      });
    }
    flushData();
    return segments;
  }

  /** Whether the stream ended between commands. */
  get atBoundary(): boolean {
    return this.pending.length === 0 && this.skip === 0 && !this.untilNul;
  }

  private resolvePending(data: (bytes: readonly number[]) => void, realtime: (segment: Segment) => void): void {
    // A command shorter than what is held (GS v with m ≠ '0') gives its tail back to be read again.
    while (this.pending.length > 0) {
      const length = commandLength(this.pending);
      if (length === MORE) return;
      if (length === UNTIL_NUL) {
        data(this.pending);
        this.pending = [];
        this.untilNul = true;
        return;
      }
      if (length > this.pending.length) {
        // A real-time command is short: wait for all of it. Anything else is print data.
        if (this.pending[0] === DLE) return;
        data(this.pending);
        this.skip = length - this.pending.length;
        this.pending = [];
        return;
      }
      const command = this.pending.slice(0, length);
      this.pending = this.pending.slice(length);
      if (command[0] === DLE && (command[1] === EOT || command[1] === 0x05 || command[1] === 0x14)) {
        realtime({
          type: 'realtime',
          command: command[1] === EOT ? 'status' : command[1] === 0x05 ? 'recover' : 'pulse',
          kind: command[2] ?? 0,
          bytes: Uint8Array.from(command),
        });
      } else data(command);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The printer's state machine

export type PrinterState = 'ready' | 'paper-near-end' | 'paper-out' | 'cover-open' | 'offline' | 'error' | 'cutter-error';

export const PRINTER_STATES: readonly PrinterState[] = ['ready', 'paper-near-end', 'paper-out', 'cover-open', 'offline', 'error', 'cutter-error'];

const STATE_FLAGS: Readonly<Record<PrinterState, { online?: boolean; coverOpen?: boolean; paper?: PaperState; error?: boolean; cutterError?: boolean }>> = {
  ready: {},
  'paper-near-end': { paper: 'near-end' },
  'paper-out': { paper: 'out' },
  'cover-open': { coverOpen: true },
  offline: { online: false },
  error: { error: true },
  'cutter-error': { cutterError: true },
};

/** The four answer bytes (DLE EOT 1, 2, 3, 4) a printer in this state sends. */
export function answersFor(state: PrinterState): number[] {
  return statusAnswers(STATE_FLAGS[state]);
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** One connection (TCP) or one plug-in (serial): its own scanner and its own record. */
export class PrinterSession {
  readonly received: Uint8Array[] = [];
  readonly printedChunks: Uint8Array[] = [];
  readonly statusRequests: number[] = [];
  open = true;
  private readonly scanner = new RealtimeScanner();

  constructor(
    readonly id: number,
    private readonly model: PrinterModel,
  ) {}

  /** Everything this session received, status requests included. */
  get bytes(): Uint8Array {
    return concat(this.received);
  }

  /** What this session printed: its bytes without the real-time commands. */
  get printed(): Uint8Array {
    return concat(this.printedChunks);
  }

  /** Takes a chunk off the line; returns the bytes to send back (status answers), if any. */
  receive(chunk: Uint8Array): Uint8Array | null {
    this.received.push(chunk.slice());
    const replies: number[] = [];
    for (const segment of this.scanner.push(chunk)) {
      if (segment.type === 'data') this.printedChunks.push(segment.bytes);
      const answer = this.model.take(segment, this);
      if (answer) replies.push(...answer);
    }
    return replies.length > 0 ? Uint8Array.from(replies) : null;
  }
}

export class PrinterModel {
  private stateNow: PrinterState = 'ready';
  private hanging = false;
  /** Bytes sent before every status answer (Automatic Status Back frames, noise), or null. */
  answerPrefix: Uint8Array | null = null;
  readonly sessions: PrinterSession[] = [];
  private totalReceived = 0;
  private scripts: Array<{ at: number; state: PrinterState }> = [];
  private waiters: Array<{ bytes: number; resolve: () => void }> = [];
  private readonly order: Array<{ session: PrinterSession; bytes: Uint8Array; printed: boolean }> = [];

  constructor(state: PrinterState = 'ready') {
    this.stateNow = state;
  }

  get state(): PrinterState {
    return this.stateNow;
  }

  /** The printer's condition from now on: every later status request is answered with it. */
  setState(state: PrinterState): void {
    this.stateNow = state;
  }

  /** Changes the state once `bytes` bytes (in total, all sessions) have arrived — e.g. the cover opens after a job. */
  changeStateAfter(bytes: number, state: PrinterState): void {
    if (this.totalReceived >= bytes) this.setState(state);
    else this.scripts.push({ at: bytes, state });
  }

  /** Hang: keep reading, never answer a status request (answers are not sent later either). */
  hang(on = true): void {
    this.hanging = on;
  }

  get hung(): boolean {
    return this.hanging;
  }

  /** Bytes received over all sessions, status requests included. */
  get receivedCount(): number {
    return this.totalReceived;
  }

  /** Everything received over all sessions, in arrival order. */
  get received(): Uint8Array {
    return concat(this.order.map((o) => o.bytes));
  }

  /** Everything printed (received minus real-time commands) over all sessions, in arrival order. */
  get printed(): Uint8Array {
    return concat(this.order.filter((o) => o.printed).map((o) => o.bytes));
  }

  /** Status requests seen (DLE EOT n: the n of each), over all sessions. */
  get statusRequests(): number[] {
    return this.sessions.flatMap((s) => s.statusRequests);
  }

  /** decodeEscPos of everything printed so far, for assertions on the slip's content. */
  decodePrinted(options?: DecodeOptions): DecodedPrint {
    return decodeEscPos(this.printed, options);
  }

  /** Resolves once `bytes` bytes in total have arrived. */
  whenReceived(bytes: number, timeoutMs = 15_000): Promise<void> {
    if (this.totalReceived >= bytes) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the printer received ${this.totalReceived} of ${bytes} bytes within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        bytes,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  protected newSession(): PrinterSession {
    const session = new PrinterSession(this.sessions.length + 1, this);
    this.sessions.push(session);
    return session;
  }

  /** @internal A scanned segment from a session; returns the answer to send, if any. */
  take(segment: Segment, session: PrinterSession): number[] | null {
    this.totalReceived += segment.bytes.length;
    this.order.push({ session, bytes: segment.bytes, printed: segment.type === 'data' });
    const due = this.scripts.filter((s) => s.at <= this.totalReceived);
    if (due.length > 0) {
      this.scripts = this.scripts.filter((s) => s.at > this.totalReceived);
      for (const script of due) this.setState(script.state);
    }
    const ready = this.waiters.filter((w) => w.bytes <= this.totalReceived);
    if (ready.length > 0) {
      this.waiters = this.waiters.filter((w) => w.bytes > this.totalReceived);
      for (const waiter of ready) waiter.resolve();
    }
    if (segment.type !== 'realtime' || segment.command !== 'status') return null;
    session.statusRequests.push(segment.kind);
    if (this.hanging || segment.kind < 1 || segment.kind > 4) return null;
    const answer = answersFor(this.stateNow)[segment.kind - 1]!;
    return [...(this.answerPrefix ?? []), answer];
  }
}

// ---------------------------------------------------------------------------------------------
// A test job

/**
 * A slip-like job of about 50 KiB for transport tests: text lines, a 576-dot raster image (a big
 * logo) and a QR code, then a cut. DLE EOT bytes hide in the image and the QR data, so a printer
 * (or emulator) that answered them would be caught. Decodes to the lines 'TALLY COFFEE',
 * 'Points earned      120', 'Balance          1,480', 'Thank you' and the QR text
 * 'TALLY1:\u0010\u0004\u0001:member-42'.
 */
export function fiftyKibJob(): Uint8Array {
  const enc = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  const width = 72; // bytes per row: 576 dots, 80 mm paper
  const height = 700;
  const image = Array.from({ length: width * height }, (_, i) => [0x10, 0x04, 0x01, 0x04, 0xff, 0x00, 0x10, 0x04][i % 8]!);
  return Uint8Array.from([
    0x1b, 0x40,
    0x1b, 0x61, 0x01, ...enc('TALLY COFFEE\n'),
    0x1b, 0x61, 0x00, ...enc('Points earned      120\n'), ...enc('Balance          1,480\n'),
    0x1d, 0x76, 0x30, 0x00, width & 0xff, width >> 8, height & 0xff, height >> 8, ...image,
    ...qrCode(Uint8Array.from([...enc('TALLY1:'), 0x10, 0x04, 0x01, ...enc(':member-42')]), { moduleSize: 6 }),
    ...enc('Thank you\n'),
    0x1d, 0x56, 0x42, 0x00,
  ]);
}

// ---------------------------------------------------------------------------------------------
// TCP: a network printer on 127.0.0.1

interface TcpConnection {
  readonly socket: Socket;
  readonly session: PrinterSession;
  slowTimer: ReturnType<typeof setTimeout> | null;
}

export class TcpPrinterEmulator extends PrinterModel {
  readonly host = '127.0.0.1';
  private portNumber = 0;
  private server: Server | null = null;
  private readonly connections = new Set<TcpConnection>();
  private stalled = false;
  private bytesPerSecond: number | null = null;
  private disconnect: { left: number; how: 'reset' | 'close' } | null = null;
  /** Connections accepted so far (refused ones are not). */
  accepted = 0;

  static async start(state: PrinterState = 'ready'): Promise<TcpPrinterEmulator> {
    const printer = new TcpPrinterEmulator(state);
    await printer.listen(0);
    return printer;
  }

  get port(): number {
    return this.portNumber;
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.connections.size;
  }

  private listen(port: number): Promise<void> {
    const server = createServer({ noDelay: true }, (socket) => this.onConnection(socket));
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        this.server = server;
        const address = server.address();
        if (address && typeof address === 'object') this.portNumber = address.port;
        resolve();
      });
    });
  }

  private onConnection(socket: Socket): void {
    this.accepted += 1;
    const connection: TcpConnection = { socket, session: this.newSession(), slowTimer: null };
    this.connections.add(connection);
    socket.on('error', () => undefined); // the client resetting is part of the tests
    socket.on('close', () => {
      connection.session.open = false;
      if (connection.slowTimer) clearTimeout(connection.slowTimer);
      this.connections.delete(connection);
    });
    socket.on('data', (chunk: Buffer) => this.onData(connection, chunk));
    this.updateFlow(connection);
  }

  private onData(connection: TcpConnection, chunk: Buffer): void {
    const { socket, session } = connection;
    if (socket.destroyed) return;
    let piece: Uint8Array = chunk;
    let cut = false;
    if (this.disconnect) {
      if (piece.length >= this.disconnect.left) {
        piece = piece.subarray(0, this.disconnect.left);
        cut = true;
      } else this.disconnect.left -= piece.length;
    }
    const reply = piece.length > 0 ? session.receive(piece) : null;
    if (cut) {
      const how = this.disconnect!.how;
      this.disconnect = null;
      if (how === 'reset') socket.resetAndDestroy();
      else socket.destroy();
      return;
    }
    if (reply) socket.write(reply);
    if (this.bytesPerSecond !== null) {
      // Read no more until this chunk "printed" at the configured speed.
      socket.pause();
      connection.slowTimer = setTimeout(() => {
        connection.slowTimer = null;
        this.updateFlow(connection);
      }, Math.ceil((chunk.length / this.bytesPerSecond) * 1000));
    }
  }

  private updateFlow(connection: TcpConnection): void {
    if (this.stalled || connection.slowTimer) connection.socket.pause();
    else connection.socket.resume();
  }

  /** Stop reading (the receive buffer is full and stays full): the sender sees backpressure, then its write timeout. */
  stall(on = true): void {
    this.stalled = on;
    for (const connection of this.connections) this.updateFlow(connection);
  }

  /** Read at most this many bytes per second (null: as fast as they come). */
  slowReading(bytesPerSecond: number | null): void {
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Drop the connection once `bytes` more bytes have arrived (one-shot): 'reset' sends RST, 'close' a FIN. */
  disconnectAfter(bytes: number, how: 'reset' | 'close' = 'reset'): void {
    this.disconnect = { left: bytes, how };
  }

  /** Drops every open connection now (a power cycle). */
  dropConnections(how: 'reset' | 'close' = 'reset'): void {
    for (const { socket } of this.connections) {
      if (how === 'reset') socket.resetAndDestroy();
      else socket.destroy();
    }
  }

  /** Bytes the printer sends on its own (Automatic Status Back, …) to every open connection. */
  send(bytes: Uint8Array): void {
    for (const { socket } of this.connections) socket.write(bytes);
  }

  /** Stops listening: new connections are refused (ECONNREFUSED); open ones stay. */
  async refuseConnections(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    // close() stops listening at once; its callback would wait for the open connections.
    await new Promise<void>((resolve) => {
      server.close();
      setImmediate(resolve);
    });
  }

  /** Listens again, on the same port. */
  async acceptConnections(): Promise<void> {
    if (!this.server) await this.listen(this.portNumber);
  }

  async close(): Promise<void> {
    await this.refuseConnections();
    for (const connection of this.connections) {
      if (connection.slowTimer) clearTimeout(connection.slowTimer);
      connection.socket.destroy();
    }
    this.connections.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// Serial: a printer on the far end of a socat pseudo-terminal pair

/**
 * A serial printer: the transport opens `path` (socat's app end) and this printer reads and
 * answers on the other end with the real serialport bindings. `unplug()` kills socat (the
 * transport's port closes with `disconnected: true`), `plug()` starts it again.
 */
export class SerialPrinterEmulator extends PrinterModel {
  private port: SerialPort | null = null;
  private session: PrinterSession | null = null;
  private stalled = false;

  private constructor(
    private readonly pair: SocatPair,
    private readonly baudRate: number,
    state: PrinterState,
  ) {
    super(state);
  }

  static async start(dir: string, name: string, options: { baudRate?: number; state?: PrinterState } = {}): Promise<SerialPrinterEmulator> {
    const pair = await SocatPair.start(dir, name);
    const printer = new SerialPrinterEmulator(pair, options.baudRate ?? 19200, options.state ?? 'ready');
    await printer.openPort();
    return printer;
  }

  /** The path the printer transport opens. */
  get path(): string {
    return this.pair.appPath;
  }

  get plugged(): boolean {
    return this.pair.running && this.port !== null;
  }

  private async openPort(): Promise<void> {
    const port = new SerialPort({ path: this.pair.scannerPath, baudRate: this.baudRate, autoOpen: false, lock: false });
    port.on('error', () => undefined); // unplugging is part of the tests
    const session = this.newSession();
    port.on('close', () => {
      session.open = false;
      if (this.port === port) this.port = null;
    });
    port.on('data', (chunk: Buffer) => {
      const reply = session.receive(chunk);
      if (reply && port.isOpen) port.write(Buffer.from(reply));
    });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    this.port = port;
    this.session = session;
    if (this.stalled) port.pause();
  }

  /** Stop reading: the pseudo-terminal's buffer fills and the sender's writes wait. */
  stall(on = true): void {
    this.stalled = on;
    if (on) this.port?.pause();
    else this.port?.resume();
  }

  /** Bytes the printer sends on its own (Automatic Status Back, …). */
  send(bytes: Uint8Array): void {
    this.port?.write(Buffer.from(bytes));
  }

  /** Kills socat: the cable is pulled. */
  async unplug(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (this.session) this.session.open = false;
    this.session = null;
    await this.pair.unplug();
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  /** Starts socat again with the same link names: plugged back in. */
  async plug(): Promise<void> {
    await this.pair.plug();
    await this.openPort();
  }

  async close(): Promise<void> {
    await this.unplug();
  }
}

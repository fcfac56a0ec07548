/**
 * What TCP 9100 and serial printers have in common: a two-way byte link on which a job is written
 * and the printer's real-time status is asked for (DLE EOT 1–4) and read back. The link is opened
 * on first use, kept for the next call and opened again when it dropped.
 *
 * Real-time status: DLE EOT is a real-time command. The printer acts on it as soon as it reads it
 * from the line — even while its receive buffer is busy with an earlier job, while it is offline,
 * out of paper or with the cover open — so the "after the job" status answers right away, while
 * the job may still be printing. Because the printer reads the line in order, an answer to the
 * requests sent after a job proves every byte of that job reached the printer's receive buffer
 * (not that it printed: a paper-out or cover-open in the answer says it may not have).
 *
 * Semantics every caller relies on (the print queue):
 * - Operations run one at a time, in call order (a status never interleaves with a job's bytes).
 * - `write` resolves when the OS took the last byte (serial: when the port drained). On TCP the
 *   kernel buffers a whole slip (hundreds of KiB, even megabytes on loopback) at once, so a
 *   printer that drops the connection after that is only noticed later: if the link drops after
 *   a job and before a status answer confirmed it, the next `status` rejects with 'io' ("the last
 *   job may not have printed in full") once, and the queue prints that job again. A duplicate slip
 *   is better than a lost one.
 * - The write timeout is an inactivity timeout: it fires when the printer accepted no bytes for
 *   that long. A total timeout would fail a large job on a slow line (a 50 KiB logo takes 26 s at
 *   19200 baud) although the printer is working.
 * - After a timeout the link is closed: answers that come late must not be taken for the answers
 *   to the next request, and a job cut short cannot be taken back anyway.
 * - Bytes the printer sends on its own (Automatic Status Back frames, XON/XOFF, answers to
 *   commands in a job) are skipped: only bytes that have a status byte's fixed bits (0x12 under
 *   mask 0x93) count, and no ASB byte has them.
 * - A byte no ESC/POS printer sends (isPrinterReplyByte) while a status answer is awaited means the
 *   device at this address is something else — a web server on the port, a wrong port: the status
 *   read fails with 'not-escpos' and the link is closed. Skipping such bytes too used to assemble
 *   "status answers" out of its text ("R:::" from an HTTP reply read as paper out).
 */
import { isPrinterReplyByte, isStatusByte, parseStatus, STATUS_REQUESTS, type PrinterStatus } from '../../../core/escpos/status.js';
import { PrinterError, type PrinterTransport, type TransportKind } from '../types.js';

/** The four requests in one write, in the order parseStatus expects their answers. */
export const STATUS_REQUEST_BYTES: Uint8Array = Uint8Array.from([
  ...STATUS_REQUESTS.printer,
  ...STATUS_REQUESTS.offlineCause,
  ...STATUS_REQUESTS.errorCause,
  ...STATUS_REQUESTS.paperSensor,
]);

export interface TransportTimeouts {
  /** Opening the link (TCP connect, serial open). */
  readonly connectMs: number;
  /** From asking to having all four answers, the connect included. */
  readonly statusMs: number;
  /** Inactivity: no byte accepted for this long. */
  readonly writeMs: number;
}

export const DEFAULT_TIMEOUT_MS = 5_000;

export function timeoutsFrom(options: { timeoutMs?: number; connectTimeoutMs?: number; statusTimeoutMs?: number; writeTimeoutMs?: number }): TransportTimeouts {
  const base = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeouts = { connectMs: options.connectTimeoutMs ?? base, statusMs: options.statusTimeoutMs ?? base, writeMs: options.writeTimeoutMs ?? base };
  for (const [name, value] of Object.entries(timeouts)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`printer ${name} timeout must be a positive number of milliseconds, not ${value}`);
  }
  return timeouts;
}

/**
 * Adds the status bytes in `chunk` to `answers` (up to `want`) and skips everything else.
 * Returns how many of the chunk's bytes were looked at (the rest came after the last answer).
 */
export function collectStatusBytes(chunk: Uint8Array, answers: number[], want = 4): number {
  let i = 0;
  while (i < chunk.length && answers.length < want) {
    const byte = chunk[i]!;
    if (isStatusByte(byte)) answers.push(byte);
    i += 1;
  }
  return i;
}

/** Up to 24 bytes as a person can read them in a one-line message: printable ASCII as itself, anything else as \xNN. */
export function showBytes(bytes: readonly number[]): string {
  const shown = bytes
    .slice(0, 24)
    .map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c && b !== 0x22 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`))
    .join('');
  return `"${shown}${bytes.length > 24 ? '…' : ''}"`;
}

/** Wraps anything thrown into a PrinterError: the transport contract says nothing else escapes. */
export function asPrinterError(error: unknown, where: string): PrinterError {
  if (error instanceof PrinterError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PrinterError('io', `${where}: ${message}`);
}

/** A node error's code (ECONNREFUSED, EACCES, …), or ''. */
export function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : '';
}

export interface LinkHandlers {
  data(chunk: Uint8Array): void;
  /** The link is gone (printer closed it, reset, unplug). Not called for `destroy()`. */
  closed(cause: Error | null): void;
}

/** An open two-way byte link; the transport owns exactly one at a time. */
export interface Link {
  /** Queues bytes; `done` runs when the OS took them, with an error when the link failed. */
  send(bytes: Uint8Array, done: (error?: Error | null) => void): void;
  /** Waits until queued bytes left the computer (serial drain), when the link can tell. */
  settle?(done: (error?: Error | null) => void): void;
  /** How long settle() may take on a working line (the OS buffer going out at the line's speed). */
  readonly settleAllowanceMs?: number;
  /** A job is handed over in pieces this big, so the inactivity timeout sees progress (16 KiB by default). */
  readonly pieceBytes?: number;
  /** Closes at once; no more events from this link are wanted. */
  destroy(): void;
}

/** What the operation in progress wants to hear from the link. */
interface Watcher {
  data(chunk: Uint8Array): void;
  closed(cause: Error | null, jobUnconfirmed: boolean): void;
}

/** Jobs go out in pieces this big (unless the link says otherwise), so the inactivity timeout sees progress within a job. */
const WRITE_PIECE = 16 * 1024;

export abstract class LinkTransport implements PrinterTransport {
  abstract readonly kind: TransportKind;
  abstract readonly description: string;
  readonly readsStatus = true;
  readonly timeouts: TransportTimeouts;
  private readonly idleCloseMs: number;
  /** Identity of the open link; events from an older one are ignored. */
  private current: { link: Link | null } | null = null;
  private watcher: Watcher | null = null;
  private turn: Promise<void> = Promise.resolve();
  private busy = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private closing = false;
  /** A job went out on the current link and no status answer has come since. */
  private unconfirmed = false;
  /** The link dropped while a job was unconfirmed and nobody has been told yet. */
  private lostJob: PrinterError | null = null;

  protected constructor(timeouts: TransportTimeouts, idleCloseMs = 0) {
    this.timeouts = timeouts;
    this.idleCloseMs = idleCloseMs;
  }

  /** Opens the link within `timeoutMs`; rejects with a PrinterError ('offline', 'permission-denied', …). */
  protected abstract openLink(timeoutMs: number, handlers: LinkHandlers): Promise<Link>;

  /** What a link that dropped during an operation means for this kind of transport. */
  protected abstract lostError(cause: Error | null, during: 'status' | 'write'): PrinterError;

  /** Whether a link is open now (for tests and diagnostics). */
  get connected(): boolean {
    return this.current?.link != null;
  }

  status(timeoutMs: number = this.timeouts.statusMs): Promise<PrinterStatus> {
    return this.exclusive(() => this.readStatus(timeoutMs));
  }

  write(bytes: Uint8Array, timeoutMs: number = this.timeouts.writeMs): Promise<void> {
    return this.exclusive(() => this.writeJob(bytes, timeoutMs));
  }

  /** Closes the link; calls in progress reject, later calls reject with 'offline'. */
  async close(): Promise<void> {
    this.closing = true;
    this.clearIdle();
    const watcher = this.watcher;
    this.drop();
    watcher?.closed(null, false);
    await this.turn;
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    this.busy += 1;
    this.clearIdle();
    const run = this.turn.then(() => {
      if (this.closing) throw new PrinterError('offline', `${this.description}: the transport was closed`);
      return operation();
    });
    this.turn = run.then(
      () => this.idle(),
      () => this.idle(),
    );
    return run.catch((error: unknown) => {
      throw asPrinterError(error, this.description);
    });
  }

  private idle(): void {
    this.busy -= 1;
    if (this.busy > 0 || this.closing || this.idleCloseMs <= 0 || !this.current) return;
    // Let go of an idle link: a printer shared with the POS often takes one connection at a time.
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.busy === 0) {
        this.unconfirmed = false;
        this.drop();
      }
    }, this.idleCloseMs);
    this.idleTimer.unref?.();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Closes the current link on our own initiative (timeouts, close()). */
  private drop(): void {
    const current = this.current;
    this.current = null;
    this.unconfirmed = false;
    current?.link?.destroy();
  }

  private async ensureLink(timeoutMs: number): Promise<Link> {
    if (this.current?.link) return this.current.link;
    const slot: { link: Link | null } = { link: null };
    this.current = slot;
    const handlers: LinkHandlers = {
      data: (chunk) => {
        if (this.current === slot) this.watcher?.data(chunk);
      },
      closed: (cause) => {
        if (this.current !== slot) return;
        this.current = null;
        const unconfirmed = this.unconfirmed;
        this.unconfirmed = false;
        if (this.watcher) this.watcher.closed(cause, unconfirmed);
        else if (unconfirmed) this.lostJob = this.lostAfterJob(this.lostError(cause, 'status'));
      },
    };
    try {
      const link = await this.openLink(Math.max(1, Math.min(timeoutMs, this.timeouts.connectMs)), handlers);
      if (this.current !== slot) {
        // Closed (or dropped) while opening.
        link.destroy();
        throw this.closing ? new PrinterError('offline', `${this.description}: the transport was closed`) : this.lostError(null, 'status');
      }
      slot.link = link;
      return link;
    } catch (error) {
      if (this.current === slot) this.current = null;
      throw error;
    }
  }

  private lostAfterJob(error: PrinterError): PrinterError {
    return new PrinterError(error.code, `${error.message} — the connection dropped after the last job was sent, so it may not have printed in full`, error.status);
  }

  private async readStatus(timeoutMs: number): Promise<PrinterStatus> {
    if (this.lostJob) {
      const lost = this.lostJob;
      this.lostJob = null;
      throw lost;
    }
    const started = Date.now();
    const link = await this.ensureLink(timeoutMs);
    const remaining = Math.max(1, timeoutMs - (Date.now() - started));
    const answers = await new Promise<number[]>((resolve, reject) => {
      const got: number[] = [];
      let done = false;
      const finish = (error: PrinterError | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.watcher = null;
        if (error) reject(error);
        else resolve(got);
      };
      const timer = setTimeout(() => {
        const unconfirmed = this.unconfirmed;
        this.drop();
        const message = `${this.description}: no status answer within ${timeoutMs} ms (${got.length} of 4 bytes) — the printer is hung, busy with flow control held, or not an ESC/POS printer`;
        finish(new PrinterError('timeout', unconfirmed ? `${message}; the last job may not have printed in full` : message));
      }, remaining);
      /** What came back so far (a little of it), to quote when it is not a printer's answer. */
      const heard: number[] = [];
      this.watcher = {
        data: (chunk) => {
          const looked = collectStatusBytes(chunk, got);
          for (const byte of chunk.subarray(0, looked)) if (heard.length < 32) heard.push(byte);
          const foreign = chunk.subarray(0, looked).findIndex((byte) => !isPrinterReplyByte(byte));
          if (foreign >= 0) {
            // Whatever else it says is not a status answer either, and must not be read as the next one.
            this.drop();
            finish(new PrinterError('not-escpos', `${this.description}: this device does not answer like an ESC/POS printer (it answered ${showBytes(heard)}) — check the printer's address, port or baud rate`));
            return;
          }
          if (got.length === 4) finish(null);
        },
        closed: (cause, unconfirmed) => {
          const error = this.closing ? new PrinterError('offline', `${this.description}: the transport was closed`) : this.lostError(cause, 'status');
          finish(unconfirmed ? this.lostAfterJob(error) : error);
        },
      };
      link.send(STATUS_REQUEST_BYTES, (error) => {
        if (!error || done) return;
        const unconfirmed = this.unconfirmed;
        this.drop();
        const lost = this.lostError(error, 'status');
        finish(unconfirmed ? this.lostAfterJob(lost) : lost);
      });
    });
    this.unconfirmed = false;
    return parseStatus(answers);
  }

  private async writeJob(bytes: Uint8Array, timeoutMs: number): Promise<void> {
    if (bytes.length === 0) return;
    const link = await this.ensureLink(timeoutMs);
    await new Promise<void>((resolve, reject) => {
      let done = false;
      let timer: ReturnType<typeof setTimeout> | null = null;
      let accepted = 0;
      const finish = (error: PrinterError | null): void => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        this.watcher = null;
        if (error) reject(error);
        else resolve();
      };
      const fail = (cause: Error | null): void => {
        if (done) return;
        this.drop();
        finish(this.lostError(cause, 'write'));
      };
      const arm = (allowanceMs = timeoutMs): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          this.drop();
          finish(
            new PrinterError(
              'timeout',
              `${this.description}: the printer accepted no data for ${timeoutMs} ms (${accepted} of ${bytes.length} bytes sent) — paper out or cover open with a full buffer, or hung; the job was cut short`,
            ),
          );
        }, allowanceMs);
      };
      this.watcher = {
        data: () => undefined, // status bytes or ASB while printing: nobody asked
        closed: (cause) => {
          if (this.closing) finish(new PrinterError('offline', `${this.description}: the transport was closed during a job`));
          else finish(this.lostError(cause, 'write'));
        },
      };
      arm();
      const pieceBytes = link.pieceBytes ?? WRITE_PIECE;
      for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
        const piece = bytes.subarray(offset, Math.min(bytes.length, offset + pieceBytes));
        link.send(piece, (error) => {
          if (done) return;
          if (error) return fail(error);
          accepted += piece.length;
          arm();
          if (accepted < bytes.length) return;
          if (!link.settle) return finish(null);
          arm(Math.max(timeoutMs, link.settleAllowanceMs ?? 0));
          link.settle((settleError) => (settleError ? fail(settleError) : finish(null)));
        });
      }
    });
    this.unconfirmed = true;
  }
}

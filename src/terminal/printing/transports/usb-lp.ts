/**
 * A USB receipt printer through the operating system's printer class driver: on Linux the usblp
 * character device /dev/usb/lp0, lp1, … (any path works: a FIFO or a file, for tests and for
 * piping into another program). Each job opens the path, writes the whole job and closes it again
 * — like `cat job.bin > /dev/usb/lp0` — so the printer is not held between slips.
 *
 * Windows (documented, not tested here): a printer shared as \\host\share (the share's driver set
 * to "Generic / Text Only", or a raw queue) is written the same way — `{ kind: 'usb', path:
 * '\\\\localhost\\TM-T20' }` — like `copy /b job.bin \\localhost\TM-T20`.
 *
 * No status: `readsStatus` is false and status() resolves null. A file or FIFO has no way back.
 * /dev/usb/lp* can sometimes say something — the LPGETSTATUS ioctl returns the IEEE 1284 status
 * lines (paper empty, selected, error) and, on a bidirectional printer, read() returns bytes the
 * printer sent (DLE EOT answers included) — but Node cannot issue ioctls without another native
 * module, many printers' usblp reads never return, and none of it works on a Windows share. So
 * nothing is guessed: the queue treats a USB-class printer as "status unknown" and relies on the
 * write succeeding. A printer that must report paper-out should be connected by TCP or serial.
 *
 * Hazards:
 * - The path is opened without O_CREAT: an unplugged printer's /dev/usb/lp0 is absent ('offline'),
 *   and a job must never be "printed" into a new regular file of that name.
 * - O_NONBLOCK: opening a FIFO without a reader fails at once (ENXIO, 'offline') instead of
 *   blocking a libuv thread forever; a busy device or full FIFO answers EAGAIN, and the write is
 *   retried until the write timeout (no byte accepted for that long).
 * - Permission denied: Debian gives /dev/usb/lp* to root:lp 0660 — the terminal's user must be in
 *   the "lp" group (native/README.md, "Receipt printers").
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { PrinterError } from '../types.js';
import { asPrinterError, errorCode, timeoutsFrom, type TransportTimeouts } from './link-transport.js';
import type { PrinterTransport } from '../types.js';

export interface UsbLpOptions {
  readonly path: string;
  /** Opening the path, and the write inactivity timeout (5 s). */
  readonly timeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly writeTimeoutMs?: number;
}

const PERMISSION_HINT = 'add the terminal\'s user to the "lp" group (or install a udev rule) and log in again — native/README.md, "Receipt printers"';
/** How long to wait before trying again when the device or FIFO takes nothing (EAGAIN). */
const BUSY_RETRY_MS = 5;
const PIECE = 64 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class UsbLpTransport implements PrinterTransport {
  readonly kind = 'usb' as const;
  readonly description: string;
  readonly readsStatus = false;
  readonly path: string;
  readonly timeouts: TransportTimeouts;
  private turn: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(options: UsbLpOptions) {
    if (options.path.trim() === '') throw new TypeError('a USB printer needs a path');
    this.path = options.path;
    this.timeouts = timeoutsFrom(options);
    this.description = `USB printer ${this.path}`;
  }

  /** Always null: a printer class device file cannot report the printer's status (see above). */
  status(_timeoutMs?: number): Promise<null> {
    return Promise.resolve(null);
  }

  write(bytes: Uint8Array, timeoutMs: number = this.timeouts.writeMs): Promise<void> {
    const run = this.turn.then(() => {
      if (this.closing) throw new PrinterError('offline', `${this.description}: the transport was closed`);
      return this.writeJob(bytes, timeoutMs);
    });
    this.turn = run.then(
      () => undefined,
      () => undefined,
    );
    return run.catch((error: unknown) => {
      throw asPrinterError(error, this.description);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.turn;
  }

  private async openPath(): Promise<FileHandle> {
    const windows = process.platform === 'win32';
    // Windows has no O_NONBLOCK; a printer share is opened like a file for writing.
    const flags = windows ? 'w' : constants.O_WRONLY | constants.O_APPEND | constants.O_NONBLOCK | constants.O_NOCTTY;
    const timeoutMs = this.timeouts.connectMs;
    const opening = open(this.path, flags);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PrinterError('timeout', `${this.description}: did not open within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([opening, timeout]);
    } catch (error) {
      // An open that finishes after the timeout is closed again.
      opening.then((handle) => handle.close()).catch(() => undefined);
      throw error instanceof PrinterError ? error : this.openError(error);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private openError(error: unknown): PrinterError {
    const code = errorCode(error);
    const detail = error instanceof Error ? error.message : String(error);
    switch (code) {
      case 'EACCES':
      case 'EPERM':
        return new PrinterError('permission-denied', `${this.description}: not allowed to write to it — ${PERMISSION_HINT} (${detail})`);
      case 'EROFS':
        return new PrinterError('permission-denied', `${this.description}: it is on a read-only file system (${detail})`);
      case 'ENOENT':
      case 'ENODEV':
        return new PrinterError('offline', `${this.description}: not there — is the printer plugged in and switched on? (${detail})`);
      case 'ENXIO':
        return new PrinterError('offline', `${this.description}: nothing is reading it (a FIFO without a reader, or the device went away) (${detail})`);
      case 'EBUSY':
        return new PrinterError('io', `${this.description}: in use by another program (CUPS?) (${detail})`);
      case 'EISDIR':
      case 'ENOTDIR':
        return new PrinterError('not-found', `${this.description}: this path is not a printer device (${detail})`);
      default:
        return new PrinterError('io', `${this.description}: cannot open: ${detail}`);
    }
  }

  private async writeJob(bytes: Uint8Array, timeoutMs: number): Promise<void> {
    if (bytes.length === 0) return;
    const handle = await this.openPath();
    try {
      let offset = 0;
      let lastProgress = Date.now();
      while (offset < bytes.length) {
        let written = 0;
        try {
          ({ bytesWritten: written } = await handle.write(bytes, offset, Math.min(PIECE, bytes.length - offset)));
        } catch (error) {
          if (errorCode(error) !== 'EAGAIN') throw this.writeError(error, offset, bytes.length);
        }
        if (written > 0) {
          offset += written;
          lastProgress = Date.now();
          continue;
        }
        if (Date.now() - lastProgress >= timeoutMs) {
          throw new PrinterError('timeout', `${this.description}: the printer accepted no data for ${timeoutMs} ms (${offset} of ${bytes.length} bytes sent) — the job was cut short`);
        }
        await sleep(BUSY_RETRY_MS);
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  private writeError(error: unknown, offset: number, total: number): PrinterError {
    const code = errorCode(error);
    const detail = error instanceof Error ? error.message : String(error);
    const where = `${this.description}: after ${offset} of ${total} bytes`;
    if (code === 'ENODEV' || code === 'ENXIO' || code === 'EIO') {
      return new PrinterError('offline', `${where} the printer went away (unplugged or switched off) — the job was cut short (${detail})`);
    }
    if (code === 'EPIPE') return new PrinterError('io', `${where} the reader closed its end — the job was cut short (${detail})`);
    if (code === 'ENOSPC') return new PrinterError('io', `${where} the disk is full (${detail})`);
    return new PrinterError('io', `${where}: ${detail}`);
  }
}

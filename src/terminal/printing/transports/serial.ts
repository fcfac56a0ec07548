/**
 * A receipt printer on a serial line: RS-232 (/dev/ttyS0, a USB adapter's /dev/ttyUSB0) or a USB
 * printer in "virtual COM" mode (/dev/ttyACM0). The terminal's serial printer adapter: it and
 * devices/serial/serial-scanner.ts are the two terminal files that import `serialport`.
 * Status and write semantics: link-transport.ts.
 *
 * Hazards:
 * - An 'error' nobody listens to takes the terminal down: handlers are attached before opening.
 * - An unplug surfaces as 'close' with `disconnected: true` (or a write error): the handle is
 *   dead; the operation in progress rejects with 'offline' and the next one opens the path
 *   again, which fails with 'offline' until the printer is back.
 * - Flow control: with `rtscts` the printer holds CTS while its buffer is full (or, on most
 *   models, while it is offline), so a job then waits in the port; the write timeout (no byte
 *   accepted for that long) ends it. Without flow control a fast job can overrun the printer's
 *   buffer at high baud rates — RTS/CTS (or the printer's DTR/DSR on a cable that maps it to CTS)
 *   is the safe setting. XON/XOFF is not offered: a job's binary data (images, QR) contains 0x11
 *   and 0x13.
 * - `write` also waits for the port to drain (the bytes left the UART), so "written" means sent.
 */
import { SerialPort } from '../../native/serialport.js';
import { PrinterError } from '../types.js';
import { errorCode, LinkTransport, timeoutsFrom, type Link, type LinkHandlers } from './link-transport.js';

export interface SerialPrinterOptions {
  readonly path: string;
  /** Must match the printer's setting (DIP switches or its utility); 19200 is a common default. */
  readonly baudRate?: number;
  /** Hardware flow control (RTS/CTS). */
  readonly rtscts?: boolean;
  readonly timeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly statusTimeoutMs?: number;
  readonly writeTimeoutMs?: number;
}

const PERMISSION_HINT = 'add the terminal\'s user to the "dialout" group and log in again (native/README.md, "Receipt printers")';

type CloseError = Error & { disconnected?: boolean };

export class SerialPrinterTransport extends LinkTransport {
  readonly kind = 'serial' as const;
  readonly description: string;
  readonly path: string;
  readonly baudRate: number;
  readonly rtscts: boolean;

  constructor(options: SerialPrinterOptions) {
    super(timeoutsFrom(options));
    if (options.path.trim() === '') throw new TypeError('a serial printer needs a path');
    this.path = options.path;
    this.baudRate = options.baudRate ?? 19200;
    if (!Number.isInteger(this.baudRate) || this.baudRate <= 0) throw new RangeError(`baud rate ${this.baudRate} is not a positive integer`);
    this.rtscts = options.rtscts ?? false;
    this.description = `serial printer ${this.path}`;
  }

  protected async openLink(timeoutMs: number, handlers: LinkHandlers): Promise<Link> {
    let port: SerialPort;
    try {
      port = new SerialPort({ path: this.path, baudRate: this.baudRate, dataBits: 8, parity: 'none', stopBits: 1, rtscts: this.rtscts, lock: true, autoOpen: false });
    } catch (error) {
      throw this.openError(error);
    }
    let opened = false;
    let gone = false;
    const lost = (cause: Error | null): void => {
      if (!opened || gone) return;
      gone = true;
      handlers.closed(cause);
    };
    // Handlers first: nothing this port emits may go unheard.
    port.on('error', (error: Error) => {
      // An error on a port that is no longer open is the unplug (closing a dead handle failed).
      if (!port.isOpen) lost(Object.assign(new Error(error.message), { disconnected: true }));
    });
    port.on('close', (error: CloseError | null) => lost(error ?? null));
    port.on('data', (chunk: Buffer) => handlers.data(chunk));
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new PrinterError('offline', `${this.description}: did not open within ${timeoutMs} ms`));
        port.close(() => undefined);
      }, timeoutMs);
      port.open((error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(this.openError(error));
        else resolve();
      });
    });
    opened = true;
    // Bytes per second on the line (8N1: ten bits a byte).
    const bytesPerSecond = this.baudRate / 10;
    return {
      // A quarter of a second of line time per piece: progress the write timeout can see even at 9600 baud.
      pieceBytes: Math.max(64, Math.min(16 * 1024, Math.floor(bytesPerSecond / 4))),
      // The driver's transmit buffer (4 KiB on Linux UARTs) still has to go out when the last piece was taken.
      settleAllowanceMs: Math.ceil((4096 / bytesPerSecond) * 1000) + 1_000,
      send: (bytes, done) => {
        if (!port.isOpen) {
          done(Object.assign(new Error('the port is closed'), { disconnected: true }));
          return;
        }
        port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (error: Error | null | undefined) => done(error));
      },
      settle: (done) => {
        if (!port.isOpen) {
          done(Object.assign(new Error('the port is closed'), { disconnected: true }));
          return;
        }
        port.drain((error: Error | null) => done(error));
      },
      destroy: () => {
        gone = true;
        if (port.isOpen) port.close(() => undefined);
      },
    };
  }

  private openError(error: unknown): PrinterError {
    const detail = error instanceof Error ? error.message : String(error);
    const has = (pattern: RegExp): boolean => pattern.test(detail) || pattern.test(errorCode(error));
    if (has(/EACCES|EPERM|Permission denied|Operation not permitted/i)) {
      return new PrinterError('permission-denied', `${this.description}: not allowed to open it — ${PERMISSION_HINT} (${detail})`);
    }
    if (has(/ENOENT|No such file|ENODEV|No such device|ENXIO/i)) {
      return new PrinterError('offline', `${this.description}: not there — is the printer plugged in and switched on? (${detail})`);
    }
    if (has(/Cannot lock port|Resource temporarily unavailable|EBUSY|EAGAIN/i)) {
      return new PrinterError('io', `${this.description}: in use by another program (${detail})`);
    }
    return new PrinterError('io', `${this.description}: cannot open: ${detail}`);
  }

  protected lostError(cause: Error | null, during: 'status' | 'write'): PrinterError {
    const what = during === 'write' ? 'during a job — the job was cut short' : 'before it answered the status request';
    const unplugged = cause === null || (cause as CloseError).disconnected === true || /EIO|ENXIO|ENODEV|bad file descriptor/i.test(`${cause.message} ${errorCode(cause)}`);
    if (unplugged) return new PrinterError('offline', `${this.description}: the printer was unplugged or switched off ${what}${cause ? ` (${cause.message})` : ''}`);
    return new PrinterError('io', `${this.description}: the port failed ${what} (${cause.message})`);
  }
}

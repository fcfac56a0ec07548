/**
 * A serial or USB-CDC scanner (an RS-232 scanner, or a USB scanner in "USB COM"/CDC-ACM mode that
 * shows up as /dev/ttyACM*). serialport itself comes through src/terminal/native/serialport.ts.
 *
 * Bytes go through the pure Framer (framer.ts) and come out as ScanEvents with source 'serial'.
 * The port is found either by a fixed path or, better for USB, by vendor/product id and serial
 * number through an injected lister (SerialPort.list() by default), so a scanner that comes back
 * on another /dev/ttyACM* after a replug is found again; DeviceSupervisor does the retrying.
 *
 * Hazards:
 * - serialport is an EventEmitter: an 'error' nobody listens to throws and takes the terminal
 *   down. Every handler is attached before the port opens, open errors go to the open callback,
 *   and everything ends up as a DeviceError on the device's own event hub.
 * - An unplug (or socat exiting) surfaces as a read error that serialport turns into 'close' with
 *   `disconnected: true`; that handle is dead, so we report 'unplugged', go back to closed without
 *   touching it again, and let the supervisor look for the device.
 * - The port is opened with an exclusive lock (`lock: true`); "Cannot lock port" means another
 *   program has it: usually ModemManager probing a CDC scanner (see native/README.md).
 * - Line noise (a loose cable, a wrong baud rate) makes one error frame per CR/LF in it, hundreds
 *   a second at 115200 baud. Frame errors are reported as repeatable (BaseScanner.fail): the first
 *   of each kind in full, the rest as one count per window, so the host's log stays bounded.
 */
import { SerialPort } from '../../native/serialport.js';
import { splitAimPrefix } from '../../../core/card-code/symbology.js';
import { BaseScanner, type DeviceError, type DeviceErrorCode } from '../device.js';
import { describeMatch, fromSerialPortInfo, listSafely, matches, type FoundDevice, type Lister, type UsbMatch } from '../discovery.js';
import type { RepeatKind } from '../repeated-errors.js';
import type { Timers } from '../supervisor.js';
import { Framer, describeFraming, type Frame, type FrameProblem, type FramingOptions } from './framer.js';

/** Rates every UART and pseudo-terminal accepts; custom rates are refused (pseudo-terminals reject them). */
export const STANDARD_BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400] as const;
export type BaudRate = (typeof STANDARD_BAUD_RATES)[number];
export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space';

export interface SerialScannerOptions {
  readonly id: string;
  /** A fixed device path (/dev/ttyS0, /dev/serial/by-id/…). Give this or `match`. */
  readonly path?: string;
  /** A USB-CDC scanner recognised by vendor/product id (and serial number): re-found after a replug. */
  readonly match?: UsbMatch;
  /** Where `match` looks; SerialPort.list() by default. Tests inject recorded outputs. */
  readonly lister?: Lister;
  /** Default 9600 (most scanners' factory setting; USB-CDC ignores it). */
  readonly baudRate?: number;
  readonly dataBits?: 5 | 6 | 7 | 8;
  readonly parity?: Parity;
  readonly stopBits?: 1 | 1.5 | 2;
  readonly framing?: FramingOptions;
  /** For the framer's timeouts, the scan time and the repeated-error windows; real ones by default. */
  readonly clock?: () => number;
  readonly timers?: Timers;
  /** Repeats of one kind of frame error are counted for this long, then summarised (default 10 000 ms). */
  readonly repeatWindowMs?: number;
}

const BAUD_ADVICE = "check the scanner's baud rate and cable";
const SUFFIX_ADVICE = "check the scanner's suffix setting";

/** How each kind of frame error is summarised (`N more … in the last 10 s — advice`). */
const REPEATS: Readonly<Record<FrameProblem, RepeatKind>> = {
  'control-bytes': { kind: 'serial:control-bytes', what: 'garbled reads (control bytes: line noise or a wrong baud rate)', advice: BAUD_ADVICE },
  noise: { kind: 'serial:noise', what: 'bursts of line noise with no end', advice: BAUD_ADVICE },
  incomplete: { kind: 'serial:incomplete', what: 'incomplete scans with no CR/LF suffix', advice: SUFFIX_ADVICE },
  overflow: { kind: 'serial:overflow', what: 'over-long reads with no end', advice: SUFFIX_ADVICE },
};

/** `open()` rejects with this; the same DeviceError was reported on the error channel. */
export class DeviceOpenError extends Error {
  constructor(readonly deviceError: DeviceError) {
    super(deviceError.message);
    this.name = 'DeviceOpenError';
  }
}

/** SerialPort.list(), normalised; it spawns `udevadm` on Linux and rejects when that is missing. */
export const serialPortLister: Lister = async () => {
  const ports = await SerialPort.list();
  return ports.map((port) => fromSerialPortInfo({ ...port })).filter((device): device is FoundDevice => device !== null);
};

const PERMISSION_HINT = 'add the terminal\'s user to the "dialout" group and log in again (native/README.md, "Serial / USB-CDC scanners")';

/**
 * What a failed open means, from the bindings' messages ("Error: Permission denied, cannot open
 * /dev/ttyACM0", "Error Resource temporarily unavailable Cannot lock port", …).
 */
export function openFailure(error: unknown, path: string, deviceId: string): DeviceError {
  const detail = error instanceof Error ? error.message : String(error);
  const has = (pattern: RegExp): boolean => pattern.test(detail) || (typeof error === 'object' && error !== null && 'code' in error && pattern.test(String(error.code)));
  let code: DeviceErrorCode = 'io';
  let message = `cannot open ${path}: ${detail}`;
  if (has(/EACCES|EPERM|Permission denied|Operation not permitted/i)) {
    code = 'permission-denied';
    message = `not allowed to open ${path} — ${PERMISSION_HINT} (${detail})`;
  } else if (has(/ENOENT|No such file|ENODEV|No such device|ENXIO/i)) {
    code = 'not-found';
    message = `${path} is not there — is the scanner plugged in? (${detail})`;
  } else if (has(/Cannot lock port|Resource temporarily unavailable|EBUSY|EAGAIN/i)) {
    message = `${path} is in use by another program (often ModemManager probing a USB scanner: install native/udev/60-tally-modemmanager-ignore.rules) (${detail})`;
  }
  return { code, message, deviceId };
}

function validBaudRate(rate: number): BaudRate {
  const found = STANDARD_BAUD_RATES.find((r) => r === rate);
  if (found === undefined) throw new RangeError(`baud rate ${rate} is not a standard rate (${STANDARD_BAUD_RATES.join(', ')})`);
  return found;
}

export class SerialScanner extends BaseScanner {
  private readonly options: SerialScannerOptions;
  private readonly baudRate: BaudRate;
  private readonly framer: Framer;
  private readonly clock: () => number;
  private port: SerialPort | null = null;
  private currentPath: string | null = null;
  private closing = false;
  /** The last open failure reported, so a long unplug does not repeat it every retry. */
  private lastFailure: string | null = null;

  constructor(options: SerialScannerOptions) {
    super(options.id, 'serial', {
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.timers ? { timers: options.timers } : {}),
      ...(options.repeatWindowMs === undefined ? {} : { repeatWindowMs: options.repeatWindowMs }),
    });
    if ((options.path === undefined) === (options.match === undefined)) throw new TypeError(`${options.id}: give either a path or a USB match`);
    if (options.path !== undefined && options.path.trim() === '') throw new TypeError(`${options.id}: the path is empty`);
    this.options = options;
    this.baudRate = validBaudRate(options.baudRate ?? 9600);
    this.clock = options.clock ?? Date.now;
    const environment = options.timers ? { clock: this.clock, timers: options.timers } : { clock: this.clock };
    this.framer = new Framer(options.framing ?? {}, (frame) => this.onFrame(frame), environment);
  }

  /** The port in use (null while closed). */
  get path(): string | null {
    return this.currentPath;
  }

  /** Bytes held for an unfinished code: bounded by the framing's maxLength, whatever the line sends. */
  get pendingBytes(): number {
    return this.framer.pending;
  }

  /** What the framer does, for logs and the benchmark. */
  get framingDescription(): string {
    return describeFraming(this.framer.framing);
  }

  private where(): string {
    return this.options.path ?? describeMatch(this.options.match!);
  }

  private openFailed(error: DeviceError): never {
    const key = `${error.code}:${error.message}`;
    if (key !== this.lastFailure) this.fail(error.code, error.message);
    this.lastFailure = key;
    throw new DeviceOpenError(error);
  }

  private async resolvePath(): Promise<string> {
    if (this.options.path !== undefined) return this.options.path;
    const match = this.options.match!;
    const { devices, error } = await listSafely(this.options.lister ?? serialPortLister, this.id);
    if (error) this.openFailed(error);
    const found = devices.find((device) => matches(match, device));
    if (!found) this.openFailed({ code: 'not-found', message: `${describeMatch(match)} is not connected — plug the scanner in (it is looked for again automatically)`, deviceId: this.id });
    return found.path;
  }

  protected async doOpen(): Promise<void> {
    const path = await this.resolvePath();
    let port: SerialPort;
    try {
      port = new SerialPort({
        path,
        baudRate: this.baudRate,
        dataBits: this.options.dataBits ?? 8,
        parity: this.options.parity ?? 'none',
        stopBits: this.options.stopBits ?? 1,
        lock: true,
        autoOpen: false,
      });
    } catch (error) {
      this.openFailed(openFailure(error, path, this.id));
    }
    // Handlers first: nothing this port emits may go unheard.
    port.on('error', (error: Error) => this.onPortError(port, error));
    port.on('close', (error: (Error & { disconnected?: boolean }) | null) => this.onPortClose(port, error));
    port.on('data', (chunk: Buffer) => {
      if (port === this.port) this.framer.push(chunk);
    });
    this.framer.reset();
    this.closing = false;
    this.port = port;
    try {
      await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      this.port = null;
      this.openFailed(openFailure(error, path, this.id));
    }
    this.currentPath = path;
    this.lastFailure = null;
    this.status({ kind: 'online', deviceId: this.id, path });
  }

  protected async doClose(): Promise<void> {
    const port = this.port;
    this.closing = true;
    this.port = null;
    this.currentPath = null;
    this.framer.reset();
    if (port?.isOpen) {
      // A close error on a port we are leaving anyway is reported, not thrown.
      await new Promise<void>((resolve) =>
        port.close((error) => {
          if (error) this.fail('io', `closing ${port.path}: ${error.message}`);
          resolve();
        }),
      );
    }
    this.status({ kind: 'offline', deviceId: this.id, reason: 'closed' });
  }

  private onPortError(port: SerialPort, error: Error): void {
    // Late errors from a port already given up (e.g. after an unplug) are only noise.
    if (port !== this.port) return;
    // serialport emits 'error' instead of 'close' when closing a disconnected port fails: the
    // handle is gone either way, so treat it as the unplug it is rather than stay "enabled" on it.
    if (!port.isOpen && !port.opening && !this.closing) {
      this.onPortClose(port, Object.assign(new Error(error.message), { disconnected: true }));
      return;
    }
    this.fail('io', `${port.path}: ${error.message}`);
  }

  private onPortClose(port: SerialPort, error: (Error & { disconnected?: boolean }) | null): void {
    if (port !== this.port || this.closing) return;
    // Not asked for: the device went away (disconnected: true), or the port was closed under us.
    this.port = null;
    const path = this.currentPath ?? port.path;
    this.currentPath = null;
    this.framer.reset();
    const why = error?.disconnected ? 'unplugged' : 'closed unexpectedly';
    this.fail('unplugged', `${this.id} on ${path} was ${why}${error ? ` (${error.message})` : ''} — looking for ${this.where()} again`);
    this.lost('unplugged');
  }

  private onFrame(frame: Frame): void {
    if (this.state !== 'enabled') return; // a disabled scanner's reads are dropped, errors included
    if (frame.kind === 'error') {
      this.fail(frame.code, `${this.id}: ${frame.message}`, REPEATS[frame.problem]);
      return;
    }
    const aim = splitAimPrefix(frame.text);
    this.deliver({
      text: frame.text,
      raw: frame.raw,
      symbology: aim?.symbology ?? 'unknown',
      aimId: aim?.aimId ?? null,
      source: 'serial',
      deviceId: this.id,
      time: frame.time,
    });
  }
}

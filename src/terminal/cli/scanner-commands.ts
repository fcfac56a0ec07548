/**
 * `tally scanner list` and `tally scanner watch`: the counter's scanners without the screens.
 * `watch` runs a real scanner (serial/USB-CDC or HID POS) under the supervisor and shows, for
 * every code, what the card-code parser made of it and which member it found: how a store checks
 * a new scanner's set-up, and how support sees what a scanner sends.
 */
import type { BaseScanner, DeviceError, DeviceStatus } from '../devices/device.js';
import { listSafely, type FoundDevice, type UsbMatch } from '../devices/discovery.js';
import { HidScanner, nodeHidLister } from '../devices/hid/hid-scanner.js';
import type { ScanEvent } from '../devices/scan-event.js';
import type { Suffix } from '../devices/serial/framer.js';
import { SerialScanner, serialPortLister } from '../devices/serial/serial-scanner.js';
import { DeviceSupervisor } from '../devices/supervisor.js';
import type { MemberSummary } from '../../contract/member-summary.js';
import { maskScanned } from '../../core/card-code/mask.js';
import type { CardCode } from '../../core/card-code/parse.js';
import { TallyError } from '../../core/errors.js';

const hex = (n: number | null): string => (n === null ? '----' : n.toString(16).padStart(4, '0'));

export interface ListedDevices {
  readonly serial: readonly FoundDevice[];
  readonly hid: readonly FoundDevice[];
  readonly problems: readonly DeviceError[];
}

export async function listScanners(): Promise<ListedDevices> {
  const serial = await listSafely(serialPortLister, 'serial');
  const hid = await listSafely(nodeHidLister, 'hid');
  return { serial: serial.devices, hid: hid.devices, problems: [serial.error, hid.error].filter((e): e is DeviceError => e !== null) };
}

export function describeDevices(found: ListedDevices): string[] {
  const lines: string[] = [];
  lines.push(`Serial ports (${found.serial.length}):`);
  for (const d of found.serial) lines.push(`  ${d.path}  USB ${hex(d.vendorId)}:${hex(d.productId)}${d.serialNumber ? ` serial ${d.serialNumber}` : ''}${d.manufacturer ? `  ${d.manufacturer}` : ''}`);
  lines.push(`HID devices (${found.hid.length}):`);
  for (const d of found.hid) {
    const pos = d.usagePage === 0x8c ? '  HID POS scanner' : '';
    lines.push(`  ${d.path}  USB ${hex(d.vendorId)}:${hex(d.productId)}${d.serialNumber ? ` serial ${d.serialNumber}` : ''}${d.product ? `  ${d.product}` : ''}${pos}`);
  }
  for (const p of found.problems) lines.push(`! ${p.message}`);
  return lines;
}

/** What `tally scanner add` stores: one of --serial, --serial-usb or --hid, with the serial line's settings. */
export function scannerArgs(options: { readonly id: string; readonly serial?: string; readonly serialUsb?: string; readonly hid?: string; readonly baud?: number; readonly suffix?: string }): { id: string; transport: unknown } {
  const given = [options.serial, options.serialUsb, options.hid].filter((x) => x !== undefined).length;
  if (given !== 1) throw new TallyError('invalid-input', 'give one of --serial PATH, --serial-usb VENDOR:PRODUCT[:SERIAL] or --hid VENDOR:PRODUCT[:SERIAL]');
  const line = { ...(options.baud !== undefined ? { baudRate: options.baud } : {}), ...(options.suffix !== undefined ? { suffix: options.suffix } : {}) };
  if (options.hid !== undefined) {
    if (options.baud !== undefined || options.suffix !== undefined) throw new TallyError('invalid-input', '--baud and --suffix are for serial scanners; a HID POS scanner has neither');
    return { id: options.id, transport: { kind: 'hid', usb: parseUsbMatch(options.hid) } };
  }
  if (options.serialUsb !== undefined) return { id: options.id, transport: { kind: 'serial-usb', usb: parseUsbMatch(options.serialUsb), ...line } };
  return { id: options.id, transport: { kind: 'serial', path: options.serial, ...line } };
}

/** "0c2e:0b61" or "0c2e:0b61:17324B0042". */
export function parseUsbMatch(text: string): UsbMatch {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})(?::(.+))?$/.exec(text);
  if (!m) throw new TallyError('invalid-input', `A USB device is VENDOR:PRODUCT[:SERIAL] in hex, e.g. 0c2e:0b61, got "${text}"`);
  return { vendorId: parseInt(m[1]!, 16), productId: parseInt(m[2]!, 16), ...(m[3] ? { serialNumber: m[3] } : {}) };
}

export interface WatchOptions {
  readonly serialPath?: string;
  readonly serialUsb?: UsbMatch;
  readonly hid?: UsbMatch;
  readonly baudRate?: number;
  readonly suffix?: Suffix;
  /** Stop after this many scans (scripts and tests); otherwise until SIGINT/SIGTERM. */
  readonly count?: number;
}

export type WatchEvent =
  | { readonly type: 'scan'; readonly scan: Omit<ScanEvent, 'raw'> & { readonly raw: string }; readonly result: Record<string, unknown> }
  | { readonly type: 'status'; readonly status: DeviceStatus }
  | { readonly type: 'error'; readonly error: DeviceError };

function scannerFor(options: WatchOptions): BaseScanner {
  if (options.hid) return new HidScanner('hid-scanner', { match: options.hid });
  const framing = options.suffix ? { framing: { suffix: options.suffix } } : {};
  if (options.serialUsb) return new SerialScanner({ id: 'serial-scanner', match: options.serialUsb, ...(options.baudRate ? { baudRate: options.baudRate } : {}), ...framing });
  if (options.serialPath) return new SerialScanner({ id: 'serial-scanner', path: options.serialPath, ...(options.baudRate ? { baudRate: options.baudRate } : {}), ...framing });
  throw new TallyError('invalid-input', 'give --serial PATH, --serial-usb VENDOR:PRODUCT[:SERIAL] or --hid VENDOR:PRODUCT[:SERIAL]');
}

/** What `scanner watch` asks of the terminal: the parser's verdict, and the member a code names (through the handler map, as a screen asks). */
export interface ScanLookUp {
  readonly parse: (text: string) => CardCode;
  readonly member: (card: string) => Promise<MemberSummary>;
}

/** What the counter would do with a scan: the parser's verdict and the member it finds. */
async function lookUp(door: ScanLookUp, text: string, parsed: CardCode): Promise<Record<string, unknown>> {
  if (!parsed.ok) return { ok: false, reason: parsed.reason, message: parsed.message };
  try {
    const member = await door.member(text);
    return { ok: true, kind: parsed.kind, memberId: member.memberId, name: member.name, balance: member.balance, tier: member.tier?.tier ?? null };
  } catch (error) {
    if (error instanceof TallyError) return { ok: false, reason: error.code, message: error.message };
    throw error;
  }
}

export async function watchScanner(door: ScanLookUp, options: WatchOptions, emit: (event: WatchEvent) => void): Promise<number> {
  const scanner = scannerFor(options);
  const supervisor = new DeviceSupervisor(scanner);
  let scans = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  scanner.events.on('status', (status) => emit({ type: 'status', status }));
  scanner.events.on('error', (error) => emit({ type: 'error', error }));
  // Scans are looked up one after another, in the order they were read; a fault of Tally ends the watch with it.
  let looking: Promise<void> = Promise.resolve();
  let fault: unknown;
  scanner.events.on('data', (scan) => {
    looking = looking.then(async () => {
      if (fault !== undefined) return;
      const { raw, ...rest } = scan;
      const parsed = door.parse(scan.text);
      const result = await lookUp(door, scan.text, parsed);
      // Only a code the parser took for a member card is shown as sent, with its bytes (how support
      // checks a scanner's set-up). Anything refused may be a bank card in a shape nobody foresaw,
      // and a member QR code is a credential: their text and bytes are never shown, only a mask.
      const shown = parsed.ok && parsed.kind === 'card' ? { ...rest, raw: Buffer.from(raw).toString('hex') } : { ...rest, text: maskScanned(scan.text, parsed), raw: '' };
      emit({ type: 'scan', scan: shown, result });
      scans += 1;
      if (options.count !== undefined && scans >= options.count) finish();
    }).catch((error: unknown) => {
      fault = error;
      finish();
    });
  });
  const stop = (): void => finish();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await supervisor.start();
    await done;
    await looking;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await supervisor.stop();
  }
  if (fault !== undefined) throw fault;
  return 0;
}

/**
 * Finding devices by USB identity. Listing goes through an injected lister (SerialPort.list,
 * HID.devices, or recorded output in tests), and never throws: a missing `udevadm` (SerialPort.list
 * spawns it) or a missing libusb (node-hid) becomes a DeviceError the screen can show.
 */
import type { DeviceError } from './device.js';

/** How a configured device is recognised again after it was unplugged. */
export interface UsbMatch {
  readonly vendorId: number;
  readonly productId: number;
  /** Tells two identical scanners apart; without it the first match wins. */
  readonly serialNumber?: string;
}

/** What a lister reports, normalised: SerialPort.list gives hex strings, node-hid numbers. */
export interface FoundDevice {
  readonly path: string;
  readonly vendorId: number | null;
  readonly productId: number | null;
  readonly serialNumber: string | null;
  readonly manufacturer: string | null;
  readonly product: string | null;
  /** HID only: the report usage page and usage (0x8C is the bar code scanner page). */
  readonly usagePage: number | null;
  readonly usage: number | null;
}

export type Lister = () => Promise<readonly FoundDevice[]>;

export function parseUsbId(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff) return value;
  if (typeof value === 'string' && /^(0x)?[0-9a-fA-F]{1,4}$/.test(value)) return parseInt(value.replace(/^0x/, ''), 16);
  return null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

/** One entry of SerialPort.list() (or a recording of it). */
export function fromSerialPortInfo(info: Readonly<Record<string, unknown>>): FoundDevice | null {
  const path = text(info['path']);
  if (path === null) return null;
  return {
    path,
    vendorId: parseUsbId(info['vendorId']),
    productId: parseUsbId(info['productId']),
    serialNumber: text(info['serialNumber']),
    manufacturer: text(info['manufacturer']),
    product: text(info['pnpId']),
    usagePage: null,
    usage: null,
  };
}

/** One entry of HID.devices() / HID.devicesAsync() (or a recording of it). */
export function fromHidInfo(info: Readonly<Record<string, unknown>>): FoundDevice | null {
  const path = text(info['path']);
  if (path === null) return null;
  return {
    path,
    vendorId: parseUsbId(info['vendorId']),
    productId: parseUsbId(info['productId']),
    serialNumber: text(info['serialNumber']),
    manufacturer: text(info['manufacturer']),
    product: text(info['product']),
    usagePage: typeof info['usagePage'] === 'number' ? info['usagePage'] : null,
    usage: typeof info['usage'] === 'number' ? info['usage'] : null,
  };
}

export function matches(match: UsbMatch, device: FoundDevice): boolean {
  return device.vendorId === match.vendorId && device.productId === match.productId && (match.serialNumber === undefined || device.serialNumber === match.serialNumber);
}

export function describeMatch(match: UsbMatch): string {
  const hex = (n: number): string => n.toString(16).padStart(4, '0');
  return `USB ${hex(match.vendorId)}:${hex(match.productId)}${match.serialNumber ? ` serial ${match.serialNumber}` : ''}`;
}

/** Why listing failed, in words a store's support person can act on. */
export function listingError(error: unknown, deviceId: string): DeviceError {
  const message = error instanceof Error ? error.message : String(error);
  if (/udevadm/i.test(message) || /ENOENT/.test(message)) {
    return { code: 'driver-missing', message: `cannot list serial ports: udevadm is missing (install the "udev" package): ${message}`, deviceId };
  }
  if (/libusb|cannot open shared object/i.test(message)) {
    return { code: 'driver-missing', message: `cannot list HID devices: libusb is missing (install "libusb-1.0-0"): ${message}`, deviceId };
  }
  if (/EACCES|permission/i.test(message)) {
    return { code: 'permission-denied', message: `not allowed to list devices (see native/README.md for the udev rule): ${message}`, deviceId };
  }
  return { code: 'io', message: `cannot list devices: ${message}`, deviceId };
}

/** Runs a lister and never throws. */
export async function listSafely(lister: Lister, deviceId: string): Promise<{ readonly devices: readonly FoundDevice[]; readonly error: DeviceError | null }> {
  try {
    return { devices: await lister(), error: null };
  } catch (error) {
    return { devices: [], error: listingError(error, deviceId) };
  }
}

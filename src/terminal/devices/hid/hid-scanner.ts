/**
 * A HID POS bar code scanner (usage page 0x8C) through node-hid 3's async API. The only file on
 * the terminal side that loads node-hid, and it does so lazily (`import('node-hid')` inside the
 * default lister and opener), so a broken native binding or a missing libusb/libudev becomes a
 * DeviceError on open, never a crash at start-up.
 *
 * Open: list devices through the injected lister, pick the interface of the configured USB
 * vendor/product/serial whose usage page is 0x8C, open its path, read its report descriptor (a
 * `getReportDescriptor()` where the node-hid build offers one — node-hid 3.4 does not — else
 * Linux sysfs, /sys/class/hidraw/hidrawN/device/report_descriptor, which hidapi itself reads without
 * privileges), fall back to the vendor profile's descriptor, send the profile's mode switch, then
 * decode each input report by usage (pos-report.ts) and deliver whole codes as ScanEvents.
 *
 * Unplug: node-hid emits 'error' when a read fails (the device went away); that becomes
 * fail('unplugged') + lost(), so the DeviceSupervisor looks for it again. Every callback is fenced:
 * nothing thrown in here can reach node-hid's read loop or the process.
 *
 * Bad reports: each one is an error, and a device can send reports continuously (a vendor status
 * report the descriptor does not declare, a profile that does not fit: up to 1000 a second on a
 * full-speed interrupt endpoint). They are reported as repeatable (BaseScanner.fail): the first of
 * each kind in full, the rest as one count per window.
 */
import { readFile } from 'node:fs/promises';
import { BaseScanner, type DeviceErrorCode } from '../device.js';
import { describeMatch, fromHidInfo, listSafely, matches, type FoundDevice, type Lister, type UsbMatch } from '../discovery.js';
import type { RepeatKind } from '../repeated-errors.js';
import type { Timers } from '../supervisor.js';
import { decodeScanReport, HidReportError, ReportAssembler, scanLayoutFrom, scanText, type AssembledScan, type HidReportProblem, type ScanLayout } from './pos-report.js';
import { profileById, profileForVendor, type HidProfile } from './profiles.js';
import { DescriptorError, parseReportDescriptor } from './report-descriptor.js';
import { PAGE_BAR_CODE_SCANNER } from './usages.js';

/** What HidScanner uses of node-hid's HIDAsync: a fake with these members stands in for a device in tests. */
export interface HidHandle {
  on(event: 'data', listener: (report: Uint8Array) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  removeAllListeners(event?: 'data' | 'error'): unknown;
  close(): Promise<void>;
  sendFeatureReport(report: number[]): Promise<number>;
  write(report: number[]): Promise<number>;
  /** Not in node-hid 3.4 (hidapi has hid_get_report_descriptor, node-hid does not expose it); used when a build offers it. */
  getReportDescriptor?: () => Promise<Uint8Array>;
}

export type HidOpener = (path: string) => Promise<HidHandle>;

/** Where a device's report descriptor comes from; resolves null when it cannot be had. Must not throw. */
export type DescriptorSource = (device: FoundDevice, handle: HidHandle) => Promise<Uint8Array | null>;

export interface HidScannerOptions {
  readonly match: UsbMatch;
  readonly lister?: Lister;
  readonly opener?: HidOpener;
  readonly descriptorSource?: DescriptorSource;
  /** A profile id ('honeywell', 'access-is', 'newland') or profile; by default chosen by USB vendor id. */
  readonly profile?: string | HidProfile;
  readonly maxCodeBytes?: number;
  readonly finalReportTimeoutMs?: number;
  readonly timers?: Timers;
  readonly now?: () => number;
  /** Repeats of one kind of report error are counted for this long, then summarised (default 10 000 ms). */
  readonly repeatWindowMs?: number;
}

const PROFILE_ADVICE = 'if scans do not arrive, check the scanner is in HID POS mode and its profile fits';

/** How each kind of report error is summarised (`N more … in the last 10 s — advice`). */
const REPEATS: Readonly<Record<HidReportProblem, RepeatKind>> = {
  'no-scan-report': { kind: 'hid:no-scan-report', what: 'reports with no scanned data', advice: PROFILE_ADVICE },
  short: { kind: 'hid:short', what: 'HID reports too short for the descriptor', advice: PROFILE_ADVICE },
  'unknown-report': { kind: 'hid:unknown-report', what: 'HID reports with an id the descriptor does not declare', advice: PROFILE_ADVICE },
  'bad-length': { kind: 'hid:bad-length', what: 'garbled HID reports', advice: PROFILE_ADVICE },
  inconsistent: { kind: 'hid:inconsistent', what: 'codes whose reports disagreed' },
  overflow: { kind: 'hid:overflow', what: 'over-long codes refused' },
  'lost-final-report': { kind: 'hid:lost-final-report', what: 'codes whose last report never came' },
};
const UNHANDLED_REPORT: RepeatKind = { kind: 'hid:unhandled', what: 'HID reports that could not be handled' };

/** node-hid's HID.devicesAsync(), normalised; loading node-hid itself happens here, inside listSafely. */
export const nodeHidLister: Lister = async () => {
  const HID = await import('node-hid');
  const list = await HID.devicesAsync();
  return list.map((d) => fromHidInfo(d as unknown as Readonly<Record<string, unknown>>)).filter((d): d is FoundDevice => d !== null);
};

/** node-hid's HIDAsync.open(path), seen through HidHandle. */
export const nodeHidOpener: HidOpener = async (path) => {
  const HID = await import('node-hid');
  const device = await HID.HIDAsync.open(path);
  const extra = device as unknown as { getReportDescriptor?: () => Promise<Uint8Array> };
  const handle: HidHandle = {
    on: (event: 'data' | 'error', listener: (value: never) => void) => device.on(event, listener as (...args: unknown[]) => void),
    removeAllListeners: (event) => device.removeAllListeners(event),
    close: () => device.close(),
    sendFeatureReport: (report) => device.sendFeatureReport(report),
    write: (report) => device.write(report),
    ...(typeof extra.getReportDescriptor === 'function' ? { getReportDescriptor: () => extra.getReportDescriptor!.call(device) } : {}),
  };
  return handle;
};

/** The device's own descriptor: from node-hid if it can give it, else from Linux sysfs for /dev/hidrawN. */
export const defaultDescriptorSource: DescriptorSource = async (device, handle) => {
  if (handle.getReportDescriptor) {
    try {
      const bytes = await handle.getReportDescriptor();
      if (bytes.length > 0) return new Uint8Array(bytes);
    } catch {
      // fall through to sysfs
    }
  }
  const hidraw = /^\/dev\/(hidraw\d+)$/.exec(device.path);
  if (!hidraw) return null;
  try {
    return new Uint8Array(await readFile(`/sys/class/hidraw/${hidraw[1]}/device/report_descriptor`));
  } catch {
    return null;
  }
};

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Why opening a path failed, in words a store's support person can act on. */
export function openFailure(error: unknown, path: string): { code: DeviceErrorCode; message: string } {
  const message = messageOf(error);
  if (/EACCES|permission denied|EPERM/i.test(message)) {
    return { code: 'permission-denied', message: `not allowed to open ${path}: install the udev rule in native/udev/70-tally-hid-pos.rules (see native/README.md, "HID POS scanners") — ${message}` };
  }
  if (/libusb|libudev|cannot open shared object/i.test(message)) {
    return { code: 'driver-missing', message: `cannot load the HID driver: install "libusb-1.0-0" and "libudev1" — ${message}` };
  }
  if (/ENOENT|no such file|no such device|ENODEV/i.test(message)) {
    return { code: 'not-found', message: `${path} went away before it could be opened — ${message}` };
  }
  return { code: 'io', message: `cannot open ${path}: ${message}` };
}

/** A failure already reported on the error channel; thrown so open() and the supervisor see it. */
export class HidOpenError extends Error {
  constructor(
    readonly code: DeviceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HidOpenError';
  }
}

export class HidScanner extends BaseScanner {
  private handle: HidHandle | null = null;
  private layout: ScanLayout | null = null;
  private profile: HidProfile | undefined;
  private found: FoundDevice | null = null;
  private layoutFrom: 'device-descriptor' | `profile:${string}` = 'device-descriptor';
  private readonly assembler: ReportAssembler;
  private readonly lister: Lister;
  private readonly opener: HidOpener;
  private readonly descriptorSource: DescriptorSource;
  private readonly now: () => number;

  constructor(
    id: string,
    private readonly options: HidScannerOptions,
  ) {
    super(id, 'hid', {
      ...(options.now ? { clock: options.now } : {}),
      ...(options.timers ? { timers: options.timers } : {}),
      ...(options.repeatWindowMs === undefined ? {} : { repeatWindowMs: options.repeatWindowMs }),
    });
    this.lister = options.lister ?? nodeHidLister;
    this.opener = options.opener ?? nodeHidOpener;
    this.descriptorSource = options.descriptorSource ?? defaultDescriptorSource;
    this.now = options.now ?? Date.now;
    this.assembler = new ReportAssembler(
      (scan) => this.onScan(scan),
      (error) => this.fail(error.problem === 'overflow' ? 'overflow' : 'garbage', `${this.id}: ${error.message}`, REPEATS[error.problem]),
      {
        ...(options.maxCodeBytes !== undefined ? { maxBytes: options.maxCodeBytes } : {}),
        ...(options.finalReportTimeoutMs !== undefined ? { finalReportTimeoutMs: options.finalReportTimeoutMs } : {}),
        timers: options.timers ?? realTimers,
      },
    );
  }

  /** Where the device is and how its reports are read, once open (for support screens and tests). */
  get connection(): { readonly path: string; readonly layoutFrom: 'device-descriptor' | `profile:${string}`; readonly profile: string | null } | null {
    if (!this.found || !this.layout) return null;
    return { path: this.found.path, layoutFrom: this.layoutFrom, profile: this.profile?.id ?? null };
  }

  private refuse(code: DeviceErrorCode, message: string): never {
    this.fail(code, message);
    throw new HidOpenError(code, message);
  }

  protected async doOpen(): Promise<void> {
    const { match } = this.options;
    const { devices, error } = await listSafely(this.lister, this.id);
    if (error) this.refuse(error.code, error.message);
    const found = this.pick(devices, match);
    this.profile = this.chooseProfile(found.vendorId);

    let handle: HidHandle;
    try {
      handle = await this.opener(found.path);
    } catch (cause) {
      const { code, message } = openFailure(cause, found.path);
      this.refuse(code, `${this.id}: ${message}`);
    }
    // The error listener goes on first: node-hid's HIDAsync is an EventEmitter, and an 'error' with no listener throws.
    handle.on('error', (cause) => this.onDeviceError(cause));
    try {
      this.layout = await this.layoutFor(found, handle);
    } catch (cause) {
      await this.closeQuietly(handle);
      throw cause;
    }
    this.handle = handle;
    this.found = found;
    await this.switchMode(handle);
    // Unplugged while the mode switch was on its way: onDeviceError has reported it and let go.
    if (this.handle !== handle) throw new HidOpenError('unplugged', `${this.id} went away while it was being opened`);
    handle.on('data', (report) => this.onReport(report));
    this.status({ kind: 'online', deviceId: this.id, path: found.path });
  }

  protected async doClose(): Promise<void> {
    const handle = this.handle;
    this.detach();
    if (handle) await this.closeQuietly(handle);
    this.status({ kind: 'offline', deviceId: this.id, reason: 'closed' });
  }

  private pick(devices: readonly FoundDevice[], match: UsbMatch): FoundDevice {
    const same = devices.filter((d) => matches(match, d));
    if (same.length === 0) this.refuse('not-found', `${this.id}: ${describeMatch(match)} is not connected`);
    // One USB device lists one entry per HID interface / top-level collection; scans come on usage page 0x8C.
    const pos = same.filter((d) => d.usagePage === PAGE_BAR_CODE_SCANNER);
    const best = pos.find((d) => d.usage === 0x02) ?? pos[0];
    if (best) return best;
    // A backend that reports no usage pages gets the benefit of the doubt; the descriptor check still refuses a non-POS interface.
    if (same.every((d) => d.usagePage === null)) return same[0]!;
    return this.refuse(
      'not-found',
      `${this.id}: ${describeMatch(match)} is connected but has no HID POS interface (usage page 0x8C; it shows ${[...new Set(same.map((d) => `0x${(d.usagePage ?? 0).toString(16)}`))].join(', ')}): it is in keyboard or serial mode — scan the vendor's "USB HID POS" programming bar code`,
    );
  }

  private chooseProfile(vendorId: number | null): HidProfile | undefined {
    const wanted = this.options.profile;
    if (wanted === undefined) return profileForVendor(vendorId);
    if (typeof wanted !== 'string') return wanted;
    const profile = profileById(wanted);
    if (!profile) this.refuse('io', `${this.id}: no HID POS profile called "${wanted}"`);
    return profile;
  }

  /** The device's own descriptor when it can be read and names the POS fields, else the profile's. */
  private async layoutFor(found: FoundDevice, handle: HidHandle): Promise<ScanLayout> {
    // A DescriptorSource must not throw; one that does is treated as "cannot read".
    const bytes = await this.descriptorSource(found, handle).catch(() => null);
    const profile = this.profile;
    let problem = 'its report descriptor cannot be read';
    let notAScanner = false;
    if (bytes) {
      try {
        const codeIdUsage = profile?.descriptorOrigin === 'device' ? profile.codeIdUsage : undefined;
        const layout = scanLayoutFrom(parseReportDescriptor(bytes), codeIdUsage === undefined ? {} : { codeIdUsage });
        this.layoutFrom = 'device-descriptor';
        return layout;
      } catch (cause) {
        if (!(cause instanceof DescriptorError || cause instanceof HidReportError)) throw cause;
        problem = cause.message;
        notAScanner = cause instanceof HidReportError;
      }
    }
    // A profile that is the vendor's own descriptor cannot stand in for a readable descriptor
    // without the POS usages: that interface is not the scanner's HID POS interface.
    if (profile && !(notAScanner && profile.descriptorOrigin === 'device')) {
      const layout = scanLayoutFrom(parseReportDescriptor(profile.descriptor), profile.codeIdUsage === undefined ? {} : { codeIdUsage: profile.codeIdUsage });
      this.layoutFrom = `profile:${profile.id}`;
      return layout;
    }
    return this.refuse(
      'garbage',
      `${this.id}: cannot tell where ${found.path} puts its scans — ${problem}, and no vendor profile matches USB vendor ${found.vendorId === null ? 'unknown' : `0x${found.vendorId.toString(16).padStart(4, '0')}`} (configure one: honeywell, access-is, newland)`,
    );
  }

  private async switchMode(handle: HidHandle): Promise<void> {
    const change = this.profile?.modeSwitch;
    if (!change) return;
    try {
      if (change.report === 'feature') await handle.sendFeatureReport([...change.bytes]);
      else await handle.write([...change.bytes]);
    } catch (cause) {
      // Not fatal: a scanner already in HID POS mode may refuse the report and still scan.
      this.fail('io', `${this.id}: could not ${change.purpose}: ${messageOf(cause)} — scans may not arrive; if none do, scan the "USB HID POS" programming bar code`);
    }
  }

  private onReport(report: Uint8Array): void {
    try {
      const layout = this.layout;
      if (!layout) return;
      const decoded = decodeScanReport(layout, report);
      if (decoded.kind === 'other') return;
      this.assembler.push(decoded.piece, Uint8Array.from(report));
    } catch (cause) {
      if (cause instanceof HidReportError) this.fail('garbage', `${this.id}: ${cause.message}`, REPEATS[cause.problem]);
      else this.fail('io', `${this.id}: a HID report could not be handled: ${messageOf(cause)}`, UNHANDLED_REPORT);
    }
  }

  private onScan(scan: AssembledScan): void {
    const { text, aimId, symbology } = scanText(scan, this.profile?.codeIds);
    this.deliver({ text, raw: scan.raw, symbology, aimId, source: 'hid', deviceId: this.id, time: this.now() });
  }

  private onDeviceError(cause: unknown): void {
    try {
      const handle = this.handle;
      if (!handle) return; // already closed or lost: a late error from the dying handle
      this.detach();
      this.fail('unplugged', `${this.id} was unplugged or stopped answering (${this.found?.path ?? 'unknown path'}): ${messageOf(cause)}`);
      this.lost('unplugged');
      void this.closeQuietly(handle);
    } catch {
      // Nothing may escape into node-hid's read loop.
    }
  }

  private detach(): void {
    this.assembler.reset();
    this.handle?.removeAllListeners('data');
    this.handle = null;
    this.layout = null;
  }

  private async closeQuietly(handle: HidHandle): Promise<void> {
    // Keep an 'error' listener while closing: a read failing during close must not be unhandled.
    handle.on('error', () => undefined);
    try {
      await handle.close();
    } catch {
      // The device is gone or already closed; there is nothing left to release.
    }
  }
}

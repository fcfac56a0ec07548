/**
 * HidScanner against the edge of the world as it is on this machine: no HID device exists, so a
 * fake stands in for node-hid's HIDAsync (the same members: on('data'|'error'), close,
 * sendFeatureReport, write) and the lister returns what HID.devicesAsync() returns. Covered: the
 * HID POS interface chosen among a scanner's interfaces, the vendor mode switch, a signed member QR
 * over three reports, unplug mid-code, permission denied, libusb missing, a scanner in keyboard
 * mode, garbage reports, a lost final report, and the supervisor finding a replugged scanner again.
 * The real node-hid lister and opener run too: they must answer "nothing here", not crash.
 */
import { describe, expect, it } from 'vitest';
import { cardCodeRules, parseCardCode } from '../../src/core/card-code/parse.js';
import type { DeviceError, DeviceStatus } from '../../src/terminal/devices/device.js';
import { fromHidInfo, listSafely, type FoundDevice, type Lister } from '../../src/terminal/devices/discovery.js';
import { defaultDescriptorSource, HidScanner, nodeHidLister, nodeHidOpener, openFailure, type HidHandle, type HidScannerOptions } from '../../src/terminal/devices/hid/hid-scanner.js';
import { HONEYWELL } from '../../src/terminal/devices/hid/profiles.js';
import type { ScanEvent } from '../../src/terminal/devices/scan-event.js';
import { DeviceSupervisor } from '../../src/terminal/devices/supervisor.js';
import { APPLICATION, descriptor, item, VARIABLE } from '../../src/terminal/devices/hid/descriptor-builder.js';
import { hexBytes, loadJson, type DescriptorFixture, type VendorFixture } from '../fixtures/hid/load.js';
import { FakeTimers } from '../support/fake-timers.js';

const honeywell = loadJson<VendorFixture>('honeywell.json');
const qr = honeywell.scans.find((s) => s.expect.aimId === ']Q1')!;
const ean = honeywell.scans.find((s) => s.expect.aimId === ']E0')!;

/** Stands in for node-hid's HIDAsync: an 'error' with no listener throws, as on Node's EventEmitter. */
class FakeHid implements HidHandle {
  readonly listeners = { data: new Set<(report: Uint8Array) => void>(), error: new Set<(error: unknown) => void>() };
  closed = false;
  readonly features: number[][] = [];
  featureError: Error | null = null;

  on(event: 'data', listener: (report: Uint8Array) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: 'data' | 'error', listener: (value: never) => void): unknown {
    (this.listeners[event] as Set<unknown>).add(listener);
    return this;
  }
  removeAllListeners(event?: 'data' | 'error'): unknown {
    if (event === undefined || event === 'data') this.listeners.data.clear();
    if (event === undefined || event === 'error') this.listeners.error.clear();
    return this;
  }
  close(): Promise<void> {
    this.closed = true;
    this.removeAllListeners();
    return Promise.resolve();
  }
  sendFeatureReport(report: number[]): Promise<number> {
    if (this.featureError) return Promise.reject(this.featureError);
    this.features.push(report);
    return Promise.resolve(report.length);
  }
  write(report: number[]): Promise<number> {
    return Promise.resolve(report.length);
  }
  report(hex: string): void {
    for (const l of [...this.listeners.data]) l(hexBytes(hex));
  }
  fail(error: Error): void {
    if (this.listeners.error.size === 0) throw error;
    for (const l of [...this.listeners.error]) l(error);
  }
}

/** What HID.devicesAsync() lists for a Honeywell scanner in keyboard + HID POS mode: one entry per top-level collection. */
const honeywellEntries = (serialNumber = '15232B1F0C'): FoundDevice[] =>
  [
    { vendorId: 0x0c2e, productId: 0x0b8f, path: '/dev/hidraw2', serialNumber, manufacturer: 'Honeywell Imaging & Mobility', product: 'Voyager 1602g', release: 0x0100, interface: 0, usagePage: 0x01, usage: 0x06 },
    { vendorId: 0x0c2e, productId: 0x0b8f, path: '/dev/hidraw3', serialNumber, manufacturer: 'Honeywell Imaging & Mobility', product: 'Voyager 1602g', release: 0x0100, interface: 1, usagePage: 0x8c, usage: 0x02 },
    { vendorId: 0x046d, productId: 0xc52b, path: '/dev/hidraw0', serialNumber: null, manufacturer: 'Logitech', product: 'USB Receiver', release: 0x1211, interface: 2, usagePage: 0xff00, usage: 0x01 },
  ].map((d) => fromHidInfo(d)!);

const match = { vendorId: 0x0c2e, productId: 0x0b8f, serialNumber: '15232B1F0C' };

interface Rig {
  readonly scanner: HidScanner;
  readonly opened: string[];
  readonly handles: FakeHid[];
  readonly timers: FakeTimers;
  readonly seen: { scans: ScanEvent[]; errors: DeviceError[]; statuses: DeviceStatus[] };
  devices: FoundDevice[];
}

function rig(options: Partial<HidScannerOptions> = {}, descriptor: Uint8Array | null = HONEYWELL.descriptor): Rig {
  const timers = new FakeTimers();
  const state = {
    opened: [] as string[],
    handles: [] as FakeHid[],
    devices: honeywellEntries(),
  };
  const scanner = new HidScanner('hid-1', {
    match,
    lister: () => Promise.resolve(state.devices),
    opener: (path) => {
      state.opened.push(path);
      const handle = new FakeHid();
      state.handles.push(handle);
      return Promise.resolve(handle);
    },
    descriptorSource: () => Promise.resolve(descriptor),
    timers,
    now: () => 1_750_000_000_000,
    ...options,
  });
  const seen = { scans: [] as ScanEvent[], errors: [] as DeviceError[], statuses: [] as DeviceStatus[] };
  scanner.events.on('data', (s) => seen.scans.push(s));
  scanner.events.on('error', (e) => seen.errors.push(e));
  scanner.events.on('status', (s) => seen.statuses.push(s));
  return {
    scanner,
    timers,
    seen,
    get opened() {
      return state.opened;
    },
    get handles() {
      return state.handles;
    },
    get devices() {
      return state.devices;
    },
    set devices(value: FoundDevice[]) {
      state.devices = value;
    },
  };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('reading a HID POS scanner', () => {
  it('opens the usage page 0x8C interface, sends the Honeywell mode switch, and delivers a signed member QR from three reports', async () => {
    const r = rig();
    await r.scanner.start();
    expect(r.opened).toEqual(['/dev/hidraw3']);
    expect(r.scanner.connection).toEqual({ path: '/dev/hidraw3', layoutFrom: 'device-descriptor', profile: 'honeywell' });
    expect(r.handles[0]!.features).toEqual([[0xfe, 0x01]]);
    expect(r.seen.statuses).toEqual([{ kind: 'online', deviceId: 'hid-1', path: '/dev/hidraw3' }]);

    for (const report of qr.reports) r.handles[0]!.report(report);
    expect(r.seen.errors).toEqual([]);
    expect(r.seen.scans).toHaveLength(1);
    const scan = r.seen.scans[0]!;
    expect(scan).toMatchObject({ text: honeywell.member.token, aimId: ']Q1', symbology: 'qr', source: 'hid', deviceId: 'hid-1', time: 1_750_000_000_000 });
    expect(scan.raw).toHaveLength(64 * qr.reports.length);
    // The fixture's member QR is a version-1 code (member id in clear): it reaches the parser whole, which refuses it.
    const rules = cardCodeRules({ rules: [{ type: 'member-qr', id: 'member-qr' }], verifyKeys: [honeywell.member.verifyKey] });
    const member = parseCardCode({ text: scan.text, symbology: scan.symbology }, rules, Date.UTC(2026, 5, 1));
    expect(member).toMatchObject({ ok: false, reason: 'token-outdated', symbology: 'qr' });

    r.handles[0]!.report(ean.reports[0]!);
    expect(r.seen.scans.map((s) => [s.text, s.symbology])).toEqual([
      [honeywell.member.token, 'qr'],
      ['2900000042179', 'ean-upc'],
    ]);
    await r.scanner.close();
    expect(r.handles[0]!.closed).toBe(true);
    expect(r.seen.statuses.at(-1)).toEqual({ kind: 'offline', deviceId: 'hid-1', reason: 'closed' });
  });

  it('drops reports while disabled, as UnifiedPOS does', async () => {
    const r = rig();
    await r.scanner.open();
    await r.scanner.claim();
    r.handles[0]!.report(ean.reports[0]!);
    await r.scanner.enable();
    r.handles[0]!.report(ean.reports[0]!);
    expect(r.seen.scans).toHaveLength(1);
    await r.scanner.close();
  });

  it('falls back to the vendor profile when the descriptor cannot be read, and refuses a scanner it cannot read at all', async () => {
    const withProfile = rig({}, null);
    await withProfile.scanner.start();
    expect(withProfile.scanner.connection?.layoutFrom).toBe('profile:honeywell');
    withProfile.handles[0]!.report(ean.reports[0]!);
    expect(withProfile.seen.scans.map((s) => s.text)).toEqual(['2900000042179']);
    await withProfile.scanner.close();

    const unknown = rig({ match: { vendorId: 0x1234, productId: 0x0001 } }, null);
    unknown.devices = [fromHidInfo({ vendorId: 0x1234, productId: 0x0001, path: '/dev/hidraw7', usagePage: 0x8c, usage: 0x02 })!];
    await expect(unknown.scanner.start()).rejects.toThrow(/cannot tell where \/dev\/hidraw7 puts its scans/);
    expect(unknown.seen.errors.map((e) => e.code)).toEqual(['garbage']);
    expect(unknown.seen.errors[0]!.message).toMatch(/no vendor profile matches USB vendor 0x1234 \(configure one: honeywell, access-is, newland\)/);
    expect(unknown.handles[0]!.closed).toBe(true);
    expect(unknown.scanner.state).toBe('closed');
  });

  it("refuses an interface whose readable descriptor has no POS fields, but lets a documented-layout profile stand in for a vendor's own usages", async () => {
    const keyboard = hexBytes(loadJson<DescriptorFixture>('descriptors.json').descriptors[2]!.hex);
    const honeywellKeyboard = rig({}, keyboard);
    await expect(honeywellKeyboard.scanner.start()).rejects.toThrow(/no input report with Decoded Data/);
    expect(honeywellKeyboard.seen.errors.map((e) => e.code)).toEqual(['garbage']);

    const newland = loadJson<VendorFixture>('newland.json');
    // A descriptor that names its bytes with vendor usages only: the Newland manual's byte table reads it.
    const vendorOnly = descriptor(item.usagePage(0xff00), item.usage(0x01), item.collection(APPLICATION), item.reportId(2), item.reportSize(8), item.reportCount(63), item.usage(0x02), item.input(VARIABLE), item.endCollection());
    const r = rig({ match: { vendorId: 0x1eab, productId: 0x0d10 } }, vendorOnly);
    r.devices = [fromHidInfo({ vendorId: 0x1eab, productId: 0x0d10, path: '/dev/hidraw4', usagePage: 0x8c, usage: 0x02 })!];
    await r.scanner.start();
    expect(r.scanner.connection).toEqual({ path: '/dev/hidraw4', layoutFrom: 'profile:newland', profile: 'newland' });
    expect(r.handles[0]!.features).toEqual([]); // Newland documents no mode switch
    for (const report of newland.scans[1]!.reports) r.handles[0]!.report(report);
    expect(r.seen.scans.map((x) => [x.aimId, x.symbology, x.text.length])).toEqual([[']Q1', 'qr', 153]]);
    await r.scanner.close();
  });

  it('an unplug while the mode switch is on its way makes open() fail, not half-open', async () => {
    const handle = new FakeHid();
    handle.sendFeatureReport = (report: number[]) => {
      handle.fail(new Error('could not read data from device'));
      return Promise.resolve(report.length);
    };
    const r = rig({ opener: () => Promise.resolve(handle) });
    await expect(r.scanner.start()).rejects.toThrow(/went away while it was being opened/);
    expect(r.scanner.state).toBe('closed');
    expect(r.seen.errors.map((e) => e.code)).toEqual(['unplugged']);
  });

  it('reads a scanner through a profile chosen by id (Access-IS, whose vendor id the manual does not give)', async () => {
    const accessIs = loadJson<VendorFixture>('access-is.json');
    const r = rig({ match: { vendorId: 0x0db5, productId: 0x0139 }, profile: 'access-is' }, null);
    r.devices = [fromHidInfo({ vendorId: 0x0db5, productId: 0x0139, path: '/dev/hidraw5', usagePage: 0x8c, usage: 0x02 })!];
    await r.scanner.start();
    expect(r.scanner.connection?.layoutFrom).toBe('profile:access-is');
    for (const report of accessIs.scans[0]!.reports) r.handles[0]!.report(report);
    expect(r.seen.scans.map((s) => [s.text, s.aimId, s.symbology])).toEqual([[accessIs.scans[0]!.expect.text, ']Q0', 'qr']]);
    await r.scanner.close();
  });

  it('reports a failed mode switch but keeps reading: the scanner may already be in HID POS mode', async () => {
    const handle = new FakeHid();
    handle.featureError = new Error('could not send feature report to device: Broken pipe');
    const r = rig({ opener: () => Promise.resolve(handle) });
    await r.scanner.start();
    expect(r.seen.errors.map((e) => e.code)).toEqual(['io']);
    expect(r.seen.errors[0]!.message).toMatch(/could not route scans to the HID POS interface .*Broken pipe/);
    handle.report(ean.reports[0]!);
    expect(r.seen.scans.map((x) => x.text)).toEqual(['2900000042179']);
    await r.scanner.close();
  });

  it('turns garbage reports into errors and keeps reading', async () => {
    const r = rig();
    await r.scanner.start();
    for (const refused of honeywell.refused) r.handles[0]!.report(refused.report);
    r.handles[0]!.report(ean.reports[0]!);
    expect(r.seen.errors.map((e) => e.code)).toEqual(['garbage', 'garbage', 'garbage']);
    expect(r.seen.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/says it carries 64 bytes, but it has room for 56/),
      expect.stringMatching(/too short: 19 data bytes, .* needs 63/),
      expect.stringMatching(/report id 5 is not one the scanner's descriptor declares/),
    ]);
    expect(r.seen.scans.map((s) => s.text)).toEqual(['2900000042179']);
    await r.scanner.close();
  });

  it('drops a code whose final report is lost, with a reason', async () => {
    const r = rig();
    await r.scanner.start();
    r.handles[0]!.report(qr.reports[0]!);
    r.handles[0]!.report(qr.reports[1]!);
    r.timers.fireAll();
    expect(r.seen.scans).toEqual([]);
    expect(r.seen.errors.map((e) => [e.code, e.message])).toEqual([['garbage', expect.stringMatching(/last report never came \(112 bytes in 2 report\(s\)/)]]);
    await r.scanner.close();
  });
});

describe('when the world goes wrong', () => {
  it('an unplug mid-code: error "unplugged", offline, closed, no half code, nothing thrown', async () => {
    const r = rig();
    await r.scanner.start();
    const handle = r.handles[0]!;
    handle.report(qr.reports[0]!);
    expect(() => handle.fail(new Error('could not read data from device: No such device'))).not.toThrow();
    expect(r.seen.errors).toEqual([{ code: 'unplugged', message: expect.stringMatching(/hid-1 was unplugged or stopped answering \(\/dev\/hidraw3\): could not read data from device/), deviceId: 'hid-1' }]);
    expect(r.seen.statuses.at(-1)).toEqual({ kind: 'offline', deviceId: 'hid-1', reason: 'unplugged' });
    expect(r.scanner.state).toBe('closed');
    await flush();
    expect(handle.closed).toBe(true);
    expect(r.timers.pending.size).toBe(0);
    // The dead handle's last words change nothing.
    handle.report(qr.reports[1]!);
    expect(r.seen.scans).toEqual([]);
    await r.scanner.close();
  });

  it('the supervisor finds the scanner again by vendor/product/serial when it is plugged back in', async () => {
    const r = rig();
    const supervisorTimers = new FakeTimers();
    const supervisor = new DeviceSupervisor(r.scanner, { initialDelayMs: 250, maxDelayMs: 5000, factor: 2 }, supervisorTimers);
    await supervisor.start();
    r.devices = [];
    r.handles[0]!.fail(new Error('could not read data from device'));
    expect(r.seen.statuses.at(-1)).toMatchObject({ kind: 'reconnecting', attempt: 1, retryInMs: 250 });

    supervisorTimers.fireAll(); // still unplugged
    await flush();
    expect(r.seen.errors.at(-1)).toMatchObject({ code: 'not-found', message: 'hid-1: USB 0c2e:0b8f serial 15232B1F0C is not connected' });
    expect(r.seen.statuses.at(-1)).toMatchObject({ kind: 'reconnecting', attempt: 2, retryInMs: 500 });

    // Plugged into another port: another hidraw node, the same serial number.
    r.devices = honeywellEntries().map((d) => (d.usagePage === 0x8c ? { ...d, path: '/dev/hidraw9' } : d));
    supervisorTimers.fireAll();
    await flush();
    expect(r.scanner.state).toBe('enabled');
    expect(r.opened).toEqual(['/dev/hidraw3', '/dev/hidraw9']);
    expect(r.seen.statuses.at(-1)).toEqual({ kind: 'online', deviceId: 'hid-1', path: '/dev/hidraw9' });
    r.handles[1]!.report(ean.reports[0]!);
    expect(r.seen.scans.map((s) => s.text)).toEqual(['2900000042179']);
    await supervisor.stop();
  });

  it('a second scanner of the same model (another serial number) is not taken for ours', async () => {
    const r = rig();
    r.devices = honeywellEntries('99999X0000');
    await expect(r.scanner.start()).rejects.toThrow(/not connected/);
    expect(r.opened).toEqual([]);
  });

  it('permission denied on open (no udev rule): a DeviceError that names the rule, and start() rejects', async () => {
    const r = rig({ opener: (path) => Promise.reject(new Error(`cannot open device with path ${path}: Failed to open a device with path '${path}': Permission denied`)) });
    await expect(r.scanner.start()).rejects.toThrow(/Permission denied/);
    expect(r.seen.errors).toEqual([{ code: 'permission-denied', message: expect.stringMatching(/not allowed to open \/dev\/hidraw3: install the udev rule in native\/udev\/70-tally-hid-pos\.rules/), deviceId: 'hid-1' }]);
    expect(r.scanner.state).toBe('closed');
  });

  it('libusb missing while listing: a DeviceError, never a crash', async () => {
    const r = rig({ lister: () => Promise.reject(new Error('libusb-1.0.so.0: cannot open shared object file: No such file or directory')) });
    await expect(r.scanner.start()).rejects.toThrow(/libusb/);
    expect(r.seen.errors.map((e) => e.code)).toEqual(['driver-missing']);
    expect(r.seen.errors[0]!.message).toMatch(/install "libusb-1.0-0"/);
  });

  it('permission denied while listing (EACCES): a DeviceError', async () => {
    const lister: Lister = () => Promise.reject(Object.assign(new Error("EACCES: permission denied, open '/dev/hidraw3'"), { code: 'EACCES' }));
    const r = rig({ lister });
    await expect(r.scanner.start()).rejects.toThrow();
    expect(r.seen.errors.map((e) => e.code)).toEqual(['permission-denied']);
  });

  it('a scanner in keyboard mode (no usage page 0x8C interface) is refused with what to do', async () => {
    const r = rig();
    r.devices = honeywellEntries().filter((d) => d.usagePage !== 0x8c);
    await expect(r.scanner.start()).rejects.toThrow();
    expect(r.seen.errors.map((e) => e.code)).toEqual(['not-found']);
    expect(r.seen.errors[0]!.message).toMatch(/has no HID POS interface \(usage page 0x8C; it shows 0x1\): it is in keyboard or serial mode — scan the vendor's "USB HID POS" programming bar code/);
    expect(r.opened).toEqual([]);
  });

  it('classifies open failures', () => {
    expect(openFailure(new Error('Failed to open: Permission denied'), '/dev/hidraw1').code).toBe('permission-denied');
    expect(openFailure(new Error("Failed to open a device with path '/dev/hidraw1': No such file or directory"), '/dev/hidraw1').code).toBe('not-found');
    expect(openFailure(new Error('libudev.so.1: cannot open shared object file'), '/dev/hidraw1').code).toBe('driver-missing');
    expect(openFailure('odd', '/dev/hidraw1')).toEqual({ code: 'io', message: 'cannot open /dev/hidraw1: odd' });
  });
});

describe('the real node-hid 3 on this machine (no HID device attached)', () => {
  it('HID.devicesAsync() through the lister answers without throwing', async () => {
    const { devices, error } = await listSafely(nodeHidLister, 'hid-real');
    expect(error).toBeNull();
    expect(devices.filter((d) => d.usagePage === 0x8c)).toEqual([]);
  });

  it('HIDAsync.open() of a path that does not exist becomes a not-found DeviceError through HidScanner', async () => {
    const scanner = new HidScanner('hid-real', {
      match,
      lister: () => Promise.resolve([fromHidInfo({ vendorId: 0x0c2e, productId: 0x0b8f, serialNumber: '15232B1F0C', path: '/dev/hidraw-tally-test-missing', usagePage: 0x8c, usage: 2 })!]),
      opener: nodeHidOpener,
    });
    const errors: DeviceError[] = [];
    scanner.events.on('error', (e) => errors.push(e));
    await expect(scanner.start()).rejects.toThrow(/No such file or directory/);
    expect(errors.map((e) => e.code)).toEqual(['not-found']);
  });

  it('the default descriptor source asks the handle first, and otherwise reads sysfs only for /dev/hidrawN paths', async () => {
    const device = fromHidInfo({ path: '/dev/hidraw-not-a-node', vendorId: 1, productId: 2 })!;
    const handle = new FakeHid();
    expect(await defaultDescriptorSource(device, handle)).toBeNull();
    const offering = Object.assign(new FakeHid(), { getReportDescriptor: () => Promise.resolve(Uint8Array.from(HONEYWELL.descriptor)) });
    expect(await defaultDescriptorSource(device, offering)).toEqual(HONEYWELL.descriptor);
    const missingNode = fromHidInfo({ path: '/dev/hidraw250', vendorId: 1, productId: 2 })!;
    expect(await defaultDescriptorSource(missingNode, handle)).toBeNull();
  });
});

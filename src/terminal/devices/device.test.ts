/**
 * The device lifecycle every transport shares, the simulator, the event hub that never lets an
 * error escape, discovery helpers and the supervisor's reconnect with backoff (timers injected).
 */
import { describe, expect, it } from 'vitest';
import { DeviceStateError, type DeviceError, type DeviceStatus } from './device.js';
import { describeMatch, fromHidInfo, fromSerialPortInfo, listSafely, matches, parseUsbId } from './discovery.js';
import { Events } from './events.js';
import type { ScanEvent } from './scan-event.js';
import { SimulatedScanner } from './simulator.js';
import { backoffDelay, DeviceSupervisor, type Timers } from './supervisor.js';

function record(scanner: SimulatedScanner): { scans: ScanEvent[]; errors: DeviceError[]; statuses: DeviceStatus[] } {
  const seen = { scans: [] as ScanEvent[], errors: [] as DeviceError[], statuses: [] as DeviceStatus[] };
  scanner.events.on('data', (s) => seen.scans.push(s));
  scanner.events.on('error', (e) => seen.errors.push(e));
  scanner.events.on('status', (s) => seen.statuses.push(s));
  return seen;
}

describe('the UnifiedPOS-style lifecycle', () => {
  it('goes open → claim → enable, delivers data only while enabled, and closes from any state', async () => {
    const scanner = new SimulatedScanner('sim-1');
    const seen = record(scanner);
    expect(scanner.state).toBe('closed');
    await expect(scanner.enable()).rejects.toBeInstanceOf(DeviceStateError);
    await scanner.open();
    scanner.scan('2900000000018');
    await scanner.claim();
    scanner.scan('2900000000018');
    await scanner.enable();
    scanner.scan(']E02900000000018', { time: 1234 });
    await scanner.disable();
    scanner.scan('2900000000018');
    expect(seen.scans).toEqual([
      { text: ']E02900000000018', raw: new TextEncoder().encode(']E02900000000018'), symbology: 'ean-upc', aimId: ']E0', source: 'simulator', deviceId: 'sim-1', time: 1234 },
    ]);
    await scanner.enable();
    await scanner.close();
    expect(scanner.state).toBe('closed');
    expect(seen.statuses.map((s) => s.kind)).toEqual(['online', 'offline']);
    await scanner.close(); // closing twice is harmless
  });

  it('reports an unplug as an error and an offline status, and is closed after it', async () => {
    const scanner = new SimulatedScanner('sim-2');
    const seen = record(scanner);
    await scanner.start();
    scanner.unplug();
    expect(scanner.state).toBe('closed');
    expect(seen.errors).toEqual([{ code: 'unplugged', message: 'sim-2 was unplugged', deviceId: 'sim-2' }]);
    expect(seen.statuses.at(-1)).toEqual({ kind: 'offline', deviceId: 'sim-2', reason: 'unplugged' });
  });

  it('never lets a failing listener unwind into the device: it becomes an error event', async () => {
    const scanner = new SimulatedScanner('sim-3');
    const seen = record(scanner);
    scanner.events.on('data', () => {
      throw new Error('screen bug');
    });
    await scanner.start();
    expect(() => scanner.scan('2900000000018')).not.toThrow();
    await Promise.resolve();
    expect(seen.scans).toHaveLength(1);
    expect(seen.errors).toEqual([{ code: 'io', message: 'a scan listener failed: screen bug', deviceId: 'sim-3' }]);
  });

  it('never repeats a scan a failing listener quoted in its error (it may be a bank card)', async () => {
    const scanner = new SimulatedScanner('sim-4');
    const seen = record(scanner);
    scanner.events.on('data', (scan) => {
      throw new Error(`cannot handle "${scan.text}"`);
    });
    await scanner.start();
    scanner.scan('%E?;4111111111111111=2912101?');
    scanner.scan('4242 4242 4242 4242\u001b');
    await Promise.resolve();
    expect(seen.errors).toHaveLength(2);
    for (const error of seen.errors) {
      expect(error.message).not.toMatch(/4111|4242/);
      expect(error.message).not.toContain('\u001b');
    }
  });
});

describe('the event hub', () => {
  it('emits an error event with no listener without throwing, unlike Node’s EventEmitter', () => {
    const hub = new Events<{ error: string }>();
    expect(() => hub.emit('error', 'unplugged')).not.toThrow();
    const off = hub.on('error', () => undefined);
    expect(hub.listenerCount('error')).toBe(1);
    off();
    expect(hub.listenerCount('error')).toBe(0);
  });
});

describe('discovery', () => {
  it('normalises SerialPort.list and HID.devices entries, and matches by vendor, product and serial', () => {
    const serial = fromSerialPortInfo({ path: '/dev/ttyACM0', vendorId: '0c2e', productId: '0b61', serialNumber: '17324B0042', manufacturer: 'Honeywell' });
    expect(serial).toMatchObject({ path: '/dev/ttyACM0', vendorId: 0x0c2e, productId: 0x0b61, serialNumber: '17324B0042' });
    const hid = fromHidInfo({ path: '/dev/hidraw3', vendorId: 0x05e0, productId: 0x1200, usagePage: 0x8c, usage: 2 });
    expect(hid).toMatchObject({ vendorId: 0x05e0, usagePage: 0x8c, serialNumber: null });
    expect(fromSerialPortInfo({ vendorId: '0c2e' })).toBeNull();
    expect(parseUsbId('0x05E0')).toBe(0x05e0);
    expect(parseUsbId('zz')).toBeNull();
    const match = { vendorId: 0x0c2e, productId: 0x0b61, serialNumber: '17324B0042' };
    expect(matches(match, serial!)).toBe(true);
    expect(matches({ ...match, serialNumber: 'other' }, serial!)).toBe(false);
    expect(describeMatch(match)).toBe('USB 0c2e:0b61 serial 17324B0042');
  });

  it('turns a lister that throws (udevadm or libusb missing) into a device error, never a crash', async () => {
    const udev = await listSafely(() => Promise.reject(new Error('spawn udevadm ENOENT')), 'scanner-1');
    expect(udev).toEqual({ devices: [], error: expect.objectContaining({ code: 'driver-missing', deviceId: 'scanner-1' }) as unknown });
    expect(udev.error?.message).toContain('install the "udev" package');
    const libusb = await listSafely(() => Promise.reject(new Error('libusb-1.0.so.0: cannot open shared object file')), 'scanner-2');
    expect(libusb.error?.message).toContain('libusb-1.0-0');
    const denied = await listSafely(() => Promise.reject(new Error('EACCES: permission denied')), 'scanner-3');
    expect(denied.error?.code).toBe('permission-denied');
  });
});

/** A scanner that is missing for the first `absentFor` starts, like an unplugged one being looked for. */
class FlakyScanner extends SimulatedScanner {
  starts = 0;
  constructor(private absentFor: number) {
    super('flaky');
  }
  protected override doOpen(): Promise<void> {
    this.starts += 1;
    if (this.absentFor > 0) {
      this.absentFor -= 1;
      this.fail('not-found', 'USB 0c2e:0b61 not found');
      return Promise.reject(new Error('not found'));
    }
    return super.doOpen();
  }
}

function manualTimers(): Timers & { pending: { fn: () => void; ms: number }[]; fire: () => Promise<void> } {
  const pending: { fn: () => void; ms: number }[] = [];
  return {
    pending,
    setTimeout: (fn, ms) => {
      const entry = { fn, ms };
      pending.push(entry);
      return entry;
    },
    clearTimeout: (handle) => {
      const i = pending.indexOf(handle as { fn: () => void; ms: number });
      if (i >= 0) pending.splice(i, 1);
    },
    fire: async () => {
      const next = pending.shift();
      next?.fn();
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
    },
  };
}

describe('the supervisor', () => {
  it('grows the delay by the factor up to the maximum', () => {
    const options = { initialDelayMs: 250, maxDelayMs: 5_000, factor: 2 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, options))).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('keeps looking for a missing scanner with backoff, then brings it back after an unplug', async () => {
    const scanner = new FlakyScanner(3);
    const seen = record(scanner);
    const timers = manualTimers();
    const supervisor = new DeviceSupervisor(scanner, { initialDelayMs: 100, maxDelayMs: 1_000, factor: 3 }, timers);
    await supervisor.start();
    expect(scanner.state).toBe('closed');
    expect(timers.pending.map((t) => t.ms)).toEqual([100]);
    await timers.fire();
    expect(timers.pending.map((t) => t.ms)).toEqual([300]);
    await timers.fire();
    expect(timers.pending.map((t) => t.ms)).toEqual([900]);
    await timers.fire();
    expect(scanner.state).toBe('enabled');
    expect(scanner.starts).toBe(4);
    expect(seen.statuses.filter((s) => s.kind === 'reconnecting').map((s) => (s.kind === 'reconnecting' ? s.attempt : 0))).toEqual([1, 2, 3]);
    expect(seen.errors.map((e) => e.code)).toEqual(['not-found', 'not-found', 'not-found']);
    // Unplugged while running: offline, then looked for again from the first delay.
    scanner.unplug();
    expect(timers.pending.map((t) => t.ms)).toEqual([100]);
    await timers.fire();
    expect(scanner.state).toBe('enabled');
    scanner.scan('2900000000018');
    expect(seen.scans).toHaveLength(1);
    await supervisor.stop();
    expect(scanner.state).toBe('closed');
    expect(timers.pending).toEqual([]);
  });
});

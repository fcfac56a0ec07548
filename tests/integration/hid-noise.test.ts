/**
 * A HID POS device that keeps sending reports the scanner cannot use (a vendor status report its
 * descriptor does not declare, a profile that does not fit) made one error event per report, with
 * no bound — the same flood as line noise on a serial cable (tests/integration/serial-noise.test.ts).
 * Report errors are summarised like frame errors: the first of each kind in full, then one count
 * per window. A fake stands in for node-hid's HIDAsync (as in hid-scanner.test.ts) and the windows
 * are closed by hand with the injected timers.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceError } from '../../src/terminal/devices/device.js';
import { fromHidInfo, type FoundDevice } from '../../src/terminal/devices/discovery.js';
import { HidScanner, type HidHandle } from '../../src/terminal/devices/hid/hid-scanner.js';
import { HONEYWELL } from '../../src/terminal/devices/hid/profiles.js';
import type { ScanEvent } from '../../src/terminal/devices/scan-event.js';
import { hexBytes, loadJson, type VendorFixture } from '../fixtures/hid/load.js';
import { FakeTimers } from '../support/fake-timers.js';

const honeywell = loadJson<VendorFixture>('honeywell.json');
const ean = honeywell.scans.find((s) => s.expect.aimId === ']E0')!;
const refused = (problem: string): string => honeywell.refused.find((r) => r.problem === problem)!.report;

/** node-hid's HIDAsync as far as HidScanner uses it; `report()` is the device sending one input report. */
class FakeHid implements HidHandle {
  private readonly data = new Set<(report: Uint8Array) => void>();
  on(event: 'data', listener: (report: Uint8Array) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: 'data' | 'error', listener: (value: never) => void): unknown {
    if (event === 'data') this.data.add(listener as (report: Uint8Array) => void);
    return this;
  }
  removeAllListeners(): unknown {
    this.data.clear();
    return this;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  sendFeatureReport(report: number[]): Promise<number> {
    return Promise.resolve(report.length);
  }
  write(report: number[]): Promise<number> {
    return Promise.resolve(report.length);
  }
  report(hex: string): void {
    for (const listener of [...this.data]) listener(hexBytes(hex));
  }
}

const device: FoundDevice = fromHidInfo({ vendorId: 0x0c2e, productId: 0x0b8f, path: '/dev/hidraw3', serialNumber: '15232B1F0C', interface: 1, usagePage: 0x8c, usage: 0x02 })!;

describe('a HID device sending unusable reports does not flood the error channel', () => {
  it('3,000 bad reports of three kinds: three errors in full, then one summary per kind; good scans still arrive', async () => {
    const timers = new FakeTimers();
    const clock = { now: 1_750_000_000_000 };
    const handle = new FakeHid();
    const scanner = new HidScanner('hid-1', {
      match: { vendorId: 0x0c2e, productId: 0x0b8f },
      lister: () => Promise.resolve([device]),
      opener: () => Promise.resolve(handle),
      descriptorSource: () => Promise.resolve(HONEYWELL.descriptor),
      timers,
      now: () => clock.now,
    });
    const errors: DeviceError[] = [];
    const scans: ScanEvent[] = [];
    scanner.events.on('error', (e) => errors.push(e));
    scanner.events.on('data', (s) => scans.push(s));
    await scanner.start();

    for (let i = 0; i < 1000; i += 1) {
      handle.report(refused('unknown-report'));
      handle.report(refused('bad-length'));
      handle.report(refused('short'));
      if (i === 500) handle.report(ean.reports[0]!);
    }
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/report id 5 is not one the scanner's descriptor declares/),
      expect.stringMatching(/says it carries 64 bytes, but it has room for 56/),
      expect.stringMatching(/too short: 19 data bytes/),
    ]);
    expect(scans.map((s) => s.text)).toEqual(['2900000042179']);

    clock.now += 10_000;
    timers.fireAll();
    const advice = 'if scans do not arrive, check the scanner is in HID POS mode and its profile fits';
    expect(errors.slice(3)).toEqual([
      { code: 'garbage', message: `hid-1: 999 more HID reports with an id the descriptor does not declare in the last 10 s — ${advice}`, deviceId: 'hid-1', repeated: 999 },
      { code: 'garbage', message: `hid-1: 999 more garbled HID reports in the last 10 s — ${advice}`, deviceId: 'hid-1', repeated: 999 },
      { code: 'garbage', message: `hid-1: 999 more HID reports too short for the descriptor in the last 10 s — ${advice}`, deviceId: 'hid-1', repeated: 999 },
    ]);

    // The device goes quiet: a window with nothing to count ends each run.
    clock.now += 10_000;
    timers.fireAll();
    expect(errors).toHaveLength(6);
    expect(timers.pending.size).toBe(0);
    await scanner.close();
  });
});

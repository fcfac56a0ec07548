/**
 * Serial hot-plug with real parts: socat pseudo-terminal pairs opened by the real serialport
 * bindings. Killing socat is the unplug (the port closes with `disconnected: true`), starting it
 * again with the same link names is the replug. Re-finding a USB scanner by vendor/product/serial
 * number goes through an injected lister that returns RECORDED-shape SerialPort.list() outputs
 * (tests/fixtures/serial/*.json) whose device paths are mapped onto socat links here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../src/terminal/devices/device.js';
import { fromSerialPortInfo, type FoundDevice, type Lister } from '../../src/terminal/devices/discovery.js';
import { DeviceOpenError, openFailure, SerialScanner, serialPortLister } from '../../src/terminal/devices/serial/serial-scanner.js';
import { SocatPair, socatAvailable } from '../../src/terminal/devices/serial/socat-pair.js';
import { DeviceSupervisor } from '../../src/terminal/devices/supervisor.js';
import { REPO, tempDir } from '../support/ledger-fixture.js';
import { type Recorded, record, waitFor } from '../support/device-events.js';

const HAVE_SOCAT = socatAvailable();
if (!HAVE_SOCAT) console.warn('socat is not installed (apt-get install socat): the serial hot-plug tests are skipped');

const FIXTURES = join(REPO, 'tests', 'fixtures', 'serial');
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
type PortList = ReadonlyArray<Record<string, unknown>>;

const HONEYWELL = { vendorId: 0x0c2e, productId: 0x0720 } as const;
const ZEBRA = { vendorId: 0x05e0, productId: 0x1701 } as const;
const OURS = '19043B0617';
const SPARE = '19043B0655';
const BACKOFF = { initialDelayMs: 50, maxDelayMs: 400, factor: 2 };

/** A recorded SerialPort.list() output with its /dev paths mapped onto socat links. */
function recordedLister(ports: () => PortList, links: () => Readonly<Record<string, string>>): Lister {
  return () => {
    const map = links();
    return Promise.resolve(
      ports()
        .map((port) => fromSerialPortInfo({ ...port, path: map[String(port['path'])] ?? port['path'] }))
        .filter((device): device is FoundDevice => device !== null),
    );
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const reconnecting = (got: Recorded): Array<Extract<DeviceStatus, { kind: 'reconnecting' }>> =>
  got.statuses.filter((s): s is Extract<DeviceStatus, { kind: 'reconnecting' }> => s.kind === 'reconnecting');

// Anything that escapes (an 'error' event nobody heard, a rejected promise) is caught here and fails the test.
const escaped: unknown[] = [];
const onEscape = (error: unknown): void => void escaped.push(error);
beforeAll(() => {
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
});
afterAll(() => {
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
});

describe.skipIf(!HAVE_SOCAT)('serial hot-plug', () => {
  const temp = tempDir('tally-serial-hotplug-');
  const pairs: SocatPair[] = [];
  const supervisors: DeviceSupervisor[] = [];
  const scanners: SerialScanner[] = [];

  const pair = async (name: string): Promise<SocatPair> => {
    const p = await SocatPair.start(temp.dir, name);
    pairs.push(p);
    return p;
  };
  const scannerFor = (options: ConstructorParameters<typeof SerialScanner>[0]): { scanner: SerialScanner; got: Recorded } => {
    const scanner = new SerialScanner(options);
    scanners.push(scanner);
    return { scanner, got: record(scanner) };
  };

  afterEach(async () => {
    for (const s of supervisors.splice(0)) await s.stop();
    for (const s of scanners.splice(0)) await s.close();
    for (const p of pairs.splice(0)) await p.close();
    expect(escaped).toEqual([]);
  });

  afterAll(() => temp.cleanup());

  it('unplug (socat killed): offline + unplugged, reconnecting with backoff; replug: online and scanning again', async () => {
    const port = await pair('hot');
    const { scanner, got } = scannerFor({ id: 'counter-1', path: port.appPath });
    const supervisor = new DeviceSupervisor(scanner, BACKOFF);
    supervisors.push(supervisor);
    await supervisor.start();
    expect(got.statuses).toEqual([{ kind: 'online', deviceId: 'counter-1', path: port.appPath }]);
    await port.write('2900000000017\r');
    await waitFor('a scan', () => got.scans[0]);

    await port.unplug();
    await waitFor('offline', () => got.statuses.find((s) => s.kind === 'offline'));
    expect(got.statuses.find((s) => s.kind === 'offline')).toEqual({ kind: 'offline', deviceId: 'counter-1', reason: 'unplugged' });
    expect(got.errors[0]).toMatchObject({ code: 'unplugged', deviceId: 'counter-1' });
    expect(got.errors[0]!.message).toContain(port.appPath);
    expect(got.errors[0]!.message).toMatch(/was unplugged/); // serialport's close carried disconnected: true
    expect(scanner.state).toBe('closed');
    expect(scanner.path).toBeNull();

    // While it is out: attempts with growing delays, and the reason (the link is gone) said once.
    await waitFor('3 reconnect attempts', () => reconnecting(got).length >= 3);
    const attempts = reconnecting(got).slice(0, 3);
    expect(attempts.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(attempts.map((s) => s.retryInMs)).toEqual([50, 100, 200]);
    expect(got.errors.filter((e) => e.code === 'not-found')).toHaveLength(1);

    await port.plug();
    await waitFor('back online', () => got.statuses.filter((s) => s.kind === 'online').length >= 2);
    expect(scanner.state).toBe('enabled');
    expect(scanner.path).toBe(port.appPath);
    await port.write('2900000000024\r');
    await waitFor('a scan after the replug', () => got.scans[1]);
    expect(got.scans.map((s) => s.text)).toEqual(['2900000000017', '2900000000024']);
    // The next unplug starts the backoff from the beginning again.
    const before = reconnecting(got).length;
    await port.unplug();
    await waitFor('reconnecting again', () => reconnecting(got).length > before);
    expect(reconnecting(got)[before]!.attempt).toBe(1);
  });

  it('unplug mid-code: the half code is dropped, and nothing of it leaks into the first code after the replug', async () => {
    const port = await pair('mid');
    const { scanner, got } = scannerFor({ id: 'counter-2', path: port.appPath });
    const supervisor = new DeviceSupervisor(scanner, BACKOFF);
    supervisors.push(supervisor);
    await supervisor.start();
    await port.write('29000000');
    await sleep(50);
    await port.unplug();
    await waitFor('offline', () => got.statuses.find((s) => s.kind === 'offline'));
    await port.plug();
    await waitFor('back online', () => got.statuses.filter((s) => s.kind === 'online').length >= 2);
    await port.write('2900000000031\r');
    await waitFor('a scan', () => got.scans[0]);
    expect(got.scans.map((s) => s.text)).toEqual(['2900000000031']);
  });

  it('re-finds a USB scanner by vendor/product/serial on its new path, never its identical twin on the old one', async () => {
    const replug = fixture<{ before: PortList; unplugged: PortList; after: PortList }>('list-replug.json');
    const oursFirst = await pair('ours-acm0');
    let phase: 'before' | 'unplugged' | 'after' = 'before';
    let spare: SocatPair | null = null;
    let oursAgain: SocatPair | null = null;
    const lister = recordedLister(
      () => replug[phase],
      () =>
        phase === 'before'
          ? { '/dev/ttyACM0': oursFirst.appPath }
          : { '/dev/ttyACM0': spare!.appPath, ...(oursAgain ? { '/dev/ttyACM1': oursAgain.appPath } : {}) },
    );
    const { scanner, got } = scannerFor({ id: 'counter-3', match: { ...HONEYWELL, serialNumber: OURS }, lister });
    const supervisor = new DeviceSupervisor(scanner, BACKOFF);
    supervisors.push(supervisor);
    await supervisor.start();
    expect(scanner.path).toBe(oursFirst.appPath);
    await oursFirst.write('2900000000017\r');
    await waitFor('a scan', () => got.scans[0]);

    // Unplugged; the spare scanner appears on the freed /dev/ttyACM0.
    spare = await pair('spare-acm0');
    phase = 'unplugged';
    await oursFirst.unplug();
    await waitFor('offline', () => got.statuses.find((s) => s.kind === 'offline'));
    await waitFor('2 reconnect attempts', () => reconnecting(got).length >= 2);
    const notFound = got.errors.filter((e) => e.code === 'not-found');
    expect(notFound).toHaveLength(1);
    expect(notFound[0]!.message).toContain('USB 0c2e:0720 serial 19043B0617');
    await spare.write('2900000000048\r'); // read by the spare, which is not ours: must not arrive
    await sleep(100);
    expect(scanner.state).toBe('closed');

    oursAgain = await pair('ours-acm1');
    phase = 'after';
    await waitFor('online on the new path', () => got.statuses.filter((s) => s.kind === 'online').length >= 2);
    expect(scanner.path).toBe(oursAgain.appPath);
    expect(got.statuses.filter((s) => s.kind === 'online').map((s) => s.kind === 'online' && s.path)).toEqual([oursFirst.appPath, oursAgain.appPath]);
    await spare.write('2900000000048\r');
    await oursAgain.write('2900000000055\r');
    await waitFor('a scan from the replugged scanner', () => got.scans[1]);
    await sleep(100);
    expect(got.scans.map((s) => s.text)).toEqual(['2900000000017', '2900000000055']);
  });

  it('picks among identical scanners by serial number; without one the first listed wins; a Zebra by its own ids', async () => {
    const counter = fixture<{ ports: PortList }>('list-counter.json');
    const acm = [await pair('acm0'), await pair('acm1'), await pair('acm2')];
    const lister = recordedLister(
      () => counter.ports,
      () => ({ '/dev/ttyACM0': acm[0]!.appPath, '/dev/ttyACM1': acm[1]!.appPath, '/dev/ttyACM2': acm[2]!.appPath }),
    );
    const cases = [
      { match: { ...HONEYWELL, serialNumber: SPARE }, path: acm[1]!.appPath },
      { match: { ...HONEYWELL, serialNumber: OURS }, path: acm[0]!.appPath },
      { match: { ...HONEYWELL }, path: acm[0]!.appPath },
      { match: { ...ZEBRA }, path: acm[2]!.appPath },
    ];
    for (const [i, { match, path }] of cases.entries()) {
      const { scanner, got } = scannerFor({ id: `pick-${i}`, match, lister });
      await scanner.start();
      expect(scanner.path).toBe(path);
      const source = acm.find((p) => p.appPath === path)!;
      await source.write(`CODE-${i}\r`);
      await waitFor('a scan', () => got.scans[0]);
      expect(got.scans[0]!.text).toBe(`CODE-${i}`);
      await scanner.close();
    }
    const { scanner: absent, got } = scannerFor({ id: 'absent', match: { vendorId: 0x1eab, productId: 0x0c06 }, lister });
    await expect(absent.open()).rejects.toBeInstanceOf(DeviceOpenError);
    expect(got.errors).toEqual([expect.objectContaining({ code: 'not-found', deviceId: 'absent' })]);
  });

  it('port listing fails like a missing udevadm: driver-missing, no crash, and the supervisor keeps looking', async () => {
    const counter = fixture<{ ports: PortList }>('list-counter.json');
    const acm0 = await pair('udev-acm0');
    let udevadmInstalled = false;
    const lister: Lister = async () => {
      if (!udevadmInstalled) throw Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT', errno: -2, syscall: 'spawn udevadm', path: 'udevadm' });
      return recordedLister(() => counter.ports, () => ({ '/dev/ttyACM0': acm0.appPath }))();
    };
    const { scanner, got } = scannerFor({ id: 'counter-4', match: { ...HONEYWELL, serialNumber: OURS }, lister });
    const error = await scanner.open().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeviceOpenError);
    expect((error as DeviceOpenError).deviceError.code).toBe('driver-missing');
    expect(got.errors).toHaveLength(1);
    expect(got.errors[0]).toMatchObject({ code: 'driver-missing', deviceId: 'counter-4' });
    expect(got.errors[0]!.message).toMatch(/udevadm is missing \(install the "udev" package\)/);
    expect(scanner.state).toBe('closed');

    const supervisor = new DeviceSupervisor(scanner, BACKOFF);
    supervisors.push(supervisor);
    await supervisor.start();
    await waitFor('2 reconnect attempts', () => reconnecting(got).length >= 2);
    udevadmInstalled = true;
    await waitFor('online', () => got.statuses.find((s) => s.kind === 'online'));
    expect(scanner.path).toBe(acm0.appPath);
  });

  it('the real SerialPort.list() without udevadm on the PATH: a driver-missing error, not a crash', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = join(temp.dir, 'no-such-bin');
    try {
      const { scanner, got } = scannerFor({ id: 'counter-5', match: { ...HONEYWELL } });
      await expect(scanner.open()).rejects.toBeInstanceOf(DeviceOpenError);
      expect(got.errors).toEqual([expect.objectContaining({ code: 'driver-missing' })]);
      expect(got.errors[0]!.message).toMatch(/udevadm/);
    } finally {
      process.env['PATH'] = path;
    }
    // And with udevadm back, listing works (whatever ports this machine has).
    await expect(serialPortLister()).resolves.toBeInstanceOf(Array);
  });

  it('a path that is not there: not-found; a port another program holds: a clear in-use error', async () => {
    const { scanner: missing, got: missingGot } = scannerFor({ id: 'counter-6', path: join(temp.dir, 'nothing-here') });
    await expect(missing.open()).rejects.toBeInstanceOf(DeviceOpenError);
    expect(missingGot.errors).toEqual([expect.objectContaining({ code: 'not-found' })]);

    const port = await pair('locked');
    const { scanner: first } = scannerFor({ id: 'first', path: port.appPath });
    await first.start();
    const { scanner: second, got } = scannerFor({ id: 'second', path: port.appPath });
    await expect(second.open()).rejects.toBeInstanceOf(DeviceOpenError);
    expect(got.errors[0]).toMatchObject({ code: 'io', deviceId: 'second' });
    expect(got.errors[0]!.message).toMatch(/in use by another program.*ModemManager/);
  });

  it('permission denied (as the bindings word it) points at the dialout group and native/README.md', () => {
    const error = openFailure(new Error('Error: Permission denied, cannot open /dev/ttyACM0'), '/dev/ttyACM0', 'counter-7');
    expect(error.code).toBe('permission-denied');
    expect(error.message).toMatch(/dialout/);
    expect(error.message).toMatch(/native\/README\.md/);
    expect(openFailure(new Error('Error: No such file or directory, cannot open /dev/ttyACM9'), '/dev/ttyACM9', 'x').code).toBe('not-found');
    expect(openFailure(new Error('Error Resource temporarily unavailable Cannot lock port'), '/dev/ttyACM0', 'x').code).toBe('io');
  });
});

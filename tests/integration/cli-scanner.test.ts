/**
 * `tally scanner watch` on a real serial port (a socat pair): every code the scanner sends is
 * shown with the parser's verdict and the member it finds; bank card digits are never shown.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SocatPair, socatAvailable } from '../../src/terminal/devices/serial/socat-pair.js';
import { CLI_ENV, REPO, tempDir } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-cli-scanner-');
const db = join(dir, 'lane.sqlite');
let pair: SocatPair;

function tally(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(async () => {
  expect(socatAvailable()).toBe(true);
  expect(tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'S1', '--terminal', 'T1']).status).toBe(0);
  expect(tally(['member', 'add', '--card', '2900000000018', '--name', 'Choi Yuna']).status).toBe(0);
  pair = await SocatPair.start(dir, 'scanner');
});

afterAll(async () => {
  await pair?.unplug();
  cleanup();
});

describe('tally scanner', () => {
  it('keeps the scanners the host runs: add (serial, USB serial, HID), list, change, remove', () => {
    expect(tally(['scanner', 'add', '--id', 'counter', '--serial', pair.appPath, '--suffix', 'cr'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^Scanner counter: serial .*scanner-app at 9600 baud, suffix cr\n/) });
    expect(tally(['scanner', 'add', '--id', 'cdc', '--serial-usb', '0c2e:0b61:17324B0042', '--baud', '115200']).status).toBe(0);
    expect(tally(['scanner', 'add', '--id', 'pos', '--hid', '05e0:1200']).status).toBe(0);
    const listed = tally(['--json', 'scanner', 'list']);
    expect(listed.status).toBe(0);
    expect((JSON.parse(listed.stdout) as { configured: unknown[] }).configured).toEqual([
      { id: 'counter', transport: { kind: 'serial', path: pair.appPath, baudRate: 9600, suffix: 'cr' }, enabled: true },
      { id: 'cdc', transport: { kind: 'serial-usb', usb: { vendorId: 0x0c2e, productId: 0x0b61, serialNumber: '17324B0042' }, baudRate: 115200, suffix: 'any' }, enabled: true },
      { id: 'pos', transport: { kind: 'hid', usb: { vendorId: 0x05e0, productId: 0x1200 } }, enabled: true },
    ]);
    expect(tally(['scanner', 'list']).stdout).toMatch(/^Configured scanners \(3\):\n {2}counter: serial .*\n {2}cdc: serial scanner on USB 0c2e:0b61 serial 17324B0042 at 115200 baud, suffix any\n {2}pos: HID POS scanner on USB 05e0:1200\n/);

    // Refused, and nothing written: two transports, a rate no UART takes, serial settings on HID, a bad id.
    for (const args of [
      ['--id', 'x', '--serial', '/dev/ttyS0', '--hid', '05e0:1200'],
      ['--id', 'x', '--serial', '/dev/ttyS0', '--baud', '12345'],
      ['--id', 'x', '--hid', '05e0:1200', '--suffix', 'cr'],
      ['--id', 'no spaces', '--serial', '/dev/ttyS0'],
      ['--id', 'x', '--serial-usb', 'honeywell'],
    ]) {
      const refused = tally(['scanner', 'add', ...args]);
      expect(refused.status, args.join(' ')).toBe(1);
    }
    expect((JSON.parse(tally(['--json', 'scanner', 'list']).stdout) as { configured: unknown[] }).configured).toHaveLength(3);

    expect(tally(['scanner', 'add', '--id', 'cdc', '--serial-usb', '0c2e:0b61']).status).toBe(0);
    expect(tally(['scanner', 'remove', '--id', 'pos']).status).toBe(0);
    expect(tally(['scanner', 'remove', '--id', 'pos'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/No scanner "pos"/) });
    expect((JSON.parse(tally(['--json', 'scanner', 'list']).stdout) as { configured: { id: string; transport: { usb?: unknown } }[] }).configured.map((c) => [c.id, c.transport.usb ?? null])).toEqual([
      ['counter', null],
      ['cdc', { vendorId: 0x0c2e, productId: 0x0b61 }],
    ]);
    for (const id of ['counter', 'cdc']) expect(tally(['scanner', 'remove', '--id', id]).status).toBe(0);
  });

  it('lists what it finds as JSON without failing when there is nothing', () => {
    const r = tally(['--json', 'scanner', 'list']);
    expect(r.status).toBe(0);
    const found = JSON.parse(r.stdout) as { serial: unknown[]; hid: unknown[]; problems: unknown[] };
    expect(Array.isArray(found.serial) && Array.isArray(found.hid) && Array.isArray(found.problems)).toBe(true);
  });

  it('watches a serial scanner and reports each code with its member', async () => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, '--json', 'scanner', 'watch', '--serial', pair.appPath, '--count', '3'], { cwd: dir });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!out.includes('"online"')) {
      if (Date.now() > deadline) throw new Error(`scanner never came online: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await pair.write(']E02900000000018\r\n8801234567893\r\n;4111111111111111=29121010000000000000?\r\n');
    expect(await exited).toBe(0);
    const events = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; scan?: { text: string; symbology: string; raw: string }; result?: Record<string, unknown> });
    const scans = events.filter((e) => e.type === 'scan');
    expect(scans).toHaveLength(3);
    expect(scans[0]).toMatchObject({ scan: { text: ']E02900000000018', symbology: 'ean-upc' }, result: { ok: true, kind: 'card', name: 'Choi Yuna', balance: 100 } });
    expect(scans[1]?.result).toMatchObject({ ok: false, reason: 'product-barcode' });
    expect(scans[2]?.result).toMatchObject({ ok: false, reason: 'bank-card' });
    expect(out).not.toContain('4111');
    expect(events.at(-1)).toMatchObject({ type: 'status', status: { kind: 'offline' } });
  });
});

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

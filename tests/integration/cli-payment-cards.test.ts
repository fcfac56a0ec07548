/**
 * A bank card number is never shown, echoed or enrolled, whatever shape it arrives in: digits in
 * groups, a three-track reader's output with a track-1 read error, a wrong Luhn digit. `card parse`
 * refuses each as a bank card without repeating it; `scanner watch` on a real serial port (a socat
 * pair) shows neither the text nor the raw bytes of any refused scan; a program whose member-number
 * rule would accept card numbers cannot be installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SocatPair, socatAvailable } from '../../src/terminal/devices/serial/socat-pair.js';
import { NOTICE_LINE, REPO, tempDir } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-cli-payment-cards-');
const db = join(dir, 'lane.sqlite');
const NOW = '2026-11-24T02:00:00Z';
const env = { ...process.env, TALLY_ALLOW_CLOCK_OVERRIDE: '1' };
let pair: SocatPair | undefined;

// The card numbers below, and what must never appear of them: any five of their digits in a row,
// or their bytes in hex (the raw bytes `scanner watch` shows for accepted codes).
const GROUPED = '4242 4242 4242 4242';
const TRACK1_ERROR = '%E?;4111111111111111=29121010000000000000?+E?';
const BAD_LUHN = '5555555555554445';
const SECRETS = ['4242424242424242', '4111111111111111', '5555555555554445'];

function leaks(output: string): string | undefined {
  for (const pan of SECRETS) {
    for (let i = 0; i + 5 <= pan.length; i += 1) {
      const run = pan.slice(i, i + 5);
      if (output.includes(run)) return run;
      const hex = Buffer.from(run).toString('hex');
      if (output.includes(hex)) return `${run} (as hex)`;
    }
  }
  // The grouped form's groups, as hex with the space between them.
  if (output.includes(Buffer.from('4242 4242').toString('hex'))) return '4242 4242 (as hex)';
  return undefined;
}

function tally(args: string[], withNow = true): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, ...(withNow ? ['--now', NOW] : []), ...args], { cwd: dir, encoding: 'utf8', env });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(() => {
  const init = ['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'S1', '--terminal', 'T1'];
  let installed = tally(init);
  // The example programs trust the published demo key: terminals being taught to install them only
  // as demo terminals say so (and take --demo); this test is about card numbers, not trust.
  if (installed.status !== 0 && installed.stderr.includes('--demo')) installed = tally([...init, '--demo']);
  expect(installed.status, installed.stderr).toBe(0);
  expect(tally(['member', 'add', '--card', '2900000000018', '--name', 'Choi Yuna']).status).toBe(0);
});

afterAll(async () => {
  await pair?.unplug();
  cleanup();
});

describe('tally card parse', () => {
  for (const [what, card] of [
    ['a card number typed in groups', GROUPED],
    ['a three-track reader with a track-1 read error', TRACK1_ERROR],
    ['a card number with a wrong Luhn digit', BAD_LUHN],
  ] as const) {
    it(`refuses ${what} as a bank card without echoing it`, () => {
      const human = tally(['card', 'parse', '--card', card]);
      expect(human).toMatchObject({ status: 1, stdout: 'Refused: That is a bank card — ask for the loyalty card (nothing was kept) (bank-card)\n' });
      const json = tally(['--json', 'card', 'parse', '--card', card]);
      expect(json.status).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, reason: 'bank-card' });
      expect(leaks(human.stdout + human.stderr + json.stdout + json.stderr)).toBeUndefined();
    });

    it(`will not enrol ${what}`, () => {
      const r = tally(['member', 'add', '--card', card, '--name', 'Someone']);
      expect(r.status).not.toBe(0);
      expect(leaks(r.stdout + r.stderr)).toBeUndefined();
    });
  }
});

describe('a program whose member-number rule would accept card numbers', () => {
  it('cannot be installed, and says which rule and what to do', () => {
    const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'classic-krw.json'), 'utf8')) as { cardCodes: { rules: unknown[] } };
    program.cardCodes.rules.push({ type: 'member-number', id: 'plain-16', prefix: '', digits: 16, checkDigit: 'luhn' });
    writeFileSync(join(dir, 'plain-16.json'), JSON.stringify(program));
    const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', join(dir, 'other.sqlite'), 'init', '--demo', '--program', 'plain-16.json', '--store', 'S1', '--terminal', 'T2'], { cwd: dir, encoding: 'utf8', env });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/cardCodes\.rules\.3: this rule would accept payment card numbers \(Visa, 16 digits/);
  });
});

describe('tally scanner watch', () => {
  async function watch(json: boolean, codes: readonly string[]): Promise<string> {
    expect(socatAvailable()).toBe(true);
    pair ??= await SocatPair.start(dir, 'scanner');
    const args = [join(REPO, 'bin', 'tally.js'), '--db', db, ...(json ? ['--json'] : []), 'scanner', 'watch', '--serial', pair.appPath, '--count', String(codes.length)];
    const child = spawn(process.execPath, args, { cwd: dir, env });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      out += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!out.includes('online')) {
      if (Date.now() > deadline) throw new Error(`scanner never came online: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await pair.write(codes.map((code) => `${code}\r\n`).join(''));
    expect(await exited).toBe(0);
    return out;
  }

  const CODES = [']E02900000000018', GROUPED, TRACK1_ERROR, BAD_LUHN, '8801234567893'];

  it('shows neither the text nor the raw bytes of any refused scan (JSON events)', async () => {
    const out = await watch(true, CODES);
    const scans = out
      .trim()
      .split('\n')
      .filter((line) => !NOTICE_LINE.test(line))
      .map((line) => JSON.parse(line) as { type: string; scan?: { text: string; raw: string }; result?: Record<string, unknown> })
      .filter((e) => e.type === 'scan');
    expect(scans.map((s) => s.result?.['reason'] ?? 'member')).toEqual(['member', 'bank-card', 'bank-card', 'bank-card', 'product-barcode']);
    // The member card is shown as sent, with its bytes: how support checks a scanner's set-up.
    expect(scans[0]).toMatchObject({ scan: { text: ']E02900000000018', raw: Buffer.from(']E02900000000018\r').toString('hex') }, result: { ok: true, name: 'Choi Yuna' } });
    for (const scan of scans.slice(1)) {
      expect(scan.scan?.text).toMatch(/^\(\d+ (digits|characters), not shown\)$/);
      expect(scan.scan?.raw).toBe('');
    }
    expect(out).not.toContain('8801234567893'); // not even a product barcode's text: a refusal is a refusal
    expect(leaks(out)).toBeUndefined();
  });

  it('shows neither in the human output', async () => {
    const out = await watch(false, CODES);
    expect(out).toContain(']E02900000000018 (ean-upc) → member');
    expect(out).toContain('(19 characters, not shown) (unknown) → That is a bank card');
    expect(out).toContain('(16 digits, not shown) (unknown) → That is a bank card');
    expect(leaks(out)).toBeUndefined();
  });
});

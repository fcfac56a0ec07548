/**
 * Card codes from the command line: what the parser says about a code, signing keys that are
 * never overwritten, and signed member QR codes that work at checkout until they expire.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ENV, REPO, stripNotices, tempDir } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-cli-cards-');
afterAll(cleanup);
const db = join(dir, 'lane.sqlite');
const DEMO_KEY = join(REPO, 'resources', 'keys', 'demo-program-signing-key.json');

// A Tuesday by default: classic-krw doubles points on Wednesdays.
function tally(args: string[], now = '2026-11-24T02:00:00Z'): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, '--now', now, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV });
  return { status: run.status, stdout: run.stdout, stderr: stripNotices(run.stderr) };
}

beforeAll(() => {
  expect(tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'S1', '--terminal', 'T1']).status).toBe(0);
  expect(tally(['member', 'add', '--card', '2900000000018', '--name', 'Park Ji-ho']).status).toBe(0);
});

describe('tally card parse', () => {
  it('names the rule a member card matched, with its symbology from the AIM prefix', () => {
    const r = tally(['--json', 'card', 'parse', '--card', ']E02900000000018']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, kind: 'card', code: '2900000000018', ruleId: 'store-card', symbology: 'ean-upc' });
  });

  it('refuses a product barcode and a bank card with exit 1, never echoing the card number', () => {
    const product = tally(['card', 'parse', '--card', '8801234567893']);
    expect(product).toMatchObject({ status: 1, stdout: 'Refused: Not a member card: product barcode (product-barcode)\n' });
    const bank = tally(['--json', 'card', 'parse', '--card', '4111111111111111']);
    expect(bank.status).toBe(1);
    expect(bank.stdout).not.toContain('4111');
    expect(JSON.parse(bank.stdout)).toMatchObject({ ok: false, reason: 'bank-card' });
  });
});

describe('signing keys and member QR codes', () => {
  it('generates a key once and refuses to overwrite it', () => {
    const out = tally(['--json', 'keys', 'generate', '--id', 'store-2027', '--out', 'store-2027.json']);
    expect(out.status).toBe(0);
    const key = JSON.parse(readFileSync(join(dir, 'store-2027.json'), 'utf8')) as { id: string; publicKey: string; secretKey: string };
    expect(key.id).toBe('store-2027');
    expect((JSON.parse(out.stdout) as { publicKey: string }).publicKey).toBe(key.publicKey);
    const again = tally(['keys', 'generate', '--id', 'store-2027', '--out', 'store-2027.json']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists; keys are never overwritten/);
    expect(JSON.parse(readFileSync(join(dir, 'store-2027.json'), 'utf8'))).toEqual(key);
  });

  it('issues an everyday code the counter accepts at checkout, but not to spend points', () => {
    const issued = tally(['--json', 'qr', 'issue', '--card', '2900000000018', '--signing-key', DEMO_KEY, '--valid-days', '1']);
    expect(issued.status).toBe(0);
    const { token, scope, memberId, expiresAt } = JSON.parse(issued.stdout) as { token: string; scope: string; memberId: string; expiresAt: number };
    expect(token).toMatch(/^TLY2\.demo-2026\.i\./);
    expect(scope).toBe('identify');
    // The member id is not in the code; the expiry is a day from the real time, whatever --now says.
    expect(token).not.toContain(memberId);
    expect(Math.abs(expiresAt - (Date.now() + 86_400_000))).toBeLessThan(60_000);
    const sale = tally(['--json', 'checkout', '--card', token, '--amount', '500000', '--txn', 'QR-1']);
    expect(sale.status).toBe(0);
    expect((JSON.parse(sale.stdout) as { earned: number; balance: number })).toMatchObject({ earned: 500, balance: 600 });
    const spend = tally(['checkout', '--card', token, '--amount', '12000', '--txn', 'QR-2', '--redeem-points', '500']);
    expect(spend.status).toBe(1);
    expect(spend.stderr).toMatch(/^tally: Spending points needs the member's PIN or a spend code from the member's app/);
  });

  it('refuses to issue an everyday code valid for longer than the program allows', () => {
    const r = tally(['qr', 'issue', '--card', '2900000000018', '--signing-key', DEMO_KEY, '--valid-days', '400']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--valid-days is 1 to 90 \(the program's memberQr.maxValidDays\)/);
  });

  it('refuses a code signed with a key the program does not list', () => {
    const issued = tally(['qr', 'issue', '--card', '2900000000018', '--signing-key', join(dir, 'store-2027.json')]);
    expect(issued.status).toBe(1);
    expect(issued.stderr).toMatch(/This terminal would refuse that code .* is key store-2027 in the program's cardCodes.verifyKeys\?/);
  });

  it('refuses a key file whose halves do not belong together', () => {
    const key = JSON.parse(readFileSync(DEMO_KEY, 'utf8')) as Record<string, string>;
    writeFileSync(join(dir, 'mixed.json'), JSON.stringify({ ...key, publicKey: (JSON.parse(readFileSync(join(dir, 'store-2027.json'), 'utf8')) as { publicKey: string }).publicKey }));
    const r = tally(['qr', 'issue', '--card', '2900000000018', '--signing-key', 'mixed.json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the public key does not belong to the secret key/);
  });
});

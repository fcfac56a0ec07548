/**
 * Issue 7, tried as an attacker and as a careful store would, through the real `tally` CLI on real
 * ledger files: a member QR code identifies but never spends; spending needs the proof the program
 * chooses, within its limits; which keys and programs a terminal trusts; whose clock counts; and
 * personal data kept only where erasure can remove it.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueMemberToken, newTokenId } from '../../src/core/card-code/member-qr.js';
import { parseSigningKey } from '../../src/terminal/trust/key-file.js';
import { CLI_ENV, REPO, stripNotices, tempDir } from '../support/ledger-fixture.js';
import { DEMO_KEY_FILE } from '../support/spend-code.js';

const { dir, cleanup } = tempDir('tally-trust-');
afterAll(cleanup);
const NOW = '2026-12-01T03:00:00Z';
const CLASSIC = join(REPO, 'resources', 'programs', 'classic-krw.json');
const SPORTS = join(REPO, 'resources', 'programs', 'sporting-goods-usd.json');
const demoKey = parseSigningKey(readFileSync(DEMO_KEY_FILE, 'utf8'), 'demo key');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stderr as the test compares it (without the clock and demo notices). */
  readonly error: string;
}

function tally(db: string, args: readonly string[], options: { now?: string | null; input?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const now = options.now === undefined ? ['--now', NOW] : options.now === null ? [] : ['--now', options.now];
  const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, ...now, ...args], { cwd: dir, encoding: 'utf8', env: options.env ?? CLI_ENV, input: options.input ?? '' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, error: stripNotices(run.stderr) };
}

function ok<T>(db: string, args: readonly string[], options: { now?: string | null; input?: string } = {}): T {
  const run = tally(db, ['--json', ...args], options);
  expect(run.error, run.stdout).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** Everything a refusal must leave as it was. */
function fingerprint(db: string): string {
  const sqlite = new Database(db, { readonly: true });
  try {
    const hash = createHash('sha256');
    for (const table of ['members', 'card_codes', 'accounts', 'transactions', 'transfers', 'lots', 'events', 'outbox', 'spend_codes']) {
      hash.update(JSON.stringify(sqlite.prepare(`SELECT * FROM ${table} ORDER BY 1`).all()));
    }
    return hash.digest('hex');
  } finally {
    sqlite.close();
  }
}

function refused(db: string, args: readonly string[], message: RegExp, code: string, options: { now?: string | null; input?: string } = {}): void {
  const before = fingerprint(db);
  const run = tally(db, ['--json', ...args], options);
  expect(run.status, run.stdout).toBe(1);
  expect(run.error).toMatch(message);
  expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).toBe(code);
  expect(fingerprint(db)).toBe(before);
}

function qrRef(db: string, card: string): string {
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite.prepare('SELECT m.qr_ref FROM members m JOIN card_codes c ON c.member_id = m.id WHERE c.code = ?').pluck().get(card) as string;
  } finally {
    sqlite.close();
  }
}

const CARD = '2900000000018';
const OTHER = '2900000000025';

describe('a member QR code identifies; spending needs a proof the program chooses', () => {
  const db = join(dir, 'classic.sqlite');

  beforeAll(() => {
    expect(tally(db, ['init', '--demo', '--program', CLASSIC, '--store', 'S1', '--terminal', 'T1']).status).toBe(0);
    ok(db, ['member', 'add', '--card', CARD, '--name', 'Kim Minji', '--pin-stdin'], { input: '2580\n' });
    ok(db, ['member', 'add', '--card', OTHER]);
    // ₩600,000 earns 600 points; with the welcome bonus, 700.
    expect(ok<{ balance: number }>(db, ['checkout', '--card', CARD, '--amount', '600000', '--txn', 'EARN-1']).balance).toBe(700);
    ok(db, ['adjust', '--card', CARD, '--points=50000', '--reason', 'test balance', '--id', 'ADJ-1']);
  });

  it('earns with an everyday code, but neither redeems nor donates with it (the photographed-slip attack)', () => {
    const token = ok<{ token: string }>(db, ['qr', 'issue', '--card', CARD, '--signing-key', DEMO_KEY_FILE]).token;
    expect(ok<{ earned: number }>(db, ['checkout', '--card', token, '--amount', '10000', '--txn', 'QR-EARN']).earned).toBe(10);
    refused(db, ['checkout', '--card', token, '--amount', '100000', '--txn', 'QR-SPEND', '--redeem-points', '500'], /Spending points needs the member's PIN or a spend code/, 'proof-required');
    // An everyday code offered as the proof is not one.
    refused(db, ['checkout', '--card', CARD, '--amount', '100000', '--txn', 'QR-SPEND', '--redeem-points', '500', '--spend-code', token], /That is not a spend code/, 'proof-refused');
  });

  it('issues everyday codes that expire within the program bound, not never', () => {
    const issued = ok<{ expiresAt: number; scope: string }>(db, ['qr', 'issue', '--card', CARD, '--signing-key', DEMO_KEY_FILE]);
    expect(issued.scope).toBe('identify');
    expect(Math.abs(issued.expiresAt - (Date.now() + 90 * 86_400_000))).toBeLessThan(120_000);
  });

  it('spends once with a spend code from the app, as the card or beside it, and never twice', () => {
    const code = ok<{ token: string; scope: string; expiresAt: number }>(db, ['qr', 'issue', '--card', CARD, '--signing-key', DEMO_KEY_FILE, '--spend']);
    expect(code.scope).toBe('spend');
    expect(Math.abs(code.expiresAt - (Date.now() + 5 * 60_000))).toBeLessThan(120_000);
    const sale = ok<{ redeemed: { points: number } }>(db, ['checkout', '--card', CARD, '--amount', '100000', '--txn', 'SC-1', '--redeem-points', '500', '--spend-code', code.token]);
    expect(sale.redeemed.points).toBe(500);
    // The POS retries the same checkout: the first result, no proof needed again.
    expect(ok<{ replayed: boolean }>(db, ['checkout', '--card', CARD, '--amount', '100000', '--txn', 'SC-1', '--redeem-points', '500', '--spend-code', code.token]).replayed).toBe(true);
    refused(db, ['checkout', '--card', CARD, '--amount', '100000', '--txn', 'SC-2', '--redeem-points', '500', '--spend-code', code.token], /That spend code was already used/, 'proof-refused');
    const asCard = ok<{ token: string }>(db, ['qr', 'issue', '--card', CARD, '--signing-key', DEMO_KEY_FILE, '--spend']).token;
    expect(ok<{ redeemed: { points: number } }>(db, ['checkout', '--card', asCard, '--amount', '100000', '--txn', 'SC-AS-CARD', '--redeem-points', '500']).redeemed.points).toBe(500);
    // The POS lost the answer and retries with the code the app shows now: the same checkout, replayed.
    const refreshed = ok<{ token: string }>(db, ['qr', 'issue', '--card', CARD, '--signing-key', DEMO_KEY_FILE, '--spend']).token;
    expect(ok<{ replayed: boolean }>(db, ['checkout', '--card', refreshed, '--amount', '100000', '--txn', 'SC-AS-CARD', '--redeem-points', '500']).replayed).toBe(true);
    // Another member's spend code proves nothing about this one.
    const theirs = ok<{ token: string }>(db, ['qr', 'issue', '--card', OTHER, '--signing-key', DEMO_KEY_FILE, '--spend']).token;
    refused(db, ['checkout', '--card', CARD, '--amount', '100000', '--txn', 'SC-3', '--redeem-points', '500', '--spend-code', theirs], /That spend code is another member's/, 'proof-refused');
  });

  it("takes the member's PIN from standard input, counts wrong tries and locks after five", () => {
    const spend = (txn: string, pin: string): string[] => ['checkout', '--card', CARD, '--amount', '100000', '--txn', txn, '--redeem-points', '500', '--pin-stdin', ...(pin === '' ? [] : [])];
    expect(ok<{ redeemed: { points: number } }>(db, spend('PIN-1', '2580'), { input: '2580\n' }).redeemed.points).toBe(500);
    const before = fingerprint(db);
    for (let left = 4; left >= 1; left -= 1) {
      const wrong = tally(db, spend(`PIN-W${left}`, ''), { input: '1357\n' });
      expect(wrong.status).toBe(1);
      expect(wrong.error).toBe(`tally: Wrong PIN — ${left} ${left === 1 ? 'try' : 'tries'} left; nothing was written\n`);
    }
    expect(tally(db, spend('PIN-W0', ''), { input: '1357\n' }).error).toMatch(/Wrong PIN — the PIN is now locked/);
    // Locked: even the right PIN no longer works, and no spend was written meanwhile.
    expect(tally(db, spend('PIN-2', ''), { input: '2580\n' }).error).toMatch(/PIN locked after 5 wrong tries/);
    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.prepare(`SELECT count(*) FROM transactions WHERE txn_id LIKE 'PIN-W%' OR txn_id = 'PIN-2'`).pluck().get()).toBe(0);
    sqlite.close();
    expect(fingerprint(db)).not.toBe(before); // only the failure count moved (members.pin_failures)
    // A manager resets it with the member present (their card, not a QR code).
    const token = ok<{ token: string }>(db, ['qr', 'issue', '--card', CARD, '--signing-key', DEMO_KEY_FILE]).token;
    refused(db, ['member', 'pin', '--card', token, '--manager', 'kim'], /Setting a PIN needs the member card itself, not a QR code/, 'proof-refused', { input: '4826\n' });
    // Nor may a slip's code change the member's details or add someone else's card to them.
    refused(db, ['member', 'update', '--card', token, '--email', 'attacker@example.com'], /Changing a member's details or cards needs the member card itself/, 'proof-refused');
    refused(db, ['member', 'update', '--card', token, '--add-card', '2900000000032'], /Changing a member's details or cards needs the member card itself/, 'proof-refused');
    // A member without a PIN gets a first one only from a manager (a card number can be read off a card).
    refused(db, ['member', 'pin', '--card', OTHER], /has no PIN yet: a manager sets the first one/, 'proof-refused', { input: '4826\n' });
    refused(db, ['member', 'pin', '--card', CARD], /already has a PIN: give the current one, or a manager resets it/, 'proof-refused', { input: '4826\n' });
    expect(ok<{ hasPin: boolean }>(db, ['member', 'pin', '--card', CARD, '--manager', 'kim'], { input: '4826\n' }).hasPin).toBe(true);
    expect(ok<{ redeemed: { points: number } }>(db, spend('PIN-3', ''), { input: '4826\n' }).redeemed.points).toBe(500);
    // The member changes it themselves with the current one; a guessable PIN is refused.
    refused(db, ['member', 'pin', '--card', CARD], /This PIN cannot be used: a PIN cannot be a run of digits/, 'invalid-input', { input: '4826\n1234\n' });
    ok(db, ['member', 'pin', '--card', CARD], { input: '4826\n9371\n' });
    const raw = new Database(db, { readonly: true });
    const hash = raw.prepare('SELECT m.pin_hash FROM members m JOIN card_codes c ON c.member_id = m.id WHERE c.code = ?').pluck().get(CARD) as string;
    raw.close();
    expect(hash).toMatch(/^scrypt\$/);
    expect(hash).not.toContain('9371');
  });

  it('donates points only with a proof too', () => {
    const charityDb = join(dir, 'charity.sqlite');
    expect(tally(charityDb, ['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'plus-membership-charity.json'), '--store', 'S1', '--terminal', 'T1']).status).toBe(0);
    ok(charityDb, ['member', 'add', '--card', CARD]);
    ok(charityDb, ['checkout', '--card', CARD, '--amount', '100000', '--txn', 'C-1']);
    const everyday = ok<{ token: string }>(charityDb, ['qr', 'issue', '--card', CARD, '--signing-key', DEMO_KEY_FILE]).token;
    refused(charityDb, ['donate', '--card', everyday, '--charity', 'food-bank', '--points', '300', '--id', 'D-1'], /Spending points needs a spend code from the member's app or the member's PIN/, 'proof-required');
    const spend = ok<{ token: string }>(charityDb, ['qr', 'issue', '--card', CARD, '--signing-key', DEMO_KEY_FILE, '--spend']).token;
    expect(ok<{ points: number }>(charityDb, ['donate', '--card', spend, '--charity', 'food-bank', '--points', '300', '--id', 'D-1']).points).toBe(300);
  });

  it('does not take a cashier check where the program does not (classic-krw takes a PIN or a spend code)', () => {
    refused(db, ['checkout', '--card', CARD, '--amount', '100000', '--txn', 'CASH-1', '--redeem-points', '500', '--checked-by', 'lee'], /is not one this program takes/, 'proof-required');
  });

  it('keeps to the limits per visit and per day whatever the proof', () => {
    const pin = { input: '9371\n' };
    refused(db, ['checkout', '--card', CARD, '--amount', '500000', '--txn', 'LIM-1', '--redeem-points', '20100', '--pin-stdin'], /At most 20000 points can be spent in one visit/, 'spend-limit', pin);
    // 4 × 500 already spent today (the spend codes, the PINs); 20000 more is fine, 8100 after that is not.
    ok(db, ['checkout', '--card', CARD, '--amount', '600000', '--txn', 'LIM-2', '--redeem-points', '20000', '--pin-stdin'], pin);
    refused(db, ['checkout', '--card', CARD, '--amount', '600000', '--txn', 'LIM-3', '--redeem-points', '8100', '--pin-stdin'], /At most 30000 points can be spent in a day; 22000 already were today, so 8000 are left/, 'spend-limit', pin);
    ok(db, ['checkout', '--card', CARD, '--amount', '600000', '--txn', 'LIM-3', '--redeem-points', '8000', '--pin-stdin'], pin);
    // The next local day, the limit starts again.
    ok(db, ['checkout', '--card', CARD, '--amount', '600000', '--txn', 'LIM-4', '--redeem-points', '20000', '--pin-stdin'], { ...pin, now: '2026-12-01T16:00:00Z' });
  });
});

describe('which keys and programs a terminal trusts', () => {
  /** The sporting-goods example made real: its own member QR key instead of the published demo key. */
  function realProgram(version: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const program = JSON.parse(readFileSync(SPORTS, 'utf8')) as Record<string, unknown> & { cardCodes: { verifyKeys: unknown[] } };
    program.cardCodes.verifyKeys = [{ id: 'qr-2026', publicKey: keyOf('qr-2026.json') }];
    return { ...program, version, ...extra };
  }
  const keyOf = (file: string): string => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { publicKey: string }).publicKey;
  const write = (file: string, json: unknown): string => {
    writeFileSync(join(dir, file), JSON.stringify(json, null, 2));
    return file;
  };
  const db = join(dir, 'real.sqlite');
  let hq: string;

  beforeAll(() => {
    for (const id of ['qr-2026', 'hq-2026', 'hq-2027', 'intruder']) expect(tally(db, ['keys', 'generate', '--id', id, '--out', `${id}.json`]).status).toBe(0);
    hq = `hq-2026:${keyOf('hq-2026.json')}`;
  });

  it('refuses, without --demo, an example program trusting the demo key whose secret is published, and makes no file', () => {
    const demoDb = join(dir, 'not-demo.sqlite');
    const run = tally(demoDb, ['init', '--program', CLASSIC, '--store', 'S1', '--terminal', 'T1', '--program-key', hq]);
    expect(run.status).toBe(1);
    expect(run.error).toMatch(/trusts the demo key demo-2026, whose secret is published with Tally: .* or set up a demo terminal \(init --demo\); nothing was installed/);
    expect(existsSync(demoDb)).toBe(false);
  });

  it('refuses an unsigned program, or one with no program key to check it against', () => {
    write('real-v1.json', realProgram(1));
    expect(tally(db, ['init', '--program', 'real-v1.json', '--store', 'S1', '--terminal', 'T1', '--program-key', hq]).error).toMatch(/real-v1.json is not signed/);
    expect(ok<{ programId: string }>(db, ['program', 'sign', '--program', 'real-v1.json', '--signing-key', 'hq-2026.json', '--out', 'real-v1.signed.json']).programId).toBe('sporting-goods-usd');
    expect(tally(db, ['init', '--program', 'real-v1.signed.json', '--store', 'S1', '--terminal', 'T1']).error).toMatch(/trusts no program key yet/);
    expect(existsSync(db)).toBe(false);
  });

  it('initialises with a signed program and a pinned program key; no demo notice, and demo-key codes are refused', () => {
    const init = tally(db, ['init', '--program', 'real-v1.signed.json', '--store', 'S1', '--terminal', 'T1', '--program-key', hq]);
    expect(init.status).toBe(0);
    expect(init.stdout).not.toContain('DEMO');
    expect(init.stderr).not.toContain('DEMO');
    ok(db, ['member', 'add', '--card', CARD]);
    const forged = issueMemberToken(demoKey, { scope: 'spend', memberRef: qrRef(db, CARD), tokenId: newTokenId(new Uint8Array(randomBytes(8))), expiresAt: Date.now() + 60_000 });
    refused(db, ['checkout', '--card', forged, '--amount', '1000', '--txn', 'F-1'], /Member QR code from an unknown key/, 'invalid-card');
    const genuine = ok<{ token: string }>(db, ['qr', 'issue', '--card', CARD, '--signing-key', 'qr-2026.json', '--spend']).token;
    expect(ok<{ earned: number }>(db, ['checkout', '--card', genuine, '--amount', '1000', '--txn', 'F-2']).earned).toBe(10);
  });

  it('installs only programs its program key signed, and follows a key rotation the program announces', () => {
    write('v2.json', realProgram(2));
    expect(tally(db, ['program', 'install', '--program', 'v2.json']).error).toMatch(/v2.json is not signed/);
    ok(db, ['program', 'sign', '--program', 'v2.json', '--signing-key', 'intruder.json', '--out', 'v2.intruder.json']);
    expect(tally(db, ['program', 'install', '--program', 'v2.intruder.json']).error).toMatch(/signed with key intruder, which this terminal does not trust \(it trusts hq-2026\)/);
    ok(db, ['program', 'sign', '--program', 'v2.json', '--signing-key', 'hq-2026.json', '--out', 'v2.signed.json']);
    const tampered = JSON.parse(readFileSync(join(dir, 'v2.signed.json'), 'utf8')) as { earn: { rate: { points: number } } };
    tampered.earn.rate.points = 50;
    write('v2.tampered.json', tampered);
    expect(tally(db, ['program', 'install', '--program', 'v2.tampered.json']).error).toMatch(/does not match its signature: it was changed after head office signed it; nothing was installed/);
    // A program key cannot be pinned again once one is trusted.
    expect(tally(db, ['program', 'install', '--program', 'v2.intruder.json', '--program-key', `intruder:${keyOf('intruder.json')}`]).error).toMatch(/already trusts program key hq-2026/);
    expect(ok<{ programVersion: number; signedWith: string }>(db, ['program', 'install', '--program', 'v2.signed.json'])).toMatchObject({ programVersion: 2, signedWith: 'hq-2026' });
    // v3, signed by the current key, hands over to hq-2027.
    write('v3.json', realProgram(3, { programKeys: [{ id: 'hq-2027', publicKey: keyOf('hq-2027.json') }] }));
    ok(db, ['program', 'sign', '--program', 'v3.json', '--signing-key', 'hq-2026.json', '--out', 'v3.signed.json']);
    ok(db, ['program', 'install', '--program', 'v3.signed.json']);
    write('v4.json', realProgram(4, { programKeys: [{ id: 'hq-2027', publicKey: keyOf('hq-2027.json') }] }));
    ok(db, ['program', 'sign', '--program', 'v4.json', '--signing-key', 'hq-2026.json', '--out', 'v4.old-key.json']);
    expect(tally(db, ['program', 'install', '--program', 'v4.old-key.json']).error).toMatch(/signed with key hq-2026, which this terminal does not trust \(it trusts hq-2027\)/);
    ok(db, ['program', 'sign', '--program', 'v4.json', '--signing-key', 'hq-2027.json', '--out', 'v4.signed.json']);
    ok(db, ['program', 'install', '--program', 'v4.signed.json']);
  });

  it('refuses the cards and codes on the denylist the program distributes', () => {
    ok(db, ['member', 'add', '--card', OTHER]);
    const code = ok<{ token: string }>(db, ['qr', 'issue', '--card', CARD, '--signing-key', 'qr-2026.json']).token;
    const tokenId = code.split('.')[4]!;
    write('v5.json', realProgram(5, { programKeys: [{ id: 'hq-2027', publicKey: keyOf('hq-2027.json') }], revoked: { cards: [OTHER], tokens: [tokenId], terminalKeys: [] } }));
    ok(db, ['program', 'sign', '--program', 'v5.json', '--signing-key', 'hq-2027.json', '--out', 'v5.signed.json']);
    ok(db, ['program', 'install', '--program', 'v5.signed.json']);
    refused(db, ['checkout', '--card', OTHER, '--amount', '1000', '--txn', 'R-1'], /This card has been blocked/, 'invalid-card');
    refused(db, ['checkout', '--card', code, '--amount', '1000', '--txn', 'R-2'], /This member QR code has been blocked/, 'invalid-card');
    // Another code of the same member still works.
    const fresh = ok<{ token: string }>(db, ['qr', 'issue', '--card', CARD, '--signing-key', 'qr-2026.json']).token;
    expect(ok<{ earned: number }>(db, ['checkout', '--card', fresh, '--amount', '1000', '--txn', 'R-3']).earned).toBe(10);
  });
});

describe('whose clock counts', () => {
  const db = join(dir, 'clock.sqlite');

  beforeAll(() => {
    expect(tally(db, ['init', '--demo', '--program', CLASSIC, '--store', 'S1', '--terminal', 'T1']).status).toBe(0);
    ok(db, ['member', 'add', '--card', CARD]);
  });

  it('takes --now only where the environment allows it, and says when the clock is overridden', () => {
    const env = { ...process.env };
    delete env['TALLY_ALLOW_CLOCK_OVERRIDE'];
    const before = fingerprint(db);
    const run = tally(db, ['checkout', '--card', CARD, '--amount', '1000', '--txn', 'T-0'], { env });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('tally: --now is for tests and demos only: it works where the environment sets TALLY_ALLOW_CLOCK_OVERRIDE=1; a real counter uses its own clock. See: tally --help\n');
    expect(fingerprint(db)).toBe(before);
    const allowed = tally(db, ['balance', '--card', CARD]);
    expect(allowed.stderr).toMatch(/^tally: clock overridden: acting as if it were 2026-12-01T03:00:00.000Z \(TALLY_ALLOW_CLOCK_OVERRIDE=1; the real time is /m);
  });

  it('refuses writes in year 0, in 1970, years ahead, or before the last booking, and writes nothing', () => {
    ok(db, ['checkout', '--card', CARD, '--amount', '1000', '--txn', 'T-1']);
    refused(db, ['checkout', '--card', CARD, '--amount', '1000', '--txn', 'T-2'], /says 0000-01-01T00:00:00Z, before this version of Tally existed/, 'clock-wrong', { now: '0000-01-01T00:00:00Z' });
    refused(db, ['periodic'], /says 1970-01-01T00:00:00Z, before this version of Tally existed/, 'clock-wrong', { now: '1970-01-01T00:00:00Z' });
    refused(db, ['periodic'], /says 9999-12-31T00:00:00Z, more than a day ahead of the real clock/, 'clock-wrong', { now: '9999-12-31T00:00:00Z' });
    refused(db, ['checkout', '--card', CARD, '--amount', '1000', '--txn', 'T-3'], /says 2026-11-30T03:00:00Z, earlier than this terminal's last booking \(2026-12-01T03:00:00Z\)/, 'clock-wrong', { now: '2026-11-30T03:00:00Z' });
    refused(db, ['member', 'update', '--card', CARD, '--name', 'Back in time'], /earlier than this terminal's last booking/, 'clock-wrong', { now: '2026-11-30T03:00:00Z' });
  });

  it('checks a code’s expiry against the real time: moving --now back does not revive it', () => {
    const expired = issueMemberToken(demoKey, { scope: 'identify', memberRef: qrRef(db, CARD), tokenId: newTokenId(new Uint8Array(randomBytes(8))), expiresAt: Date.now() - 60_000 });
    refused(db, ['checkout', '--card', expired, '--amount', '1000', '--txn', 'T-4'], /Member QR code has expired/, 'invalid-card', { now: '2026-12-01T04:00:00Z' });
  });
});

describe('personal data lives only where it can be erased', () => {
  const db = join(dir, 'privacy.sqlite');
  const DETAILS = ['Kim Minji', '+82 10-1234-5678', 'minji@example.kr', '1994-11-20'];

  beforeAll(() => {
    expect(tally(db, ['init', '--demo', '--program', CLASSIC, '--store', 'S1', '--terminal', 'T1']).status).toBe(0);
    ok(db, ['member', 'add', '--card', CARD, '--name', DETAILS[0]!, '--phone', DETAILS[1]!, '--email', DETAILS[2]!, '--birthday', DETAILS[3]!, '--pin-stdin'], { input: '2580\n' });
    ok(db, ['checkout', '--card', CARD, '--amount', '600000', '--txn', 'P-1']);
  });

  it('keeps no personal details, and no whole card number, in the append-only rows', () => {
    const sqlite = new Database(db, { readonly: true });
    try {
      const rows = JSON.stringify(sqlite.prepare('SELECT txn_id, request, record, result FROM transactions').all());
      for (const detail of [...DETAILS, CARD]) expect(rows, detail).not.toContain(detail);
      expect(JSON.stringify(sqlite.prepare('SELECT detail, pos_txn_id, business_key FROM transfers').all())).not.toContain(CARD);
      expect(sqlite.prepare('SELECT name, email FROM members').get()).toEqual({ name: DETAILS[0], email: DETAILS[2] });
    } finally {
      sqlite.close();
    }
  });

  it('erases a member: details, PIN, cards and QR reference go; balances, transfers and totals stay', () => {
    const token = ok<{ token: string }>(db, ['qr', 'issue', '--card', CARD, '--signing-key', DEMO_KEY_FILE]).token;
    const before = ok<{ memberId: string; balance: number }>(db, ['balance', '--card', CARD]);
    const sqlite = (): Database.Database => new Database(db, { readonly: true });
    const totals = (): unknown => {
      const s = sqlite();
      try {
        return s.prepare('SELECT id, balance FROM accounts ORDER BY id').all();
      } finally {
        s.close();
      }
    };
    const totalsBefore = totals();
    // A slip's code cannot erase anyone.
    refused(db, ['member', 'erase', '--card', token, '--reason', 'prank'], /Erasing a member's data needs the member card itself/, 'proof-refused');
    const erased = ok<{ memberId: string; name: string | null; cards: string[]; hasPin: boolean; erasedAt: number | null; balance: number }>(db, ['member', 'erase', '--card', CARD, '--reason', "member's request", '--by', 'manager-kim']);
    expect(erased).toMatchObject({ memberId: before.memberId, name: null, cards: [], hasPin: false, balance: before.balance });
    expect(erased.erasedAt).not.toBeNull();
    expect(totals()).toEqual(totalsBefore);
    expect(ok<{ ok: boolean }>(db, ['verify']).ok).toBe(true);
    refused(db, ['balance', '--card', CARD], /Card not recognised/, 'unknown-card');
    refused(db, ['checkout', '--card', token, '--amount', '1000', '--txn', 'P-2'], /this member is not on this terminal yet/, 'unknown-member');
    const s = sqlite();
    try {
      expect(s.prepare(`SELECT kind, detail FROM events WHERE member_id = ?`).all(before.memberId)).toEqual([{ kind: 'member-erased', detail: JSON.stringify({ reason: "member's request", by: 'manager-kim' }) }]);
      expect(s.prepare(`SELECT count(*) FROM outbox WHERE entity = 'member' AND entity_id = ? AND entity_version = 2`).pluck().get(before.memberId)).toBe(1);
    } finally {
      s.close();
    }
    // Not left in the file's free space, nor in its WAL.
    for (const file of [db, `${db}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      for (const detail of DETAILS) expect(bytes.includes(detail), `${detail} in ${file}`).toBe(false);
    }
    // The card can join again, as a new member.
    expect(ok<{ memberId: string }>(db, ['member', 'add', '--card', CARD]).memberId).not.toBe(before.memberId);
  });
});

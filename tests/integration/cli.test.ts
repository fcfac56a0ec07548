/**
 * The `tally` CLI as a store's script sees it: a real process, real database files, exit codes,
 * one-line errors, --json output, and nothing written when input is refused.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { LoyaltyService } from '../../src/terminal/loyalty-service.js';
import { CLI_ENV, REPO, stripNotices, tempDir } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-cli-');
afterAll(cleanup);
const db = join(dir, 'lane.sqlite');
const NOW = '2026-03-02T03:00:00Z';

function tally(args: string[], options: { now?: string | null; input?: string } = {}): { status: number | null; stdout: string; stderr: string } {
  const now = options.now === undefined ? ['--now', NOW] : options.now === null ? [] : ['--now', options.now];
  const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, ...now, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV, input: options.input ?? '' });
  return { status: run.status, stdout: run.stdout, stderr: stripNotices(run.stderr) };
}

function json<T>(args: string[], options?: { now?: string | null; input?: string }): T {
  const run = tally(['--json', ...args], options);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** Everything the ledger holds, as one fingerprint: refused commands must leave it identical. */
function fingerprint(): string {
  const sqlite = new Database(db, { readonly: true });
  try {
    const tables = ['members', 'card_codes', 'accounts', 'transactions', 'transfers', 'lots', 'lot_draws', 'events', 'outbox', 'terminal'];
    const hash = createHash('sha256');
    for (const table of tables) hash.update(JSON.stringify(sqlite.prepare(`SELECT * FROM ${table} ORDER BY 1`).all()));
    return hash.digest('hex');
  } finally {
    sqlite.close();
  }
}

beforeAll(() => {
  const init = tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'plus-membership-charity.json'), '--store', 'S9', '--terminal', 'T2']);
  expect(init.status).toBe(0);
  // Her PIN (on standard input, never on the command line) lets her spend points.
  json(['member', 'add', '--card', '2900000000018', '--name', 'Lee Seo-yeon', '--phone', '+82 10-1234-5678', '--birthday', '03-02', '--pin-stdin'], { input: '2580\n' });
  json(['checkout', '--card', '2900000000018', '--amount', '25000', '--txn', 'POS-1']);
});

describe('tally CLI', () => {
  it('books a checkout and reports it as JSON', () => {
    const r = json<{ earned: number; balance: number; amountDue: number; replayed: boolean; transfers: { kind: string; seq: number }[] }>(['checkout', '--card', '2900000000018', '--amount', '10000', '--txn', 'POS-2']);
    // 1 point per $1 on $100.00; welcome 250 + birthday? (no birthday rule in this program) + POS-1's 250.
    expect(r.earned).toBe(100);
    expect(r.amountDue).toBe(10000);
    expect(r.replayed).toBe(false);
    expect(r.balance).toBe(250 + 250 + 100);
    expect(r.transfers.map((t) => t.kind)).toEqual(['earn', 'qualifying-spend']);
    const again = json<{ replayed: boolean; balance: number }>(['checkout', '--card', '2900000000018', '--amount', '10000', '--txn', 'POS-2']);
    expect(again).toMatchObject({ replayed: true, balance: 600 });
  });

  const refusals: [string, string[], RegExp, string][] = [
    ['unknown card', ['checkout', '--card', '2900000009950', '--amount', '100', '--txn', 'X1'], /^tally: Card not recognised: \*{9}9950 — check the card or enrol the customer\n$/, 'unknown-card'],
    ['wrong check digit', ['checkout', '--card', '2900000009955', '--amount', '100', '--txn', 'X1'], /^tally: Check digit wrong — rescan\n$/, 'invalid-card'],
    ['product barcode', ['checkout', '--card', '8801234567893', '--amount', '100', '--txn', 'X1'], /^tally: Not a member card: product barcode\n$/, 'invalid-card'],
    ['bank card, never echoed', ['checkout', '--card', '4111111111111111', '--amount', '100', '--txn', 'X1'], /^tally: That is a bank card — ask for the loyalty card \(nothing was kept\)\n$/, 'invalid-card'],
    ['malformed amount', ['checkout', '--card', '2900000000018', '--amount', '12.50', '--txn', 'X2'], /^tally: Amount must be a whole number of minor units .*got "12.50"\n$/, 'invalid-input'],
    ['negative amount', ['checkout', '--card', '2900000000018', '--amount=-5', '--txn', 'X3'], /^tally: Amount must be a whole number/, 'invalid-input'],
    ['same POS id, other details', ['checkout', '--card', '2900000000018', '--amount', '999', '--txn', 'POS-1'], /^tally: checkout POS-1 was already booked with different details; nothing was written/, 'duplicate-different'],
    ['too few points', ['checkout', '--card', '2900000000018', '--amount', '100000', '--txn', 'X4', '--redeem-points', '100000'], /^tally: Not enough points: 100000 requested, balance is 600\n$/, 'insufficient-points'],
    ['points off step', ['checkout', '--card', '2900000000018', '--amount', '100000', '--txn', 'X5', '--redeem-points', '550'], /^tally: Points are redeemed in steps of 100; 550 is not a multiple\n$/, 'redemption-not-allowed'],
    ['unknown charity', ['donate', '--card', '2900000000018', '--charity', 'nobody', '--points', '100', '--id', 'D1'], /^tally: Unknown charity "nobody" \(this program has: food-bank, red-cross\)\n$/, 'invalid-input'],
    ['return of an unknown sale', ['return', '--txn', 'NOPE', '--return-id', 'R1', '--amount', '100'], /^tally: No sale NOPE on this terminal/, 'unknown-transaction'],
    ['return larger than the sale', ['return', '--txn', 'POS-1', '--return-id', 'R1', '--amount', '25001'], /^tally: Return of 25001 is more than the 25000 left of sale POS-1\n$/, 'return-exceeds-sale'],
    ['bad basket file', ['checkout', '--card', '2900000000018', '--basket', 'missing.json', '--txn', 'X6'], /^tally: Cannot read basket file missing.json: ENOENT\n$/, 'invalid-input'],
    ['bad birthday', ['member', 'add', '--card', '2900000000025', '--birthday', '1990-02-30'], /^tally: member: birthday: must be a date as YYYY-MM-DD or MM-DD\n$/, 'invalid-input'],
    ['card already a member', ['member', 'add', '--card', '2900000000018', '--name', 'Someone Else'], /^tally: Card \*{9}0018 already belongs to a member/, 'card-in-use'],
  ];

  for (const [what, args, message, code] of refusals) {
    it(`refuses ${what} with exit 1, one line and nothing written`, () => {
      const before = fingerprint();
      const human = tally(args);
      expect(human.status).toBe(1);
      expect(human.stdout).toBe('');
      expect(human.stderr).toMatch(message);
      expect(human.stderr.trimEnd().split('\n')).toHaveLength(1);
      const machine = tally(['--json', ...args]);
      expect(machine.status).toBe(1);
      expect((JSON.parse(machine.stdout) as { error: { code: string } }).error.code).toBe(code);
      expect(fingerprint()).toBe(before);
    });
  }

  it('updates a member: details, a second card, a new synced version only when something changed', () => {
    const updated = json<{ version: number; cards: string[]; email: string | null; marketingConsent: boolean }>([
      'member', 'update', '--card', '2900000000018', '--email', 'seoyeon@example.kr', '--consent', 'yes', '--add-card', '2900000000049',
    ]);
    expect(updated).toMatchObject({ version: 2, cards: ['2900000000018', '2900000000049'], email: 'seoyeon@example.kr', marketingConsent: true });
    // The new card finds the same member.
    expect(json<{ memberId: string }>(['balance', '--card', '2900000000049']).memberId).toBe(json<{ memberId: string }>(['balance', '--card', '2900000000018']).memberId);
    const same = json<{ version: number }>(['member', 'update', '--card', '2900000000049', '--email', 'seoyeon@example.kr']);
    expect(same.version).toBe(2);
    const cleared = json<{ version: number; email: string | null }>(['member', 'update', '--card', '2900000000049', '--email', '']);
    expect(cleared).toMatchObject({ version: 3, email: null });
    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.prepare(`SELECT entity_version FROM outbox WHERE entity = 'member' ORDER BY id`).pluck().all()).toEqual([1, 2, 3]);
    sqlite.close();
  });

  it('exits 2 on wrong usage and prints help', () => {
    expect(tally(['frobnicate']).status).toBe(2);
    expect(tally(['checkout', '--card', '2900000000018']).stderr).toMatch(/give either --amount or --basket|--txn is required/);
    expect(tally(['checkout', '--card', '2900000000018', '--amount', '1', '--txn', 'A', '--bogus']).status).toBe(2);
    const help = tally(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('checkout           book a sale');
    expect(tally(['checkout', '--help']).stdout).toContain('--txn POS-ID');
    expect(tally([]).status).toBe(2);
  });

  it('sells a membership whose perks apply at once, and donates points', () => {
    const sale = json<{ planId: string; fee: number; endsAt: number; balance: number }>(['membership', 'sell', '--card', '2900000000018', '--plan', 'plus-annual', '--txn', 'M-1']);
    expect(sale.planId).toBe('plus-annual');
    expect(sale.fee).toBe(4900);
    // Annual from 2026-03-02 (Los Angeles: still 1 March at 03:00 UTC) to the same day next year.
    expect(new Date(sale.endsAt).toISOString()).toBe('2027-03-01T08:00:00.000Z');
    // The plan's monthly credit of 200 points is booked for the current month with the sale.
    expect(sale.balance).toBe(600 + 200);
    const checkout = json<{ earned: number; discounts: { source: string; amount: number }[]; amountDue: number }>(['checkout', '--card', '2900000000018', '--amount', '10000', '--txn', 'POS-3']);
    // 5% member discount: $100 → $95; ×2 points on $95 → 95 base + 95 membership.
    expect(checkout.discounts).toEqual([{ source: 'membership', id: 'plus-annual', amount: 500 }]);
    expect(checkout.amountDue).toBe(9500);
    expect(checkout.earned).toBe(190);
    const donation = json<{ points: number; balance: number }>(['donate', '--card', '2900000000018', '--charity', 'food-bank', '--points', '300', '--id', 'D-1', '--pin-stdin'], { input: '2580\n' });
    expect(donation).toMatchObject({ points: 300, balance: 800 + 190 - 300 });
  });

  it('cancels a membership sold in a basket when its line is returned, and returns the rest with --all', () => {
    const basket = join(dir, 'with-plan.json');
    writeFileSync(basket, JSON.stringify({ currency: 'USD', lines: [{ sku: 'BREAD', quantity: 2, unitPrice: 450 }, { sku: 'PLUS-MONTH', quantity: 1, unitPrice: 599 }] }));
    const card = '2900000000025';
    json(['member', 'add', '--card', card]);
    const sale = json<{ membership: { planId: string } | null }>(['checkout', '--card', card, '--basket', basket, '--txn', 'POS-PLAN']);
    expect(sale.membership?.planId).toBe('plus-monthly');
    const back = json<{ membershipCancelled: string | null; fullyReturned: boolean }>(['return', '--txn', 'POS-PLAN', '--return-id', 'RET-PLAN', '--line', 'PLUS-MONTH:1']);
    expect(back).toMatchObject({ membershipCancelled: 'plus-monthly', fullyReturned: false });
    expect(json<{ membership: unknown }>(['balance', '--card', card]).membership).toBeNull();
    const rest = json<{ fullyReturned: boolean; membershipCancelled: string | null }>(['return', '--txn', 'POS-PLAN', '--return-id', 'RET-PLAN-2', '--all']);
    expect(rest).toMatchObject({ fullyReturned: true, membershipCancelled: null });
    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.prepare(`SELECT kind, amount FROM transfers WHERE kind LIKE 'membership-%' AND member_id = (SELECT member_id FROM card_codes WHERE code = ?) ORDER BY seq`).all(card)).toEqual([
      { kind: 'membership-sale', amount: 599 },
      { kind: 'membership-refund', amount: 599 },
    ]);
    sqlite.close();
    expect(json<{ ok: boolean }>(['verify']).ok).toBe(true);
  });

  it('records actions within their limits', () => {
    expect(json<{ points: number }>(['action', '--card', '2900000000018', '--action', 'newsletter']).points).toBe(50);
    // Retried without an id: found by its limit key, a no-op.
    expect(json<{ replayed: boolean }>(['action', '--card', '2900000000018', '--action', 'newsletter'])).toMatchObject({ replayed: true });
    const again = tally(['action', '--card', '2900000000018', '--action', 'newsletter', '--id', 'A-2']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/was already rewarded/);
  });

  it('backs up online and restores into a new epoch', () => {
    const backup = join(dir, 'lane-backup.sqlite');
    expect(tally(['backup', '--to', backup]).status).toBe(0);
    const restored = join(dir, 'restored.sqlite');
    const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--json', '--db', restored, 'restore', '--from', backup], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    // A new epoch, never one used before: past the milliseconds since 2025 when it was restored, by a
    // random spread (so the same backup restored twice, even with the clock set back, gets two).
    const epoch = (JSON.parse(run.stdout) as { epoch: number }).epoch;
    const since2025 = Date.now() - Date.parse('2025-01-01T00:00:00Z');
    expect(epoch).toBeGreaterThan(since2025 - 60_000);
    expect(epoch).toBeLessThanOrEqual(since2025 + 2 ** 30 + 1);
    const sqlite = new Database(restored, { readonly: true });
    expect(sqlite.prepare('SELECT epoch, next_seq, restore_pending FROM terminal').get()).toEqual({ epoch, next_seq: 1, restore_pending: 0 });
    sqlite.close();
    const refused = tally(['backup', '--to', backup]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/already exists/);
  });

  it('installs a newer program version and keeps old transfers on theirs', () => {
    const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'plus-membership-charity.json'), 'utf8')) as { version: number; earn: { rate: { points: number } } };
    program.version = 2;
    program.earn.rate.points = 2;
    const file = join(dir, 'v2.json');
    writeFileSync(file, JSON.stringify(program));
    expect(tally(['program', 'install', '--program', file]).status).toBe(0);
    const r = json<{ earn: { rate: { points: number } } }>(['checkout', '--card', '2900000000018', '--amount', '1000', '--txn', 'POS-V2']);
    expect(r.earn.rate.points).toBe(2);
    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.prepare(`SELECT DISTINCT program_version FROM transfers WHERE pos_txn_id IN ('POS-1', 'POS-V2') ORDER BY 1`).pluck().all()).toEqual([1, 2]);
    sqlite.close();
    const older = tally(['program', 'install', '--program', file]);
    expect(older.status).toBe(1);
    expect(older.stderr).toMatch(/not newer/);
  });

  // Last: it books in 2028, and no later write may go back before it.
  it('books expiry and monthly credits as time passes', () => {
    const before = json<{ balance: number }>(['balance', '--card', '2900000000018']);
    // The CLI will not act in 2028 while the real clock says otherwise (issue 7: --now may not run ahead of it).
    const ahead = tally(['periodic'], { now: '2028-01-15T12:00:00Z' });
    expect(ahead.status).toBe(1);
    expect(ahead.stderr).toMatch(/^tally: The overridden clock \(--now\) says 2028-01-15T12:00:00Z, more than a day ahead of the real clock/);
    // So the terminal's own service does it, with a test clock standing in for the real one (a mock at the edge).
    const at = Date.parse('2028-01-15T12:00:00Z');
    const ledger = Ledger.open(db);
    let periodic: { transfers: number };
    let history: { entries: { kind: string; points: number; period: string | null }[] };
    let after: { balance: number };
    try {
      const service = new LoyaltyService(ledger, { clock: () => at, wallClock: () => at });
      periodic = service.runPeriodic();
      history = service.history('2900000000018', 500);
      after = service.member('2900000000018');
    } finally {
      ledger.close();
    }
    // Points earned in 2026 expire after 31 December 2027; the annual plan's credits continue monthly until March 2027.
    expect(periodic.transfers).toBeGreaterThan(0);
    const credits = history.entries.filter((e) => e.kind === 'membership-credit').map((e) => e.period).sort();
    // March 2026 … February 2027: the plan runs until the start of 1 March 2027 (Los Angeles time).
    expect(credits[0]).toBe('2026-03');
    expect(credits.at(-1)).toBe('2027-02');
    expect(credits).toHaveLength(12);
    const expired = history.entries.filter((e) => e.kind === 'expiry');
    expect(expired.length).toBe(1);
    expect(before.balance).toBeGreaterThan(0);
    // Everything earned in 2026 expired after 31 December 2027 (credits count in the month they are
    // for, even when booked late); what is left: the 2027 credits and the 2% rebate on 2026 spend.
    const rebate = history.entries.filter((e) => e.kind === 'annual-reward');
    expect(rebate).toHaveLength(1);
    // 2026 qualifying spend: $250 + $100 + $95 (after 5% off) + $10 (POS-V2) = $455 → 2% = $9.10 → 18 points
    // at program v2's 2 points per $1.
    expect(rebate[0]?.points).toBe(18);
    expect(after.balance).toBe(2 * 200 + 18);
    expect(json<{ ok: boolean }>(['verify']).ok).toBe(true);
  });
});

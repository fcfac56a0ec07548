/**
 * Pull with real processes on loopback: three counters of two stores and the central server. A
 * member enrolled at store A is served at store B after a sync, without their phone and e-mail
 * (which only store A's counters get); two counters spending the same points offline both keep
 * their sale, and after syncing every counter and the server show the same (negative) balance,
 * every ledger still verifies, and the server names the overdrawn lot; a terminal restored from an
 * old backup gets back what it booked after the backup.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../support/ledger-fixture.js';
import { realCounter } from '../support/real-counter.js';
import { http, serverCliJson, startServer, type ServerProcess } from '../support/server-process.js';

const { dir, cleanup } = tempDir('tally-pull-');
const data = join(dir, 'server-data');
const CARD = '2900000000025';
let server: ServerProcess;

const { tally, ok } = realCounter(dir);

const admin = <T>(...args: string[]): T => serverCliJson<T>(['--data', data, ...args]);
const lane = (name: string): string => join(dir, name, 'ledger.sqlite');
const balance = (db: string): number => ok<{ balance: number }>(db, ['balance', '--card', CARD]).balance;
const verified = (db: string): { ok: boolean; problems: string[] } => JSON.parse(tally(db, ['--json', 'verify']).stdout) as { ok: boolean; problems: string[] };

function sync(db: string): string {
  const run = tally(db, ['sync']);
  expect(run.error, run.stdout).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}

beforeAll(async () => {
  const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'sporting-goods-usd.json'), 'utf8')) as { cardCodes: { verifyKeys: unknown[] } };
  program.cardCodes.verifyKeys = [];
  // Small offline limits, so the test reaches them: 900 points per member per terminal and period.
  (program as unknown as { spending: Record<string, unknown> }).spending = {
    ...(program as unknown as { spending?: Record<string, unknown> }).spending,
    offline: { budgetPoints: 1500, budgetHours: 24, perTransaction: 600, perMember: 900, snapshotMaxAgeHours: 72, holdSeconds: 60 },
  };
  writeFileSync(join(dir, 'program.json'), JSON.stringify(program));
  admin('init', '--program', join(dir, 'program.json'));
  admin('store', 'create', '--id', 'STORE-A', '--name', 'Downtown', '--time-zone', 'America/New_York');
  admin('store', 'create', '--id', 'STORE-B', '--name', 'Airport', '--time-zone', 'America/New_York');
  // Store B keeps the program's budget; store A gives each terminal its own, larger one.
  admin('store', 'budget', '--id', 'STORE-A', '--points', '2000');
  server = await startServer(['--data', data, '--port', '0']);
  for (const [store, terminal] of [['STORE-A', 'A1'], ['STORE-A', 'A2'], ['STORE-B', 'B1']] as const) {
    const code = admin<{ code: string }>('terminal', 'code', '--store', store, '--terminal', terminal).code;
    expect(tally(lane(terminal), ['enrol', '--server', server.url, '--code', code]).status).toBe(0);
  }
}, 90_000);

afterAll(async () => {
  await server?.stop();
  cleanup();
});

describe('pull', () => {
  it("serves a member enrolled at another store after a sync, without the member's phone and e-mail", () => {
    ok(lane('A1'), ['member', 'add', '--card', CARD, '--name', 'Kim Minji', '--phone', '010-2222-3333', '--email', 'minji@example.com']);
    ok(lane('A1'), ['checkout', '--card', CARD, '--amount', '90000', '--txn', 'A1-0001']);
    sync(lane('A1'));
    const out = sync(lane('B1'));
    expect(out).toMatch(/^Up to date with the server: 1 member and \d+ transfers from other counters$/m);
    const points = balance(lane('A1'));
    expect(points).toBeGreaterThan(0);
    expect(balance(lane('B1'))).toBe(points);
    expect(verified(lane('B1'))).toEqual(expect.objectContaining({ ok: true }));
    const readB = new Database(lane('B1'), { readonly: true });
    try {
      expect(readB.prepare('SELECT name, phone, email, contact_withheld FROM members').all()).toEqual([{ name: 'Kim Minji', phone: null, email: null, contact_withheld: 1 }]);
    } finally {
      readB.close();
    }
    // B1 must not write the record back (it would wipe the phone on the server).
    const update = tally(lane('B1'), ['member', 'update', '--card', CARD, '--name', 'Kim M.']);
    expect(update.status).not.toBe(0);
    expect(update.error).toMatch(/enrolled at another store: their details and cards are changed there/);
    // A counter of the member's own store gets everything.
    sync(lane('A2'));
    const readA2 = new Database(lane('A2'), { readonly: true });
    try {
      expect(readA2.prepare('SELECT phone, email, contact_withheld FROM members').get()).toEqual({ phone: '010-2222-3333', email: 'minji@example.com', contact_withheld: 0 });
    } finally {
      readA2.close();
    }
    // A return at store B of a sale made at store A: the original sale was pulled with the member.
    const before = balance(lane('B1'));
    const returned = ok<{ balance: number }>(lane('B1'), ['return', '--txn', 'A1-0001', '--store', 'STORE-A', '--terminal', 'A1', '--return-id', 'B1-R0001', '--amount', '10000']);
    expect(returned.balance).toBeLessThan(before);
    // B1 earns for the member at its own counter, and A1 sees it after both sync.
    ok(lane('B1'), ['checkout', '--card', CARD, '--amount', '20000', '--txn', 'B1-0001']);
    sync(lane('B1'));
    sync(lane('A1'));
    expect(balance(lane('A1'))).toBe(balance(lane('B1')));
    expect(admin<{ balance: number }>('member', 'show', '--card', CARD).balance).toBe(balance(lane('A1')));
  });

  it('asks the server about a card it has never seen, at the counter, before any sync', () => {
    const card = '2900000000032';
    ok(lane('A1'), ['member', 'add', '--card', card, '--name', 'Park Jiho']);
    ok(lane('A1'), ['checkout', '--card', card, '--amount', '30000', '--txn', 'A1-L001']);
    sync(lane('A1'));
    // B1 has not synced since: the checkout itself fetches the member from the server.
    const sale = ok<{ balance: number }>(lane('B1'), ['checkout', '--card', card, '--amount', '10000', '--txn', 'B1-L001']);
    expect(sale.balance).toBeGreaterThan(0);
    sync(lane('B1'));
    sync(lane('A1'));
    expect(ok<{ balance: number }>(lane('A1'), ['balance', '--card', card]).balance).toBe(admin<{ balance: number }>('member', 'show', '--card', card).balance);
    expect(ok<{ balance: number }>(lane('A1'), ['balance', '--card', card]).balance).toBe(ok<{ balance: number }>(lane('B1'), ['balance', '--card', card]).balance);
    // A card nobody holds is still unknown, after asking.
    const unknown = tally(lane('B1'), ['balance', '--card', '2900000000049']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.error).toMatch(/Card not recognised/);
    expect(verified(lane('B1'))).toEqual(expect.objectContaining({ ok: true, problems: [] }));
  });

  it('online, a spend holds the points on the server first: a second counter cannot spend them again', () => {
    // A1 spends everything it can, online: each spend is held, booked and pushed at once.
    let n = 0;
    while (balance(lane('A1')) >= 300) {
      n += 1;
      ok(lane('A1'), ['checkout', '--card', CARD, '--amount', '2000', '--txn', `A1-H${n}`, '--reward', 'ten-off', '--checked-by', 'Lee']);
    }
    expect(n).toBeGreaterThan(0);
    const server = admin<{ balance: number }>('member', 'show', '--card', CARD).balance;
    expect(server).toBe(balance(lane('A1')));
    // B1 has not synced since: it still shows the old balance, but the server refuses the hold.
    expect(balance(lane('B1'))).toBeGreaterThanOrEqual(300);
    const refused = tally(lane('B1'), ['checkout', '--card', CARD, '--amount', '2000', '--txn', 'B1-H1', '--reward', 'ten-off', '--checked-by', 'Park']);
    expect(refused.status).not.toBe(0);
    expect(refused.error.trim()).toBe(`tally: The server shows ${server} points available for this member, counting what other counters hold (this spends 300): nothing was written`);
    sync(lane('B1'));
    expect(balance(lane('B1'))).toBe(server);
  });

  it('offline, two counters may spend the same points only within their budgets: all agree after syncing, ledgers verify, the overdraft is reported per store', async () => {
    // Points to spend, known to both counters before the link goes down.
    ok(lane('A1'), ['checkout', '--card', CARD, '--amount', '70000', '--txn', 'A1-0100']);
    sync(lane('A1'));
    sync(lane('B1'));
    const before = balance(lane('B1'));
    // Enough for one counter to reach its offline limit, not for both.
    expect(before).toBeGreaterThanOrEqual(1200);
    expect(before).toBeLessThan(1800);
    const port = new URL(server.url).port;
    await server.stop();
    // Both offline: each spends until the program's offline limit per member stops it (900 points).
    const spendOffline = (terminal: string): string => {
      for (let n = 1; n <= 10; n += 1) {
        const run = tally(lane(terminal), ['checkout', '--card', CARD, '--amount', '2000', '--txn', `${terminal}-O${n}`, '--reward', 'ten-off', '--checked-by', 'Lee']);
        if (run.status !== 0) return run.error;
      }
      throw new Error('the offline limit never stopped the spending');
    };
    try {
      expect(spendOffline('A1')).toMatch(/^tally: This member can spend 0 more points at this terminal while offline \(900 per budget period\): the server cannot be reached/);
      expect(spendOffline('B1')).toMatch(/^tally: This member can spend 0 more points at this terminal while offline \(900 per budget period\)/);
    } finally {
      server = await startServer(['--data', data, '--port', port]);
    }
    sync(lane('A1'));
    sync(lane('B1'));
    sync(lane('A1'));
    sync(lane('A2'));
    const onServer = admin<{ balance: number }>('member', 'show', '--card', CARD).balance;
    expect(onServer).toBeLessThan(0);
    // Within budget: never below minus what was spent offline.
    expect(onServer).toBeGreaterThanOrEqual(-1800);
    for (const terminal of ['A1', 'A2', 'B1']) {
      expect(balance(lane(terminal)), terminal).toBe(onServer);
      expect(verified(lane(terminal)), terminal).toEqual(expect.objectContaining({ ok: true, problems: [] }));
    }
    // Verified (nothing broken), the overdrawn lots listed apart for head office.
    const check = admin<{ ok: boolean; problems: string[]; overdrafts: string[] }>('verify');
    expect(check).toMatchObject({ ok: true, problems: [] });
    expect(check.overdrafts.length).toBeGreaterThan(0);
    expect(check.overdrafts.every((p) => /overdrawn by \d+ points/.test(p))).toBe(true);
    const risk = admin<{ storeId: string; grantedPoints: number; spentOffline: number; overdrawnMembers: number; overdraftPoints: number }[]>('risk');
    expect(risk.find((r) => r.storeId === 'STORE-A')).toMatchObject({ grantedPoints: 4000, spentOffline: 900 });
    expect(risk.find((r) => r.storeId === 'STORE-B')).toMatchObject({ grantedPoints: 1500, spentOffline: 900 });
    expect(risk.reduce((sum, r) => sum + r.overdraftPoints, 0)).toBe(-onServer);
    expect(risk.reduce((sum, r) => sum + r.overdrawnMembers, 0)).toBe(1);
    const alerts = admin<{ kind: string }[]>('alerts');
    expect(alerts.some((a) => a.kind === 'offline-budget-exceeded' || a.kind === 'hold-not-posted')).toBe(false);
    // A terminal itself still never spends below zero.
    const again = tally(lane('A1'), ['checkout', '--card', CARD, '--amount', '2000', '--txn', 'A1-0003', '--reward', 'ten-off', '--checked-by', 'Lee']);
    expect(again.status).not.toBe(0);
  });

  it('a terminal restored from an old backup gets back what it booked after the backup, and agrees with the server', () => {
    const backup = join(dir, 'A1-backup.sqlite');
    ok(lane('A1'), ['backup', '--to', backup]);
    ok(lane('A1'), ['checkout', '--card', CARD, '--amount', '50000', '--txn', 'A1-0004']);
    sync(lane('A1'));
    const restored = join(dir, 'A1-restored', 'ledger.sqlite');
    // The secrets (credential, signing key) are kept apart from the ledger: put back beside it.
    const restore = tally(restored, ['restore', '--from', backup]);
    expect(restore.status, restore.error).toBe(0);
    spawnSync('cp', ['-a', `${lane('A1')}.secrets`, `${restored}.secrets`]);
    sync(restored);
    expect(balance(restored)).toBe(admin<{ balance: number }>('member', 'show', '--card', CARD).balance);
    expect(verified(restored)).toEqual(expect.objectContaining({ ok: true, problems: [] }));
    // It books on in its new epoch, and the server takes it.
    ok(restored, ['checkout', '--card', CARD, '--amount', '10000', '--txn', 'A1-0005']);
    sync(restored);
    expect(balance(restored)).toBe(admin<{ balance: number }>('member', 'show', '--card', CARD).balance);
  });
});

describe('terminal ids are the store’s own', () => {
  it("pulls another store's counter that has the same terminal id and sequence numbers", () => {
    const code = admin<{ code: string }>('terminal', 'code', '--store', 'STORE-B', '--terminal', 'A1').code;
    expect(tally(lane('B-A1'), ['enrol', '--server', server.url, '--code', code]).status).toBe(0);
    ok(lane('B-A1'), ['checkout', '--card', CARD, '--amount', '5000', '--txn', 'BA1-0001']);
    sync(lane('B-A1'));
    // Store A's A1 (in service since its restore) holds its own A1 epoch-1 sequence already: store
    // B's A1 1, 2, … are other entries.
    const a1 = join(dir, 'A1-restored', 'ledger.sqlite');
    sync(a1);
    expect(balance(a1)).toBe(admin<{ balance: number }>('member', 'show', '--card', CARD).balance);
    expect(verified(a1)).toEqual(expect.objectContaining({ ok: true, problems: [] }));
    const read = new Database(a1, { readonly: true });
    try {
      expect(read.prepare(`SELECT count(*) FROM transfers WHERE store_id = 'STORE-B' AND terminal_id = 'A1' AND epoch = 1 AND seq = 1`).pluck().get()).toBe(1);
      expect(read.prepare(`SELECT count(*) FROM transfers WHERE store_id = 'STORE-A' AND terminal_id = 'A1' AND epoch = 1 AND seq = 1`).pluck().get()).toBe(1);
    } finally {
      read.close();
    }
  });
});

describe('the pull routes refuse what they should, clearly, and read nothing', () => {
  const credential = (): string => (JSON.parse(readFileSync(join(`${lane('B1')}.secrets`, 'sync-credential.json'), 'utf8')) as { credential: string }).credential;

  it('401 without a credential; 400 for a bad cursor, limit or an unknown parameter; 404 for an unknown card', async () => {
    expect((await http(server.url, { path: '/v1/pull' })).status).toBe(401);
    expect((await http(server.url, { path: `/v1/members/by-card?code=${CARD}` })).status).toBe(401);
    for (const query of ['cursor=abc', 'cursor=-1', 'limit=0', 'limit=100000', 'own=yes', 'since=1']) {
      const answer = await http(server.url, { path: `/v1/pull?${query}`, credential: credential() });
      expect(answer.status, query).toBe(400);
      expect(answer.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'invalid', message: expect.stringMatching(/^The query is not valid: /) });
    }
    const unknown = await http(server.url, { path: '/v1/members/by-card?code=2900000000999', credential: credential() });
    expect(unknown.status).toBe(404);
    const known = await http(server.url, { path: `/v1/members/by-card?code=${CARD}`, credential: credential() });
    expect(known.status).toBe(200);
    // Store B's terminal reads store A's member without phone and e-mail.
    expect(known.json<{ members: { member: { phone: string | null }; contactWithheld: boolean }[] }>().members).toEqual([expect.objectContaining({ contactWithheld: true, member: expect.objectContaining({ phone: null, email: null }) })]);
  });
});

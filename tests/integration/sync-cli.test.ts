/**
 * A terminal and the central server as a store runs them, all real processes on loopback: head
 * office starts the server and issues a one-time code; `tally enrol` makes the terminal's ledger
 * from what the server sends (the signed program, the keys, a certificate for the terminal's own
 * QR key); counter commands book offline; `tally sync` pushes the outbox, exactly once, acknowledged
 * only from the server's answer — a lost answer is a resend that changes nothing; a revoked terminal
 * keeps its entries.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TallyError } from '../../src/core/errors.js';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { pendingCount } from '../../src/terminal/ledger/outbox.js';
import { SyncClient } from '../../src/terminal/sync/client.js';
import { pushOutbox } from '../../src/terminal/sync/push.js';
import { syncSettings } from '../../src/terminal/sync/sync.js';
import { FileSecretStore, secretsDirFor } from '../../src/terminal/trust/secret-store.js';
import { REPO, tempDir } from '../support/ledger-fixture.js';
import { realCounter } from '../support/real-counter.js';
import { serverCliJson, startServer, type ServerProcess } from '../support/server-process.js';

const { dir, cleanup } = tempDir('tally-sync-');
const data = join(dir, 'server-data');
const CARD = '2900000000018';
let server: ServerProcess;

const { tally, ok } = realCounter(dir);

function admin<T>(...args: string[]): T {
  return serverCliJson<T>(['--data', data, ...args]);
}

function code(terminal: string): string {
  return admin<{ code: string }>('terminal', 'code', '--store', 'STORE-12', '--terminal', terminal).code;
}

beforeAll(async () => {
  // Head office's program: the sporting-goods example without the published demo key (the server puts its own keys in).
  const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'sporting-goods-usd.json'), 'utf8')) as { cardCodes: { verifyKeys: unknown[] } };
  program.cardCodes.verifyKeys = [];
  writeFileSync(join(dir, 'program.json'), JSON.stringify(program));
  admin('init', '--program', join(dir, 'program.json'));
  admin('store', 'create', '--id', 'STORE-12', '--name', 'Downtown', '--time-zone', 'America/New_York');
  server = await startServer(['--data', data, '--port', '0']);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  cleanup();
});

describe('enrolment', () => {
  const db = join(dir, 'lane-3', 'ledger.sqlite');

  it('creates the terminal from the server: signed program, pinned program key, its own QR key certified, no demo', () => {
    const enrolled = tally(db, ['enrol', '--server', server.url, '--code', code('LANE-3')]);
    expect(enrolled.error).toBe('');
    expect(enrolled.status).toBe(0);
    expect(enrolled.stdout).toMatch(/^Enrolled .* with http:\/\/127\.0\.0\.1:\d+: store STORE-12, terminal LANE-3, America\/New_York, program sporting-goods-usd v1$/m);
    const ledger = Ledger.open(db, { readonly: true });
    try {
      expect(ledger.terminal).toMatchObject({ storeId: 'STORE-12', terminalId: 'LANE-3', demo: false });
      expect(ledger.terminal.programKeys).toHaveLength(1);
    } finally {
      ledger.close();
    }
    // The credential and the signing secret are beside the ledger, the owner's alone.
    const secrets = join(`${db}.secrets`);
    for (const file of ['sync-credential.json', 'terminal-signing-key.json']) expect(statSync(join(secrets, file)).mode & 0o777).toBe(0o600);
    expect(readFileSync(db).includes(Buffer.from('tly_'))).toBe(false);
  });

  it('refuses the same code twice, and a made-up one, creating nothing', () => {
    const used = code('LANE-4');
    expect(tally(join(dir, 'lane-4', 'a.sqlite'), ['enrol', '--server', server.url, '--code', used]).status).toBe(0);
    const again = tally(join(dir, 'lane-4', 'b.sqlite'), ['enrol', '--server', server.url, '--code', used]);
    expect(again.status).toBe(1);
    expect(again.error).toMatch(/^tally: The server refused .*(used|unknown)/i);
    expect(tally(join(dir, 'lane-4', 'c.sqlite'), ['enrol', '--server', server.url, '--code', 'ABCD-EFGH-JKLM']).status).toBe(1);
  });
});

describe('sync', () => {
  const db = join(dir, 'lane-3', 'ledger.sqlite');

  it('pushes everything a counter booked offline, once; the server holds the same balance', () => {
    ok(db, ['member', 'add', '--card', CARD, '--name', 'Kim Minji']);
    ok(db, ['checkout', '--card', CARD, '--amount', '45000', '--txn', 'POS-0001']);
    ok(db, ['return', '--txn', 'POS-0001', '--return-id', 'RET-0001', '--amount', '15000']);
    const terminal = ok<{ memberId: string; balance: number }>(db, ['balance', '--card', CARD]);
    const sync = tally(db, ['sync']);
    expect(sync.error).toBe('');
    expect(sync.stdout).toMatch(/^Pushing \d+ outbox entries to the server…$/m);
    expect(sync.stdout).toMatch(/\(100%\)$/m);
    expect(sync.stdout).toMatch(/^Everything is on the server \(\d+ entries acknowledged\)$/m);
    expect(sync.status).toBe(0);
    const onServer = admin<{ id: string; balance: number; cards: string[] }>('member', 'show', '--card', CARD);
    expect(onServer).toMatchObject({ id: terminal.memberId, balance: terminal.balance, cards: [CARD] });
    expect(admin<{ ok: boolean }>('verify').ok).toBe(true);
    // Nothing left: a second sync sends nothing and still exits 0.
    expect(tally(db, ['sync']).stdout).toMatch(/Everything is on the server \(0 entries acknowledged\)/);
  });

  it('resends after a lost answer: the server already has it, nothing is counted twice', async () => {
    ok(db, ['checkout', '--card', CARD, '--amount', '20000', '--txn', 'POS-0002']);
    const ledger = Ledger.open(db);
    try {
      const settings = syncSettings(ledger, new FileSecretStore(secretsDirFor(db)));
      const real = new SyncClient({ baseUrl: settings.serverUrl, credential: settings.credential });
      // The server applies the push, and its answer is lost on the way back.
      const lossy = new SyncClient({ baseUrl: settings.serverUrl, credential: settings.credential });
      lossy.push = async (request) => {
        await real.push(request);
        throw new TallyError('io-error', 'the answer was lost', { retryable: true });
      };
      const pending = pendingCount(ledger.db);
      expect(pending).toBeGreaterThan(0);
      await expect(pushOutbox(ledger, lossy, { now: Date.now })).rejects.toThrow(/the answer was lost/);
      expect(pendingCount(ledger.db)).toBe(pending);
      const again = await pushOutbox(ledger, real, { now: Date.now });
      expect(again).toMatchObject({ remaining: 0, conflicts: [] });
    } finally {
      ledger.close();
    }
    const terminal = ok<{ balance: number }>(db, ['balance', '--card', CARD]);
    expect(admin<{ balance: number }>('member', 'show', '--card', CARD).balance).toBe(terminal.balance);
    expect(admin<{ ok: boolean }>('verify').ok).toBe(true);
  });

  it('keeps the entries of a revoked terminal, and says why', () => {
    ok(db, ['checkout', '--card', CARD, '--amount', '1000', '--txn', 'POS-0003']);
    admin('terminal', 'revoke', '--store', 'STORE-12', '--terminal', 'LANE-3');
    const sync = tally(db, ['sync']);
    expect(sync.status).toBe(1);
    expect(sync.error).toMatch(/^tally: The server refused this terminal's credential .*revoked.*nothing was lost, the entries wait here$/m);
    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.prepare('SELECT count(*) FROM outbox WHERE acked_at IS NULL').pluck().get()).toBeGreaterThan(0);
    sqlite.close();
  });

  it('says plainly that a terminal not enrolled (a demo terminal) has nothing to sync with', () => {
    const demo = join(dir, 'demo.sqlite');
    expect(tally(demo, ['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'S1', '--terminal', 'T1']).status).toBe(0);
    const sync = tally(demo, ['sync']);
    expect(sync.status).toBe(1);
    expect(sync.error).toMatch(/^tally: This terminal is not enrolled with a server: enrol it with tally enrol --server URL --code CODE/);
  });
});

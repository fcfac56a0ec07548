/**
 * The central server on the Node.js line under test, on its embedded SQLite store: head office's
 * init and store, `tally-server serve` as a real process, a terminal enrolled with a one-time code,
 * a checkout booked offline and one `tally sync` that leaves the same balance on the server.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../support/ledger-fixture.js';
import { realCounter } from '../support/real-counter.js';
import { serverCliJson, startServer } from '../support/server-process.js';

const { dir, cleanup } = tempDir('tally-smoke-server-');
afterAll(cleanup);

const { tally, ok } = realCounter(dir);
const data = join(dir, 'server-data');
const CARD = '2900000000018';
const admin = <T>(...args: string[]): T => serverCliJson<T>(['--data', data, ...args]);

describe('the central server', () => {
  it('starts on embedded SQLite, enrols a terminal, and takes its sync', async () => {
    // Head office's program: the example without the published demo key (the server puts its own keys in).
    const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'sporting-goods-usd.json'), 'utf8')) as { cardCodes: { verifyKeys: unknown[] } };
    program.cardCodes.verifyKeys = [];
    writeFileSync(join(dir, 'program.json'), JSON.stringify(program));
    admin('init', '--program', join(dir, 'program.json'));
    admin('store', 'create', '--id', 'STORE-12', '--name', 'Downtown', '--time-zone', 'America/New_York');

    const server = await startServer(['--data', data, '--port', '0']);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const { code } = admin<{ code: string }>('terminal', 'code', '--store', 'STORE-12', '--terminal', 'LANE-3');
      const db = join(dir, 'lane-3.sqlite');
      const enrolled = tally(db, ['enrol', '--server', server.url, '--code', code]);
      expect(enrolled.error).toBe('');
      expect(enrolled.status).toBe(0);
      expect(enrolled.stdout).toMatch(/^Enrolled .* store STORE-12, terminal LANE-3, America\/New_York, program sporting-goods-usd v1$/m);

      ok(db, ['member', 'add', '--card', CARD, '--name', 'Kim Minji']);
      ok(db, ['checkout', '--card', CARD, '--amount', '45000', '--txn', 'POS-0001']);
      const terminal = ok<{ memberId: string; balance: number }>(db, ['balance', '--card', CARD]);

      const sync = tally(db, ['sync']);
      expect(sync.error).toBe('');
      expect(sync.stdout).toMatch(/^Everything is on the server \(\d+ entries acknowledged\)$/m);
      expect(sync.status).toBe(0);
      expect(admin<{ id: string; balance: number }>('member', 'show', '--card', CARD)).toMatchObject({ id: terminal.memberId, balance: terminal.balance });
      expect(admin<{ ok: boolean }>('verify').ok).toBe(true);
    } finally {
      const exit = await server.stop();
      expect(exit.code, exit.stderr).toBe(0);
      // Its log is JSON lines; a warning of this Node (`(node:PID) [DEP…] …`) would be a line of its own.
      expect(exit.stderr).not.toMatch(/^\(node:\d+\)/m);
    }
  });
});

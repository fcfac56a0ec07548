/**
 * What a terminal does with a bootstrap stream it must not load, served by a real HTTP server on
 * loopback (crafted answers: a server that breaks off, sends damaged rows, rows naming members it
 * did not send, counts that do not add up, or refuses): a typed error a manager can act on, and a
 * ledger left exactly as it was — empty, no cursor, every index in place — so the next sync starts
 * over. And while a load is open, no other write can slip into its transaction.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TallyError } from '../../src/core/errors.js';
import type { Ledger } from '../../src/terminal/ledger/ledger.js';
import { verifyLedger } from '../../src/terminal/ledger/verify.js';
import { bootstrapPull } from '../../src/terminal/sync/bootstrap.js';
import { SyncClient } from '../../src/terminal/sync/client.js';
import { pullChanges } from '../../src/terminal/sync/pull.js';
import { newLedger, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-bootstrap-refusals-');
let server: Server;
let url: string;
/** What the server answers to GET /v1/bootstrap in the current test. */
let answer: { status: number; type: string; lines: readonly (string | Buffer)[]; end: 'close' | 'destroy' } = { status: 200, type: 'application/x-ndjson', lines: [], end: 'close' };

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url?.startsWith('/v1/bootstrap') !== true) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not-found","message":"no"}}');
      return;
    }
    response.writeHead(answer.status, { 'content-type': answer.type });
    for (const line of answer.lines) response.write(typeof line === 'string' ? `${line}\n` : Buffer.concat([line, Buffer.from('\n')]));
    // A server that dies mid-stream resets the connection instead of ending the chunked body.
    if (answer.end === 'destroy') setTimeout(() => response.destroy(), 20);
    else response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 20_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  cleanup();
});

const header = (counts: { members: number; transactions: number; transfers: number; events: number }): string => JSON.stringify({ bootstrap: 1, cursor: '42', latest: '42', counts });
const end = (counts: { members: number; transactions: number; transfers: number; events: number }): string => JSON.stringify({ end: true, counts });
const member = (id: string, card: string): unknown[] => [id, 1, null, null, null, null, false, 1, 'LANE-9', null, null, null, 1, [card], true];
const transaction = (id: string, memberId: string): unknown[] => [id, 'STORE-9', 'LANE-9', 'checkout', `POS-${id}`, memberId, null, 'a'.repeat(64), { card: '1001' }, { lines: [] }, { points: 100 }, null, 1];
const transfer = (id: string, memberId: string): unknown[] => [
  id, 'LANE-9', 1, 1, 'earn', 'points', 100, 'program:issued', `member:${memberId}`, memberId, `earn|${id}`, null, null, null, 'STORE-9',
  null, null, 10_000, 'KRW', 'classic-krw', 1, null, null, 1, 1, '2026-01-01T00:00', {}, [[`${id}:0`, 100, 1, null]], [],
];

let n = 0;
/** A new, enrolled-looking ledger (a sync state row) that has never pulled. */
function emptyLedger(): { ledger: Ledger; schema: () => unknown[] } {
  n += 1;
  const { ledger } = newLedger(join(dir, `l${n}.sqlite`), 'classic-krw', testClock('2026-05-01T02:00:00Z'));
  ledger.transaction(() => ledger.db.prepare('INSERT INTO sync_state (singleton, server_url, enrolled_at) VALUES (1, ?, 1)').run(url));
  return { ledger, schema: () => ledger.db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY type, name').all() };
}

async function refused(lines: readonly (string | Buffer)[], options: { status?: number; type?: string; end?: 'close' | 'destroy' } = {}): Promise<TallyError> {
  answer = { status: options.status ?? 200, type: options.type ?? 'application/x-ndjson', lines, end: options.end ?? 'close' };
  const { ledger, schema } = emptyLedger();
  const before = schema();
  try {
    const error = await pullChanges(ledger, new SyncClient({ baseUrl: url, credential: `tly_${'a'.repeat(43)}` }), { now: () => 1 }).then(
      () => {
        throw new Error('the pull was expected to fail');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TallyError);
    // Left as it was: nothing loaded, no cursor, the indexes the load dropped are back, foreign keys on.
    for (const table of ['members', 'card_codes', 'transactions', 'transfers', 'lots', 'events', 'pull_applying']) expect(ledger.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBe(0);
    expect(ledger.db.prepare('SELECT pull_cursor FROM sync_state').pluck().get()).toBeNull();
    expect(schema()).toEqual(before);
    expect(ledger.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(ledger.db.inTransaction).toBe(false);
    // …and the ledger takes writes again.
    ledger.transaction(() => ledger.db.prepare('UPDATE sync_state SET last_error = NULL').run());
    return error as TallyError;
  } finally {
    ledger.close();
  }
}

const one = { members: 1, transactions: 0, transfers: 0, events: 0 };

describe('a bootstrap stream the terminal must not load', () => {
  it('one that ends before its end line (the server died mid-way)', async () => {
    const error = await refused([header(one), JSON.stringify({ members: [member('m1', '1001')] })], { end: 'destroy' });
    expect(error.code).toBe('io-error');
    expect(error.message).toMatch(/stopped answering during the first sync|broke off the first sync/);
    expect(error.details?.['retryable']).toBe(true);
  });

  it('one that ends cleanly but without its end line', async () => {
    const error = await refused([header(one), JSON.stringify({ members: [member('m1', '1001')] })]);
    expect(error.message).toBe("The server (or the link) broke off the first sync's stream before its end line: nothing was lost, and nothing of the download was loaded; sync again");
  });

  it('a damaged row', async () => {
    const bad = member('m1', '1001');
    bad[1] = 'two';
    const error = await refused([header(one), JSON.stringify({ members: [bad] }), end(one)]);
    expect(error.code).toBe('io-error');
    expect(error.message).toBe("The server's first-sync stream is not what this Tally expects (line 2, members row 1: [1] is not an integer from 1): nothing of it was loaded; update Tally or the server");
  });

  it('a line that is not JSON, or not a section', async () => {
    expect((await refused([header(one), '{"members": [', end(one)])).message).toMatch(/line 2 is not JSON/);
    expect((await refused([header(one), JSON.stringify({ cards: [] }), end(one)])).message).toMatch(/line 2 is not a chunk of members, transactions, transfers or events/);
    expect((await refused(['{"hello":1}'])).message).toMatch(/the first line is not its header/);
  });

  it('counts that do not add up', async () => {
    const two = { ...one, members: 2 };
    const error = await refused([header(two), JSON.stringify({ members: [member('m1', '1001')] }), end(two)]);
    expect(error.message).toMatch(/1 members received, the header announced 2, the end line counts 2/);
  });

  it('a transfer of a member it did not send: the foreign key check at the end refuses it', async () => {
    const counts = { members: 1, transactions: 0, transfers: 1, events: 0 };
    const error = await refused([header(counts), JSON.stringify({ members: [member('m1', '1001')] }), JSON.stringify({ transfers: [transfer('f1', 'm2')] }), end(counts)]);
    expect(error.code).toBe('database-corrupt');
    expect(error.message).toMatch(/^The server's first sync names rows it did not send \(\d+ references, the first from \w+ to \w+\): nothing was loaded; sync again, and tell support if it repeats$/);
  });

  it('two members with one id: the ledger refuses the row', async () => {
    const two = { ...one, members: 2 };
    const error = await refused([header(two), JSON.stringify({ members: [member('m1', '1001'), member('m1', '1002')] }), end(two)]);
    expect(error.code).toBe('database-corrupt');
    expect(error.message).toMatch(/^The server's first sync holds a row this ledger refuses \(UNIQUE constraint failed: members.id\)/);
  });

  it('one of another format: says which side to update', async () => {
    const newer = await refused([JSON.stringify({ bootstrap: 2, cursor: '42', latest: '42', counts: one })]);
    expect(newer.code).toBe('io-error');
    expect(newer.message).toBe("The server sends its first-sync stream in format 2; this Tally reads format 1: nothing was loaded; update this Tally, or sync with `tally sync --paged` meanwhile");
    expect((await refused([JSON.stringify({ bootstrap: 0, cursor: '42', latest: '42', counts: one })])).message).toMatch(/format 0; this Tally reads format 1: nothing was loaded; update the server/);
  });

  it('one that is not UTF-8 text', async () => {
    const row = Buffer.from(JSON.stringify({ members: [member('m1', '1001')] }));
    const damaged = Buffer.concat([row.subarray(0, 20), Buffer.from([0xff, 0xfe]), row.subarray(20)]);
    const error = await refused([header(one), damaged, end(one)]);
    expect(error.code).toBe('io-error');
    expect(error.message).toMatch(/sent a first-sync stream that is not UTF-8 text: nothing of it was loaded/);
  });

  it('a refusal, or an answer that is not a stream', async () => {
    expect((await refused(['{"error":{"code":"revoked","message":"Terminal revoked"}}'], { status: 401, type: 'application/json' })).code).toBe('proof-refused');
    expect((await refused(['<html></html>'], { type: 'text/html' })).message).toMatch(/not a Tally stream/);
  });
});

describe('a bootstrap stream the terminal loads', () => {
  it('keeps the first of a repeated transaction or transfer, as a page would (its lots and amount once), and reports a card another member holds', async () => {
    const counts = { members: 3, transactions: 2, transfers: 3, events: 0 };
    const f3 = transfer('f3', 'm3');
    f3[3] = 2;
    answer = {
      status: 200,
      type: 'application/x-ndjson',
      end: 'close',
      lines: [
        header(counts),
        JSON.stringify({ members: [member('m1', '1001'), member('m2', '1001'), member('m3', '1003')] }),
        JSON.stringify({ transactions: [transaction('t1', 'm1'), transaction('t1', 'm1')] }),
        JSON.stringify({ transfers: [transfer('f1', 'm1'), transfer('f1', 'm1'), f3] }),
        end(counts),
      ],
    };
    const { ledger } = emptyLedger();
    try {
      const report = await bootstrapPull(ledger, new SyncClient({ baseUrl: url, credential: `tly_${'a'.repeat(43)}` }), { now: () => 1, own: false });
      expect(report).toMatchObject({ cursor: '42', members: 3, transfers: 2, cardConflicts: ['1001'] });
      const one = (sql: string): unknown => ledger.db.prepare(sql).pluck().get();
      expect(one('SELECT count(*) FROM transactions')).toBe(1);
      expect(one(`SELECT member_id FROM card_codes WHERE code = '1001'`)).toBe('m1');
      expect(one(`SELECT count(*) FROM card_codes WHERE member_id = 'm2'`)).toBe(0);
      expect(one('SELECT count(*) FROM lots')).toBe(2);
      expect(one(`SELECT balance FROM accounts WHERE id = 'member:m1'`)).toBe(100);
      expect(one(`SELECT remaining FROM lots WHERE id = 'f1:0'`)).toBe(100);
      expect(verifyLedger(ledger.db).ok).toBe(true);
    } finally {
      ledger.close();
    }
  });
});

describe('a bootstrap stream whose transfers repeat keys across the statements they are written in', () => {
  it('keeps exactly the transfers a transfer-by-transfer load keeps, with their lots and amounts; the triggers set aside act again after', async () => {
    // Fifty transfers go in one statement: the repeats sit at the end of the first and the start of
    // the second, one of them (f2) skipped for its business key and then sent again under another.
    const earn = (id: string, memberId: string, seq: number, businessKey: string): unknown[] => {
      const row = transfer(id, memberId);
      row[3] = seq;
      row[10] = businessKey;
      return row;
    };
    const fillers = Array.from({ length: 47 }, (_, i) => earn(`g${i}`, 'm1', 100 + i, `earn|g${i}`));
    const rows = [
      ...fillers,
      earn('f1', 'm1', 1, 'k1'), // in
      earn('f2', 'm1', 2, 'k1'), // out: k1 is f1's
      earn('f1', 'm2', 3, 'k9'), // out: f1 is in (the 50th row of the first statement)
      earn('f2', 'm2', 4, 'k2'), // in: f2 never went in
      earn('f3', 'm2', 5, 'k2'), // out: k2 is f2's
      earn('f4', 'm2', 6, 'k4'), // in
    ];
    const counts = { members: 2, transactions: 0, transfers: rows.length, events: 0 };
    answer = {
      status: 200,
      type: 'application/x-ndjson',
      end: 'close',
      lines: [header(counts), JSON.stringify({ members: [member('m1', '1001'), member('m2', '1002')] }), JSON.stringify({ transfers: rows }), end(counts)],
    };
    const { ledger, schema } = emptyLedger();
    const before = schema();
    try {
      const report = await bootstrapPull(ledger, new SyncClient({ baseUrl: url, credential: `tly_${'a'.repeat(43)}` }), { now: () => 1, own: false });
      expect(report).toMatchObject({ members: 2, transfers: 50 });
      const all = (sql: string): unknown[] => ledger.db.prepare(sql).raw().all();
      expect(all(`SELECT id, member_id, business_key FROM transfers WHERE id LIKE 'f%' ORDER BY id`)).toEqual([
        ['f1', 'm1', 'k1'],
        ['f2', 'm2', 'k2'],
        ['f4', 'm2', 'k4'],
      ]);
      expect(all(`SELECT id, member_id, remaining FROM lots WHERE id LIKE 'f%' ORDER BY id`)).toEqual([
        ['f1:0', 'm1', 100],
        ['f2:0', 'm2', 100],
        ['f4:0', 'm2', 100],
      ]);
      expect(all(`SELECT id, balance FROM accounts WHERE id IN ('member:m1', 'member:m2') ORDER BY id`)).toEqual([
        ['member:m1', 48 * 100],
        ['member:m2', 2 * 100],
      ]);
      expect(verifyLedger(ledger.db).ok).toBe(true);
      expect(schema()).toEqual(before);
      expect(() => ledger.transaction(() => ledger.db.prepare(`UPDATE accounts SET member_id = 'm2' WHERE id = 'member:m1'`).run())).toThrow(/identity cannot change/);
      expect(() => ledger.transaction(() => ledger.db.prepare(`INSERT INTO accounts (id, kind, unit, member_id, balance) VALUES ('member:m9', 'member-points', 'points', 'm1', -1)`).run())).toThrow(/cannot go below zero/);
    } finally {
      ledger.close();
    }
  });
});

describe('while a bootstrap is being loaded', () => {
  it('no other write can join its transaction, and a failed load leaves it as it was', async () => {
    const { ledger, schema } = emptyLedger();
    const before = schema();
    try {
      await expect(
        ledger.bulkLoad(async () => {
          ledger.db.prepare(`INSERT INTO members (id, marketing_consent, enrolled_at, enrolled_by, version, updated_at) VALUES ('m1', 0, 1, 'LANE-1', 1, 1)`).run();
          expect(() => ledger.transaction(() => 1)).toThrow(/loading the chain's members from the server for the first time/);
          await new Promise((resolve) => setImmediate(resolve));
          throw new Error('the link went down');
        }),
      ).rejects.toThrow('the link went down');
      expect(ledger.db.prepare('SELECT count(*) FROM members').pluck().get()).toBe(0);
      expect(schema()).toEqual(before);
      expect(ledger.transaction(() => 1)).toBe(1);
    } finally {
      ledger.close();
    }
  });
});

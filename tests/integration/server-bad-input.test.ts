/**
 * Bad input at every sync route of the real `tally-server` (embedded SQLite), beyond what
 * server-http.test.ts already refuses: each gets a clear 4xx JSON answer and changes nothing,
 * checked by dumping every table of the server's database before and after.
 *
 * - /v1/enrol: broken JSON, wrong types, unknown fields, no body, the wrong content type, over
 *   4 MiB by Content-Length and by chunked streaming; the code stays usable after each refusal.
 *   One code sent six times at once enrols one terminal.
 * - /v1/sequences: no, unknown, malformed or revoked credentials; a terminal sees only its own.
 * - /v1/health, /v1/sequences: other methods, a body where none belongs.
 * - /v1/push: the same batch replayed byte for byte; wrong types; too many items; over 4 MiB
 *   chunked; a batch whose last item is another terminal's; values that are valid JSON but hard to
 *   store (deep nesting, NUL characters, lone surrogates).
 * - Broken HTTP framing on the socket (a bad request line, two Content-Lengths, a huge header).
 */
import { generateKeyPairSync } from 'node:crypto';
import { connect } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolResponseSchema, errorResponseSchema, pushResponseSchema, sequencesResponseSchema, type EnrolResponse, type PushRequest } from '../../src/contract/sync.js';
import { enrolmentBatch, enrolmentTransaction, memberItem, welcomeTransfer, type Place } from '../support/server-batch.js';
import { http, REPO, serverCli, serverCliJson, startServer, tempDir, type HttpAnswer, type HttpCall, type ServerProcess } from '../support/server-process.js';

const { dir, cleanup } = tempDir('tally-server-bad-input-');
const data = join(dir, 'data');
const T1: Place = { storeId: 'S1', terminalId: 'T1' };
const T2: Place = { storeId: 'S1', terminalId: 'T2' };
const MIB = 1024 * 1024;

let server: ServerProcess;
let t1: EnrolResponse;
let t2: EnrolResponse;

function cli<T>(...args: string[]): T {
  return serverCliJson<T>(['--data', data, ...args]);
}

function code(place: Place): string {
  return cli<{ code: string }>('terminal', 'code', '--store', place.storeId, '--terminal', place.terminalId).code;
}

function enrolBody(enrolmentCode: string): { code: string; terminalKeyId: string; terminalPublicKey: string } {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  return { code: enrolmentCode, terminalKeyId: `k${Math.random().toString(36).slice(2, 10)}`, terminalPublicKey: jwk.x! };
}

async function enrol(place: Place): Promise<EnrolResponse> {
  const answer = await http(server.url, { path: '/v1/enrol', body: enrolBody(code(place)) });
  expect(answer.status, answer.text).toBe(200);
  return enrolResponseSchema.parse(answer.json());
}

/** Every row of every table, in a stable order: what "changes nothing" is checked against. */
function dump(): string {
  const sqlite = new Database(join(data, 'tally-server.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    const out: Record<string, unknown[]> = {};
    for (const table of tables) {
      const columns = (sqlite.prepare(`SELECT count(*) FROM pragma_table_info('${table}')`).pluck().get() as number) || 1;
      const order = Array.from({ length: columns }, (_, i) => i + 1).join(', ');
      out[table] = (sqlite.prepare(`SELECT * FROM "${table}" ORDER BY ${order}`).all() as Record<string, unknown>[]).map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v])),
      );
    }
    return JSON.stringify(out);
  } finally {
    sqlite.close();
  }
}

function expectRefusal(answer: HttpAnswer, status: number, errorCode: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = errorResponseSchema.safeParse(answer.json());
  expect(body.success, answer.text).toBe(true);
  expect(body.data?.error.code, answer.text).toBe(errorCode);
  expect(answer.text).not.toMatch(/\bat .*\.(js|ts):\d+|node_modules|\/work\//);
}

/** Sends every call, expects each refusal, and checks the database is byte for byte what it was. */
async function refusedWithoutChange(cases: readonly (readonly [string, HttpCall, number, string])[]): Promise<void> {
  const before = dump();
  for (const [what, call, status, errorCode] of cases) {
    const answer = await http(server.url, call);
    expect(answer.status, `${what}: ${answer.text}`).toBe(status);
    expectRefusal(answer, status, errorCode);
  }
  expect(dump()).toBe(before);
}

/**
 * A body streamed with Transfer-Encoding: chunked (no Content-Length, so the limit must be counted
 * as it arrives) on a raw socket: 4 MiB in 256 KiB chunks, then 1 KiB more, then nothing until the
 * server answers. (Bytes still in flight when the server answers and closes would make its kernel
 * reset the connection and could destroy the answer: see the report on 413s.)
 */
function chunked(path: string, headers: Readonly<Record<string, string>>): Promise<HttpAnswer> {
  const total = 4 * MIB + 1024;
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (): void => {
      if (done) return;
      const answer = parseAnswer(received);
      if (!answer) return;
      done = true;
      socket.destroy();
      resolve(answer);
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      finish();
      if (!done) reject(new Error(`the server closed without a complete answer: ${received.toString('latin1').slice(0, 200)}`));
    });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n${extra}\r\n`);
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    let sent = 0;
    const frame = (data: Buffer): Buffer => Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
    // Over the limit, the body never ends: the server must answer from what it has counted.
    const pump = (): void => {
      while (sent < total && received.length === 0 && !socket.destroyed) {
        const data = sent === 0 ? Buffer.concat([Buffer.from('{"pad":"'), chunk.subarray(8)]) : chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += data.length;
        if (!socket.write(frame(data))) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

/** A complete answer (framed by Content-Length) at the start of `bytes`, or null. */
function parseAnswer(bytes: Buffer): HttpAnswer | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) headers[line.slice(0, line.indexOf(':')).trim().toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
  const length = Number(headers['content-length'] ?? NaN);
  if (!Number.isInteger(length) || bytes.length < end + 4 + length) return null;
  const text = bytes.subarray(end + 4, end + 4 + length).toString('utf8');
  return { status: Number(lines[0]?.split(' ')[1]), headers, text, json: <T>() => JSON.parse(text) as T };
}

/** Raw bytes on a fresh connection; resolves with whatever came back before the server closed (or 2 s passed). */
function raw(bytes: string | Buffer): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(got);
    }, 2000);
    socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'classic-krw.json'), 'utf8')) as { cardCodes: { verifyKeys?: unknown } };
  delete program.cardCodes.verifyKeys;
  writeFileSync(join(dir, 'program.json'), JSON.stringify(program));
  cli('init', '--program', join(dir, 'program.json'));
  cli('store', 'create', '--id', 'S1', '--name', 'Gangnam');
  cli('store', 'create', '--id', 'S2', '--name', 'Mapo');
  server = await startServer(['--port', '0', '--data', data]);
  t1 = await enrol(T1);
  t2 = await enrol(T2);
  const first = await http(server.url, { path: '/v1/push', credential: t1.credential, body: enrolmentBatch('M1', T1, 1, 1) });
  expect(first.status, first.text).toBe(200);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  cleanup();
});

describe('/v1/enrol', () => {
  it('refuses broken, mistyped, unknown, missing, non-JSON and oversized bodies, writing nothing; the code stays usable', async () => {
    const unused = code({ storeId: 'S1', terminalId: 'T5' });
    const good = enrolBody(unused);
    await refusedWithoutChange([
      ['broken JSON', { path: '/v1/enrol', body: `{"code":"${unused}",`, headers: json }, 400, 'malformed'],
      ['a number for the code', { path: '/v1/enrol', body: { ...good, code: 123456789012 } }, 400, 'invalid'],
      ['null for the key id', { path: '/v1/enrol', body: { ...good, terminalKeyId: null } }, 400, 'invalid'],
      ['an array', { path: '/v1/enrol', body: [good] }, 400, 'invalid'],
      ['an unknown field', { path: '/v1/enrol', body: { ...good, storeId: 'S2' } }, 400, 'invalid'],
      ['a missing field', { path: '/v1/enrol', body: { code: unused, terminalKeyId: good.terminalKeyId } }, 400, 'invalid'],
      ['no body', { path: '/v1/enrol', method: 'POST' }, 400, 'malformed'],
      ['text/plain', { path: '/v1/enrol', body: JSON.stringify(good), headers: { 'content-type': 'text/plain' } }, 415, 'unsupported-media-type'],
      ['a form', { path: '/v1/enrol', body: `code=${unused}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported-media-type'],
      ['application/jsonp', { path: '/v1/enrol', body: JSON.stringify(good), headers: { 'content-type': 'application/jsonp' } }, 415, 'unsupported-media-type'],
      ['over 4 MiB', { path: '/v1/enrol', body: JSON.stringify({ ...good, pad: 'x'.repeat(4 * MIB) }), headers: json }, 413, 'too-large'],
    ]);
    const before = dump();
    expectRefusal(await chunked('/v1/enrol', {}), 413, 'too-large');
    expect(dump()).toBe(before);
    // None of that used the code.
    const answer = await http(server.url, { path: '/v1/enrol', body: good });
    expect(answer.status, answer.text).toBe(200);
    expect(enrolResponseSchema.parse(answer.json())).toMatchObject({ storeId: 'S1', terminalId: 'T5' });
  });

  it('enrols one terminal from one code sent six times at once; the others are refused', async () => {
    const once = code({ storeId: 'S2', terminalId: 'X1' });
    const answers = await Promise.all(Array.from({ length: 6 }, () => http(server.url, { path: '/v1/enrol', body: enrolBody(once) })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const refused of answers.filter((a) => a.status !== 200)) expectRefusal(refused, 401, 'enrolment-code');
    expect(cli<{ terminalId: string }[]>('terminal', 'list', '--store', 'S2').map((t) => t.terminalId)).toEqual(['X1']);
  });
});

describe('/v1/sequences and /v1/health', () => {
  it('refuse a missing, unknown, malformed or revoked credential with 401, writing nothing', async () => {
    const t6 = await enrol({ storeId: 'S1', terminalId: 'T6' });
    expect(serverCli(['--data', data, 'terminal', 'revoke', '--store', 'S1', '--terminal', 'T6']).status).toBe(0);
    await refusedWithoutChange([
      ['no credential', { path: '/v1/sequences' }, 401, 'unauthenticated'],
      ['Basic', { path: '/v1/sequences', headers: { authorization: 'Basic dXNlcjpwYXNz' } }, 401, 'unknown-credential'],
      ['Bearer alone', { path: '/v1/sequences', headers: { authorization: 'Bearer' } }, 401, 'unknown-credential'],
      ['a short token', { path: '/v1/sequences', headers: { authorization: 'Bearer tly_abc' } }, 401, 'unknown-credential'],
      ['an unknown credential', { path: '/v1/sequences', credential: `tly_${'B'.repeat(43)}` }, 401, 'unknown-credential'],
      ['another terminal credential with a letter changed', { path: '/v1/sequences', credential: `${t1.credential.slice(0, -1)}${t1.credential.endsWith('A') ? 'B' : 'A'}` }, 401, 'unknown-credential'],
      ['a revoked terminal', { path: '/v1/sequences', credential: t6.credential }, 401, 'revoked'],
    ]);
  });

  it('answer each terminal its own sequences only', async () => {
    const mine = await http(server.url, { path: '/v1/sequences', credential: t1.credential });
    expect(sequencesResponseSchema.parse(mine.json()).sequences).toEqual([{ epoch: 1, lastSeq: 1 }]);
    const other = await http(server.url, { path: '/v1/sequences', credential: t2.credential });
    expect(sequencesResponseSchema.parse(other.json()).sequences).toEqual([]);
  });

  it('refuse other methods, and take no body', async () => {
    await refusedWithoutChange([
      ['POST /v1/health', { path: '/v1/health', credential: t1.credential, body: {} }, 404, 'not-found'],
      ['PUT /v1/sequences', { path: '/v1/sequences', method: 'PUT', credential: t1.credential, body: { sequences: [] } }, 404, 'not-found'],
      ['DELETE /v1/sequences', { path: '/v1/sequences', method: 'DELETE', credential: t1.credential }, 404, 'not-found'],
      ['GET /v1/push', { path: '/v1/push', credential: t1.credential }, 404, 'not-found'],
      ['GET /v1/enrol', { path: '/v1/enrol' }, 404, 'not-found'],
    ]);
    // A body on a GET is not read: the answer is the same as without one.
    const withBody = await http(server.url, { path: '/v1/sequences', method: 'GET', credential: t1.credential, body: '{"broken', headers: json });
    expect(withBody.status, withBody.text).toBe(200);
    expect(sequencesResponseSchema.parse(withBody.json()).sequences).toEqual([{ epoch: 1, lastSeq: 1 }]);
  });
});

describe('/v1/push', () => {
  it('answers a batch replayed byte for byte without applying it twice', async () => {
    const batch = JSON.stringify(enrolmentBatch('M2', T1, 1, 2));
    const first = await http(server.url, { path: '/v1/push', credential: t1.credential, body: batch, headers: json });
    expect(first.status, first.text).toBe(200);
    expect(pushResponseSchema.parse(first.json()).results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    const before = dump();
    const replay = await http(server.url, { path: '/v1/push', credential: t1.credential, body: batch, headers: json });
    // The sequence has moved past this batch: 409 with the server's lastSeq, which the terminal acknowledges up to.
    expect(replay.status, replay.text).toBe(409);
    expect(replay.json<{ error: { code: string }; lastSeq: number }>()).toMatchObject({ error: { code: 'sequence' }, lastSeq: 2 });
    expect(dump()).toBe(before);
    expect(cli<{ balance: number }>('member', 'show', '--member', 'M2').balance).toBe(100);
  });

  it('refuses wrong types, too many items and a chunked body over 4 MiB, writing nothing', async () => {
    const credential = t1.credential;
    const welcome = welcomeTransfer('M3', T1, 1, 3) as { entity: 'transfer'; transfer: Record<string, unknown> };
    const withTransfer = (patch: Record<string, unknown>): PushRequest => ({ epoch: 1, fromSeq: 3, items: [{ entity: 'transfer', transfer: { ...welcome.transfer, ...patch } }] as PushRequest['items'] });
    await refusedWithoutChange([
      ['epoch as a string', { path: '/v1/push', credential, body: { epoch: '1', fromSeq: 3, items: [] } }, 400, 'invalid'],
      ['a fractional epoch', { path: '/v1/push', credential, body: { epoch: 1.5, fromSeq: 3, items: [] } }, 400, 'invalid'],
      ['fromSeq 0', { path: '/v1/push', credential, body: { epoch: 1, fromSeq: 0, items: [] } }, 400, 'invalid'],
      ['an epoch beyond 2^53', { path: '/v1/push', credential, body: '{"epoch":9007199254740993,"fromSeq":3,"items":[]}', headers: json }, 400, 'invalid'],
      ['items as an object', { path: '/v1/push', credential, body: { epoch: 1, fromSeq: 3, items: { 0: welcome } } }, 400, 'invalid'],
      ['items null', { path: '/v1/push', credential, body: { epoch: 1, fromSeq: 3, items: null } }, 400, 'invalid'],
      ['an amount as a string', { path: '/v1/push', credential, body: withTransfer({ amount: '100' }) }, 400, 'invalid'],
      ['an amount of 1e300', { path: '/v1/push', credential, body: withTransfer({ amount: 1e300 }) }, 400, 'invalid'],
      ['an unknown entity', { path: '/v1/push', credential, body: { epoch: 1, fromSeq: 3, items: [{ entity: 'balance', balance: { memberId: 'M3', points: 1_000_000 } }] } }, 400, 'invalid'],
      ['a body that is a string', { path: '/v1/push', credential, body: '"push"', headers: json }, 400, 'invalid'],
      ['1001 items', { path: '/v1/push', credential, body: { epoch: 1, fromSeq: 3, items: Array.from({ length: 1001 }, () => enrolledEventFor('M3')) } }, 400, 'invalid'],
    ]);
    const before = dump();
    expectRefusal(await chunked('/v1/push', { authorization: `Bearer ${credential}` }), 413, 'too-large');
    expect(dump()).toBe(before);
  });

  it("refuses a batch whose last item is another terminal's, with its own items before it: 403, nothing written", async () => {
    const foreign = enrolmentTransaction('M4', T2);
    await refusedWithoutChange([
      ['own member and transfer, then T2\'s transaction', { path: '/v1/push', credential: t1.credential, body: { epoch: 1, fromSeq: 3, items: [memberItem('M4', T1), welcomeTransfer('M4', T1, 1, 3), foreign] } }, 403, 'wrong-terminal'],
      ["S2's transfer under S1's credential", { path: '/v1/push', credential: t2.credential, body: { epoch: 1, fromSeq: 1, items: [welcomeTransfer('M4', { storeId: 'S2', terminalId: 'T2' }, 1, 1)] } }, 403, 'wrong-terminal'],
    ]);
  });

  it('refuses JSON no store can keep (nesting thousands deep, NUL, broken surrogates) with a 400 before it reaches the store', async () => {
    const transaction = enrolmentTransaction('M5', T1) as { entity: 'transaction'; transaction: Record<string, unknown> };
    const nested = (depth: number): string =>
      JSON.stringify({ epoch: 1, fromSeq: 3, items: [{ entity: 'transaction', transaction: { ...transaction.transaction, request: '__DEEP__' } }] }).replace('"__DEEP__"', `${'['.repeat(depth)}${']'.repeat(depth)}`);
    const push = (body: string | object): HttpCall => ({ path: '/v1/push', credential: t1.credential, body, ...(typeof body === 'string' ? { headers: json } : {}) });
    // Before the check, 5000 levels made the SQLite store's JSON.stringify overflow the stack (500),
    // and PostgreSQL refused NUL and lone surrogates inside its write (500) where SQLite kept them.
    await refusedWithoutChange([
      ['a request nested 5000 deep', push(nested(5000)), 400, 'malformed'],
      ['a request nested 100 000 deep', push(nested(100_000)), 400, 'malformed'],
      ['a NUL in a name', push({ epoch: 1, fromSeq: 3, items: [memberItem('M6', T1, 1, 'Kim\u0000Minji')] }), 400, 'malformed'],
      ['a lone surrogate in a name', push({ epoch: 1, fromSeq: 3, items: [memberItem('M7', T1, 1, 'Kim \ud800')] }), 400, 'malformed'],
      ['a NUL in a key of a request', push({ epoch: 1, fromSeq: 3, items: [{ entity: 'transaction', transaction: { ...transaction.transaction, request: { 'a\u0000b': 1 } } }] }), 400, 'malformed'],
      ['a NUL in an enrolment code', { path: '/v1/enrol', body: enrolBody('ABCD-EFGH-JK\u0000M') }, 400, 'malformed'],
    ]);
    const refused = await http(server.url, push(nested(5000)));
    expect(refused.json<{ error: { message: string } }>().error.message).toBe('The body nests deeper than 64 levels: nothing was written');
    // What a terminal sends nests far less, and passes, as do paired surrogates (an emoji).
    const fine = await http(server.url, push({ epoch: 1, fromSeq: 3, items: [memberItem('M8', T1, 1, 'Kim 😀'), { entity: 'transaction', transaction: { ...(enrolmentTransaction('M8', T1) as typeof transaction).transaction, request: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) as unknown } }] }));
    expect(fine.status, fine.text).toBe(200);
    expect(cli<{ name: string }>('member', 'show', '--member', 'M8').name).toBe('Kim 😀');
  });
});

describe('broken HTTP on the socket', () => {
  it('answers a bad request line, two Content-Lengths and a huge header with a 4xx, and keeps serving', async () => {
    const answers = [
      await raw('GARBAGE\r\n\r\n'),
      await raw(`POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t1.credential}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}`),
      await raw(`GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(70 * 1024)}\r\n\r\n`),
    ];
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
    const health = await http(server.url, { path: '/v1/health', credential: t1.credential });
    expect(health.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});

function enrolledEventFor(memberId: string): PushRequest['items'][number] {
  return { entity: 'event', event: { id: `e-${memberId}`, memberId, kind: 'member-enrolled', period: '2026-03-02', businessKey: `member-enrolled:${memberId}`, terminalId: 'T1', detail: {}, bookedAt: 0 } };
}

/**
 * The central server as terminals and head office meet it: the real `tally-server` process on a
 * real socket (embedded SQLite store in a temp data folder), administered through its CLI, spoken to
 * over HTTP and HTTPS. Covers enrolment, push answers, every refusal (401/403/400/409/413/415/404,
 * nothing written), the OpenAPI document, TLS, a clean stop, and that no secret reaches the log.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enrolResponseSchema,
  errorResponseSchema,
  healthResponseSchema,
  pushResponseSchema,
  sequenceConflictSchema,
  sequencesResponseSchema,
  type EnrolResponse,
  type PushRequest,
  type PushResponse,
} from '../../src/contract/sync.js';
import { verifyCertificate } from '../../src/core/card-code/member-qr.js';
import { isDemoKey } from '../../src/core/card-code/demo-keys.js';
import { parseProgramFile } from '../../src/core/program/parse.js';
import { programTrustProblem } from '../../src/core/program/trust.js';
import { enrolledEvent, enrolmentBatch, enrolmentTransaction, memberItem, welcomeTransfer, type Place } from '../support/server-batch.js';
import { http, REPO, serverCli, serverCliJson, startServer, tempDir, type HttpAnswer, type ServerProcess } from '../support/server-process.js';

const { dir, cleanup } = tempDir('tally-server-http-');
const data = join(dir, 'data');
const programFile = join(dir, 'classic-krw.json');
const T1: Place = { storeId: 'S1', terminalId: 'T1' };
const T2: Place = { storeId: 'S1', terminalId: 'T2' };

let server: ServerProcess;
const secrets: string[] = [];

function cli<T>(...args: string[]): T {
  return serverCliJson<T>(['--data', data, ...args]);
}

function terminalKey(): { id: string; publicKey: string } {
  const { publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { id: `k${Math.random().toString(36).slice(2, 10)}`, publicKey: jwk.x! };
}

function newCode(place: Place): string {
  const { code } = cli<{ code: string }>('terminal', 'code', '--store', place.storeId, '--terminal', place.terminalId);
  secrets.push(code);
  return code;
}

async function enrol(code: string): Promise<HttpAnswer> {
  const key = terminalKey();
  return http(server.url, { path: '/v1/enrol', body: { code, terminalKeyId: key.id, terminalPublicKey: key.publicKey } });
}

async function enrolled(place: Place): Promise<EnrolResponse> {
  const answer = await enrol(newCode(place));
  expect(answer.status, answer.text).toBe(200);
  const body = enrolResponseSchema.parse(answer.json());
  secrets.push(body.credential);
  return body;
}

function push(credential: string, batch: PushRequest | object): Promise<HttpAnswer> {
  return http(server.url, { path: '/v1/push', credential, body: batch });
}

async function sequences(credential: string): Promise<{ epoch: number; lastSeq: number }[]> {
  const answer = await http(server.url, { path: '/v1/sequences', credential });
  expect(answer.status).toBe(200);
  return sequencesResponseSchema.parse(answer.json()).sequences;
}

function expectRefusal(answer: HttpAnswer, status: number, code: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = errorResponseSchema.safeParse(answer.json());
  expect(body.success, answer.text).toBe(true);
  expect(body.data?.error.code).toBe(code);
  expect(answer.text).not.toMatch(/\bat .*\.(js|ts):\d+/);
}

beforeAll(async () => {
  expect(existsSync(join(REPO, 'dist', 'src', 'server', 'cli', 'main.js')), 'run `npx tsc -b` first').toBe(true);
  // Head office's program without keys of its own: the example's demo verify key is taken out.
  const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'classic-krw.json'), 'utf8')) as { cardCodes: { verifyKeys?: unknown } };
  delete program.cardCodes.verifyKeys;
  writeFileSync(programFile, JSON.stringify(program, null, 2));
  // The server starts before init (first start on an empty folder): enrolment waits for the keys.
  server = await startServer(['--port', '0', '--data', data]);
});

afterAll(async () => {
  await server?.stop();
  cleanup();
});

describe('tally-server over HTTP (embedded SQLite)', () => {
  let t1: EnrolResponse;

  it('prints its address and answers 503 to an enrolment before init, leaving the code unused', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const key = terminalKey();
    const early = await http(server.url, { path: '/v1/enrol', body: { code: 'ABCD-EFGH-JKLM', terminalKeyId: key.id, terminalPublicKey: key.publicKey } });
    expectRefusal(early, 503, 'not-ready');
  });

  it('init makes 0600 keys in a 0700 folder, puts them in the program, signs and publishes it', () => {
    const refused = serverCli(['--data', data, 'init', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json')]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^tally-server: Program .* lists the demo key demo-2026 .*\n$/);
    const init = cli<{ programId: string; version: number; programKey: { id: string }; memberQrKey: { id: string }; keysCreated: string[] }>('init', '--program', programFile);
    expect(init).toMatchObject({ programId: 'classic-krw', version: 1 });
    expect([...init.keysCreated].sort()).toEqual(['member-qr', 'program']);
    expect(statSync(join(data, 'keys')).mode & 0o777).toBe(0o700);
    for (const file of ['member-qr-signing-key.json', 'program-signing-key.json']) {
      expect(statSync(join(data, 'keys', file)).mode & 0o777).toBe(0o600);
      secrets.push((JSON.parse(readFileSync(join(data, 'keys', file), 'utf8')) as { secretKey: string }).secretKey);
    }
    const again = serverCli(['--data', data, 'init', '--program', programFile]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already publishes program classic-krw version 1/);
    expect(cli<{ id: string; timeZone: string }>('store', 'create', '--id', 'S1', '--name', 'Gangnam')).toMatchObject({ id: 'S1', timeZone: 'Asia/Seoul' });
  });

  it('terminal code prints a one-time code from the unambiguous alphabet', () => {
    const run = serverCli(['--data', data, 'terminal', 'code', '--store', 'S1', '--terminal', 'T9']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Enrolment code for terminal S1\/T9: [A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\n/);
    secrets.push(/: (\S{14})\n/.exec(run.stdout)![1]!);
    const unknownStore = serverCli(['--data', data, 'terminal', 'code', '--store', 'S404', '--terminal', 'T1']);
    expect(unknownStore.status).toBe(1);
    expect(serverCli(['--data', data, 'terminal', 'code', '--store', 'S1']).status).toBe(2);
  });

  it('enrols a terminal: credential, certificate for its store and terminal, a program every real terminal installs', async () => {
    t1 = await enrolled(T1);
    expect(t1).toMatchObject({ storeId: 'S1', terminalId: 'T1', timeZone: 'Asia/Seoul' });
    const { program, document } = parseProgramFile(t1.program, 'enrolment');
    expect(program.cardCodes.verifyKeys.some(isDemoKey)).toBe(false);
    expect(programTrustProblem({ program, document, source: 'enrolment', demo: false, trustedKeys: t1.programKeys })).toBeNull();
    expect(t1.certificate).toMatchObject({ storeId: 'S1', terminalId: 'T1' });
    expect(verifyCertificate(t1.certificate, program.cardCodes.verifyKeys, Date.now())).toBeNull();
    const days = (t1.certificate.expiresAt - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThanOrEqual(365);
    const listed = cli<{ storeId: string; terminalId: string; status: string; keyId: string }[]>('terminal', 'list', '--store', 'S1');
    expect(listed).toEqual([expect.objectContaining({ storeId: 'S1', terminalId: 'T1', status: 'active', keyId: t1.certificate.terminalKeyId })]);
  });

  it('refuses a replayed, unknown or malformed enrolment code, and writes nothing', async () => {
    const code = newCode(T2);
    const first = await enrol(code);
    expect(first.status).toBe(200);
    secrets.push(enrolResponseSchema.parse(first.json()).credential);
    const replay = await enrol(code);
    expectRefusal(replay, 401, 'enrolment-code');
    expect(replay.json<{ error: { message: string } }>().error.message).toMatch(/already used/);
    expectRefusal(await enrol('ABCD-EFGH-JKLM'), 401, 'enrolment-code');
    expectRefusal(await enrol('abcd-efgh-jklm'), 400, 'invalid');
    expect(cli<unknown[]>('terminal', 'list')).toHaveLength(2);
  });

  it('answers health (the server clock) and sequences for a good credential', async () => {
    const before = Date.now();
    const health = await http(server.url, { path: '/v1/health', credential: t1.credential });
    expect(health.status).toBe(200);
    const { time } = healthResponseSchema.parse(health.json());
    expect(time).toBeGreaterThanOrEqual(before - 1000);
    expect(time).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await sequences(t1.credential)).toEqual([]);
  });

  it('applies a push (ok), recognises a resend (exists) and a contradiction (exists_with_different, an alert)', async () => {
    const first = await push(t1.credential, enrolmentBatch('M1', T1, 1, 1));
    expect(first.status, first.text).toBe(200);
    const applied: PushResponse = pushResponseSchema.parse(first.json());
    expect(applied.lastSeq).toBe(1);
    expect(applied.results.map((r) => `${r.entity}:${r.status}`)).toEqual(['member:ok', 'transfer:ok', 'transaction:ok', 'event:ok']);
    expect(await sequences(t1.credential)).toEqual([{ epoch: 1, lastSeq: 1 }]);

    // The same entries again (no transfer: the sequence has moved on), and the welcome transfer
    // re-booked in a new epoch (a restored terminal): all already there.
    const resend = await push(t1.credential, { epoch: 1, fromSeq: 2, items: [memberItem('M1', T1), enrolmentTransaction('M1', T1), enrolledEvent('M1', T1)] });
    expect(resend.status, resend.text).toBe(200);
    expect(pushResponseSchema.parse(resend.json()).results.map((r) => r.status)).toEqual(['exists', 'exists', 'exists']);
    const restored = await push(t1.credential, { epoch: 2, fromSeq: 1, items: [welcomeTransfer('M1', T1, 2, 1)] });
    expect(restored.status, restored.text).toBe(200);
    expect(pushResponseSchema.parse(restored.json())).toMatchObject({ lastSeq: 1, results: [{ entity: 'transfer', status: 'exists' }] });

    // The same transaction id with another request: never merged, a manager is told.
    const changed = await push(t1.credential, { epoch: 1, fromSeq: 2, items: [enrolmentTransaction('M1', T1, 'b'.repeat(64))] });
    expect(changed.status, changed.text).toBe(200);
    expect(pushResponseSchema.parse(changed.json()).results.map((r) => r.status)).toEqual(['exists_with_different']);
    const alerts = cli<{ kind: string; storeId: string; terminalId: string; entity: string }[]>('alerts');
    expect(alerts).toEqual([expect.objectContaining({ kind: 'exists_with_different', storeId: 'S1', terminalId: 'T1', entity: 'transaction' })]);
    expect(cli<{ balance: number; cards: string[] }>('member', 'show', '--card', '2900000000018')).toMatchObject({ balance: 100, cards: ['2900000000018'] });
  });

  it('409 with the server\'s lastSeq on a sequence gap, nothing written', async () => {
    const gap = await push(t1.credential, { epoch: 1, fromSeq: 5, items: [welcomeTransfer('M2', T1, 1, 5)] });
    expect(gap.status, gap.text).toBe(409);
    expect(sequenceConflictSchema.parse(gap.json())).toMatchObject({ error: { code: 'sequence' }, lastSeq: 1 });
    expect(await sequences(t1.credential)).toEqual([
      { epoch: 1, lastSeq: 1 },
      { epoch: 2, lastSeq: 1 },
    ]);
    const missing = serverCli(['--data', data, 'member', 'show', '--member', 'M2']);
    expect(missing.status).toBe(1);
  });

  it("403 for another terminal's entries, nothing written", async () => {
    for (const item of [welcomeTransfer('M3', T2, 1, 2), enrolmentTransaction('M3', T2), enrolledEvent('M3', T2), welcomeTransfer('M3', { storeId: 'S2', terminalId: 'T1' }, 1, 2)]) {
      const answer = await push(t1.credential, { epoch: 1, fromSeq: 2, items: [memberItem('M3', T1), item] });
      expectRefusal(answer, 403, 'wrong-terminal');
    }
    expect(serverCli(['--data', data, 'member', 'show', '--member', 'M3']).status).toBe(1);
    expect(await sequences(t1.credential)).toEqual([
      { epoch: 1, lastSeq: 1 },
      { epoch: 2, lastSeq: 1 },
    ]);
  });

  it('401 without a credential, with a wrong one, and for a revoked terminal', async () => {
    expectRefusal(await http(server.url, { path: '/v1/health' }), 401, 'unauthenticated');
    expectRefusal(await http(server.url, { path: '/v1/bootstrap' }), 401, 'unauthenticated');
    expectRefusal(await http(server.url, { path: '/v1/health', headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401, 'unknown-credential');
    const wrong = await http(server.url, { path: '/v1/health', credential: `tly_${'A'.repeat(43)}` });
    expectRefusal(wrong, 401, 'unknown-credential');
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    // Authentication comes before the body is read: an unknown caller cannot make the server parse 4 MiB.
    expectRefusal(await http(server.url, { path: '/v1/push', body: 'x'.repeat(5 * 1024 * 1024), headers: { 'content-type': 'application/json' } }), 401, 'unauthenticated');

    const t3 = await enrolled({ storeId: 'S1', terminalId: 'T3' });
    expect((await http(server.url, { path: '/v1/health', credential: t3.credential })).status).toBe(200);
    const revoke = serverCli(['--data', data, 'terminal', 'revoke', '--store', 'S1', '--terminal', 'T3']);
    expect(revoke.status, revoke.stderr).toBe(0);
    expect(revoke.stdout).toMatch(/^Revoked terminal S1\/T3/);
    expectRefusal(await http(server.url, { path: '/v1/health', credential: t3.credential }), 401, 'revoked');
    expectRefusal(await http(server.url, { path: '/v1/bootstrap', credential: t3.credential }), 401, 'revoked');
    expectRefusal(await push(t3.credential, enrolmentBatch('M4', { storeId: 'S1', terminalId: 'T3' }, 1, 1)), 401, 'revoked');
    expect(serverCli(['--data', data, 'member', 'show', '--member', 'M4']).status).toBe(1);
  });

  it('400 for broken or invalid bodies (unknown fields too), 413 over the limit, 415 for anything but JSON, 404 elsewhere', async () => {
    const credential = t1.credential;
    expectRefusal(await http(server.url, { path: '/v1/push', credential, body: '{"epoch":1,', headers: { 'content-type': 'application/json' } }), 400, 'malformed');
    expectRefusal(await http(server.url, { path: '/v1/push', credential, body: '', headers: { 'content-type': 'application/json' } }), 400, 'malformed');
    expectRefusal(await http(server.url, { path: '/v1/push', credential, method: 'POST' }), 400, 'malformed');
    expectRefusal(await http(server.url, { path: '/v1/push', credential, body: '{"epoch":1,"fromSeq":2,"items":[],"__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } }), 400, 'malformed');
    const unknownField = await push(credential, { epoch: 1, fromSeq: 2, items: [], extra: true });
    expectRefusal(unknownField, 400, 'invalid');
    expect(unknownField.json<{ error: { message: string } }>().error.message).toMatch(/Unrecognized key: "extra"/);
    const badItem = await push(credential, { epoch: 1, fromSeq: 2, items: [{ ...memberItem('M5', T1), color: 'red' }] });
    expectRefusal(badItem, 400, 'invalid');
    const transfer = welcomeTransfer('M5', T1, 1, 2);
    const negative = await push(credential, { epoch: 1, fromSeq: 2, items: [{ entity: 'transfer', transfer: { ...(transfer as { transfer: object }).transfer, amount: -5 } }] });
    expectRefusal(negative, 400, 'invalid');
    expect(negative.json<{ error: { message: string } }>().error.message).toMatch(/items\.0\.transfer\.amount/);
    expectRefusal(await push(credential, { epoch: 1, fromSeq: 2, items: [welcomeTransfer('M5', T1, 2, 2)] }), 400, 'invalid');

    const big = JSON.stringify({ epoch: 1, fromSeq: 2, items: [], pad: 'x'.repeat(4 * 1024 * 1024) });
    expectRefusal(await http(server.url, { path: '/v1/push', credential, body: big, headers: { 'content-type': 'application/json' } }), 413, 'too-large');
    expectRefusal(await http(server.url, { path: '/v1/push', credential, body: 'epoch=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported-media-type');
    expectRefusal(await http(server.url, { path: '/v1/push', credential, body: '{"epoch":1}', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported-media-type');
    expectRefusal(await http(server.url, { path: '/v1/push', credential, body: '{"epoch":1}' }), 415, 'unsupported-media-type');
    expectRefusal(await http(server.url, { path: '/v1/nothing-here', credential }), 404, 'not-found');
    expectRefusal(await http(server.url, { path: '/v1/health', method: 'DELETE', credential }), 404, 'not-found');

    // None of that wrote anything: the member the refused batches named is unknown, the sequence unchanged.
    expect(serverCli(['--data', data, 'member', 'show', '--member', 'M5']).status).toBe(1);
    expect(await sequences(credential)).toEqual([
      { epoch: 1, lastSeq: 1 },
      { epoch: 2, lastSeq: 1 },
    ]);
    const next = await push(credential, enrolmentBatch('M5', T1, 1, 2));
    expect(next.status, next.text).toBe(200);
    expect(pushResponseSchema.parse(next.json()).lastSeq).toBe(2);
  });

  it('serves an OpenAPI 3.1 document of every route, its bodies, answers and bearer auth', async () => {
    const answer = await http(server.url, { path: '/openapi.json' });
    expect(answer.status).toBe(200);
    const doc = answer.json<{
      openapi: string;
      paths: Record<string, Record<string, { security: unknown[]; requestBody?: { content: Record<string, { schema: { $ref: string } }> }; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }>; securitySchemes: Record<string, { type: string; scheme: string }> };
    }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/openapi.json', '/v1/bootstrap', '/v1/day-report', '/v1/enrol', '/v1/health', '/v1/holds', '/v1/holds/void', '/v1/members/by-card', '/v1/offline-budget', '/v1/pull', '/v1/push', '/v1/sequences']);
    // The first sync's stream: newline-delimited JSON, each line described, behind the terminal credential.
    const bootstrapOp = doc.paths['/v1/bootstrap']!['get'] as unknown as { security: unknown[]; parameters: { name: string }[]; responses: Record<string, { content: Record<string, { schema: { anyOf?: unknown[] } }> }> };
    expect(bootstrapOp.security).toEqual([{ terminalCredential: [] }]);
    expect(bootstrapOp.parameters.map((p) => p.name)).toEqual(['own']);
    expect(Object.keys(bootstrapOp.responses['200']!.content)).toEqual(['application/x-ndjson']);
    expect(bootstrapOp.responses['200']!.content['application/x-ndjson']!.schema.anyOf).toHaveLength(6);
    expect(Object.keys(bootstrapOp.responses).sort()).toEqual(['200', '400', '401', '500', '503']);
    // Query parameters are documented from the same schema the server validates them with.
    const pullOp = (doc.paths['/v1/pull']!['get'] as unknown as { parameters: { name: string; in: string; required: boolean }[] });
    expect(pullOp.parameters.map((p) => [p.name, p.in, p.required])).toEqual([['cursor', 'query', false], ['limit', 'query', false], ['own', 'query', false]]);
    expect(Object.keys(doc.paths['/v1/push']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/v1/enrol']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/v1/health']!)).toEqual(['get']);
    const pushOp = doc.paths['/v1/push']!['post']!;
    expect(pushOp.security).toEqual([{ terminalCredential: [] }]);
    expect(doc.paths['/v1/enrol']!['post']!.security).toEqual([]);
    expect(pushOp.requestBody?.content['application/json']?.schema.$ref).toBe('#/components/schemas/PushRequest');
    expect(Object.keys(pushOp.responses).sort()).toEqual(['200', '400', '401', '403', '409', '413', '415', '500', '503']);
    expect(doc.components.securitySchemes['terminalCredential']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas['PushRequest']).toMatchObject({ additionalProperties: false });
    expect(Object.keys(doc.components.schemas['EnrolRequest']?.properties ?? {})).toEqual(['code', 'terminalKeyId', 'terminalPublicKey']);
  });

  it('speaks HTTPS when given a certificate and key', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    const usage = serverCli(['--data', data, 'serve', '--port', '0', '--tls-cert', cert]);
    expect(usage.status).toBe(2);
    const tls = await startServer(['--port', '0', '--data', data, '--tls-cert', cert, '--tls-key', key]);
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = readFileSync(cert, 'utf8');
      const health = await http(tls.url, { path: '/v1/health', credential: t1.credential, ca });
      expect(health.status).toBe(200);
      expect(healthResponseSchema.parse(health.json()).ok).toBe(true);
      expect((await http(tls.url, { path: '/openapi.json', ca })).status).toBe(200);
      // Not trusted without its certificate; no plain HTTP on the TLS port.
      await expect(http(tls.url, { path: '/openapi.json' })).rejects.toThrow(/self[- ]signed/i);
      await expect(http(tls.url.replace('https:', 'http:'), { path: '/openapi.json' }).then((a) => a.status)).rejects.toThrow();
    } finally {
      const stopped = await tls.stop();
      expect(stopped.code).toBe(0);
    }
  });

  it('stops cleanly on SIGTERM, counted its refusals, and never logged a secret', async () => {
    const stopped = await server.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/tally-server: stopped \(SIGTERM\)/);
    const summaries = stopped.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; refusals?: Record<string, number> })
      .filter((entry) => entry.msg === 'HTTP refusals');
    expect(summaries.length).toBeGreaterThan(0);
    const counted = summaries.reduce<Record<string, number>>((all, s) => {
      for (const [k, n] of Object.entries(s.refusals ?? {})) all[k] = (all[k] ?? 0) + n;
      return all;
    }, {});
    expect(counted['401 enrolment-code']).toBe(2);
    expect(counted['403 wrong-terminal']).toBe(4);
    expect(secrets.length).toBeGreaterThan(6);
    for (const secret of secrets) expect(stopped.stderr).not.toContain(secret);
    expect(stopped.stderr).not.toMatch(/authorization|secretKey/i);
  });
});

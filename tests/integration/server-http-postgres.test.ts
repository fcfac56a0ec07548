/**
 * The HTTP smoke run against PostgreSQL: the same `tally-server` process with DATABASE_URL set to
 * a fresh database (tests/support/postgres.ts), the admin CLI on the same database. The embedded
 * store's file (server-http.test.ts) covers every refusal; this proves the server and its CLI work
 * the same on the production store: enrol, push answers, a sequence gap, a revoked terminal.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolResponseSchema, pushResponseSchema, sequenceConflictSchema, type EnrolResponse } from '../../src/contract/sync.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { enrolmentBatch, enrolmentTransaction, memberItem, welcomeTransfer, type Place } from '../support/server-batch.js';
import { http, REPO, serverCli, serverCliJson, serverEnv, startServer, tempDir, type ServerProcess } from '../support/server-process.js';

const { dir, cleanup } = tempDir('tally-server-pg-');
const data = join(dir, 'data');
const T1: Place = { storeId: 'S1', terminalId: 'T1' };

let database: TestDatabase;
let server: ServerProcess | undefined;
let env: NodeJS.ProcessEnv;

function cli<T>(...args: string[]): T {
  return serverCliJson<T>(['--data', data, ...args], env);
}

async function enrol(place: Place): Promise<EnrolResponse> {
  const { code } = cli<{ code: string }>('terminal', 'code', '--store', place.storeId, '--terminal', place.terminalId);
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const answer = await http(server!.url, { path: '/v1/enrol', body: { code, terminalKeyId: 'pg-key', terminalPublicKey: jwk.x! } });
  expect(answer.status, answer.text).toBe(200);
  return enrolResponseSchema.parse(answer.json());
}

beforeAll(async () => {
  expect(existsSync(join(REPO, 'dist', 'src', 'server', 'cli', 'main.js')), 'run `npx tsc -b` first').toBe(true);
  database = await createTestDatabase('server-http');
  env = serverEnv({ DATABASE_URL: database.url });
  const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'classic-krw.json'), 'utf8')) as { cardCodes: { verifyKeys?: unknown } };
  delete program.cardCodes.verifyKeys;
  writeFileSync(join(dir, 'program.json'), JSON.stringify(program));
  server = await startServer(['--port', '0', '--data', data], env);
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
  cleanup();
});

describe('tally-server over HTTP (PostgreSQL)', () => {
  it('says which store it uses, without the password', () => {
    expect(server!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const password = new URL(database.url).password;
    expect(server!.stderr()).not.toContain(`:${password}@`);
  });

  it('enrols, applies a push, recognises resends and contradictions, refuses a gap and a revoked terminal', async () => {
    cli('init', '--program', join(dir, 'program.json'));
    cli('store', 'create', '--id', 'S1', '--name', 'Gangnam');
    const t1 = await enrol(T1);
    expect(t1).toMatchObject({ storeId: 'S1', terminalId: 'T1', timeZone: 'Asia/Seoul' });

    const first = await http(server!.url, { path: '/v1/push', credential: t1.credential, body: enrolmentBatch('M1', T1, 1, 1) });
    expect(first.status, first.text).toBe(200);
    expect(pushResponseSchema.parse(first.json()).results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    const again = await http(server!.url, { path: '/v1/push', credential: t1.credential, body: { epoch: 1, fromSeq: 2, items: [memberItem('M1', T1), enrolmentTransaction('M1', T1)] } });
    expect(pushResponseSchema.parse(again.json()).results.map((r) => r.status)).toEqual(['exists', 'exists']);
    const different = await http(server!.url, { path: '/v1/push', credential: t1.credential, body: { epoch: 1, fromSeq: 2, items: [enrolmentTransaction('M1', T1, 'c'.repeat(64))] } });
    expect(pushResponseSchema.parse(different.json()).results.map((r) => r.status)).toEqual(['exists_with_different']);
    expect(cli<{ kind: string }[]>('alerts')).toEqual([expect.objectContaining({ kind: 'exists_with_different' })]);

    const gap = await http(server!.url, { path: '/v1/push', credential: t1.credential, body: { epoch: 1, fromSeq: 3, items: [welcomeTransfer('M2', T1, 1, 3)] } });
    expect(gap.status).toBe(409);
    expect(sequenceConflictSchema.parse(gap.json()).lastSeq).toBe(1);
    expect(cli<{ balance: number }>('member', 'show', '--member', 'M1')).toMatchObject({ balance: 100 });

    expect(serverCli(['--data', data, 'terminal', 'revoke', '--store', 'S1', '--terminal', 'T1'], env).status).toBe(0);
    const revoked = await http(server!.url, { path: '/v1/health', credential: t1.credential });
    expect(revoked.status).toBe(401);
    expect(revoked.json<{ error: { code: string } }>().error.code).toBe('revoked');
  });

  it('stops cleanly', async () => {
    const stopped = await server!.stop('SIGINT');
    server = undefined;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/stopped \(SIGINT\)/);
  });
});

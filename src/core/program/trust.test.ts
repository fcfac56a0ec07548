/**
 * Which programs a terminal installs: signed by a program key it trusts, never trusting a demo key
 * (whose secret is published) outside demo mode.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publicKeyOf, signingKeyFrom } from '../card-code/member-qr.js';
import { parseProgramFile } from './parse.js';
import { signProgramJson } from './signature.js';
import { nextTrustedKeys, parseKeySpec, programTrustProblem } from './trust.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const hq = signingKeyFrom('hq-2026', new Uint8Array(32).fill(5));
const hqPublic = { id: hq.id, publicKey: publicKeyOf(hq.secretKey) };
const intruder = signingKeyFrom('hq-2026', new Uint8Array(32).fill(6));
const qrKey = signingKeyFrom('qr-2026', new Uint8Array(32).fill(8));

/** The sporting-goods example with its own member QR key instead of the demo key. */
function realProgram(): Record<string, unknown> {
  const json = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'sporting-goods-usd.json'), 'utf8')) as Record<string, unknown> & { cardCodes: { verifyKeys: unknown[] } };
  json.cardCodes.verifyKeys = [{ id: qrKey.id, publicKey: publicKeyOf(qrKey.secretKey) }];
  return json;
}

const check = (json: unknown, demo: boolean, trustedKeys = [hqPublic]) => programTrustProblem({ ...parseProgramFile(JSON.stringify(json), 'p.json'), source: 'p.json', demo, trustedKeys });

describe('programTrustProblem', () => {
  it('installs a program signed by a trusted program key', () => {
    expect(check(signProgramJson(realProgram(), hq), false)).toBeNull();
  });

  it('refuses an unsigned program, one signed by another key, and one changed after signing', () => {
    expect(check(realProgram(), false)).toMatch(/p.json is not signed/);
    expect(check(signProgramJson(realProgram(), intruder), false)).toMatch(/does not match its signature/);
    expect(check(signProgramJson(realProgram(), signingKeyFrom('other', new Uint8Array(32).fill(7))), false)).toMatch(/signed with key other, which this terminal does not trust \(it trusts hq-2026\)/);
    const tampered = signProgramJson(realProgram(), hq) as { earn: { rate: { points: number } } };
    tampered.earn.rate.points = 100;
    expect(check(tampered, false)).toMatch(/changed after head office signed it/);
  });

  it('refuses, outside demo mode, an example program that trusts the published demo key, even signed', () => {
    const example = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'classic-krw.json'), 'utf8')) as unknown;
    expect(check(signProgramJson(example, hq), false)).toMatch(/trusts the demo key demo-2026, whose secret is published with Tally/);
    expect(check(example, true, [])).toBeNull();
  });

  it('needs a trusted key to begin with', () => {
    expect(check(signProgramJson(realProgram(), hq), false, [])).toMatch(/trusts no program key yet: give the program key's public half \(--program-key ID:PUBLICKEY/);
  });

  it('rotates program keys through a signed program', () => {
    const next = { id: 'hq-2027', publicKey: publicKeyOf(new Uint8Array(32).fill(9)) };
    const { program } = parseProgramFile(JSON.stringify({ ...realProgram(), programKeys: [next] }), 'p.json');
    expect(nextTrustedKeys(program, [hqPublic])).toEqual([next]);
    expect(nextTrustedKeys(parseProgramFile(JSON.stringify(realProgram()), 'p.json').program, [hqPublic])).toEqual([hqPublic]);
  });

  it('reads a key as ID:PUBLICKEY', () => {
    expect(parseKeySpec(`hq-2026:${hqPublic.publicKey}`)).toEqual(hqPublic);
    expect(parseKeySpec('hq-2026')).toBeUndefined();
  });
});

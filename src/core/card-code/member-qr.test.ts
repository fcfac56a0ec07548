/**
 * Member QR codes, version 2: scope in the signed body, an opaque member reference, a token id,
 * an expiry that is always there and bounded by the program, a denylist, and terminal certificates
 * scoped to one store and terminal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  certifyTerminalKey,
  issueMemberToken,
  issueTerminalMemberToken,
  newMemberRef,
  newTokenId,
  publicKeyOf,
  signingKeyFrom,
  verifyCertificate,
  verifyMemberToken,
  type TokenPolicy,
} from './member-qr.js';

const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const program = signingKeyFrom('prog-1', seed(1));
const stranger = signingKeyFrom('prog-1', seed(2));
const lane = signingKeyFrom('lane-3', seed(3));
const NOW = Date.parse('2026-12-06T10:00:00Z');
const DAY = 86_400_000;
const ref = newMemberRef(new Uint8Array(12).fill(7));
const tid = newTokenId(new Uint8Array(8).fill(9));

const policy = (over: Partial<TokenPolicy> = {}): TokenPolicy => ({
  keys: [{ id: program.id, publicKey: publicKeyOf(program.secretKey) }],
  now: NOW,
  maxIdentifyMs: 90 * DAY,
  maxSpendMs: 5 * 60_000,
  ...over,
});

const certificate = certifyTerminalKey(program, { terminalKeyId: lane.id, storeId: 'STORE-12', terminalId: 'LANE.3', terminalPublicKey: publicKeyOf(lane.secretKey), expiresAt: NOW + 365 * DAY });

describe('server-issued member QR codes', () => {
  it('carry their scope, reference, id and expiry, and never the member id', () => {
    const token = issueMemberToken(program, { scope: 'identify', memberRef: ref, tokenId: tid, expiresAt: NOW + DAY });
    expect(token).toMatch(/^TLY2\.prog-1\.i\./);
    expect(verifyMemberToken(token, policy())).toEqual({ ok: true, scope: 'identify', memberRef: ref, tokenId: tid, expiresAt: Math.floor((NOW + DAY) / 1000) * 1000, keyId: 'prog-1', issuedBy: null });
    const spend = issueMemberToken(program, { scope: 'spend', memberRef: ref, tokenId: tid, expiresAt: NOW + 60_000 });
    expect(verifyMemberToken(spend, policy())).toMatchObject({ ok: true, scope: 'spend' });
  });

  it('cannot be turned from identify into spend (the scope is signed)', () => {
    const token = issueMemberToken(program, { scope: 'identify', memberRef: ref, tokenId: tid, expiresAt: NOW + 60_000 });
    const forged = token.replace('TLY2.prog-1.i.', 'TLY2.prog-1.s.');
    expect(verifyMemberToken(forged, policy())).toEqual({ ok: false, problem: 'bad-signature' });
  });

  it('refuses an expired code, one valid for longer than the program allows, and one on the denylist', () => {
    const expired = issueMemberToken(program, { scope: 'identify', memberRef: ref, tokenId: tid, expiresAt: NOW - 1000 });
    expect(verifyMemberToken(expired, policy())).toEqual({ ok: false, problem: 'expired' });
    const forever = issueMemberToken(program, { scope: 'identify', memberRef: ref, tokenId: tid, expiresAt: NOW + 3650 * DAY });
    expect(verifyMemberToken(forever, policy())).toEqual({ ok: false, problem: 'too-long-lived' });
    const longSpend = issueMemberToken(program, { scope: 'spend', memberRef: ref, tokenId: tid, expiresAt: NOW + DAY });
    expect(verifyMemberToken(longSpend, policy())).toEqual({ ok: false, problem: 'too-long-lived' });
    const fine = issueMemberToken(program, { scope: 'identify', memberRef: ref, tokenId: tid, expiresAt: NOW + DAY });
    expect(verifyMemberToken(fine, policy({ revokedTokens: [tid] }))).toEqual({ ok: false, problem: 'revoked' });
  });

  it('refuses a code from a key the program does not list, or signed by another key with the same id', () => {
    const other = issueMemberToken(stranger, { scope: 'spend', memberRef: ref, tokenId: tid, expiresAt: NOW + 60_000 });
    expect(verifyMemberToken(other, policy())).toEqual({ ok: false, problem: 'bad-signature' });
    expect(verifyMemberToken(other, policy({ keys: [] }))).toEqual({ ok: false, problem: 'unknown-key' });
  });

  it('does not honour version-1 codes (member id in clear, no expiry, could spend)', () => {
    expect(verifyMemberToken('TLY1.demo-2026.01a21252-0ba1-77dc-a7aa-a95cd6d0ac05.-.sig', policy())).toEqual({ ok: false, problem: 'outdated' });
    expect(verifyMemberToken('TLY1C.a.b.c.-.d.m.-.s', policy())).toEqual({ ok: false, problem: 'outdated' });
  });

  it('never throws and never accepts a changed character', () => {
    const token = issueMemberToken(program, { scope: 'identify', memberRef: ref, tokenId: tid, expiresAt: NOW + DAY });
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...'ABCxyz019-_.'), (at, c) => {
        const changed = token.slice(0, at) + c + token.slice(at + 1);
        const check = verifyMemberToken(changed, policy());
        return changed === token ? check.ok : !check.ok;
      }),
    );
  });
});

describe('terminal-issued member QR codes (slips)', () => {
  it('identify only, name the store and terminal of their certificate', () => {
    const token = issueTerminalMemberToken(lane, certificate, { memberRef: ref, tokenId: tid, expiresAt: NOW + 30 * DAY });
    expect(verifyMemberToken(token, policy())).toMatchObject({ ok: true, scope: 'identify', memberRef: ref, issuedBy: { terminalKeyId: 'lane-3', storeId: 'STORE-12', terminalId: 'LANE.3' } });
  });

  it('cannot be moved to another store or terminal (the certificate is signed with them)', () => {
    const token = issueTerminalMemberToken(lane, certificate, { memberRef: ref, tokenId: tid, expiresAt: NOW + DAY });
    const otherStore = Buffer.from('STORE-13').toString('base64url');
    const moved = token.replace(`.${Buffer.from('STORE-12').toString('base64url')}.`, `.${otherStore}.`);
    expect(moved).not.toBe(token);
    expect(verifyMemberToken(moved, policy())).toEqual({ ok: false, problem: 'bad-signature' });
  });

  it('stop working when the certificate expires or the terminal key is revoked', () => {
    const short = certifyTerminalKey(program, { ...certificate, expiresAt: NOW + DAY });
    const token = issueTerminalMemberToken(lane, short, { memberRef: ref, tokenId: tid, expiresAt: NOW + DAY / 2 });
    expect(verifyMemberToken(token, policy({ now: NOW + DAY + 1000 }))).toEqual({ ok: false, problem: 'certificate-expired' });
    expect(verifyMemberToken(token, policy({ revokedTerminalKeys: ['lane-3'] }))).toEqual({ ok: false, problem: 'revoked' });
  });

  it('refuse a terminal key the program key did not certify', () => {
    const rogue = certifyTerminalKey(stranger, { ...certificate });
    const token = issueTerminalMemberToken(lane, rogue, { memberRef: ref, tokenId: tid, expiresAt: NOW + DAY });
    expect(verifyMemberToken(token, policy())).toEqual({ ok: false, problem: 'bad-signature' });
    expect(verifyCertificate(rogue, policy().keys, NOW)).toBe('bad-signature');
    expect(verifyCertificate(certificate, policy().keys, NOW)).toBeNull();
  });
});

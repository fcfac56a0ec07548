/**
 * Signed member QR codes. The server holds the program's Ed25519 signing key and issues each
 * member a token; terminals hold only verify keys (with ids, so keys can rotate). A terminal that
 * enrols a member offline signs with its own key, certified by the server; its tokens carry that
 * certificate. An optional expiry stops a screenshot of someone else's code from working for ever.
 *
 *   server-issued:      TLY1.<key id>.<member id>.<expiry>.<signature>
 *   terminal-issued:    TLY1C.<key id>.<terminal key id>.<terminal public key>.<cert expiry>.<cert signature>.<member id>.<expiry>.<signature>
 *
 * Expiries are UTC seconds, or `-` for none; keys and signatures are base64url. Every field is
 * covered by a signature with a domain prefix, so no part can be swapped or replayed elsewhere.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { Instant } from '../time.js';
import { fromBase64Url, toBase64Url } from './base64url.js';

export interface VerifyKey {
  readonly id: string;
  /** 32-byte Ed25519 public key, base64url. */
  readonly publicKey: string;
}

export interface SigningKey {
  readonly id: string;
  /** 32-byte Ed25519 secret key. */
  readonly secretKey: Uint8Array;
}

export interface TerminalCertificate {
  readonly issuerKeyId: string;
  readonly terminalKeyId: string;
  readonly terminalPublicKey: string;
  readonly expiresAt: Instant | null;
  readonly signature: string;
}

export type TokenProblem = 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' | 'certificate-expired';

export type TokenCheck =
  | { readonly ok: true; readonly memberId: string; readonly keyId: string; readonly expiresAt: Instant | null; readonly terminalKeyId: string | null }
  | { readonly ok: false; readonly problem: TokenProblem };

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const MEMBER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function publicKeyOf(secretKey: Uint8Array): string {
  return toBase64Url(ed25519.getPublicKey(secretKey));
}

/** A new signing key (randomness is injected: core takes no entropy of its own). */
export function signingKeyFrom(id: string, seed: Uint8Array): SigningKey {
  if (!KEY_ID.test(id)) throw new RangeError('key ids are 1-32 letters, digits, - or _');
  if (seed.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
  return { id, secretKey: seed };
}

const expiryText = (expiresAt: Instant | null): string => (expiresAt === null ? '-' : String(Math.floor(expiresAt / 1000)));

function parseExpiry(text: string): Instant | null | undefined {
  if (text === '-') return null;
  if (!/^\d{1,12}$/.test(text)) return undefined;
  return Number(text) * 1000;
}

function sign(key: SigningKey, message: string): string {
  return toBase64Url(ed25519.sign(utf8ToBytes(message), key.secretKey));
}

function verify(publicKey: string, message: string, signature: string): boolean {
  const key = fromBase64Url(publicKey);
  const sig = fromBase64Url(signature);
  if (!key || key.length !== 32 || !sig || sig.length !== 64) return false;
  try {
    return ed25519.verify(sig, utf8ToBytes(message), key, { zip215: false });
  } catch {
    return false;
  }
}

export function issueMemberToken(memberId: string, key: SigningKey, expiresAt: Instant | null): string {
  if (!MEMBER_ID.test(memberId)) throw new RangeError('member ids are letters, digits, - or _');
  const body = `TLY1.${key.id}.${memberId}.${expiryText(expiresAt)}`;
  return `${body}.${sign(key, body)}`;
}

/** The server certifies a terminal's key for offline enrolment. */
export function certifyTerminalKey(issuer: SigningKey, terminalKeyId: string, terminalPublicKey: string, expiresAt: Instant | null): TerminalCertificate {
  if (!KEY_ID.test(terminalKeyId)) throw new RangeError('key ids are 1-32 letters, digits, - or _');
  const message = `TLYCERT1.${issuer.id}.${terminalKeyId}.${terminalPublicKey}.${expiryText(expiresAt)}`;
  return { issuerKeyId: issuer.id, terminalKeyId, terminalPublicKey, expiresAt, signature: sign(issuer, message) };
}

export function issueTerminalMemberToken(memberId: string, terminalKey: SigningKey, certificate: TerminalCertificate, expiresAt: Instant | null): string {
  if (!MEMBER_ID.test(memberId)) throw new RangeError('member ids are letters, digits, - or _');
  const cert = `${certificate.issuerKeyId}.${certificate.terminalKeyId}.${certificate.terminalPublicKey}.${expiryText(certificate.expiresAt)}.${certificate.signature}`;
  const body = `TLY1C.${cert}.${memberId}.${expiryText(expiresAt)}`;
  return `${body}.${sign(terminalKey, body)}`;
}

export function looksLikeMemberToken(text: string): boolean {
  return text.startsWith('TLY1.') || text.startsWith('TLY1C.');
}

export function verifyMemberToken(token: string, keys: readonly VerifyKey[], now: Instant): TokenCheck {
  const parts = token.split('.');
  const byId = (id: string): VerifyKey | undefined => keys.find((k) => k.id === id);
  if (parts[0] === 'TLY1' && parts.length === 5) {
    const [, keyId, memberId, expiry, signature] = parts as [string, string, string, string, string];
    const expiresAt = parseExpiry(expiry);
    if (!KEY_ID.test(keyId) || !MEMBER_ID.test(memberId) || expiresAt === undefined) return { ok: false, problem: 'malformed' };
    const key = byId(keyId);
    if (!key) return { ok: false, problem: 'unknown-key' };
    if (!verify(key.publicKey, parts.slice(0, 4).join('.'), signature)) return { ok: false, problem: 'bad-signature' };
    if (expiresAt !== null && expiresAt <= now) return { ok: false, problem: 'expired' };
    return { ok: true, memberId, keyId, expiresAt, terminalKeyId: null };
  }
  if (parts[0] === 'TLY1C' && parts.length === 9) {
    const [, issuerKeyId, terminalKeyId, terminalPublicKey, certExpiry, certSignature, memberId, expiry, signature] = parts as [string, string, string, string, string, string, string, string, string];
    const certExpiresAt = parseExpiry(certExpiry);
    const expiresAt = parseExpiry(expiry);
    if (!KEY_ID.test(issuerKeyId) || !KEY_ID.test(terminalKeyId) || !MEMBER_ID.test(memberId) || certExpiresAt === undefined || expiresAt === undefined) {
      return { ok: false, problem: 'malformed' };
    }
    const issuer = byId(issuerKeyId);
    if (!issuer) return { ok: false, problem: 'unknown-key' };
    if (!verify(issuer.publicKey, `TLYCERT1.${issuerKeyId}.${terminalKeyId}.${terminalPublicKey}.${certExpiry}`, certSignature)) return { ok: false, problem: 'bad-signature' };
    if (!verify(terminalPublicKey, parts.slice(0, 8).join('.'), signature)) return { ok: false, problem: 'bad-signature' };
    if (certExpiresAt !== null && certExpiresAt <= now) return { ok: false, problem: 'certificate-expired' };
    if (expiresAt !== null && expiresAt <= now) return { ok: false, problem: 'expired' };
    return { ok: true, memberId, keyId: issuerKeyId, expiresAt, terminalKeyId };
  }
  return { ok: false, problem: 'malformed' };
}

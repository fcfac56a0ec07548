/**
 * Signed member QR codes, version 2. A token names a member by an opaque reference (never the
 * member id), carries its own id (so one token can be revoked or used once) and a scope:
 *
 * - `identify` (slips, cards, the app's everyday code): earn points, show the balance. Anyone who
 *   photographs a slip can do no more than that.
 * - `spend` (a short-lived, single-use code the member's app fetches from the server): proves the
 *   member is at the counter, so points may be spent (redeem, donate).
 *
 * Formats (expiries are UTC seconds and always present; keys and signatures base64url):
 *
 *   server-issued:   TLY2.<key id>.<i|s>.<member ref>.<token id>.<expiry>.<signature>
 *   terminal-issued: TLY2T.<issuer key id>.<terminal key id>.<store>.<terminal>.<terminal public key>
 *                    .<certificate expiry>.<certificate signature>.<member ref>.<token id>.<expiry>.<signature>
 *
 * A terminal-issued token is always `identify`: a terminal prints slips, it never vouches that a
 * member is present. Its certificate is scoped to one store and terminal (both base64url, since
 * ids may hold dots) and always expires. Every field is covered by a signature with a domain
 * prefix, so nothing can be swapped between tokens, certificates and versions.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { Instant } from '../time.js';
import { fromBase64Url, toBase64Url } from './base64url.js';

export type TokenScope = 'identify' | 'spend';

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
  readonly storeId: string;
  readonly terminalId: string;
  readonly terminalPublicKey: string;
  readonly expiresAt: Instant;
  readonly signature: string;
}

export interface TokenClaims {
  readonly scope: TokenScope;
  /** The member's QR reference (see `newMemberRef`), not their id. */
  readonly memberRef: string;
  readonly tokenId: string;
  readonly expiresAt: Instant;
}

/** What a verifier holds: the program's keys and denylist, its bounds, and the real time. */
export interface TokenPolicy {
  readonly keys: readonly VerifyKey[];
  /** Wall-clock time: never a clock a caller can set, or an expired code would scan again. */
  readonly now: Instant;
  /** The longest an identify token may still be valid for (the program's bound). */
  readonly maxIdentifyMs: number;
  /** The longest a spend code may still be valid for. */
  readonly maxSpendMs: number;
  readonly revokedTokens?: readonly string[];
  readonly revokedTerminalKeys?: readonly string[];
}

export type TokenProblem = 'malformed' | 'outdated' | 'unknown-key' | 'bad-signature' | 'expired' | 'certificate-expired' | 'revoked' | 'too-long-lived';

export type TokenCheck =
  | {
      readonly ok: true;
      readonly scope: TokenScope;
      readonly memberRef: string;
      readonly tokenId: string;
      readonly expiresAt: Instant;
      readonly keyId: string;
      /** For a terminal-issued token: the terminal key, store and terminal its certificate names. */
      readonly issuedBy: { readonly terminalKeyId: string; readonly storeId: string; readonly terminalId: string } | null;
    }
  | { readonly ok: false; readonly problem: TokenProblem };

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const PLACE_ID = /^[A-Za-z0-9._-]{1,32}$/;
/** 12 random bytes: unguessable, and nothing about the member (not even when they joined). */
const MEMBER_REF = /^[A-Za-z0-9_-]{16}$/;
/** 8 random bytes: unique enough to revoke or spend one token. */
const TOKEN_ID = /^[A-Za-z0-9_-]{11}$/;
const PUBLIC_KEY = /^[A-Za-z0-9_-]{43}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;
const SECONDS = /^\d{1,11}$/;

/** Clocks disagree a little; a code a minute or two "too long" is a clock, not an attack. */
const CLOCK_SLACK_MS = 120_000;

export function isMemberRef(text: string): boolean {
  return MEMBER_REF.test(text);
}

export function isTokenId(text: string): boolean {
  return TOKEN_ID.test(text);
}

/** A new member QR reference from 12 random bytes (core takes no entropy of its own). */
export function newMemberRef(random: Uint8Array): string {
  if (random.length !== 12) throw new RangeError('a member reference is made of 12 random bytes');
  return toBase64Url(random);
}

/** A new token id from 8 random bytes. */
export function newTokenId(random: Uint8Array): string {
  if (random.length !== 8) throw new RangeError('a token id is made of 8 random bytes');
  return toBase64Url(random);
}

export function publicKeyOf(secretKey: Uint8Array): string {
  return toBase64Url(ed25519.getPublicKey(secretKey));
}

export function signingKeyFrom(id: string, seed: Uint8Array): SigningKey {
  if (!KEY_ID.test(id)) throw new RangeError('key ids are 1-32 letters, digits, - or _');
  if (seed.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
  return { id, secretKey: seed };
}

export function signText(key: SigningKey, message: string): string {
  return toBase64Url(ed25519.sign(utf8ToBytes(message), key.secretKey));
}

export function verifyText(publicKey: string, message: string, signature: string): boolean {
  const key = fromBase64Url(publicKey);
  const sig = fromBase64Url(signature);
  if (!key || key.length !== 32 || !sig || sig.length !== 64) return false;
  try {
    return ed25519.verify(sig, utf8ToBytes(message), key, { zip215: false });
  } catch {
    return false;
  }
}

const seconds = (instant: Instant): string => String(Math.floor(instant / 1000));
const encodeId = (id: string): string => toBase64Url(utf8ToBytes(id));

function decodeId(text: string): string | undefined {
  const bytes = fromBase64Url(text);
  // Store and terminal ids are ASCII (PLACE_ID), so a byte is a character.
  if (!bytes || bytes.some((b) => b > 0x7e)) return undefined;
  const id = String.fromCharCode(...bytes);
  return PLACE_ID.test(id) ? id : undefined;
}

function checkClaims(claims: TokenClaims): void {
  if (!MEMBER_REF.test(claims.memberRef)) throw new RangeError('a member reference is 16 base64url characters');
  if (!TOKEN_ID.test(claims.tokenId)) throw new RangeError('a token id is 11 base64url characters');
  if (!Number.isSafeInteger(claims.expiresAt) || claims.expiresAt <= 0) throw new RangeError('a token needs an expiry');
}

/** A server-issued token (the program's key): an app's everyday code, or a short-lived spend code. */
export function issueMemberToken(key: SigningKey, claims: TokenClaims): string {
  checkClaims(claims);
  const body = `TLY2.${key.id}.${claims.scope === 'spend' ? 's' : 'i'}.${claims.memberRef}.${claims.tokenId}.${seconds(claims.expiresAt)}`;
  return `${body}.${signText(key, body)}`;
}

const certificateMessage = (c: Omit<TerminalCertificate, 'signature'>): string =>
  `TLYCERT2.${c.issuerKeyId}.${c.terminalKeyId}.${encodeId(c.storeId)}.${encodeId(c.terminalId)}.${c.terminalPublicKey}.${seconds(c.expiresAt)}`;

/** The program's key certifies one terminal's key, for one store and terminal, until a date. */
export function certifyTerminalKey(issuer: SigningKey, terminal: Omit<TerminalCertificate, 'issuerKeyId' | 'signature'>): TerminalCertificate {
  if (!KEY_ID.test(terminal.terminalKeyId)) throw new RangeError('key ids are 1-32 letters, digits, - or _');
  if (!PLACE_ID.test(terminal.storeId) || !PLACE_ID.test(terminal.terminalId)) throw new RangeError('store and terminal ids are 1-32 letters, digits, dots, dashes or underscores');
  if (!PUBLIC_KEY.test(terminal.terminalPublicKey)) throw new RangeError('a terminal public key is 43 base64url characters');
  if (!Number.isSafeInteger(terminal.expiresAt) || terminal.expiresAt <= 0) throw new RangeError('a terminal certificate needs an expiry');
  const unsigned = { issuerKeyId: issuer.id, ...terminal, expiresAt: Math.floor(terminal.expiresAt / 1000) * 1000 };
  return { ...unsigned, signature: signText(issuer, certificateMessage(unsigned)) };
}

/** Checks a certificate on its own (at install time): signed by one of `keys`, not expired. */
export function verifyCertificate(certificate: TerminalCertificate, keys: readonly VerifyKey[], now: Instant): TokenProblem | null {
  const issuer = keys.find((k) => k.id === certificate.issuerKeyId);
  if (!issuer) return 'unknown-key';
  if (!verifyText(issuer.publicKey, certificateMessage(certificate), certificate.signature)) return 'bad-signature';
  if (certificate.expiresAt <= now) return 'certificate-expired';
  return null;
}

/** A slip's token, signed by the terminal under its certificate; always `identify`. */
export function issueTerminalMemberToken(terminalKey: SigningKey, certificate: TerminalCertificate, claims: Omit<TokenClaims, 'scope'>): string {
  checkClaims({ ...claims, scope: 'identify' });
  const c = certificate;
  const body = `TLY2T.${c.issuerKeyId}.${c.terminalKeyId}.${encodeId(c.storeId)}.${encodeId(c.terminalId)}.${c.terminalPublicKey}.${seconds(c.expiresAt)}.${c.signature}.${claims.memberRef}.${claims.tokenId}.${seconds(claims.expiresAt)}`;
  return `${body}.${signText(terminalKey, body)}`;
}

/** Anything that claims to be a member QR code, of this version or an older one. */
export function looksLikeMemberToken(text: string): boolean {
  return /^TLY\d*[A-Z]?\./.test(text);
}

function parseSeconds(text: string): Instant | undefined {
  return SECONDS.test(text) ? Number(text) * 1000 : undefined;
}

function within(policy: TokenPolicy, scope: TokenScope, expiresAt: Instant): TokenProblem | null {
  if (expiresAt <= policy.now) return 'expired';
  const max = scope === 'spend' ? policy.maxSpendMs : policy.maxIdentifyMs;
  return expiresAt - policy.now > max + CLOCK_SLACK_MS ? 'too-long-lived' : null;
}

export function verifyMemberToken(token: string, policy: TokenPolicy): TokenCheck {
  const parts = token.split('.');
  const fail = (problem: TokenProblem): TokenCheck => ({ ok: false, problem });
  const byId = (id: string): VerifyKey | undefined => policy.keys.find((k) => k.id === id);
  if (parts[0] === 'TLY2' && parts.length === 7) {
    const [, keyId = '', scopeLetter = '', memberRef = '', tokenId = '', expiry = '', signature = ''] = parts;
    const expiresAt = parseSeconds(expiry);
    if (!KEY_ID.test(keyId) || (scopeLetter !== 'i' && scopeLetter !== 's') || !MEMBER_REF.test(memberRef) || !TOKEN_ID.test(tokenId) || expiresAt === undefined || !SIGNATURE.test(signature)) {
      return fail('malformed');
    }
    const key = byId(keyId);
    if (!key) return fail('unknown-key');
    if (!verifyText(key.publicKey, parts.slice(0, 6).join('.'), signature)) return fail('bad-signature');
    if (policy.revokedTokens?.includes(tokenId)) return fail('revoked');
    const scope: TokenScope = scopeLetter === 's' ? 'spend' : 'identify';
    const problem = within(policy, scope, expiresAt);
    if (problem) return fail(problem);
    return { ok: true, scope, memberRef, tokenId, expiresAt, keyId, issuedBy: null };
  }
  if (parts[0] === 'TLY2T' && parts.length === 12) {
    // Twelve fields (checked above): the defaults only satisfy the type checker.
    const [, issuerKeyId = '', terminalKeyId = '', store = '', terminal = '', terminalPublicKey = '', certExpiry = '', certSignature = '', memberRef = '', tokenId = '', expiry = '', signature = ''] = parts;
    const storeId = decodeId(store);
    const terminalId = decodeId(terminal);
    const certExpiresAt = parseSeconds(certExpiry);
    const expiresAt = parseSeconds(expiry);
    if (
      !KEY_ID.test(issuerKeyId) ||
      !KEY_ID.test(terminalKeyId) ||
      storeId === undefined ||
      terminalId === undefined ||
      !PUBLIC_KEY.test(terminalPublicKey) ||
      certExpiresAt === undefined ||
      !SIGNATURE.test(certSignature) ||
      !MEMBER_REF.test(memberRef) ||
      !TOKEN_ID.test(tokenId) ||
      expiresAt === undefined ||
      !SIGNATURE.test(signature)
    ) {
      return fail('malformed');
    }
    const certificate: TerminalCertificate = { issuerKeyId, terminalKeyId, storeId, terminalId, terminalPublicKey, expiresAt: certExpiresAt, signature: certSignature };
    if (!byId(issuerKeyId)) return fail('unknown-key');
    const certProblem = verifyCertificate(certificate, policy.keys, policy.now);
    if (certProblem === 'bad-signature') return fail('bad-signature');
    if (!verifyText(terminalPublicKey, parts.slice(0, 11).join('.'), signature)) return fail('bad-signature');
    if (policy.revokedTerminalKeys?.includes(terminalKeyId) || policy.revokedTokens?.includes(tokenId)) return fail('revoked');
    if (certProblem) return fail(certProblem);
    const problem = within(policy, 'identify', expiresAt);
    if (problem) return fail(problem);
    return { ok: true, scope: 'identify', memberRef, tokenId, expiresAt, keyId: issuerKeyId, issuedBy: { terminalKeyId, storeId, terminalId } };
  }
  // TLY1 codes named the member in clear, never expired and could spend: they are not honoured.
  if (parts[0] === 'TLY1' || parts[0] === 'TLY1C') return fail('outdated');
  return fail('malformed');
}

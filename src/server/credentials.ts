/**
 * The two secrets a terminal ever holds from the server, and how the server keeps them:
 *
 * - a one-time enrolment code, `ABCD-EFGH-JKLM`: 12 characters from a 32-letter alphabet without
 *   look-alikes (no I, O, 0 or 1), so a person can read it off a screen and type it at the counter;
 *   60 random bits, single use, expiring (24 h by default). Shown once by `terminal code`.
 * - a bearer credential, `tly_` + 32 random bytes in base64url, given once in the enrolment answer.
 *
 * The server stores only the SHA-256 of either. Both are long random strings, so a plain hash
 * suffices (no salt or slow hash: there is nothing to guess from a dictionary), and lookups stay a
 * single indexed equality. Neither is ever logged.
 */
import { createHash, randomBytes } from 'node:crypto';

/** 24 letters and 8 digits; 32 symbols, so each random byte's low 5 bits pick one uniformly. */
export const ENROLMENT_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export const ENROLMENT_CODE = /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/;

export const CREDENTIAL = /^tly_[A-Za-z0-9_-]{43}$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function newEnrolmentCode(random: (size: number) => Uint8Array = randomBytes): string {
  const bytes = random(12);
  const chars = [...bytes].map((b) => ENROLMENT_ALPHABET[b & 31]!);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8).join('')}`;
}

/**
 * The hash a code is stored and looked up by. Codes are compared as written (the contract's
 * pattern already refuses lower case), so one code has exactly one hash.
 */
export function enrolmentCodeHash(code: string): string {
  return sha256Hex(code);
}

export function newCredential(random: (size: number) => Uint8Array = randomBytes): string {
  return `tly_${Buffer.from(random(32)).toString('base64url')}`;
}

export function credentialHash(credential: string): string {
  return sha256Hex(credential);
}

/** The credential in an `Authorization: Bearer …` header, or why there is none. */
export function bearerCredential(header: string | undefined): { readonly ok: true; readonly credential: string } | { readonly ok: false; readonly reason: 'missing' | 'malformed' } {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  if (!match || !CREDENTIAL.test(match[1]!)) return { ok: false, reason: 'malformed' };
  return { ok: true, credential: match[1]! };
}

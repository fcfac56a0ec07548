/**
 * Program files are signed by head office's program key, so a terminal installs only programs
 * that come from the program's owner (who decides which member QR keys, rewards and denylist the
 * counter trusts). The signature sits in the file itself, beside the program:
 *
 *   { "format": 1, "id": "…", …, "signature": { "keyId": "hq-2026", "value": "<Ed25519, base64url>" } }
 *
 * and covers the canonical JSON of everything else (keys sorted), with a domain prefix so it can
 * never be mistaken for a member QR or certificate signature.
 */
import { z } from 'zod';
import { canonicalJson } from '../canonical-json.js';
import { signText, verifyText, type SigningKey, type VerifyKey } from '../card-code/member-qr.js';
import { TallyError } from '../errors.js';

export interface ProgramSignature {
  readonly keyId: string;
  readonly value: string;
}

export const programSignatureSchema = z.strictObject({
  keyId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'is 1-32 letters, digits, - or _'),
  value: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'is an Ed25519 signature in base64url'),
});

/** A program file split into what is signed and the signature (null when unsigned). */
export interface ProgramDocument {
  readonly body: unknown;
  readonly signature: ProgramSignature | null;
  /** Exactly the text the signature covers. */
  readonly signedText: string;
}

export const programSignedText = (body: unknown): string => `TLYPROG1.${canonicalJson(body)}`;

export function programDocument(json: unknown, source: string): ProgramDocument {
  if (json === null || typeof json !== 'object' || Array.isArray(json) || !('signature' in json)) {
    return { body: json, signature: null, signedText: programSignedText(json) };
  }
  const { signature, ...body } = json as Record<string, unknown>;
  const parsed = programSignatureSchema.safeParse(signature);
  if (!parsed.success) {
    throw new TallyError('invalid-program', `Program ${source}: its signature is malformed (${parsed.error.issues.map((i) => `${i.path.join('.') || 'signature'} ${i.message}`).join('; ')})`);
  }
  return { body, signature: parsed.data, signedText: programSignedText(body) };
}

/** The file's JSON with a fresh signature by `key` (any old signature is replaced). */
export function signProgramJson(json: unknown, key: SigningKey): Record<string, unknown> {
  const { body } = programDocument(json, 'program');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new TallyError('invalid-program', 'A program is a JSON object');
  return { ...(body as Record<string, unknown>), signature: { keyId: key.id, value: signText(key, programSignedText(body)) } };
}

export type SignatureCheck = 'ok' | 'unsigned' | 'unknown-key' | 'bad-signature';

export function checkProgramSignature(document: ProgramDocument, trusted: readonly VerifyKey[]): SignatureCheck {
  if (document.signature === null) return 'unsigned';
  const key = trusted.find((k) => k.id === document.signature?.keyId);
  if (!key) return 'unknown-key';
  return verifyText(key.publicKey, document.signedText, document.signature.value) ? 'ok' : 'bad-signature';
}

/**
 * The terminal's own signing key and the program's certificate for it: with them a slip carries a
 * signed member QR code that identifies the member at any terminal of the program (it can never
 * spend). The secret lives in the terminal's secret store, never in the ledger (which is copied
 * into every backup); the ledger keeps the key id and the certificate. The certificate names this
 * store and terminal and expires.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { TallyError } from '../../core/errors.js';
import { issueTerminalMemberToken, newTokenId, publicKeyOf, verifyCertificate, type SigningKey, type TerminalCertificate } from '../../core/card-code/member-qr.js';
import type { Program } from '../../core/program/schema.js';
import { isoInstant, type Instant } from '../../core/time.js';
import { parseInput } from '../../core/validation.js';
import type { Ledger } from '../ledger/ledger.js';
import { keyFileOf, keyFileText, parseSigningKey } from './key-file.js';
import type { SecretStore } from './secret-store.js';

const SECRET_NAME = 'terminal-signing-key';

export const certificateSchema = z.strictObject({
  issuerKeyId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  terminalKeyId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  storeId: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/),
  terminalId: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/),
  terminalPublicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  expiresAt: z.number().int().positive(),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});

export interface TerminalCredentials {
  readonly key: SigningKey;
  readonly certificate: TerminalCertificate;
}

/** Checks a key and certificate for this terminal: a slip's QR must scan at every terminal. */
export function checkCredentials(key: SigningKey, certificate: TerminalCertificate, ledger: Pick<Ledger, 'program' | 'terminal'>, wallNow: Instant): void {
  if (certificate.terminalKeyId !== key.id || certificate.terminalPublicKey !== publicKeyOf(key.secretKey)) {
    throw new TallyError('invalid-input', `The certificate is for terminal key ${certificate.terminalKeyId}, not for this key (${key.id})`);
  }
  const { storeId, terminalId } = ledger.terminal;
  if (certificate.storeId !== storeId || certificate.terminalId !== terminalId) {
    throw new TallyError('invalid-input', `The certificate is for store ${certificate.storeId}, terminal ${certificate.terminalId}; this is store ${storeId}, terminal ${terminalId}`);
  }
  if (ledger.program.revoked.terminalKeys.includes(key.id)) throw new TallyError('invalid-input', `Terminal key ${key.id} is revoked by the program: certify a new key`);
  const problem = verifyCertificate(certificate, ledger.program.cardCodes.verifyKeys, wallNow);
  if (problem !== null) {
    const why =
      problem === 'unknown-key' ? `key ${certificate.issuerKeyId} is not in the program's cardCodes.verifyKeys` : problem === 'certificate-expired' ? `it expired on ${isoInstant(certificate.expiresAt)}` : 'it is not signed by the program key';
    throw new TallyError('invalid-input', `This certificate would not verify at the counter: ${why}`);
  }
}

export function saveCredentials(ledger: Ledger, secrets: SecretStore, key: SigningKey, certificate: TerminalCertificate, wallNow: Instant): void {
  checkCredentials(key, certificate, ledger, wallNow);
  // The secret first: a crash in between leaves a key without a certificate (no QR), never the reverse.
  secrets.write(SECRET_NAME, keyFileText(keyFileOf(key)));
  ledger.transaction(() =>
    ledger.db
      .prepare(
        `INSERT INTO terminal_credentials (singleton, key_id, certificate, installed_at) VALUES (1, ?, ?, ?)
         ON CONFLICT (singleton) DO UPDATE SET key_id = excluded.key_id, certificate = excluded.certificate, installed_at = excluded.installed_at`,
      )
      .run(key.id, JSON.stringify(certificate), wallNow),
  );
}

/**
 * The credentials, or null (slips then print without a QR code) when none are installed, or the
 * secret is not beside this ledger (a restored copy: install a key for it), or the key is revoked.
 */
export function loadCredentials(ledger: Ledger, secrets: SecretStore): TerminalCredentials | null {
  const row = ledger.db.prepare('SELECT key_id, certificate FROM terminal_credentials WHERE singleton = 1').get() as { key_id: string; certificate: string } | undefined;
  if (!row) return null;
  const text = secrets.read(SECRET_NAME);
  if (text === null) return null;
  const key = parseSigningKey(text, `${secrets.location} (${SECRET_NAME})`);
  const certificate = parseInput(certificateSchema, JSON.parse(row.certificate), 'terminal certificate');
  if (key.id !== row.key_id || certificate.terminalPublicKey !== publicKeyOf(key.secretKey)) return null;
  if (ledger.program.revoked.terminalKeys.includes(key.id)) return null;
  return { key, certificate };
}

/**
 * The member's QR for a slip: identify only, valid for the program's memberQrDays from the real
 * time (never from an overridden clock, so a reprint cannot mint a code that outlives it), and
 * never beyond the certificate; null without credentials or once the member is erased.
 */
export function memberQrFor(credentials: TerminalCredentials | null, memberRef: string | null, program: Program, wallNow: Instant): string | null {
  if (!credentials || memberRef === null) return null;
  const expiresAt = Math.min(wallNow + program.receipt.memberQrDays * 86_400_000, credentials.certificate.expiresAt);
  if (expiresAt <= wallNow) return null;
  return issueTerminalMemberToken(credentials.key, credentials.certificate, { memberRef, tokenId: newTokenId(new Uint8Array(randomBytes(8))), expiresAt });
}

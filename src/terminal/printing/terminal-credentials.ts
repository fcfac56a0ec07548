/**
 * The terminal's own signing key and the program's certificate for it: with them a slip carries a
 * signed member QR code (the terminal signs; any terminal of the program verifies it through the
 * certificate). Without them slips print without a QR code.
 */
import { z } from 'zod';
import { TallyError } from '../../core/errors.js';
import { publicKeyOf, verifyMemberToken, issueTerminalMemberToken, type SigningKey, type TerminalCertificate } from '../../core/card-code/member-token.js';
import type { Program } from '../../core/program/schema.js';
import type { Instant } from '../../core/time.js';
import { parseInput } from '../../core/validation.js';
import { fromBase64Url, toBase64Url } from '../../core/card-code/base64url.js';
import type { Ledger } from '../ledger/ledger.js';

export const certificateSchema = z.strictObject({
  issuerKeyId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  terminalKeyId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  terminalPublicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  expiresAt: z.number().int().nullable(),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});

export interface TerminalCredentials {
  readonly key: SigningKey;
  readonly certificate: TerminalCertificate;
}

/** Checks a key and certificate against the program: a slip's QR must scan at every terminal. */
export function checkCredentials(key: SigningKey, certificate: TerminalCertificate, program: Program, now: Instant): void {
  if (certificate.terminalKeyId !== key.id || certificate.terminalPublicKey !== publicKeyOf(key.secretKey)) {
    throw new TallyError('invalid-input', `The certificate is for terminal key ${certificate.terminalKeyId}, not for this key (${key.id})`);
  }
  const probe = issueTerminalMemberToken('probe', key, certificate, null);
  const check = verifyMemberToken(probe, program.cardCodes.verifyKeys, now);
  if (!check.ok) {
    const why = check.problem === 'unknown-key' ? `key ${certificate.issuerKeyId} is not in the program's cardCodes.verifyKeys` : check.problem === 'certificate-expired' ? 'the certificate has expired' : 'the certificate is not signed by the program key';
    throw new TallyError('invalid-input', `This certificate would not verify at the counter: ${why}`);
  }
}

export function saveCredentials(ledger: Ledger, key: SigningKey, certificate: TerminalCertificate, now: Instant): void {
  checkCredentials(key, certificate, ledger.program, now);
  ledger.db
    .prepare(
      `INSERT INTO terminal_credentials (singleton, key_id, secret_key, certificate, installed_at) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET key_id = excluded.key_id, secret_key = excluded.secret_key, certificate = excluded.certificate, installed_at = excluded.installed_at`,
    )
    .run(key.id, toBase64Url(key.secretKey), JSON.stringify(certificate), now);
}

export function loadCredentials(ledger: Ledger): TerminalCredentials | null {
  const row = ledger.db.prepare('SELECT key_id, secret_key, certificate FROM terminal_credentials WHERE singleton = 1').get() as { key_id: string; secret_key: string; certificate: string } | undefined;
  if (!row) return null;
  const secret = fromBase64Url(row.secret_key);
  if (!secret || secret.length !== 32) throw new TallyError('database-corrupt', 'The terminal signing key in the ledger is damaged');
  const certificate = parseInput(certificateSchema, JSON.parse(row.certificate), 'terminal certificate');
  return { key: { id: row.key_id, secretKey: secret }, certificate };
}

/** The member's QR for a slip, valid for the program's memberQrDays; null without credentials. */
export function memberQrFor(credentials: TerminalCredentials | null, memberId: string, program: Program, now: Instant): string | null {
  if (!credentials) return null;
  const certificateEnd = credentials.certificate.expiresAt ?? Number.POSITIVE_INFINITY;
  const expiresAt = Math.min(now + program.receipt.memberQrDays * 86_400_000, certificateEnd);
  if (expiresAt <= now) return null;
  return issueTerminalMemberToken(memberId, credentials.key, credentials.certificate, expiresAt);
}

/**
 * Enrolling a terminal with the central server: the one-time code from head office is exchanged for
 * this terminal's credential, the program (signed by the program key) and the keys to trust, and a
 * certificate for the terminal's own member-QR key, whose secret never leaves this machine. The
 * ledger is created from what the server sent; the credential and the signing secret go into the
 * secret store beside it, never into the ledger.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { publicKeyOf, signingKeyFrom } from '../../core/card-code/member-qr.js';
import { TallyError } from '../../core/errors.js';
import { Ledger } from '../ledger/ledger.js';
import { FileSecretStore, secretsDirFor, type SecretStore } from '../trust/secret-store.js';
import { saveCredentials } from '../trust/terminal-credentials.js';
import { SyncClient } from './client.js';

export const SYNC_CREDENTIAL = 'sync-credential';

export interface EnrolOptions {
  readonly dbPath: string;
  readonly serverUrl: string;
  readonly code: string;
  /** The real time. */
  readonly now: number;
  readonly client?: SyncClient;
  readonly secrets?: SecretStore;
}

export interface EnrolOutcome {
  readonly storeId: string;
  readonly terminalId: string;
  readonly timeZone: string;
  readonly programId: string;
  readonly programVersion: number;
  readonly certificateExpiresAt: number;
}

export async function enrolTerminal(options: EnrolOptions): Promise<EnrolOutcome> {
  if (existsSync(options.dbPath)) throw new TallyError('already-initialised', `${options.dbPath} exists: a terminal is enrolled into a new ledger (choose another --db)`);
  const client = options.client ?? new SyncClient({ baseUrl: options.serverUrl });
  const key = signingKeyFrom(`t-${randomBytes(6).toString('hex')}`, new Uint8Array(randomBytes(32)));
  const answer = await client.enrol({ code: options.code.trim().toUpperCase(), terminalKeyId: key.id, terminalPublicKey: publicKeyOf(key.secretKey) });
  // The program keys come from the server the one-time code vouched for (trust on first use, over TLS where configured).
  const ledger = Ledger.init(options.dbPath, {
    storeId: answer.storeId,
    terminalId: answer.terminalId,
    timeZone: answer.timeZone,
    programText: answer.program,
    programSource: `${options.serverUrl} (enrolment)`,
    now: options.now,
    programKeys: answer.programKeys,
  });
  try {
    const secrets = options.secrets ?? new FileSecretStore(secretsDirFor(options.dbPath));
    saveCredentials(ledger, secrets, key, answer.certificate, options.now);
    secrets.write(SYNC_CREDENTIAL, `${JSON.stringify({ credential: answer.credential })}\n`);
    ledger.transaction(() => ledger.db.prepare('INSERT INTO sync_state (singleton, server_url, enrolled_at) VALUES (1, ?, ?)').run(options.serverUrl, options.now));
    return {
      storeId: answer.storeId,
      terminalId: answer.terminalId,
      timeZone: answer.timeZone,
      programId: ledger.program.id,
      programVersion: ledger.program.version,
      certificateExpiresAt: answer.certificate.expiresAt,
    };
  } finally {
    ledger.close();
  }
}

import { randomBytes } from 'node:crypto';
import { isDemoKey } from '../../../core/card-code/demo-keys.js';
import { newMemberRef } from '../../../core/card-code/member-qr.js';
import { maskCard } from '../../../core/receipt/slip.js';
import type { Migration } from './types.js';

/** Personal details an enrolment request used to carry into the append-only transactions table. */
const ENROLMENT_PERSONAL_FIELDS = ['name', 'phone', 'email', 'birthday'] as const;

/**
 * Trust and personal data.
 *
 * - Members get an opaque QR reference (member QR codes no longer carry the member id), a hashed
 *   PIN for spending, and can be erased: their details and cards go, every transfer stays.
 * - Spend codes are single use: the ones used are kept.
 * - The terminal remembers whether it is a demo terminal, which program keys it trusts, and when it
 *   last booked (a clock behind that is refused).
 * - The terminal's signing secret leaves the ledger (it was copied into every backup): the table
 *   keeps only the key id and certificate, and the old secret is overwritten on disk. Install a new
 *   terminal key after upgrading — the old one was in every backup made until now.
 * - Personal details are scrubbed from rows that can never be erased: enrolment requests lose name,
 *   phone, email and birthday; stored requests and queued slips keep only a card's last digits; a
 *   queued slip no longer carries the member's name (it is read from the member at print time).
 */
export const migration0004: Migration = {
  version: 4,
  description: 'member QR references, PINs, erasure, spend codes, demo mode, program keys, signing secret out of the ledger, personal data scrubbed',
  up(db) {
    // Freed pages are zeroed, so the secret dropped below does not linger in the file.
    db.pragma('secure_delete = ON');
    db.exec(`
      ALTER TABLE members ADD COLUMN qr_ref TEXT;
      ALTER TABLE members ADD COLUMN pin_hash TEXT;
      ALTER TABLE members ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0 CHECK (pin_failures >= 0);
      ALTER TABLE members ADD COLUMN erased_at INTEGER;
      CREATE UNIQUE INDEX members_qr_ref ON members (qr_ref) WHERE qr_ref IS NOT NULL;

      -- An erased member stays erased: no details, no PIN, no QR reference can come back.
      CREATE TRIGGER members_erased_final BEFORE UPDATE ON members
        WHEN OLD.erased_at IS NOT NULL AND (NEW.erased_at IS NOT OLD.erased_at OR NEW.name IS NOT NULL OR NEW.phone IS NOT NULL
          OR NEW.email IS NOT NULL OR NEW.birthday IS NOT NULL OR NEW.pin_hash IS NOT NULL OR NEW.qr_ref IS NOT NULL)
        BEGIN SELECT RAISE(ABORT, 'an erased member cannot get personal details back'); END;

      -- Cards are removed only when their member is erased.
      DROP TRIGGER card_codes_no_delete;
      CREATE TRIGGER card_codes_no_delete BEFORE DELETE ON card_codes
        WHEN NOT EXISTS (SELECT 1 FROM members WHERE id = OLD.member_id AND erased_at IS NOT NULL)
        BEGIN SELECT RAISE(ABORT, 'card codes cannot be deleted (only with their member, on erasure)'); END;

      CREATE TABLE spend_codes (
        token_id TEXT PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES members (id),
        transaction_id TEXT NOT NULL REFERENCES transactions (id),
        used_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TRIGGER spend_codes_append_only_update BEFORE UPDATE ON spend_codes
        BEGIN SELECT RAISE(ABORT, 'a used spend code stays used'); END;
      CREATE TRIGGER spend_codes_append_only_delete BEFORE DELETE ON spend_codes
        BEGIN SELECT RAISE(ABORT, 'a used spend code stays used'); END;

      ALTER TABLE terminal ADD COLUMN demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1));
      ALTER TABLE terminal ADD COLUMN program_keys TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE terminal ADD COLUMN last_booked_at INTEGER;

      ALTER TABLE programs ADD COLUMN signature TEXT;
      ALTER TABLE programs ADD COLUMN signed_text TEXT;

      DROP TABLE terminal_credentials;
      CREATE TABLE terminal_credentials (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        key_id TEXT NOT NULL,
        certificate TEXT NOT NULL,
        installed_at INTEGER NOT NULL
      ) STRICT;
    `);

    const members = db.prepare('SELECT id FROM members').pluck().all() as string[];
    const setRef = db.prepare('UPDATE members SET qr_ref = ? WHERE id = ?');
    for (const id of members) setRef.run(newMemberRef(new Uint8Array(randomBytes(12))), id);

    db.prepare(
      `UPDATE terminal SET last_booked_at = (SELECT max(t) FROM (
         SELECT max(booked_at) AS t FROM transfers UNION ALL SELECT max(created_at) FROM transactions UNION ALL SELECT max(updated_at) FROM members))`,
    ).run();

    // A terminal whose program trusts a key with a published secret is a demo terminal: it says so from now on.
    const program = db.prepare('SELECT p.body FROM programs p JOIN terminal t ON t.program_id = p.id AND t.program_version = p.version').pluck().get() as string | undefined;
    if (program !== undefined) {
      const keys = ((JSON.parse(program) as { cardCodes?: { verifyKeys?: { publicKey: string }[] } }).cardCodes?.verifyKeys ?? []);
      if (keys.some(isDemoKey)) db.prepare('UPDATE terminal SET demo = 1').run();
    }

    scrubAppendOnlyRows(db);
  },
};

function scrubAppendOnlyRows(db: Parameters<Migration['up']>[0]): void {
  const triggers = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ('transactions_append_only_update', 'print_jobs_content_fixed')`).all() as { name: string; sql: string }[];
  for (const t of triggers) db.exec(`DROP TRIGGER ${t.name}`);

  const requests = db.prepare('SELECT id, kind, request FROM transactions').all() as { id: string; kind: string; request: string }[];
  const setRequest = db.prepare('UPDATE transactions SET request = ? WHERE id = ?');
  for (const row of requests) {
    const request = JSON.parse(row.request) as Record<string, unknown>;
    let changed = false;
    if (row.kind === 'enrolment') {
      for (const field of ENROLMENT_PERSONAL_FIELDS) {
        if (field in request) {
          delete request[field];
          changed = true;
        }
      }
      if (Array.isArray(request['cards'])) {
        request['cards'] = (request['cards'] as unknown[]).map((c) => (typeof c === 'string' ? maskCard(c) : c));
        changed = true;
      }
    }
    if (typeof request['card'] === 'string') {
      request['card'] = maskCard(request['card']);
      changed = true;
    }
    if (changed) setRequest.run(JSON.stringify(request), row.id);
  }

  const jobs = db.prepare('SELECT id, slip FROM print_jobs').all() as { id: number; slip: string }[];
  const setSlip = db.prepare('UPDATE print_jobs SET slip = ? WHERE id = ?');
  for (const job of jobs) {
    const slip = JSON.parse(job.slip) as { member?: { name?: unknown; card?: unknown } };
    if (!slip.member) continue;
    slip.member.name = null;
    if (typeof slip.member.card === 'string') slip.member.card = maskCard(slip.member.card);
    setSlip.run(JSON.stringify(slip), job.id);
  }

  for (const t of triggers) db.exec(t.sql);
}

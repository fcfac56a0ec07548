import type { Migration } from './types.js';

/**
 * Receipt printing lives in the ledger file: configured printers, the print queue (a job is
 * written in the same transaction as the checkout it belongs to, so it survives a crash and is
 * never printed for a checkout that did not commit), and the terminal's member-QR signing key.
 */
export const migration0003: Migration = {
  version: 3,
  description: 'printers, print jobs, terminal signing credentials',
  up(db) {
    db.exec(`
      CREATE TABLE printers (
        id TEXT PRIMARY KEY,
        transport TEXT NOT NULL,
        profile TEXT NOT NULL,
        language TEXT NOT NULL CHECK (language IN ('en', 'ko')),
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE print_jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        printer_id TEXT NOT NULL REFERENCES printers (id),
        transaction_id TEXT REFERENCES transactions (id),
        kind TEXT NOT NULL CHECK (kind IN ('slip', 'reprint', 'test')),
        slip TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'printing', 'printed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at INTEGER NOT NULL,
        reprint_of INTEGER REFERENCES print_jobs (id),
        cancelled_by TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        printed_at INTEGER
      ) STRICT;
      CREATE INDEX print_jobs_printer_id_open ON print_jobs (printer_id, id) WHERE state IN ('pending', 'printing');
      CREATE INDEX print_jobs_transaction_id ON print_jobs (transaction_id) WHERE transaction_id IS NOT NULL;

      -- A job's content never changes once queued; only its progress does.
      CREATE TRIGGER print_jobs_content_fixed BEFORE UPDATE ON print_jobs
        WHEN NEW.id IS NOT OLD.id OR NEW.printer_id IS NOT OLD.printer_id OR NEW.transaction_id IS NOT OLD.transaction_id
          OR NEW.kind IS NOT OLD.kind OR NEW.slip IS NOT OLD.slip OR NEW.created_at IS NOT OLD.created_at
          OR OLD.state IN ('printed', 'cancelled')
        BEGIN SELECT RAISE(ABORT, 'a print job''s content is fixed, and a printed or cancelled job is final'); END;
      CREATE TRIGGER print_jobs_no_delete BEFORE DELETE ON print_jobs
        BEGIN SELECT RAISE(ABORT, 'print jobs are kept: cancel one instead'); END;

      CREATE TABLE terminal_credentials (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        key_id TEXT NOT NULL,
        secret_key TEXT NOT NULL,
        certificate TEXT NOT NULL,
        installed_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};

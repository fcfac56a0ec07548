import type { Migration } from './types.js';

/**
 * A once-only entry (a birthday, welcome or action bonus, an expiry) booked at two counters while
 * they were apart reaches the server twice under one id: the server keeps the copy that arrived
 * first and answers `exists` to the other. The counter whose copy was not kept learns so when the
 * kept copy comes back in a pull, and records it here: the member's points are the same either
 * way, but the entry is the other counter's to report (its end-of-day figures, and the server's
 * for it, leave it out). Own bookings only; a row is written once and never changed.
 *
 * The same holds for a member two counters erased while apart: each wrote an erased snapshot with
 * its own erasure time, every side keeps the same one (src/contract/member-order.ts), so a counter
 * may have to take the other's. The rule of 0004 ("an erased member stays erased") forbade any
 * change of `erased_at`, which made that pull fail; it now forbids what it is for: details, a PIN
 * or a QR reference coming back, or the erasure being undone.
 */
export const migration0012: Migration = {
  version: 12,
  description: 'two counters\' copies: once-only entries the server holds as another counter\'s booking, an erasure taken from another counter',
  up(db) {
    db.exec(`
      CREATE TABLE transfers_kept_elsewhere (
        transfer_id TEXT PRIMARY KEY REFERENCES transfers (id),
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        epoch INTEGER NOT NULL CHECK (epoch >= 1),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        booked_at INTEGER NOT NULL,
        learned_at INTEGER NOT NULL
      ) STRICT;
      CREATE TRIGGER transfers_kept_elsewhere_append_only_update BEFORE UPDATE ON transfers_kept_elsewhere
        BEGIN SELECT RAISE(ABORT, 'transfers_kept_elsewhere is append-only'); END;
      CREATE TRIGGER transfers_kept_elsewhere_append_only_delete BEFORE DELETE ON transfers_kept_elsewhere
        BEGIN SELECT RAISE(ABORT, 'transfers_kept_elsewhere is append-only'); END;

      DROP TRIGGER members_erased_final;
      CREATE TRIGGER members_stay_erased BEFORE UPDATE ON members
        WHEN OLD.erased_at IS NOT NULL AND (NEW.erased_at IS NULL OR NEW.name IS NOT NULL OR NEW.phone IS NOT NULL
          OR NEW.email IS NOT NULL OR NEW.birthday IS NOT NULL OR NEW.pin_hash IS NOT NULL OR NEW.qr_ref IS NOT NULL)
        BEGIN SELECT RAISE(ABORT, 'an erased member cannot get personal details back'); END;
    `);
  },
};

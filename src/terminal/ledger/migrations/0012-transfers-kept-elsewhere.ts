import type { Migration } from './types.js';

/**
 * A once-only entry (a birthday, welcome or action bonus, an expiry) booked at two counters while
 * they were apart reaches the server twice under one id: the server keeps the copy that arrived
 * first and answers `exists` to the other. The counter whose copy was not kept learns so when the
 * kept copy comes back in a pull, and records it here: the member's points are the same either
 * way, but the entry is the other counter's to report (its end-of-day figures, and the server's
 * for it, leave it out). Own bookings only; a row is written once and never changed.
 */
export const migration0012: Migration = {
  version: 12,
  description: 'transfers kept elsewhere: once-only entries the server holds as another counter\'s booking',
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
    `);
  },
};

import type { Migration } from './types.js';

/**
 * What lets a plain open skip the full integrity check (see ../open-check.ts): the terminal row
 * remembers when `integrity_check` and `foreign_key_check` last passed and on which file
 * (device:inode), and which processes have written to the ledger and not closed it yet (each
 * removes itself on a clean close, so an entry whose process is gone means an unclean shutdown).
 *
 * The view `open_checks` is what the open reads, and what support reads by hand
 * (`sqlite3 ledger.sqlite 'SELECT * FROM open_checks'`): the last full check in UTC besides the
 * instant. Columns on the singleton terminal row rather than a table of their own: they are one
 * row's worth of state about this one file.
 */
export const migration0006: Migration = {
  version: 6,
  description: 'last full integrity check and open writers, for cheap opens of a cleanly closed ledger',
  up(db) {
    db.exec(`
      -- Real-clock milliseconds when integrity_check and foreign_key_check last passed (recorded by an open that then wrote).
      ALTER TABLE terminal ADD COLUMN full_check_at INTEGER;
      -- The file that check read (device:inode): a copy, a restored backup or a replaced file is another one.
      ALTER TABLE terminal ADD COLUMN full_check_file TEXT;
      -- JSON array of {pid, boot, token, at}: opens that have written and are not closed yet.
      ALTER TABLE terminal ADD COLUMN open_writers TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(open_writers) AND json_type(open_writers) = 'array');

      CREATE VIEW open_checks AS
        SELECT full_check_at,
               strftime('%Y-%m-%dT%H:%M:%fZ', full_check_at / 1000.0, 'unixepoch') AS full_check_utc,
               full_check_file,
               restore_pending,
               open_writers
        FROM terminal WHERE singleton = 1;
    `);
  },
};

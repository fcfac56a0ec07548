import type { SqliteDatabase } from '../sqlite.js';
import type { Migration } from './types.js';

/**
 * Pulling from the server: where the terminal is in the server's change feed, and the rules that
 * let another terminal's offline spending show here.
 *
 * Two counters spending the same points offline is the one case the chain cannot prevent (it is
 * bounded by the offline budgets instead), and the server keeps both spends: the customer already
 * had the discount. A terminal that pulls them must be able to hold what the server holds — a
 * member balance, or a lot, below zero — so the CHECKs that said "never below zero" become
 * triggers that say "never below zero by this terminal's own bookings": they let a value go
 * negative only while a pulled page is being applied (a row in `pull_applying`, inside that
 * transaction). The CHECKs are removed by editing their text in the schema, the procedure SQLite
 * documents for dropping a CHECK (nothing on disk changes; the file is integrity-checked after).
 */
function dropCheck(db: SqliteDatabase, table: string, check: string, replacement: string): void {
  const sql = db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`).pluck().get(table) as string;
  if (!sql.includes(check)) throw new Error(`${table}: the constraint "${check}" is not where migration 0008 expects it`);
  const version = db.pragma('schema_version', { simple: true }) as number;
  db.unsafeMode(true);
  try {
    db.pragma('writable_schema = ON');
    db.prepare(`UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?`).run(sql.replace(check, replacement), table);
    db.pragma(`schema_version = ${version + 1}`);
    db.pragma('writable_schema = OFF');
  } finally {
    db.unsafeMode(false);
  }
}

export const migration0008: Migration = {
  version: 8,
  description: 'pull: the change-feed cursor, members with withheld contact details, and balances other terminals can overdraw',
  up(db) {
    dropCheck(db, 'accounts', `,
        -- A terminal never lets a member's points go below zero.
        CHECK (kind <> 'member-points' OR balance >= 0)`, '');
    dropCheck(db, 'lots', 'CHECK (remaining >= 0 AND remaining <= points)', 'CHECK (remaining <= points)');
    db.exec(`
      ALTER TABLE sync_state ADD COLUMN pull_cursor TEXT CHECK (pull_cursor IS NULL OR pull_cursor GLOB '[0-9]*');
      ALTER TABLE sync_state ADD COLUMN pulled_at INTEGER;
      -- Set when a restored backup starts a new epoch: the next pull asks for this terminal's own
      -- entries too (those booked after the backup exist only on the server now).
      ALTER TABLE sync_state ADD COLUMN repull_own INTEGER NOT NULL DEFAULT 0 CHECK (repull_own IN (0, 1));
      -- A member enrolled at another store arrives without phone and e-mail: this terminal must not
      -- write the record back (it would wipe them on the server).
      ALTER TABLE members ADD COLUMN contact_withheld INTEGER NOT NULL DEFAULT 0 CHECK (contact_withheld IN (0, 1));

      -- Rows that came from the server (another counter's, or this one's own after a restore): they
      -- have no outbox row and are not part of this terminal's bookings.
      ALTER TABLE members ADD COLUMN pulled INTEGER NOT NULL DEFAULT 0 CHECK (pulled IN (0, 1));
      ALTER TABLE transactions ADD COLUMN pulled INTEGER NOT NULL DEFAULT 0 CHECK (pulled IN (0, 1));
      ALTER TABLE transfers ADD COLUMN pulled INTEGER NOT NULL DEFAULT 0 CHECK (pulled IN (0, 1));
      ALTER TABLE events ADD COLUMN pulled INTEGER NOT NULL DEFAULT 0 CHECK (pulled IN (0, 1));

      CREATE TABLE pull_applying (singleton INTEGER PRIMARY KEY CHECK (singleton = 1)) STRICT;

      CREATE TRIGGER accounts_points_never_negative_here BEFORE UPDATE OF balance ON accounts
        WHEN NEW.kind = 'member-points' AND NEW.balance < 0 AND NEW.balance < OLD.balance AND NOT EXISTS (SELECT 1 FROM pull_applying)
        BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: a member''s points cannot go below zero at this terminal'); END;
      CREATE TRIGGER accounts_points_never_created_negative BEFORE INSERT ON accounts
        WHEN NEW.kind = 'member-points' AND NEW.balance < 0
        BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: a member''s points cannot go below zero at this terminal'); END;
      CREATE TRIGGER lots_never_overdrawn_here BEFORE UPDATE OF remaining ON lots
        WHEN NEW.remaining < 0 AND NOT EXISTS (SELECT 1 FROM pull_applying)
        BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: a lot cannot be drawn below zero at this terminal'); END;
      CREATE TRIGGER lots_never_created_overdrawn BEFORE INSERT ON lots
        WHEN NEW.remaining < 0 AND NOT EXISTS (SELECT 1 FROM pull_applying)
        BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: a lot cannot be drawn below zero at this terminal'); END;
    `);
  },
};

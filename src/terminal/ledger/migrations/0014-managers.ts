import type { Migration } from './types.js';

/**
 * The terminal's managers: who may authorise corrections and change settings at this counter.
 * Local to the terminal (a store's staff, not chain data: nothing here is synced). A manager's PIN
 * is kept only as a salted scrypt hash (trust/pin.ts). Wrong tries are counted on the row, so a
 * restart does not give an attacker five fresh tries; at five the manager is locked until another
 * manager (or whoever runs `tally manager pin` at the machine) sets a new PIN. A manager is never
 * deleted (their id stays on the entries they authorised): `removed_at` retires them.
 */
export const migration0014: Migration = {
  version: 14,
  description: 'managers: who may authorise corrections at this terminal, with a scrypt PIN hash and a lockout count',
  up(db) {
    db.exec(`
      CREATE TABLE managers (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 32),
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        pin_hash TEXT NOT NULL CHECK (pin_hash LIKE 'scrypt$%'),
        pin_failures INTEGER NOT NULL DEFAULT 0 CHECK (pin_failures >= 0),
        created_at INTEGER NOT NULL,
        created_by TEXT,
        pin_set_at INTEGER NOT NULL,
        removed_at INTEGER
      ) STRICT, WITHOUT ROWID;
      CREATE TRIGGER managers_no_delete BEFORE DELETE ON managers
        BEGIN SELECT RAISE(ABORT, 'managers are retired (removed_at), never deleted: their id is on the entries they authorised'); END;
    `);
  },
};

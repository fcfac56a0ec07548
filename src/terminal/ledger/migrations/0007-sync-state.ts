import type { Migration } from './types.js';

/**
 * Where this terminal syncs: the central server's address (its credential is a secret, kept in the
 * secret store beside the ledger, never here), and how the last sync went, for the screens and
 * `tally sync`. One row: a terminal talks to one server.
 */
export const migration0007: Migration = {
  version: 7,
  description: 'sync state: the central server this terminal is enrolled with, and its last sync',
  up(db) {
    db.exec(`
      CREATE TABLE sync_state (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        server_url TEXT NOT NULL,
        enrolled_at INTEGER NOT NULL,
        last_push_at INTEGER,
        last_error TEXT
      ) STRICT;
    `);
  },
};

import type { Migration } from './types.js';

/**
 * Spending while offline, within what the server granted in advance (`spending.offline` in the
 * program, src/core/rules/spending.ts): the grants this terminal received, and each offline spend
 * booked against one (the limits are checked against these rows inside the spend's transaction).
 * `pull_complete_at` is when a pull last reached the end of the server's feed: how fresh what this
 * terminal knows of every member is.
 */
export const migration0009: Migration = {
  version: 9,
  description: 'offline budgets: grants from the server and the spends booked against them',
  up(db) {
    db.exec(`
      CREATE TABLE offline_grants (
        id TEXT PRIMARY KEY,
        points INTEGER NOT NULL CHECK (points >= 0),
        per_transaction INTEGER NOT NULL CHECK (per_transaction > 0),
        per_member INTEGER NOT NULL CHECK (per_member > 0),
        snapshot_max_age_ms INTEGER NOT NULL CHECK (snapshot_max_age_ms > 0),
        -- On the server's clock; server_offset_ms = server clock − this terminal's, when received.
        granted_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL CHECK (expires_at > granted_at),
        server_offset_ms INTEGER NOT NULL,
        received_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE offline_spends (
        transaction_id TEXT PRIMARY KEY REFERENCES transactions (id),
        grant_id TEXT NOT NULL REFERENCES offline_grants (id),
        member_id TEXT NOT NULL REFERENCES members (id),
        points INTEGER NOT NULL CHECK (points > 0)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX offline_spends_grant_member ON offline_spends (grant_id, member_id);
      CREATE TRIGGER offline_grants_append_only_update BEFORE UPDATE ON offline_grants
        BEGIN SELECT RAISE(ABORT, 'offline grants are append-only'); END;
      CREATE TRIGGER offline_grants_append_only_delete BEFORE DELETE ON offline_grants
        BEGIN SELECT RAISE(ABORT, 'offline grants are append-only'); END;
      CREATE TRIGGER offline_spends_append_only_update BEFORE UPDATE ON offline_spends
        BEGIN SELECT RAISE(ABORT, 'offline spends are append-only'); END;
      CREATE TRIGGER offline_spends_append_only_delete BEFORE DELETE ON offline_spends
        BEGIN SELECT RAISE(ABORT, 'offline spends are append-only'); END;
      ALTER TABLE sync_state ADD COLUMN pull_complete_at INTEGER;
    `);
  },
};

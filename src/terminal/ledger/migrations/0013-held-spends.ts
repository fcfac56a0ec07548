import type { Migration } from './types.js';

/**
 * A spend booked under a server hold names this terminal's offline budget as its fallback: if its
 * push reaches the server only after the hold expired (the link was down; the held points may have
 * been spent at another counter by then), the server counts it against that budget like an offline
 * spend. The counter therefore books a held spend only within the budget's room, and counts it
 * there until the server's answer says what became of it: `posted` (the hold was there: it no longer
 * takes room) or `counted` (the hold had lapsed: it stays counted, as on the server). Unsettled, it
 * takes room, so the budget bounds what late pushes can overdraw. A row is written with its spend
 * and settled once; its terms never change and it is never deleted.
 */
export const migration0013: Migration = {
  version: 13,
  description: 'held spends: spends booked under a hold, counted against their fallback offline budget until the server posts the hold',
  up(db) {
    db.exec(`
      CREATE TABLE held_spends (
        transaction_id TEXT PRIMARY KEY REFERENCES transactions (id),
        hold_id TEXT NOT NULL,
        grant_id TEXT NOT NULL REFERENCES offline_grants (id),
        member_id TEXT NOT NULL REFERENCES members (id),
        points INTEGER NOT NULL CHECK (points > 0),
        settled TEXT CHECK (settled IN ('posted', 'counted')),
        settled_at INTEGER,
        CHECK ((settled IS NULL) = (settled_at IS NULL))
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX held_spends_grant_member ON held_spends (grant_id, member_id);
      CREATE TRIGGER held_spends_settle_once BEFORE UPDATE ON held_spends
        WHEN OLD.settled IS NOT NULL OR NEW.transaction_id IS NOT OLD.transaction_id OR NEW.hold_id IS NOT OLD.hold_id
          OR NEW.grant_id IS NOT OLD.grant_id OR NEW.member_id IS NOT OLD.member_id OR NEW.points IS NOT OLD.points
        BEGIN SELECT RAISE(ABORT, 'a held spend is settled once and its terms never change'); END;
      CREATE TRIGGER held_spends_no_delete BEFORE DELETE ON held_spends
        BEGIN SELECT RAISE(ABORT, 'held spends are never deleted'); END;
    `);
  },
};

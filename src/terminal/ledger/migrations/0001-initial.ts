import type { Migration } from './types.js';

/**
 * The first ledger schema. Booked rows are append-only (triggers refuse UPDATE of booked columns
 * and every DELETE); cached columns (account balances, lot remainders) may only move the way the
 * ledger moves them, and `verify` recomputes them from transfers.
 */
export const migration0001: Migration = {
  version: 1,
  description: 'ledger: terminal, programs, members, card codes, accounts, transactions, transfers, lots, events, outbox',
  up(db) {
    db.exec(`
      CREATE TABLE terminal (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        time_zone TEXT NOT NULL,
        program_id TEXT NOT NULL,
        program_version INTEGER NOT NULL,
        epoch INTEGER NOT NULL CHECK (epoch >= 1),
        next_seq INTEGER NOT NULL CHECK (next_seq >= 1),
        -- Set in a backup copy: the first writable open of a restored file starts a new epoch, so
        -- sequence numbers already used after the backup are never reused.
        restore_pending INTEGER NOT NULL DEFAULT 0 CHECK (restore_pending IN (0, 1)),
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE programs (
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        body TEXT NOT NULL,
        installed_at INTEGER NOT NULL,
        PRIMARY KEY (id, version)
      ) STRICT;

      CREATE TABLE members (
        id TEXT PRIMARY KEY,
        name TEXT,
        phone TEXT,
        email TEXT,
        birthday TEXT,
        marketing_consent INTEGER NOT NULL CHECK (marketing_consent IN (0, 1)),
        enrolled_at INTEGER NOT NULL,
        enrolled_by TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE card_codes (
        code TEXT PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES members (id),
        added_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX card_codes_member_id ON card_codes (member_id);

      CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('member-points', 'member-spend', 'program', 'charity', 'store-risk')),
        unit TEXT NOT NULL CHECK (unit IN ('points', 'money')),
        member_id TEXT REFERENCES members (id),
        balance INTEGER NOT NULL DEFAULT 0,
        -- A terminal never lets a member's points go below zero.
        CHECK (kind <> 'member-points' OR balance >= 0)
      ) STRICT;

      CREATE TABLE transactions (
        id TEXT PRIMARY KEY,
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('checkout', 'return', 'action', 'donation', 'membership', 'enrolment', 'adjustment')),
        txn_id TEXT NOT NULL,
        member_id TEXT NOT NULL REFERENCES members (id),
        original_id TEXT REFERENCES transactions (id),
        request_hash TEXT NOT NULL,
        request TEXT NOT NULL,
        record TEXT NOT NULL,
        result TEXT NOT NULL,
        cashier TEXT,
        created_at INTEGER NOT NULL,
        UNIQUE (store_id, terminal_id, kind, txn_id)
      ) STRICT;
      CREATE INDEX transactions_original_id ON transactions (original_id) WHERE original_id IS NOT NULL;
      CREATE INDEX transactions_member_id ON transactions (member_id);

      CREATE TABLE transfers (
        id TEXT PRIMARY KEY,
        terminal_id TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        unit TEXT NOT NULL CHECK (unit IN ('points', 'money')),
        amount INTEGER NOT NULL CHECK (amount > 0),
        debit_account TEXT NOT NULL REFERENCES accounts (id),
        credit_account TEXT NOT NULL REFERENCES accounts (id),
        member_id TEXT NOT NULL REFERENCES members (id),
        business_key TEXT NOT NULL UNIQUE,
        period_kind TEXT,
        period TEXT,
        transaction_id TEXT REFERENCES transactions (id),
        store_id TEXT NOT NULL,
        pos_txn_id TEXT,
        cashier TEXT,
        money_amount INTEGER,
        currency TEXT NOT NULL,
        program_id TEXT NOT NULL,
        program_version INTEGER NOT NULL,
        earn_rate_points INTEGER,
        earn_rate_per INTEGER,
        effective_at INTEGER NOT NULL,
        booked_at INTEGER NOT NULL,
        local_time TEXT NOT NULL,
        detail TEXT NOT NULL,
        CHECK (debit_account <> credit_account),
        CHECK ((period_kind IS NULL) = (period IS NULL)),
        UNIQUE (terminal_id, epoch, seq)
      ) STRICT;
      CREATE INDEX transfers_member_id_kind ON transfers (member_id, kind);
      CREATE INDEX transfers_transaction_id ON transfers (transaction_id) WHERE transaction_id IS NOT NULL;

      CREATE TABLE lots (
        id TEXT PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES members (id),
        transfer_id TEXT NOT NULL REFERENCES transfers (id),
        points INTEGER NOT NULL CHECK (points > 0),
        remaining INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= points),
        earned_at INTEGER NOT NULL,
        expires_at INTEGER
      ) STRICT;
      CREATE INDEX lots_member_id_open ON lots (member_id) WHERE remaining > 0;

      CREATE TABLE lot_draws (
        transfer_id TEXT NOT NULL REFERENCES transfers (id),
        lot_id TEXT NOT NULL REFERENCES lots (id),
        points INTEGER NOT NULL CHECK (points > 0),
        PRIMARY KEY (transfer_id, lot_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX lot_draws_lot_id ON lot_draws (lot_id);

      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES members (id),
        kind TEXT NOT NULL,
        period TEXT NOT NULL,
        business_key TEXT NOT NULL UNIQUE,
        terminal_id TEXT NOT NULL,
        detail TEXT NOT NULL,
        booked_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX events_member_id ON events (member_id);

      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entity TEXT NOT NULL CHECK (entity IN ('transfer', 'member', 'transaction', 'event')),
        entity_id TEXT NOT NULL,
        entity_version INTEGER,
        created_at INTEGER NOT NULL,
        acked_at INTEGER
      ) STRICT;
      CREATE INDEX outbox_pending ON outbox (id) WHERE acked_at IS NULL;
      CREATE INDEX outbox_entity_entity_id ON outbox (entity, entity_id);

      CREATE TRIGGER transfers_append_only_update BEFORE UPDATE ON transfers
        BEGIN SELECT RAISE(ABORT, 'transfers are append-only: book a correcting transfer instead'); END;
      CREATE TRIGGER transfers_append_only_delete BEFORE DELETE ON transfers
        BEGIN SELECT RAISE(ABORT, 'transfers are append-only: book a correcting transfer instead'); END;
      CREATE TRIGGER transactions_append_only_update BEFORE UPDATE ON transactions
        BEGIN SELECT RAISE(ABORT, 'transactions are append-only'); END;
      CREATE TRIGGER transactions_append_only_delete BEFORE DELETE ON transactions
        BEGIN SELECT RAISE(ABORT, 'transactions are append-only'); END;
      CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER lot_draws_append_only_update BEFORE UPDATE ON lot_draws
        BEGIN SELECT RAISE(ABORT, 'lot draws are append-only'); END;
      CREATE TRIGGER lot_draws_append_only_delete BEFORE DELETE ON lot_draws
        BEGIN SELECT RAISE(ABORT, 'lot draws are append-only'); END;
      CREATE TRIGGER lots_booked_columns BEFORE UPDATE ON lots
        WHEN NEW.id IS NOT OLD.id OR NEW.member_id IS NOT OLD.member_id OR NEW.transfer_id IS NOT OLD.transfer_id
          OR NEW.points IS NOT OLD.points OR NEW.earned_at IS NOT OLD.earned_at OR NEW.expires_at IS NOT OLD.expires_at
          OR NEW.remaining > OLD.remaining
        BEGIN SELECT RAISE(ABORT, 'lots only ever shrink: their booked columns cannot change'); END;
      CREATE TRIGGER lots_no_delete BEFORE DELETE ON lots
        BEGIN SELECT RAISE(ABORT, 'lots are never deleted'); END;
      CREATE TRIGGER accounts_booked_columns BEFORE UPDATE ON accounts
        WHEN NEW.id IS NOT OLD.id OR NEW.kind IS NOT OLD.kind OR NEW.unit IS NOT OLD.unit OR NEW.member_id IS NOT OLD.member_id
        BEGIN SELECT RAISE(ABORT, 'an account''s identity cannot change'); END;
      CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
        BEGIN SELECT RAISE(ABORT, 'accounts are never deleted'); END;
      CREATE TRIGGER card_codes_no_update BEFORE UPDATE ON card_codes
        BEGIN SELECT RAISE(ABORT, 'card codes cannot be changed'); END;
      CREATE TRIGGER card_codes_no_delete BEFORE DELETE ON card_codes
        BEGIN SELECT RAISE(ABORT, 'card codes cannot be deleted'); END;
      CREATE TRIGGER members_no_delete BEFORE DELETE ON members
        BEGIN SELECT RAISE(ABORT, 'members are never deleted'); END;
      CREATE TRIGGER outbox_booked_columns BEFORE UPDATE ON outbox
        WHEN NEW.id IS NOT OLD.id OR NEW.entity IS NOT OLD.entity OR NEW.entity_id IS NOT OLD.entity_id
          OR NEW.entity_version IS NOT OLD.entity_version OR NEW.created_at IS NOT OLD.created_at
          OR OLD.acked_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'an outbox row only changes once: when the server acknowledges it'); END;
      CREATE TRIGGER outbox_delete_only_acked BEFORE DELETE ON outbox
        WHEN OLD.acked_at IS NULL
        BEGIN SELECT RAISE(ABORT, 'an outbox row not yet acknowledged by the server cannot be deleted'); END;
    `);
  },
};

/**
 * The server's SQLite schema, one entry per version (`PRAGMA user_version`), applied in one
 * transaction by `migrate()`. The PostgreSQL adapter has the same tables, keys and rules in its own
 * dialect (../postgres/migrations.ts): change both together, and the shared suite checks both.
 *
 * Tables: reference data (stores, programs, terminals, enrolment_codes), the push bookkeeping per
 * terminal (terminal_sequences, resent_transfers), member-keyed data whose primary key starts with
 * member_id (members, member_cards, transfers, lots, lot_draws, transactions, events,
 * member_balances), the card index keyed by code, and alerts. Booked rows are append-only: triggers
 * refuse UPDATE and DELETE (lots may only shrink, through their `remaining`).
 */
export interface SqliteMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description: 'server: stores, programs, terminals, enrolment codes, sequences, members, cards, transfers, lots, transactions, events, balances, alerts',
    sql: `
      CREATE TABLE stores (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        time_zone TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE programs (
        id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        text TEXT NOT NULL,
        published_at INTEGER NOT NULL,
        PRIMARY KEY (id, version)
      ) STRICT;

      CREATE TABLE terminals (
        store_id TEXT NOT NULL REFERENCES stores (id),
        terminal_id TEXT NOT NULL,
        credential_hash TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
        key_id TEXT,
        certificate TEXT,
        enrolled_at INTEGER NOT NULL,
        revoked_at INTEGER,
        PRIMARY KEY (store_id, terminal_id),
        CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
      ) STRICT;

      -- The code itself is shown once and never stored: only its hash.
      CREATE TABLE enrolment_codes (
        code_hash TEXT PRIMARY KEY,
        store_id TEXT NOT NULL REFERENCES stores (id),
        terminal_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      ) STRICT;

      -- The last seq held per (terminal, epoch): the push's sequence rule reads and moves it.
      CREATE TABLE terminal_sequences (
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        epoch INTEGER NOT NULL CHECK (epoch >= 1),
        last_seq INTEGER NOT NULL CHECK (last_seq >= 0),
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (store_id, terminal_id, epoch)
      ) STRICT, WITHOUT ROWID;

      -- A seq whose transfer was already held (exists / exists_with_different) is still used up;
      -- it is recorded here so verify can check that 1 … last_seq are all accounted for.
      CREATE TABLE resent_transfers (
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        epoch INTEGER NOT NULL CHECK (epoch >= 1),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        transfer_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('exists', 'exists_with_different')),
        received_at INTEGER NOT NULL,
        PRIMARY KEY (store_id, terminal_id, epoch, seq)
      ) STRICT, WITHOUT ROWID;

      -- One row per member: the latest version only (an erasure must not leave older copies).
      CREATE TABLE members (
        member_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL CHECK (version >= 1),
        name TEXT,
        erased_at INTEGER,
        updated_at INTEGER NOT NULL,
        identity_hash BLOB NOT NULL,
        record TEXT NOT NULL,
        stored_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE member_cards (
        member_id TEXT NOT NULL,
        code TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (member_id, code)
      ) STRICT, WITHOUT ROWID;

      -- Card lookup by code. Citus cannot enforce a unique index that lacks the distribution column
      -- (member_id), so codes are kept unique in this small table keyed by code instead.
      CREATE TABLE card_index (
        code TEXT PRIMARY KEY,
        member_id TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE transfers (
        member_id TEXT NOT NULL,
        id TEXT NOT NULL,
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        epoch INTEGER NOT NULL CHECK (epoch >= 1),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        kind TEXT NOT NULL,
        unit TEXT NOT NULL CHECK (unit IN ('points', 'money')),
        amount INTEGER NOT NULL CHECK (amount > 0),
        debit_account TEXT NOT NULL,
        credit_account TEXT NOT NULL,
        business_key TEXT NOT NULL,
        period_kind TEXT,
        period TEXT,
        transaction_id TEXT,
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
        identity_hash BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (member_id, id),
        UNIQUE (member_id, business_key),
        CHECK (debit_account <> credit_account),
        CHECK ((period_kind IS NULL) = (period IS NULL))
      ) STRICT, WITHOUT ROWID;

      -- remaining = points − draws; it may go below zero when two terminals offline drew the same
      -- points (kept, never dropped; verify names it).
      CREATE TABLE lots (
        member_id TEXT NOT NULL,
        id TEXT NOT NULL,
        transfer_id TEXT NOT NULL,
        points INTEGER NOT NULL CHECK (points > 0),
        remaining INTEGER NOT NULL,
        earned_at INTEGER NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (member_id, id)
      ) STRICT, WITHOUT ROWID;

      -- Keyed by lot first: a lot arriving after a draw from it (another terminal's batch came first)
      -- finds its draws by this key.
      CREATE TABLE lot_draws (
        member_id TEXT NOT NULL,
        lot_id TEXT NOT NULL,
        transfer_id TEXT NOT NULL,
        points INTEGER NOT NULL CHECK (points > 0),
        PRIMARY KEY (member_id, lot_id, transfer_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE transactions (
        member_id TEXT NOT NULL,
        id TEXT NOT NULL,
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('checkout', 'return', 'action', 'donation', 'membership', 'enrolment', 'adjustment')),
        txn_id TEXT NOT NULL,
        original_id TEXT,
        request_hash TEXT NOT NULL,
        request TEXT NOT NULL,
        record TEXT NOT NULL,
        result TEXT NOT NULL,
        cashier TEXT,
        created_at INTEGER NOT NULL,
        identity_hash BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (member_id, id),
        UNIQUE (member_id, store_id, terminal_id, kind, txn_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE events (
        member_id TEXT NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        period TEXT NOT NULL,
        business_key TEXT NOT NULL,
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        detail TEXT NOT NULL,
        booked_at INTEGER NOT NULL,
        identity_hash BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (member_id, id),
        UNIQUE (member_id, business_key)
      ) STRICT, WITHOUT ROWID;

      -- Member accounts only (member:<id> points, member-spend:<id> money). Program-wide accounts
      -- are computed by aggregation in verify: a balance row for them would be one hot row every
      -- push contends on.
      CREATE TABLE member_balances (
        member_id TEXT NOT NULL,
        account TEXT NOT NULL,
        balance INTEGER NOT NULL,
        PRIMARY KEY (member_id, account),
        CHECK (account = 'member:' || member_id OR account = 'member-spend:' || member_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        detail TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

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
      CREATE TRIGGER resent_transfers_append_only_update BEFORE UPDATE ON resent_transfers
        BEGIN SELECT RAISE(ABORT, 'resent transfers are append-only'); END;
      CREATE TRIGGER resent_transfers_append_only_delete BEFORE DELETE ON resent_transfers
        BEGIN SELECT RAISE(ABORT, 'resent transfers are append-only'); END;
      CREATE TRIGGER lots_booked_columns BEFORE UPDATE ON lots
        WHEN NEW.member_id IS NOT OLD.member_id OR NEW.id IS NOT OLD.id OR NEW.transfer_id IS NOT OLD.transfer_id
          OR NEW.points IS NOT OLD.points OR NEW.earned_at IS NOT OLD.earned_at OR NEW.expires_at IS NOT OLD.expires_at
          OR NEW.remaining > OLD.remaining
        BEGIN SELECT RAISE(ABORT, 'lots only ever shrink: their booked columns cannot change'); END;
      CREATE TRIGGER lots_no_delete BEFORE DELETE ON lots
        BEGIN SELECT RAISE(ABORT, 'lots are never deleted'); END;
      CREATE TRIGGER member_balances_no_delete BEFORE DELETE ON member_balances
        BEGIN SELECT RAISE(ABORT, 'balances are never deleted'); END;
      CREATE TRIGGER members_no_delete BEFORE DELETE ON members
        BEGIN SELECT RAISE(ABORT, 'members are never deleted (an erasure is a new version)'); END;
    `,
  },
  {
    version: 2,
    description: 'server: the change log terminals pull from',
    sql: `
      -- One row per booked entry and per member version, in commit order (pushes are serialised on
      -- SQLite): a terminal's pull cursor is a position in this log. Filled by triggers, so no
      -- write path can forget it.
      CREATE TABLE changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        member_id TEXT NOT NULL,
        entity TEXT NOT NULL CHECK (entity IN ('member', 'transaction', 'transfer', 'event')),
        entity_id TEXT NOT NULL
      ) STRICT;
      CREATE TRIGGER changes_append_only BEFORE UPDATE ON changes
        BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
      CREATE TRIGGER changes_no_delete BEFORE DELETE ON changes
        BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
      CREATE TRIGGER members_changed_insert AFTER INSERT ON members
        BEGIN INSERT INTO changes (member_id, entity, entity_id) VALUES (NEW.member_id, 'member', NEW.member_id); END;
      CREATE TRIGGER members_changed_update AFTER UPDATE ON members
        BEGIN INSERT INTO changes (member_id, entity, entity_id) VALUES (NEW.member_id, 'member', NEW.member_id); END;
      CREATE TRIGGER transactions_changed AFTER INSERT ON transactions
        BEGIN INSERT INTO changes (member_id, entity, entity_id) VALUES (NEW.member_id, 'transaction', NEW.id); END;
      CREATE TRIGGER transfers_changed AFTER INSERT ON transfers
        BEGIN INSERT INTO changes (member_id, entity, entity_id) VALUES (NEW.member_id, 'transfer', NEW.id); END;
      CREATE TRIGGER events_changed AFTER INSERT ON events
        BEGIN INSERT INTO changes (member_id, entity, entity_id) VALUES (NEW.member_id, 'event', NEW.id); END;
      -- Entries pushed before this version: logged once, in the order they were received.
      INSERT INTO changes (member_id, entity, entity_id) SELECT member_id, 'member', member_id FROM members ORDER BY stored_at, member_id;
      INSERT INTO changes (member_id, entity, entity_id) SELECT member_id, 'transaction', id FROM transactions ORDER BY received_at, member_id, id;
      INSERT INTO changes (member_id, entity, entity_id) SELECT member_id, 'transfer', id FROM transfers ORDER BY received_at, store_id, terminal_id, epoch, seq;
      INSERT INTO changes (member_id, entity, entity_id) SELECT member_id, 'event', id FROM events ORDER BY received_at, member_id, id;
    `,
  },
  {
    version: 3,
    description: 'server: holds, offline budgets and the spends booked against them, a store\'s own budget',
    sql: `
      ALTER TABLE stores ADD COLUMN offline_budget_points INTEGER CHECK (offline_budget_points IS NULL OR offline_budget_points >= 0);
      -- A hold on a member's points for one online spend, on the server's clock: posted when the
      -- spend arrives, voided when the counter gives up, or left to expire; resolved at most once.
      -- End of day reads one terminal's day: without these it would scan the whole journal.
      CREATE INDEX transfers_terminal_day ON transfers (store_id, terminal_id, booked_at);
      CREATE INDEX transactions_terminal_day ON transactions (store_id, terminal_id, created_at);
      CREATE TABLE holds (
        member_id TEXT NOT NULL,
        id TEXT NOT NULL,
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        points INTEGER NOT NULL CHECK (points > 0),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
        state TEXT NOT NULL CHECK (state IN ('held', 'posted', 'voided')),
        resolved_at INTEGER,
        transaction_id TEXT,
        PRIMARY KEY (member_id, id),
        CHECK ((state = 'held') = (resolved_at IS NULL)),
        CHECK ((state = 'posted') = (transaction_id IS NOT NULL))
      ) STRICT, WITHOUT ROWID;
      CREATE TRIGGER holds_resolved_once BEFORE UPDATE ON holds
        WHEN OLD.state <> 'held' OR NEW.member_id IS NOT OLD.member_id OR NEW.id IS NOT OLD.id OR NEW.store_id IS NOT OLD.store_id
          OR NEW.terminal_id IS NOT OLD.terminal_id OR NEW.points IS NOT OLD.points OR NEW.created_at IS NOT OLD.created_at
          OR NEW.expires_at IS NOT OLD.expires_at OR NEW.resolved_at > OLD.expires_at
        BEGIN SELECT RAISE(ABORT, 'a hold is resolved once, before it expires, and its terms never change'); END;
      CREATE TRIGGER holds_no_delete BEFORE DELETE ON holds
        BEGIN SELECT RAISE(ABORT, 'holds are never deleted'); END;
      -- What a terminal may let members spend while offline, granted in advance (one at a time).
      CREATE TABLE offline_grants (
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        id TEXT NOT NULL,
        points INTEGER NOT NULL CHECK (points >= 0),
        per_transaction INTEGER NOT NULL CHECK (per_transaction > 0),
        per_member INTEGER NOT NULL CHECK (per_member > 0),
        snapshot_max_age_ms INTEGER NOT NULL CHECK (snapshot_max_age_ms > 0),
        granted_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL CHECK (expires_at > granted_at),
        PRIMARY KEY (store_id, terminal_id, id)
      ) STRICT, WITHOUT ROWID;
      CREATE TRIGGER offline_grants_append_only BEFORE UPDATE ON offline_grants
        BEGIN SELECT RAISE(ABORT, 'offline grants are append-only'); END;
      CREATE TRIGGER offline_grants_no_delete BEFORE DELETE ON offline_grants
        BEGIN SELECT RAISE(ABORT, 'offline grants are append-only'); END;
      CREATE TABLE offline_spends (
        member_id TEXT NOT NULL,
        transaction_id TEXT NOT NULL,
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        grant_id TEXT NOT NULL,
        points INTEGER NOT NULL CHECK (points > 0),
        received_at INTEGER NOT NULL,
        PRIMARY KEY (member_id, transaction_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX offline_spends_grant ON offline_spends (store_id, terminal_id, grant_id);
      CREATE TRIGGER offline_spends_append_only BEFORE UPDATE ON offline_spends
        BEGIN SELECT RAISE(ABORT, 'offline spends are append-only'); END;
      CREATE TRIGGER offline_spends_no_delete BEFORE DELETE ON offline_spends
        BEGIN SELECT RAISE(ABORT, 'offline spends are append-only'); END;
    `,
  },
  {
    version: 4,
    description: 'server: the lots a hold reserves, so concurrent holds never draw one lot twice',
    sql: `
      -- The lots (and points of each) the server assigned to a hold when it granted it: the spend draws
      -- exactly these, and a later hold is assigned only what unexpired holds leave of a lot. Terms of
      -- the hold: never changed, never deleted.
      CREATE TABLE hold_lots (
        member_id TEXT NOT NULL,
        hold_id TEXT NOT NULL,
        lot_id TEXT NOT NULL,
        points INTEGER NOT NULL CHECK (points > 0),
        PRIMARY KEY (member_id, hold_id, lot_id),
        FOREIGN KEY (member_id, hold_id) REFERENCES holds (member_id, id)
      ) STRICT, WITHOUT ROWID;
      CREATE TRIGGER hold_lots_append_only BEFORE UPDATE ON hold_lots
        BEGIN SELECT RAISE(ABORT, 'the lots of a hold never change'); END;
      CREATE TRIGGER hold_lots_no_delete BEFORE DELETE ON hold_lots
        BEGIN SELECT RAISE(ABORT, 'the lots of a hold never change'); END;
    `,
  },
  {
    version: 5,
    description: 'server: a held spend that arrives after its hold lapsed is counted against the offline budget it named as its fallback',
    sql: `
      -- A spend booked under a hold names the counter's offline budget as its fallback; when its push
      -- reaches the server only after the hold expired (the reserved points may be spent elsewhere by
      -- then) it is counted here against that budget like an offline spend, with the hold it was
      -- booked under: the budget, not luck, bounds what a late push can overdraw. Null: an offline spend.
      ALTER TABLE offline_spends ADD COLUMN hold_id TEXT;
    `,
  },
];

export const SQLITE_LATEST_VERSION = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;

/**
 * The server's PostgreSQL schema, one entry per version, recorded in `schema_migrations` and applied
 * in one transaction by `migrate()`. Same tables, keys and rules as the SQLite schema
 * (../sqlite/migrations.ts), in this dialect: times and amounts are `bigint` (UTC ms, integers),
 * JSON is `jsonb`, identity hashes `bytea`.
 *
 * Citus-ready: member-keyed tables have `member_id` first in their primary key and in every unique
 * constraint (the distribution column); stores, programs, terminals and enrolment codes are small
 * reference tables; the sequence bookkeeping, the card index (keyed by code) and alerts are not
 * member-keyed. tests/integration/server-store-postgres.test.ts reads the catalog and holds every
 * table to its classification.
 */
export interface PgMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'server: stores, programs, terminals, enrolment codes, sequences, members, cards, transfers, lots, transactions, events, balances, alerts',
    sql: `
      CREATE FUNCTION tally_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
      END
      $fn$;

      -- Lots only ever shrink: booked columns are fixed, remaining may only go down.
      CREATE FUNCTION tally_lots_shrink_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NEW.member_id IS DISTINCT FROM OLD.member_id OR NEW.id IS DISTINCT FROM OLD.id OR NEW.transfer_id IS DISTINCT FROM OLD.transfer_id
           OR NEW.points IS DISTINCT FROM OLD.points OR NEW.earned_at IS DISTINCT FROM OLD.earned_at OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
           OR NEW.remaining > OLD.remaining THEN
          RAISE EXCEPTION 'lots only ever shrink: their booked columns cannot change' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
      END
      $fn$;

      CREATE TABLE stores (
        id text PRIMARY KEY,
        name text NOT NULL,
        time_zone text NOT NULL,
        created_at bigint NOT NULL
      );

      CREATE TABLE programs (
        id text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        text text NOT NULL,
        published_at bigint NOT NULL,
        PRIMARY KEY (id, version)
      );

      CREATE TABLE terminals (
        store_id text NOT NULL REFERENCES stores (id),
        terminal_id text NOT NULL,
        credential_hash text NOT NULL UNIQUE,
        status text NOT NULL CHECK (status IN ('active', 'revoked')),
        key_id text,
        certificate jsonb,
        enrolled_at bigint NOT NULL,
        revoked_at bigint,
        PRIMARY KEY (store_id, terminal_id),
        CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
      );

      -- The code itself is shown once and never stored: only its hash.
      CREATE TABLE enrolment_codes (
        code_hash text PRIMARY KEY,
        store_id text NOT NULL REFERENCES stores (id),
        terminal_id text NOT NULL,
        expires_at bigint NOT NULL,
        used_at bigint
      );

      -- The last seq held per (terminal, epoch). A push locks its row first: two pushes of one
      -- terminal and epoch are serialised, pushes of different terminals never wait on each other.
      CREATE TABLE terminal_sequences (
        store_id text NOT NULL,
        terminal_id text NOT NULL,
        epoch bigint NOT NULL CHECK (epoch >= 1),
        last_seq bigint NOT NULL CHECK (last_seq >= 0),
        updated_at bigint NOT NULL,
        PRIMARY KEY (store_id, terminal_id, epoch)
      );

      -- A seq whose transfer was already held (exists / exists_with_different) is still used up;
      -- it is recorded here so verify can check that 1 … last_seq are all accounted for.
      CREATE TABLE resent_transfers (
        store_id text NOT NULL,
        terminal_id text NOT NULL,
        epoch bigint NOT NULL CHECK (epoch >= 1),
        seq bigint NOT NULL CHECK (seq >= 1),
        transfer_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('exists', 'exists_with_different')),
        received_at bigint NOT NULL,
        PRIMARY KEY (store_id, terminal_id, epoch, seq)
      );

      -- One row per member: the latest version only (an erasure must not leave older copies).
      CREATE TABLE members (
        member_id text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        name text,
        erased_at bigint,
        updated_at bigint NOT NULL,
        identity_hash bytea NOT NULL,
        record jsonb NOT NULL,
        stored_at bigint NOT NULL,
        PRIMARY KEY (member_id)
      );

      CREATE TABLE member_cards (
        member_id text NOT NULL,
        code text NOT NULL,
        position smallint NOT NULL,
        PRIMARY KEY (member_id, code)
      );

      -- Card lookup by code. Citus cannot enforce a unique index that lacks the distribution column
      -- (member_id), so codes are kept unique in this small table keyed by code instead (distributed
      -- by code, or a reference table).
      CREATE TABLE card_index (
        code text PRIMARY KEY,
        member_id text NOT NULL
      );

      CREATE TABLE transfers (
        member_id text NOT NULL,
        id text NOT NULL,
        store_id text NOT NULL,
        terminal_id text NOT NULL,
        epoch bigint NOT NULL CHECK (epoch >= 1),
        seq bigint NOT NULL CHECK (seq >= 1),
        kind text NOT NULL,
        unit text NOT NULL CHECK (unit IN ('points', 'money')),
        amount bigint NOT NULL CHECK (amount > 0),
        debit_account text NOT NULL,
        credit_account text NOT NULL,
        business_key text NOT NULL,
        period_kind text,
        period text,
        transaction_id text,
        pos_txn_id text,
        cashier text,
        money_amount bigint,
        currency text NOT NULL,
        program_id text NOT NULL,
        program_version integer NOT NULL,
        earn_rate_points bigint,
        earn_rate_per bigint,
        effective_at bigint NOT NULL,
        booked_at bigint NOT NULL,
        local_time text NOT NULL,
        detail jsonb NOT NULL,
        identity_hash bytea NOT NULL,
        received_at bigint NOT NULL,
        PRIMARY KEY (member_id, id),
        UNIQUE (member_id, business_key),
        CHECK (debit_account <> credit_account),
        CHECK ((period_kind IS NULL) = (period IS NULL))
      );

      -- remaining = points − draws; it may go below zero when two terminals offline drew the same
      -- points (kept, never dropped; verify names it).
      CREATE TABLE lots (
        member_id text NOT NULL,
        id text NOT NULL,
        transfer_id text NOT NULL,
        points bigint NOT NULL CHECK (points > 0),
        remaining bigint NOT NULL,
        earned_at bigint NOT NULL,
        expires_at bigint,
        PRIMARY KEY (member_id, id)
      );

      -- Keyed by lot first: a lot arriving after a draw from it (another terminal's batch came first)
      -- finds its draws by this key.
      CREATE TABLE lot_draws (
        member_id text NOT NULL,
        lot_id text NOT NULL,
        transfer_id text NOT NULL,
        points bigint NOT NULL CHECK (points > 0),
        PRIMARY KEY (member_id, lot_id, transfer_id)
      );

      CREATE TABLE transactions (
        member_id text NOT NULL,
        id text NOT NULL,
        store_id text NOT NULL,
        terminal_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('checkout', 'return', 'action', 'donation', 'membership', 'enrolment', 'adjustment')),
        txn_id text NOT NULL,
        original_id text,
        request_hash text NOT NULL,
        request jsonb NOT NULL,
        record jsonb NOT NULL,
        result jsonb NOT NULL,
        cashier text,
        created_at bigint NOT NULL,
        identity_hash bytea NOT NULL,
        received_at bigint NOT NULL,
        PRIMARY KEY (member_id, id),
        UNIQUE (member_id, store_id, terminal_id, kind, txn_id)
      );

      CREATE TABLE events (
        member_id text NOT NULL,
        id text NOT NULL,
        kind text NOT NULL,
        period text NOT NULL,
        business_key text NOT NULL,
        store_id text NOT NULL,
        terminal_id text NOT NULL,
        detail jsonb NOT NULL,
        booked_at bigint NOT NULL,
        identity_hash bytea NOT NULL,
        received_at bigint NOT NULL,
        PRIMARY KEY (member_id, id),
        UNIQUE (member_id, business_key)
      );

      -- Member accounts only (member:<id> points, member-spend:<id> money). Program-wide accounts
      -- are computed by aggregation in verify: a balance row for them would be one hot row every
      -- push contends on.
      CREATE TABLE member_balances (
        member_id text NOT NULL,
        account text NOT NULL,
        balance bigint NOT NULL,
        PRIMARY KEY (member_id, account),
        CHECK (account = 'member:' || member_id OR account = 'member-spend:' || member_id)
      );

      CREATE TABLE alerts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL,
        store_id text NOT NULL,
        terminal_id text NOT NULL,
        entity text NOT NULL,
        entity_id text NOT NULL,
        detail jsonb NOT NULL,
        created_at bigint NOT NULL
      );

      CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers
        FOR EACH ROW EXECUTE FUNCTION tally_refuse_change('transfers are append-only: book a correcting transfer instead');
      CREATE TRIGGER transactions_append_only BEFORE UPDATE OR DELETE ON transactions
        FOR EACH ROW EXECUTE FUNCTION tally_refuse_change('transactions are append-only');
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION tally_refuse_change('events are append-only');
      CREATE TRIGGER lot_draws_append_only BEFORE UPDATE OR DELETE ON lot_draws
        FOR EACH ROW EXECUTE FUNCTION tally_refuse_change('lot draws are append-only');
      CREATE TRIGGER resent_transfers_append_only BEFORE UPDATE OR DELETE ON resent_transfers
        FOR EACH ROW EXECUTE FUNCTION tally_refuse_change('resent transfers are append-only');
      CREATE TRIGGER lots_no_delete BEFORE DELETE ON lots
        FOR EACH ROW EXECUTE FUNCTION tally_refuse_change('lots are never deleted');
      CREATE TRIGGER lots_shrink_only BEFORE UPDATE ON lots
        FOR EACH ROW EXECUTE FUNCTION tally_lots_shrink_only();
      CREATE TRIGGER member_balances_no_delete BEFORE DELETE ON member_balances
        FOR EACH ROW EXECUTE FUNCTION tally_refuse_change('balances are never deleted');
      CREATE TRIGGER members_no_delete BEFORE DELETE ON members
        FOR EACH ROW EXECUTE FUNCTION tally_refuse_change('members are never deleted (an erasure is a new version)');
    `,
  },
  {
    version: 2,
    description: 'server: change stamps terminals pull by',
    sql: `
      -- Each booked row and member version carries the id of the transaction that wrote it. A pull
      -- returns only stamps below the oldest transaction still running (pg_snapshot_xmin), so a
      -- push that commits late can never slip in behind a cursor a terminal already holds.
      ALTER TABLE members ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
      ALTER TABLE transactions ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
      ALTER TABLE transfers ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
      ALTER TABLE events ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
      CREATE INDEX members_change_xid ON members (change_xid);
      CREATE INDEX transactions_change_xid ON transactions (change_xid);
      CREATE INDEX transfers_change_xid ON transfers (change_xid);
      CREATE INDEX events_change_xid ON events (change_xid);

      CREATE FUNCTION tally_member_restamp() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        NEW.change_xid := pg_current_xact_id();
        RETURN NEW;
      END
      $fn$;
      CREATE TRIGGER members_restamp BEFORE UPDATE ON members
        FOR EACH ROW EXECUTE FUNCTION tally_member_restamp();
    `,
  },
  {
    version: 3,
    description: 'server: holds, offline budgets and the spends booked against them, a store\'s own budget',
    sql: `
      ALTER TABLE stores ADD COLUMN offline_budget_points bigint CHECK (offline_budget_points IS NULL OR offline_budget_points >= 0);
      -- End of day reads one terminal's day: without these it would scan the whole journal.
      CREATE INDEX transfers_terminal_day ON transfers (store_id, terminal_id, booked_at);
      CREATE INDEX transactions_terminal_day ON transactions (store_id, terminal_id, created_at);
      CREATE TABLE holds (
        member_id text NOT NULL,
        id text NOT NULL,
        store_id text NOT NULL,
        terminal_id text NOT NULL,
        points bigint NOT NULL CHECK (points > 0),
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL CHECK (expires_at > created_at),
        state text NOT NULL CHECK (state IN ('held', 'posted', 'voided')),
        resolved_at bigint,
        transaction_id text,
        PRIMARY KEY (member_id, id),
        CHECK ((state = 'held') = (resolved_at IS NULL)),
        CHECK ((state = 'posted') = (transaction_id IS NOT NULL))
      );
      CREATE FUNCTION tally_holds_resolved_once() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF OLD.state <> 'held' OR NEW.member_id IS DISTINCT FROM OLD.member_id OR NEW.id IS DISTINCT FROM OLD.id
           OR NEW.store_id IS DISTINCT FROM OLD.store_id OR NEW.terminal_id IS DISTINCT FROM OLD.terminal_id
           OR NEW.points IS DISTINCT FROM OLD.points OR NEW.created_at IS DISTINCT FROM OLD.created_at
           OR NEW.expires_at IS DISTINCT FROM OLD.expires_at OR NEW.resolved_at > OLD.expires_at THEN
          RAISE EXCEPTION 'a hold is resolved once, before it expires, and its terms never change' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
      END
      $fn$;
      CREATE TRIGGER holds_resolved_once BEFORE UPDATE ON holds FOR EACH ROW EXECUTE FUNCTION tally_holds_resolved_once();
      CREATE TRIGGER holds_no_delete BEFORE DELETE ON holds FOR EACH ROW EXECUTE FUNCTION tally_refuse_change('holds are never deleted');
      CREATE TABLE offline_grants (
        store_id text NOT NULL,
        terminal_id text NOT NULL,
        id text NOT NULL,
        points bigint NOT NULL CHECK (points >= 0),
        per_transaction bigint NOT NULL CHECK (per_transaction > 0),
        per_member bigint NOT NULL CHECK (per_member > 0),
        snapshot_max_age_ms bigint NOT NULL CHECK (snapshot_max_age_ms > 0),
        granted_at bigint NOT NULL,
        expires_at bigint NOT NULL CHECK (expires_at > granted_at),
        PRIMARY KEY (store_id, terminal_id, id)
      );
      CREATE TRIGGER offline_grants_append_only BEFORE UPDATE OR DELETE ON offline_grants
        FOR EACH ROW EXECUTE FUNCTION tally_refuse_change('offline grants are append-only');
      CREATE TABLE offline_spends (
        member_id text NOT NULL,
        transaction_id text NOT NULL,
        store_id text NOT NULL,
        terminal_id text NOT NULL,
        grant_id text NOT NULL,
        points bigint NOT NULL CHECK (points > 0),
        received_at bigint NOT NULL,
        PRIMARY KEY (member_id, transaction_id)
      );
      CREATE INDEX offline_spends_grant ON offline_spends (store_id, terminal_id, grant_id);
      CREATE TRIGGER offline_spends_append_only BEFORE UPDATE OR DELETE ON offline_spends
        FOR EACH ROW EXECUTE FUNCTION tally_refuse_change('offline spends are append-only');
    `,
  },
  {
    version: 4,
    description: 'server: the lots a hold reserves, so concurrent holds never draw one lot twice',
    sql: `
      -- See the SQLite migration 4: the lots a granted hold reserves, the terms of the hold.
      CREATE TABLE hold_lots (
        member_id text NOT NULL,
        hold_id text NOT NULL,
        lot_id text NOT NULL,
        points bigint NOT NULL CHECK (points > 0),
        PRIMARY KEY (member_id, hold_id, lot_id),
        FOREIGN KEY (member_id, hold_id) REFERENCES holds (member_id, id)
      );
      CREATE TRIGGER hold_lots_append_only BEFORE UPDATE OR DELETE ON hold_lots
        FOR EACH ROW EXECUTE FUNCTION tally_refuse_change('the lots of a hold never change');
    `,
  },
  {
    version: 5,
    description: 'server: a held spend that arrives after its hold lapsed is counted against the offline budget it named as its fallback',
    sql: `
      -- See the SQLite migration 5: a lapsed held spend counted against its fallback budget names its hold (null: an offline spend).
      ALTER TABLE offline_spends ADD COLUMN hold_id text;
    `,
  },
];

export const PG_LATEST_VERSION = PG_MIGRATIONS.at(-1)?.version ?? 0;

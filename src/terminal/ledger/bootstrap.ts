/**
 * Loading a bootstrap stream (src/contract/bootstrap.ts) into an empty ledger: the same rows
 * applyPulled (./pulled.ts) would write for pages from an empty cursor, written the way a bulk load
 * is cheap. It runs inside Ledger.bulkLoad's one transaction, with foreign keys off:
 *
 * - the secondary indexes of the loaded tables are dropped first and made again at the end (one
 *   sort each instead of a B-tree insert per row; the unique ones among them refuse a duplicate
 *   then, as an insert would have);
 * - lots wait in a temporary table and go into `lots` at the end in the order of their ids: a
 *   lot's id is its transfer's, which a pull sends in member order, so inserting them as they came
 *   would put each key at a random place in an index many times the page cache;
 * - members, cards, transactions and events go in by many rows per statement (./batched-insert.ts);
 * - foreign keys are checked once at the end, table by table, instead of a look-up per row (where
 *   the stream decides a reference: see CHECKED_TABLES);
 * - balances move once per chunk by the chunk's net amounts (as per page), lot remainders once at
 *   the end by their draws (a lot starts at its points less every draw, as in applyPulled).
 *
 * What ends up in the ledger is what applyPulled gives: rows already here are skipped on the same
 * keys (id, business key, POS transaction), a transfer's lots and draws are written only with the
 * transfer, pulled rows are marked `pulled` and enter no outbox, cards another member holds here
 * already are reported, not taken over. A problem anywhere throws, and the transaction (indexes
 * included) is rolled back.
 */
import type { BootstrapEventRow, BootstrapMemberRow, BootstrapTransactionRow, BootstrapTransferRow } from '../../contract/bootstrap.js';
import { TallyError } from '../../core/errors.js';
import { accountKind, accountUnit } from '../../core/ledger-model.js';
import { BatchedInsert } from './batched-insert.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite.js';

/** The page cache while the dropped indexes are made again, KiB (SQLite's default). */
const INDEX_BUILD_CACHE_KIB = 16_000;

/** Rows per INSERT statement (at most 15 values each, far below SQLite's limit of bound values). */
const ROWS_PER_INSERT = 50;

const LOADED_TABLES = ['members', 'card_codes', 'accounts', 'transactions', 'transfers', 'lots', 'lot_draws', 'events'] as const;

/**
 * Partial indexes few pulled rows enter (returns; time-driven transfers): kept through the load, as
 * making them again would read the whole table for a handful of entries.
 */
const KEPT_INDEXES = ['transactions_original_id', 'transfers_member_id_period_kind_period'];

/**
 * The tables whose references the stream decides (a member, an account, an original sale, a lot
 * named by id). The others' hold by construction: cards and member accounts are written from their
 * member's row, lots and draws only with the transfer that made them (and its member).
 */
const CHECKED_TABLES = ['transactions', 'transfers', 'lot_draws', 'events'] as const;

const memberAccounts = (memberId: string): readonly string[] => [`member:${memberId}`, `member-spend:${memberId}`];

export interface LoadedCounts {
  members: number;
  transactions: number;
  transfers: number;
  events: number;
  readonly cardConflicts: string[];
}

export class BootstrapLoader {
  private readonly dropped: { readonly name: string; readonly sql: string }[];
  private readonly s: Record<'cardOwner' | 'account' | 'transfer' | 'moveBalances', SqliteStatement>;
  private readonly insert: Record<'members' | 'cards' | 'transactions' | 'lots' | 'draws' | 'events', BatchedInsert>;
  /** Accounts other than members' that a transfer named (a handful: the program's). */
  private readonly ensured = new Set<string>();
  readonly counts: LoadedCounts = { members: 0, transactions: 0, transfers: 0, events: 0, cardConflicts: [] };

  /** Starts the load: call inside Ledger.bulkLoad, on a ledger that holds no member and no entry. */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: number,
  ) {
    if (!db.inTransaction) throw new Error('BootstrapLoader runs inside Ledger.bulkLoad');
    db.prepare('INSERT INTO pull_applying (singleton) VALUES (1)').run();
    this.dropped = db
      .prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${LOADED_TABLES.map(() => '?').join(', ')}) ORDER BY name`)
      .all(...LOADED_TABLES)
      .filter((index) => !KEPT_INDEXES.includes((index as { name: string }).name)) as { name: string; sql: string }[];
    for (const index of this.dropped) db.exec(`DROP INDEX "${index.name.replaceAll('"', '""')}"`);
    // In the temporary database, part of this same transaction (a rollback takes it away too).
    db.exec('CREATE TEMP TABLE bootstrap_lots (id TEXT NOT NULL, member_id TEXT NOT NULL, transfer_id TEXT NOT NULL, points INTEGER NOT NULL, earned_at INTEGER NOT NULL, expires_at INTEGER) STRICT');
    // OR ROLLBACK: a row these refuse (a member twice, a NULL, a CHECK) ends the whole load anyway,
    // and a statement of many rows that can only roll back everything needs no statement journal
    // (SQLite keeps one, a copy of each page it changes, for a statement that may abort alone).
    this.insert = {
      members: new BatchedInsert(
        db,
        '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)',
        (values) =>
          `INSERT OR ROLLBACK INTO members (id, version, name, phone, email, birthday, marketing_consent, enrolled_at, enrolled_by, qr_ref, pin_hash, erased_at, updated_at, contact_withheld, pulled)
           VALUES ${values}`,
        ROWS_PER_INSERT,
      ),
      cards: new BatchedInsert(db, '(?, ?, ?)', (values) => `INSERT OR ROLLBACK INTO card_codes (code, member_id, added_at) VALUES ${values} ON CONFLICT (code) DO NOTHING`, ROWS_PER_INSERT),
      transactions: new BatchedInsert(
        db,
        '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)',
        (values) =>
          `INSERT OR ROLLBACK INTO transactions (id, store_id, terminal_id, kind, txn_id, member_id, original_id, request_hash, request, record, result, cashier, created_at, pulled)
           VALUES ${values} ON CONFLICT (id) DO NOTHING ON CONFLICT (store_id, terminal_id, kind, txn_id) DO NOTHING`,
        ROWS_PER_INSERT,
      ),
      lots: new BatchedInsert(db, '(?, ?, ?, ?, ?, ?)', (values) => `INSERT INTO temp.bootstrap_lots (id, member_id, transfer_id, points, earned_at, expires_at) VALUES ${values}`, ROWS_PER_INSERT),
      draws: new BatchedInsert(db, '(?, ?, ?)', (values) => `INSERT OR IGNORE INTO lot_draws (transfer_id, lot_id, points) VALUES ${values}`, ROWS_PER_INSERT),
      events: new BatchedInsert(
        db,
        '(?, ?, ?, ?, ?, ?, ?, ?, 1)',
        (values) =>
          `INSERT OR ROLLBACK INTO events (id, member_id, kind, period, business_key, terminal_id, detail, booked_at, pulled)
           VALUES ${values} ON CONFLICT (id) DO NOTHING ON CONFLICT (business_key) DO NOTHING`,
        ROWS_PER_INSERT,
      ),
    };
    this.s = {
      cardOwner: db.prepare('SELECT member_id FROM card_codes WHERE code = ?').pluck(),
      account: db.prepare('INSERT OR IGNORE INTO accounts (id, kind, unit, member_id) VALUES (?, ?, ?, ?)'),
      transfer: db.prepare(
        `INSERT INTO transfers (id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, member_id, business_key, period_kind, period,
           transaction_id, store_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version, earn_rate_points, earn_rate_per,
           effective_at, booked_at, local_time, detail, pulled)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
         ON CONFLICT (id) DO NOTHING ON CONFLICT (business_key) DO NOTHING`,
      ),
      moveBalances: db.prepare(`UPDATE accounts SET balance = balance + (j.value ->> 1) FROM json_each(?) AS j WHERE accounts.id = (j.value ->> 0)`),
    };
  }

  members(rows: readonly BootstrapMemberRow[]): void {
    const { members, cards } = this.insert;
    let cardRows = 0;
    for (const [id, version, name, phone, email, birthday, consent, enrolledAt, enrolledBy, qrRef, pinHash, erasedAt, updatedAt, cardCodes, withheld] of rows) {
      members.add(id, version, name, phone, email, birthday, consent ? 1 : 0, enrolledAt, enrolledBy, qrRef, pinHash, erasedAt, updatedAt, withheld ? 1 : 0);
      if (erasedAt !== null) continue;
      for (const code of cardCodes) cards.add(code, id, this.now);
      cardRows += cardCodes.length;
    }
    // Members first: a card names its member. A member already here is refused (a duplicate id), as one row at a time.
    this.counts.members += members.flush();
    if (cards.flush() === cardRows) return;
    // Some card was not written: each one another member holds (here already, or earlier in the stream) is a conflict.
    for (const [id, , , , , , , , , , , erasedAt, , cardCodes] of rows) {
      if (erasedAt !== null) continue;
      for (const code of cardCodes) if (this.s.cardOwner.get(code) !== id) this.counts.cardConflicts.push(code);
    }
  }

  /**
   * Every loaded member's two accounts, in one statement once the members are in (they come first in
   * the stream): what applyPulled makes for each new member, without a call per row.
   */
  private membersDone = false;
  private ensureMemberAccounts(): void {
    if (this.membersDone) return;
    this.membersDone = true;
    const [points, spend] = memberAccounts('');
    this.db
      .prepare(
        `INSERT OR IGNORE INTO accounts (id, kind, unit, member_id)
           SELECT @points || id, @pointsKind, @pointsUnit, id FROM members WHERE pulled = 1
           UNION ALL SELECT @spend || id, @spendKind, @spendUnit, id FROM members WHERE pulled = 1`,
      )
      .run({ points, pointsKind: accountKind(points!), pointsUnit: accountUnit(points!), spend, spendKind: accountKind(spend!), spendUnit: accountUnit(spend!) });
  }

  transactions(rows: readonly BootstrapTransactionRow[]): void {
    this.ensureMemberAccounts();
    const insert = this.insert.transactions;
    for (const [id, storeId, terminalId, kind, txnId, memberId, originalId, requestHash, request, record, result, cashier, createdAt] of rows) {
      insert.add(id, storeId, terminalId, kind, txnId, memberId, originalId, requestHash, JSON.stringify(request ?? null), JSON.stringify(record ?? null), JSON.stringify(result ?? null), cashier, createdAt);
    }
    this.counts.transactions += insert.flush();
  }

  transfers(rows: readonly BootstrapTransferRow[]): void {
    this.ensureMemberAccounts();
    const s = this.s;
    const deltas = new Map<string, number>();
    const add = (account: string, delta: number): void => {
      deltas.set(account, (deltas.get(account) ?? 0) + delta);
    };
    for (const row of rows) {
      const [id, terminalId, epoch, seq, kind, unit, amount, debit, credit, memberId, businessKey, periodKind, period, transactionId, storeId] = row;
      const [, , , , , , , , , , , , , , , posTxnId, cashier, moneyAmount, currency, programId, programVersion, earnRatePoints, earnRatePer, effectiveAt, bookedAt, localTime, detail, lots, draws] = row;
      // Members' accounts came with their members; any other account a transfer names is made here
      // (an account of a member not held fails the foreign key check at the end, as a page would fail).
      for (const account of [debit, credit]) {
        const accountKindOf = accountKind(account);
        if (accountKindOf === 'member-points' || accountKindOf === 'member-spend' || this.ensured.has(account)) continue;
        s.account.run(account, accountKindOf, accountUnit(account), null);
        this.ensured.add(account);
      }
      // One statement per transfer, not a batch: whether it went in decides its lots, draws and
      // amounts, and a batch can tell that only through RETURNING, which costs more than it saves.
      const inserted =
        s.transfer.run(
          id, terminalId, epoch, seq, kind, unit, amount, debit, credit, memberId, businessKey, periodKind, period, transactionId, storeId,
          posTxnId, cashier, moneyAmount, currency, programId, programVersion, earnRatePoints, earnRatePer, effectiveAt, bookedAt, localTime, JSON.stringify(detail),
        ).changes > 0;
      if (!inserted) continue;
      this.counts.transfers += 1;
      add(debit, -amount);
      add(credit, amount);
      for (const [lotId, points, earnedAt, expiresAt] of lots) this.insert.lots.add(lotId, memberId, id, points, earnedAt, expiresAt);
      for (const [lotId, points] of draws) this.insert.draws.add(id, lotId, points);
    }
    this.insert.lots.flush();
    this.insert.draws.flush();
    const moves = [...deltas].filter(([, delta]) => delta !== 0);
    if (moves.length > 0) s.moveBalances.run(JSON.stringify(moves));
  }

  events(rows: readonly BootstrapEventRow[]): void {
    this.ensureMemberAccounts();
    const insert = this.insert.events;
    for (const [id, memberId, kind, period, businessKey, terminalId, detail, bookedAt] of rows) insert.add(id, memberId, kind, period, businessKey, terminalId, JSON.stringify(detail), bookedAt);
    this.counts.events += insert.flush();
  }

  /** Ends the load: lots, indexes made again, lot remainders, the foreign key check. Throws on any problem (the caller rolls back). */
  finish(): void {
    this.ensureMemberAccounts();
    const db = this.db;
    // Each index is made by a sort, which may hold as much memory as the page cache besides it: the
    // cache goes back to SQLite's default first (the writes from here on are in key order), so the
    // two together stay well inside the terminal's memory bound (Ledger.bulkLoad restores it after).
    db.pragma(`cache_size = -${INDEX_BUILD_CACHE_KIB}`);
    // In id order, the arrival order among equal ids: the first of a repeated lot is kept, as it would be inserted as it came.
    db.exec(
      `INSERT OR IGNORE INTO lots (id, member_id, transfer_id, points, remaining, earned_at, expires_at)
         SELECT id, member_id, transfer_id, points, points, earned_at, expires_at FROM temp.bootstrap_lots ORDER BY id, rowid`,
    );
    db.exec('DROP TABLE temp.bootstrap_lots');
    for (const index of this.dropped) db.exec(index.sql);
    // A lot is open for its points less every draw from it (applyPulled: at insert, and as draws arrive).
    db.exec(`UPDATE lots SET remaining = lots.remaining - d.total FROM (SELECT lot_id, sum(points) AS total FROM lot_draws GROUP BY lot_id) AS d WHERE lots.id = d.lot_id`);
    const broken = CHECKED_TABLES.flatMap((table) => db.pragma(`foreign_key_check(${table})`) as { table: string; rowid: number | null; parent: string }[]);
    if (broken.length > 0) {
      const first = broken[0]!;
      throw new TallyError(
        'database-corrupt',
        `The server's first sync names rows it did not send (${broken.length} references, the first from ${first.table} to ${first.parent}): nothing was loaded; sync again, and tell support if it repeats`,
      );
    }
    db.prepare('DELETE FROM pull_applying').run();
  }
}

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
 * - triggers that cannot fire on what the load writes are set aside the same way (INERT_TRIGGERS);
 * - members, cards, transactions, transfers and events go in by many rows per statement
 *   (./batched-insert.ts; for transfers, the rowids each statement added tell which went in);
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
import { BatchedInsert, type BatchWritten } from './batched-insert.js';
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
 * Triggers that cannot fire on what the load writes, dropped with the indexes and made again from
 * their own SQL at the end (a trigger costs a sub-program per row: about a second over a chain's two
 * million accounts and their balance moves). Each is inert here by the shape of the load's statements:
 * - accounts_points_never_created_negative (an account created with negative points): the load
 *   creates accounts without a balance, so at the column's default of 0;
 * - accounts_booked_columns (an account's identity changed): the load's one UPDATE of accounts sets
 *   `balance` alone;
 * - accounts_points_never_negative_here, lots_never_created_overdrawn: both stand aside while
 *   `pull_applying` holds its row, which it does from the load's first statement to its last.
 * Triggers that still decide something during a load (lots that grow, …) stay.
 */
const INERT_TRIGGERS = ['accounts_points_never_created_negative', 'accounts_booked_columns', 'accounts_points_never_negative_here', 'lots_never_created_overdrawn'];

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
  private readonly droppedTriggers: { readonly name: string; readonly sql: string }[];
  private readonly s: Record<'cardOwner' | 'account' | 'transfersWritten' | 'moveBalances', SqliteStatement>;
  private readonly insert: Record<'members' | 'cards' | 'transactions' | 'transfers' | 'lots' | 'draws' | 'events', BatchedInsert>;
  /** The transfers of the statement being filled, in order (./batched-insert.ts hears of it once it ran). */
  private readonly queuedTransfers: BootstrapTransferRow[] = [];
  /** Net amounts per account of the transfers that went in since the chunk began. */
  private readonly deltas = new Map<string, number>();
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
    this.droppedTriggers = db
      .prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND name IN (${INERT_TRIGGERS.map(() => '?').join(', ')}) ORDER BY name`)
      .all(...INERT_TRIGGERS) as { name: string; sql: string }[];
    for (const trigger of this.droppedTriggers) db.exec(`DROP TRIGGER "${trigger.name.replaceAll('"', '""')}"`);
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
      // Upserts that skip a repeated transfer as a page would; which rows went in decides their lots,
      // draws and amounts (transfersWritten).
      transfers: new BatchedInsert(
        db,
        `(${Array.from({ length: 27 }, () => '?').join(', ')}, 1)`,
        (values) =>
          `INSERT OR ROLLBACK INTO transfers (id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, member_id, business_key, period_kind, period,
             transaction_id, store_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version, earn_rate_points, earn_rate_per,
             effective_at, booked_at, local_time, detail, pulled)
           VALUES ${values} ON CONFLICT (id) DO NOTHING ON CONFLICT (business_key) DO NOTHING`,
        ROWS_PER_INSERT,
        (written) => this.transfersWritten(written),
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
      transfersWritten: db.prepare('SELECT id, business_key FROM transfers WHERE rowid > ? AND rowid <= ? ORDER BY rowid').raw(),
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
    // Members went in in the order of their ids, so each half comes in key order; spend first, as
    // 'member-spend:' sorts before 'member:': both halves then append at the end of the accounts'
    // key index instead of the second one splitting its way through the middle.
    this.db
      .prepare(
        `INSERT OR IGNORE INTO accounts (id, kind, unit, member_id)
           SELECT @spend || id, @spendKind, @spendUnit, id FROM members WHERE pulled = 1
           UNION ALL SELECT @points || id, @pointsKind, @pointsUnit, id FROM members WHERE pulled = 1`,
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
    const insert = this.insert.transfers;
    for (const row of rows) {
      const [id, terminalId, epoch, seq, kind, unit, amount, debit, credit, memberId, businessKey, periodKind, period, transactionId, storeId] = row;
      const [, , , , , , , , , , , , , , , posTxnId, cashier, moneyAmount, currency, programId, programVersion, earnRatePoints, earnRatePer, effectiveAt, bookedAt, localTime, detail] = row;
      // Members' accounts came with their members; any other account a transfer names is made here
      // (an account of a member not held fails the foreign key check at the end, as a page would fail).
      this.ensureAccount(debit);
      this.ensureAccount(credit);
      this.queuedTransfers.push(row);
      insert.add(
        id, terminalId, epoch, seq, kind, unit, amount, debit, credit, memberId, businessKey, periodKind, period, transactionId, storeId,
        posTxnId, cashier, moneyAmount, currency, programId, programVersion, earnRatePoints, earnRatePer, effectiveAt, bookedAt, localTime, JSON.stringify(detail),
      );
    }
    insert.flush();
    this.insert.lots.flush();
    this.insert.draws.flush();
    const moves = [...this.deltas].filter(([, delta]) => delta !== 0);
    this.deltas.clear();
    if (moves.length > 0) this.s.moveBalances.run(JSON.stringify(moves));
  }

  private ensureAccount(account: string): void {
    const kind = accountKind(account);
    if (kind === 'member-points' || kind === 'member-spend' || this.ensured.has(account)) return;
    this.s.account.run(account, kind, accountUnit(account), null);
    this.ensured.add(account);
  }

  /**
   * After each statement of queued transfers: the lots, draws and amounts of those that went in.
   * Usually all did. When some repeated an id or business key already held, the ones that went in
   * are the rows the statement added (the last `changes` rowids, in order), a subsequence of the
   * queue, matched by id and business key: a row that equals an earlier one on both cannot go in
   * when the earlier did not (what kept the earlier out is still there).
   */
  private transfersWritten(written: BatchWritten): void {
    const queued = this.queuedTransfers;
    let went: readonly BootstrapTransferRow[] = queued;
    if (written.changes < written.rows) {
      const added = this.s.transfersWritten.all(written.lastRowid - written.changes, written.lastRowid) as [string, string][];
      let next = 0;
      went = queued.filter((row) => {
        const match = added[next];
        if (match === undefined || match[0] !== row[0] || match[1] !== row[10]) return false;
        next += 1;
        return true;
      });
      if (next !== written.changes) throw new Error(`${written.changes} transfers went in, ${next} of them found among those sent`);
    }
    for (const [id, , , , , , amount, debit, credit, memberId, , , , , , , , , , , , , , , , , , lots, draws] of went) {
      this.counts.transfers += 1;
      this.deltas.set(debit, (this.deltas.get(debit) ?? 0) - amount);
      this.deltas.set(credit, (this.deltas.get(credit) ?? 0) + amount);
      for (const [lotId, points, earnedAt, expiresAt] of lots) this.insert.lots.add(lotId, memberId, id, points, earnedAt, expiresAt);
      for (const [lotId, points] of draws) this.insert.draws.add(id, lotId, points);
    }
    queued.length = 0;
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
    for (const trigger of this.droppedTriggers) db.exec(trigger.sql);
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

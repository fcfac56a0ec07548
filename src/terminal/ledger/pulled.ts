/**
 * Applying what the server sent (a pull page, or one member's state for an unknown card) to this
 * terminal's ledger: another counter's members, transactions, transfers with their lots and draws,
 * and events become local rows, so balances, lots, tiers, once-only rewards and memberships come out
 * of the same rules and tables as for the members this terminal enrolled. Pulled rows never enter
 * the outbox (they are the server's already) and never take a sequence number of this terminal's.
 *
 * Everything is keyed by id: a row already here (this terminal's own, or pulled before) is left as
 * it is, so re-applying a page after a crash changes nothing. The caller runs this inside the
 * ledger transaction that also moves the pull cursor.
 *
 * Balances and lot remainders move once per page, by the page's net amounts, so an overdraft
 * another counter caused shows as the net result, and a negative value is allowed only here (see
 * migration 0008).
 */
import { hash } from 'node:crypto';
import { compareMemberSnapshots } from '../../contract/member-order.js';
import type { MemberState } from '../../contract/pull.js';
import type { SyncMember, SyncTransfer } from '../../contract/sync.js';
import { memberIdentity } from '../../contract/sync-identity.js';
import { TallyError } from '../../core/errors.js';
import { accountKind, accountUnit } from '../../core/ledger-model.js';
import { memberSnapshot } from './outbox.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite.js';

export type PulledEntities = MemberState;

export interface AppliedCounts {
  readonly members: number;
  readonly transactions: number;
  readonly transfers: number;
  readonly events: number;
  /** Cards another member holds here already (the server's alert names them): not taken over. */
  readonly cardConflicts: readonly string[];
}

const memberOf = (account: string): string | null => {
  const kind = accountKind(account);
  if (kind === 'member-points') return account.slice('member:'.length);
  if (kind === 'member-spend') return account.slice('member-spend:'.length);
  return null;
};

/** The statements applyPulled runs, prepared once per connection (a pull runs it for every page). */
interface PullStatements {
  readonly localMember: SqliteStatement;
  readonly insertMember: SqliteStatement;
  readonly updateMember: SqliteStatement;
  readonly memberExists: SqliteStatement;
  readonly cardOwner: SqliteStatement;
  readonly insertCard: SqliteStatement;
  readonly dropCards: SqliteStatement;
  readonly insertAccount: SqliteStatement;
  readonly transactionExists: SqliteStatement;
  readonly insertTransaction: SqliteStatement;
  readonly transferExists: SqliteStatement;
  readonly insertTransfer: SqliteStatement;
  readonly keptElsewhere: SqliteStatement;
  readonly insertLot: SqliteStatement;
  readonly lotExists: SqliteStatement;
  readonly insertDraw: SqliteStatement;
  readonly moveBalances: SqliteStatement;
  readonly moveLot: SqliteStatement;
  readonly eventExists: SqliteStatement;
  readonly insertEvent: SqliteStatement;
}

const prepared = new WeakMap<SqliteDatabase, PullStatements>();

function statements(db: SqliteDatabase): PullStatements {
  const held = prepared.get(db);
  if (held) return held;
  const made: PullStatements = {
    localMember: db.prepare('SELECT version, erased_at, updated_at FROM members WHERE id = ?'),
    // Inserted unless the member is here already (then the version decides, below): one statement
    // for a new member instead of a look-up and an insert.
    insertMember: db.prepare(
      `INSERT INTO members (id, name, phone, email, birthday, marketing_consent, enrolled_at, enrolled_by, version, updated_at, qr_ref, pin_hash, erased_at, contact_withheld, pulled)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (id) DO NOTHING`,
    ),
    updateMember: db.prepare(
      `UPDATE members SET name = ?, phone = ?, email = ?, birthday = ?, marketing_consent = ?, version = ?,
         updated_at = ?, qr_ref = ?, pin_hash = ?, erased_at = ?, contact_withheld = ? WHERE id = ?`,
    ),
    memberExists: db.prepare('SELECT 1 FROM members WHERE id = ?').pluck(),
    cardOwner: db.prepare('SELECT member_id FROM card_codes WHERE code = ?').pluck(),
    insertCard: db.prepare('INSERT INTO card_codes (code, member_id, added_at) VALUES (?, ?, ?) ON CONFLICT (code) DO NOTHING'),
    dropCards: db.prepare('DELETE FROM card_codes WHERE member_id = ?'),
    insertAccount: db.prepare('INSERT OR IGNORE INTO accounts (id, kind, unit, member_id) VALUES (?, ?, ?, ?)'),
    transactionExists: db.prepare('SELECT 1 FROM transactions WHERE id = ? OR (store_id = ? AND terminal_id = ? AND kind = ? AND txn_id = ?)').pluck(),
    // "Here already" is the same id or the same (store, terminal, kind, POS id): either is skipped;
    // any other clash (none is expected) fails the page as a plain insert would.
    insertTransaction: db.prepare(
      `INSERT INTO transactions (id, store_id, terminal_id, kind, txn_id, member_id, original_id, request_hash, request, record, result, cashier, created_at, pulled)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (id) DO NOTHING ON CONFLICT (store_id, terminal_id, kind, txn_id) DO NOTHING`,
    ),
    transferExists: db.prepare('SELECT 1 FROM transfers WHERE id = ? OR business_key = ?').pluck(),
    // The same id or business key is skipped; a clash on (terminal, epoch, seq) is not (it fails the page).
    insertTransfer: db.prepare(
      `INSERT INTO transfers (id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, member_id, business_key, period_kind, period,
         transaction_id, store_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version, earn_rate_points, earn_rate_per,
         effective_at, booked_at, local_time, detail, pulled)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (id) DO NOTHING ON CONFLICT (business_key) DO NOTHING`,
    ),
    // A lot drawn before it arrived here starts with those draws off (as on the server).
    // Our own copy of an entry the server kept as another counter's booking (same id; a once-only
    // entry booked at two counters): that counter reports it (migration 0012).
    keptElsewhere: db.prepare(
      `INSERT OR IGNORE INTO transfers_kept_elsewhere (transfer_id, store_id, terminal_id, epoch, seq, booked_at, learned_at)
       SELECT id, @storeId, @terminalId, @epoch, @seq, @bookedAt, @now FROM transfers
       WHERE id = @id AND pulled = 0 AND NOT (store_id = @storeId AND terminal_id = @terminalId AND epoch = @epoch AND seq = @seq)`,
    ),
    insertLot: db.prepare(
      `INSERT OR IGNORE INTO lots (id, member_id, transfer_id, points, remaining, earned_at, expires_at)
       VALUES (?, ?, ?, ?, ? - (SELECT coalesce(sum(points), 0) FROM lot_draws WHERE lot_id = ?), ?, ?)`,
    ),
    lotExists: db.prepare('SELECT 1 FROM lots WHERE id = ?').pluck(),
    insertDraw: db.prepare('INSERT OR IGNORE INTO lot_draws (transfer_id, lot_id, points) VALUES (?, ?, ?)'),
    // Every account the page moved, in one statement: `[[account, delta], …]`.
    moveBalances: db.prepare(`UPDATE accounts SET balance = balance + (j.value ->> 1) FROM json_each(?) AS j WHERE accounts.id = (j.value ->> 0)`),
    moveLot: db.prepare('UPDATE lots SET remaining = remaining + ? WHERE id = ?'),
    eventExists: db.prepare('SELECT 1 FROM events WHERE id = ? OR business_key = ?').pluck(),
    insertEvent: db.prepare(
      `INSERT INTO events (id, member_id, kind, period, business_key, terminal_id, detail, booked_at, pulled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (id) DO NOTHING ON CONFLICT (business_key) DO NOTHING`,
    ),
  };
  prepared.set(db, made);
  return made;
}

/**
 * Whether the server's snapshot of a member this ledger holds replaces the local one: the order
 * the server keeps (src/contract/member-order.ts), so that two counters' concurrent edits settle on
 * the same record everywhere and an erasure is never undone. The identities are compared only for
 * two snapshots of the same version written in the same millisecond, and never against a record
 * whose contact details were withheld from this store (its identity is the server's to know).
 */
function pulledSnapshotWins(db: SqliteDatabase, m: SyncMember, contactWithheld: boolean, local: { version: number; erased_at: number | null; updated_at: number }): boolean {
  const pulled = { erased: m.erasedAt !== null, version: m.version, updatedAt: m.updatedAt };
  const here = { erased: local.erased_at !== null, version: local.version, updatedAt: local.updated_at };
  if (pulled.erased !== here.erased || pulled.version !== here.version || pulled.updatedAt !== here.updatedAt) {
    return compareMemberSnapshots({ ...pulled, identity: EMPTY }, { ...here, identity: EMPTY }) > 0;
  }
  const snapshot = contactWithheld ? undefined : memberSnapshot(db, m.id);
  if (snapshot === undefined) return false;
  return compareMemberSnapshots({ ...pulled, identity: snapshotHash(m) }, { ...here, identity: snapshotHash(snapshot) }) > 0;
}

const EMPTY = new Uint8Array(0);

function snapshotHash(m: SyncMember): Buffer {
  return hash('sha256', memberIdentity(m), 'buffer');
}

/*
 * Cost: a first pull of a chain applies millions of rows, so each row is one statement where it can
 * be — an insert that skips what is here already rather than a look-up and an insert, members and
 * accounts known to be here remembered for the page, balances moved in one statement per page.
 * What ends up in the ledger, and every refusal, is what the plain sequence (look up; if absent,
 * check the member, then insert) gives.
 */
export function applyPulled(db: SqliteDatabase, entities: PulledEntities, now: number): AppliedCounts {
  if (!db.inTransaction) throw new Error('applyPulled runs inside the ledger transaction that moves the cursor');
  const s = statements(db);
  db.prepare('INSERT INTO pull_applying (singleton) VALUES (1)').run();
  // A pulled return may name its original sale later in the same page; checked at commit.
  db.pragma('defer_foreign_keys = ON');
  const cardConflicts: string[] = [];
  let members = 0;
  let transactions = 0;
  let transfers = 0;
  let events = 0;

  /** Members this page found or wrote here (they cannot go away inside the transaction). */
  const present = new Set<string>();
  const memberHere = (id: string): boolean => {
    if (present.has(id)) return true;
    if (s.memberExists.get(id) === undefined) return false;
    present.add(id);
    return true;
  };
  /** Accounts this page made sure of. */
  const ensured = new Set<string>();
  const ensureAccount = (id: string): void => {
    if (ensured.has(id)) return;
    s.insertAccount.run(id, accountKind(id), accountUnit(id), memberOf(id));
    ensured.add(id);
  };

  for (const { member: m, contactWithheld } of entities.members) {
    const consent = m.marketingConsent ? 1 : 0;
    const withheld = contactWithheld ? 1 : 0;
    const inserted =
      s.insertMember.run(m.id, m.name, m.phone, m.email, m.birthday, consent, m.enrolledAt, m.enrolledBy, m.version, m.updatedAt, m.qrRef, m.pinHash, m.erasedAt, withheld).changes > 0;
    present.add(m.id);
    if (inserted) {
      ensureAccount(`member:${m.id}`);
      ensureAccount(`member-spend:${m.id}`);
    } else {
      const local = s.localMember.get(m.id) as { version: number; erased_at: number | null; updated_at: number };
      if (!pulledSnapshotWins(db, m, contactWithheld, local)) continue;
      const update = (): void => {
        s.updateMember.run(m.name, m.phone, m.email, m.birthday, consent, m.version, m.updatedAt, m.qrRef, m.pinHash, m.erasedAt, withheld, m.id);
      };
      if (m.erasedAt !== null) {
        db.pragma('secure_delete = ON');
        update();
        s.dropCards.run(m.id);
        db.pragma('secure_delete = OFF');
      } else update();
    }
    members += 1;
    if (m.erasedAt !== null) continue;
    for (const code of m.cards) {
      if (s.insertCard.run(code, m.id, now).changes > 0) continue;
      const owner = s.cardOwner.get(code) as string;
      if (owner !== m.id) cardConflicts.push(code);
    }
  }

  const unknownMember = (id: string, what: string): TallyError =>
    new TallyError('database-corrupt', `The server sent ${what} for member ${id} without the member's record: nothing of this page was applied; sync again, and tell support if it repeats`);
  for (const t of entities.transactions) {
    if (!memberHere(t.memberId)) {
      // Refused unless it is here already (an entry here names its member, so that is only another
      // member's entry with the same POS transaction).
      if (s.transactionExists.get(t.id, t.storeId, t.terminalId, t.kind, t.txnId) !== undefined) continue;
      throw unknownMember(t.memberId, `transaction ${t.id}`);
    }
    const inserted = s.insertTransaction.run(
      t.id, t.storeId, t.terminalId, t.kind, t.txnId, t.memberId, t.originalId, t.requestHash,
      JSON.stringify(t.request ?? null), JSON.stringify(t.record ?? null), JSON.stringify(t.result ?? null), t.cashier, t.createdAt,
    ).changes;
    transactions += inserted;
  }

  const balanceDelta = new Map<string, number>();
  const lotDelta = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, delta: number): void => {
    map.set(key, (map.get(key) ?? 0) + delta);
  };
  const applied: SyncTransfer[] = [];
  const noteKeptCopy = (t: SyncTransfer): void => {
    s.keptElsewhere.run({ id: t.id, storeId: t.storeId, terminalId: t.terminalId, epoch: t.epoch, seq: t.seq, bookedAt: t.bookedAt, now });
  };
  for (const t of entities.transfers) {
    if (!memberHere(t.memberId)) {
      if (s.transferExists.get(t.id, t.businessKey) !== undefined) continue;
      throw unknownMember(t.memberId, `transfer ${t.id}`);
    }
    if (!ensured.has(t.debitAccount) || !ensured.has(t.creditAccount)) {
      // Accounts before the transfer that names them: inserting a parent row while a deferred
      // foreign key is outstanding makes SQLite scan the child table for it. And only for a transfer
      // not here already (no empty account is left behind for one that is).
      if (s.transferExists.get(t.id, t.businessKey) !== undefined) {
        noteKeptCopy(t);
        continue;
      }
      ensureAccount(t.debitAccount);
      ensureAccount(t.creditAccount);
    }
    const inserted = s.insertTransfer.run(
      t.id, t.terminalId, t.epoch, t.seq, t.kind, t.unit, t.amount, t.debitAccount, t.creditAccount, t.memberId, t.businessKey, t.periodKind, t.period,
      t.transactionId, t.storeId, t.posTxnId, t.cashier, t.moneyAmount, t.currency, t.programId, t.programVersion, t.earnRatePoints, t.earnRatePer,
      t.effectiveAt, t.bookedAt, t.localTime, JSON.stringify(t.detail),
    ).changes > 0;
    if (!inserted) {
      noteKeptCopy(t);
      continue;
    }
    add(balanceDelta, t.debitAccount, -t.amount);
    add(balanceDelta, t.creditAccount, t.amount);
    applied.push(t);
    transfers += 1;
  }
  // Lots after every transfer of the page: a draw may come before its lot in arrival order.
  for (const t of applied) {
    for (const lot of t.lotsGranted) s.insertLot.run(lot.id, t.memberId, t.id, lot.points, lot.points, lot.id, lot.earnedAt, lot.expiresAt);
  }
  for (const t of applied) {
    for (const d of t.lotsDrawn) {
      if (s.lotExists.get(d.lotId) === undefined) {
        throw new TallyError('database-corrupt', `The server sent a draw from lot ${d.lotId}, which this terminal does not hold: nothing of this page was applied; sync again, and tell support if it repeats`);
      }
      if (s.insertDraw.run(t.id, d.lotId, d.points).changes > 0) add(lotDelta, d.lotId, -d.points);
    }
  }
  const moves = [...balanceDelta].filter(([, delta]) => delta !== 0);
  if (moves.length > 0) s.moveBalances.run(JSON.stringify(moves));
  for (const [lot, delta] of lotDelta) if (delta !== 0) s.moveLot.run(delta, lot);

  for (const e of entities.events) {
    if (!memberHere(e.memberId)) {
      if (s.eventExists.get(e.id, e.businessKey) !== undefined) continue;
      throw unknownMember(e.memberId, `event ${e.id}`);
    }
    events += s.insertEvent.run(e.id, e.memberId, e.kind, e.period, e.businessKey, e.terminalId, JSON.stringify(e.detail), e.bookedAt).changes;
  }

  db.prepare('DELETE FROM pull_applying').run();
  return { members, transactions, transfers, events, cardConflicts };
}

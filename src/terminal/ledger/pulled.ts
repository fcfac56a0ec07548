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
import type { MemberState } from '../../contract/pull.js';
import type { SyncTransfer } from '../../contract/sync.js';
import { TallyError } from '../../core/errors.js';
import { accountKind, accountUnit } from '../../core/ledger-model.js';
import type { SqliteDatabase } from './sqlite.js';

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

export function applyPulled(db: SqliteDatabase, entities: PulledEntities, now: number): AppliedCounts {
  if (!db.inTransaction) throw new Error('applyPulled runs inside the ledger transaction that moves the cursor');
  db.prepare('INSERT INTO pull_applying (singleton) VALUES (1)').run();
  // A pulled return may name its original sale later in the same page; checked at commit.
  db.pragma('defer_foreign_keys = ON');
  const cardConflicts: string[] = [];
  let members = 0;
  let transactions = 0;
  let transfers = 0;
  let events = 0;

  const localMember = db.prepare('SELECT version, erased_at FROM members WHERE id = ?');
  const insertMember = db.prepare(
    `INSERT INTO members (id, name, phone, email, birthday, marketing_consent, enrolled_at, enrolled_by, version, updated_at, qr_ref, pin_hash, erased_at, contact_withheld, pulled)
     VALUES (@id, @name, @phone, @email, @birthday, @consent, @enrolledAt, @enrolledBy, @version, @updatedAt, @qrRef, @pinHash, @erasedAt, @withheld, 1)`,
  );
  const updateMember = db.prepare(
    `UPDATE members SET name = @name, phone = @phone, email = @email, birthday = @birthday, marketing_consent = @consent, version = @version,
       updated_at = @updatedAt, qr_ref = @qrRef, pin_hash = @pinHash, erased_at = @erasedAt, contact_withheld = @withheld WHERE id = @id`,
  );
  const cardOwner = db.prepare('SELECT member_id FROM card_codes WHERE code = ?').pluck();
  const insertCard = db.prepare('INSERT INTO card_codes (code, member_id, added_at) VALUES (?, ?, ?)');
  const dropCards = db.prepare('DELETE FROM card_codes WHERE member_id = ?');
  const insertAccount = db.prepare('INSERT OR IGNORE INTO accounts (id, kind, unit, member_id) VALUES (?, ?, ?, ?)');
  const ensureAccount = (id: string): void => {
    insertAccount.run(id, accountKind(id), accountUnit(id), memberOf(id));
  };

  for (const { member: m, contactWithheld } of entities.members) {
    const local = localMember.get(m.id) as { version: number; erased_at: number | null } | undefined;
    if (local && (local.version >= m.version || local.erased_at !== null)) continue;
    const params = {
      id: m.id,
      name: m.name,
      phone: m.phone,
      email: m.email,
      birthday: m.birthday,
      consent: m.marketingConsent ? 1 : 0,
      enrolledAt: m.enrolledAt,
      enrolledBy: m.enrolledBy,
      version: m.version,
      updatedAt: m.updatedAt,
      qrRef: m.qrRef,
      pinHash: m.pinHash,
      erasedAt: m.erasedAt,
      withheld: contactWithheld ? 1 : 0,
    };
    if (local) {
      if (m.erasedAt !== null) {
        db.pragma('secure_delete = ON');
        updateMember.run(params);
        dropCards.run(m.id);
        db.pragma('secure_delete = OFF');
      } else updateMember.run(params);
    } else {
      insertMember.run(params);
      ensureAccount(`member:${m.id}`);
      ensureAccount(`member-spend:${m.id}`);
    }
    members += 1;
    if (m.erasedAt !== null) continue;
    for (const code of m.cards) {
      const owner = cardOwner.get(code) as string | undefined;
      if (owner === m.id) continue;
      if (owner !== undefined) {
        cardConflicts.push(code);
        continue;
      }
      insertCard.run(code, m.id, now);
    }
  }

  const transactionExists = db.prepare('SELECT 1 FROM transactions WHERE id = ? OR (store_id = ? AND terminal_id = ? AND kind = ? AND txn_id = ?)').pluck();
  const memberExists = db.prepare('SELECT 1 FROM members WHERE id = ?').pluck();
  const insertTransaction = db.prepare(
    `INSERT INTO transactions (id, store_id, terminal_id, kind, txn_id, member_id, original_id, request_hash, request, record, result, cashier, created_at, pulled)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
  );
  const unknownMember = (id: string, what: string): TallyError =>
    new TallyError('database-corrupt', `The server sent ${what} for member ${id} without the member's record: nothing of this page was applied; sync again, and tell support if it repeats`);
  for (const t of entities.transactions) {
    if (transactionExists.get(t.id, t.storeId, t.terminalId, t.kind, t.txnId) !== undefined) continue;
    if (memberExists.get(t.memberId) === undefined) throw unknownMember(t.memberId, `transaction ${t.id}`);
    insertTransaction.run(t.id, t.storeId, t.terminalId, t.kind, t.txnId, t.memberId, t.originalId, t.requestHash, JSON.stringify(t.request ?? null), JSON.stringify(t.record ?? null), JSON.stringify(t.result ?? null), t.cashier, t.createdAt);
    transactions += 1;
  }

  const transferExists = db.prepare('SELECT 1 FROM transfers WHERE id = ? OR business_key = ?').pluck();
  const insertTransfer = db.prepare(
    `INSERT INTO transfers (id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, member_id, business_key, period_kind, period,
       transaction_id, store_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version, earn_rate_points, earn_rate_per,
       effective_at, booked_at, local_time, detail, pulled)
     VALUES (@id, @terminalId, @epoch, @seq, @kind, @unit, @amount, @debitAccount, @creditAccount, @memberId, @businessKey, @periodKind, @period,
       @transactionId, @storeId, @posTxnId, @cashier, @moneyAmount, @currency, @programId, @programVersion, @earnRatePoints, @earnRatePer,
       @effectiveAt, @bookedAt, @localTime, @detailText, 1)`,
  );
  const drawsOf = db.prepare('SELECT coalesce(sum(points), 0) FROM lot_draws WHERE lot_id = ?').pluck();
  const insertLot = db.prepare('INSERT OR IGNORE INTO lots (id, member_id, transfer_id, points, remaining, earned_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const lotExists = db.prepare('SELECT 1 FROM lots WHERE id = ?').pluck();
  const insertDraw = db.prepare('INSERT OR IGNORE INTO lot_draws (transfer_id, lot_id, points) VALUES (?, ?, ?)');
  const balanceDelta = new Map<string, number>();
  const lotDelta = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, delta: number): void => {
    map.set(key, (map.get(key) ?? 0) + delta);
  };
  const applied: SyncTransfer[] = [];
  for (const t of entities.transfers) {
    if (transferExists.get(t.id, t.businessKey) !== undefined) continue;
    if (memberExists.get(t.memberId) === undefined) throw unknownMember(t.memberId, `transfer ${t.id}`);
    ensureAccount(t.debitAccount);
    ensureAccount(t.creditAccount);
    insertTransfer.run({ ...t, detailText: JSON.stringify(t.detail) });
    add(balanceDelta, t.debitAccount, -t.amount);
    add(balanceDelta, t.creditAccount, t.amount);
    applied.push(t);
    transfers += 1;
  }
  // Lots after every transfer of the page: a draw may come before its lot in arrival order.
  for (const t of applied) {
    for (const lot of t.lotsGranted) {
      // A lot drawn before it arrived here starts with those draws off (as on the server).
      insertLot.run(lot.id, t.memberId, t.id, lot.points, lot.points - (drawsOf.get(lot.id) as number), lot.earnedAt, lot.expiresAt);
    }
  }
  for (const t of applied) {
    for (const d of t.lotsDrawn) {
      if (lotExists.get(d.lotId) === undefined) {
        throw new TallyError('database-corrupt', `The server sent a draw from lot ${d.lotId}, which this terminal does not hold: nothing of this page was applied; sync again, and tell support if it repeats`);
      }
      if (insertDraw.run(t.id, d.lotId, d.points).changes > 0) add(lotDelta, d.lotId, -d.points);
    }
  }
  const moveBalance = db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?');
  for (const [account, delta] of balanceDelta) if (delta !== 0) moveBalance.run(delta, account);
  const moveLot = db.prepare('UPDATE lots SET remaining = remaining + ? WHERE id = ?');
  for (const [lot, delta] of lotDelta) if (delta !== 0) moveLot.run(delta, lot);

  const eventExists = db.prepare('SELECT 1 FROM events WHERE id = ? OR business_key = ?').pluck();
  const insertEvent = db.prepare('INSERT INTO events (id, member_id, kind, period, business_key, terminal_id, detail, booked_at, pulled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)');
  for (const e of entities.events) {
    if (eventExists.get(e.id, e.businessKey) !== undefined) continue;
    if (memberExists.get(e.memberId) === undefined) throw unknownMember(e.memberId, `event ${e.id}`);
    insertEvent.run(e.id, e.memberId, e.kind, e.period, e.businessKey, e.terminalId, JSON.stringify(e.detail), e.bookedAt);
    events += 1;
  }

  db.prepare('DELETE FROM pull_applying').run();
  return { members, transactions, transfers, events, cardConflicts };
}

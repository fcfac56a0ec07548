/** Holds, offline budgets and risk on SQLite (see ../spending.ts); called inside the store's write transactions. */
import { int, text, type Row } from '../rows.js';
import { assignHoldLots, authorisedSpends, budgetOverrun, fallbackHeldSpends, grantFromRow, HOLD_LOTS_SQL, RISK_GRANTS_SQL, RISK_OVERDRAWN_SQL, riskReport, type BudgetCount, type GrantTerms, type HoldLot, type HoldOutcome, type HoldRequestRecord, type OfflineGrantRecord, type RiskRow, type VoidOutcome } from '../spending.js';
import type { PushBatch, PushOutcome } from '../store.js';
import type { SqliteDatabase } from './driver.js';

const available = (db: SqliteDatabase, memberId: string, now: number, exceptHold: string | null): number =>
  db
    .prepare(
      `SELECT coalesce((SELECT balance FROM member_balances WHERE member_id = @m AND account = 'member:' || @m), 0)
            - coalesce((SELECT sum(points) FROM holds WHERE member_id = @m AND state = 'held' AND expires_at > @now AND id IS NOT @except), 0)`,
    )
    .pluck()
    .get({ m: memberId, now, except: exceptHold }) as number;

const holdLots = (db: SqliteDatabase, memberId: string, holdId: string): HoldLot[] =>
  (db.prepare('SELECT lot_id, points FROM hold_lots WHERE member_id = ? AND hold_id = ? ORDER BY lot_id').all(memberId, holdId) as Row[]).map((r) => ({ lotId: text(r, 'lot_id'), points: int(r, 'points') }));

export function sqliteCreateHold(db: SqliteDatabase, h: HoldRequestRecord): HoldOutcome {
  const held = db.prepare('SELECT points, expires_at, state, store_id, terminal_id FROM holds WHERE member_id = ? AND id = ?').get(h.memberId, h.holdId) as Row | undefined;
  // The same hold asked again (a lost answer): the same answer, if it is still the caller's and unchanged.
  if (held) {
    if (text(held, 'store_id') === h.storeId && text(held, 'terminal_id') === h.terminalId && int(held, 'points') === h.points && text(held, 'state') === 'held' && int(held, 'expires_at') > h.now) {
      return { ok: true, holdId: h.holdId, points: h.points, expiresAt: int(held, 'expires_at'), lots: holdLots(db, h.memberId, h.holdId) };
    }
    return { ok: false, available: available(db, h.memberId, h.now, h.holdId) };
  }
  const left = available(db, h.memberId, h.now, null);
  const assigned = assignHoldLots(db.prepare(HOLD_LOTS_SQL((n) => ['@m', '@now', '@hold'][n - 1]!)).all({ m: h.memberId, now: h.now, hold: h.holdId }) as Row[], h.points, h.expiresAt);
  // Short by the balance (less other holds) or by the lots left to reserve (a lot overdrawn offline
  // counts against the balance but holds nothing to draw): refused, with the smaller figure.
  if (left < h.points || assigned.available < h.points) return { ok: false, available: Math.min(left, assigned.available) };
  db.prepare(`INSERT INTO holds (member_id, id, store_id, terminal_id, points, created_at, expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'held')`).run(
    h.memberId,
    h.holdId,
    h.storeId,
    h.terminalId,
    h.points,
    h.now,
    h.expiresAt,
  );
  const reserve = db.prepare('INSERT INTO hold_lots (member_id, hold_id, lot_id, points) VALUES (?, ?, ?, ?)');
  for (const l of assigned.lots) reserve.run(h.memberId, h.holdId, l.lotId, l.points);
  return { ok: true, holdId: h.holdId, points: h.points, expiresAt: h.expiresAt, lots: assigned.lots };
}

export function sqliteVoidHold(db: SqliteDatabase, k: { memberId: string; holdId: string; storeId: string; terminalId: string; now: number }): VoidOutcome {
  const held = db.prepare('SELECT state, expires_at FROM holds WHERE member_id = ? AND id = ? AND store_id = ? AND terminal_id = ?').get(k.memberId, k.holdId, k.storeId, k.terminalId) as Row | undefined;
  if (!held) return 'unknown';
  const state = text(held, 'state');
  if (state !== 'held') return state === 'posted' ? 'posted' : 'voided';
  if (int(held, 'expires_at') <= k.now) return 'expired';
  db.prepare(`UPDATE holds SET state = 'voided', resolved_at = ? WHERE member_id = ? AND id = ?`).run(k.now, k.memberId, k.holdId);
  return 'voided';
}


/** The terminal's budget for now: the one not yet expired, else a new one (budgets never overlap). */
export function sqliteOfflineGrant(db: SqliteDatabase, r: { storeId: string; terminalId: string; now: number; newId: string; terms: GrantTerms }): OfflineGrantRecord {
  const current = db.prepare('SELECT * FROM offline_grants WHERE store_id = ? AND terminal_id = ? AND expires_at > ? ORDER BY expires_at DESC LIMIT 1').get(r.storeId, r.terminalId, r.now) as Row | undefined;
  if (current) return grantFromRow(current);
  const own = db.prepare('SELECT offline_budget_points FROM stores WHERE id = ?').pluck().get(r.storeId) as number | null | undefined;
  const grant: OfflineGrantRecord = {
    id: r.newId,
    points: own ?? r.terms.points,
    perTransaction: r.terms.perTransaction,
    perMember: r.terms.perMember,
    snapshotMaxAgeMs: r.terms.snapshotMaxAgeMs,
    grantedAt: r.now,
    expiresAt: r.now + r.terms.periodMs,
  };
  db.prepare(
    'INSERT INTO offline_grants (store_id, terminal_id, id, points, per_transaction, per_member, snapshot_max_age_ms, granted_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(r.storeId, r.terminalId, grant.id, grant.points, grant.perTransaction, grant.perMember, grant.snapshotMaxAgeMs, grant.grantedAt, grant.expiresAt);
  return grant;
}

const insertAlert = (db: SqliteDatabase, batch: PushBatch, kind: string, entity: string, entityId: string, detail: unknown): void => {
  db.prepare('INSERT INTO alerts (kind, store_id, terminal_id, entity, entity_id, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(kind, batch.storeId, batch.terminalId, entity, entityId, JSON.stringify(detail), batch.now);
};

/**
 * After a push applied: posts the holds its spends name, counts offline spends against their
 * budgets, and raises alerts for a spend whose hold was not there to post (expired, voided,
 * unknown) and an offline budget or member cap overrun. A held spend whose hold had lapsed is kept
 * (the customer had the discount) and counted against the offline budget it named as its fallback,
 * as an offline spend: what a late push overdraws is then within that budget, and shown with it in
 * the risk report. A member below zero is not an alert raised here (which push tips a member below
 * zero depends on arrival order): `riskReport` lists them from the state itself.
 * Returns the batch's held spends counted against a budget, now or by an earlier push.
 */
export function sqliteSettleSpends(db: SqliteDatabase, batch: PushBatch, outcome: PushOutcome): string[] {
  for (const s of authorisedSpends(batch, outcome)) {
    if (s.authority.kind === 'hold') {
      const posted = db
        .prepare(`UPDATE holds SET state = 'posted', resolved_at = ?, transaction_id = ? WHERE member_id = ? AND id = ? AND store_id = ? AND terminal_id = ? AND state = 'held' AND expires_at > ?`)
        .run(batch.now, s.transactionId, s.memberId, s.authority.holdId, batch.storeId, batch.terminalId, batch.now).changes;
      if (posted > 0) continue;
      const fallback = s.authority.fallbackGrantId ?? null;
      insertAlert(db, batch, 'hold-not-posted', 'transaction', s.transactionId, { memberId: s.memberId, holdId: s.authority.holdId, points: s.authority.points, fallbackGrantId: fallback });
      if (fallback !== null) countAgainstBudget(db, batch, { memberId: s.memberId, transactionId: s.transactionId, grantId: fallback, points: s.authority.points, holdId: s.authority.holdId });
      continue;
    }
    countAgainstBudget(db, batch, { memberId: s.memberId, transactionId: s.transactionId, grantId: s.authority.grantId, points: s.authority.points, holdId: null });
  }
  const counted = db.prepare('SELECT 1 FROM offline_spends WHERE member_id = ? AND transaction_id = ? AND hold_id IS NOT NULL').pluck();
  return fallbackHeldSpends(batch)
    .filter((h) => counted.get(h.memberId, h.transactionId) !== undefined)
    .map((h) => h.transactionId);
}

function countAgainstBudget(db: SqliteDatabase, batch: PushBatch, c: BudgetCount): void {
  db.prepare('INSERT INTO offline_spends (member_id, transaction_id, store_id, terminal_id, grant_id, points, received_at, hold_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING').run(
    c.memberId,
    c.transactionId,
    batch.storeId,
    batch.terminalId,
    c.grantId,
    c.points,
    batch.now,
    c.holdId,
  );
  const grant = db.prepare('SELECT points, per_member FROM offline_grants WHERE store_id = ? AND terminal_id = ? AND id = ?').get(batch.storeId, batch.terminalId, c.grantId) as Row | undefined;
  if (!grant) {
    insertAlert(db, batch, 'offline-grant-unknown', 'transaction', c.transactionId, { memberId: c.memberId, grantId: c.grantId, points: c.points, ...(c.holdId === null ? {} : { holdId: c.holdId }) });
    return;
  }
  const spent = db.prepare('SELECT coalesce(sum(points), 0) AS total, coalesce(sum(CASE WHEN member_id = ? THEN points END), 0) AS member FROM offline_spends WHERE store_id = ? AND terminal_id = ? AND grant_id = ?').get(c.memberId, batch.storeId, batch.terminalId, c.grantId) as Row;
  const overrun = budgetOverrun(c, grant, spent);
  if (overrun) insertAlert(db, batch, 'offline-budget-exceeded', 'transaction', c.transactionId, overrun);
}

export function sqliteRiskReport(db: SqliteDatabase, now: number): RiskRow[] {
  const stores = db.prepare('SELECT id FROM stores ORDER BY id').pluck().all() as string[];
  return riskReport(stores, db.prepare(RISK_GRANTS_SQL('?')).all(now) as Row[], db.prepare(RISK_OVERDRAWN_SQL).all() as Row[]);
}

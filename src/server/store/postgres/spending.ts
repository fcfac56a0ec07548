/**
 * Holds, offline budgets and risk on PostgreSQL (see ../spending.ts). A hold locks the member's
 * points balance row first, so two counters asking at once for the same member are served one after
 * the other and cannot both be granted the same points.
 */
import { int, text, type Row } from '../rows.js';
import { assignHoldLots, authorisedSpends, budgetOverrun, fallbackHeldSpends, grantFromRow, HOLD_LOTS_SQL, RISK_GRANTS_SQL, RISK_OVERDRAWN_SQL, riskReport, type BudgetCount, type GrantTerms, type HoldOutcome, type HoldRequestRecord, type OfflineGrantRecord, type RiskRow, type VoidOutcome } from '../spending.js';
import type { PushBatch, PushOutcome } from '../store.js';
import type { PgClient } from './driver.js';

type Queryable = Pick<PgClient, 'query'>;

async function rows(c: Queryable, sql: string, values: readonly unknown[]): Promise<Row[]> {
  return (await c.query(sql, [...values])).rows as Row[];
}

async function available(c: Queryable, memberId: string, now: number, exceptHold: string | null): Promise<number> {
  const [row] = await rows(
    c,
    `SELECT coalesce((SELECT balance FROM member_balances WHERE member_id = $1 AND account = 'member:' || $1), 0)
          - coalesce((SELECT sum(points) FROM holds WHERE member_id = $1 AND state = 'held' AND expires_at > $2 AND id IS DISTINCT FROM $3), 0) AS available`,
    [memberId, now, exceptHold],
  );
  return row ? int(row, 'available') : 0;
}

export async function pgCreateHold(c: Queryable, h: HoldRequestRecord): Promise<HoldOutcome> {
  // The balance row is the member's lock (made at 0 if the member has none yet: verify agrees with 0).
  await c.query(`INSERT INTO member_balances (member_id, account, balance) VALUES ($1, 'member:' || $1, 0) ON CONFLICT DO NOTHING`, [h.memberId]);
  await c.query(`SELECT 1 FROM member_balances WHERE member_id = $1 AND account = 'member:' || $1 FOR UPDATE`, [h.memberId]);
  const [held] = await rows(c, 'SELECT points, expires_at, state, store_id, terminal_id FROM holds WHERE member_id = $1 AND id = $2', [h.memberId, h.holdId]);
  if (held) {
    if (text(held, 'store_id') === h.storeId && text(held, 'terminal_id') === h.terminalId && int(held, 'points') === h.points && text(held, 'state') === 'held' && int(held, 'expires_at') > h.now) {
      const lots = (await rows(c, 'SELECT lot_id, points FROM hold_lots WHERE member_id = $1 AND hold_id = $2 ORDER BY lot_id', [h.memberId, h.holdId])).map((r) => ({ lotId: text(r, 'lot_id'), points: int(r, 'points') }));
      return { ok: true, holdId: h.holdId, points: h.points, expiresAt: int(held, 'expires_at'), lots };
    }
    return { ok: false, available: await available(c, h.memberId, h.now, h.holdId) };
  }
  const left = await available(c, h.memberId, h.now, null);
  // The member's lock (above) serialises this with every other hold and push of the member.
  const assigned = assignHoldLots(await rows(c, HOLD_LOTS_SQL((n) => `$${n}`), [h.memberId, h.now, h.holdId]), h.points, h.expiresAt);
  // See sqliteCreateHold: short by the balance or by the lots left to reserve.
  if (left < h.points || assigned.available < h.points) return { ok: false, available: Math.min(left, assigned.available) };
  await c.query(`INSERT INTO holds (member_id, id, store_id, terminal_id, points, created_at, expires_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, 'held')`, [
    h.memberId,
    h.holdId,
    h.storeId,
    h.terminalId,
    h.points,
    h.now,
    h.expiresAt,
  ]);
  for (const l of assigned.lots) await c.query('INSERT INTO hold_lots (member_id, hold_id, lot_id, points) VALUES ($1, $2, $3, $4)', [h.memberId, h.holdId, l.lotId, l.points]);
  return { ok: true, holdId: h.holdId, points: h.points, expiresAt: h.expiresAt, lots: assigned.lots };
}

export async function pgVoidHold(c: Queryable, k: { memberId: string; holdId: string; storeId: string; terminalId: string; now: number }): Promise<VoidOutcome> {
  const [held] = await rows(c, 'SELECT state, expires_at FROM holds WHERE member_id = $1 AND id = $2 AND store_id = $3 AND terminal_id = $4 FOR UPDATE', [k.memberId, k.holdId, k.storeId, k.terminalId]);
  if (!held) return 'unknown';
  const state = text(held, 'state');
  if (state !== 'held') return state === 'posted' ? 'posted' : 'voided';
  if (int(held, 'expires_at') <= k.now) return 'expired';
  await c.query(`UPDATE holds SET state = 'voided', resolved_at = $1 WHERE member_id = $2 AND id = $3`, [k.now, k.memberId, k.holdId]);
  return 'voided';
}


export async function pgOfflineGrant(c: Queryable, r: { storeId: string; terminalId: string; now: number; newId: string; terms: GrantTerms }): Promise<OfflineGrantRecord> {
  // One grant at a time per terminal, even when two requests race.
  await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7305))', [`${r.storeId}/${r.terminalId}`]);
  const [current] = await rows(c, 'SELECT * FROM offline_grants WHERE store_id = $1 AND terminal_id = $2 AND expires_at > $3 ORDER BY expires_at DESC LIMIT 1', [r.storeId, r.terminalId, r.now]);
  if (current) return grantFromRow(current);
  const [store] = await rows(c, 'SELECT offline_budget_points FROM stores WHERE id = $1', [r.storeId]);
  const own = store?.['offline_budget_points'];
  const grant: OfflineGrantRecord = {
    id: r.newId,
    points: own === null || own === undefined ? r.terms.points : int(store!, 'offline_budget_points'),
    perTransaction: r.terms.perTransaction,
    perMember: r.terms.perMember,
    snapshotMaxAgeMs: r.terms.snapshotMaxAgeMs,
    grantedAt: r.now,
    expiresAt: r.now + r.terms.periodMs,
  };
  await c.query(
    'INSERT INTO offline_grants (store_id, terminal_id, id, points, per_transaction, per_member, snapshot_max_age_ms, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    [r.storeId, r.terminalId, grant.id, grant.points, grant.perTransaction, grant.perMember, grant.snapshotMaxAgeMs, grant.grantedAt, grant.expiresAt],
  );
  return grant;
}

async function alert(c: Queryable, batch: PushBatch, kind: string, entity: string, entityId: string, detail: unknown): Promise<void> {
  await c.query('INSERT INTO alerts (kind, store_id, terminal_id, entity, entity_id, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    kind,
    batch.storeId,
    batch.terminalId,
    entity,
    entityId,
    JSON.stringify(detail),
    batch.now,
  ]);
}

/** See sqliteSettleSpends: posts holds, counts offline spends and lapsed held spends against their budgets; returns the batch's counted held spends. */
export async function pgSettleSpends(c: Queryable, batch: PushBatch, outcome: PushOutcome): Promise<string[]> {
  for (const s of authorisedSpends(batch, outcome)) {
    if (s.authority.kind === 'hold') {
      const posted = await c.query(
        `UPDATE holds SET state = 'posted', resolved_at = $1, transaction_id = $2 WHERE member_id = $3 AND id = $4 AND store_id = $5 AND terminal_id = $6 AND state = 'held' AND expires_at > $1`,
        [batch.now, s.transactionId, s.memberId, s.authority.holdId, batch.storeId, batch.terminalId],
      );
      if ((posted.rowCount ?? 0) > 0) continue;
      const fallback = s.authority.fallbackGrantId ?? null;
      await alert(c, batch, 'hold-not-posted', 'transaction', s.transactionId, { memberId: s.memberId, holdId: s.authority.holdId, points: s.authority.points, fallbackGrantId: fallback });
      if (fallback !== null) await countAgainstBudget(c, batch, { memberId: s.memberId, transactionId: s.transactionId, grantId: fallback, points: s.authority.points, holdId: s.authority.holdId });
      continue;
    }
    await countAgainstBudget(c, batch, { memberId: s.memberId, transactionId: s.transactionId, grantId: s.authority.grantId, points: s.authority.points, holdId: null });
  }
  const counted: string[] = [];
  for (const h of fallbackHeldSpends(batch)) {
    if ((await rows(c, 'SELECT 1 FROM offline_spends WHERE member_id = $1 AND transaction_id = $2 AND hold_id IS NOT NULL', [h.memberId, h.transactionId])).length > 0) counted.push(h.transactionId);
  }
  return counted;
}

async function countAgainstBudget(c: Queryable, batch: PushBatch, n: BudgetCount): Promise<void> {
  await c.query('INSERT INTO offline_spends (member_id, transaction_id, store_id, terminal_id, grant_id, points, received_at, hold_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING', [
    n.memberId,
    n.transactionId,
    batch.storeId,
    batch.terminalId,
    n.grantId,
    n.points,
    batch.now,
    n.holdId,
  ]);
  const [grant] = await rows(c, 'SELECT points, per_member FROM offline_grants WHERE store_id = $1 AND terminal_id = $2 AND id = $3', [batch.storeId, batch.terminalId, n.grantId]);
  if (!grant) {
    await alert(c, batch, 'offline-grant-unknown', 'transaction', n.transactionId, { memberId: n.memberId, grantId: n.grantId, points: n.points, ...(n.holdId === null ? {} : { holdId: n.holdId }) });
    return;
  }
  const [spent] = await rows(
    c,
    'SELECT coalesce(sum(points), 0) AS total, coalesce(sum(CASE WHEN member_id = $1 THEN points END), 0) AS member FROM offline_spends WHERE store_id = $2 AND terminal_id = $3 AND grant_id = $4',
    [n.memberId, batch.storeId, batch.terminalId, n.grantId],
  );
  const overrun = spent ? budgetOverrun(n, grant, spent) : null;
  if (overrun) await alert(c, batch, 'offline-budget-exceeded', 'transaction', n.transactionId, overrun);
}

export async function pgRiskReport(c: Queryable, now: number): Promise<RiskRow[]> {
  const stores = (await rows(c, 'SELECT id FROM stores ORDER BY id', [])).map((r) => text(r, 'id'));
  return riskReport(stores, await rows(c, RISK_GRANTS_SQL('$1'), [now]), await rows(c, RISK_OVERDRAWN_SQL, []));
}

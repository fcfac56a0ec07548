/**
 * Holds, offline budgets and the store risk they bound, shared by both stores: the shapes, and what a
 * push's new transactions say allowed their spends (src/contract/spending.ts). Each adapter writes
 * these in its own dialect (sqlite/spending.ts, postgres/spending.ts), inside the push's transaction.
 */
import { spendingAuthoritySchema, type SpendingAuthorityBody } from '../../contract/spending.js';
import { compareLots } from '../../core/rules/lots.js';
import { int, intOrNull, text, type Row } from './rows.js';
import type { PushBatch, PushOutcome } from './store.js';

export interface HoldRequestRecord {
  readonly memberId: string;
  readonly holdId: string;
  readonly storeId: string;
  readonly terminalId: string;
  readonly points: number;
  readonly now: number;
  readonly expiresAt: number;
}

/** A lot and the points of it a hold reserves (what the spend booked against the hold draws). */
export interface HoldLot {
  readonly lotId: string;
  readonly points: number;
}

export type HoldOutcome =
  | { readonly ok: true; readonly holdId: string; readonly points: number; readonly expiresAt: number; readonly lots: readonly HoldLot[] }
  | { readonly ok: false; readonly available: number };

/**
 * The SQL (both dialects, parameters in `p`) for a member's open lots with what other unexpired
 * holds reserve of each: `id`, `remaining`, `earned_at`, `expires_at`, `reserved`.
 * p(1) member, p(2) now, p(3) the hold being granted (its own reservation is not another's).
 */
export const HOLD_LOTS_SQL = (p: (n: number) => string): string => `SELECT l.id, l.remaining, l.earned_at, l.expires_at,
    coalesce((SELECT sum(hl.points) FROM hold_lots hl JOIN holds h ON h.member_id = hl.member_id AND h.id = hl.hold_id
      WHERE hl.member_id = l.member_id AND hl.lot_id = l.id AND h.state = 'held' AND h.expires_at > ${p(2)} AND h.id <> ${p(3)}), 0) AS reserved
  FROM lots l WHERE l.member_id = ${p(1)} AND l.remaining > 0`;

/**
 * The lots a new hold reserves: soonest-expiring first (the order a terminal draws in, src/core/rules/lots.ts),
 * each only for what other unexpired holds leave of it, and never a lot that expires before the hold
 * does (the counter would expire it before the spend). Two counters holding at once are thus given
 * different points of the member's lots, not both the same lot: each books exactly the draws named
 * here. `available` is what could be reserved in all (the hold is refused when short).
 */
export function assignHoldLots(rows: readonly Row[], points: number, holdExpiresAt: number): { readonly lots: HoldLot[]; readonly available: number } {
  const open = rows
    .map((r) => ({ id: text(r, 'id'), remaining: int(r, 'remaining') - int(r, 'reserved'), earnedAt: int(r, 'earned_at'), expiresAt: intOrNull(r, 'expires_at'), sourceTransferId: '' }))
    .filter((l) => l.remaining > 0 && (l.expiresAt === null || l.expiresAt > holdExpiresAt))
    .sort(compareLots);
  const lots: HoldLot[] = [];
  let left = points;
  for (const lot of open) {
    if (left === 0) break;
    const take = Math.min(left, lot.remaining);
    lots.push({ lotId: lot.id, points: take });
    left -= take;
  }
  return { lots, available: open.reduce((sum, l) => sum + l.remaining, 0) };
}

export type VoidOutcome = 'voided' | 'posted' | 'expired' | 'unknown';

export interface GrantTerms {
  /** The budget; a store's own (`tally-server store budget`) replaces the program's. */
  readonly points: number;
  readonly perTransaction: number;
  readonly perMember: number;
  readonly snapshotMaxAgeMs: number;
  readonly periodMs: number;
}

export interface OfflineGrantRecord {
  readonly id: string;
  readonly points: number;
  readonly perTransaction: number;
  readonly perMember: number;
  readonly snapshotMaxAgeMs: number;
  readonly grantedAt: number;
  readonly expiresAt: number;
}

export interface RiskRow {
  readonly storeId: string;
  /** Offline budgets granted to this store's terminals and not expired. */
  readonly grantedPoints: number;
  /** Spent offline under those budgets so far (late held spends included). */
  readonly spentOffline: number;
  /** Of `spentOffline`: held spends that reached the server after their hold lapsed, counted against the budget they named. */
  readonly lateHeldSpends: number;
  /** Members below zero whose latest offline spend was at this store, and by how much in all. */
  readonly overdrawnMembers: number;
  readonly overdraftPoints: number;
}

export interface AuthorisedSpend {
  readonly memberId: string;
  readonly transactionId: string;
  readonly authority: SpendingAuthorityBody;
}

/** The spends of a push's newly applied transactions, with what allowed them (invalid records are ignored: verify sees the spend). */
export function authorisedSpends(batch: PushBatch, outcome: PushOutcome): AuthorisedSpend[] {
  if (!outcome.ok) return [];
  const fresh = new Set(outcome.results.filter((r) => r.entity === 'transaction' && r.status === 'ok').map((r) => r.id));
  const spends: AuthorisedSpend[] = [];
  for (const item of batch.items) {
    if (item.entity !== 'transaction' || !fresh.has(item.transaction.id)) continue;
    const request = item.transaction.request;
    if (typeof request !== 'object' || request === null || !('authority' in request)) continue;
    const parsed = spendingAuthoritySchema.safeParse((request as { authority: unknown }).authority);
    if (parsed.success) spends.push({ memberId: item.transaction.memberId, transactionId: item.transaction.id, authority: parsed.data });
  }
  return spends;
}

/**
 * Every transaction of the batch booked under a hold that names a fallback budget, whether applied
 * now or already held (a resend after a lost answer): the push answer says which of them were
 * counted against their budget, so the terminal's view of its budget matches the server's.
 */
export function fallbackHeldSpends(batch: PushBatch): { readonly memberId: string; readonly transactionId: string }[] {
  const out: { memberId: string; transactionId: string }[] = [];
  for (const item of batch.items) {
    if (item.entity !== 'transaction') continue;
    const request = item.transaction.request;
    if (typeof request !== 'object' || request === null || !('authority' in request)) continue;
    const parsed = spendingAuthoritySchema.safeParse((request as { authority: unknown }).authority);
    if (parsed.success && parsed.data.kind === 'hold' && parsed.data.fallbackGrantId !== undefined) out.push({ memberId: item.transaction.memberId, transactionId: item.transaction.id });
  }
  return out;
}

/**
 * What to count against an offline budget for a spend of the push: an offline spend, or a held spend
 * whose hold had lapsed and that named a fallback budget (null: nothing to count; the hold was
 * posted, or the spend named no fallback). `holdId` is null for an offline spend.
 */
export interface BudgetCount {
  readonly memberId: string;
  readonly transactionId: string;
  readonly grantId: string;
  readonly points: number;
  readonly holdId: string | null;
}

/**
 * The alert, if any, for a budget after counting a spend: an overrun of the budget, or (offline
 * spends only) of the member's cap. A lapsed held spend is checked against the budget alone: it was
 * booked online, within the budget's room but under no per-visit or per-member cap (those bound what
 * a counter may let one member spend blind; a held spend saw the server's figures).
 */
export function budgetOverrun(count: BudgetCount, grant: Row, spent: Row): Record<string, unknown> | null {
  const total = int(spent, 'total');
  const member = int(spent, 'member');
  const over = total > int(grant, 'points') || (count.holdId === null && member > int(grant, 'per_member'));
  if (!over) return null;
  return {
    memberId: count.memberId,
    grantId: count.grantId,
    spent: total,
    budget: int(grant, 'points'),
    memberSpent: member,
    perMember: int(grant, 'per_member'),
    ...(count.holdId === null ? {} : { holdId: count.holdId, lapsedHold: true }),
  };
}

export function grantFromRow(r: Row): OfflineGrantRecord {
  return {
    id: text(r, 'id'),
    points: int(r, 'points'),
    perTransaction: int(r, 'per_transaction'),
    perMember: int(r, 'per_member'),
    snapshotMaxAgeMs: int(r, 'snapshot_max_age_ms'),
    grantedAt: int(r, 'granted_at'),
    expiresAt: int(r, 'expires_at'),
  };
}

/**
 * The risk report from three reads: the stores, the unexpired grants with what was spent under
 * each (`store_id`, `points`, `spent`, and `late`: of it, held spends counted after their hold lapsed), and the members below zero with the store of their latest
 * offline spend (`balance`, `store_id` or null: never spent offline).
 */
export function riskReport(storeIds: readonly string[], grants: readonly Row[], overdrawn: readonly Row[]): RiskRow[] {
  const out = new Map<string, { grantedPoints: number; spentOffline: number; lateHeldSpends: number; overdrawnMembers: number; overdraftPoints: number }>();
  const row = (storeId: string) => {
    let r = out.get(storeId);
    if (!r) out.set(storeId, (r = { grantedPoints: 0, spentOffline: 0, lateHeldSpends: 0, overdrawnMembers: 0, overdraftPoints: 0 }));
    return r;
  };
  for (const id of storeIds) row(id);
  for (const g of grants) {
    const r = row(text(g, 'store_id'));
    r.grantedPoints += int(g, 'points');
    r.spentOffline += int(g, 'spent');
    r.lateHeldSpends += int(g, 'late');
  }
  for (const m of overdrawn) {
    const storeId = m['store_id'];
    const r = row(typeof storeId === 'string' ? storeId : '(online)');
    r.overdrawnMembers += 1;
    r.overdraftPoints += -int(m, 'balance');
  }
  return [...out].map(([storeId, r]) => ({ storeId, ...r }));
}

export const RISK_GRANTS_SQL = (now: string): string => `SELECT g.store_id, g.points,
    coalesce((SELECT sum(s.points) FROM offline_spends s WHERE s.store_id = g.store_id AND s.terminal_id = g.terminal_id AND s.grant_id = g.id), 0) AS spent,
    coalesce((SELECT sum(s.points) FROM offline_spends s WHERE s.store_id = g.store_id AND s.terminal_id = g.terminal_id AND s.grant_id = g.id AND s.hold_id IS NOT NULL), 0) AS late
  FROM offline_grants g WHERE g.expires_at > ${now}`;

export const RISK_OVERDRAWN_SQL = `SELECT b.balance,
    (SELECT s.store_id FROM offline_spends s WHERE s.member_id = b.member_id ORDER BY s.received_at DESC, s.transaction_id DESC LIMIT 1) AS store_id
  FROM member_balances b WHERE b.account = 'member:' || b.member_id AND b.balance < 0`;

/**
 * Holds, offline budgets and the store risk they bound, shared by both stores: the shapes, and what a
 * push's new transactions say allowed their spends (src/contract/spending.ts). Each adapter writes
 * these in its own dialect (sqlite/spending.ts, postgres/spending.ts), inside the push's transaction.
 */
import { spendingAuthoritySchema, type SpendingAuthorityBody } from '../../contract/spending.js';
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

export type HoldOutcome = { readonly ok: true; readonly holdId: string; readonly points: number; readonly expiresAt: number } | { readonly ok: false; readonly available: number };

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
  /** Spent offline under those budgets so far. */
  readonly spentOffline: number;
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

/**
 * The vocabulary of the double-entry points ledger, shared by the rules (which plan transfers) and
 * the terminal ledger and server (which book them). A transfer moves a positive integer amount from
 * a debit account to a credit account; an account's balance is credits minus debits, so a member's
 * points account is what the program owes the member and `issuance` runs negative.
 */
import type { Instant } from './time.js';

export type Unit = 'points' | 'money';

export const ACCOUNTS = {
  issuance: 'issuance',
  redeemed: 'redeemed',
  expired: 'expired',
  adjustments: 'adjustments',
  /** Points a return should have taken back but the member had spent, taken off the refund in money. */
  refundDeductions: 'refund-deductions',
  /** Money: the source of qualifying spend. */
  sales: 'sales',
  /** Money: what the POS took for membership fees. */
  posTender: 'pos-tender',
  membershipFees: 'membership-fees',
} as const;

export const memberAccount = (memberId: string): string => `member:${memberId}`;
export const memberSpendAccount = (memberId: string): string => `member-spend:${memberId}`;
export const charityAccount = (charityId: string): string => `charity:${charityId}`;
export const storeRiskAccount = (storeId: string): string => `store-risk:${storeId}`;

/** The program accounts that hold money; every other non-member account holds points. */
export const MONEY_PROGRAM_ACCOUNTS: readonly string[] = [ACCOUNTS.sales, ACCOUNTS.posTender, ACCOUNTS.membershipFees];

export type AccountKind = 'member-points' | 'member-spend' | 'program' | 'charity' | 'store-risk';

/** Whose an account is, read from its name (the terminal and the server read it the same way). */
export function accountKind(id: string): AccountKind {
  if (id.startsWith('member:')) return 'member-points';
  if (id.startsWith('member-spend:')) return 'member-spend';
  if (id.startsWith('charity:')) return 'charity';
  if (id.startsWith('store-risk:')) return 'store-risk';
  return 'program';
}

/** Which unit an account holds, read from its name. */
export function accountUnit(id: string): Unit {
  return id.startsWith('member-spend:') || MONEY_PROGRAM_ACCOUNTS.includes(id) ? 'money' : 'points';
}

export type TransferKind =
  | 'earn'
  | 'bonus-day'
  | 'redeem'
  | 'return-earn'
  | 'return-uncollected'
  | 'return-redeem'
  | 'qualifying-spend'
  | 'return-qualifying-spend'
  | 'welcome'
  | 'birthday'
  | 'action'
  | 'donation'
  | 'expiry'
  | 'membership-sale'
  | 'membership-refund'
  | 'membership-credit'
  | 'annual-reward'
  | 'adjustment-credit'
  | 'adjustment-debit';

export type EventKind = 'tier-review' | 'membership-lapse' | 'member-erased' | 'pin-set';

/**
 * Idempotency comes from business keys, never from ids: a POS transaction (store, terminal, POS
 * transaction id, kind) for what happens at the counter, and (member, kind, period) for what time
 * brings, so whichever terminal or server books a time-driven entry first, the next booking is a no-op.
 */
export type BusinessKey =
  | { readonly type: 'transaction'; readonly kind: TransferKind }
  | { readonly type: 'period'; readonly kind: string; readonly period: string };

export function transactionKeyText(storeId: string, terminalId: string, txnId: string, kind: string): string {
  return `t:${storeId}:${terminalId}:${txnId}:${kind}`;
}

export function periodKeyText(memberId: string, kind: string, period: string): string {
  return `m:${memberId}:${kind}:${period}`;
}

export interface LotGrant {
  readonly id: string;
  readonly points: number;
  /** When the points count as earned (a back-dated monthly credit: the month it is for). */
  readonly earnedAt: Instant;
  readonly expiresAt: Instant | null;
}

export interface LotDraw {
  readonly lotId: string;
  readonly points: number;
}

export interface PlannedTransfer {
  readonly id: string;
  readonly kind: TransferKind;
  readonly unit: Unit;
  readonly amount: number;
  readonly debit: string;
  readonly credit: string;
  readonly memberId: string;
  readonly key: BusinessKey;
  /** For money transfers the amount is in the program currency; for points, the money it relates to (basket total, discount). */
  readonly moneyAmount: number | null;
  /** When the movement counts (a return's qualifying-spend reversal counts in the original sale's period). */
  readonly effectiveAt: Instant;
  readonly earnRate: { readonly points: number; readonly per: number } | null;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly lotsGranted: readonly LotGrant[];
  readonly lotsDrawn: readonly LotDraw[];
}

export interface PlannedEvent {
  readonly id: string;
  readonly kind: EventKind;
  readonly memberId: string;
  readonly period: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

import { ACCOUNTS, charityAccount, storeRiskAccount, type Unit } from '../../core/ledger-model.js';
import type { Program } from '../../core/program/schema.js';

export type AccountKind = 'member-points' | 'member-spend' | 'program' | 'charity' | 'store-risk';

const MONEY_ACCOUNTS = new Set<string>([ACCOUNTS.sales, ACCOUNTS.posTender, ACCOUNTS.membershipFees]);

export function accountKind(id: string): AccountKind {
  if (id.startsWith('member:')) return 'member-points';
  if (id.startsWith('member-spend:')) return 'member-spend';
  if (id.startsWith('charity:')) return 'charity';
  if (id.startsWith('store-risk:')) return 'store-risk';
  return 'program';
}

export function accountUnit(id: string): Unit {
  return id.startsWith('member-spend:') || MONEY_ACCOUNTS.has(id) ? 'money' : 'points';
}

/** Every non-member account a program's transfers can touch at this store. */
export function programAccounts(program: Program, storeId: string): string[] {
  return [...Object.values(ACCOUNTS), ...program.charities.map((c) => charityAccount(c.id)), storeRiskAccount(storeId)];
}

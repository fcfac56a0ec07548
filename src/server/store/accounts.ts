/**
 * Which unit an account holds and whose it is, read from its name. The terminal has the same rule
 * (src/terminal/ledger/accounts.ts); the server may not import the terminal, and the rule is small,
 * so it is repeated here — keep the two in step (or move both into src/core).
 */
import { ACCOUNTS, type Unit } from '../../core/ledger-model.js';

const MEMBER_POINTS = 'member:';
const MEMBER_SPEND = 'member-spend:';

/** The program accounts that hold money; every other non-member account holds points. */
export const MONEY_PROGRAM_ACCOUNTS: readonly string[] = [ACCOUNTS.sales, ACCOUNTS.posTender, ACCOUNTS.membershipFees];

export function accountUnit(account: string): Unit {
  return account.startsWith(MEMBER_SPEND) || MONEY_PROGRAM_ACCOUNTS.includes(account) ? 'money' : 'points';
}

/** The member a member account (`member:<id>` points, `member-spend:<id>` money) belongs to, else null. */
export function memberOfAccount(account: string): string | null {
  if (account.startsWith(MEMBER_POINTS)) return account.slice(MEMBER_POINTS.length);
  if (account.startsWith(MEMBER_SPEND)) return account.slice(MEMBER_SPEND.length);
  return null;
}

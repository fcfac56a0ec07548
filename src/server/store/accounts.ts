/**
 * Whose a member account is, read from its name. Which unit an account holds is one rule for the
 * terminal and the server: `accountUnit` and `MONEY_PROGRAM_ACCOUNTS` in src/core/ledger-model.ts.
 */
const MEMBER_POINTS = 'member:';
const MEMBER_SPEND = 'member-spend:';

/** The member a member account (`member:<id>` points, `member-spend:<id>` money) belongs to, else null. */
export function memberOfAccount(account: string): string | null {
  if (account.startsWith(MEMBER_POINTS)) return account.slice(MEMBER_POINTS.length);
  if (account.startsWith(MEMBER_SPEND)) return account.slice(MEMBER_SPEND.length);
  return null;
}

import { ACCOUNTS, charityAccount, storeRiskAccount } from '../../core/ledger-model.js';
import type { Program } from '../../core/program/schema.js';

/** Every non-member account a program's transfers can touch at this store. */
export function programAccounts(program: Program, storeId: string): string[] {
  return [...Object.values(ACCOUNTS), ...program.charities.map((c) => charityAccount(c.id)), storeRiskAccount(storeId)];
}

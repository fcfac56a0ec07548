/**
 * Who may spend a member's points. Scanning a card or a slip's QR code identifies a member (earn,
 * show the balance); spending (redeeming, donating, paying a membership with points) needs a proof
 * the program accepts, within its limits per visit and per day. The proof itself (a PIN's hash, a
 * spend code's signature) is checked by the terminal; this decides whether what was proven is enough.
 */
import { TallyError } from '../errors.js';
import type { Program } from '../program/schema.js';

export type SpendProofKind = 'spend-code' | 'pin' | 'cashier';

const PROOF_WORDS: Readonly<Record<SpendProofKind, string>> = {
  'spend-code': "a spend code from the member's app",
  pin: "the member's PIN",
  cashier: 'a cashier confirming they checked the member (ID or card in hand)',
};

export function describeProofs(kinds: readonly SpendProofKind[]): string {
  const words = kinds.map((k) => PROOF_WORDS[k]);
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)!}`;
}

export interface SpendFacts {
  /** Points this command spends. */
  readonly points: number;
  /** Points the member already spent today (local day) at this terminal. */
  readonly spentToday: number;
  /** The proof given and verified, or null. */
  readonly proof: SpendProofKind | null;
}

/** Throws `spend-limit` or `proof-required` when the spend may not go ahead. */
export function checkSpending(program: Program, facts: SpendFacts): void {
  const { spending } = program;
  if (facts.points <= 0) return;
  if (spending.perVisit !== undefined && facts.points > spending.perVisit) {
    throw new TallyError('spend-limit', `At most ${spending.perVisit} points can be spent in one visit (this spends ${facts.points}); nothing was written`);
  }
  if (spending.perDay !== undefined && facts.spentToday + facts.points > spending.perDay) {
    const left = Math.max(0, spending.perDay - facts.spentToday);
    throw new TallyError('spend-limit', `At most ${spending.perDay} points can be spent in a day; ${facts.spentToday} already were today, so ${left} are left; nothing was written`);
  }
  if (facts.points <= spending.withoutProofUpTo) return;
  if (facts.proof !== null && spending.proofs.includes(facts.proof)) return;
  const accepted = describeProofs(spending.proofs);
  const given = facts.proof === null ? '' : ` (${PROOF_WORDS[facts.proof]} is not one this program takes)`;
  throw new TallyError('proof-required', `Spending points needs ${accepted}${given}: a scanned card or receipt QR code only identifies the member; nothing was written`);
}

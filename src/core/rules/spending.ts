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

/** What the server granted this terminal for spending while offline (see `spending.offline`). */
export interface OfflineGrant {
  readonly id: string;
  readonly points: number;
  readonly perTransaction: number;
  readonly perMember: number;
  readonly snapshotMaxAgeMs: number;
  /** On the server's clock. */
  readonly expiresAt: number;
}

export interface OfflineSpendFacts {
  readonly points: number;
  /** The current time on the server's clock, as this terminal estimates it. */
  readonly serverNow: number;
  /** How old what this terminal knows of the member is (null: never synced). */
  readonly snapshotAgeMs: number | null;
  /** Points spent offline under this grant: at this terminal, and by this member at this terminal. */
  readonly spentUnderGrant: number;
  readonly memberSpentUnderGrant: number;
}

/**
 * Throws `offline-limit` when an offline spend is beyond what the server granted. The message says
 * which limit and what is left, so the cashier can offer what is possible (or earn only).
 */
export function checkOfflineSpending(grant: OfflineGrant | null, facts: OfflineSpendFacts): void {
  if (facts.points <= 0) return;
  const tail = 'the server cannot be reached, so points can be spent only within what it allowed this terminal in advance; nothing was written';
  if (grant === null) throw new TallyError('offline-limit', `This terminal has no offline budget from the server yet (sync once while online): ${tail}`);
  if (facts.serverNow >= grant.expiresAt) throw new TallyError('offline-limit', `This terminal's offline budget expired (sync to get a new one): ${tail}`);
  if (facts.snapshotAgeMs === null || facts.snapshotAgeMs > grant.snapshotMaxAgeMs) {
    const hours = Math.round(grant.snapshotMaxAgeMs / 3_600_000);
    throw new TallyError('offline-limit', `This terminal last heard from the server more than ${hours} hours ago, so the member's points may have been spent elsewhere: ${tail}`);
  }
  if (facts.points > grant.perTransaction) throw new TallyError('offline-limit', `At most ${grant.perTransaction} points can be spent in one visit while offline (this spends ${facts.points}): ${tail}`);
  if (facts.memberSpentUnderGrant + facts.points > grant.perMember) {
    const left = Math.max(0, grant.perMember - facts.memberSpentUnderGrant);
    throw new TallyError('offline-limit', `This member can spend ${left} more points at this terminal while offline (${grant.perMember} per budget period): ${tail}`);
  }
  if (facts.spentUnderGrant + facts.points > grant.points) {
    const left = Math.max(0, grant.points - facts.spentUnderGrant);
    throw new TallyError('offline-limit', `This terminal's offline budget has ${left} points left (of ${grant.points}): ${tail}`);
  }
}

export interface HoldCoverFacts {
  /** Points this spend takes under the hold. */
  readonly points: number;
  /** The current time on the server's clock, as this terminal estimates it. */
  readonly serverNow: number;
  /** Points counted against the grant already: offline spends, and held spends not known to be posted. */
  readonly spentUnderGrant: number;
}

/**
 * Throws `spend-cover-limit` when a spend under a server hold does not fit in the room left in
 * this terminal's offline budget. A held spend whose push reaches the server only after the hold
 * expired (a link down for longer than the hold lasts) is kept, and counted against that budget as
 * an offline spend; so a counter books one only while the budget can take it, and what late pushes
 * can overdraw stays within the budgets granted (README, "The worst case"). Only the budget's total
 * applies: the per-visit and per-member caps and the snapshot age bound spending blind, and a held
 * spend saw the server's figures. A budget of 0 therefore stops held spends too.
 */
export function checkHoldCover(grant: OfflineGrant | null, facts: HoldCoverFacts): void {
  if (facts.points <= 0) return;
  const tail = 'a spend is covered by this terminal\'s offline budget until the server confirms it, in case the link drops first; nothing was written';
  if (grant === null) throw new TallyError('spend-cover-limit', `This terminal has no offline budget from the server yet (run tally sync): ${tail}`);
  if (facts.serverNow >= grant.expiresAt) throw new TallyError('spend-cover-limit', `This terminal's offline budget expired (run tally sync for a new one): ${tail}`);
  if (facts.spentUnderGrant + facts.points > grant.points) {
    const left = Math.max(0, grant.points - facts.spentUnderGrant);
    const why = grant.points === 0 ? "This store's offline budget is 0 points, so no spend can be covered" : `This terminal's offline budget has ${left} points left (of ${grant.points}) and this spends ${facts.points}; run tally sync so the server confirms earlier spends, or spend less`;
    throw new TallyError('spend-cover-limit', `${why}: ${tail}`, { left, budget: grant.points });
  }
}

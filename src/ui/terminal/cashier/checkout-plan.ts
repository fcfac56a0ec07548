/**
 * The cashier's decisions that are not drawing: the POS transaction id of a basket, the redemption
 * a cashier chose as contract arguments, whether the member must prove they are there, and why a
 * catalogue reward cannot be used (in words the screen translates, not the host's English reason).
 */
import type { Quote } from '../../../core/rules/checkout.js';
import type { RewardOption } from '../../../core/rules/redeem.js';
import type { CheckoutArgs } from '../../../contract/commands.js';
import type { MemberSummary } from '../../../contract/member-summary.js';
import type { TerminalInfo } from '../../../contract/terminal-info.js';

/**
 * A POS transaction id made once per basket, so that sending the same basket again (after a lost
 * connection) is the same checkout, which the host answers as `replayed` without booking twice.
 * 64 random bits (16 hex digits): no two baskets of a terminal's lifetime meet (one in 10^7 after a
 * million), and `UI-` + 16 fits on the slip's date line, where a whole UUID would wrap; a person
 * reads it back from the slip for a return.
 */
export function newTxnId(random: { getRandomValues(array: Uint8Array): Uint8Array } = crypto): string {
  return prefixedId('UI', random);
}

/** An id for a booking the screen starts (RT- a return, AC- an action, MS- a membership, DN- a donation): kept for retries of that booking. */
export function prefixedId(prefix: string, random: { getRandomValues(array: Uint8Array): Uint8Array } = crypto): string {
  const bytes = random.getRandomValues(new Uint8Array(8));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Whether enrolment takes a "referred by" card: the program models a referral as the referrer's
 * action `referral` limited per reference (the host books it with the new member as the reference).
 */
export function takesReferral(info: TerminalInfo): boolean {
  return info.program.actions.some((action) => action.id === 'referral' && action.limit === 'per-reference');
}

export type RedeemChoice = { readonly kind: 'none' } | { readonly kind: 'points'; readonly points: number } | { readonly kind: 'reward'; readonly rewardId: string };

export const NO_REDEMPTION: RedeemChoice = { kind: 'none' };

export function redeemArgs(choice: RedeemChoice): CheckoutArgs['redeem'] {
  if (choice.kind === 'points') return { points: choice.points };
  if (choice.kind === 'reward') return { rewardId: choice.rewardId };
  return undefined;
}

export type ProofKind = TerminalInfo['program']['spendProofs'][number];

/** The proofs the screen offers, in the order it offers them: a PIN first (quickest at a till). */
export function proofKinds(info: TerminalInfo): ProofKind[] {
  const order: readonly ProofKind[] = ['pin', 'spend-code', 'cashier'];
  return order.filter((kind) => info.program.spendProofs.includes(kind));
}

/** Whether the chosen redemption spends more than the program lets a visit spend without proof. */
export function proofNeeded(quote: Quote, info: TerminalInfo): boolean {
  return (quote.redemption.chosen?.points ?? 0) > info.program.withoutProofUpTo;
}

export type RewardReason =
  | { readonly key: 'preview.reasonInsufficient'; readonly points: number; readonly balance: number }
  | { readonly key: 'preview.reasonOverCap'; readonly discount: number; readonly cap: number }
  | { readonly key: 'preview.reasonNotApplicable' };

/** Why an unavailable reward cannot be used on this basket, from the quote's figures. */
export function rewardReason(option: RewardOption, quote: Quote): RewardReason {
  if (option.points > quote.redemption.balance) return { key: 'preview.reasonInsufficient', points: option.points, balance: quote.redemption.balance };
  if (option.discount > quote.redemption.cap) return { key: 'preview.reasonOverCap', discount: option.discount, cap: quote.redemption.cap };
  return { key: 'preview.reasonNotApplicable' };
}

/** Catalogue rewards the member's balance covers (before a basket decides whether they apply). */
export function affordableRewards(member: MemberSummary, info: TerminalInfo): TerminalInfo['program']['rewards'] {
  return info.program.rewards.filter((reward) => reward.points <= member.balance);
}

/** How far the member is to the next tier, 0 to 1 (null at the top tier or without tiers). */
export function tierProgressRatio(tier: MemberSummary['tier']): number | null {
  if (tier === null || tier.nextTier === null || tier.spendToNext === null) return null;
  const goal = tier.qualifyingSpend + tier.spendToNext;
  return goal <= 0 ? 1 : Math.min(1, Math.max(0, tier.qualifyingSpend / goal));
}

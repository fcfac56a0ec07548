/**
 * What the customer display shows for the cashier's step: the member once scanned, the basket's
 * preview, the thank-you once booked, the member (with the balance after it) around an action
 * bonus, a membership or a donation, idle otherwise (waiting, an unknown card, an enrolment the
 * cashier is typing, a return, the camera). Only what src/contract/customer-view.ts allows: the name masked as the
 * cashier's screen shows it; never the card, the phone or the member id.
 */
import type { CustomerMemberView, CustomerView } from '../../../contract/customer-view.js';
import type { MemberSummary } from '../../../contract/member-summary.js';
import type { CheckoutReceipt } from '../../../contract/results.js';
import type { Quote, TierProgress } from '../../../core/rules/checkout.js';
import { maskName } from '../../../core/receipt/slip.js';

/**
 * What it reads of the cashier's step (use-cashier.ts's Phase has this shape and more): its own
 * type, so that this stays a plain function of data, testable without React.
 */
export type CashierStep =
  | { readonly kind: 'waiting' | 'unknown-card' | 'enrol' | 'return' | 'return-done' | 'camera' }
  | { readonly kind: 'extra'; readonly sale: { readonly member: MemberSummary } }
  | { readonly kind: 'extra-done'; readonly sale: { readonly member: MemberSummary }; readonly booked: { readonly receipt: { readonly balance: number } } }
  | { readonly kind: 'basket'; readonly sale: { readonly member: MemberSummary } }
  | {
      readonly kind: 'preview';
      readonly sale: { readonly member: MemberSummary };
      readonly quote: Pick<Quote, 'amountDue' | 'balanceAfter'> & { readonly earn: Pick<Quote['earn'], 'points'>; readonly redemption: { readonly chosen: { readonly points: number } | null } };
    }
  | { readonly kind: 'done'; readonly sale: { readonly member: MemberSummary }; readonly receipt: Pick<CheckoutReceipt, 'balance' | 'earned' | 'redeemed' | 'tier'> };

function tierView(tier: TierProgress | null): CustomerMemberView['tier'] {
  return tier === null ? null : { tier: tier.tier, nextTier: tier.nextTier, spendToNext: tier.spendToNext, qualifyingSpend: tier.qualifyingSpend };
}

function memberView(member: MemberSummary, balance: number, tier: TierProgress | null): CustomerMemberView {
  const name = member.name === null || member.erasedAt !== null || member.name.trim() === '' ? null : maskName(member.name);
  return { name, balance, tier: tierView(tier) };
}

export function customerViewOf(phase: CashierStep): CustomerView {
  switch (phase.kind) {
    case 'basket':
    case 'extra':
      return { state: 'member', member: memberView(phase.sale.member, phase.sale.member.balance, phase.sale.member.tier) };
    case 'extra-done':
      return { state: 'member', member: memberView(phase.sale.member, phase.booked.receipt.balance, phase.sale.member.tier) };
    case 'preview':
      return {
        state: 'preview',
        member: memberView(phase.sale.member, phase.sale.member.balance, phase.sale.member.tier),
        amountDue: phase.quote.amountDue,
        earn: phase.quote.earn.points,
        redeem: phase.quote.redemption.chosen?.points ?? 0,
        balanceAfter: phase.quote.balanceAfter,
      };
    case 'done':
      return {
        state: 'thanks',
        member: memberView(phase.sale.member, phase.receipt.balance, phase.receipt.tier),
        earned: phase.receipt.earned,
        redeemed: phase.receipt.redeemed?.points ?? 0,
      };
    default:
      return { state: 'idle' };
  }
}

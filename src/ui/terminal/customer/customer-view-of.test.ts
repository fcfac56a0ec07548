// What the customer display is told for each step of the cashier's flow.
import { describe, expect, it } from 'vitest';
import { customerViewSchema } from '../../../contract/customer-view.js';
import type { MemberSummary } from '../../../contract/member-summary.js';
import { customerViewOf, type CashierStep } from './customer-view-of.js';

const member: MemberSummary = {
  memberId: '01900000-0000-7000-8000-000000000001',
  name: 'Kim Minji',
  cards: ['2900000000018'],
  balance: 1000,
  tier: { tier: 'silver', qualifyingSpend: 45_000, nextTier: 'gold', spendToNext: 5_000, periodEnd: 1_800_000_000_000 },
  membership: null,
  expiringSoon: [],
  enrolledAt: 1_700_000_000_000,
  birthday: '1994-11-20',
  phone: '010-1234-5678',
  email: 'minji@example.com',
  marketingConsent: true,
  hasPin: true,
  erasedAt: null,
  version: 1,
};
const sale = { card: '2900000000018', member, txnId: 'UI-0011223344556677', amountText: '45000' };
const quote = { amountDue: 40_000, earn: { points: 40 }, redemption: { chosen: { points: 500 } }, balanceAfter: 540 };
const receipt = { balance: 540, earned: 40, redeemed: { points: 500, discount: 5_000, rewardId: null }, tier: { ...member.tier!, tier: 'gold', nextTier: null, spendToNext: null } };

describe('customerViewOf', () => {
  it('follows the cashier: idle, the member, the preview, the thank-you', () => {
    const member = { name: 'K** M****', balance: 1000, tier: { tier: 'silver', nextTier: 'gold', spendToNext: 5_000, qualifyingSpend: 45_000 } };
    const phases: [CashierStep, unknown][] = [
      [{ kind: 'waiting' }, { state: 'idle' }],
      [{ kind: 'unknown-card' }, { state: 'idle' }],
      [{ kind: 'enrol' }, { state: 'idle' }],
      [{ kind: 'basket', sale }, { state: 'member', member }],
      [{ kind: 'preview', sale, quote }, { state: 'preview', member, amountDue: 40_000, earn: 40, redeem: 500, balanceAfter: 540 }],
      [{ kind: 'return' }, { state: 'idle' }],
      [{ kind: 'camera' }, { state: 'idle' }],
      [{ kind: 'extra', sale }, { state: 'member', member: { name: 'K** M****', balance: 1000, tier: { tier: 'silver', nextTier: 'gold', spendToNext: 5_000, qualifyingSpend: 45_000 } } }],
      [{ kind: 'extra-done', sale, booked: { receipt: { balance: 1300 } } }, { state: 'member', member: { name: 'K** M****', balance: 1300, tier: { tier: 'silver', nextTier: 'gold', spendToNext: 5_000, qualifyingSpend: 45_000 } } }],
      [{ kind: 'done', sale, receipt }, { state: 'thanks', member: { name: 'K** M****', balance: 540, tier: { tier: 'gold', nextTier: null, spendToNext: null, qualifyingSpend: 45_000 } }, earned: 40, redeemed: 500 }],
    ];
    for (const [phase, view] of phases) {
      const made = customerViewOf(phase);
      expect(made, phase.kind).toEqual(view);
      // What it makes is what the host accepts.
      expect(customerViewSchema.safeParse(made).success, phase.kind).toBe(true);
    }
  });

  it('shows no name for a member who gave none or was erased, and never the phone or card', () => {
    expect(customerViewOf({ kind: 'basket', sale: { ...sale, member: { ...member, name: null } } })).toMatchObject({ member: { name: null } });
    expect(customerViewOf({ kind: 'basket', sale: { ...sale, member: { ...member, erasedAt: 1 } } })).toMatchObject({ member: { name: null } });
    const text = JSON.stringify(customerViewOf({ kind: 'basket', sale }));
    for (const secret of ['Minji', '010', '2900000000018', 'example.com', member.memberId]) expect(text, secret).not.toContain(secret);
  });
});

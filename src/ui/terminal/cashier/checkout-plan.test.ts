import { describe, expect, it } from 'vitest';
import type { Quote } from '../../../core/rules/checkout.js';
import { txnIdSchema } from '../../../contract/commands.js';
import type { TerminalInfo } from '../../../contract/terminal-info.js';
import { newTxnId, prefixedId, proofKinds, proofNeeded, redeemArgs, rewardReason, tierProgressRatio } from './checkout-plan.js';

const program = (spendProofs: TerminalInfo['program']['spendProofs'], withoutProofUpTo = 0) => ({ program: { spendProofs, withoutProofUpTo } }) as unknown as TerminalInfo;
const quoteWith = (redemption: Partial<Quote['redemption']>) => ({ redemption: { balance: 300, cap: 20_000, chosen: null, pointsAsCurrency: null, rewards: [], ...redemption } }) as unknown as Quote;

describe('the cashier’s checkout decisions', () => {
  it('makes a POS id per basket that the contract accepts, from 64 random bits', () => {
    const fixed = { getRandomValues: (array: Uint8Array): Uint8Array => array.fill(0xab) };
    expect(newTxnId(fixed)).toBe('UI-abababababababab');
    const ids = new Set(Array.from({ length: 1000 }, () => newTxnId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(txnIdSchema.safeParse(id).success).toBe(true);
  });

  it('makes the ids of returns, bonuses, sales and donations the contract accepts, by their prefix', () => {
    const fixed = { getRandomValues: (array: Uint8Array): Uint8Array => array.fill(0x0f) };
    for (const prefix of ['RT', 'AC', 'MS', 'DN']) {
      const id = prefixedId(prefix, fixed);
      expect(id).toBe(`${prefix}-0f0f0f0f0f0f0f0f`);
      expect(txnIdSchema.safeParse(id).success).toBe(true);
    }
  });

  it('sends the chosen redemption as the contract’s arguments', () => {
    expect(redeemArgs({ kind: 'none' })).toBeUndefined();
    expect(redeemArgs({ kind: 'points', points: 500 })).toEqual({ points: 500 });
    expect(redeemArgs({ kind: 'reward', rewardId: 'free-coffee' })).toEqual({ rewardId: 'free-coffee' });
  });

  it('asks for a proof only beyond what the program lets a visit spend without one, offering the PIN first', () => {
    const chosen = (points: number) => quoteWith({ chosen: { points, discount: points * 10, rewardId: null, lineIndex: null, spreadOver: 'basket' } });
    expect(proofNeeded(quoteWith({}), program(['pin']))).toBe(false);
    expect(proofNeeded(chosen(500), program(['pin']))).toBe(true);
    expect(proofNeeded(chosen(500), program(['pin'], 500))).toBe(false);
    expect(proofNeeded(chosen(501), program(['pin'], 500))).toBe(true);
    expect(proofKinds(program(['cashier', 'spend-code', 'pin']))).toEqual(['pin', 'spend-code', 'cashier']);
    expect(proofKinds(program(['spend-code']))).toEqual(['spend-code']);
  });

  it('says why a reward cannot be used, from the quote’s figures', () => {
    const quote = quoteWith({ balance: 300, cap: 4_000 });
    const reward = { id: 'r', name: { en: 'R', ko: 'R' }, available: false };
    expect(rewardReason({ ...reward, points: 400, discount: 1000 }, quote)).toEqual({ key: 'preview.reasonInsufficient', points: 400, balance: 300 });
    expect(rewardReason({ ...reward, points: 200, discount: 5000 }, quote)).toEqual({ key: 'preview.reasonOverCap', discount: 5000, cap: 4000 });
    expect(rewardReason({ ...reward, points: 200, discount: 0 }, quote)).toEqual({ key: 'preview.reasonNotApplicable' });
  });

  it('measures progress to the next tier, none at the top', () => {
    expect(tierProgressRatio(null)).toBeNull();
    expect(tierProgressRatio({ tier: 'gold', qualifyingSpend: 90_000, nextTier: null, spendToNext: null, periodEnd: null })).toBeNull();
    expect(tierProgressRatio({ tier: 'silver', qualifyingSpend: 45_000, nextTier: 'gold', spendToNext: 5_000, periodEnd: null })).toBe(0.9);
    expect(tierProgressRatio({ tier: 'bronze', qualifyingSpend: 0, nextTier: 'silver', spendToNext: 25_000, periodEnd: null })).toBe(0);
  });
});

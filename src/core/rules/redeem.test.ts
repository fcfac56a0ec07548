/**
 * Redemption: points as currency (classic-krw: 1 point = 10 KRW, from 500 in steps of 100, at most
 * 50% of the basket) and catalogue rewards (sporting-goods-usd: $10 off, 15% off, a free bottle).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { basketTotal, lineNet, parseBasket, type Basket, type BasketInput } from '../basket.js';
import { isTallyError, type TallyErrorCode } from '../errors.js';
import { parseProgramText } from '../program/parse.js';
import type { Program } from '../program/schema.js';
import { excludedLines } from './earn.js';
import { chooseRedemption, redemptionOptions, type RedeemRequest, type RedemptionOptions } from './redeem.js';

const PROGRAMS = join(import.meta.dirname, '..', '..', '..', 'resources', 'programs');
const example = (name: string): Program => parseProgramText(readFileSync(join(PROGRAMS, `${name}.json`), 'utf8'), `${name}.json`);
const classic = example('classic-krw');
const sporting = example('sporting-goods-usd');
const plus = example('plus-membership-charity');

const basket = (input: BasketInput): Basket => parseBasket(input);

/** Options for a basket with no member discount (payable = basket total). */
function optionsFor(program: Program, b: Basket, balance: number): RedemptionOptions {
  return redemptionOptions(program, b, { remaining: b.lines.map(lineNet), excluded: excludedLines(program, b) }, basketTotal(b), balance);
}

function refusalCode(program: Program, options: RedemptionOptions, request: RedeemRequest): { code: TallyErrorCode; message: string } {
  try {
    chooseRedemption(program, options, request);
  } catch (error) {
    if (isTallyError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the redemption was allowed');
}

const groceries45k = basket({ currency: 'KRW', lines: [{ sku: 'GROCERIES', quantity: 1, unitPrice: 45_000 }] });

describe('points as currency (classic-krw)', () => {
  it('offers up to half the basket: 45,000 KRW → at most 2,200 points for 22,000 KRW', () => {
    // cap 45000 × 50% = 22500 KRW = 2250 points at 10 KRW each → down to a step of 100 → 2200
    const options = optionsFor(classic, groceries45k, 3_000);
    expect(options.cap).toBe(22_500);
    expect(options.pointsAsCurrency).toEqual({ minimumPoints: 500, maximumPoints: 2_200, step: 100, points: 1, amount: 10, maximumDiscount: 22_000, available: true });
  });

  it('limits the maximum by the balance, in whole steps', () => {
    // balance 2150 → 2100 (steps of 100) < 2200 by cap
    expect(optionsFor(classic, groceries45k, 2_150).pointsAsCurrency?.maximumPoints).toBe(2_100);
    expect(optionsFor(classic, groceries45k, 2_150).pointsAsCurrency?.maximumDiscount).toBe(21_000); // 2100 × 10
  });

  it('is not available below the minimum of 500 points', () => {
    expect(optionsFor(classic, groceries45k, 450).pointsAsCurrency).toMatchObject({ maximumPoints: 400, available: false });
    // a small basket caps points too: 9,000 KRW × 50% = 4,500 KRW = 450 points → 400 < 500
    const small = basket({ currency: 'KRW', lines: [{ sku: 'SNACK', quantity: 1, unitPrice: 9_000 }] });
    expect(optionsFor(classic, small, 5_000).pointsAsCurrency).toMatchObject({ maximumPoints: 400, available: false });
  });

  it('turns 1,000 points into 10,000 KRW off', () => {
    expect(chooseRedemption(classic, optionsFor(classic, groceries45k, 3_000), { points: 1_000 })).toEqual({ points: 1_000, discount: 10_000, rewardId: null, lineIndex: null, spreadOver: 'basket' });
  });

  it('accepts exactly the minimum and exactly the maximum', () => {
    const options = optionsFor(classic, groceries45k, 3_000);
    expect(chooseRedemption(classic, options, { points: 500 }).discount).toBe(5_000);
    expect(chooseRedemption(classic, options, { points: 2_200 }).discount).toBe(22_000);
  });

  it('refuses what is not a step, below the minimum, more than the balance or more than the cap', () => {
    const options = optionsFor(classic, groceries45k, 3_000);
    expect(refusalCode(classic, options, { points: 550 })).toEqual({ code: 'redemption-not-allowed', message: 'Points are redeemed in steps of 100; 550 is not a multiple' });
    expect(refusalCode(classic, options, { points: 400 })).toEqual({ code: 'redemption-not-allowed', message: 'At least 500 points must be redeemed at once' });
    expect(refusalCode(classic, options, { points: 3_100 })).toEqual({ code: 'insufficient-points', message: 'Not enough points: 3100 requested, balance is 3000' });
    expect(refusalCode(classic, options, { points: 2_300 })).toEqual({ code: 'redemption-not-allowed', message: 'At most 2200 points can pay for this basket (50% of it)' });
  });

  it('refuses zero, negative and fractional points as invalid-input', () => {
    const options = optionsFor(classic, groceries45k, 3_000);
    for (const points of [0, -500, 500.5, Number.NaN]) expect(refusalCode(classic, options, { points }).code, String(points)).toBe('invalid-input');
  });

  it('lets points pay a whole basket when maxBasketShare is 100 (plus: 100 points = $1)', () => {
    const b = basket({ currency: 'USD', lines: [{ sku: 'APPLES', quantity: 1, unitPrice: 750 }] });
    // cap $7.50 = 750 points → down to a step of 100 → 700 points = $7.00
    expect(optionsFor(plus, b, 10_000).pointsAsCurrency).toMatchObject({ maximumPoints: 700, maximumDiscount: 700, available: true });
  });

  it('refuses points as currency in a catalogue-only program', () => {
    const b = basket({ currency: 'USD', lines: [{ sku: 'BALL', quantity: 1, unitPrice: 2_500 }] });
    const options = optionsFor(sporting, b, 5_000);
    expect(options.pointsAsCurrency).toBeNull();
    expect(refusalCode(sporting, options, { points: 500 }).code).toBe('redemption-not-allowed');
  });
});

describe('catalogue rewards (sporting-goods-usd)', () => {
  const shoeAndBottles = basket({
    currency: 'USD',
    lines: [
      { sku: 'SHOE-RUN-42', quantity: 1, unitPrice: 8_999, category: 'footwear' },
      { sku: 'BOTTLE-750', quantity: 1, unitPrice: 2_999, category: 'accessories' },
      { sku: 'BOTTLE-750', quantity: 2, unitPrice: 1_999, category: 'accessories' },
    ],
  });

  it('gives $10 off for 300 points', () => {
    const options = optionsFor(sporting, shoeAndBottles, 1_000);
    expect(options.rewards.find((r) => r.id === 'ten-off')).toEqual({ id: 'ten-off', name: { en: '$10 off', ko: '10달러 할인' }, points: 300, discount: 1_000, available: true });
    expect(chooseRedemption(sporting, options, { rewardId: 'ten-off' })).toEqual({ points: 300, discount: 1_000, rewardId: 'ten-off', lineIndex: null, spreadOver: 'discountable' });
  });

  it('gives 15% of what the basket costs, rounded down', () => {
    // 8999 + 2999 + 2 × 1999 = 15996; × 15% = 2399.4 → 2399
    const options = optionsFor(sporting, shoeAndBottles, 1_000);
    expect(options.rewards.find((r) => r.id === 'fifteen-percent')).toMatchObject({ discount: 2_399, available: true });
  });

  it('takes the cheapest matching unit free', () => {
    // Bottles at 29.99 and 19.99: the 19.99 one (line 2) is free
    const options = optionsFor(sporting, shoeAndBottles, 1_000);
    expect(options.rewards.find((r) => r.id === 'free-bottle')).toMatchObject({ discount: 1_999, lineIndex: 2, available: true });
    expect(chooseRedemption(sporting, options, { rewardId: 'free-bottle' })).toEqual({ points: 500, discount: 1_999, rewardId: 'free-bottle', lineIndex: 2, spreadOver: 'discountable' });
  });

  it('counts a unit after the line discount, and caps it at maxValue', () => {
    // 3 bottles at 12.00 with 1.00 off the line: (3600 − 100) / 3 = 1166.67 → 1166
    const discounted = basket({ currency: 'USD', lines: [{ sku: 'BOTTLE-750', quantity: 3, unitPrice: 1_200, discount: 100 }] });
    expect(optionsFor(sporting, discounted, 1_000).rewards.find((r) => r.id === 'free-bottle')).toMatchObject({ discount: 1_166, lineIndex: 0 });
    // A 34.99 insulated bottle: free up to the $25.00 maxValue
    const insulated = basket({ currency: 'USD', lines: [{ sku: 'BOTTLE-750', quantity: 1, unitPrice: 3_499 }] });
    expect(optionsFor(sporting, insulated, 1_000).rewards.find((r) => r.id === 'free-bottle')).toMatchObject({ discount: 2_500 });
  });

  it('matches a free item by category too (classic-krw free coffee)', () => {
    const b = basket({
      currency: 'KRW',
      lines: [
        { sku: 'LATTE', quantity: 1, unitPrice: 5_500, category: 'coffee' },
        { sku: 'AMERICANO', quantity: 2, unitPrice: 4_000, category: 'coffee' },
        { sku: 'MUFFIN', quantity: 1, unitPrice: 3_500, category: 'bakery' },
      ],
    });
    // cheapest coffee unit 4000 (line 1); 4000 ≤ cap (21000 × 50% = 10500)
    expect(optionsFor(classic, b, 400).rewards[0]).toMatchObject({ id: 'free-coffee', discount: 4_000, lineIndex: 1, available: true });
  });

  it('says why a reward cannot be used, and refuses it with the right code', () => {
    const options = optionsFor(sporting, shoeAndBottles, 400);
    const fifteen = options.rewards.find((r) => r.id === 'fifteen-percent');
    expect(fifteen).toMatchObject({ available: false, reason: 'needs 1000 points, the member has 400' });
    expect(refusalCode(sporting, options, { rewardId: 'fifteen-percent' })).toEqual({ code: 'insufficient-points', message: 'Reward "fifteen-percent" cannot be used: needs 1000 points, the member has 400' });

    const shoeOnly = basket({ currency: 'USD', lines: [{ sku: 'SHOE-RUN-42', quantity: 1, unitPrice: 8_999 }] });
    const noBottle = optionsFor(sporting, shoeOnly, 1_000);
    expect(noBottle.rewards.find((r) => r.id === 'free-bottle')).toMatchObject({ available: false, discount: 0, reason: 'the basket has no BOTTLE-750 to take free' });
    expect(refusalCode(sporting, noBottle, { rewardId: 'free-bottle' }).code).toBe('redemption-not-allowed');

    // A $5 basket cannot take $10 off: it applies to $5.00 of goods
    const cheap = basket({ currency: 'USD', lines: [{ sku: 'GEL', quantity: 1, unitPrice: 500 }] });
    const tooBig = optionsFor(sporting, cheap, 1_000);
    expect(tooBig.rewards.find((r) => r.id === 'ten-off')).toMatchObject({ available: false, reason: 'worth $10.00, more than the $5.00 of this basket it applies to' });
    expect(refusalCode(sporting, tooBig, { rewardId: 'ten-off' }).code).toBe('redemption-not-allowed');
  });

  it('calls a 15%-off on a 6-cent basket worth nothing', () => {
    // 6 × 15% = 0.9 → 0 cents
    const tiny = basket({ currency: 'USD', lines: [{ sku: 'STICKER', quantity: 1, unitPrice: 6 }] });
    expect(optionsFor(sporting, tiny, 5_000).rewards.find((r) => r.id === 'fifteen-percent')).toMatchObject({ discount: 0, available: false, reason: 'worth nothing on this basket' });
  });

  it('does not take an excluded line free', () => {
    const p = parseProgramText(
      JSON.stringify({ ...JSON.parse(readFileSync(join(PROGRAMS, 'sporting-goods-usd.json'), 'utf8')), earn: { rate: { points: 1, per: 100 }, excludedCategories: ['clearance'] } }),
      'test.json',
    );
    const b = basket({ currency: 'USD', lines: [{ sku: 'BOTTLE-750', quantity: 1, unitPrice: 999, category: 'clearance' }] });
    expect(optionsFor(p, b, 1_000).rewards.find((r) => r.id === 'free-bottle')).toMatchObject({ available: false });
  });

  it('refuses an unknown reward, naming the ones there are', () => {
    expect(refusalCode(sporting, optionsFor(sporting, shoeAndBottles, 1_000), { rewardId: 'free-car' })).toEqual({
      code: 'redemption-not-allowed',
      message: 'Unknown reward "free-car" (this program has: ten-off, fifteen-percent, free-bottle)',
    });
  });

  it('gives 15% off what the program discounts, not off a gift card in the same basket', () => {
    // excludedLines(): "Lines the program never earns on and never discounts". The member % off honours it
    // (checkout: discountable excludes them); the 15%-off reward should too:
    // shoe 8999 × 15% = 1349.85 → 1349, not (8999 + 5000 gift card) × 15% = 2099.85 → 2099
    const withGiftCard = basket({
      currency: 'USD',
      lines: [
        { sku: 'SHOE-RUN-42', quantity: 1, unitPrice: 8_999, category: 'footwear' },
        { sku: 'GIFT-50', quantity: 1, unitPrice: 5_000, category: 'gift-card', taxable: false },
      ],
    });
    expect(optionsFor(sporting, withGiftCard, 1_000).rewards.find((r) => r.id === 'fifteen-percent')?.discount).toBe(1_349);
  });
});

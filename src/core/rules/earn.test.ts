/**
 * Earning: which part of each line is eligible (exclusions, tax, loyalty discounts) and how many
 * points it earns (rate, product multipliers, rounding, minimum spend, thresholds, stacking).
 * Every expected figure is worked out by hand beside it.
 */
import type { LineDiscount } from './earn.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { amountBasket, parseBasket, type Basket, type BasketInput } from '../basket.js';
import { parseProgram, parseProgramText } from '../program/parse.js';
import type { Program } from '../program/schema.js';
import { amountDue, earnPoints, excludedLines, hundredths, lineFigures, storeBonusDay, type MultiplierSource } from './earn.js';

const PROGRAMS = join(import.meta.dirname, '..', '..', '..', 'resources', 'programs');
const example = (name: string): Program => parseProgramText(readFileSync(join(PROGRAMS, `${name}.json`), 'utf8'), `${name}.json`);
const classic = example('classic-krw');
const sporting = example('sporting-goods-usd');
const plus = example('plus-membership-charity');

/** A small program in `currency` with the given earn section (and anything else). */
function program(currency: 'KRW' | 'USD', earn: Record<string, unknown>, extra: Record<string, unknown> = {}): Program {
  const rate = currency === 'KRW' ? { points: 1, per: 1_000 } : { points: 1, per: 100 };
  return parseProgram(
    { format: 1, id: 'test', version: 1, name: { en: 'Test', ko: '테스트' }, currency, timeZone: currency === 'KRW' ? 'Asia/Seoul' : 'America/New_York', earn: { rate, ...earn }, ...extra },
    'test.json',
  );
}

const basket = (input: BasketInput): Basket => parseBasket(input);
const NO_DISCOUNTS: readonly LineDiscount[] = [];

/** Eligible spend per line and the earn result, without loyalty discounts unless given. */
function earn(p: Program, b: Basket, multipliers: readonly MultiplierSource[] = [], discounts: Parameters<typeof lineFigures>[2] = NO_DISCOUNTS) {
  const figures = lineFigures(p, b, discounts);
  return { figures, eligible: figures.map((f) => f.eligible), result: earnPoints(p, figures, multipliers) };
}

describe('a plain sale', () => {
  it('earns 45 points on 45,000 KRW at 1 point per 1,000 KRW', () => {
    const { figures, result } = earn(classic, amountBasket(45_000, 'KRW'));
    expect(figures).toEqual([{ sku: 'AMOUNT', category: 'general', quantity: 1, net: 45_000, loyaltyDiscount: 0, paid: 45_000, eligible: 45_000, excluded: false, multiplier: 100 }]);
    expect(result).toEqual({ eligibleSpend: 45_000, belowMinimum: false, points: 45, memberBonusDayPoints: 0, components: [{ kind: 'base', points: 45 }] }); // 45000 / 1000
  });

  it('floors 45,999 KRW to 45 points', () => {
    expect(earn(classic, amountBasket(45_999, 'KRW')).result.points).toBe(45); // 45.999 → 45
  });

  it('earns nothing and is not "below minimum" on an empty eligible spend', () => {
    const { result } = earn(classic, basket({ currency: 'KRW', lines: [{ sku: 'CIGS', quantity: 1, unitPrice: 4_500, category: 'tobacco' }] }));
    expect(result).toEqual({ eligibleSpend: 0, belowMinimum: false, points: 0, memberBonusDayPoints: 0, components: [] });
  });
});

describe('exclusions', () => {
  it('leaves tobacco and gift cards out of a Seoul convenience-store basket', () => {
    const b = basket({
      currency: 'KRW',
      lines: [
        { sku: 'LUNCHBOX', quantity: 2, unitPrice: 15_000, category: 'general' },
        { sku: 'CIGS', quantity: 1, unitPrice: 4_500, category: 'tobacco' },
        { sku: 'GIFT-50K', quantity: 1, unitPrice: 50_000, category: 'gift-card', taxable: false },
      ],
    });
    expect(excludedLines(classic, b)).toEqual([false, true, true]);
    const { eligible, result } = earn(classic, b);
    expect(eligible).toEqual([30_000, 0, 0]); // 2 × 15000; the rest excluded
    expect(result.points).toBe(30); // 30000 / 1000
  });

  it('excludes listed SKUs and membership-plan SKUs', () => {
    const p = program('USD', { excludedSkus: ['STAMP-BOOK'] });
    const b = basket({ currency: 'USD', lines: [{ sku: 'STAMP-BOOK', quantity: 1, unitPrice: 1_200 }, { sku: 'BALL', quantity: 1, unitPrice: 2_500 }] });
    expect(excludedLines(p, b)).toEqual([true, false]);
    const withPlan = basket({ currency: 'USD', lines: [{ sku: 'PLUS-MONTH', quantity: 1, unitPrice: 599 }, { sku: 'APPLES', quantity: 1, unitPrice: 450, category: 'produce' }] });
    expect(excludedLines(plus, withPlan)).toEqual([true, false]);
    expect(earn(plus, withPlan).eligible).toEqual([0, 450]);
  });
});

describe('tax', () => {
  it('takes included VAT out when the program excludes tax', () => {
    // 22,000 KRW taxable line carries all 2,000 KRW VAT; 5,000 KRW of untaxed produce carries none
    const p = program('KRW', { tax: 'exclude' });
    const b = basket({
      currency: 'KRW',
      lines: [
        { sku: 'SHAMPOO', quantity: 1, unitPrice: 22_000 },
        { sku: 'CABBAGE', quantity: 1, unitPrice: 5_000, taxable: false },
      ],
      tax: { amount: 2_000, included: true },
    });
    const { eligible, result } = earn(p, b);
    expect(eligible).toEqual([20_000, 5_000]); // 22000 − 2000, 5000 − 0
    expect(result.points).toBe(25); // 25000 / 1000
  });

  it('spreads included VAT over several taxable lines in proportion', () => {
    // 4,000 VAT over 33,000 and 11,000: 4000 × 3/4 = 3000 and 4000 × 1/4 = 1000
    const p = program('KRW', { tax: 'exclude' });
    const b = basket({ currency: 'KRW', lines: [{ sku: 'A', quantity: 3, unitPrice: 11_000 }, { sku: 'B', quantity: 1, unitPrice: 11_000 }], tax: { amount: 4_000, included: true } });
    expect(earn(p, b).eligible).toEqual([30_000, 10_000]);
  });

  it('leaves included VAT in when the program includes tax (classic-krw)', () => {
    const b = basket({ currency: 'KRW', lines: [{ sku: 'SHAMPOO', quantity: 1, unitPrice: 22_000 }, { sku: 'CABBAGE', quantity: 1, unitPrice: 5_000, taxable: false }], tax: { amount: 2_000, included: true } });
    const { eligible, result } = earn(classic, b);
    expect(eligible).toEqual([22_000, 5_000]);
    expect(result.points).toBe(27); // 27000 / 1000
  });

  it('adds the sales tax to the taxable lines when the program includes tax', () => {
    // Sample basket: shoe 8999 and socks 2598 share 928 tax as 720 and 208; the gift card is excluded
    const p = program('USD', { tax: 'include', excludedCategories: ['gift-card'] });
    const b = basket(JSON.parse(readFileSync(join(PROGRAMS, '..', 'samples', 'basket-usd.json'), 'utf8')) as BasketInput);
    const { eligible, result } = earn(p, b);
    expect(eligible).toEqual([9_719, 2_806, 0]); // 8999 + 720, 2598 + 208
    expect(result.points).toBe(125); // 12525 / 100 = 125.25 → 125
  });

  it('ignores added sales tax when the program excludes tax (sporting-goods)', () => {
    const b = basket(JSON.parse(readFileSync(join(PROGRAMS, '..', 'samples', 'basket-usd.json'), 'utf8')) as BasketInput);
    const { eligible, result } = earn(sporting, b);
    expect(eligible).toEqual([8_999, 2_598, 0]);
    expect(result.points).toBe(115); // 11597 / 100 = 115.97 → 115
  });
});

describe('product multipliers', () => {
  it('doubles house-brand points: 10,000 KRW house brand + 5,500 KRW other = 25 points', () => {
    const b = basket({ currency: 'KRW', lines: [{ sku: 'HB-TISSUE', quantity: 2, unitPrice: 5_000, category: 'house-brand' }, { sku: 'COLA', quantity: 1, unitPrice: 5_500 }] });
    const { figures, result } = earn(classic, b);
    expect(figures.map((f) => f.multiplier)).toEqual([200, 100]);
    // base 15500 / 1000 = 15.5 → 15; product extra 10000 × 1 / 1000 = 10
    expect(result.components).toEqual([
      { kind: 'base', points: 15 },
      { kind: 'product-multiplier', points: 10 },
    ]);
    expect(result.points).toBe(25);
  });

  it('prefers a SKU multiplier over its category’s', () => {
    const p = program('KRW', { multipliers: [{ category: 'house-brand', multiplier: 2 }, { sku: 'HB-KIMCHI', multiplier: 3 }] });
    const b = basket({ currency: 'KRW', lines: [{ sku: 'HB-KIMCHI', quantity: 1, unitPrice: 10_000, category: 'house-brand' }] });
    const { figures, result } = earn(p, b);
    expect(figures[0]?.multiplier).toBe(300);
    expect(result.points).toBe(30); // base 10 + extra 10 × 2 = 20
  });

  it('rounds the base and the product extra separately (1.25× on $19.99)', () => {
    const p = program('USD', { multipliers: [{ category: 'footwear', multiplier: 1.25 }] });
    const b = basket({ currency: 'USD', lines: [{ sku: 'SANDAL', quantity: 1, unitPrice: 1_999, category: 'footwear' }] });
    // base 19.99 → 19; extra 19.99 × 0.25 = 4.9975 → 4
    expect(earn(p, b).result.components).toEqual([
      { kind: 'base', points: 19 },
      { kind: 'product-multiplier', points: 4 },
    ]);
  });

  it('turns two-decimal multipliers into exact hundredths', () => {
    expect(hundredths(1.15)).toBe(115); // 1.15 × 100 = 114.99999999999999 in floating point
    expect(hundredths(1.25)).toBe(125);
    expect(hundredths(2)).toBe(200);
  });
});

describe('rounding', () => {
  const sandal = basket({ currency: 'USD', lines: [{ sku: 'SANDAL', quantity: 1, unitPrice: 1_999 }] });

  it('turns $19.99 at 1 point per $1 into 19 (floor), 20 (half-up) or 20 (ceil)', () => {
    expect(earn(program('USD', { rounding: 'floor' }), sandal).result.points).toBe(19); // 19.99 → 19
    expect(earn(program('USD', { rounding: 'half-up' }), sandal).result.points).toBe(20); // 19.99 → 20
    expect(earn(program('USD', { rounding: 'ceil' }), sandal).result.points).toBe(20); // 19.99 → 20
  });

  it('rounds half-up from exactly half: $19.49 → 19, $19.50 → 20; ceil leaves $19.00 at 19', () => {
    const halfUp = program('USD', { rounding: 'half-up' });
    expect(earn(halfUp, amountBasket(1_949, 'USD')).result.points).toBe(19); // 19.49
    expect(earn(halfUp, amountBasket(1_950, 'USD')).result.points).toBe(20); // 19.50
    expect(earn(program('USD', { rounding: 'ceil' }), amountBasket(1_900, 'USD')).result.points).toBe(19); // exact
  });
});

describe('minimum spend', () => {
  const p = program('KRW', { minimumSpend: 10_000 });

  it('earns nothing below the minimum and says so', () => {
    expect(earn(p, amountBasket(9_999, 'KRW')).result).toEqual({ eligibleSpend: 9_999, belowMinimum: true, points: 0, memberBonusDayPoints: 0, components: [] });
  });

  it('earns from the first won at exactly the minimum', () => {
    expect(earn(p, amountBasket(10_000, 'KRW')).result.points).toBe(10); // 10000 / 1000
  });

  it('compares the minimum with eligible spend, not the basket total', () => {
    // 12,000 KRW basket of which 4,500 KRW is tobacco → eligible 7,500 < 10,000
    const b = basket({ currency: 'KRW', lines: [{ sku: 'SNACK', quantity: 1, unitPrice: 7_500 }, { sku: 'CIGS', quantity: 1, unitPrice: 4_500, category: 'tobacco' }] });
    const withExclusion = program('KRW', { minimumSpend: 10_000, excludedCategories: ['tobacco'] });
    expect(earn(withExclusion, b).result.belowMinimum).toBe(true);
  });
});

describe('spend thresholds', () => {
  // Listed out of order on purpose: the highest threshold reached applies, alone.
  const p = program('USD', { spendThresholds: [{ minimumSpend: 20_000, points: 150 }, { minimumSpend: 10_000, points: 50 }] });

  it('adds only the highest threshold reached: $250 earns 250 + 150', () => {
    const { result } = earn(p, amountBasket(25_000, 'USD'));
    expect(result.components).toEqual([
      { kind: 'base', points: 250 },
      { kind: 'spend-threshold', minimumSpend: 20_000, points: 150 },
    ]);
    expect(result.points).toBe(400); // 250 + 150, not + 50 as well
  });

  it('adds the lower threshold between the two: $150 earns 150 + 50', () => {
    expect(earn(p, amountBasket(15_000, 'USD')).result.points).toBe(200);
  });

  it('applies a threshold at exactly its minimum and not a cent below', () => {
    expect(earn(p, amountBasket(20_000, 'USD')).result.points).toBe(350); // 200 + 150
    expect(earn(p, amountBasket(19_999, 'USD')).result.points).toBe(249); // 199 + 50
    expect(earn(p, amountBasket(9_999, 'USD')).result.points).toBe(99); // no threshold
  });

  it('gives sporting-goods’ 50-point bonus from $200 of eligible spend', () => {
    expect(earn(sporting, amountBasket(20_000, 'USD')).result.points).toBe(250); // 200 + 50
  });
});

describe('tier, membership and bonus-day multipliers', () => {
  const hundred = amountBasket(10_000, 'USD'); // $100 → 100 base points at 1 per $1
  const goldOnBlackFriday: MultiplierSource[] = [
    { kind: 'tier', id: 'gold', multiplier: 150 },
    { kind: 'bonus-day', id: 'black-friday', multiplier: 200 },
  ];

  it('adds the extras when stacking is additive: 100 × (1 + 0.5 + 1) = 250', () => {
    const { result } = earn(program('USD', { stacking: 'additive' }), hundred, goldOnBlackFriday);
    expect(result.components).toEqual([
      { kind: 'base', points: 100 },
      { kind: 'tier', id: 'gold', multiplier: 1.5, points: 50 }, // 100 × 0.5
      { kind: 'bonus-day', id: 'black-friday', multiplier: 2, points: 100 }, // 100 × 1
    ]);
    expect(result.points).toBe(250);
  });

  it('multiplies when stacking is multiplicative: 100 × 1.5 × 2 = 300', () => {
    const { result } = earn(program('USD', { stacking: 'multiplicative' }), hundred, goldOnBlackFriday);
    expect(result.components).toEqual([
      { kind: 'base', points: 100 },
      { kind: 'tier', id: 'gold', multiplier: 1.5, points: 50 }, // 100 × 0.5
      { kind: 'bonus-day', id: 'black-friday', multiplier: 2, points: 150 }, // 100 × 1.5 × 1
    ]);
    expect(result.points).toBe(300);
  });

  it('multiplies three sources exactly: $1,600 × 1.25 × 1.25 × 2 = 5,000 points', () => {
    // base 1600; tier 1600 × 0.25 = 400; membership 1600 × 1.25 × 0.25 = 500;
    // bonus day 1600 × 1.25 × 1.25 × 1 = 2500 (1.25 × 1.25 = 1.5625 — not 1.56)
    const { result } = earn(program('USD', { stacking: 'multiplicative' }), amountBasket(160_000, 'USD'), [
      { kind: 'tier', id: 'silver', multiplier: 125 },
      { kind: 'membership', id: 'plus', multiplier: 125 },
      { kind: 'bonus-day', id: 'double', multiplier: 200 },
    ]);
    expect(result.components).toEqual([
      { kind: 'base', points: 1_600 },
      { kind: 'tier', id: 'silver', multiplier: 1.25, points: 400 },
      { kind: 'membership', id: 'plus', multiplier: 1.25, points: 500 },
      { kind: 'bonus-day', id: 'double', multiplier: 2, points: 2_500 },
    ]);
    expect(result.points).toBe(5_000);
  });

  it('applies multipliers to the product-multiplied points too', () => {
    // 10,000 KRW house brand (2×) = 20 points before; gold 1.5× additive adds 20 × 0.5 = 10
    const b = basket({ currency: 'KRW', lines: [{ sku: 'HB', quantity: 1, unitPrice: 10_000, category: 'house-brand' }] });
    expect(earn(classic, b, [{ kind: 'tier', id: 'gold', multiplier: 150 }]).result.points).toBe(30);
  });

  it('keeps a member-chosen bonus day apart, for its own transfer', () => {
    // Gold 1.5× plus the Gold 3× day, additive: 100 + 50 in the sale, 100 × 2 = 200 for the day
    const { result } = earn(sporting, hundred, [
      { kind: 'tier', id: 'gold', multiplier: 150 },
      { kind: 'member-bonus-day', id: 'gold-3x-day', multiplier: 300 },
    ]);
    expect(result.points).toBe(150);
    expect(result.memberBonusDayPoints).toBe(200);
    expect(result.components.some((c) => c.kind === 'member-bonus-day')).toBe(false);
  });

  it('skips a 1× source and keeps the breakdown adding up', () => {
    const { result } = earn(sporting, hundred, [{ kind: 'tier', id: 'bronze', multiplier: 100 }]);
    expect(result.components).toEqual([{ kind: 'base', points: 100 }]);
  });
});

describe('loyalty discounts and earnOnDiscountedSpend', () => {
  const b = basket({ currency: 'KRW', lines: [{ sku: 'RICE', quantity: 1, unitPrice: 30_000 }, { sku: 'OIL', quantity: 2, unitPrice: 10_000 }] });
  // 10,000 KRW paid with points, spread over 30,000 and 20,000: 6,000 and 4,000
  const points: LineDiscount[] = [{ kind: 'spread', amount: 10_000, over: [true, true] }];

  it('earns only on what was paid in money when earnOnDiscountedSpend is false', () => {
    const { figures, result } = earn(program('KRW', { earnOnDiscountedSpend: false }), b, [], points);
    expect(figures.map((f) => [f.net, f.loyaltyDiscount, f.paid, f.eligible])).toEqual([
      [30_000, 6_000, 24_000, 24_000],
      [20_000, 4_000, 16_000, 16_000],
    ]);
    expect(result.points).toBe(40); // 40000 / 1000
  });

  it('earns on the full amount when earnOnDiscountedSpend is true', () => {
    const { figures, result } = earn(program('KRW', { earnOnDiscountedSpend: true }), b, [], points);
    expect(figures.map((f) => [f.paid, f.eligible])).toEqual([
      [24_000, 30_000],
      [16_000, 20_000],
    ]);
    expect(result.points).toBe(50); // 50000 / 1000
  });

  it('applies discounts in order: a member discount over the lines, then a free item on what is left of its line', () => {
    // 5% member discount of 2,500 over 30,000 and 20,000: 1,500 + 1,000; then one OIL unit free: (20,000 − 1,000) / 2 = 9,500
    const { figures } = earn(program('KRW', {}), b, [], [
      { kind: 'spread', amount: 2_500, over: [true, true] },
      { kind: 'line', index: 1, amount: 9_500 },
    ]);
    expect(figures.map((f) => [f.loyaltyDiscount, f.paid])).toEqual([
      [1_500, 28_500],
      [10_500, 9_500],
    ]);
  });

  it('never takes a line below zero when points also pay the added tax', () => {
    // $0.01 of goods + $4.99 tax added; 500 points pay all $5.00: the line takes 1 cent of it, the tax the rest.
    const tiny = basket({ currency: 'USD', lines: [{ sku: 'SHOE', quantity: 1, unitPrice: 1 }], tax: { amount: 499, included: false } });
    const { figures, result } = earn(program('USD', {}), tiny, [], [{ kind: 'spread', amount: 500, over: [true] }]);
    expect(figures.map((f) => [f.loyaltyDiscount, f.paid, f.eligible])).toEqual([[1, 0, 0]]);
    expect(result.points).toBe(0);
  });

  it('does not spread a discount over excluded lines', () => {
    const withTobacco = basket({ currency: 'KRW', lines: [{ sku: 'RICE', quantity: 1, unitPrice: 30_000 }, { sku: 'CIGS', quantity: 1, unitPrice: 4_500, category: 'tobacco' }] });
    const { figures } = earn(classic, withTobacco, [], [{ kind: 'spread', amount: 1_500, over: [true, false] }]);
    expect(figures.map((f) => f.loyaltyDiscount)).toEqual([1_500, 0]);
  });

  it('works out the amount due after loyalty discounts, with added tax', () => {
    const usd = basket({ currency: 'USD', lines: [{ sku: 'SHOE', quantity: 1, unitPrice: 8_999 }], tax: { amount: 720, included: false } });
    expect(amountDue(usd, 1_000)).toBe(8_719); // 8999 + 720 − 1000
  });
});

describe('storeBonusDay', () => {
  it('finds classic-krw’s double-points Wednesday by weekday only', () => {
    expect(storeBonusDay(classic.bonuses.days, '2026-11-25', 3, undefined, 1)?.id).toBe('wednesday-double'); // a Wednesday
    expect(storeBonusDay(classic.bonuses.days, '2026-11-26', 4, undefined, 1)).toBeUndefined();
  });

  it('finds sporting-goods’ Black Friday by date, whatever the tier, and never the member-choice day', () => {
    expect(storeBonusDay(sporting.bonuses.days, '2026-11-27', 5, 'bronze', 1)?.id).toBe('black-friday');
    expect(storeBonusDay(sporting.bonuses.days, '2027-11-27', 6, 'gold', 1)).toBeUndefined();
  });

  it('honours tiers and minimum spend, and picks the most generous of two', () => {
    const p = program('USD', {}, {
      tiers: {
        qualification: { period: 'calendar-year' },
        levels: [
          { id: 'bronze', name: { en: 'B', ko: 'B' }, minimumSpend: 0, multiplier: 1 },
          { id: 'gold', name: { en: 'G', ko: 'G' }, minimumSpend: 50_000, multiplier: 1.5 },
        ],
      },
      bonuses: {
        days: [
          { type: 'store-wide', id: 'sunday-1-5x', name: { en: 'a', ko: 'a' }, multiplier: 1.5, weekdays: [7] },
          { type: 'store-wide', id: 'gold-sunday-3x', name: { en: 'b', ko: 'b' }, multiplier: 3, weekdays: [7], tiers: ['gold'] },
          { type: 'store-wide', id: 'big-basket-4x', name: { en: 'c', ko: 'c' }, multiplier: 4, dates: ['2026-11-29'], minimumSpend: 30_000 },
        ],
      },
    });
    expect(storeBonusDay(p.bonuses.days, '2026-11-22', 7, 'bronze', 5_000)?.id).toBe('sunday-1-5x');
    expect(storeBonusDay(p.bonuses.days, '2026-11-22', 7, undefined, 5_000)?.id).toBe('sunday-1-5x'); // no tiers in play
    expect(storeBonusDay(p.bonuses.days, '2026-11-22', 7, 'gold', 5_000)?.id).toBe('gold-sunday-3x');
    expect(storeBonusDay(p.bonuses.days, '2026-11-29', 7, 'gold', 29_999)?.id).toBe('gold-sunday-3x'); // 4× needs $300
    expect(storeBonusDay(p.bonuses.days, '2026-11-29', 7, 'gold', 30_000)?.id).toBe('big-basket-4x');
  });
});

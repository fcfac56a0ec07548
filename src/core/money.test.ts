/**
 * Money arithmetic: every expected figure is worked out by hand in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import { isTallyError } from './errors.js';
import { allocateProportionally, assertSafeInteger, divideRounded, formatMoney, isCurrencyCode, minorDigits, mulDiv, type RoundingRule } from './money.js';

describe('divideRounded', () => {
  const rules: RoundingRule[] = ['floor', 'half-up', 'ceil'];

  it('rounds 7/2 = 3.5 down, half up and up', () => {
    expect(divideRounded(7n, 2n, 'floor')).toBe(3); // 3.5 → 3
    expect(divideRounded(7n, 2n, 'half-up')).toBe(4); // remainder 1, 1×2 ≥ 2 → 4
    expect(divideRounded(7n, 2n, 'ceil')).toBe(4); // 3.5 → 4
  });

  it('half-up only rounds up from one half: 4/3 stays, 5/3 goes up', () => {
    expect(divideRounded(4n, 3n, 'half-up')).toBe(1); // 1.33…: remainder 1, 1×2 = 2 < 3 → 1
    expect(divideRounded(5n, 3n, 'half-up')).toBe(2); // 1.66…: remainder 2, 2×2 = 4 ≥ 3 → 2
    expect(divideRounded(4n, 3n, 'floor')).toBe(1); // 1.33… → 1
    expect(divideRounded(4n, 3n, 'ceil')).toBe(2); // 1.33… → 2
    expect(divideRounded(1999n, 1000n, 'half-up')).toBe(2); // 1.999 → 2
    expect(divideRounded(1499n, 1000n, 'half-up')).toBe(1); // 1.499 → 1
    expect(divideRounded(1500n, 1000n, 'half-up')).toBe(2); // 1.5 exactly → 2
  });

  it('gives the exact quotient under every rule when there is no remainder', () => {
    for (const rule of rules) {
      expect(divideRounded(45_000n, 1_000n, rule)).toBe(45); // 45000 / 1000 = 45 exactly
      expect(divideRounded(0n, 7n, rule)).toBe(0); // 0 / 7 = 0
    }
  });

  it('stays exact when the intermediate product is above 2^53', () => {
    // (2^53 + 1) × 10 = 90 071 992 547 409 930, a number a double cannot hold; / 20 = 4 503 599 627 370 496.5
    const numerator = 9_007_199_254_740_993n * 10n;
    expect(divideRounded(numerator, 20n, 'floor')).toBe(4_503_599_627_370_496);
    expect(divideRounded(numerator, 20n, 'half-up')).toBe(4_503_599_627_370_497); // remainder 10, 10×2 ≥ 20
    expect(divideRounded(numerator, 20n, 'ceil')).toBe(4_503_599_627_370_497);
  });

  it('refuses a zero or negative denominator, a negative numerator and an unsafe result', () => {
    expect(() => divideRounded(1n, 0n, 'floor')).toThrow(RangeError);
    expect(() => divideRounded(1n, -2n, 'floor')).toThrow(RangeError);
    expect(() => divideRounded(-1n, 2n, 'floor')).toThrow(RangeError);
    // 2^53 + 1 cannot be a JS number without losing a unit.
    expect(() => divideRounded(9_007_199_254_740_993n, 1n, 'floor')).toThrow(/safe integer range/);
  });
});

describe('mulDiv', () => {
  it('is floor by default: 45,000 KRW at 1 point per 1,000 KRW is 45 points, 45,999 KRW too', () => {
    expect(mulDiv(45_000, 1, 1_000)).toBe(45); // 45000 × 1 / 1000 = 45
    expect(mulDiv(45_999, 1, 1_000)).toBe(45); // 45.999 → 45
  });

  it('takes the rounding rule: $19.99 at 1 point per $1', () => {
    expect(mulDiv(1_999, 1, 100, 'floor')).toBe(19); // 19.99 → 19
    expect(mulDiv(1_999, 1, 100, 'half-up')).toBe(20); // 19.99 → 20
    expect(mulDiv(1_999, 1, 100, 'ceil')).toBe(20); // 19.99 → 20
  });

  it('multiplies in BigInt: MAX_SAFE_INTEGER × 3 / 7', () => {
    // 9 007 199 254 740 991 × 3 = 27 021 597 764 222 973 = 7 × 3 860 228 252 031 853 + 2
    expect(mulDiv(Number.MAX_SAFE_INTEGER, 3, 7)).toBe(3_860_228_252_031_853);
    expect(mulDiv(Number.MAX_SAFE_INTEGER, 3, 7, 'half-up')).toBe(3_860_228_252_031_853); // 2×2 = 4 < 7
    expect(mulDiv(Number.MAX_SAFE_INTEGER, 3, 7, 'ceil')).toBe(3_860_228_252_031_854);
  });

  it('works out 5% off a basket: 12,345 cents × 5 / 100 = 617.25 → 617', () => {
    expect(mulDiv(12_345, 5, 100)).toBe(617);
  });
});

describe('allocateProportionally', () => {
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

  it('splits 100 over three equal lines as 34 + 33 + 33 (ties go to the first line)', () => {
    // 33.33… each; floors 33+33+33 = 99, 1 left; equal remainders → lowest index first
    expect(allocateProportionally(100, [1, 1, 1])).toEqual([34, 33, 33]);
  });

  it('gives an exact split when there is no remainder', () => {
    expect(allocateProportionally(10, [1, 2, 3, 4])).toEqual([1, 2, 3, 4]); // sum of weights 10
    expect(allocateProportionally(500, [3_000, 1_000, 1_000])).toEqual([300, 100, 100]); // 500 × 3/5, 1/5, 1/5
  });

  it('gives the leftover units to the largest remainders, not to the first lines', () => {
    // 10 over [1, 2] (sum 3): 3.33 and 6.67 → floors 3 + 6 = 9, remainders 10 mod 3 = 1 and 20 mod 3 = 2 → second gets it
    expect(allocateProportionally(10, [1, 2])).toEqual([3, 7]);
    // 7 over [5, 3, 2] (sum 10): 3.5, 2.1, 1.4 → floors 3+2+1 = 6; remainders 35%10=5, 21%10=1, 14%10=4 → first gets it
    expect(allocateProportionally(7, [5, 3, 2])).toEqual([4, 2, 1]);
    // 5 over [1, 1, 1, 3] (sum 6): 0.83, 0.83, 0.83, 2.5 → floors 0+0+0+2 = 2; remainders 5, 5, 5, 3 (of 6) → the three small lines
    expect(allocateProportionally(5, [1, 1, 1, 3])).toEqual([1, 1, 1, 2]);
  });

  it('spreads a 928-cent tax over $89.99 and $25.98 of taxable lines and nothing over the untaxed gift card', () => {
    // 928 × 8999 / 11597 = 720.106 → 720; 928 × 2598 / 11597 = 207.894 → 207; 1 left, larger remainder is the second
    expect(allocateProportionally(928, [8_999, 2_598, 0])).toEqual([720, 208, 0]);
  });

  it('gives zero to zero weights and everything when only one weight is positive', () => {
    expect(allocateProportionally(100, [0, 1, 0])).toEqual([0, 100, 0]);
    // 3 over [0, 1, 1]: 1.5 and 1.5 → 1 + 1, the tie goes to index 1
    expect(allocateProportionally(3, [0, 1, 1])).toEqual([0, 2, 1]);
  });

  it('returns zeros when the total or every weight is zero, and an empty list for no weights', () => {
    expect(allocateProportionally(100, [0, 0])).toEqual([0, 0]);
    expect(allocateProportionally(0, [5, 7])).toEqual([0, 0]);
    expect(allocateProportionally(100, [])).toEqual([]);
  });

  it('always adds up to the total and never differs from the exact share by a whole unit', () => {
    const cases: [number, number[]][] = [
      [1, [1, 1, 1]],
      [99_999, [3, 7, 11, 13]],
      [10_000, [9_999, 1]],
      [1_234_567, [45_000, 5_500, 12_000, 1, 0, 77_777]],
      [17, [100, 200, 300, 400, 500, 600, 700]],
      [Number.MAX_SAFE_INTEGER, [1, 1]], // (2^53 − 1) / 2 = …495.5 each → …496 + …495
    ];
    for (const [total, weights] of cases) {
      const parts = allocateProportionally(total, weights);
      expect(sum(parts)).toBe(total);
      const weightSum = sum(weights);
      parts.forEach((part, i) => {
        const exact = (total * (weights[i] ?? 0)) / weightSum;
        expect(Math.abs(part - exact)).toBeLessThan(1 + 1e-6 * Math.max(1, exact));
      });
    }
    expect(allocateProportionally(Number.MAX_SAFE_INTEGER, [1, 1])).toEqual([4_503_599_627_370_496, 4_503_599_627_370_495]);
  });
});

describe('currencies', () => {
  it('knows the minor digits of KRW (0), USD (2), JPY (0) and BHD (3)', () => {
    expect(minorDigits('KRW')).toBe(0);
    expect(minorDigits('USD')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('BHD')).toBe(3);
  });

  it('accepts only upper-case ISO 4217 codes the runtime knows', () => {
    expect(isCurrencyCode('KRW')).toBe(true);
    expect(isCurrencyCode('USD')).toBe(true);
    expect(isCurrencyCode('usd')).toBe(false);
    expect(isCurrencyCode('US')).toBe(false);
    expect(isCurrencyCode('ABC')).toBe(false);
    expect(isCurrencyCode('')).toBe(false);
  });

  it('refuses a fractional or unsafe amount as invalid-input', () => {
    expect(() => assertSafeInteger(12, 'Amount')).not.toThrow();
    for (const bad of [1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) {
      try {
        assertSafeInteger(bad, 'Amount');
        expect.unreachable();
      } catch (error) {
        expect(isTallyError(error) && error.code).toBe('invalid-input');
      }
    }
  });
});

describe('formatMoney', () => {
  it('formats minor units for people in each currency', () => {
    expect(formatMoney({ amount: 45_000, currency: 'KRW' })).toBe('₩45,000'); // no minor unit
    expect(formatMoney({ amount: 1_999, currency: 'USD' })).toBe('$19.99'); // 1999 cents
    expect(formatMoney({ amount: 5, currency: 'USD' })).toBe('$0.05');
    expect(formatMoney({ amount: 0, currency: 'USD' })).toBe('$0.00');
    expect(formatMoney({ amount: 123_456_789, currency: 'USD' })).toBe('$1,234,567.89');
    expect(formatMoney({ amount: 1_500, currency: 'BHD' })).toMatch(/^BHD\s1\.500$/); // 1500 fils = 1.500 dinar
  });

  it('takes a locale: KRW in Korean', () => {
    expect(formatMoney({ amount: 45_000, currency: 'KRW' }, 'ko')).toBe('₩45,000');
  });
});

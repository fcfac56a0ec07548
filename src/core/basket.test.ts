/**
 * Baskets from the POS: validation with messages a cashier can act on, totals with tax included
 * (Korean VAT) or added (US sales tax), and the CLI's one-line amount basket.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { amountBasket, basketTotal, lineNet, parseBasket, taxShares, type BasketInput } from './basket.js';
import { isTallyError, type TallyError } from './errors.js';

const SAMPLE = join(import.meta.dirname, '..', '..', 'resources', 'samples', 'basket-usd.json');
const sample = (): BasketInput => JSON.parse(readFileSync(SAMPLE, 'utf8')) as BasketInput;

function refusal(value: unknown): TallyError {
  try {
    parseBasket(value, 'pos/basket.json');
  } catch (error) {
    if (isTallyError(error)) return error;
    throw error;
  }
  throw new Error('the basket was accepted');
}

const problems = (error: TallyError): string[] => (error.details?.['problems'] as string[] | undefined) ?? [];

describe('parseBasket', () => {
  it('accepts the sample US basket and fills defaults', () => {
    const basket = parseBasket(sample());
    expect(basket.currency).toBe('USD');
    expect(basket.lines.map((l) => [l.sku, l.discount, l.taxable])).toEqual([
      ['SHOE-RUN-42', 0, true],
      ['SOCK-3PK', 0, true],
      ['GIFT-50', 0, false],
    ]);
    // 8999 + 2 × 1299 + 5000 = 16597, plus 928 tax added = 17525
    expect(basket.total).toBe(17_525);
    expect(basketTotal(basket)).toBe(17_525);
  });

  it('defaults a line to category general, taxable, and the basket to no tax', () => {
    const basket = parseBasket({ currency: 'KRW', lines: [{ sku: 'RAMEN', quantity: 2, unitPrice: 1_200 }] });
    expect(basket.lines[0]).toEqual({ sku: 'RAMEN', quantity: 2, unitPrice: 1_200, discount: 0, category: 'general', taxable: true });
    expect(basket.tax).toEqual({ amount: 0, included: true });
    expect(basketTotal(basket)).toBe(2_400); // 2 × 1200
  });

  it('refuses a total that does not match the lines', () => {
    const error = refusal({ ...sample(), total: 17_500 });
    expect(error.code).toBe('invalid-input');
    expect(problems(error)).toEqual(['pos/basket.json: total: is 17500 but the lines add up to 17525']);
  });

  it('refuses a discount larger than its line', () => {
    // 2 socks at 12.99 = 25.98; a 26.00 discount is more than the line
    const input = sample();
    const error = refusal({ ...input, lines: [input.lines[0], { ...input.lines[1], discount: 2_600 }, input.lines[2]], total: undefined });
    expect(problems(error)).toContain('pos/basket.json: lines.1.discount: is larger than the line amount');
  });

  it('accepts a discount equal to the whole line (a free item given by the POS)', () => {
    const basket = parseBasket({ currency: 'USD', lines: [{ sku: 'SOCK-3PK', quantity: 2, unitPrice: 1_299, discount: 2_598 }] });
    expect(lineNet(basket.lines[0]!)).toBe(0); // 2 × 1299 − 2598
  });

  it('refuses tax on a basket without a taxable line', () => {
    const error = refusal({ currency: 'USD', lines: [{ sku: 'GIFT-50', quantity: 1, unitPrice: 5_000, category: 'gift-card', taxable: false }], tax: { amount: 400, included: false } });
    expect(problems(error)).toEqual(['pos/basket.json: tax.amount: the basket has tax but no taxable line']);
  });

  it('refuses a price in dollars instead of cents', () => {
    const error = refusal({ currency: 'USD', lines: [{ sku: 'SHOE-RUN-42', quantity: 1, unitPrice: 89.99 }] });
    expect(problems(error)).toEqual(['pos/basket.json: lines.0.unitPrice: must be a whole number of minor units']);
  });

  it('refuses a negative price, a zero quantity, an empty basket, an unknown key and a made-up currency', () => {
    // (The basket refinement also runs on the negative price, so a second, spurious "discount is larger" line may follow.)
    expect(problems(refusal({ currency: 'USD', lines: [{ sku: 'A', quantity: 1, unitPrice: -100 }] }))).toContain('pos/basket.json: lines.0.unitPrice: must not be negative');
    expect(problems(refusal({ currency: 'USD', lines: [{ sku: 'A', quantity: 0, unitPrice: 100 }] }))).toEqual(['pos/basket.json: lines.0.quantity: must be at least 1']);
    expect(problems(refusal({ currency: 'USD', lines: [] }))).toEqual(['pos/basket.json: lines: a basket needs at least one line']);
    expect(problems(refusal({ currency: 'USD', lines: [{ sku: 'A', quantity: 1, unitPrice: 100, price: 100 }] }))[0]).toMatch(/^pos\/basket\.json: lines\.0: Unrecognized key: "price"/);
    expect(problems(refusal({ currency: 'DOLLAR', lines: [{ sku: 'A', quantity: 1, unitPrice: 100 }] }))).toEqual(['pos/basket.json: currency: must be an ISO 4217 currency code']);
  });

  it('refuses a line whose amount is not a safe integer', () => {
    // 1 000 000 × 10 000 000 000 = 10^16 > 2^53
    const error = refusal({ currency: 'KRW', lines: [{ sku: 'YACHT', quantity: 1_000_000, unitPrice: 10_000_000_000 }] });
    expect(error.code).toBe('invalid-input');
    expect(error.message).toBe('pos/basket.json: lines.0.unitPrice: quantity × unit price is too large');
  });
});

describe('basketTotal', () => {
  it('does not add tax that is included in Korean prices', () => {
    // 45,000 KRW of groceries with 4,091 KRW VAT inside: the customer pays 45,000
    const basket = parseBasket({ currency: 'KRW', lines: [{ sku: 'GROCERIES', quantity: 1, unitPrice: 45_000 }], tax: { amount: 4_091, included: true } });
    expect(basketTotal(basket)).toBe(45_000);
  });

  it('adds US sales tax on top of the lines, after line discounts', () => {
    // (8999 − 1000) + 2 × 1299 = 10597, plus 848 tax = 11445
    const basket = parseBasket({
      currency: 'USD',
      lines: [
        { sku: 'SHOE-RUN-42', quantity: 1, unitPrice: 8_999, discount: 1_000 },
        { sku: 'SOCK-3PK', quantity: 2, unitPrice: 1_299 },
      ],
      tax: { amount: 848, included: false },
    });
    expect(basketTotal(basket)).toBe(11_445);
  });
});

describe('taxShares', () => {
  it('spreads the sample basket’s tax over the taxable lines only, adding up to the tax', () => {
    const basket = parseBasket(sample());
    // 928 × 8999/11597 = 720.11 → 720; 928 × 2598/11597 = 207.89 → 207 + the leftover unit (larger remainder) = 208
    expect(taxShares(basket, basket.lines.map(lineNet))).toEqual([720, 208, 0]);
  });
});

describe('amountBasket', () => {
  it('makes the CLI’s 45,000 KRW a one-line basket', () => {
    const basket = amountBasket(45_000, 'KRW');
    expect(basket).toEqual({
      currency: 'KRW',
      lines: [{ sku: 'AMOUNT', quantity: 1, unitPrice: 45_000, discount: 0, category: 'general', taxable: true }],
      tax: { amount: 0, included: true },
    });
    expect(basketTotal(basket)).toBe(45_000);
  });

  it('refuses zero, negative and fractional amounts as invalid-input', () => {
    for (const bad of [0, -500, 12.5, Number.NaN]) {
      let error: unknown;
      try {
        amountBasket(bad, 'USD');
      } catch (e) {
        error = e;
      }
      expect(isTallyError(error) && error.code, String(bad)).toBe('invalid-input');
    }
  });
});

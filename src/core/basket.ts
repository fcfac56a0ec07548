/**
 * A basket is what the POS sells: lines with SKU, quantity, unit price, line discount, category and
 * a tax flag, plus the basket's tax and currency. Everything is integer minor units. The CLI's plain
 * amount is a one-line basket.
 */
import { z } from 'zod';
import { TallyError } from './errors.js';
import { hasControlCharacters } from './text.js';
import { allocateProportionally, isCurrencyCode } from './money.js';
import { parseInput } from './validation.js';

const minor = z.number().int('must be a whole number of minor units').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER, 'is too large');
const label = z.string().min(1).max(64).refine((s) => !hasControlCharacters(s), 'must not contain control or text-direction characters');

export const basketLineSchema = z.strictObject({
  sku: label,
  quantity: z.number().int('must be a whole number').positive('must be at least 1').max(1_000_000),
  unitPrice: minor,
  /** A discount the POS already gave on this line. */
  discount: minor.default(0),
  category: label.default('general'),
  /** Whether the line carries tax (it gets a share of the basket's tax). */
  taxable: z.boolean().default(true),
});

export const basketSchema = z
  .strictObject({
    currency: z.string().refine(isCurrencyCode, 'must be an ISO 4217 currency code'),
    lines: z.array(basketLineSchema).min(1, 'a basket needs at least one line').max(1000),
    /** The basket's tax; `included` when line prices already contain it (VAT in Korea), else it is added. */
    tax: z.strictObject({ amount: minor, included: z.boolean() }).default({ amount: 0, included: true }),
    /** What the POS says the customer pays; checked against the lines. */
    total: minor.optional(),
  })
  .superRefine((b, ctx) => {
    // Every amount must stay a safe integer, or the arithmetic below (and the ledger's) would round.
    let gross = 0n;
    let lineTooLarge = false;
    b.lines.forEach((line, i) => {
      const amount = BigInt(line.quantity) * BigInt(line.unitPrice);
      gross += amount;
      if (amount > BigInt(Number.MAX_SAFE_INTEGER)) {
        ctx.addIssue({ code: 'custom', path: ['lines', i, 'unitPrice'], message: 'quantity × unit price is too large' });
        lineTooLarge = true;
      } else if (line.discount > line.quantity * line.unitPrice) {
        ctx.addIssue({ code: 'custom', path: ['lines', i, 'discount'], message: 'is larger than the line amount' });
      }
    });
    if (lineTooLarge) return;
    if (gross + BigInt(b.tax.amount) > BigInt(Number.MAX_SAFE_INTEGER)) {
      ctx.addIssue({ code: 'custom', path: ['lines'], message: 'the basket total is too large' });
      return;
    }
    if (b.tax.amount > 0 && !b.lines.some((l) => l.taxable)) {
      ctx.addIssue({ code: 'custom', path: ['tax', 'amount'], message: 'the basket has tax but no taxable line' });
    }
    const total = basketTotal(b);
    if (b.total !== undefined && b.total !== total) {
      ctx.addIssue({ code: 'custom', path: ['total'], message: `is ${b.total} but the lines add up to ${total}` });
    }
  });

export type Basket = z.output<typeof basketSchema>;
export type BasketInput = z.input<typeof basketSchema>;
export type BasketLine = Basket['lines'][number];

export function lineNet(line: BasketLine): number {
  return line.quantity * line.unitPrice - line.discount;
}

export function basketTotal(basket: Pick<Basket, 'lines' | 'tax'>): number {
  const net = basket.lines.reduce((sum, line) => sum + lineNet(line), 0);
  return basket.tax.included ? net : net + basket.tax.amount;
}

export function parseBasket(value: unknown, source = 'basket'): Basket {
  return parseInput(basketSchema, value, source);
}

/** The CLI's `--amount 45000`: one untaxed-line basket in the program currency. */
export function amountBasket(amount: number, currency: string): Basket {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new TallyError('invalid-input', `Amount must be a whole positive number of minor units, got ${String(amount)}`);
  }
  return { currency, lines: [{ sku: 'AMOUNT', quantity: 1, unitPrice: amount, discount: 0, category: 'general', taxable: true }], tax: { amount: 0, included: true } };
}

/** Each line's share of the basket tax, in proportion to the taxable lines' `weights`. */
export function taxShares(basket: Basket, weights: readonly number[]): number[] {
  const taxableWeights = basket.lines.map((line, i) => (line.taxable ? (weights[i] ?? 0) : 0));
  return allocateProportionally(basket.tax.amount, taxableWeights);
}

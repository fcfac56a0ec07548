/**
 * Earning: which part of each basket line is eligible spend (exclusions, discounts, tax), and how
 * many points it earns (base rate, per-SKU/category multipliers, tier, membership and bonus-day
 * multipliers, spend thresholds). All arithmetic is exact (BigInt rationals) and each component is
 * rounded once by the program's rule, so the breakdown always adds up to the total.
 */
import { basketTotal, lineNet, taxShares, type Basket } from '../basket.js';
import { allocateProportionally, divideRounded } from '../money.js';
import type { BonusDay, Program } from '../program/schema.js';

export const hundredths = (multiplier: number): number => Math.round(multiplier * 100);

export interface LineFigures {
  readonly sku: string;
  readonly category: string;
  readonly quantity: number;
  /** Line amount after the POS's own line discount. */
  readonly net: number;
  /** Discounts from the loyalty program (member % off, points) allocated to this line. */
  readonly loyaltyDiscount: number;
  /** What the customer pays for the line, before tax is added to a tax-exclusive basket. */
  readonly paid: number;
  readonly eligible: number;
  readonly excluded: boolean;
  /** Per-SKU or per-category multiplier in hundredths (100 = 1×). */
  readonly multiplier: number;
}

/** Lines the program never earns on and never discounts: excluded categories/SKUs and membership fees. */
export function excludedLines(program: Program, basket: Basket): boolean[] {
  const membershipSkus = new Set(program.memberships.map((m) => m.sku).filter((s) => s !== undefined));
  return basket.lines.map(
    (line) =>
      program.earn.excludedCategories.includes(line.category) || program.earn.excludedSkus.includes(line.sku) || membershipSkus.has(line.sku),
  );
}

function lineMultiplier(program: Program, sku: string, category: string): number {
  const bySku = program.earn.multipliers.find((m) => m.sku === sku);
  const byCategory = program.earn.multipliers.find((m) => m.category === category);
  return hundredths((bySku ?? byCategory)?.multiplier ?? 1);
}

/** A loyalty discount on one line (a free item), or spread over some lines in proportion to what is left of them. */
export type LineDiscount =
  | { readonly kind: 'line'; readonly index: number; readonly amount: number }
  | { readonly kind: 'spread'; readonly amount: number; readonly over: readonly boolean[] };

/** Applies loyalty discounts to the lines in order (member % off first, then a reward or points). */
export function lineFigures(program: Program, basket: Basket, discounts: readonly LineDiscount[]): LineFigures[] {
  const excluded = excludedLines(program, basket);
  const nets = basket.lines.map(lineNet);
  const loyalty = basket.lines.map(() => 0);
  for (const discount of discounts) {
    if (discount.kind === 'line') {
      loyalty[discount.index] = (loyalty[discount.index] ?? 0) + discount.amount;
      continue;
    }
    const weights = nets.map((net, i) => (discount.over[i] ? net - (loyalty[i] ?? 0) : 0));
    // Points used as money may also pay a basket's added tax: what exceeds the lines is not theirs.
    const onLines = Math.min(discount.amount, weights.reduce((a, b) => a + b, 0));
    allocateProportionally(onLines, weights).forEach((part, i) => {
      loyalty[i] = (loyalty[i] ?? 0) + part;
    });
  }
  const paid = nets.map((net, i) => net - (loyalty[i] ?? 0));
  const basis = program.earn.earnOnDiscountedSpend ? nets : paid;
  const adjustTax = basket.tax.included ? program.earn.tax === 'exclude' : program.earn.tax === 'include';
  const shares = adjustTax ? taxShares(basket, basis) : basis.map(() => 0);
  return basket.lines.map((line, i) => {
    const share = shares[i] ?? 0;
    const base = basis[i] ?? 0;
    const eligible = excluded[i] ? 0 : basket.tax.included ? Math.max(0, base - share) : base + share;
    return {
      sku: line.sku,
      category: line.category,
      quantity: line.quantity,
      net: nets[i] ?? 0,
      loyaltyDiscount: loyalty[i] ?? 0,
      paid: paid[i] ?? 0,
      eligible,
      excluded: excluded[i] ?? false,
      multiplier: lineMultiplier(program, line.sku, line.category),
    };
  });
}

/** What the customer pays after loyalty discounts (tax added for tax-exclusive baskets). */
export function amountDue(basket: Basket, loyaltyDiscounts: number): number {
  return basketTotal(basket) - loyaltyDiscounts;
}

export type EarnComponent =
  | { readonly kind: 'base'; readonly points: number }
  | { readonly kind: 'product-multiplier'; readonly points: number }
  | { readonly kind: 'tier'; readonly id: string; readonly multiplier: number; readonly points: number }
  | { readonly kind: 'membership'; readonly id: string; readonly multiplier: number; readonly points: number }
  | { readonly kind: 'bonus-day'; readonly id: string; readonly multiplier: number; readonly points: number }
  | { readonly kind: 'member-bonus-day'; readonly id: string; readonly multiplier: number; readonly points: number }
  | { readonly kind: 'spend-threshold'; readonly minimumSpend: number; readonly points: number };

export interface MultiplierSource {
  readonly kind: 'tier' | 'membership' | 'bonus-day' | 'member-bonus-day';
  readonly id: string;
  /** Hundredths: 150 = 1.5×. */
  readonly multiplier: number;
}

export interface EarnResult {
  readonly eligibleSpend: number;
  readonly belowMinimum: boolean;
  /** Everything but a member-chosen bonus day, which is booked as its own once-a-year transfer. */
  readonly points: number;
  readonly memberBonusDayPoints: number;
  readonly components: readonly EarnComponent[];
}

export function earnPoints(program: Program, lines: readonly LineFigures[], multipliers: readonly MultiplierSource[]): EarnResult {
  const eligibleSpend = lines.reduce((sum, l) => sum + l.eligible, 0);
  const { rate, rounding, stacking } = program.earn;
  if (eligibleSpend === 0 || eligibleSpend < program.earn.minimumSpend) {
    return { eligibleSpend, belowMinimum: eligibleSpend > 0, points: 0, memberBonusDayPoints: 0, components: [] };
  }
  // Points before tier/bonus multipliers, as a fraction over (per × 100).
  const scale = BigInt(rate.per) * 100n;
  let baseNumerator = 0n;
  let productNumerator = 0n;
  for (const line of lines) {
    baseNumerator += BigInt(line.eligible) * BigInt(rate.points) * 100n;
    productNumerator += BigInt(line.eligible) * BigInt(rate.points) * BigInt(line.multiplier - 100);
  }
  const components: EarnComponent[] = [
    { kind: 'base', points: divideRounded(baseNumerator, scale, rounding) },
    { kind: 'product-multiplier', points: divideRounded(productNumerator, scale, rounding) },
  ];
  const before = baseNumerator + productNumerator;
  // Multiplicative stacking: each extra is on top of the product of the earlier multipliers, kept
  // exact as factor / factorScale (hundredths multiply: 1.25 × 1.25 = 15625 / 10000).
  let factor = 1n;
  let factorScale = 1n;
  let memberBonusDayPoints = 0;
  for (const source of multipliers) {
    const extraHundredths = BigInt(source.multiplier - 100);
    if (extraHundredths <= 0n) continue;
    const points =
      stacking === 'additive'
        ? divideRounded(before * extraHundredths, scale * 100n, rounding)
        : divideRounded(before * factor * extraHundredths, scale * 100n * factorScale, rounding);
    factor *= BigInt(source.multiplier);
    factorScale *= 100n;
    if (source.kind === 'member-bonus-day') memberBonusDayPoints += points;
    else components.push({ kind: source.kind, id: source.id, multiplier: source.multiplier / 100, points });
  }
  const threshold = [...program.earn.spendThresholds].sort((a, b) => b.minimumSpend - a.minimumSpend).find((t) => eligibleSpend >= t.minimumSpend);
  if (threshold) components.push({ kind: 'spend-threshold', minimumSpend: threshold.minimumSpend, points: threshold.points });
  const kept = components.filter((c) => c.kind === 'base' || c.points > 0);
  const points = kept.reduce((sum, c) => sum + c.points, 0);
  return { eligibleSpend, belowMinimum: false, points, memberBonusDayPoints, components: kept };
}

/** Store-wide bonus days in force on a local day for a member of `tierId` (the most generous one applies). */
export function storeBonusDay(days: readonly BonusDay[], dayKeyText: string, weekday: number, tierId: string | undefined, eligibleSpend: number): BonusDay | undefined {
  return days
    .filter((d) => d.type === 'store-wide')
    .filter((d) => d.dates.includes(dayKeyText) || d.weekdays.includes(weekday))
    .filter((d) => d.tiers === undefined || (tierId !== undefined && d.tiers.includes(tierId)))
    .filter((d) => eligibleSpend >= d.minimumSpend)
    .sort((a, b) => b.multiplier - a.multiplier)[0];
}

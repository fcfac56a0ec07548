/**
 * Money is an integer number of minor units plus an ISO 4217 currency; points are integers.
 * Every division that can leave a remainder goes through `divideRounded` with an explicit rule,
 * computed in BigInt so that large baskets times rates never lose precision.
 */
import { TallyError } from './errors.js';

export type RoundingRule = 'floor' | 'half-up' | 'ceil';

export interface Money {
  readonly amount: number;
  readonly currency: string;
}

/** Digits after the decimal point for a currency (KRW 0, USD 2, BHD 3), from the ICU data every JS runtime carries. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

let knownCurrencies: ReadonlySet<string> | undefined;

export function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  // Intl accepts any well-formed code; supportedValuesOf tells the ones ICU knows (built once: it is ~300 entries).
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return knownCurrencies.has(code);
}

export function assertSafeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new TallyError('invalid-input', `${what} must be a whole number, got ${String(value)}`);
  }
}

/** round(numerator / denominator) for non-negative integers (BigInt-exact). */
export function divideRounded(numerator: bigint, denominator: bigint, rule: RoundingRule): number {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  if (numerator < 0n) throw new RangeError('numerator must not be negative');
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  let result = quotient;
  if (remainder !== 0n) {
    if (rule === 'ceil') result = quotient + 1n;
    else if (rule === 'half-up' && remainder * 2n >= denominator) result = quotient + 1n;
  }
  return toSafeNumber(result);
}

/** floor(a * b / c) for non-negative integers, exact. */
export function mulDiv(a: number, b: number, c: number, rule: RoundingRule = 'floor'): number {
  return divideRounded(BigInt(a) * BigInt(b), BigInt(c), rule);
}

export function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`value ${value.toString()} is outside the safe integer range`);
  }
  return Number(value);
}

/** Formats minor units for people: 45000 KRW → "₩45,000", 1999 USD → "$19.99". */
export function formatMoney(money: Money, locale = 'en'): string {
  const digits = minorDigits(money.currency);
  const major = money.amount / 10 ** digits;
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: money.currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(major);
}

/**
 * Splits `total` over `weights` in proportion, exactly (largest remainder), so the parts always add
 * up to the total: used to spread a basket discount over its lines.
 */
export function allocateProportionally(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (total === 0 || sum === 0) return weights.map(() => 0);
  const big = BigInt(total);
  const bigSum = BigInt(sum);
  const parts = weights.map((w) => (big * BigInt(w)) / bigSum);
  const remainders = weights.map((w, i) => ({ i, r: (big * BigInt(w)) % bigSum }));
  let left = big - parts.reduce((a, b) => a + b, 0n);
  remainders.sort((x, y) => (x.r === y.r ? x.i - y.i : x.r > y.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0n) break;
    parts[i] = (parts[i] ?? 0n) + 1n;
    left -= 1n;
  }
  return parts.map(toSafeNumber);
}

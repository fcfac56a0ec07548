/**
 * Payment cards (bank, credit, debit, charge cards) in every shape a counter sees them: typed
 * digits, digits in groups, and whatever a magnetic-stripe reader sends (track 1, track 2, several
 * tracks at once, read-error markers). Pure: no I/O.
 *
 * A payment card's number must never be stored, logged or shown (PCI DSS), so the card-code parser
 * asks here first, and program validation asks `ruleAcceptsPaymentCards` so that no member-card
 * rule can ever claim one. Nothing exported here returns a card's digits except `readStripe`,
 * which the parser needs to match the program's own stripe cards and which never leaves it.
 *
 * Two kinds of IIN range (`PaymentBrand.exclusive`):
 * - exclusive: a number there, at one of the brand's lengths, is a payment card whatever else it
 *   looks like. The parser refuses it before any member rule, and a program rule may not overlap.
 * - shared: the coarse ranges brand-guessing tables use ("Maestro 50, 56–69", RuPay "60"…) also
 *   cover numbers stores issue themselves: ISO/IEC 7812 gives major industry identifier 6 to
 *   "merchandising and banking", and private-label and loyalty cards have long lived in 60xxxx
 *   (the shipped classic-krw program's stripe cards start 6012). A 12-digit number (only old
 *   Maestro cards were ever that short) is also the length of every UPC-A and of the shipped
 *   plus-membership member numbers. These ranges are checked after the program's own rules: a
 *   code no rule claims is refused as a bank card, one a rule claims is the program's card.
 */
import { hasValidGs1CheckDigit, hasValidLuhn } from './check-digits.js';
import type { CardRule } from './rules.js';

/** A range of IINs given as digit strings of the same length, inclusive: `{ from: '51', to: '55' }`. */
export interface IinRange {
  readonly from: string;
  readonly to: string;
}

export interface PaymentBrand {
  readonly name: string;
  readonly ranges: readonly IinRange[];
  /** The PAN lengths the brand issues, in digits. */
  readonly lengths: readonly number[];
  /** See the file comment: exclusive ranges are refused first and no program rule may overlap them. */
  readonly exclusive: boolean;
}

const r = (from: string, to: string = from): IinRange => {
  if (from.length !== to.length || !/^\d+$/.test(from + to) || from > to) throw new RangeError(`bad IIN range ${from}–${to}`);
  return { from, to };
};
const span = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * IIN ranges and PAN lengths as listed in the issuer table of Wikipedia's "Payment card number"
 * article (en.wikipedia.org/wiki/Payment_card_number, "Issuer identification number (IIN)"), which
 * cites the networks' own publications (Visa; Mastercard's 2-series range 2221–2720, in use since
 * 2017; Discover's IIN table, which also covers Diners Club International; JCB; UnionPay; NSPK for
 * Mir). National schemes are listed where their ranges are narrow. The wide "Maestro 50, 56–69" of
 * older tables is kept, as shared. Keep this table in step with those sources when networks add
 * ranges; a range added as exclusive makes programs whose rules overlap it invalid.
 * Order matters only for the brand a match names: exclusive rows are tried first.
 */
export const PAYMENT_BRANDS: readonly PaymentBrand[] = [
  { name: 'Visa', ranges: [r('4')], lengths: [13, 16, 19], exclusive: true },
  { name: 'Mastercard', ranges: [r('51', '55'), r('2221', '2720')], lengths: [16], exclusive: true },
  { name: 'American Express', ranges: [r('34'), r('37')], lengths: [15], exclusive: true },
  { name: 'Discover', ranges: [r('6011'), r('644', '649'), r('65')], lengths: span(16, 19), exclusive: true },
  { name: 'JCB', ranges: [r('3528', '3589')], lengths: span(16, 19), exclusive: true },
  { name: 'Diners Club', ranges: [r('300', '305'), r('36'), r('38', '39')], lengths: span(14, 19), exclusive: true },
  { name: 'UnionPay', ranges: [r('62')], lengths: span(16, 19), exclusive: true },
  // Maestro's own BINs (Maestro UK: 6759, 676770, 676774); 12-digit Maestro is in the shared row below.
  { name: 'Maestro', ranges: [r('5018'), r('5020'), r('5038'), r('5893'), r('6304'), r('6759'), r('6761', '6763'), r('676770'), r('676774')], lengths: span(13, 19), exclusive: true },
  { name: 'Mir', ranges: [r('2200', '2204')], lengths: span(16, 19), exclusive: true },
  { name: 'BORICA', ranges: [r('2205')], lengths: [16], exclusive: true },
  { name: 'Dankort', ranges: [r('5019')], lengths: [16], exclusive: true },
  { name: 'Verve', ranges: [r('506099', '506198'), r('507865', '507964'), r('650002', '650027')], lengths: [16, 18, 19], exclusive: true },
  { name: 'InterPayment', ranges: [r('636')], lengths: span(16, 19), exclusive: true },
  { name: 'InstaPayment', ranges: [r('637', '639')], lengths: [16], exclusive: true },
  { name: 'Troy', ranges: [r('9792')], lengths: [16], exclusive: true },
  { name: 'NAPAS', ranges: [r('9704')], lengths: [16, 19], exclusive: true },
  { name: 'UzCard', ranges: [r('8600')], lengths: [16], exclusive: true },
  { name: 'Humo', ranges: [r('9860')], lengths: [16], exclusive: true },
  // UATP (airline charge cards): ISO/IEC 7812 major industry identifier 1, 15 digits.
  { name: 'UATP', ranges: [r('1')], lengths: [15], exclusive: true },
  // Shared: the wide ranges brand-guessing tables use; see the file comment.
  { name: 'Maestro', ranges: [r('50'), r('56', '69')], lengths: span(12, 19), exclusive: false },
  { name: 'RuPay', ranges: [r('60'), r('65'), r('81', '82'), r('508')], lengths: [16], exclusive: false },
  { name: 'GPN', ranges: [r('1946'), r('50'), r('56'), r('58'), r('60', '63')], lengths: [16, 18, 19], exclusive: false },
];

const inRange = (digits: string, range: IinRange): boolean => {
  const head = digits.slice(0, range.from.length);
  return head.length === range.from.length && head >= range.from && head <= range.to;
};

/** The brand whose IIN range and length a number has, exclusive brands first. */
export function paymentBrandOf(digits: string): PaymentBrand | undefined {
  if (!/^\d+$/.test(digits)) return undefined;
  const fits = (b: PaymentBrand): boolean => b.lengths.includes(digits.length) && b.ranges.some((range) => inRange(digits, range));
  return PAYMENT_BRANDS.find((b) => b.exclusive && fits(b)) ?? PAYMENT_BRANDS.find((b) => !b.exclusive && fits(b));
}

/**
 * How sure we are a number is a payment card: 'exclusive' (an exclusive brand's range and length,
 * whatever its Luhn digit: a misread or mistyped digit is still a card), 'shared' (a shared range),
 * 'luhn' (13–19 digits of no known brand that pass Luhn, as every payment card does).
 */
export type PaymentTier = 'exclusive' | 'shared' | 'luhn';

/**
 * A product barcode's shape wins over a payment card's: 12–14 digits with a right GS1 check digit
 * that fail Luhn (EAN-13 400–440 is Germany, not Visa), and every 12-digit one (UPC-A: only legacy
 * Maestro cards were ever 12 digits). 13–14 digits that pass both were bank cards before, and stay so.
 */
function productShaped(digits: string): boolean {
  return digits.length >= 12 && digits.length <= 14 && hasValidGs1CheckDigit(digits) && (digits.length === 12 || !hasValidLuhn(digits));
}

function tierOf(digits: string, { product }: { readonly product: boolean }): { readonly tier: PaymentTier; readonly brand: PaymentBrand | undefined } | undefined {
  if (!/^\d{12,19}$/.test(digits)) return undefined;
  if (product && productShaped(digits)) return undefined;
  const brand = paymentBrandOf(digits);
  if (brand) return { tier: brand.exclusive ? 'exclusive' : 'shared', brand };
  if (digits.length >= 13 && hasValidLuhn(digits)) return { tier: 'luhn', brand: undefined };
  return undefined;
}

/** The payment tier of a whole number as typed or scanned (with the product-barcode exception). */
export function paymentTierOf(digits: string): PaymentTier | undefined {
  return tierOf(digits, { product: true })?.tier;
}

/** The payment tier of a magnetic stripe's account number (a stripe is never a product barcode). */
export function stripeAccountTier(account: string): PaymentTier | undefined {
  return tierOf(account, { product: false })?.tier;
}

// ---------------------------------------------------------------------------------------------
// Shapes

const SEPARATOR = '[ \\-\\u00a0\\u2010-\\u2015]';
const GROUPED = new RegExp(`^\\d+(?:${SEPARATOR}+\\d+)+$`);
const SEPARATORS = new RegExp(SEPARATOR, 'g');

/** Digits typed or printed in groups (`4242 4242 4242 4242`, `3782-822463-10005`) or not at all. */
export function compactDigits(text: string): { readonly digits: string; readonly grouped: boolean } | undefined {
  if (/^\d+$/.test(text)) return { digits: text, grouped: false };
  if (GROUPED.test(text)) return { digits: text.replace(SEPARATORS, ''), grouped: true };
  return undefined;
}

export interface StripeAccount {
  readonly track: 1 | 2;
  /** Digits only. Never leaves the parser. */
  readonly account: string;
}

export interface StripeRead {
  readonly accounts: readonly StripeAccount[];
  /** Tracks the reader could not read (`%E?`, `;E?`, `+E?`). */
  readonly readErrors: number;
}

// Track 1 (ISO/IEC 7813 format B): `%B` PAN `^` NAME `^` YYMM…`?`; the PAN may hold spaces (Amex).
// Sentinels and the format code are optional: readers can be set to strip them, and some send `%b`.
const TRACK1 = /(?<!\d)(\d(?: ?\d){5,18})\^/g;
const TRACK1_NO_SEPARATOR = /%[A-Za-z](\d{6,19})(?!\d)/g;
// Track 2 (ISO/IEC 7813): `;` PAN `=` YYMM…`?`.
const TRACK2 = /(?<!\d)(\d{6,19})=/g;
const TRACK2_ACCOUNT_ONLY = /;(\d{6,19})\?/g;
const READ_ERROR = /[%;+][Ee]\?/g;

/**
 * The account numbers in a magnetic-stripe reader's output of any layout: one track or several
 * concatenated (`%B…?;…?+…?`), sentinels or not, read-error markers anywhere. Undefined when the
 * text has nothing of a stripe.
 */
export function readStripe(text: string): StripeRead | undefined {
  const accounts: StripeAccount[] = [];
  const add = (track: 1 | 2, account: string): void => {
    if (!accounts.some((a) => a.track === track && a.account === account)) accounts.push({ track, account });
  };
  for (const m of text.matchAll(TRACK1)) add(1, m[1]!.replace(/ /g, ''));
  for (const m of text.matchAll(TRACK1_NO_SEPARATOR)) if (!accounts.some((a) => a.track === 1)) add(1, m[1]!);
  for (const m of text.matchAll(TRACK2)) add(2, m[1]!);
  for (const m of text.matchAll(TRACK2_ACCOUNT_ONLY)) add(2, m[1]!);
  const readErrors = [...text.matchAll(READ_ERROR)].length;
  return accounts.length > 0 || readErrors > 0 ? { accounts, readErrors } : undefined;
}

// A run of 13–19 digits, single separators allowed between them, not part of a longer run. In a
// stripe, a run right after `=` or `^` is the expiry and discretionary data, not an account number.
const EMBEDDED_BODY = `\\d(?:${SEPARATOR}?\\d){12,18}(?!\\d)`;
const EMBEDDED = new RegExp(`(?<!\\d)${EMBEDDED_BODY}`, 'g');
const EMBEDDED_IN_STRIPE = new RegExp(`(?<![\\d=^])${EMBEDDED_BODY}`, 'g');

/**
 * A payment card number inside longer text (a URL, a note, bytes after a stripe): an exclusive
 * brand's range and length that also passes Luhn, so that order numbers and other digits inside
 * text are not taken for cards. `except` is a number already known to be a member's.
 */
export function embeddedPaymentCard(text: string, options: { readonly stripe?: boolean; readonly except?: string } = {}): PaymentBrand | undefined {
  for (const m of text.matchAll(options.stripe === true ? EMBEDDED_IN_STRIPE : EMBEDDED)) {
    const digits = m[0].replace(SEPARATORS, '');
    if (digits === options.except || !hasValidLuhn(digits)) continue;
    const brand = paymentBrandOf(digits);
    if (brand?.exclusive) return brand;
  }
  return undefined;
}

export type PaymentShape = 'digits' | 'grouped' | 'stripe' | 'embedded';

/** What was found, never the number itself. */
export interface PaymentCardMatch {
  readonly shape: PaymentShape;
  readonly tier: PaymentTier;
  /** The brand's name; null for a number of no known brand that passes Luhn, or a track 1 of one. */
  readonly brand: string | null;
}

/**
 * Is there a payment card in this text, in any shape? The conservative question: a program's own
 * rule may still claim a number in a shared range or an unbranded Luhn number (the parser asks the
 * rules in between), but nothing this says false about is a card number a terminal should worry about.
 */
export function findPaymentCard(text: string): PaymentCardMatch | undefined {
  const stripe = readStripe(text);
  if (stripe) {
    for (const { track, account } of stripe.accounts) {
      const found = tierOf(account, { product: false });
      if (found) return { shape: 'stripe', tier: found.tier, brand: found.brand?.name ?? null };
      // Format B track 1 is the financial-institution format: a bank or payment card whatever its number.
      if (track === 1) return { shape: 'stripe', tier: 'luhn', brand: null };
    }
  }
  const compact = compactDigits(text.trim());
  if (compact) {
    const found = tierOf(compact.digits, { product: true });
    return found ? { shape: compact.grouped ? 'grouped' : 'digits', tier: found.tier, brand: found.brand?.name ?? null } : undefined;
  }
  const brand = embeddedPaymentCard(text, { stripe: stripe !== undefined });
  return brand ? { shape: 'embedded', tier: 'exclusive', brand: brand.name } : undefined;
}

export function paymentCardIn(text: string): boolean {
  return findPaymentCard(text) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Program rules

/** Does a prefix fit some IIN in the range? An empty prefix fits every range. */
function prefixMeets(prefix: string, range: IinRange): boolean {
  const k = range.from.length;
  if (prefix.length >= k) return inRange(prefix, range);
  const low = prefix + '0'.repeat(k - prefix.length);
  const high = prefix + '9'.repeat(k - prefix.length);
  return low <= range.to && high >= range.from;
}

/** The numbers a rule can accept, as a digit prefix and a total length; none for letter prefixes and QR codes. */
function numberSpacesOf(rule: CardRule): { readonly prefix: string; readonly length: number }[] {
  switch (rule.type) {
    case 'ean13':
      return rule.prefixes.map((prefix) => ({ prefix, length: 13 }));
    case 'member-number':
      // A printed number's prefix is part of the code: letters in it mean it can never be a PAN.
      return /^\d*$/.test(rule.prefix) ? [{ prefix: rule.prefix, length: rule.prefix.length + rule.digits }] : [];
    case 'track2':
      return [{ prefix: rule.prefix, length: rule.length }];
    case 'member-qr':
      return [];
  }
}

export interface PaymentOverlap {
  readonly brand: string;
  readonly length: number;
}

/**
 * The exclusive payment brands (and lengths) whose numbers a member-card rule could accept, whatever
 * their check digit: a rule's check digit holds for one number in ten of any range, so it is no
 * protection. Empty when the rule is safe.
 */
export function paymentCardsAcceptedBy(rule: CardRule): PaymentOverlap[] {
  const found: PaymentOverlap[] = [];
  for (const { prefix, length } of numberSpacesOf(rule)) {
    if (length < prefix.length) continue;
    for (const brand of PAYMENT_BRANDS) {
      if (!brand.exclusive || !brand.lengths.includes(length)) continue;
      if (!brand.ranges.some((range) => range.from.length <= length && prefixMeets(prefix, range))) continue;
      if (!found.some((f) => f.brand === brand.name && f.length === length)) found.push({ brand: brand.name, length });
    }
  }
  return found;
}

export function ruleAcceptsPaymentCards(rule: CardRule): boolean {
  return paymentCardsAcceptedBy(rule).length > 0;
}

/** First digits no exclusive range starts with: where a numeric member prefix is always safe. */
export const FREE_FIRST_DIGITS: readonly string[] = [...'0123456789'].filter((d) => !PAYMENT_BRANDS.some((b) => b.exclusive && b.ranges.some((range) => range.from[0]! <= d && d <= range.to[0]!)));

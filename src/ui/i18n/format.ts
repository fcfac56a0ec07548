/**
 * Numbers, money and dates as the screens show them, per language. Money travels as integer minor
 * units of an ISO currency; how many digits a currency's minor unit has comes from Intl (KRW none,
 * USD and EUR two), so ₩45,000 is 45000 and $19.99 is 1999. Dates are shown in the store's time
 * zone, whatever the zone of the computer running the screen.
 */
import { minorDigits } from '../../core/money.js';
import type { ScreenLanguage } from '../../contract/terminal-info.js';

const LOCALES: Readonly<Record<ScreenLanguage, string>> = { en: 'en-US', ko: 'ko-KR' };

export function localeOf(lang: ScreenLanguage): string {
  return LOCALES[lang];
}

/** Intl formatters take microseconds to build and a screen formats many amounts: one per kind, kept. */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(key: string, make: () => Intl.NumberFormat): Intl.NumberFormat {
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = make()));
  return f as Intl.NumberFormat;
}

function dateFormat(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = make()));
  return f as Intl.DateTimeFormat;
}

/** 45000 KRW → "₩45,000"; 1999 USD → "$19.99"; 1999 EUR in Korean → "€19.99". */
export function formatMoney(amount: number, currency: string, lang: ScreenLanguage): string {
  const digits = minorDigits(currency);
  const format = numberFormat(`money:${lang}:${currency}`, () =>
    new Intl.NumberFormat(localeOf(lang), { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }),
  );
  return format.format(amount / 10 ** digits);
}

/** 12345 → "12,345". */
export function formatNumber(value: number, lang: ScreenLanguage): string {
  return numberFormat(`number:${lang}`, () => new Intl.NumberFormat(localeOf(lang), { maximumFractionDigits: 0 })).format(value);
}

/** A UTC instant as a date and time in the store's time zone, on a 24-hour clock (no AM/PM to misread at a till). */
export function formatDateTime(instant: number, timeZone: string, lang: ScreenLanguage): string {
  return dateFormat(`datetime:${lang}:${timeZone}`, () => new Intl.DateTimeFormat(localeOf(lang), { dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23', timeZone })).format(instant);
}

/** A UTC instant as a date in the store's time zone. */
export function formatDate(instant: number, timeZone: string, lang: ScreenLanguage): string {
  return dateFormat(`date:${lang}:${timeZone}`, () => new Intl.DateTimeFormat(localeOf(lang), { dateStyle: 'medium', timeZone })).format(instant);
}

/** A local calendar day the host already computed in the store's zone ("2026-12-31"): shown as that day, in no zone. */
export function formatDayKey(day: string, lang: ScreenLanguage): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  return dateFormat(`day:${lang}`, () => new Intl.DateTimeFormat(localeOf(lang), { dateStyle: 'medium', timeZone: 'UTC' })).format(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

export type AmountProblem = 'empty' | 'not-a-number' | 'too-many-decimals' | 'zero' | 'too-large';

/** The largest basket amount the screens take, in minor units (a typo guard far above any till's basket). */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000;

/**
 * What a cashier typed as an amount in the store's currency ("45000", "45,000", "19.99"), as minor
 * units; exact (string arithmetic, never floating point). A decimal part is refused for a currency
 * without a minor unit, and beyond its digits for the others.
 */
export function parseAmount(text: string, currency: string): { readonly ok: true; readonly minor: number } | { readonly ok: false; readonly problem: AmountProblem } {
  const trimmed = text.trim().replace(/[\s\u00a0]/g, '');
  if (trimmed === '') return { ok: false, problem: 'empty' };
  const m = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d*))?$/.exec(trimmed);
  if (!m) return { ok: false, problem: 'not-a-number' };
  const digits = minorDigits(currency);
  const fraction = m[2] ?? '';
  if (fraction.length > digits) return { ok: false, problem: 'too-many-decimals' };
  const whole = m[1]!.replace(/,/g, '');
  if (whole.length > 16) return { ok: false, problem: 'too-large' };
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  if (!Number.isSafeInteger(minor) || minor > MAX_AMOUNT_MINOR) return { ok: false, problem: 'too-large' };
  if (minor === 0) return { ok: false, problem: 'zero' };
  return { ok: true, minor };
}

/** How a currency's amounts are typed, for the amount field's hint: "45000" or "19.99". */
export function amountExample(currency: string): string {
  const digits = minorDigits(currency);
  return digits === 0 ? '45000' : `19.${'9'.repeat(digits)}`;
}

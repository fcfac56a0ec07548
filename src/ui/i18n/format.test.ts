import { describe, expect, it } from 'vitest';
import { amountExample, formatDateTime, formatDayKey, formatMoney, formatNumber, parseAmount } from './format.js';

// Intl puts a no-break space in some formats; compare as plain spaces.
const plain = (text: string): string => text.replace(/[\u00a0\u202f]/g, ' ');

describe('money', () => {
  it('shows KRW, which has no minor unit, as whole won', () => {
    expect(formatMoney(45000, 'KRW', 'en')).toBe('₩45,000');
    expect(formatMoney(45000, 'KRW', 'ko')).toBe('₩45,000');
    expect(formatMoney(5, 'KRW', 'en')).toBe('₩5');
  });

  it('shows USD and EUR minor units as cents', () => {
    expect(formatMoney(1999, 'USD', 'en')).toBe('$19.99');
    expect(formatMoney(5, 'USD', 'en')).toBe('$0.05');
    expect(formatMoney(1999, 'USD', 'ko')).toBe('US$19.99');
    expect(formatMoney(123456, 'EUR', 'en')).toBe('€1,234.56');
    expect(formatMoney(100, 'EUR', 'ko')).toBe('€1.00');
  });

  it('reads typed amounts as exact minor units of the currency', () => {
    expect(parseAmount('45000', 'KRW')).toEqual({ ok: true, minor: 45000 });
    expect(parseAmount(' 45,000 ', 'KRW')).toEqual({ ok: true, minor: 45000 });
    expect(parseAmount('45000.5', 'KRW')).toEqual({ ok: false, problem: 'too-many-decimals' });
    expect(parseAmount('19.99', 'USD')).toEqual({ ok: true, minor: 1999 });
    expect(parseAmount('19.9', 'USD')).toEqual({ ok: true, minor: 1990 });
    expect(parseAmount('19', 'EUR')).toEqual({ ok: true, minor: 1900 });
    // 0.29 × 100 is 28.999… in floating point: the string arithmetic must not lose the cent.
    expect(parseAmount('0.29', 'USD')).toEqual({ ok: true, minor: 29 });
    expect(parseAmount('1,234.56', 'EUR')).toEqual({ ok: true, minor: 123456 });
    expect(parseAmount('19.999', 'USD')).toEqual({ ok: false, problem: 'too-many-decimals' });
    expect(parseAmount('', 'USD')).toEqual({ ok: false, problem: 'empty' });
    expect(parseAmount('0', 'KRW')).toEqual({ ok: false, problem: 'zero' });
    for (const text of ['-5', '1e3', '12,34', '₩100', '0x10', '1.2.3']) expect(parseAmount(text, 'KRW')).toEqual({ ok: false, problem: 'not-a-number' });
    expect(parseAmount('99999999999999999', 'KRW')).toEqual({ ok: false, problem: 'too-large' });
    expect(amountExample('KRW')).toBe('45000');
    expect(amountExample('USD')).toBe('19.99');
  });
});

describe('points and dates', () => {
  it('groups points by the language', () => {
    expect(formatNumber(1234567, 'en')).toBe('1,234,567');
    expect(formatNumber(1234567, 'ko')).toBe('1,234,567');
  });

  it("shows an instant in the store's time zone, not the computer's", () => {
    const instant = Date.UTC(2026, 11, 31, 16, 30); // 2027-01-01 01:30 in Seoul
    expect(plain(formatDateTime(instant, 'Asia/Seoul', 'en'))).toBe('Jan 1, 2027, 01:30');
    expect(plain(formatDateTime(instant, 'America/New_York', 'en'))).toBe('Dec 31, 2026, 11:30');
    expect(plain(formatDateTime(instant, 'Asia/Seoul', 'ko'))).toBe('2027. 1. 1. 01:30');
  });

  it('shows a local day the host computed as that very day', () => {
    expect(formatDayKey('2026-12-31', 'en')).toBe('Dec 31, 2026');
    expect(formatDayKey('2026-12-31', 'ko')).toBe('2026. 12. 31.');
  });
});

/**
 * Program validation refuses card rules that could accept a payment card's number (a program with
 * a "16 digits, Luhn, no prefix" member number would enrol and store a Visa card), and the
 * example programs, whose rules cannot, still validate.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTallyError } from '../errors.js';
import { parseProgram, parseProgramText } from '../program/parse.js';
import { paymentCardsAcceptedBy, ruleAcceptsPaymentCards } from './payment-card.js';
import { cardCodesSchema, cardRuleSchema, type CardRule } from './rules.js';

const PROGRAMS = join(import.meta.dirname, '..', '..', '..', 'resources', 'programs');
const EXAMPLES = ['classic-krw', 'sporting-goods-usd', 'plus-membership-charity'] as const;
const programJson = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(PROGRAMS, `${name}.json`), 'utf8')) as Record<string, unknown>;
const rule = (input: unknown): CardRule => cardRuleSchema.parse(input);

/** The problems a program with these card rules is refused with ([] when it is accepted). */
function problemsWith(rules: unknown[]): string[] {
  const program = { ...programJson('classic-krw'), cardCodes: { rules } };
  try {
    parseProgram(program, 'programs/x.json');
    return [];
  } catch (error) {
    if (isTallyError(error)) return (error.details?.['problems'] as string[] | undefined) ?? [];
    throw error;
  }
}

describe('ruleAcceptsPaymentCards', () => {
  it('is true for rules whose numbers can fall in a card range at a card length, whatever their check digit', () => {
    expect(ruleAcceptsPaymentCards(rule({ type: 'member-number', id: 'n', prefix: '', digits: 16, checkDigit: 'luhn' }))).toBe(true);
    expect(ruleAcceptsPaymentCards(rule({ type: 'member-number', id: 'n', prefix: '', digits: 16, checkDigit: 'gs1-mod10' }))).toBe(true);
    expect(ruleAcceptsPaymentCards(rule({ type: 'member-number', id: 'n', prefix: '', digits: 15, checkDigit: 'none' }))).toBe(true); // Amex, UATP
    expect(ruleAcceptsPaymentCards(rule({ type: 'member-number', id: 'n', prefix: '9', digits: 15, checkDigit: 'luhn' }))).toBe(true); // Troy 9792, 16 digits
    expect(ruleAcceptsPaymentCards(rule({ type: 'track2', id: 't', prefix: '4', length: 16, checkDigit: 'luhn' }))).toBe(true);
    expect(ruleAcceptsPaymentCards(rule({ type: 'track2', id: 't', prefix: '6011', length: 16, checkDigit: 'none' }))).toBe(true); // Discover
    expect(ruleAcceptsPaymentCards(rule({ type: 'track2', id: 't', prefix: '27', length: 16, checkDigit: 'luhn' }))).toBe(true); // Mastercard 2700–2720
    expect(ruleAcceptsPaymentCards(rule({ type: 'ean13', id: 'e', prefixes: ['29', '4'] }))).toBe(true); // Visa has 13-digit numbers
    expect(paymentCardsAcceptedBy(rule({ type: 'member-number', id: 'n', prefix: '', digits: 16, checkDigit: 'luhn' })).map((o) => o.brand)).toEqual(expect.arrayContaining(['Visa', 'Mastercard', 'Discover', 'JCB', 'UnionPay', 'Mir']));
  });

  it('is false for letter prefixes, prefixes outside every exclusive range, lengths no card has, and QR codes', () => {
    expect(ruleAcceptsPaymentCards(rule({ type: 'member-number', id: 'n', prefix: 'SC', digits: 16, checkDigit: 'luhn' }))).toBe(false);
    expect(ruleAcceptsPaymentCards(rule({ type: 'member-number', id: 'n', prefix: '7', digits: 15, checkDigit: 'luhn' }))).toBe(false);
    expect(ruleAcceptsPaymentCards(rule({ type: 'member-number', id: 'n', prefix: '', digits: 10, checkDigit: 'luhn' }))).toBe(false);
    expect(ruleAcceptsPaymentCards(rule({ type: 'member-number', id: 'n', prefix: '', digits: 12, checkDigit: 'gs1-mod10' }))).toBe(false); // 12 digits: shared with UPC-A
    expect(ruleAcceptsPaymentCards(rule({ type: 'track2', id: 't', prefix: '6012', length: 16, checkDigit: 'luhn' }))).toBe(false); // between Discover 6011 and UnionPay 62
    expect(ruleAcceptsPaymentCards(rule({ type: 'track2', id: 't', prefix: '2721', length: 16, checkDigit: 'luhn' }))).toBe(false); // just past Mastercard
    expect(ruleAcceptsPaymentCards(rule({ type: 'ean13', id: 'e', prefixes: ['2', '02', '04', '29'] }))).toBe(false);
    expect(ruleAcceptsPaymentCards(rule({ type: 'member-qr', id: 'q' }))).toBe(false);
  });
});

describe('program validation', () => {
  it('refuses a member number of 16 digits with a Luhn digit and no prefix, at its path, saying what to do', () => {
    const problems = problemsWith([
      { type: 'ean13', id: 'store-card', prefixes: ['29'] },
      { type: 'member-number', id: 'plain', prefix: '', digits: 16, checkDigit: 'luhn' },
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^programs\/x\.json: cardCodes\.rules\.1: this rule would accept payment card numbers \(Visa, 16 digits; .*\); give it a prefix outside card ranges/);
    expect(problems[0]).toMatch(/letters such as "SC"/);
  });

  it('refuses a track 2 rule with prefix 4 and length 16', () => {
    const problems = problemsWith([{ type: 'track2', id: 'stripe', prefix: '4', length: 16, checkDigit: 'luhn' }]);
    expect(problems).toEqual([expect.stringMatching(/^programs\/x\.json: cardCodes\.rules\.0: this rule would accept payment card numbers \(Visa, 16 digits\)/)]);
  });

  it('refuses every offending rule of a card-codes block on its own, and accepts the safe ones', () => {
    const result = cardCodesSchema.safeParse({
      rules: [
        { type: 'ean13', id: 'ok', prefixes: ['29'] },
        { type: 'ean13', id: 'visa13', prefixes: ['4'] },
        { type: 'track2', id: 'amex', prefix: '37', length: 15, checkDigit: 'luhn' },
      ],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['rules.1', 'rules.2']);
  });

  it('accepts the three example programs', () => {
    for (const name of EXAMPLES) {
      const text = readFileSync(join(PROGRAMS, `${name}.json`), 'utf8');
      expect(() => parseProgramText(text, `${name}.json`), name).not.toThrow();
      const codes = cardCodesSchema.parse((JSON.parse(text) as { cardCodes: unknown }).cardCodes);
      for (const r of codes.rules) expect(ruleAcceptsPaymentCards(r), `${name} ${r.id}`).toBe(false);
    }
  });
});

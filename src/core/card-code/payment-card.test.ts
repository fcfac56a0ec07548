/**
 * Bank card numbers in every shape a counter sees them (typed in groups, any stripe layout, read
 * errors, a wrong Luhn digit) are refused as bank cards and never echoed; product barcodes and the
 * example programs' member cards are what they were.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasValidGs1CheckDigit, hasValidLuhn, luhnCheckDigit, withCheckDigit } from './check-digits.js';
import { findPaymentCard, paymentBrandOf, paymentCardIn, PAYMENT_BRANDS, readStripe, type PaymentBrand } from './payment-card.js';
import { cardCodeRules, parseCardCode, REJECTION_MESSAGES } from './parse.js';
import { cardCodesSchema, DEFAULT_CARD_CODES, type CardCodes } from './rules.js';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const REPO = join(import.meta.dirname, '..', '..', '..');

/** The example programs' cardCodes, validated by the same schema a program file goes through. */
function exampleCodes(name: 'classic-krw' | 'sporting-goods-usd' | 'plus-membership-charity'): CardCodes {
  const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', `${name}.json`), 'utf8')) as { cardCodes: unknown };
  return cardCodesSchema.parse(program.cardCodes);
}

const classic = exampleCodes('classic-krw');
const sporting = exampleCodes('sporting-goods-usd');
const plus = exampleCodes('plus-membership-charity');
// The parse tests' config: store cards, RCN, SC numbers, 6012 stripe cards, member QR.
const mixed: CardCodes = cardCodesSchema.parse({
  rules: [
    { type: 'ean13', id: 'store-card', prefixes: ['29'] },
    { type: 'ean13', id: 'rcn', prefixes: ['04'] },
    { type: 'member-number', id: 'sc-number', prefix: 'SC', digits: 10, checkDigit: 'luhn', symbologies: ['code128'] },
    { type: 'track2', id: 'stripe', prefix: '6012', length: 16, checkDigit: 'luhn' },
    { type: 'member-qr', id: 'member-qr' },
  ],
});
const CONFIGS: readonly (readonly [string, CardCodes])[] = [
  ['classic-krw', classic],
  ['sporting-goods-usd', sporting],
  ['plus-membership-charity', plus],
  ['mixed', mixed],
  ['default', DEFAULT_CARD_CODES],
];

const parse = (text: string, config: CardCodes = classic): ReturnType<typeof parseCardCode> => parseCardCode({ text }, cardCodeRules(config), NOW);

/** No run of more than four of the card's digits anywhere in what the parser returned. */
function leaksDigits(result: unknown, pan: string): boolean {
  const json = JSON.stringify(result);
  for (let i = 0; i + 5 <= pan.length; i += 1) if (json.includes(pan.slice(i, i + 5))) return true;
  return false;
}

const withWrongLuhn = (pan: string): string => pan.slice(0, -1) + String((Number(pan.at(-1)) + 1) % 10);

// Each shape a payment card arrives in, as (name, text) from a PAN.
type Shape = readonly [string, (pan: string) => string];
const group = (pan: string, sizes: readonly number[], separator: string): string => {
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= pan.length) break;
    parts.push(pan.slice(at, at + size));
    at += size;
  }
  if (at < pan.length) parts.push(pan.slice(at));
  return parts.join(separator);
};
const SHAPES: readonly Shape[] = [
  ['typed', (pan) => pan],
  ['in groups of four with spaces', (pan) => group(pan, [4, 4, 4, 4, 4], ' ')],
  ['in groups of four with dashes', (pan) => group(pan, [4, 4, 4, 4, 4], '-')],
  ['printed 4-6-5 (Amex style)', (pan) => group(pan, [4, 6, 5], ' ')],
  ['track 1', (pan) => `%B${pan}^DOE/JANE^2912101000000000000?`],
  ['track 1 written %b', (pan) => `%b${pan}^DOE/JANE^2912101?`],
  ['track 1 without sentinels', (pan) => `B${pan}^DOE/JANE^2912101`],
  ['track 2', (pan) => `;${pan}=29121010000000000000?`],
  ['track 2 without sentinels', (pan) => `${pan}=2912101`],
  ['track 2 after a track 1 read error', (pan) => `%E?;${pan}=2912101?`],
  ['track 2 before a track 3 read error', (pan) => `;${pan}=2912101?+E?`],
  ['three tracks', (pan) => `%B${pan}^DOE/JANE^2912101?;${pan}=2912101?+0199?`],
  ['track 1 then a track 2 read error', (pan) => `%B${pan}^DOE/JANE^2912101?;E?`],
  ['track 2 account only', (pan) => `;${pan}?`],
];

describe('the brand table', () => {
  it('has the networks a counter meets, with well-formed ranges', () => {
    const names = new Set(PAYMENT_BRANDS.map((b) => b.name));
    for (const name of ['Visa', 'Mastercard', 'American Express', 'Discover', 'JCB', 'Diners Club', 'UnionPay', 'Maestro', 'Mir']) expect(names).toContain(name);
    for (const brand of PAYMENT_BRANDS) {
      for (const range of brand.ranges) expect(range.from.length === range.to.length && range.from <= range.to).toBe(true);
      for (const length of brand.lengths) expect(length >= 12 && length <= 19).toBe(true);
    }
  });

  it('names the brand of well-known test numbers', () => {
    expect(paymentBrandOf('4111111111111111')?.name).toBe('Visa');
    expect(paymentBrandOf('5555555555554444')?.name).toBe('Mastercard');
    expect(paymentBrandOf('2223003122003222')?.name).toBe('Mastercard');
    expect(paymentBrandOf('378282246310005')?.name).toBe('American Express');
    expect(paymentBrandOf('6011111111111117')?.name).toBe('Discover');
    expect(paymentBrandOf('3530111333300000')?.name).toBe('JCB');
    expect(paymentBrandOf('30569309025904')?.name).toBe('Diners Club');
    expect(paymentBrandOf('6200000000000005')?.name).toBe('UnionPay');
    expect(paymentBrandOf('2200000000000004')?.name).toBe('Mir');
    expect(paymentBrandOf('6759649826438453')?.name).toBe('Maestro');
    expect(paymentBrandOf('411111111111111')).toBeUndefined(); // Visa has no 15-digit numbers
  });
});

describe('every shape of a bank card is refused as one, never echoed', () => {
  const cards = ['4242424242424242', '4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '3530111333300000', '30569309025904', '6200000000000005', '2200000000000004', '4222222222222'];
  for (const [shape, make] of SHAPES) {
    it(`refuses a card ${shape}`, () => {
      for (const pan of cards) {
        for (const [name, config] of CONFIGS) {
          const result = parse(make(pan), config);
          expect(result, `${pan} ${shape} (${name})`).toMatchObject({ ok: false, reason: 'bank-card', message: REJECTION_MESSAGES['bank-card'].en });
          expect(leaksDigits(result, pan)).toBe(false);
        }
      }
    });
  }

  it('refuses a card number with a wrong Luhn digit (a mistyped digit is still a card)', () => {
    for (const pan of ['4111111111111112', '5555555555554445', '378282246310006', '6011111111111118', '4242 4242 4242 4243']) {
      expect(parse(pan)).toMatchObject({ ok: false, reason: 'bank-card' });
      expect(parse(`%E?;${pan.replace(/ /g, '')}=2912101?`)).toMatchObject({ ok: false, reason: 'bank-card' });
    }
  });

  it('refuses a Luhn-valid number of no known brand, as before, and a card number inside other text', () => {
    expect(parse(withCheckDigit('700000000000000', 'luhn'))).toMatchObject({ reason: 'bank-card' });
    expect(parse('https://pay.example/?pan=4111111111111111&x=1')).toMatchObject({ reason: 'bank-card' });
    expect(parse('card 4111 1111 1111 1111 exp 12/29')).toMatchObject({ reason: 'bank-card' });
  });

  it('says a stripe the reader could not read at all is unreadable', () => {
    expect(parse('%E?;E?+E?')).toMatchObject({ ok: false, reason: 'malformed', symbology: 'magstripe' });
  });

  it('describes what it found without the digits', () => {
    const found = findPaymentCard('%E?;4111111111111111=2912101?');
    expect(found).toEqual({ shape: 'stripe', tier: 'exclusive', brand: 'Visa' });
    expect(JSON.stringify(found)).not.toMatch(/\d{5}/);
    expect(findPaymentCard('4242-4242-4242-4242')).toEqual({ shape: 'grouped', tier: 'exclusive', brand: 'Visa' });
    expect(readStripe(';4111111111111111=2912101?+E?')).toEqual({ accounts: [{ track: 2, account: '4111111111111111' }], readErrors: 1 });
  });
});

describe('what is not a bank card stays what it was', () => {
  it('product barcodes: EAN-13 (also German 400–440, Visa\'s range), UPC-A, EAN-8, GS1-128', () => {
    for (const [name, config] of CONFIGS) {
      // Real EAN-13s from Germany (400–440: Visa's first digit), the UK (50: Maestro's wide range) and Korea, a UPC-A, an EAN-8.
      for (const code of ['4006381333931', '5000159407236', '5010029000214', '8801234567893', '036000291452', '96385074']) {
        if (config === plus && code.length === 12) continue; // Plus member numbers are 12 digits with a GS1 check digit: its own
        expect(parse(code, config), `${code} (${name})`).toMatchObject({ ok: false, reason: 'product-barcode' });
      }
      // A 13-digit number that passes both checks in Visa's range was a bank card before, and is.
      expect(parse('4901234567894', config)).toMatchObject({ ok: false, reason: 'bank-card' });
      expect(parseCardCode({ text: ']C1010400638133393110ABC\u001d17261231' }, cardCodeRules(config), NOW)).toMatchObject({ reason: 'product-barcode' });
      expect(parseCardCode({ text: ']C14144006381333931' }, cardCodeRules(config), NOW)).toMatchObject({ reason: 'not-a-member-card' });
    }
  });

  it('product barcodes whose GS1 check digit is right and which fail Luhn are never bank cards', () => {
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[0-9]{11}$/), fc.stringMatching(/^[0-9]{12}$/), fc.stringMatching(/^[0-9]{13}$/)), (body) => {
        const code = withCheckDigit(body, 'gs1-mod10');
        fc.pre(code.length === 12 || !hasValidLuhn(code));
        expect(paymentCardIn(code)).toBe(false);
        const result = parse(code, DEFAULT_CARD_CODES);
        if (!result.ok) expect(result.reason).not.toBe('bank-card');
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts the example programs\' member cards in every shape they come in', () => {
    const stripeCard = withCheckDigit('601200001234567', 'luhn');
    for (const text of [stripeCard, `;${stripeCard}=2912101?`, `%E?;${stripeCard}=2912101?`, `;${stripeCard}=2912101?+E?`, `%E?;${stripeCard}=2912101?+E?`, `${stripeCard}=2912`]) {
      expect(parse(text, classic), text).toMatchObject({ ok: true, kind: 'card', code: stripeCard, ruleId: 'old-magstripe-card' });
    }
    expect(parse('2900000000018', classic)).toMatchObject({ ok: true, ruleId: 'store-card' });
    expect(parse(']E02900000000018', sporting)).toMatchObject({ ok: true, ruleId: 'scorecard' });
    const sc = `SC${withCheckDigit('123456789', 'luhn')}`;
    expect(parseCardCode({ text: sc, symbology: 'code128' }, cardCodeRules(sporting), NOW)).toMatchObject({ ok: true, ruleId: 'scorecard-number' });
    expect(parse(withCheckDigit('040000123456', 'gs1-mod10'), plus)).toMatchObject({ ok: true, ruleId: 'rcn-card' });
    // 12-digit Plus numbers, also those in Maestro's wide range that pass Luhn as well: the program's own.
    for (const number of [withCheckDigit('12345678901', 'gs1-mod10'), '600000000064', '500000000074', '560000000078']) {
      expect(parseCardCode({ text: number, symbology: 'code128' }, cardCodeRules(plus), NOW), number).toMatchObject({ ok: true, code: number, ruleId: 'plus-number' });
      expect(parse(number, plus), number).toMatchObject({ ok: true, code: number, ruleId: 'plus-number' });
    }
    expect(hasValidLuhn('600000000064') && hasValidGs1CheckDigit('600000000064')).toBe(true);
  });

  it('still says bad check digit for a misread member stripe card', () => {
    const stripeCard = withCheckDigit('601200001234567', 'luhn');
    expect(parse(withWrongLuhn(stripeCard), classic)).toMatchObject({ reason: 'bad-check-digit' });
    expect(parse(`;${withWrongLuhn(stripeCard)}=2912101?`, classic)).toMatchObject({ reason: 'bad-check-digit' });
  });

  it('does not take a member stripe that also carries a bank card', () => {
    const stripeCard = withCheckDigit('601200001234567', 'luhn');
    expect(parse(`%B4111111111111111^DOE/JANE^2912101?;${stripeCard}=2912101?`, classic)).toMatchObject({ reason: 'bank-card' });
    expect(parse(`;${stripeCard}=2912101?4111111111111111`, classic)).toMatchObject({ reason: 'bank-card' });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over random card numbers of every brand

function panOf(brand: PaymentBrand): fc.Arbitrary<string> {
  return fc
    .record({
      range: fc.constantFrom(...brand.ranges),
      length: fc.constantFrom(...brand.lengths),
      fill: fc.stringMatching(/^[0-9]{19}$/),
      pick: fc.nat(),
    })
    .map(({ range, length, fill, pick }) => {
      const low = Number(range.from);
      const high = Number(range.to);
      const iin = String(low + (pick % (high - low + 1))).padStart(range.from.length, '0');
      const body = (iin + fill).slice(0, length - 1);
      return body + String(luhnCheckDigit(body));
    });
}

const exclusiveBrands = PAYMENT_BRANDS.filter((b) => b.exclusive);
const sharedBrands = PAYMENT_BRANDS.filter((b) => !b.exclusive);
const productShaped = (digits: string): boolean => digits.length >= 12 && digits.length <= 14 && hasValidGs1CheckDigit(digits) && (digits.length === 12 || !hasValidLuhn(digits));

describe('properties: random card numbers of each brand, in every shape', () => {
  it('a card of an exclusive brand is a bank card in every shape, for every program, and is never echoed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...exclusiveBrands).chain(panOf), fc.constantFrom(...SHAPES), fc.constantFrom(...CONFIGS), (pan, [, make], [, config]) => {
        const result = parseCardCode({ text: make(pan) }, cardCodeRules(config), NOW);
        expect(result).toMatchObject({ ok: false, reason: 'bank-card' });
        expect(leaksDigits(result, pan)).toBe(false);
      }),
      { numRuns: 1_500 },
    );
  });

  it('a wrong Luhn digit does not make it anything else (only a product barcode\'s shape wins)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...exclusiveBrands).chain(panOf), fc.constantFrom(...SHAPES), fc.constantFrom(...CONFIGS), (good, [name, make], [, config]) => {
        const pan = withWrongLuhn(good);
        const result = parseCardCode({ text: make(pan) }, cardCodeRules(config), NOW);
        const digitsOnly = name === 'typed' || name.startsWith('in groups') || name.startsWith('printed');
        if (digitsOnly && productShaped(pan)) expect(result).toMatchObject({ ok: false });
        else expect(result).toMatchObject({ ok: false, reason: 'bank-card' });
        expect(leaksDigits(result, pan)).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });

  it('a card in a shared range is a bank card unless one of the program\'s own rules claims the number', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sharedBrands).chain(panOf), fc.constantFrom(...SHAPES), (pan, [name, make]) => {
        const result = parseCardCode({ text: make(pan) }, cardCodeRules(DEFAULT_CARD_CODES), NOW);
        if (name === 'typed' && productShaped(pan)) expect(result).toMatchObject({ ok: false, reason: 'product-barcode' });
        else if (productShaped(pan) && (name.startsWith('in groups') || name.startsWith('printed'))) expect(result).toMatchObject({ ok: false });
        else expect(result).toMatchObject({ ok: false, reason: 'bank-card' });
        expect(leaksDigits(result, pan)).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });

  it('no shape of a card ever comes back as a member card of the example programs, except their own numbers', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PAYMENT_BRANDS).chain(panOf), fc.constantFrom(...SHAPES), fc.constantFrom(...CONFIGS), (pan, [, make], [, config]) => {
        const result = parseCardCode({ text: make(pan) }, cardCodeRules(config), NOW);
        // Only shared-range numbers a rule of the program describes may be taken (the program's own cards).
        if (result.ok) {
          expect(paymentBrandOf(pan)?.exclusive).not.toBe(true);
          expect(result).toMatchObject({ kind: 'card', code: pan });
        } else expect(leaksDigits(result, pan)).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });
});

/**
 * What may be shown of a scan: never a refused code's characters (it may be a bank card in a
 * shape nobody foresaw), never a control character; an accepted member card's last four.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withCheckDigit } from './check-digits.js';
import { maskScanned, redactScanText } from './mask.js';
import { cardCodeRules, parseCardCode } from './parse.js';
import { cardCodesSchema } from './rules.js';

const config = cardCodesSchema.parse({
  rules: [
    { type: 'ean13', id: 'store-card', prefixes: ['29'] },
    { type: 'track2', id: 'stripe', prefix: '6012', length: 16, checkDigit: 'luhn' },
    { type: 'member-qr', id: 'member-qr' },
  ],
});
const hasControl = (text: string): boolean => [...text].some((c) => c < ' ' || c === '\x7f');
const parse = (text: string): ReturnType<typeof parseCardCode> => parseCardCode({ text }, cardCodeRules(config), 0);

describe('maskScanned', () => {
  it('shows only the length of a refused scan, whatever the refusal', () => {
    for (const text of ['4242 4242 4242 4242', '%E?;4111111111111111=2912101?', '4111111111111112', '8801234567893', 'hello world', '2900000000017']) {
      const shown = maskScanned(text, parse(text));
      expect(shown).toMatch(/^\(\d+ (digits|characters), not shown\)$/);
      expect(shown).not.toMatch(/\d{5}/);
    }
    expect(maskScanned('4111111111111111')).toBe('(16 digits, not shown)');
    expect(maskScanned('%B4111111111111111^DOE/JANE^2912101?')).toBe('(36 characters, not shown)');
    expect(maskScanned('')).toBe('(nothing read)');
  });

  it('shows the last four characters of an accepted member card', () => {
    expect(maskScanned(']E02900000000018', parse(']E02900000000018'))).toBe('…0018');
    const stripe = withCheckDigit('601200001234567', 'luhn');
    expect(maskScanned(`%E?;${stripe}=2912101?`, parse(`%E?;${stripe}=2912101?`))).toBe(`…${stripe.slice(-4)}`);
  });

  it('never returns a character of a refused or unparsed text, nor any control character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        for (const shown of [maskScanned(text), maskScanned(text, parse(text))]) {
          expect(hasControl(shown)).toBe(false);
          if (!parse(text).ok) expect(shown).toMatch(/^\((nothing read|\d+ (digits|characters), not shown)\)$/);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('redactScanText', () => {
  it('takes card numbers, stripe fields and control characters out of a free-text message', () => {
    const redacted = redactScanText('listener failed on %B4111111111111111^DOE/JANE^2912101? then 4242 4242 4242 4242 and ;5555555555554444=2912? \u001b[2J');
    expect(redacted).not.toMatch(/4111|4242|5555|DOE/);
    expect(hasControl(redacted)).toBe(false);
    expect(redacted).toContain('\\x1b');
  });

  it('leaves ordinary device messages alone', () => {
    for (const message of [
      'serial-scanner: a scan longer than 4096 bytes with no CR/LF suffix was dropped — check the scanner\'s suffix setting; reading resumes at the next code',
      'not allowed to open /dev/ttyACM0 — add the terminal\'s user to the "dialout" group (Error: Permission denied, cannot open /dev/ttyACM0)',
      'USB 0c2e:0b61 serial 17324B0042 is not connected',
    ]) {
      expect(redactScanText(message)).toBe(message);
    }
  });
});

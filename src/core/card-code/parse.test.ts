/**
 * The one card-code parser: what each kind of code becomes, every rejection with the words a
 * cashier acts on, signed member QR codes (forged, expired, wrong key, rotated keys, terminal
 * certificates), and a fuzz: it never throws and never accepts a code that fails its check digit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasValidCheckDigit, hasValidGs1CheckDigit, hasValidLuhn, withCheckDigit } from './check-digits.js';
import { certifyTerminalKey, issueMemberToken, issueTerminalMemberToken, publicKeyOf, signingKeyFrom } from './member-token.js';
import { parseCardCode, REJECTION_MESSAGES } from './parse.js';
import { cardCodesSchema, type CardCodes } from './rules.js';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const seed = (n: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) & 0xff);
const programKey = signingKeyFrom('k2026', seed(1));
const oldKey = signingKeyFrom('k2025', seed(2));
const strangerKey = signingKeyFrom('k2026', seed(3)); // same id, different key: a forger's
const terminalKey = signingKeyFrom('lane-3', seed(4));
const MEMBER = '01a2121e-e3c3-70b1-9ba7-7bd28999b281';

const config: CardCodes = cardCodesSchema.parse({
  rules: [
    { type: 'ean13', id: 'store-card', prefixes: ['29'] },
    { type: 'ean13', id: 'rcn', prefixes: ['04'] },
    { type: 'member-number', id: 'sc-number', prefix: 'SC', digits: 10, checkDigit: 'luhn', symbologies: ['code128'] },
    { type: 'track2', id: 'stripe', prefix: '6012', length: 16, checkDigit: 'luhn' },
    { type: 'member-qr', id: 'member-qr' },
  ],
  verifyKeys: [
    { id: 'k2026', publicKey: publicKeyOf(programKey.secretKey) },
    { id: 'k2025', publicKey: publicKeyOf(oldKey.secretKey) },
  ],
});

const parse = (text: string, symbology?: Parameters<typeof parseCardCode>[0]['symbology']): ReturnType<typeof parseCardCode> =>
  parseCardCode(symbology ? { text, symbology } : { text }, config, NOW);

describe('check digits', () => {
  it('computes GS1 mod-10 and Luhn', () => {
    // 2·1 + 9·3 + 1·3 = 32 (weights 3,1 from the right) → 10 − 2 = 8
    expect(withCheckDigit('290000000001', 'gs1-mod10')).toBe('2900000000018');
    expect(hasValidGs1CheckDigit('4006381333931')).toBe(true); // a real EAN-13 (Stabilo pen)
    expect(hasValidGs1CheckDigit('4006381333932')).toBe(false);
    expect(hasValidLuhn('4111111111111111')).toBe(true); // the classic Visa test number
    expect(hasValidLuhn('79927398713')).toBe(true); // Luhn's own example
    expect(hasValidCheckDigit('79927398710', 'luhn')).toBe(false);
    expect(hasValidCheckDigit('anything', 'none')).toBe(true);
  });
});

describe('member cards', () => {
  it('accepts an in-store EAN-13 and an RCN-13 with a right check digit', () => {
    expect(parse('2900000000018')).toEqual({ ok: true, kind: 'card', code: '2900000000018', ruleId: 'store-card', symbology: 'unknown' });
    const rcn = withCheckDigit('040000123456', 'gs1-mod10');
    expect(parse(rcn)).toMatchObject({ ok: true, code: rcn, ruleId: 'rcn' });
  });

  it('reads and strips an AIM identifier, and trims the scanner suffix', () => {
    expect(parse(']E02900000000018\r\n')).toEqual({ ok: true, kind: 'card', code: '2900000000018', ruleId: 'store-card', symbology: 'ean-upc' });
  });

  it('accepts a Code 128 member number with its Luhn digit, only as Code 128 when the symbology is known', () => {
    const number = `SC${withCheckDigit('123456789', 'luhn')}`;
    expect(parse(number, 'code128')).toMatchObject({ ok: true, code: number, ruleId: 'sc-number' });
    expect(parse(number)).toMatchObject({ ok: true, ruleId: 'sc-number' }); // typed: symbology unknown
    expect(parse(number, 'qr')).toMatchObject({ ok: false, reason: 'not-a-member-card' });
  });

  it('takes the account number of a member magnetic stripe (track 2)', () => {
    const pan = withCheckDigit('601200001234567', 'luhn');
    expect(parse(`;${pan}=2912101?`)).toEqual({ ok: true, kind: 'card', code: pan, ruleId: 'stripe', symbology: 'magstripe' });
  });
});

describe('rejections a cashier can act on', () => {
  const cases: [string, string, keyof typeof REJECTION_MESSAGES][] = [
    // Luhn-valid too, but it has the store card's shape: a misread card, not a bank card.
    ['wrong check digit on a store card', '2900000000017', 'bad-check-digit'],
    ['wrong check digit on a member number', `SC1234567890`, 'bad-check-digit'],
    ['a product barcode (EAN-13)', '4006381333931', 'product-barcode'],
    ['a product barcode (UPC-A)', '036000291452', 'product-barcode'],
    ['a product barcode (EAN-8)', '96385074', 'product-barcode'],
    ['a GS1-128 element string with a GTIN', ']C1010400638133393110ABC\u001d17261231', 'product-barcode'],
    ['a typed bank card number', '4111111111111111', 'bank-card'],
    ['a bank card track 2', ';4111111111111111=29121010000000000000?', 'bank-card'],
    ['a bank card track 1', '%B4111111111111111^DOE/JANE^2912101?', 'bank-card'],
    ['nothing', '\r\n', 'empty'],
    ['line noise', '29000\u0007000018', 'malformed'],
    ['random text', 'hello world', 'not-a-member-card'],
  ];
  for (const [what, text, reason] of cases) {
    it(`refuses ${what}`, () => {
      const result = parse(text);
      expect(result).toMatchObject({ ok: false, reason, message: REJECTION_MESSAGES[reason].en });
    });
  }

  it('never repeats a bank card number in what it returns', () => {
    for (const text of ['4111111111111111', ';4111111111111111=2912101?', '%B4111111111111111^DOE/JANE^2912101?']) {
      expect(JSON.stringify(parse(text))).not.toContain('4111');
    }
  });

  it('has a Korean message for every reason', () => {
    for (const messages of Object.values(REJECTION_MESSAGES)) expect(messages.ko).toMatch(/[가-힣]/);
  });
});

describe('signed member QR codes', () => {
  it('accepts a server-issued code and gives the member id and key', () => {
    const token = issueMemberToken(MEMBER, programKey, NOW + 60_000);
    expect(parse(token, 'qr')).toEqual({ ok: true, kind: 'token', memberId: MEMBER, keyId: 'k2026', terminalKeyId: null, expiresAt: NOW + 60_000, ruleId: 'member-qr', symbology: 'qr' });
    expect(parse(issueMemberToken(MEMBER, programKey, null))).toMatchObject({ ok: true, expiresAt: null });
  });

  it('still accepts codes signed with an older key that is still listed (rotation)', () => {
    expect(parse(issueMemberToken(MEMBER, oldKey, null))).toMatchObject({ ok: true, keyId: 'k2025' });
  });

  it('refuses an expired code (a screenshot kept too long)', () => {
    expect(parse(issueMemberToken(MEMBER, programKey, NOW - 1))).toMatchObject({ ok: false, reason: 'token-expired' });
  });

  it('refuses a forged code, a code for another member with a copied signature, and an unknown key', () => {
    expect(parse(issueMemberToken(MEMBER, strangerKey, null))).toMatchObject({ ok: false, reason: 'token-forged' });
    const genuine = issueMemberToken(MEMBER, programKey, null);
    const swapped = genuine.replace(MEMBER, '01a2121e-e3c3-70b1-9ba7-000000000000');
    expect(parse(swapped)).toMatchObject({ ok: false, reason: 'token-forged' });
    const extended = issueMemberToken(MEMBER, programKey, NOW + 1000).replace(`.${Math.floor((NOW + 1000) / 1000)}.`, '.-.');
    expect(parse(extended)).toMatchObject({ ok: false, reason: 'token-forged' });
    expect(parse(issueMemberToken(MEMBER, signingKeyFrom('k1999', seed(9)), null))).toMatchObject({ ok: false, reason: 'token-unknown-key' });
    expect(parse('TLY1.k2026.x')).toMatchObject({ ok: false, reason: 'token-malformed' });
  });

  it('accepts a code a terminal issued offline under a certificate from the program key, and refuses a bad certificate', () => {
    const certificate = certifyTerminalKey(programKey, 'lane-3', publicKeyOf(terminalKey.secretKey), NOW + 86_400_000);
    const token = issueTerminalMemberToken(MEMBER, terminalKey, certificate, null);
    expect(parse(token)).toMatchObject({ ok: true, memberId: MEMBER, keyId: 'k2026', terminalKeyId: 'lane-3' });
    const selfCertified = certifyTerminalKey(strangerKey, 'lane-3', publicKeyOf(terminalKey.secretKey), null);
    expect(parse(issueTerminalMemberToken(MEMBER, terminalKey, selfCertified, null))).toMatchObject({ ok: false, reason: 'token-forged' });
    const expiredCert = certifyTerminalKey(programKey, 'lane-3', publicKeyOf(terminalKey.secretKey), NOW - 1);
    expect(parse(issueTerminalMemberToken(MEMBER, terminalKey, expiredCert, null))).toMatchObject({ ok: false, reason: 'token-expired' });
    // Another terminal key presenting lane-3's certificate.
    expect(parse(issueTerminalMemberToken(MEMBER, signingKeyFrom('lane-3', seed(5)), certificate, null))).toMatchObject({ ok: false, reason: 'token-forged' });
  });

  it('refuses member QR codes where the program has no member-qr rule', () => {
    const noQr = cardCodesSchema.parse({ rules: [{ type: 'ean13', id: 'c', prefixes: ['29'] }] });
    expect(parseCardCode({ text: issueMemberToken(MEMBER, programKey, null) }, noQr, NOW)).toMatchObject({ ok: false, reason: 'not-a-member-card' });
  });
});

describe('fuzzing the parser', () => {
  const anyText = fc.oneof(
    fc.string({ maxLength: 64 }),
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.stringMatching(/^(\]..)?[0-9]{6,20}$/),
    fc.stringMatching(/^;?[0-9]{8,19}=[0-9]{0,12}\??$/),
    fc.stringMatching(/^TLY1C?\.[A-Za-z0-9._-]{0,200}$/),
  );

  it('never throws, and always returns ok with a kind or a reason with a message', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = parseCardCode({ text }, config, NOW);
        if (result.ok) expect(['card', 'token']).toContain(result.kind);
        else expect(result.message).toBe(REJECTION_MESSAGES[result.reason].en);
      }),
      { numRuns: 5_000 },
    );
  });

  it('never accepts a card whose check digit is wrong', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^(29|04)[0-9]{10}$/), fc.integer({ min: 1, max: 9 }), (body, delta) => {
        const good = withCheckDigit(body, 'gs1-mod10');
        const bad = good.slice(0, -1) + String((Number(good.at(-1)) + delta) % 10);
        expect(parseCardCode({ text: good }, config, NOW)).toMatchObject({ ok: true, code: good });
        expect(parseCardCode({ text: bad }, config, NOW)).toMatchObject({ ok: false });
      }),
      { numRuns: 2_000 },
    );
  });

  it('never accepts a mangled member QR code', () => {
    const token = issueMemberToken(MEMBER, programKey, NOW + 3_600_000);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: token.length - 1 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'), (i, c) => {
        fc.pre(token[i] !== c);
        const mangled = token.slice(0, i) + c + token.slice(i + 1);
        expect(parseCardCode({ text: mangled }, config, NOW).ok).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });
});

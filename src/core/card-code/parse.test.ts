/**
 * The one card-code parser: what each kind of code becomes, every rejection with the words a
 * cashier acts on, signed member QR codes (forged, expired, too long-lived, revoked, wrong key,
 * rotated keys, outdated version 1, terminal certificates scoped to a store and terminal), and a
 * fuzz: it never throws and never accepts a code that fails its check digit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasValidCheckDigit, hasValidGs1CheckDigit, hasValidLuhn, withCheckDigit } from './check-digits.js';
import { certifyTerminalKey, issueMemberToken, issueTerminalMemberToken, newMemberRef, newTokenId, publicKeyOf, signingKeyFrom, signText, type TokenClaims } from './member-qr.js';
import { cardCodeRules, parseCardCode, REJECTION_MESSAGES } from './parse.js';
import { cardCodesSchema, type CardCodes } from './rules.js';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const DAY = 86_400_000;
const seed = (n: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) & 0xff);
const programKey = signingKeyFrom('k2026', seed(1));
const oldKey = signingKeyFrom('k2025', seed(2));
const strangerKey = signingKeyFrom('k2026', seed(3)); // same id, different key: a forger's
const terminalKey = signingKeyFrom('lane-3', seed(4));
/** A member id as the ledger has it: it must never be what a QR code carries. */
const MEMBER = '01a2121e-e3c3-70b1-9ba7-7bd28999b281';
/** The member's opaque QR reference and a token id (random bytes in real life). */
const REF = newMemberRef(Uint8Array.from({ length: 12 }, (_, i) => i * 11 + 1));
const OTHER_REF = newMemberRef(Uint8Array.from({ length: 12 }, (_, i) => i * 13 + 2));
const TID = newTokenId(Uint8Array.from({ length: 8 }, (_, i) => i * 17 + 3));

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

const rules = cardCodeRules(config);
const parse = (text: string, symbology?: Parameters<typeof parseCardCode>[0]['symbology']): ReturnType<typeof parseCardCode> =>
  parseCardCode(symbology ? { text, symbology } : { text }, rules, NOW);

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

/** A server-issued identify code for REF, valid for a day unless told otherwise. */
const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({ scope: 'identify', memberRef: REF, tokenId: TID, expiresAt: NOW + DAY, ...over });
const certificateFor = (issuer = programKey, expiresAt = NOW + 30 * DAY): ReturnType<typeof certifyTerminalKey> =>
  certifyTerminalKey(issuer, { terminalKeyId: 'lane-3', storeId: 'STORE-12', terminalId: 'LANE.3', terminalPublicKey: publicKeyOf(terminalKey.secretKey), expiresAt });

describe('signed member QR codes', () => {
  it('accepts a server-issued code and gives its scope, member reference, token id and key, never a member id', () => {
    const token = issueMemberToken(programKey, claims({ expiresAt: NOW + 60_000 }));
    const result = parse(token, 'qr');
    expect(result).toEqual({ ok: true, kind: 'token', scope: 'identify', memberRef: REF, tokenId: TID, keyId: 'k2026', issuedBy: null, expiresAt: NOW + 60_000, ruleId: 'member-qr', symbology: 'qr' });
    expect(result).not.toHaveProperty('memberId');
    expect(token).not.toContain(MEMBER);
    expect(parse(issueMemberToken(programKey, claims({ scope: 'spend', expiresAt: NOW + 60_000 })))).toMatchObject({ ok: true, scope: 'spend', memberRef: REF });
  });

  it('has no code without an expiry: none can be issued, and a signed one without is refused', () => {
    expect(() => issueMemberToken(programKey, claims({ expiresAt: null as unknown as number }))).toThrow(RangeError);
    const body = `TLY2.k2026.i.${REF}.${TID}.-`;
    expect(parse(`${body}.${signText(programKey, body)}`)).toMatchObject({ ok: false, reason: 'token-malformed' });
  });

  it('still accepts codes signed with an older key that is still listed (rotation)', () => {
    expect(parse(issueMemberToken(oldKey, claims()))).toMatchObject({ ok: true, keyId: 'k2025' });
  });

  it('refuses an expired code (a screenshot kept too long)', () => {
    expect(parse(issueMemberToken(programKey, claims({ expiresAt: NOW - 1000 })))).toMatchObject({ ok: false, reason: 'token-expired' });
    expect(parse(issueMemberToken(programKey, claims({ expiresAt: NOW })))).toMatchObject({ ok: false, reason: 'token-expired' });
  });

  it('refuses a code valid for longer than the program allows (90 days for identify, 5 minutes for spend by default)', () => {
    expect(parse(issueMemberToken(programKey, claims({ expiresAt: NOW + 89 * DAY })))).toMatchObject({ ok: true });
    expect(parse(issueMemberToken(programKey, claims({ expiresAt: NOW + 3650 * DAY })))).toMatchObject({ ok: false, reason: 'token-too-long-lived' });
    expect(parse(issueMemberToken(programKey, claims({ scope: 'spend', expiresAt: NOW + 60 * 60_000 })))).toMatchObject({ ok: false, reason: 'token-too-long-lived' });
    // The program's own bound, not the default, is what counts (a minute or two over is a clock, not an attack).
    const strict = cardCodeRules(config, { memberQr: { maxValidDays: 30, spendCodeMinutes: 2 } });
    const sixtyDays = issueMemberToken(programKey, claims({ expiresAt: NOW + 60 * DAY }));
    const sixMinutes = issueMemberToken(programKey, claims({ scope: 'spend', expiresAt: NOW + 6 * 60_000 }));
    expect(parse(sixtyDays)).toMatchObject({ ok: true });
    expect(parse(sixMinutes)).toMatchObject({ ok: true, scope: 'spend' });
    expect(parseCardCode({ text: sixtyDays }, strict, NOW)).toMatchObject({ ok: false, reason: 'token-too-long-lived' });
    expect(parseCardCode({ text: sixMinutes }, strict, NOW)).toMatchObject({ ok: false, reason: 'token-too-long-lived' });
    expect(parseCardCode({ text: issueMemberToken(programKey, claims({ expiresAt: NOW + 29 * DAY })) }, strict, NOW)).toMatchObject({ ok: true });
  });

  it('refuses codes, terminal keys and cards on the program\'s denylist', () => {
    const denied = cardCodeRules(config, { revoked: { cards: ['2900000000018'], tokens: [TID], terminalKeys: ['lane-3'] } });
    expect(parseCardCode({ text: issueMemberToken(programKey, claims()) }, denied, NOW)).toMatchObject({ ok: false, reason: 'token-revoked' });
    const otherTid = newTokenId(new Uint8Array(8).fill(1));
    const slipToken = issueTerminalMemberToken(terminalKey, certificateFor(), { memberRef: REF, tokenId: otherTid, expiresAt: NOW + DAY });
    expect(parse(slipToken)).toMatchObject({ ok: true });
    expect(parseCardCode({ text: slipToken }, denied, NOW)).toMatchObject({ ok: false, reason: 'token-revoked' });
    expect(parseCardCode({ text: '2900000000018' }, denied, NOW)).toMatchObject({ ok: false, reason: 'card-revoked', message: REJECTION_MESSAGES['card-revoked'].en });
  });

  it('refuses a forged code, a code for another member with a copied signature, a changed scope or expiry, and an unknown key', () => {
    expect(parse(issueMemberToken(strangerKey, claims()))).toMatchObject({ ok: false, reason: 'token-forged' });
    const genuine = issueMemberToken(programKey, claims());
    const swapped = genuine.replace(REF, OTHER_REF);
    expect(swapped).not.toBe(genuine);
    expect(parse(swapped)).toMatchObject({ ok: false, reason: 'token-forged' });
    // An identify code (a slip, a photographed phone) cannot be turned into a spend code.
    expect(parse(genuine.replace('TLY2.k2026.i.', 'TLY2.k2026.s.'))).toMatchObject({ ok: false, reason: 'token-forged' });
    const extended = genuine.replace(`.${(NOW + DAY) / 1000}.`, `.${(NOW + 2 * DAY) / 1000}.`);
    expect(extended).not.toBe(genuine);
    expect(parse(extended)).toMatchObject({ ok: false, reason: 'token-forged' });
    expect(parse(issueMemberToken(signingKeyFrom('k1999', seed(9)), claims()))).toMatchObject({ ok: false, reason: 'token-unknown-key' });
    expect(parse('TLY2.k2026.x')).toMatchObject({ ok: false, reason: 'token-malformed' });
  });

  it('does not honour version-1 codes (member id in clear, no expiry, could spend)', () => {
    expect(parse(`TLY1.k2026.${MEMBER}.-.c2ln`)).toMatchObject({ ok: false, reason: 'token-outdated', message: REJECTION_MESSAGES['token-outdated'].en });
    expect(parse('TLY1.k2026.x')).toMatchObject({ ok: false, reason: 'token-outdated' });
    expect(parse('TLY1C.k2026.lane-3.a.-.b.m.-.s')).toMatchObject({ ok: false, reason: 'token-outdated' });
  });

  it('accepts an identify code a terminal issued offline under a certificate from the program key, and refuses a bad certificate', () => {
    const certificate = certificateFor();
    const token = issueTerminalMemberToken(terminalKey, certificate, { memberRef: REF, tokenId: TID, expiresAt: NOW + DAY });
    expect(parse(token)).toEqual({
      ok: true,
      kind: 'token',
      scope: 'identify',
      memberRef: REF,
      tokenId: TID,
      keyId: 'k2026',
      issuedBy: { terminalKeyId: 'lane-3', storeId: 'STORE-12', terminalId: 'LANE.3' },
      expiresAt: NOW + DAY,
      ruleId: 'member-qr',
      symbology: 'unknown',
    });
    expect(token).not.toContain(MEMBER);
    const selfCertified = certificateFor(strangerKey);
    expect(parse(issueTerminalMemberToken(terminalKey, selfCertified, { memberRef: REF, tokenId: TID, expiresAt: NOW + DAY }))).toMatchObject({ ok: false, reason: 'token-forged' });
    const expiredCert = certificateFor(programKey, NOW - 1000);
    expect(parse(issueTerminalMemberToken(terminalKey, expiredCert, { memberRef: REF, tokenId: TID, expiresAt: NOW + DAY }))).toMatchObject({ ok: false, reason: 'token-expired' });
    // Another terminal key presenting lane-3's certificate.
    expect(parse(issueTerminalMemberToken(signingKeyFrom('lane-3', seed(5)), certificate, { memberRef: REF, tokenId: TID, expiresAt: NOW + DAY }))).toMatchObject({ ok: false, reason: 'token-forged' });
    // A terminal's code is held to the same bound as the server's.
    expect(parse(issueTerminalMemberToken(terminalKey, certificateFor(programKey, NOW + 365 * DAY), { memberRef: REF, tokenId: TID, expiresAt: NOW + 200 * DAY }))).toMatchObject({
      ok: false,
      reason: 'token-too-long-lived',
    });
  });

  it('refuses member QR codes where the program has no member-qr rule', () => {
    const noQr = cardCodesSchema.parse({ rules: [{ type: 'ean13', id: 'c', prefixes: ['29'] }] });
    expect(parseCardCode({ text: issueMemberToken(programKey, claims()) }, cardCodeRules(noQr), NOW)).toMatchObject({ ok: false, reason: 'not-a-member-card' });
  });
});

describe('fuzzing the parser', () => {
  const anyText = fc.oneof(
    fc.string({ maxLength: 64 }),
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.stringMatching(/^(\]..)?[0-9]{6,20}$/),
    fc.stringMatching(/^;?[0-9]{8,19}=[0-9]{0,12}\??$/),
    fc.stringMatching(/^TLY(1C?|2T?)\.[A-Za-z0-9._-]{0,200}$/),
  );

  it('never throws, and always returns ok with a kind or a reason with a message', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = parseCardCode({ text }, rules, NOW);
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
        expect(parseCardCode({ text: good }, rules, NOW)).toMatchObject({ ok: true, code: good });
        expect(parseCardCode({ text: bad }, rules, NOW)).toMatchObject({ ok: false });
      }),
      { numRuns: 2_000 },
    );
  });

  it('never accepts a mangled member QR code', () => {
    const token = issueMemberToken(programKey, claims({ expiresAt: NOW + 3_600_000 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: token.length - 1 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'), (i, c) => {
        fc.pre(token[i] !== c);
        const mangled = token.slice(0, i) + c + token.slice(i + 1);
        expect(parseCardCode({ text: mangled }, rules, NOW).ok).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });
});

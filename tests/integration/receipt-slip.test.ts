/**
 * The loyalty slip from data to paper and back. Realistic slips for each example program (a
 * checkout, a return, a donation, an enrolment), rendered for every built-in printer profile
 * (58 and 80 mm; CP437, Windows-1252 and CP949), encoded by ReceiptLine, and the ESC/POS bytes
 * DECODED with the core decoder — what a customer would read on the paper — then checked row by
 * row: store, date, masked member, points and their breakdown, redemption, rewards, donations,
 * balance, tier, expiring points, the QR payload (parsed as a member card by the card-code parser:
 * the member's opaque QR reference, never their id), the demo terminal's warning line, and the same
 * for Korean slips on Korean printers, down to the exact Hangul.
 *
 * The preview: the same slip as SVG, drawn by headless Chromium, screenshotted, and its QR read by
 * the scanner code (pngjs → luminance → QrDecoder). Raster-QR printers: the image in the bytes is
 * read by the same decoder.
 *
 * Rows: ReceiptLine lays a row out as a label left and a figure right, and wraps a column that is
 * too narrow onto the next printed lines (by character). `row()` finds the label and the figure
 * on one line and allows the label to continue on the lines after it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../src/core/card-code/base64url.js';
import { certifyTerminalKey, issueMemberToken, issueTerminalMemberToken, newMemberRef, newTokenId, publicKeyOf, signingKeyFrom } from '../../src/core/card-code/member-qr.js';
import { parseCardCode } from '../../src/core/card-code/parse.js';
import { decodeEscPos, type DecodedPrint, type EscPosEvent, type RasterImage } from '../../src/core/escpos/decoder.js';
import { parseProgramText } from '../../src/core/program/parse.js';
import type { Program } from '../../src/core/program/schema.js';
import type { Lang, SlipData } from '../../src/core/receipt/slip.js';
import { QrDecoder } from '../../src/core/qr/decode.js';
import { luminanceFrame, rgbaToLuminance } from '../../src/core/qr/luminance.js';
import { PRINTER_PROFILES, printableDots } from '../../src/terminal/printing/profiles.js';
import { qrModulesFor, renderSlipBytes, renderSlipSvg, slipLanguage, type SlipRequest } from '../../src/terminal/printing/render-slip.js';
import type { PrinterProfile } from '../../src/terminal/printing/types.js';
import { launchChromium, REPO } from '../support/browser.js';

const demo = JSON.parse(readFileSync(join(REPO, 'resources/keys/demo-program-signing-key.json'), 'utf8')) as { id: string; secretKey: string };
const DEMO_KEY = signingKeyFrom(demo.id, fromBase64Url(demo.secretKey)!);
const program = (name: string): Program => parseProgramText(readFileSync(join(REPO, 'resources', 'programs', `${name}.json`), 'utf8'), `${name}.json`);
const SPORTS = program('sporting-goods-usd');
const CLASSIC = program('classic-krw');
const PLUS = program('plus-membership-charity');

/** Black Friday 2026, 19:45 UTC: 14:45 in New York, 11:45 in Los Angeles, 04:45 on Saturday in Seoul. */
const NOW = Date.parse('2026-11-27T19:45:00Z');
/** As a terminal mints them: valid for the program's memberQrDays (90), which is also its bound. */
const QR_EXPIRY = NOW + 90 * 86_400_000;

/** A member's QR reference (random bytes in real life; derived from the id here, so a test run is repeatable). */
const refFor = (memberId: string): string => newMemberRef(createHash('sha256').update(memberId).digest().subarray(0, 12));
const claims = (memberId: string) => ({ memberRef: refFor(memberId), tokenId: newTokenId(createHash('sha256').update(`token:${memberId}`).digest().subarray(0, 8)), expiresAt: QR_EXPIRY });
const token = (memberId: string): string => issueMemberToken(DEMO_KEY, { scope: 'identify', ...claims(memberId) });
/** A token signed by a terminal enrolling offline: it carries its certificate (for store S1, terminal T2), so it is more than twice as long. */
const LANE_KEY = signingKeyFrom('lane-2-2026', new Uint8Array(32).map((_, i) => 200 - i));
const LANE_CERTIFICATE = certifyTerminalKey(DEMO_KEY, { terminalKeyId: LANE_KEY.id, storeId: 'S1', terminalId: 'T2', terminalPublicKey: publicKeyOf(LANE_KEY.secretKey), expiresAt: NOW + 365 * 86_400_000 });
const terminalToken = (memberId: string): string => issueTerminalMemberToken(LANE_KEY, LANE_CERTIFICATE, claims(memberId));

function slip(base: Pick<SlipData, 'kind' | 'txnId' | 'currency' | 'member' | 'balance'> & Partial<SlipData>): SlipData {
  return { at: NOW, storeId: 'S1', terminalId: 'T2', earned: null, redeemed: null, returned: null, rewards: [], donations: [], tier: null, expiring: [], memberQr: null, ...base };
}

/** What a slip must say, per language: rows [label, figure] and whole lines, in order from the top. */
type Expect = readonly (readonly [string, string] | string)[];

interface Scenario {
  readonly name: string;
  readonly program: Program;
  readonly timeZone: string;
  readonly slip: SlipData;
  readonly date: Record<Lang, string>;
  readonly expect: Record<Lang, Expect>;
  /** The masked name as each code page prints it (a code page without the letters prints "?"). */
  readonly memberName: Record<'cp437' | 'cp1252' | 'cp949', string>;
}

const SPORTS_CHECKOUT: Scenario = {
  name: 'sporting goods checkout (USD): tier, bonus day, spend bonus, reward, birthday, expiring',
  program: SPORTS,
  timeZone: 'America/New_York',
  slip: slip({
    kind: 'checkout',
    txnId: 'R2-004217',
    currency: 'USD',
    member: { id: 'M-SG-0042', name: 'Jordan Avery', card: '2900000001236' },
    earned: {
      points: 350,
      components: [
        { kind: 'base', points: 120 },
        { kind: 'tier', id: 'silver', multiplier: 1.25, points: 30 },
        { kind: 'bonus-day', id: 'black-friday', multiplier: 2, points: 150 },
        { kind: 'spend-threshold', minimumSpend: 20000, points: 50 },
      ],
      memberBonusDay: null,
    },
    redeemed: { points: 1000, discount: 1000, rewardId: 'ten-off' },
    rewards: [{ kind: 'birthday', points: 200, refId: null }],
    balance: 4321,
    tier: { tier: 'silver', qualifyingSpend: 32000, nextTier: 'gold', spendToNext: 18000, periodEnd: Date.parse('2027-01-01T05:00:00Z') },
    expiring: [{ lastDay: '2026-12-15', expiresAt: Date.parse('2026-12-16T05:00:00Z'), points: 75 }],
    memberQr: token('M-SG-0042'),
  }),
  date: { en: '2026-11-27 14:45', ko: '2026-11-27 14:45' },
  memberName: { cp437: 'J***** A****', cp1252: 'J***** A****', cp949: 'J***** A****' },
  expect: {
    en: [
      'Loyalty receipt',
      ['Card', '*********1236'],
      ['Points earned', '+350'],
      ['Base', '120'],
      ['Silver x1.25', '+30'],
      ['Black Friday double points x2', '+150'],
      ['Spend bonus', '+50'],
      ['Points redeemed', '-1,000'],
      '$10 off',
      ['Birthday reward', '+200'],
      ['Balance', '4,321 pts'],
      ['Tier', 'Silver'],
      '$180.00 more to Gold',
      ['Expiring 2026-12-15', '75 pts'],
      'Scan at your next visit',
    ],
    ko: [
      '포인트 영수증',
      ['카드', '*********1236'],
      ['적립 포인트', '+350'],
      ['기본', '120'],
      ['실버 ×1.25', '+30'],
      ['블랙프라이데이 포인트 2배 ×2', '+150'],
      ['구매 금액 보너스', '+50'],
      ['사용 포인트', '-1,000'],
      '10달러 할인',
      ['생일 축하 포인트', '+200'],
      ['잔여 포인트', '4,321P'],
      ['등급', '실버'],
      '골드까지 US$180.00',
      ['2026-12-15 소멸 예정', '75P'],
      '다음 방문 때 스캔하세요',
    ],
  },
};

const CLASSIC_CHECKOUT: Scenario = {
  name: 'classic checkout (KRW): house-brand bonus, double-points Wednesday, free coffee, Korean member',
  program: CLASSIC,
  timeZone: 'Asia/Seoul',
  slip: slip({
    kind: 'checkout',
    at: Date.parse('2026-11-25T05:12:00Z'),
    txnId: '0007-1183',
    currency: 'KRW',
    member: { id: 'M-KR-7', name: '김민지', card: '2912345678906' },
    earned: {
      points: 114,
      components: [
        { kind: 'base', points: 45 },
        { kind: 'product-multiplier', points: 12 },
        { kind: 'bonus-day', id: 'wednesday-double', multiplier: 2, points: 57 },
      ],
      memberBonusDay: null,
    },
    redeemed: { points: 500, discount: 4500, rewardId: 'free-coffee' },
    rewards: [{ kind: 'birthday', points: 200, refId: null }],
    balance: 1234,
    expiring: [{ lastDay: '2026-12-31', expiresAt: Date.parse('2026-12-31T15:00:00Z'), points: 30 }],
    memberQr: token('M-KR-7'),
  }),
  date: { en: '2026-11-25 14:12', ko: '2026-11-25 14:12' },
  // Hangul has no place in CP437 or Windows-1252: an English printer prints "?" for it.
  memberName: { cp437: '?*?', cp1252: '?*?', cp949: '김*지' },
  expect: {
    en: [
      ['Card', '*********8906'],
      ['Points earned', '+114'],
      ['Base', '45'],
      ['Product bonus', '+12'],
      ['Double-points Wednesday x2', '+57'],
      ['Points redeemed', '-500'],
      'Free coffee',
      ['Birthday reward', '+200'],
      ['Balance', '1,234 pts'],
      ['Expiring 2026-12-31', '30 pts'],
    ],
    ko: [
      ['카드', '*********8906'],
      ['적립 포인트', '+114'],
      ['기본', '45'],
      ['상품 보너스', '+12'],
      ['수요일 포인트 2배 ×2', '+57'],
      ['사용 포인트', '-500'],
      '커피 무료',
      ['생일 축하 포인트', '+200'],
      ['잔여 포인트', '1,234P'],
      ['2026-12-31 소멸 예정', '30P'],
      '다음 방문 때 스캔하세요',
    ],
  },
};

const CLASSIC_RETURN: Scenario = {
  name: 'classic return (KRW): points taken back, already spent points taken off the refund in won; no QR code',
  program: CLASSIC,
  timeZone: 'Asia/Seoul',
  slip: slip({
    kind: 'return',
    txnId: 'RET-0007-1183',
    currency: 'KRW',
    member: { id: 'M-KR-7', name: '박서준', card: '2912345678906' },
    returned: { originalTxnId: '0007-1183', points: 114, uncollected: 14, refundDeduction: 1400, restored: 500 },
    balance: 0,
  }),
  date: { en: '2026-11-28 04:45', ko: '2026-11-28 04:45' },
  memberName: { cp437: '?*?', cp1252: '?*?', cp949: '박*준' },
  expect: {
    en: ['Return', ['Points taken back', '-114'], 'Already spent: 14', 'KRW 1,400 taken off the refund', ['Redeemed points returned', '+500'], ['Balance', '0 pts']],
    ko: ['반품', ['회수 포인트', '-114'], '이미 사용: 14', '1,400원 환불액에서 차감', ['사용 포인트 반환', '+500'], ['잔여 포인트', '0P']],
  },
};

const PLUS_CHECKOUT: Scenario = {
  name: 'grocer checkout (USD): Plus membership multiplier, monthly credit, accented member name',
  program: PLUS,
  timeZone: 'America/Los_Angeles',
  slip: slip({
    kind: 'checkout',
    txnId: 'GG-88231',
    currency: 'USD',
    member: { id: 'M-GG-12', name: 'Émile Dubois', card: '041234567890' },
    earned: { points: 170, components: [{ kind: 'base', points: 85 }, { kind: 'membership', id: 'plus-annual', multiplier: 2, points: 85 }], memberBonusDay: null },
    rewards: [{ kind: 'membership-credit', points: 200, refId: null }],
    balance: 2170,
    expiring: [{ lastDay: '2026-12-31', expiresAt: Date.parse('2027-01-01T08:00:00Z'), points: 40 }],
    memberQr: token('M-GG-12'),
  }),
  date: { en: '2026-11-27 11:45', ko: '2026-11-27 11:45' },
  // É is in CP437 (0x90) and Windows-1252 (0xC9), not in CP949.
  memberName: { cp437: 'É**** D*****', cp1252: 'É**** D*****', cp949: '?**** D*****' },
  expect: {
    en: [['Card', '********7890'], ['Points earned', '+170'], ['Base', '85'], ['Plus (annual) x2', '+85'], ['Monthly member credit', '+200'], ['Balance', '2,170 pts'], ['Expiring 2026-12-31', '40 pts']],
    ko: [['카드', '********7890'], ['적립 포인트', '+170'], ['기본', '85'], ['플러스 (연간) ×2', '+85'], ['월간 회원 적립', '+200'], ['잔여 포인트', '2,170P'], ['2026-12-31 소멸 예정', '40P']],
  },
};

const PLUS_DONATION: Scenario = {
  name: 'grocer donation (USD): two charities',
  program: PLUS,
  timeZone: 'America/Los_Angeles',
  slip: slip({
    kind: 'donation',
    txnId: 'DON-2026-11-27-3',
    currency: 'USD',
    member: { id: 'M-GG-12', name: 'Ann Lee', card: '041234567890' },
    donations: [
      { charityId: 'food-bank', points: 500 },
      { charityId: 'red-cross', points: 100 },
    ],
    balance: 1570,
    memberQr: token('M-GG-12'),
  }),
  date: { en: '2026-11-27 11:45', ko: '2026-11-27 11:45' },
  memberName: { cp437: 'A** L**', cp1252: 'A** L**', cp949: 'A** L**' },
  expect: {
    en: ['Donation', ['Donated to Community Food Bank', '-500'], ['Donated to Red Cross', '-100'], ['Balance', '1,570 pts']],
    ko: ['기부', ['지역 푸드뱅크 기부', '-500'], ['적십자 기부', '-100'], ['잔여 포인트', '1,570P']],
  },
};

const PLUS_ENROLMENT: Scenario = {
  name: 'grocer enrolment (USD): welcome bonus and a terminal-signed QR (offline enrolment)',
  program: PLUS,
  timeZone: 'America/Los_Angeles',
  slip: slip({
    kind: 'enrolment',
    txnId: 'enrol:041234567890',
    currency: 'USD',
    member: { id: 'M-GG-13', name: 'Sam Park', card: '041234567890' },
    rewards: [{ kind: 'welcome', points: 250, refId: null }],
    balance: 250,
    memberQr: terminalToken('M-GG-13'),
  }),
  date: { en: '2026-11-27 11:45', ko: '2026-11-27 11:45' },
  memberName: { cp437: 'S** P***', cp1252: 'S** P***', cp949: 'S** P***' },
  expect: {
    en: ['Welcome', ['Welcome bonus', '+250'], ['Balance', '250 pts'], 'Scan at your next visit'],
    ko: ['회원 가입', ['가입 축하 포인트', '+250'], ['잔여 포인트', '250P'], '다음 방문 때 스캔하세요'],
  },
};

const SCENARIOS = [SPORTS_CHECKOUT, CLASSIC_CHECKOUT, CLASSIC_RETURN, PLUS_CHECKOUT, PLUS_DONATION, PLUS_ENROLMENT];
const PROFILES = Object.values(PRINTER_PROFILES);

/** The language a counter would configure: Korean on Korean printers. */
const langFor = (profile: PrinterProfile): Lang => slipLanguage('ko', profile);

const request = (s: Scenario, profile: PrinterProfile, lang: Lang = langFor(profile)): SlipRequest => ({ slip: s.slip, program: s.program, profile, lang, timeZone: s.timeZone });

const decodeFor = (bytes: Uint8Array, profile: PrinterProfile): DecodedPrint => decodeEscPos(bytes, profile.multiByte ? { multiByte: profile.multiByte } : {});

const squash = (text: string): string => text.replace(/\s+/g, '');

function dump(lines: readonly string[]): string {
  return lines.map((l, i) => `${String(i).padStart(3)} |${l}|`).join('\n');
}

/**
 * The index of the printed line holding `label` left and `figure` right (the label may wrap onto
 * the following lines), or of a line (or wrapped run of lines) reading `text`, searching from `from`.
 */
function find(lines: readonly string[], wanted: readonly [string, string] | string, from: number): number {
  const [label, figure] = typeof wanted === 'string' ? [wanted, ''] : wanted;
  const want = squash(label);
  for (let i = from; i < lines.length; i += 1) {
    const line = lines[i]!.trimEnd();
    if (figure !== '') {
      if (!line.endsWith(figure)) continue;
      const left = line.slice(0, line.length - figure.length);
      if (left.trim() !== '' && !left.endsWith(' ')) continue;
    }
    let text = squash(figure === '' ? line : line.slice(0, line.length - figure.length));
    if (text === '' || !want.startsWith(text)) continue;
    for (let j = i + 1; text.length < want.length && want.startsWith(text) && j < lines.length; j += 1) text += squash(lines[j]!);
    if (text === want) return i;
  }
  return -1;
}

function expectInOrder(lines: readonly string[], expected: Expect): void {
  let at = 0;
  for (const wanted of expected) {
    const found = find(lines, wanted, at);
    if (found < 0) throw new Error(`expected ${JSON.stringify(wanted)} after line ${at} of the slip:\n${dump(lines)}`);
    at = found + 1;
  }
}

const lineEvents = (print: DecodedPrint): Extract<EscPosEvent, { type: 'line' }>[] => print.events.filter((e): e is Extract<EscPosEvent, { type: 'line' }> => e.type === 'line');

/** A raster image on white paper, as a luminance frame: `margin` white pixels around it (the paper). */
function paperFrame(image: RasterImage, margin: number) {
  const width = image.width + 2 * margin;
  const height = image.height + 2 * margin;
  const luminance = new Uint8ClampedArray(width * height).fill(255);
  for (let y = 0; y < image.height; y += 1) {
    for (let x = 0; x < image.width; x += 1) if (image.pixels[y * image.width + x]) luminance[(y + margin) * width + x + margin] = 0;
  }
  return luminanceFrame(luminance, width, height);
}

const scanner = new QrDecoder();

describe.each(SCENARIOS)('$name', (scenario) => {
  describe.each(PROFILES.map((profile) => ({ profile, id: profile.id })))('on $id', ({ profile }) => {
    const lang = langFor(profile);
    const bytes = renderSlipBytes(request(scenario, profile));
    const print = decodeFor(bytes, profile);
    const lines = print.lines.map((l) => l.trimEnd());

    it('decodes without a byte the decoder does not know', () => {
      expect(print.events.filter((e) => e.type === 'unknown')).toEqual([]);
    });

    it('prints the store in bold double height, the date and the transaction, then who the member is', () => {
      const [store] = lineEvents(print);
      const name = scenario.program.name[lang];
      expect(store!.text.trim()).toBe(name);
      expect(store!.segments.find((s) => s.text.includes(name))).toMatchObject({ bold: true, height: 2 });
      // The date row: the date in its own 16 columns, the transaction right-aligned (wrapping on 58 mm if long).
      const dateLine = lines.findIndex((l) => l.startsWith(scenario.date[lang]));
      expect(dateLine, dump(lines)).toBe(1);
      expect(squash(lines.slice(dateLine, dateLine + 3).join('')).startsWith(squash(`${scenario.date[lang]}${scenario.slip.txnId}`))).toBe(true);
      const nameRow: [string, string] = [lang === 'ko' ? '회원' : 'Member', scenario.memberName[profile.encoding]];
      expect(find(lines, nameRow, 0), dump(lines)).toBeGreaterThan(dateLine);
    });

    it('says what happened, row by row, in the profile\'s language', () => {
      expectInOrder(lines, scenario.expect[lang]);
    });

    it('has rules as wide as the paper and ends with a cut or a feed to the tear bar', () => {
      const rules = lines.filter((l) => /^─+$/.test(l));
      expect(rules.length).toBeGreaterThanOrEqual(3);
      for (const rule of rules) expect(rule).toHaveLength(profile.charactersPerLine);
      expect(print.cuts).toBe(profile.cutter ? 1 : 0);
      if (!profile.cutter) expect(print.events.at(-1)).toEqual({ type: 'feed', lines: 4 });
    });

    const qrToken = scenario.slip.memberQr;
    it(qrToken === null ? 'prints no QR code when the terminal could not sign one' : 'carries the member QR code, which the card-code parser accepts as this member', () => {
      if (qrToken === null) {
        expect(print.qrCodes).toEqual([]);
        expect(print.events.filter((e) => e.type === 'image' || e.type === 'qr')).toEqual([]);
        expect(lines.some((l) => /Scan at your next visit|다음 방문 때 스캔하세요/.test(l))).toBe(false);
        return;
      }
      let payload: string;
      if (profile.qr === 'native') {
        expect(print.qrCodes).toEqual([qrToken]);
        const qr = print.events.find((e) => e.type === 'qr');
        expect(qr).toMatchObject({ errorCorrection: 'M', model: 2 });
        // Module size chosen so that the code and its quiet zone fit the paper.
        const size = qr?.type === 'qr' ? qr.moduleSize : 0;
        expect(size * (qrModulesFor(qrToken.length) + 8)).toBeLessThanOrEqual(printableDots(profile));
        expect(size).toBeGreaterThanOrEqual(4);
        payload = print.qrCodes[0]!;
      } else {
        // No GS ( k on this printer: the code is a raster image; read the bitmap as a scanner would.
        expect(print.qrCodes).toEqual([]);
        const images = print.events.filter((e): e is Extract<EscPosEvent, { type: 'image' }> => e.type === 'image');
        expect(images).toHaveLength(1);
        expect(images[0]!.image.width).toBeLessThanOrEqual(printableDots(profile));
        const read = scanner.decode(paperFrame(images[0]!.image, 24));
        if (!read.ok) throw new Error(`the QR bitmap did not decode: ${read.problem}`);
        payload = read.text;
      }
      expect(payload).toBe(qrToken);
      // The code names the member by their QR reference only: their id is not in it.
      expect(payload).not.toContain(scenario.slip.member.id);
      const card = parseCardCode({ text: payload, symbology: 'qr' }, scenario.program, NOW);
      const issuedBy = payload.startsWith('TLY2T.') ? { terminalKeyId: LANE_KEY.id, storeId: 'S1', terminalId: 'T2' } : null;
      expect(card).toMatchObject({ ok: true, kind: 'token', scope: 'identify', memberRef: refFor(scenario.slip.member.id), issuedBy });
      // A blank line above and below the code: its quiet zone.
      const qrAt = print.events.findIndex((e) => e.type === 'qr' || e.type === 'image');
      const around = [print.events[qrAt - 1], print.events[qrAt + 1]];
      for (const e of around) expect(e?.type === 'line' && e.text.trim()).toBe('');
    });
  });
});

describe('a demo terminal\'s slip', () => {
  it.each(PROFILES.map((profile) => ({ profile, id: profile.id })))('on $id says first, before the store, that it is not a real loyalty program', ({ profile }) => {
    const lang = langFor(profile);
    const demoSlip: SlipData = { ...SPORTS_CHECKOUT.slip, demo: true };
    const print = decodeFor(renderSlipBytes({ ...request(SPORTS_CHECKOUT, profile, lang), slip: demoSlip }), profile);
    expect(print.events.filter((e) => e.type === 'unknown')).toEqual([]);
    const lines = lineEvents(print).map((l) => l.text.trim());
    const store = lines.indexOf(SPORTS_CHECKOUT.program.name[lang]);
    expect(store, dump(lines)).toBeGreaterThan(0);
    // Everything above the store name is the warning, on one line even on 32-column paper.
    expect(lines.slice(0, store).filter((l) => l !== '')).toEqual([lang === 'ko' ? '데모 - 실제 멤버십이 아닙니다' : 'DEMO - NOT A REAL PROGRAM']);
    // A real terminal's slip has no such line.
    expect(decodeFor(renderSlipBytes(request(SPORTS_CHECKOUT, profile, lang)), profile).lines.join('\n')).not.toMatch(/DEMO|데모/);
  });
});

describe('a Korean slip decodes back to the same Korean text', () => {
  it('the Korean program name, labels and names, exactly, on 80 and 58 mm', () => {
    for (const profile of [PRINTER_PROFILES['korean-80'], PRINTER_PROFILES['korean-58']]) {
      const lines = decodeFor(renderSlipBytes(request(CLASSIC_CHECKOUT, profile, 'ko')), profile).lines.map((l) => l.trim());
      expect(lines[0]).toBe('클래식 포인트');
      expect(lines[2]).toBe('포인트 영수증');
      expect(lines[4]).toMatch(/^회원 +김\*지$/);
      expect(lines[7]).toMatch(/^적립 포인트 +\+114$/);
      expect(lines.filter((l) => /^잔여 포인트 +1,234P$/.test(l))).toHaveLength(1);
      expect(lines).toContain('커피 무료');
      // 80 mm has room for the bonus day's whole name; on 58 mm "×2" wraps onto the next line.
      const day = lines.findIndex((l) => l.startsWith('수요일 포인트 2배'));
      expect(profile.paperWidth === 80 ? lines[day] : `${lines[day]} ${lines[day + 1]}`).toMatch(/^수요일 포인트 2배 (×2 +\+57| +\+57 ×2)$/);
    }
  });

  it('every Hangul syllable of a member\'s name survives, including the CP949 extension ones (똠, 뷁)', () => {
    const profile = PRINTER_PROFILES['korean-80'];
    const odd = { ...CLASSIC_CHECKOUT.slip, member: { ...CLASSIC_CHECKOUT.slip.member, name: '똠방각하 뷁' } };
    const lines = decodeFor(renderSlipBytes({ ...request(CLASSIC_CHECKOUT, profile, 'ko'), slip: odd }), profile).lines;
    expect(find(lines, ['회원', '똠**하 뷁'], 0)).toBeGreaterThan(0);
  });

  it('the English slip on the same Korean printer is plain ASCII and decodes too', () => {
    const profile = PRINTER_PROFILES['korean-80'];
    const lines = decodeFor(renderSlipBytes(request(SPORTS_CHECKOUT, profile, 'en')), profile).lines;
    expectInOrder(lines, SPORTS_CHECKOUT.expect.en);
  });
});

describe('the SVG preview, drawn by Chromium, read by the scanner code', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const GREY = 128;

  /**
   * Puts the SVG in a page on a grey background, screenshots the whole page and the SVG element,
   * and returns both with the element's box. The grey shows anything drawn outside the SVG's
   * white paper.
   */
  async function draw(svg: string): Promise<{ page: PNG; element: PNG; box: { x: number; y: number; width: number; height: number } }> {
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    try {
      await page.setContent(`<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:24px;background:rgb(${GREY},${GREY},${GREY})">${svg}</body></html>`);
      const handle = await page.$('svg');
      const box = (await handle!.boundingBox())!;
      const element = PNG.sync.read(await handle!.screenshot());
      const whole = PNG.sync.read(await page.screenshot({ fullPage: true }));
      return { page: whole, element, box };
    } finally {
      await page.close();
    }
  }

  const svgSize = (svg: string): { width: number; height: number } => {
    const [, width, height] = /^<svg width="(\d+)px" height="(\d+)px"/.exec(svg)!;
    return { width: Number(width), height: Number(height) };
  };

  /** Where the drawn QR code is, from the SVG source: its group's offset and its modules' extent. */
  function qrBounds(svg: string): { left: number; top: number; right: number; bottom: number } {
    const [, x, y, path] = /<g transform="translate\((-?\d+),(\d+)\)"><path d="(M[^"]*z)" stroke="transparent"/.exec(svg)!;
    const cells = [...path!.matchAll(/M(\d+),(\d+)l(\d+)/g)].map(([, cx, cy, c]) => [Number(cx), Number(cy), Number(c)] as const);
    const right = Math.max(...cells.map(([cx, , c]) => cx + c));
    const bottom = Math.max(...cells.map(([, cy, c]) => cy + c));
    return { left: Number(x), top: Number(y), right: Number(x) + right, bottom: Number(y) + bottom };
  }

  const cases = [
    { name: 'English, 80 mm (48 columns)', scenario: SPORTS_CHECKOUT, profile: PRINTER_PROFILES['epson-tm-80'] },
    { name: 'Korean, 80 mm', scenario: CLASSIC_CHECKOUT, profile: PRINTER_PROFILES['korean-80'] },
    { name: 'Korean, 58 mm', scenario: PLUS_DONATION, profile: PRINTER_PROFILES['korean-58'] },
    // The long terminal-signed token on narrow paper: at the default module size the code was
    // wider than the paper and ran off both sides of the preview.
    { name: 'a terminal-signed token on 58 mm paper', scenario: PLUS_ENROLMENT, profile: PRINTER_PROFILES['generic-58'] },
  ];

  it('every slip on every profile, in both languages: the drawn code and its quiet zone lie inside the SVG', () => {
    for (const scenario of SCENARIOS.filter((s) => s.slip.memberQr !== null)) {
      for (const profile of PROFILES) {
        for (const lang of ['en', 'ko'] as const) {
          const svg = renderSlipSvg(request(scenario, profile, lang));
          const size = svgSize(svg);
          const qr = qrBounds(svg);
          const quiet = 4 * Number(/l(\d+),0 0,\1/.exec(svg)![1]);
          const where = `${scenario.name} on ${profile.id} (${lang}): code at ${JSON.stringify(qr)} in ${size.width}×${size.height}`;
          expect(qr.left >= quiet && qr.right + quiet <= size.width && qr.top >= quiet && qr.bottom + quiet <= size.height, where).toBe(true);
        }
      }
    }
  });

  it.each(cases)('$name: the QR code lies inside the SVG with its quiet zone, and the scanner reads it', async ({ scenario, profile }) => {
    const svg = renderSlipSvg(request(scenario, profile));
    const size = svgSize(svg);
    expect(size.width).toBe(printableDots(profile));

    // In the SVG source: the code, and 4 modules of white around it, within the picture.
    const qr = qrBounds(svg);
    const module = /l(\d+),0 0,\1/.exec(svg)![1];
    const quiet = 4 * Number(module);
    expect(qr.left).toBeGreaterThanOrEqual(quiet);
    expect(qr.right + quiet).toBeLessThanOrEqual(size.width);
    expect(qr.bottom + quiet).toBeLessThanOrEqual(size.height);

    const { page, element, box } = await draw(svg);
    // The element is drawn at its own size, and the screenshot holds all of it.
    expect([box.width, box.height]).toEqual([size.width, size.height]);
    expect([element.width, element.height]).toEqual([size.width, size.height]);

    // Nothing dark outside the SVG's white paper: every pixel beyond its box is the page's grey.
    const outside: string[] = [];
    for (let y = 0; y < page.height; y += 1) {
      for (let x = 0; x < page.width; x += 1) {
        const inside = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
        if (inside) continue;
        const r = page.data[(y * page.width + x) * 4]!;
        if (Math.abs(r - GREY) > 2 && outside.length < 5) outside.push(`(${x},${y})=${r}`);
      }
    }
    expect(outside).toEqual([]);

    // The paper under and around the code is white (the quiet zone), then the scanner reads it.
    const rgba = element.data;
    const luminance = rgbaToLuminance(rgba, element.width, element.height);
    const row = (y: number): number[] => Array.from(luminance.luminance.subarray(y * element.width + qr.left - quiet, y * element.width + qr.right + quiet));
    for (const y of [qr.top - quiet, qr.top - 1, qr.bottom, qr.bottom + quiet - 1]) expect(Math.min(...row(y)), `row ${y}`).toBeGreaterThan(200);
    const read = scanner.decode(luminance);
    if (!read.ok) throw new Error(`the preview's QR code did not decode: ${read.problem}`);
    expect(read.text).toBe(scenario.slip.memberQr);
    expect(parseCardCode({ text: read.text, symbology: 'qr' }, scenario.program, NOW)).toMatchObject({ ok: true, kind: 'token', scope: 'identify', memberRef: refFor(scenario.slip.member.id) });
  });

  it('the Korean preview shows Hangul glyphs, not empty boxes (the text is marked lang="ko")', async () => {
    const svg = renderSlipSvg(request(CLASSIC_CHECKOUT, PRINTER_PROFILES['korean-80']));
    expect(svg).toContain('lang="ko"');
    expect(svg).toContain('>잔<');
    const { element } = await draw(svg);
    // The store name's line is drawn: dark pixels in its 48-pixel band.
    const band = element.data.subarray(0, element.width * 48 * 4);
    let dark = 0;
    for (let i = 0; i < band.length; i += 4) if (band[i]! < 100) dark += 1;
    expect(dark).toBeGreaterThan(200);
  });
});

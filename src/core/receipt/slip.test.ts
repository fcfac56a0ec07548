/**
 * The slip model: masking, money as printers can print it, the context templates see (for each
 * kind of slip, in English and Korean), the QR block for printers and previews, and the documents
 * the default templates make.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeEscPos } from '../escpos/decoder.js';
import { parseProgramText } from '../program/parse.js';
import type { Program } from '../program/schema.js';
import { maskCard, maskName, slipContext, slipDocument, slipMoney, type RenderOptions, type SlipData } from './slip.js';
import type { TemplateContext } from './template.js';

const PROGRAMS = join(import.meta.dirname, '..', '..', '..', 'resources', 'programs');
const program = (name: string): Program => parseProgramText(readFileSync(join(PROGRAMS, `${name}.json`), 'utf8'), name);

const SPORTS = program('sporting-goods-usd');
const CLASSIC = program('classic-krw');
const PLUS = program('plus-membership-charity');

const TOKEN = 'TLY1.demo-2026.M000123.1798761600.c2lnbmF0dXJl';

/** 2026-03-04 19:30 UTC: 14:30 in New York, 04:30 the next day in Seoul. */
const AT = Date.UTC(2026, 2, 4, 19, 30, 5);

function slip(overrides: Partial<SlipData> = {}): SlipData {
  return {
    kind: 'checkout',
    txnId: 'POS-0042',
    at: AT,
    storeId: 'store-1',
    terminalId: 'lane-2',
    currency: 'USD',
    member: { id: 'M000123', name: 'Kim Minji', card: '2900000001236' },
    earned: null,
    redeemed: null,
    returned: null,
    rewards: [],
    donations: [],
    balance: 0,
    tier: null,
    expiring: [],
    memberQr: null,
    ...overrides,
  };
}

const EN: RenderOptions & { timeZone: string } = { lang: 'en', target: 'printer', timeZone: 'America/New_York' };
const KO: RenderOptions & { timeZone: string } = { lang: 'ko', target: 'printer', timeZone: 'Asia/Seoul' };

const context = (data: SlipData, p: Program, options: RenderOptions & { timeZone: string }): TemplateContext => slipContext(data, p, options);

describe('maskName', () => {
  it('keeps the first letter of each Latin word', () => {
    expect(maskName('Kim Minji')).toBe('K** M****');
    expect(maskName('  Ann   Lee ')).toBe('A** L**');
    expect(maskName('Li')).toBe('L*');
    expect(maskName('Élodie')).toBe('É*****');
  });

  it('keeps the first and last syllable of a Hangul name, or the first of two', () => {
    expect(maskName('김민지')).toBe('김*지');
    expect(maskName('남궁민수')).toBe('남**수');
    expect(maskName('이훈')).toBe('이*');
  });

  it('a one-letter word stays as it is; mixed names mask each word by its own script', () => {
    expect(maskName('A')).toBe('A');
    expect(maskName('김')).toBe('김');
    expect(maskName('Kim 민지')).toBe('K** 민*');
  });
});

describe('maskCard', () => {
  it('prints only the last four characters', () => {
    expect(maskCard('2900000001236')).toBe('*********1236');
    expect(maskCard('12345')).toBe('*2345');
  });

  it('a code of four characters or fewer is all stars', () => {
    expect(maskCard('1234')).toBe('****');
    expect(maskCard('12')).toBe('**');
    expect(maskCard('')).toBe('');
  });
});

describe('slipMoney', () => {
  it('dollars with their sign', () => {
    expect(slipMoney(123456, 'USD', 'en')).toBe('$1,234.56');
    expect(slipMoney(500, 'USD', 'ko')).toBe('US$5.00');
  });

  it('won as Korean receipts write it, or by its ISO code (no code page has U+20A9 ₩)', () => {
    expect(slipMoney(150000, 'KRW', 'ko')).toBe('150,000원');
    expect(slipMoney(5000, 'KRW', 'en')).toBe('KRW 5,000');
  });

  it('keeps £ and ¥ on English slips (CP437 and CP1252 have them), writes the code for €', () => {
    expect(slipMoney(500, 'GBP', 'en')).toBe('£5.00');
    expect(slipMoney(500, 'JPY', 'en')).toBe('¥500');
    expect(slipMoney(500, 'EUR', 'en')).toBe('EUR 5.00');
    expect(slipMoney(1500, 'BHD', 'en')).toBe('BHD 1.500');
  });

  it('never leaves a no-break space (CP437 0xFF) in the text', () => {
    for (const currency of ['USD', 'KRW', 'EUR', 'JPY', 'CHF']) for (const lang of ['en', 'ko'] as const) expect(slipMoney(12345, currency, lang)).not.toMatch(/\u00a0/);
  });
});

describe('slipContext: a checkout', () => {
  const data = slip({
    earned: {
      points: 190,
      components: [
        { kind: 'base', points: 40 },
        { kind: 'product-multiplier', points: 10 },
        { kind: 'tier', id: 'gold', multiplier: 1.5, points: 25 },
        { kind: 'bonus-day', id: 'black-friday', multiplier: 2, points: 65 },
        { kind: 'spend-threshold', minimumSpend: 20000, points: 50 },
      ],
      memberBonusDay: { id: 'gold-3x-day', points: 150 },
    },
    redeemed: { points: 1000, discount: 1000, rewardId: 'ten-off' },
    rewards: [{ kind: 'birthday', points: 200, refId: null }],
    balance: 12345,
    tier: { tier: 'silver', qualifyingSpend: 30000, nextTier: 'gold', spendToNext: 20000, periodEnd: null },
    expiring: [{ lastDay: '2026-03-31', expiresAt: Date.UTC(2026, 3, 1, 4), points: 120 }],
  });

  it('in English', () => {
    expect(context(data, SPORTS, EN)).toMatchObject({
      reprint: false,
      storeName: 'Scorecard Rewards',
      date: '2026-03-04 14:30',
      txn: 'POS-0042',
      title: 'Loyalty receipt',
      memberName: 'K** M****',
      memberCard: '*********1236',
      earned: {
        total: '340',
        lines: [
          { label: 'Base', points: '40' },
          { label: 'Product bonus', points: '+10' },
          { label: 'Gold x1.5', points: '+25' },
          { label: 'Black Friday double points x2', points: '+65' },
          { label: 'Spend bonus', points: '+50' },
          { label: 'Gold triple-points day', points: '+150' },
        ],
      },
      redeemed: { points: '1,000', what: '$10 off' },
      rewards: [{ label: 'Birthday reward', points: '200' }],
      balance: '12,345',
      tier: { name: 'Silver', next: 'Gold', toNext: '$200.00' },
      expiring: [{ date: '2026-03-31', points: '120' }],
      qrBlock: null,
      footer: null,
    });
  });

  it('in Korean, with the date in the store\'s zone (already the next day in Seoul)', () => {
    expect(context(data, SPORTS, KO)).toMatchObject({
      storeName: '스코어카드 리워드',
      date: '2026-03-05 04:30',
      title: '포인트 영수증',
      earned: {
        total: '340',
        lines: [
          { label: '기본', points: '40' },
          { label: '상품 보너스', points: '+10' },
          { label: '골드 ×1.5', points: '+25' },
          { label: '블랙프라이데이 포인트 2배 ×2', points: '+65' },
          { label: '구매 금액 보너스', points: '+50' },
          { label: '골드 포인트 3배 데이', points: '+150' },
        ],
      },
      redeemed: { points: '1,000', what: '10달러 할인' },
      rewards: [{ label: '생일 축하 포인트', points: '200' }],
      tier: { name: '실버', next: '골드', toNext: 'US$200.00' },
    });
  });

  it('a discount without a catalogue reward reads as money off; a top tier has no "next"', () => {
    const c = context(slip({ currency: 'KRW', redeemed: { points: 500, discount: 5000, rewardId: null }, tier: { tier: 'gold', qualifyingSpend: 1, nextTier: null, spendToNext: null, periodEnd: null } }), CLASSIC, KO);
    expect(c['redeemed']).toEqual({ points: '500', what: '5,000원 할인' });
    expect(c['tier']).toEqual({ name: 'gold', next: null, toNext: null });
    expect((context(slip({ currency: 'KRW', redeemed: { points: 500, discount: 5000, rewardId: null } }), CLASSIC, EN)['redeemed'] as TemplateContext)['what']).toBe('KRW 5,000 off');
  });

  it('no "earned" section when nothing was earned; no member name or card prints as "-"', () => {
    const c = context(slip({ earned: { points: 0, components: [{ kind: 'base', points: 0 }], memberBonusDay: null }, member: { id: 'M1', name: null, card: null } }), SPORTS, EN);
    expect(c).toMatchObject({ earned: null, memberName: '-', memberCard: '-' });
  });

  it('a reprint says so; the program\'s store name and footer win over its name', () => {
    const branded: Program = { ...SPORTS, receipt: { ...SPORTS.receipt, storeName: { en: 'Scorecard — Main St', ko: '스코어카드 본점' }, footer: { en: 'Thank you!', ko: '감사합니다' } } };
    expect(context(data, branded, { ...EN, reprint: true })).toMatchObject({ reprint: true, storeName: 'Scorecard — Main St', footer: 'Thank you!' });
    expect(context(data, branded, KO)).toMatchObject({ storeName: '스코어카드 본점', footer: '감사합니다' });
  });
});

describe('slipContext: other slips', () => {
  it('a return: points taken back, what was already spent and how it was settled, redeemed points given back', () => {
    const returned = slip({ kind: 'return', returned: { originalTxnId: 'POS-0041', points: 300, uncollected: 120, refundDeduction: 120, restored: 500 }, balance: 80 });
    expect(context(returned, SPORTS, EN)).toMatchObject({
      title: 'Return',
      returned: { points: '300', uncollected: '120', deduction: '$1.20 taken off the refund', restored: '500' },
      earned: null,
    });
    expect(context(returned, SPORTS, KO)).toMatchObject({ title: '반품', returned: { deduction: 'US$1.20 환불액에서 차감' } });
    const writtenOff = slip({ kind: 'return', returned: { originalTxnId: 'POS-0041', points: 300, uncollected: 0, refundDeduction: 0, restored: 0 } });
    expect(context(writtenOff, SPORTS, EN)['returned']).toEqual({ sale: 'POS-0041', points: '300', uncollected: null, deduction: 'written off', restored: null });
  });

  it('a donation names the charity in the slip\'s language', () => {
    const donation = slip({ kind: 'donation', donations: [{ charityId: 'food-bank', points: 500 }, { charityId: 'gone', points: 100 }] });
    expect(context(donation, PLUS, EN)).toMatchObject({ title: 'Donation', donations: [{ charity: 'Community Food Bank', points: '500' }, { charity: 'gone', points: '100' }] });
    expect(context(donation, PLUS, KO)).toMatchObject({ title: '기부', donations: [{ charity: '지역 푸드뱅크', points: '500' }, { charity: 'gone', points: '100' }] });
  });

  it('an enrolment: the welcome bonus, and the member QR to scan next time', () => {
    const enrolment = slip({ kind: 'enrolment', rewards: [{ kind: 'welcome', points: 250 }].map((r) => ({ ...r, refId: null })), balance: 250, memberQr: TOKEN });
    expect(context(enrolment, PLUS, EN)).toMatchObject({ title: 'Welcome', rewards: [{ label: 'Welcome bonus', points: '250' }] });
    expect(context(enrolment, PLUS, KO)).toMatchObject({ title: '회원 가입', rewards: [{ label: '가입 축하 포인트', points: '250' }] });
  });

  it('names every kind of reward: monthly credits, yearly rewards, actions, adjustments', () => {
    const rewards = slip({
      kind: 'action',
      rewards: [
        { kind: 'membership-credit', points: 200, refId: null },
        { kind: 'annual-reward', points: 90, refId: 'plus-rebate' },
        { kind: 'action', points: 5, refId: 'bring-your-bag' },
        { kind: 'adjustment-credit', points: 7, refId: null },
      ],
    });
    expect((context(rewards, PLUS, EN)['rewards'] as TemplateContext[]).map((r) => r['label'])).toEqual(['Monthly member credit', 'Plus yearly rebate', 'Brought a reusable bag', 'Adjustment']);
    expect((context(rewards, PLUS, KO)['rewards'] as TemplateContext[]).map((r) => r['label'])).toEqual(['월간 회원 적립', '플러스 연간 환급', '장바구니 지참', '포인트 조정']);
  });

  it('membership and tier components name the plan and the tier', () => {
    const c = context(slip({ earned: { points: 20, components: [{ kind: 'base', points: 10 }, { kind: 'membership', id: 'plus-annual', multiplier: 2, points: 10 }], memberBonusDay: null } }), PLUS, EN);
    expect((c['earned'] as TemplateContext)['lines']).toEqual([{ label: 'Base', points: '10' }, { label: 'Plus (annual) x2', points: '+10' }]);
  });
});

describe('the QR block', () => {
  const withQr = slip({ memberQr: TOKEN });

  it('for printers: a ReceiptLine command block holding GS ( k, between two empty lines (the quiet zone)', () => {
    const block = String(context(withQr, SPORTS, { ...EN, qrModuleSize: 5 })['qrBlock']);
    const [before, command, after] = block.split('\n');
    expect([before, after]).toEqual(['', '']);
    expect(command).toMatch(/^\{command:(\\x[0-9a-f]{2})+\}$/);
    const bytes = Uint8Array.from(command!.slice(9, -1).split('\\x').slice(1), (h) => parseInt(h, 16));
    const [qr] = decodeEscPos(bytes).events.filter((e) => e.type === 'qr');
    expect(qr).toMatchObject({ text: TOKEN, moduleSize: 5, errorCorrection: 'M', model: 2 });
  });

  it('for previews and raster printers: a drawn code, level M, cell size kept within ReceiptLine\'s 3–8', () => {
    const block = (size?: number): string => String(context(withQr, SPORTS, { ...EN, target: 'preview', ...(size === undefined ? {} : { qrModuleSize: size }) })['qrBlock']);
    expect(block()).toBe(`\n{code:${TOKEN}; option:qrcode,6,m}\n`);
    expect(block(4)).toContain('option:qrcode,4,m');
    expect(block(12)).toContain('option:qrcode,8,m');
    expect(block(1)).toContain('option:qrcode,3,m');
  });

  it('escapes ReceiptLine\'s property characters in a drawn code', () => {
    const block = String(context(slip({ memberQr: 'a;b|c{d}e\\f' }), SPORTS, { ...EN, target: 'preview' })['qrBlock']);
    expect(block).toContain('{code:a\\;b\\|c\\{d\\}e\\\\f; option:qrcode,6,m}');
  });

  it('no QR code, no block', () => {
    expect(context(slip(), SPORTS, EN)['qrBlock']).toBeNull();
  });
});

describe('slipDocument with the default templates', () => {
  const data = slip({
    earned: { points: 60, components: [{ kind: 'base', points: 40 }, { kind: 'tier', id: 'gold', multiplier: 1.5, points: 20 }], memberBonusDay: null },
    balance: 1060,
    tier: { tier: 'gold', qualifyingSpend: 1, nextTier: null, spendToNext: null, periodEnd: null },
    expiring: [{ lastDay: '2026-03-31', expiresAt: 0, points: 40 }],
    memberQr: TOKEN,
    member: { id: 'M1', name: 'Ann-Marie "AJ" O|Neil', card: '2900000001236' },
  });

  it('English: the sections that have data, values escaped, the date in a column of its own width', () => {
    const document = slipDocument(data, SPORTS, EN);
    const lines = document.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      '^^"Scorecard Rewards"',
      '{width:16,*}',
      '2026\\-03\\-04 14:30 | POS\\-0042',
      '{width:auto}',
      'Loyalty receipt',
      '-',
      'Member | A******** \\"*** O*****',
      'Card | *********1236',
      '-',
    ]);
    expect(lines).toContain('"Points earned | "+60');
    expect(lines).toContain('~~Gold x1.5 | +20');
    expect(lines).toContain('"Balance | "1,060 pts');
    expect(lines).toContain('Tier | Gold');
    expect(lines).toContain('Expiring 2026\\-03\\-31 | 40 pts');
    expect(lines).not.toContain('REPRINT');
    expect(document).not.toMatch(/Points redeemed|Donated|more to/);
    expect(document).toContain(`Scan at your next visit\n\n{command:`);
  });

  it('Korean: the same layout with Korean wording', () => {
    const lines = slipDocument(data, SPORTS, { ...KO, reprint: true }).split('\n');
    expect(lines[0]).toBe('"재발행"');
    expect(lines).toContain('"적립 포인트 | "+60');
    expect(lines).toContain('~~골드 ×1.5 | +20');
    expect(lines).toContain('"잔여 포인트 | "1,060P');
    expect(lines).toContain('등급 | 골드');
    expect(lines).toContain('2026\\-03\\-31 소멸 예정 | 40P');
    expect(lines).toContain('다음 방문 때 스캔하세요');
  });

  it('a program\'s own template replaces the default for its language only', () => {
    const custom: Program = { ...SPORTS, receipt: { ...SPORTS.receipt, templates: { en: 'Hi {{memberName}}: {{balance}}\n' } } };
    expect(slipDocument(data, custom, EN)).toBe('Hi A******** \\"*** O*****: 1,060\n');
    expect(slipDocument(data, custom, KO)).toContain('잔여 포인트');
  });
});

describe('the sale on the slip: its POS transaction id and the spend the points were earned on', () => {
  // A sale of $150.00 of which $120.00 earns (a gift card is excluded): 120 base points.
  const sale = slip({
    txnId: 'R2-004217',
    earned: { points: 150, components: [{ kind: 'base', points: 120 }, { kind: 'tier', id: 'silver', multiplier: 1.25, points: 30 }], memberBonusDay: null },
    earnedOn: 12_000,
    balance: 4321,
  });

  it('the context says what the points were earned on, in the slip\'s language', () => {
    expect((context(sale, SPORTS, EN)['earned'] as TemplateContext)['spend']).toBe('Earned on $120.00');
    expect((context(sale, SPORTS, KO)['earned'] as TemplateContext)['spend']).toBe('적립 대상 금액 US$120.00');
    expect((context({ ...sale, currency: 'KRW', earnedOn: 1_500_000 }, CLASSIC, KO)['earned'] as TemplateContext)['spend']).toBe('적립 대상 금액 1,500,000원');
    // A job queued before slips carried it, or a sale whose spend is unknown: no line.
    const { earnedOn: _left, ...older } = sale;
    expect((context(older, SPORTS, EN)['earned'] as TemplateContext)['spend']).toBeNull();
    expect((context({ ...sale, earnedOn: null }, SPORTS, EN)['earned'] as TemplateContext)['spend']).toBeNull();
  });

  it('the document prints the POS transaction id on the date row and the earned-on amount under the points, once each', () => {
    for (const [options, earned, on] of [
      [EN, '"Points earned | "+150', '~~Earned on $120.00 |'],
      [KO, '"적립 포인트 | "+150', '~~적립 대상 금액 US$120.00 |'],
    ] as const) {
      const lines = slipDocument(sale, SPORTS, options).split('\n');
      expect(lines.filter((l) => l.includes('R2\\-004217'))).toEqual([`${options.lang === 'en' ? '2026\\-03\\-04 14:30' : '2026\\-03\\-05 04:30'} | R2\\-004217`]);
      const at = lines.indexOf(earned);
      expect(at, lines.join('\n')).toBeGreaterThan(0);
      // On a line of its own, one column: a long amount never wraps inside the figures column.
      expect(lines.slice(at + 1, at + 4)).toEqual(['{width:auto}', on, '{width:*,11}']);
    }
  });

  it('a return names the sale it returns', () => {
    const returned = slip({ kind: 'return', txnId: 'RET-7', returned: { originalTxnId: 'POS-0041', points: 300, uncollected: 0, refundDeduction: 0, restored: 0 } });
    expect(slipDocument(returned, SPORTS, EN).split('\n')).toContain('Return of sale | POS\\-0041');
    expect(slipDocument(returned, SPORTS, KO).split('\n')).toContain('반품 원거래 | POS\\-0041');
  });
});


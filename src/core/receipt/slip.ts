/**
 * The loyalty slip: what the ledger recorded for one counter command, as plain data (SlipData,
 * stored with the print job so a job survives a crash and a reprint says the same), and the
 * context a template renders it with, in the slip's language, for a printer or a preview.
 */
import { asReceiptlineCommand, qrCode } from '../escpos/commands.js';
import { minorDigits } from '../money.js';
import type { Program } from '../program/schema.js';
import type { EarnComponent } from '../rules/earn.js';
import type { TierProgress } from '../rules/checkout.js';
import type { ExpiringAmount } from '../rules/lots.js';
import { localIso, type Instant } from '../time.js';
import { DEFAULT_TEMPLATES } from './default-templates.js';
import { reportSlipDocument, type ReportSlip } from './report-slip.js';
import { compileTemplate, type TemplateContext } from './template.js';

export type Lang = 'en' | 'ko';
export type SlipKind = 'checkout' | 'return' | 'donation' | 'enrolment' | 'membership' | 'action' | 'adjustment' | 'test' | 'day-report';

export interface SlipData {
  readonly kind: SlipKind;
  readonly txnId: string;
  readonly at: Instant;
  readonly storeId: string;
  readonly terminalId: string;
  readonly currency: string;
  readonly member: { readonly id: string; readonly name: string | null; readonly card: string | null };
  readonly earned: { readonly points: number; readonly components: readonly EarnComponent[]; readonly memberBonusDay: { readonly id: string; readonly points: number } | null } | null;
  /**
   * What the points were earned on, in minor units: the sale's eligible spend — the basket lines the
   * program earns on (excluded categories and SKUs, gift cards, membership fees left out), after the
   * loyalty discounts unless the program earns on discounted spend, with tax included or not as the
   * program says. It is what the base rate was applied to, so it can differ from what was paid.
   * Absent on jobs queued before slips carried it (they print without the line).
   */
  readonly earnedOn?: number | null;
  readonly redeemed: { readonly points: number; readonly discount: number; readonly rewardId: string | null } | null;
  readonly returned: { readonly originalTxnId: string; readonly points: number; readonly uncollected: number; readonly refundDeduction: number; readonly restored: number } | null;
  /** Points the command credited besides the sale: welcome, birthday, monthly credits, yearly rewards, action bonuses, adjustments. */
  readonly rewards: readonly { readonly kind: string; readonly points: number; readonly refId: string | null }[];
  readonly donations: readonly { readonly charityId: string; readonly points: number }[];
  readonly balance: number;
  readonly tier: TierProgress | null;
  readonly expiring: readonly ExpiringAmount[];
  /** The member's signed QR code to scan next time, or null when this terminal cannot sign one. */
  readonly memberQr: string | null;
  /** Printed by a demo terminal (one that trusts keys whose secrets are public): the slip says so. */
  readonly demo?: boolean;
  /** A report (kind 'day-report'): printed from its own layout, with no member and no program template. */
  readonly report?: ReportSlip;
}

/** A slip with nothing on it but its header: a printer's test page. */
export function testSlip(at: Instant, storeId: string, terminalId: string, currency: string): SlipData {
  return {
    kind: 'test',
    txnId: `TEST-${at}`,
    at,
    storeId,
    terminalId,
    currency,
    member: { id: 'test', name: 'Tally Test', card: '0000000000000' },
    earned: null,
    redeemed: null,
    returned: null,
    rewards: [],
    donations: [],
    balance: 0,
    tier: null,
    expiring: [],
    memberQr: null,
  };
}

export interface RenderOptions {
  readonly lang: Lang;
  /** 'printer' inserts a native QR command (GS ( k); 'preview' a drawn code (SVG previews, and printers without GS ( k). */
  readonly target: 'printer' | 'preview';
  readonly qrModuleSize?: number;
  readonly reprint?: boolean;
}

const isHangul = (word: string): boolean => /^[\u3131-\u318e\uac00-\ud7a3]+$/.test(word);

/** "Kim Minji" → "K** M****"; "김민지" → "김*지": enough for the customer to recognise, not to read out. */
export function maskName(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .map((word) => {
      const chars = [...word];
      if (chars.length <= 1) return word;
      if (isHangul(word)) return chars.length === 2 ? `${chars[0]}*` : `${chars[0]}${'*'.repeat(chars.length - 2)}${chars.at(-1)}`;
      return `${chars[0]}${'*'.repeat(chars.length - 1)}`;
    })
    .join(' ');
}

/** Only the last four characters of a card code are printed. */
export function maskCard(code: string): string {
  return code.length <= 4 ? '*'.repeat(code.length) : `${'*'.repeat(code.length - 4)}${code.slice(-4)}`;
}

/**
 * Money as printed on a slip. A slip's text must exist in the printer's code page, and the won
 * sign does not: U+20A9 "₩" (what Intl writes for KRW in every locale) is in neither CP437,
 * CP1252 nor CP949 (which has only the full-width ￦), so it printed as "?". Korean slips write
 * won the way Korean receipts do ("5,000원"); otherwise the currency symbol is kept when it prints
 * on every profile (ASCII, and £ ¥ on English slips, which CP437 and CP1252 both have) and the ISO
 * code is written instead of it when not ("KRW 5,000", "EUR 5.00").
 */
export function slipMoney(amount: number, currency: string, lang: Lang): string {
  const major = amount / 10 ** currencyDigits(currency);
  if (lang === 'ko' && currency === 'KRW') return `${moneyFormat('ko-KR', currency, 'number').format(major)}원`;
  const locale = lang === 'ko' ? 'ko-KR' : 'en-US';
  const printable = lang === 'ko' ? /^[\x20-\x7e]*$/ : /^[\x20-\x7e£¥]*$/;
  const symbol = moneyFormat(locale, currency, 'symbol').format(major).replace(/\u00a0/g, ' ');
  if (printable.test(symbol)) return symbol;
  return moneyFormat(locale, currency, 'code').format(major).replace(/\u00a0/g, ' ');
}

/** Intl formatters are slow to build (~10 µs each) and a slip formats several amounts: one per kind, kept. */
const moneyFormats = new Map<string, Intl.NumberFormat>();
const digitsByCurrency = new Map<string, number>();

function currencyDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    digits = minorDigits(currency);
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

function moneyFormat(locale: string, currency: string, display: 'symbol' | 'code' | 'number'): Intl.NumberFormat {
  const key = `${locale} ${currency} ${display}`;
  let format = moneyFormats.get(key);
  if (!format) {
    const digits = currencyDigits(currency);
    format = new Intl.NumberFormat(locale, {
      ...(display === 'number' ? {} : { style: 'currency', currency, currencyDisplay: display }),
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    moneyFormats.set(key, format);
  }
  return format;
}

const LABELS = {
  titles: {
    checkout: { en: 'Loyalty receipt', ko: '포인트 영수증' },
    return: { en: 'Return', ko: '반품' },
    donation: { en: 'Donation', ko: '기부' },
    enrolment: { en: 'Welcome', ko: '회원 가입' },
    membership: { en: 'Membership', ko: '멤버십' },
    action: { en: 'Bonus points', ko: '보너스 적립' },
    adjustment: { en: 'Points adjustment', ko: '포인트 조정' },
    test: { en: 'Printer test', ko: '프린터 테스트' },
    'day-report': { en: 'End of day', ko: '마감 보고' },
  },
  base: { en: 'Base', ko: '기본' },
  product: { en: 'Product bonus', ko: '상품 보너스' },
  threshold: { en: 'Spend bonus', ko: '구매 금액 보너스' },
  welcome: { en: 'Welcome bonus', ko: '가입 축하 포인트' },
  birthday: { en: 'Birthday reward', ko: '생일 축하 포인트' },
  credit: { en: 'Monthly member credit', ko: '월간 회원 적립' },
  adjustment: { en: 'Adjustment', ko: '포인트 조정' },
  off: { en: 'off', ko: '할인' },
  earnedOn: { en: 'Earned on', ko: '적립 대상 금액' },
  deduction: { en: 'taken off the refund', ko: '환불액에서 차감' },
  writtenOff: { en: 'written off', ko: '차감 없음' },
} as const;


/** The values a template sees, formatted for the slip's language. */
export function slipContext(data: SlipData, program: Program, options: RenderOptions & { readonly timeZone: string }): TemplateContext {
  const { lang } = options;
  // × is not in code page 437: English slips print an x.
  const times = (m: number): string => `${lang === 'ko' ? '×' : 'x'}${m}`;
  const money = (amount: number): string => slipMoney(amount, data.currency, lang);
  const points = (n: number): string => n.toLocaleString('en-US');
  const tierName = (id: string): string => program.tiers?.levels.find((l) => l.id === id)?.name[lang] ?? id;
  const dayName = (id: string): string => program.bonuses.days.find((d) => d.id === id)?.name[lang] ?? id;
  const componentLabel = (c: EarnComponent): string => {
    switch (c.kind) {
      case 'base':
        return LABELS.base[lang];
      case 'product-multiplier':
        return LABELS.product[lang];
      case 'tier':
        return `${tierName(c.id)} ${times(c.multiplier)}`;
      case 'membership':
        return `${program.memberships.find((m) => m.id === c.id)?.name[lang] ?? c.id} ${times(c.multiplier)}`;
      case 'bonus-day':
      case 'member-bonus-day':
        return `${dayName(c.id)} ${times(c.multiplier)}`;
      case 'spend-threshold':
        return LABELS.threshold[lang];
    }
  };
  const rewardLabel = (kind: string, refId: string | null): string => {
    if (kind === 'welcome') return LABELS.welcome[lang];
    if (kind === 'birthday') return LABELS.birthday[lang];
    if (kind === 'membership-credit') return LABELS.credit[lang];
    if (kind === 'annual-reward') return program.annualRewards.find((r) => r.id === refId)?.name[lang] ?? refId ?? kind;
    if (kind === 'action') return program.bonuses.actions.find((a) => a.id === refId)?.name[lang] ?? refId ?? kind;
    return LABELS.adjustment[lang];
  };
  const earned = data.earned
    ? {
        total: points(data.earned.points + (data.earned.memberBonusDay?.points ?? 0)),
        spend: data.earnedOn === undefined || data.earnedOn === null ? null : `${LABELS.earnedOn[lang]} ${money(data.earnedOn)}`,
        lines: [
          ...data.earned.components.map((c) => ({ label: componentLabel(c), points: `${c.kind === 'base' ? '' : '+'}${points(c.points)}` })),
          ...(data.earned.memberBonusDay ? [{ label: dayName(data.earned.memberBonusDay.id), points: `+${points(data.earned.memberBonusDay.points)}` }] : []),
        ],
      }
    : null;
  const rewardName = (id: string | null, discount: number): string =>
    id !== null ? (program.redemption.catalogue.find((r) => r.id === id)?.name[lang] ?? id) : `${money(discount)} ${LABELS.off[lang]}`;
  const qrBlock = data.memberQr === null ? null : options.target === 'printer' ? printerQr(data.memberQr, options.qrModuleSize ?? 6) : previewQr(data.memberQr, options.qrModuleSize ?? 6);
  return {
    reprint: options.reprint === true,
    storeName: program.receipt.storeName?.[lang] ?? program.name[lang],
    date: localIso(data.at, options.timeZone).replace('T', ' ').slice(0, 16),
    txn: data.txnId,
    title: LABELS.titles[data.kind][lang],
    memberName: data.member.name === null ? '-' : maskName(data.member.name),
    memberCard: data.member.card === null ? '-' : maskCard(data.member.card),
    earned: earned && (data.earned?.points ?? 0) + (data.earned?.memberBonusDay?.points ?? 0) > 0 ? earned : null,
    redeemed: data.redeemed ? { points: points(data.redeemed.points), what: rewardName(data.redeemed.rewardId, data.redeemed.discount) } : null,
    returned: data.returned
      ? {
          sale: data.returned.originalTxnId,
          points: points(data.returned.points),
          uncollected: data.returned.uncollected > 0 ? points(data.returned.uncollected) : null,
          deduction: data.returned.refundDeduction > 0 ? `${money(data.returned.refundDeduction)} ${LABELS.deduction[lang]}` : LABELS.writtenOff[lang],
          restored: data.returned.restored > 0 ? points(data.returned.restored) : null,
        }
      : null,
    rewards: data.rewards.map((r) => ({ label: rewardLabel(r.kind, r.refId), points: points(r.points) })),
    donations: data.donations.map((d) => ({ charity: program.charities.find((c) => c.id === d.charityId)?.name[lang] ?? d.charityId, points: points(d.points) })),
    balance: points(data.balance),
    tier: data.tier ? { name: tierName(data.tier.tier), next: data.tier.nextTier === null ? null : tierName(data.tier.nextTier), toNext: data.tier.spendToNext === null ? null : money(data.tier.spendToNext) } : null,
    expiring: data.expiring.map((e) => ({ date: e.lastDay, points: points(e.points) })),
    qrBlock,
    footer: program.receipt.footer?.[lang] ?? null,
  };
}

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from([...text].map((c) => c.charCodeAt(0) & 0xff));
}

/**
 * A QR code needs a light margin of 4 modules around it (ISO/IEC 18004 quiet zone) or scanners
 * miss it; neither GS ( k nor ReceiptLine's drawn code has one, and the text line above would
 * touch the code. An empty line (24 dots: 4 modules of 6) above and below gives it back; left and
 * right the code is centred on the paper.
 */
const QUIET_LINE = '';

/** A native QR command in a ReceiptLine command block (tokens are ASCII). */
function printerQr(token: string, moduleSize: number): string {
  return [QUIET_LINE, `{command:${asReceiptlineCommand(qrCode(asciiBytes(token), { moduleSize, level: 'M' }))}}`, QUIET_LINE].join('\n');
}

/** A drawn QR code (SVG previews, raster printers). ReceiptLine takes cell sizes 3–8 and silently uses 3 for any other. */
function previewQr(token: string, moduleSize: number): string {
  const escaped = token.replace(/[\\|{};]/g, (c) => `\\${c}`);
  const cell = Math.min(8, Math.max(3, Math.round(moduleSize)));
  return [QUIET_LINE, `{code:${escaped}; option:qrcode,${cell},m}`, QUIET_LINE].join('\n');
}

/** Compiled templates by their text (compiling is pure; a terminal has a handful of templates, the cap is only a guard). */
const compiledTemplates = new Map<string, ReturnType<typeof compileTemplate>>();

/** The ReceiptLine document for a slip: the program's template for the language, or the default. */
export function slipDocument(data: SlipData, program: Program, options: RenderOptions & { readonly timeZone: string }): string {
  if (data.report) {
    const report = reportSlipDocument(data.report, {
      lang: options.lang,
      storeName: program.receipt.storeName?.[options.lang] ?? program.name[options.lang],
      date: localIso(data.at, options.timeZone).replace('T', ' ').slice(0, 16),
      money: (amount) => slipMoney(amount, data.currency, options.lang),
    });
    return data.demo === true ? `${DEMO_LINE[options.lang]}\n${report}` : report;
  }
  const template = program.receipt.templates?.[options.lang] ?? DEFAULT_TEMPLATES[options.lang];
  let render = compiledTemplates.get(template);
  if (!render) {
    render = compileTemplate(template);
    if (compiledTemplates.size >= 32) compiledTemplates.clear();
    compiledTemplates.set(template, render);
  }
  const document = render(slipContext(data, program, options));
  // Outside the template on purpose: a program's own template cannot leave it off.
  return data.demo === true ? `${DEMO_LINE[options.lang]}\n${document}` : document;
}

/** ReceiptLine: reversed (`_` is underline, `` ` `` inverts), bold, centred by being one column. */
const DEMO_LINE: Readonly<Record<Lang, string>> = {
  en: '`"DEMO - NOT A REAL PROGRAM"`',
  ko: '`"데모 - 실제 멤버십이 아닙니다"`',
};

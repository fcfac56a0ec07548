/**
 * The loyalty slip: what the ledger recorded for one counter command, as plain data (SlipData,
 * stored with the print job so a job survives a crash and a reprint says the same), and the
 * context a template renders it with, in the slip's language, for a printer or a preview.
 */
import { asReceiptlineCommand, qrCode } from '../escpos/commands.js';
import { formatMoney } from '../money.js';
import type { Program } from '../program/schema.js';
import type { EarnComponent } from '../rules/earn.js';
import type { TierProgress } from '../rules/checkout.js';
import type { ExpiringAmount } from '../rules/lots.js';
import { localIso, type Instant } from '../time.js';
import { DEFAULT_TEMPLATES } from './default-templates.js';
import { compileTemplate, type TemplateContext } from './template.js';

export type Lang = 'en' | 'ko';
export type SlipKind = 'checkout' | 'return' | 'donation' | 'enrolment' | 'membership' | 'action' | 'adjustment';

export interface SlipData {
  readonly kind: SlipKind;
  readonly txnId: string;
  readonly at: Instant;
  readonly storeId: string;
  readonly terminalId: string;
  readonly currency: string;
  readonly member: { readonly id: string; readonly name: string | null; readonly card: string | null };
  readonly earned: { readonly points: number; readonly components: readonly EarnComponent[]; readonly memberBonusDay: { readonly id: string; readonly points: number } | null } | null;
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
}

export interface RenderOptions {
  readonly lang: Lang;
  /** 'printer' inserts a native QR command (GS ( k); 'preview' a drawn code (SVG). */
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

const LABELS = {
  titles: {
    checkout: { en: 'Loyalty receipt', ko: '포인트 영수증' },
    return: { en: 'Return', ko: '반품' },
    donation: { en: 'Donation', ko: '기부' },
    enrolment: { en: 'Welcome', ko: '회원 가입' },
    membership: { en: 'Membership', ko: '멤버십' },
    action: { en: 'Bonus points', ko: '보너스 적립' },
    adjustment: { en: 'Points adjustment', ko: '포인트 조정' },
  },
  base: { en: 'Base', ko: '기본' },
  product: { en: 'Product bonus', ko: '상품 보너스' },
  threshold: { en: 'Spend bonus', ko: '구매 금액 보너스' },
  welcome: { en: 'Welcome bonus', ko: '가입 축하 포인트' },
  birthday: { en: 'Birthday reward', ko: '생일 축하 포인트' },
  credit: { en: 'Monthly member credit', ko: '월간 회원 적립' },
  adjustment: { en: 'Adjustment', ko: '포인트 조정' },
  off: { en: 'off', ko: '할인' },
  deduction: { en: 'taken off the refund', ko: '환불액에서 차감' },
  writtenOff: { en: 'written off', ko: '차감 없음' },
} as const;


/** The values a template sees, formatted for the slip's language. */
export function slipContext(data: SlipData, program: Program, options: RenderOptions & { readonly timeZone: string }): TemplateContext {
  const { lang } = options;
  // × is not in code page 437: English slips print an x.
  const times = (m: number): string => `${lang === 'ko' ? '×' : 'x'}${m}`;
  const money = (amount: number): string => formatMoney({ amount, currency: data.currency }, lang === 'ko' ? 'ko-KR' : 'en-US');
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

/** A native QR command in a ReceiptLine command block (tokens are ASCII). */
function printerQr(token: string, moduleSize: number): string {
  return `{command:${asReceiptlineCommand(qrCode(asciiBytes(token), { moduleSize, level: 'M' }))}}`;
}

function previewQr(token: string, moduleSize: number): string {
  const escaped = token.replace(/[\\|{};]/g, (c) => `\\${c}`);
  return `{code:${escaped}; option:qrcode,${moduleSize},m}`;
}

/** The ReceiptLine document for a slip: the program's template for the language, or the default. */
export function slipDocument(data: SlipData, program: Program, options: RenderOptions & { readonly timeZone: string }): string {
  const template = program.receipt.templates?.[options.lang] ?? DEFAULT_TEMPLATES[options.lang];
  return compileTemplate(template)(slipContext(data, program, options));
}

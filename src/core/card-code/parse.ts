/**
 * The one card-code parser every scanner, the keyboard and the CLI go through. It never throws:
 * it says what the code is (a member card, a signed member QR) or why it is refused, in words a
 * cashier can act on. Anything that looks like a bank card is refused and never echoed back.
 */
import type { Instant } from '../time.js';
import { hasValidCheckDigit, hasValidGs1CheckDigit, hasValidLuhn } from './check-digits.js';
import { looksLikeMemberToken, verifyMemberToken, type TokenProblem } from './member-token.js';
import type { CardCodes, CardRule } from './rules.js';
import { splitAimPrefix, type Symbology } from './symbology.js';

export type RejectReason =
  | 'empty'
  | 'malformed'
  | 'bad-check-digit'
  | 'product-barcode'
  | 'bank-card'
  | 'token-expired'
  | 'token-forged'
  | 'token-unknown-key'
  | 'token-malformed'
  | 'not-a-member-card';

export type CardCode =
  | { readonly ok: true; readonly kind: 'card'; readonly code: string; readonly ruleId: string; readonly symbology: Symbology }
  | {
      readonly ok: true;
      readonly kind: 'token';
      readonly memberId: string;
      readonly keyId: string;
      readonly terminalKeyId: string | null;
      readonly expiresAt: Instant | null;
      readonly ruleId: string;
      readonly symbology: Symbology;
    }
  | { readonly ok: false; readonly reason: RejectReason; readonly message: string; readonly symbology: Symbology };

export interface ScanInput {
  readonly text: string;
  /** What the transport knows (a HID report's symbology, a camera decoder's format); an AIM prefix in the text wins. */
  readonly symbology?: Symbology;
}

/** Words for the cashier, English and Korean, by reason. */
export const REJECTION_MESSAGES: Readonly<Record<RejectReason, { readonly en: string; readonly ko: string }>> = {
  empty: { en: 'Nothing was read — scan again', ko: '읽힌 내용이 없습니다 — 다시 스캔하세요' },
  malformed: { en: 'Unreadable scan — scan again', ko: '읽을 수 없는 스캔입니다 — 다시 스캔하세요' },
  'bad-check-digit': { en: 'Check digit wrong — rescan', ko: '체크 숫자가 틀립니다 — 다시 스캔하세요' },
  'product-barcode': { en: 'Not a member card: product barcode', ko: '회원 카드가 아닙니다: 상품 바코드' },
  'bank-card': { en: 'That is a bank card — ask for the loyalty card (nothing was kept)', ko: '은행 카드입니다 — 멤버십 카드를 요청하세요 (저장되지 않음)' },
  'token-expired': { en: 'Member QR code has expired — ask the member to refresh it in the app', ko: '회원 QR 코드가 만료되었습니다 — 앱에서 새로 고치도록 안내하세요' },
  'token-forged': { en: 'Member QR code is not genuine — ask for the card', ko: '회원 QR 코드가 유효하지 않습니다 — 카드를 요청하세요' },
  'token-unknown-key': { en: 'Member QR code from an unknown key — sync the terminal, or ask for the card', ko: '알 수 없는 키의 QR 코드입니다 — 단말기를 동기화하거나 카드를 요청하세요' },
  'token-malformed': { en: 'Damaged member QR code — scan again', ko: '손상된 회원 QR 코드입니다 — 다시 스캔하세요' },
  'not-a-member-card': { en: 'Not a member card', ko: '회원 카드가 아닙니다' },
};

function reject(reason: RejectReason, symbology: Symbology): CardCode {
  return { ok: false, reason, message: REJECTION_MESSAGES[reason].en, symbology };
}

const TOKEN_REASONS: Record<TokenProblem, RejectReason> = {
  malformed: 'token-malformed',
  'unknown-key': 'token-unknown-key',
  'bad-signature': 'token-forged',
  expired: 'token-expired',
  'certificate-expired': 'token-expired',
};

type Shape = 'match' | 'bad-check' | 'no';

/** Does the code have the rule's shape, and is its check digit right? */
function shapeOf(rule: Exclude<CardRule, { type: 'member-qr' }>, code: string, symbology: Symbology): Shape {
  switch (rule.type) {
    case 'ean13':
      if (!/^\d{13}$/.test(code) || !rule.prefixes.some((p) => code.startsWith(p))) return 'no';
      return hasValidGs1CheckDigit(code) ? 'match' : 'bad-check';
    case 'member-number': {
      if (rule.symbologies && symbology !== 'unknown' && !rule.symbologies.includes(symbology)) return 'no';
      const digits = code.slice(rule.prefix.length);
      if (!code.startsWith(rule.prefix) || !new RegExp(`^\\d{${rule.digits}}$`).test(digits)) return 'no';
      return hasValidCheckDigit(digits, rule.checkDigit) ? 'match' : 'bad-check';
    }
    case 'track2':
      if (code.length !== rule.length || !/^\d+$/.test(code) || !code.startsWith(rule.prefix)) return 'no';
      return hasValidCheckDigit(code, rule.checkDigit) ? 'match' : 'bad-check';
  }
}

/** Track 2 (`;PAN=YYMM…?`) or track 1 (`%B…^`) data from a magnetic-stripe reader. */
function stripeAccount(text: string): { track: 1 | 2; account: string } | undefined {
  const t1 = /^%?B(\d{6,19})\^/.exec(text);
  if (t1) return { track: 1, account: t1[1]! };
  const t2 = /^;?(\d{6,19})=[\d=]*\??$/.exec(text);
  if (t2) return { track: 2, account: t2[1]! };
  return undefined;
}

const looksLikeBankCard = (digits: string): boolean => /^\d{13,19}$/.test(digits) && hasValidLuhn(digits);

export function parseCardCode(input: ScanInput, config: CardCodes, now: Instant): CardCode {
  let text = input.text.replace(/[\r\n]+$/g, '').replace(/^[\r\n]+/g, '').trim();
  let symbology: Symbology = input.symbology ?? 'unknown';
  const aim = splitAimPrefix(text);
  if (aim) {
    text = aim.rest;
    symbology = aim.symbology;
  }
  if (text === '') return reject('empty', symbology);
  // GS (ASCII 29) separates GS1 element strings; any other control character is line noise.
  if ([...text].some((c) => (c < ' ' && c !== '\x1d') || c === '\x7f')) return reject('malformed', symbology);
  if (text.length > 4096) return reject('malformed', symbology);

  if (text.includes('\x1d') || symbology === 'gs1-128' || symbology === 'gs1-databar') {
    // GS1 element strings with an (01) GTIN are products; the loyalty program uses none.
    return reject(/^(01|02)\d{14}/.test(text) ? 'product-barcode' : 'not-a-member-card', symbology);
  }

  const stripe = stripeAccount(text);
  if (stripe) {
    for (const rule of config.rules) {
      if (rule.type !== 'track2' || stripe.track !== 2) continue;
      const shape = shapeOf(rule, stripe.account, 'magstripe');
      if (shape === 'match') return { ok: true, kind: 'card', code: stripe.account, ruleId: rule.id, symbology: 'magstripe' };
      if (shape === 'bad-check') return reject('bad-check-digit', 'magstripe');
    }
    // Any other stripe is a payment or ID card: refused, and its number never leaves this function.
    return reject(looksLikeBankCard(stripe.account) || stripe.track === 1 ? 'bank-card' : 'not-a-member-card', 'magstripe');
  }

  if (looksLikeMemberToken(text)) {
    if (!config.rules.some((r) => r.type === 'member-qr')) return reject('not-a-member-card', symbology);
    const check = verifyMemberToken(text, config.verifyKeys, now);
    if (!check.ok) return reject(TOKEN_REASONS[check.problem], symbology);
    const rule = config.rules.find((r) => r.type === 'member-qr')!;
    return { ok: true, kind: 'token', memberId: check.memberId, keyId: check.keyId, terminalKeyId: check.terminalKeyId, expiresAt: check.expiresAt, ruleId: rule.id, symbology };
  }

  let badCheck = false;
  for (const rule of config.rules) {
    if (rule.type === 'member-qr') continue;
    const shape = shapeOf(rule, text, symbology);
    if (shape === 'match') return { ok: true, kind: 'card', code: text, ruleId: rule.id, symbology };
    if (shape === 'bad-check') badCheck = true;
  }
  // A code with a member rule's shape is a misread member card; neither message repeats the digits.
  if (badCheck) return reject('bad-check-digit', symbology);
  if (looksLikeBankCard(text)) return reject('bank-card', symbology);
  // EAN-13, EAN-8, UPC-A and GTIN-14 with a right check digit: something from the shelf.
  if (/^(\d{8}|\d{12,14})$/.test(text) && hasValidGs1CheckDigit(text)) return reject('product-barcode', symbology);
  return reject('not-a-member-card', symbology);
}

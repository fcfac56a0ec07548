/**
 * The one card-code parser every scanner, the keyboard and the CLI go through. It never throws:
 * it says what the code is (a member card, a signed member QR) or why it is refused, in words a
 * cashier can act on. Anything that looks like a bank card is refused and never echoed back.
 *
 * Payment cards are looked for first (payment-card.ts), in every shape: digits in groups, stripes
 * of any track layout with or without read errors, a number in an exclusive card range even with a
 * wrong Luhn digit. Two things are left to the program's own rules: a stripe that is one of its
 * track-2 cards, and plain numbers in the ranges stores share with card networks or of no brand
 * that pass Luhn, which are refused as bank cards only when no rule claims them (program
 * validation makes sure no rule overlaps an exclusive range, so no rule can claim a card there).
 */
import type { Instant } from '../time.js';
import { hasValidCheckDigit, hasValidGs1CheckDigit } from './check-digits.js';
import { looksLikeMemberToken, verifyMemberToken, type TokenProblem, type TokenScope } from './member-qr.js';
import { compactDigits, embeddedPaymentCard, paymentCardIn, paymentTierOf, readStripe, stripeAccountTier, type StripeRead } from './payment-card.js';
import { DEFAULT_MEMBER_QR, type CardCodes, type CardRule } from './rules.js';
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
  | 'token-outdated'
  | 'token-revoked'
  | 'token-too-long-lived'
  | 'card-revoked'
  | 'not-a-member-card';

export type CardCode =
  | { readonly ok: true; readonly kind: 'card'; readonly code: string; readonly ruleId: string; readonly symbology: Symbology }
  | {
      readonly ok: true;
      readonly kind: 'token';
      /** identify: earn and look up; spend: also proves the member is here (single use). */
      readonly scope: TokenScope;
      /** The member's opaque QR reference (never their id). */
      readonly memberRef: string;
      readonly tokenId: string;
      readonly keyId: string;
      readonly issuedBy: { readonly terminalKeyId: string; readonly storeId: string; readonly terminalId: string } | null;
      readonly expiresAt: Instant;
      readonly ruleId: string;
      readonly symbology: Symbology;
    }
  | { readonly ok: false; readonly reason: RejectReason; readonly message: string; readonly symbology: Symbology };

/** What the parser needs from a program: its card rules, its member QR bounds and its denylist. */
export interface CardCodeRules {
  readonly cardCodes: CardCodes;
  readonly memberQr: { readonly maxValidDays: number; readonly spendCodeMinutes: number };
  readonly revoked: { readonly cards: readonly string[]; readonly tokens: readonly string[]; readonly terminalKeys: readonly string[] };
}

/** Card rules with the member QR bounds a program gets when it names none, and no denylist (tools, tests). */
export function cardCodeRules(cardCodes: CardCodes, extra: Partial<Omit<CardCodeRules, 'cardCodes'>> = {}): CardCodeRules {
  return { cardCodes, memberQr: DEFAULT_MEMBER_QR, revoked: { cards: [], tokens: [], terminalKeys: [] }, ...extra };
}

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
  'token-outdated': { en: 'Old member QR code — ask the member to refresh it in the app, or scan their card', ko: '이전 형식의 회원 QR 코드입니다 — 앱에서 새로 고치거나 카드를 스캔하세요' },
  'token-revoked': { en: 'This member QR code has been blocked — ask for the card', ko: '사용이 중지된 회원 QR 코드입니다 — 카드를 요청하세요' },
  'token-too-long-lived': { en: 'Member QR code is valid for longer than this program allows — ask the member to refresh it', ko: '허용 기간보다 긴 회원 QR 코드입니다 — 새로 고치도록 안내하세요' },
  'card-revoked': { en: 'This card has been blocked (reported lost or stolen) — ask for ID and another card', ko: '사용이 중지된 카드입니다 (분실/도난 신고) — 신분증과 다른 카드를 요청하세요' },
  'not-a-member-card': { en: 'Not a member card', ko: '회원 카드가 아닙니다' },
};

function reject(reason: RejectReason, symbology: Symbology): CardCode {
  return { ok: false, reason, message: REJECTION_MESSAGES[reason].en, symbology };
}

const TOKEN_REASONS: Record<TokenProblem, RejectReason> = {
  malformed: 'token-malformed',
  outdated: 'token-outdated',
  'unknown-key': 'token-unknown-key',
  'bad-signature': 'token-forged',
  expired: 'token-expired',
  'certificate-expired': 'token-expired',
  revoked: 'token-revoked',
  'too-long-lived': 'token-too-long-lived',
};

/** A member card the program's denylist names is refused like any other unusable code. */
function accepted(code: Extract<CardCode, { kind: 'card' }>, rules: CardCodeRules): CardCode {
  return rules.revoked.cards.includes(code.code) ? reject('card-revoked', code.symbology) : code;
}

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

/**
 * A magnetic stripe, whatever the reader's layout. The program's own stripe card is taken when a
 * track 2 carries it and nothing else on the stripe is another number; otherwise the stripe is a
 * payment or ID card, refused, and its number never leaves this function.
 */
function stripeVerdict(stripe: StripeRead, text: string, config: CardCodes): CardCode {
  const track2Rules = config.rules.filter((rule): rule is Extract<CardRule, { type: 'track2' }> => rule.type === 'track2');
  const onTrack2 = stripe.accounts.filter((a) => a.track === 2);
  for (const { account } of onTrack2) {
    const rule = track2Rules.find((candidate) => shapeOf(candidate, account, 'magstripe') === 'match');
    // A validated program cannot have such a rule; a config that skipped validation still cannot take a card number.
    if (!rule || stripeAccountTier(account) === 'exclusive') continue;
    // The same number on track 1 is the same card; any other number, or a card number elsewhere
    // in the text, means this is not (only) our card.
    if (stripe.accounts.every((a) => a.account === account) && !embeddedPaymentCard(text, { stripe: true, except: account })) {
      return { ok: true, kind: 'card', code: account, ruleId: rule.id, symbology: 'magstripe' } as const;
    }
  }
  const tiers = stripe.accounts.map((a) => stripeAccountTier(a.account));
  // Track 1 format B is the financial-institution format; the rest by the number's range and Luhn digit.
  if (stripe.accounts.some((a) => a.track === 1) || tiers.includes('exclusive') || tiers.includes('luhn') || embeddedPaymentCard(text, { stripe: true })) {
    return reject('bank-card', 'magstripe');
  }
  // One of our stripe cards with a wrong check digit (a number in a shared range that matched no rule is refused below).
  if (onTrack2.some(({ account }) => track2Rules.some((rule) => shapeOf(rule, account, 'magstripe') === 'bad-check'))) return reject('bad-check-digit', 'magstripe');
  if (tiers.includes('shared')) return reject('bank-card', 'magstripe');
  // Only read-error markers: the reader read nothing.
  if (stripe.accounts.length === 0) return reject('malformed', 'magstripe');
  return reject('not-a-member-card', 'magstripe');
}

/**
 * `now` is the real time (member QR codes expire by it): never a clock a caller can set.
 */
export function parseCardCode(input: ScanInput, rules: CardCodeRules, now: Instant): CardCode {
  const config = rules.cardCodes;
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

  const gs1 = text.includes('\x1d') || symbology === 'gs1-128' || symbology === 'gs1-databar';
  // Payment cards first. GS1 data is left to its own branch below: it is never a member card
  // either, and its digit strings (GTINs, batch numbers) must not be taken for card numbers.
  if (!gs1) {
    const stripe = readStripe(text);
    if (stripe) {
      const verdict = stripeVerdict(stripe, text, config);
      return verdict.ok && verdict.kind === 'card' ? accepted(verdict, rules) : verdict;
    }
    const compact = compactDigits(text);
    if (compact) {
      const tier = paymentTierOf(compact.digits);
      // Grouped digits are how a card number is typed or printed, never a member card: any tier.
      // Plain digits in a shared range or of no brand may still be the program's own card (below).
      if (tier === 'exclusive' || (tier !== undefined && compact.grouped)) return reject('bank-card', symbology);
    }
  }

  if (gs1) {
    // GS1 element strings with an (01) GTIN are products; the loyalty program uses none.
    return reject(/^(01|02)\d{14}/.test(text) ? 'product-barcode' : 'not-a-member-card', symbology);
  }

  if (looksLikeMemberToken(text)) {
    if (!config.rules.some((r) => r.type === 'member-qr')) return reject('not-a-member-card', symbology);
    const check = verifyMemberToken(text, {
      keys: config.verifyKeys,
      now,
      maxIdentifyMs: rules.memberQr.maxValidDays * 86_400_000,
      maxSpendMs: rules.memberQr.spendCodeMinutes * 60_000,
      revokedTokens: rules.revoked.tokens,
      revokedTerminalKeys: rules.revoked.terminalKeys,
    });
    if (!check.ok) return reject(TOKEN_REASONS[check.problem], symbology);
    const rule = config.rules.find((r) => r.type === 'member-qr')!;
    const { scope, memberRef, tokenId, keyId, issuedBy, expiresAt } = check;
    return { ok: true, kind: 'token', scope, memberRef, tokenId, keyId, issuedBy, expiresAt, ruleId: rule.id, symbology };
  }

  let badCheck = false;
  for (const rule of config.rules) {
    if (rule.type === 'member-qr') continue;
    const shape = shapeOf(rule, text, symbology);
    if (shape === 'match') return accepted({ ok: true, kind: 'card', code: text, ruleId: rule.id, symbology }, rules);
    if (shape === 'bad-check') badCheck = true;
  }
  // A code with a member rule's shape is a misread member card; neither message repeats the digits.
  if (badCheck) return reject('bad-check-digit', symbology);
  // A shared range or a Luhn-valid number no rule claimed, or a card number inside longer text.
  if (paymentCardIn(text)) return reject('bank-card', symbology);
  // EAN-13, EAN-8, UPC-A and GTIN-14 with a right check digit: something from the shelf.
  if (/^(\d{8}|\d{12,14})$/.test(text) && hasValidGs1CheckDigit(text)) return reject('product-barcode', symbology);
  return reject('not-a-member-card', symbology);
}

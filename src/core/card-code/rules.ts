/**
 * What a scanned or typed code is, decided by an ordered rule list in the program (the model of
 * Odoo's barcode nomenclature): the first rule that matches wins.
 */
import { z } from 'zod';
import { FREE_FIRST_DIGITS, paymentCardsAcceptedBy } from './payment-card.js';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes');
const checkDigit = z.enum(['gs1-mod10', 'luhn', 'none']);
const symbology = z.enum(['ean-upc', 'code128', 'gs1-128', 'code39', 'code93', 'codabar', 'itf', 'qr', 'datamatrix', 'pdf417', 'aztec', 'gs1-databar', 'magstripe', 'unknown']);

export const cardRuleSchema = z.discriminatedUnion('type', [
  /** An in-store EAN-13 (GS1 prefixes 20–29) or a restricted-circulation RCN-13 (02, 04): 13 digits, GS1 check digit. */
  z.strictObject({ type: z.literal('ean13'), id, prefixes: z.array(z.string().regex(/^\d{1,6}$/)).min(1) }),
  /** A printed member number (often Code 128): a fixed prefix and a fixed number of digits, the last a check digit. */
  z.strictObject({
    type: z.literal('member-number'),
    id,
    prefix: z.string().regex(/^[A-Za-z0-9]{0,8}$/).default(''),
    digits: z.number().int().min(4).max(24),
    checkDigit,
    symbologies: z.array(symbology).optional(),
  }),
  /** A magnetic-stripe track 2 whose account number is a member card (prefix and length), never a bank card. */
  z.strictObject({ type: z.literal('track2'), id, prefix: z.string().regex(/^\d{1,10}$/), length: z.number().int().min(8).max(19), checkDigit }),
  /** A signed member QR code (see member-qr.ts). */
  z.strictObject({ type: z.literal('member-qr'), id }),
]);

export const cardCodesSchema = z
  .strictObject({
    rules: z.array(cardRuleSchema).min(1),
    /** Keys that sign member QR codes, by id so they can rotate; public halves only. */
    verifyKeys: z.array(z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a 32-byte Ed25519 public key in base64url') })).default([]),
  })
  .superRefine((codes, ctx) => {
    // A rule that can take a payment card's number would enrol and store it: refused here, not at the counter.
    codes.rules.forEach((rule, index) => {
      const overlaps = paymentCardsAcceptedBy(rule);
      if (overlaps.length === 0) return;
      const shown = overlaps.slice(0, 3).map((o) => `${o.brand}, ${o.length} digits`);
      const more = overlaps.length > 3 ? `, and ${overlaps.length - 3} more` : '';
      ctx.addIssue({
        code: 'custom',
        path: ['rules', index],
        message:
          `this rule would accept payment card numbers (${shown.join('; ')}${more}); give it a prefix outside card ranges ` +
          `(digits starting with ${FREE_FIRST_DIGITS.join(' or ')}${rule.type === 'member-number' ? ', or letters such as "SC"' : ''}) or another length, so a bank card can never be enrolled as a member card`,
      });
    });
  });

export type CardRule = z.output<typeof cardRuleSchema>;
export type CardCodes = z.output<typeof cardCodesSchema>;

/** How long member QR codes may be valid for when a program does not say (program schema `memberQr`). */
export const DEFAULT_MEMBER_QR = { maxValidDays: 90, spendCodeMinutes: 5 } as const;

/** What a program without its own list accepts: in-store EAN-13 cards (prefix 2) and signed member QR codes. */
export const DEFAULT_CARD_CODES: CardCodes = {
  rules: [
    { type: 'ean13', id: 'in-store-ean13', prefixes: ['2'] },
    { type: 'member-qr', id: 'member-qr' },
  ],
  verifyKeys: [],
};

/**
 * Argument schemas of the terminal's commands: the one definition the CLI uses today and the UI
 * contract and local POS API will use later. Everything that enters is validated here.
 */
import { z } from 'zod';
import { basketSchema } from '../core/basket.js';
import { hasControlCharacters } from '../core/text.js';
import { parseDayKey } from '../core/time.js';

/** Text a person typed (a name, a reason): trimmed, bounded, and no control or direction characters. */
export const plainText = (max: number, min = 1, tooShort = min > 1 ? `needs at least ${min} characters` : 'cannot be empty') =>
  z
    .string()
    .trim()
    .min(min, tooShort)
    .max(max, `is at most ${max} characters`)
    .refine((s) => !hasControlCharacters(s), 'must not contain control or text-direction characters');

/** A program's id for an action, charity, plan, reward or bonus day. */
const programItemId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'is an id from the program (lower-case letters, digits and dashes)');

/** What was scanned or typed; the card-code parser (src/core/card-code) decides what it is. */
export const cardCodeSchema = z.string().min(1, 'a card code cannot be empty').max(4096, 'a card code is at most 4096 characters');

/** POS transaction ids, return ids, donation ids: what the POS or the cashier gives. */
export const txnIdSchema = z
  .string()
  .trim()
  .min(1, 'cannot be empty')
  .max(64, 'is at most 64 characters')
  .regex(/^[A-Za-z0-9._:\-/#]+$/, 'may hold letters, digits and . _ : - / #');

const pointsSchema = z.number().int('must be a whole number').positive('must be greater than zero');

/** YYYY-MM-DD, or MM-DD / --MM-DD when the customer gives no year. */
export const birthdaySchema = z
  .string()
  .trim()
  .transform((s) => (/^\d{2}-\d{2}$/.test(s) ? `--${s}` : s))
  .refine((s) => {
    const m = /^--(\d{2})-(\d{2})$/.exec(s);
    if (m) return parseDayKey(`2000-${m[1]}-${m[2]}`) !== undefined;
    return parseDayKey(s) !== undefined;
  }, 'must be a date as YYYY-MM-DD or MM-DD')
  // A year outside a lifetime is a typo (0000, 2999); one in the future is refused by the terminal, which knows today.
  .refine((s) => s.startsWith('--') || (Number(s.slice(0, 4)) >= 1900 && Number(s.slice(0, 4)) <= 2100), 'must be a birthday between 1900 and today');

/** A member PIN as typed: 4 to 8 digits (how easy it is to guess is the terminal's check). */
export const pinSchema = z.string().regex(/^\d{4,8}$/, 'a PIN is 4 to 8 digits');

/**
 * What proves the member is at the counter when points are spent: a spend code from their app, their
 * PIN, or the cashier who checked them (ID, the card in their hand). Which ones count is the program's
 * choice (`spending.proofs`). Never stored: the transaction records only which kind was given.
 */
export const spendProofSchema = z
  .strictObject({
    spendCode: cardCodeSchema.optional(),
    pin: pinSchema.optional(),
    cashier: plainText(64).optional(),
  })
  .refine((p) => [p.spendCode, p.pin, p.cashier].filter((x) => x !== undefined).length === 1, 'give exactly one proof: a spend code, a PIN or the checking cashier');

export const enrolArgs = z.strictObject({
  cards: z.array(cardCodeSchema).min(1, 'a member needs at least one card code').max(10),
  name: plainText(200).optional(),
  phone: z.string().trim().regex(/^\+?[0-9 ()-]{4,24}$/, 'must be a phone number').optional(),
  email: z.email('must be an email address').optional(),
  birthday: birthdaySchema.optional(),
  marketingConsent: z.boolean().default(false),
  /** The member's PIN for spending points, if the program takes one. */
  pin: pinSchema.optional(),
  cashier: plainText(64).optional(),
  /** The card of the member who referred this customer: their referral bonus is booked with the new member, in the same request. */
  referredBy: cardCodeSchema.optional(),
});

/**
 * Sets a member's PIN (the member types it), or clears it (`null`): with their current PIN, or by a
 * named manager who checked who they are (needed for a first PIN).
 */
export const setPinArgs = z.strictObject({
  card: cardCodeSchema,
  pin: pinSchema.nullable(),
  currentPin: pinSchema.optional(),
  manager: plainText(64).optional(),
});

/** Erases a member's personal data (a manager, at the member's request); the reason is kept, so no personal data in it. */
export const eraseMemberArgs = z.strictObject({
  card: cardCodeSchema,
  reason: plainText(200, 3, 'say why (at least 3 characters)'),
  by: plainText(64).optional(),
});

/** Changes to a member's details; a field left out stays as it is, `null` clears an optional one. */
export const updateMemberArgs = z.strictObject({
  card: cardCodeSchema,
  name: plainText(200).nullable().optional(),
  phone: z.string().trim().regex(/^\+?[0-9 ()-]{4,24}$/, 'must be a phone number').nullable().optional(),
  email: z.email('must be an email address').nullable().optional(),
  birthday: birthdaySchema.nullable().optional(),
  marketingConsent: z.boolean().optional(),
  addCards: z.array(cardCodeSchema).max(10).default([]),
});

export const redeemArgs = z.union([z.strictObject({ points: pointsSchema }), z.strictObject({ rewardId: programItemId })]);

export const checkoutArgs = z.strictObject({
  card: cardCodeSchema,
  txnId: txnIdSchema,
  basket: basketSchema,
  redeem: redeemArgs.optional(),
  useBonusDay: programItemId.optional(),
  cashier: plainText(64).optional(),
  proof: spendProofSchema.optional(),
});

export const quoteArgs = checkoutArgs.omit({ txnId: true, cashier: true, proof: true });

export const returnArgs = z.union([
  z.strictObject({ originalTxnId: txnIdSchema, returnId: txnIdSchema, all: z.literal(true), originalTerminal: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'is a terminal id').optional(), originalStore: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'is a store id').optional(), cashier: plainText(64).optional() }),
  z.strictObject({ originalTxnId: txnIdSchema, returnId: txnIdSchema, amount: pointsSchema, originalTerminal: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'is a terminal id').optional(), originalStore: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'is a store id').optional(), cashier: plainText(64).optional() }),
  z.strictObject({
    originalTxnId: txnIdSchema,
    returnId: txnIdSchema,
    lines: z.array(z.strictObject({ sku: plainText(64), quantity: pointsSchema })).min(1),
    originalTerminal: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'is a terminal id').optional(), originalStore: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'is a store id').optional(),
    cashier: plainText(64).optional(),
  }),
]);

export const actionArgs = z.strictObject({
  card: cardCodeSchema,
  actionId: programItemId,
  reference: plainText(128).optional(),
  txnId: txnIdSchema.optional(),
  cashier: plainText(64).optional(),
});

export const donateArgs = z.strictObject({
  card: cardCodeSchema,
  charityId: programItemId,
  points: pointsSchema,
  donationId: txnIdSchema,
  cashier: plainText(64).optional(),
  proof: spendProofSchema.optional(),
});

export const membershipArgs = z.strictObject({
  card: cardCodeSchema,
  planId: programItemId,
  txnId: txnIdSchema,
  fee: pointsSchema.optional(),
  cashier: plainText(64).optional(),
});

export const adjustArgs = z.strictObject({
  card: cardCodeSchema,
  points: z.number().int().refine((n) => n !== 0, 'must not be zero'),
  reason: plainText(500, 3, 'say why (at least 3 characters)'),
  txnId: txnIdSchema,
  cashier: plainText(64).optional(),
});

/** A manager's id at this terminal: what goes on the entries they authorise (`manager:ID`). */
export const managerIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'is a manager id: 1 to 32 letters, digits, dots, dashes or underscores');

export const managerLoginArgs = z.strictObject({ managerId: managerIdSchema, pin: pinSchema });

/** A new manager: the first one needs no session (roles start with them), later ones a manager's. */
export const managerAddArgs = z.strictObject({ managerId: managerIdSchema, name: plainText(100), pin: pinSchema });

/** A manager's new PIN: with their current PIN, or set by another manager in session (which also unlocks a locked one). */
export const managerSetPinArgs = z.strictObject({ managerId: managerIdSchema, pin: pinSchema, currentPin: pinSchema.optional() });

export const managerRemoveArgs = z.strictObject({ managerId: managerIdSchema });

export type EnrolArgs = z.input<typeof enrolArgs>;
export type UpdateMemberArgs = z.input<typeof updateMemberArgs>;
export type SetPinArgs = z.input<typeof setPinArgs>;
export type EraseMemberArgs = z.input<typeof eraseMemberArgs>;
export type SpendProof = z.output<typeof spendProofSchema>;
export type CheckoutArgs = z.input<typeof checkoutArgs>;
export type QuoteArgs = z.input<typeof quoteArgs>;
export type ReturnArgs = z.input<typeof returnArgs>;
export type ActionArgs = z.input<typeof actionArgs>;
export type DonateArgs = z.input<typeof donateArgs>;
export type MembershipArgs = z.input<typeof membershipArgs>;
export type AdjustArgs = z.input<typeof adjustArgs>;

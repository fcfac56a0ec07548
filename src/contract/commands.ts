/**
 * Argument schemas of the terminal's commands: the one definition the CLI uses today and the UI
 * contract and local POS API will use later. Everything that enters is validated here.
 */
import { z } from 'zod';
import { basketSchema } from '../core/basket.js';
import { parseDayKey } from '../core/time.js';

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
  }, 'must be a date as YYYY-MM-DD or MM-DD');

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
    cashier: z.string().trim().min(1).max(64).optional(),
  })
  .refine((p) => [p.spendCode, p.pin, p.cashier].filter((x) => x !== undefined).length === 1, 'give exactly one proof: a spend code, a PIN or the checking cashier');

export const enrolArgs = z.strictObject({
  cards: z.array(cardCodeSchema).min(1, 'a member needs at least one card code').max(10),
  name: z.string().trim().min(1).max(200).optional(),
  phone: z.string().trim().regex(/^\+?[0-9 ()-]{4,24}$/, 'must be a phone number').optional(),
  email: z.email('must be an email address').optional(),
  birthday: birthdaySchema.optional(),
  marketingConsent: z.boolean().default(false),
  /** The member's PIN for spending points, if the program takes one. */
  pin: pinSchema.optional(),
  cashier: z.string().trim().min(1).max(64).optional(),
});

/**
 * Sets a member's PIN (the member types it), or clears it (`null`): with their current PIN, or by a
 * named manager who checked who they are (needed for a first PIN).
 */
export const setPinArgs = z.strictObject({
  card: cardCodeSchema,
  pin: pinSchema.nullable(),
  currentPin: pinSchema.optional(),
  manager: z.string().trim().min(1).max(64).optional(),
});

/** Erases a member's personal data (a manager, at the member's request); the reason is kept, so no personal data in it. */
export const eraseMemberArgs = z.strictObject({
  card: cardCodeSchema,
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(200),
  by: z.string().trim().min(1).max(64).optional(),
});

/** Changes to a member's details; a field left out stays as it is, `null` clears an optional one. */
export const updateMemberArgs = z.strictObject({
  card: cardCodeSchema,
  name: z.string().trim().min(1).max(200).nullable().optional(),
  phone: z.string().trim().regex(/^\+?[0-9 ()-]{4,24}$/, 'must be a phone number').nullable().optional(),
  email: z.email('must be an email address').nullable().optional(),
  birthday: birthdaySchema.nullable().optional(),
  marketingConsent: z.boolean().optional(),
  addCards: z.array(cardCodeSchema).max(10).default([]),
});

export const redeemArgs = z.union([z.strictObject({ points: pointsSchema }), z.strictObject({ rewardId: z.string().min(1) })]);

export const checkoutArgs = z.strictObject({
  card: cardCodeSchema,
  txnId: txnIdSchema,
  basket: basketSchema,
  redeem: redeemArgs.optional(),
  useBonusDay: z.string().min(1).optional(),
  cashier: z.string().trim().min(1).max(64).optional(),
  proof: spendProofSchema.optional(),
});

export const quoteArgs = checkoutArgs.omit({ txnId: true, cashier: true, proof: true });

export const returnArgs = z.union([
  z.strictObject({ originalTxnId: txnIdSchema, returnId: txnIdSchema, all: z.literal(true), originalTerminal: z.string().min(1).optional(), cashier: z.string().min(1).max(64).optional() }),
  z.strictObject({ originalTxnId: txnIdSchema, returnId: txnIdSchema, amount: pointsSchema, originalTerminal: z.string().min(1).optional(), cashier: z.string().min(1).max(64).optional() }),
  z.strictObject({
    originalTxnId: txnIdSchema,
    returnId: txnIdSchema,
    lines: z.array(z.strictObject({ sku: z.string().min(1).max(64), quantity: pointsSchema })).min(1),
    originalTerminal: z.string().min(1).optional(),
    cashier: z.string().min(1).max(64).optional(),
  }),
]);

export const actionArgs = z.strictObject({
  card: cardCodeSchema,
  actionId: z.string().min(1),
  reference: z.string().trim().min(1).max(128).optional(),
  txnId: txnIdSchema.optional(),
  cashier: z.string().min(1).max(64).optional(),
});

export const donateArgs = z.strictObject({
  card: cardCodeSchema,
  charityId: z.string().min(1),
  points: pointsSchema,
  donationId: txnIdSchema,
  cashier: z.string().min(1).max(64).optional(),
  proof: spendProofSchema.optional(),
});

export const membershipArgs = z.strictObject({
  card: cardCodeSchema,
  planId: z.string().min(1),
  txnId: txnIdSchema,
  fee: pointsSchema.optional(),
  cashier: z.string().min(1).max(64).optional(),
});

export const adjustArgs = z.strictObject({
  card: cardCodeSchema,
  points: z.number().int().refine((n) => n !== 0, 'must not be zero'),
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
  txnId: txnIdSchema,
  cashier: z.string().min(1).max(64).optional(),
});

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

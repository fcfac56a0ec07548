/**
 * What a screen needs to know about the terminal before it serves anyone: who it is (store,
 * terminal), the program in force (its names, currency, tiers, the reward catalogue with point
 * costs, how points pay as money, which proofs a spend takes), the store's time zone for dates,
 * the languages the screens speak, and whether it is a demo terminal or enrolled with a server.
 *
 * The `terminal-info` method answers with this; the UI validates the reply with the schema before
 * it trusts a field (a host of another version may send something else).
 */
import { z } from 'zod';

/** A program's text in both languages the screens speak (the program schema requires both). */
export const localizedNameSchema = z.strictObject({ en: z.string().min(1), ko: z.string().min(1) });
export type LocalizedName = z.output<typeof localizedNameSchema>;

export const SCREEN_LANGUAGES = ['en', 'ko'] as const;
export type ScreenLanguage = (typeof SCREEN_LANGUAGES)[number];

const nonNegative = z.number().int().min(0);
const positive = z.number().int().positive();

export const terminalInfoSchema = z.strictObject({
  storeId: z.string().min(1),
  terminalId: z.string().min(1),
  /** The store's IANA time zone: dates on screen and day boundaries. */
  timeZone: z.string().min(1),
  /** A demo terminal trusts keys whose secrets are public: the screens say so. */
  demo: z.boolean(),
  /** Enrolled with a server: `sync-state` pushes follow, and the screens show the sync state. */
  enrolledWithServer: z.boolean(),
  languages: z.array(z.enum(SCREEN_LANGUAGES)).min(1),
  program: z.strictObject({
    id: z.string().min(1),
    version: positive,
    name: localizedNameSchema,
    /** ISO 4217; amounts on the wire are minor units of it. */
    currency: z.string().regex(/^[A-Z]{3}$/),
    tiers: z.array(z.strictObject({ id: z.string().min(1), name: localizedNameSchema, minimumSpend: nonNegative })),
    plans: z.array(z.strictObject({ id: z.string().min(1), name: localizedNameSchema })),
    /** Store-wide and member-chosen bonus days, named in an earn breakdown. */
    bonusDays: z.array(z.strictObject({ id: z.string().min(1), name: localizedNameSchema })),
    rewards: z.array(
      z.strictObject({
        id: z.string().min(1),
        name: localizedNameSchema,
        points: positive,
        kind: z.enum(['amount-off', 'percent-off', 'free-item']),
      }),
    ),
    /** Points as money: `points` pay for `amount` minor units, from `minimumPoints`, in steps of `step`, up to `maxBasketShare` % of a basket. */
    pointsAsMoney: z
      .strictObject({ points: positive, amount: positive, minimumPoints: nonNegative, step: positive, maxBasketShare: z.number().int().min(1).max(100) })
      .nullable(),
    /** What proves the member is at the counter when points are spent. */
    spendProofs: z.array(z.enum(['spend-code', 'pin', 'cashier'])).min(1),
    /** Points a visit may spend with no proof at all. */
    withoutProofUpTo: nonNegative,
    /** Action bonuses the cashier books (a `per-reference` one needs a reference, e.g. the referred member's card). */
    actions: z.array(z.strictObject({ id: z.string().min(1), name: localizedNameSchema, points: positive, limit: z.enum(['once', 'per-year', 'per-month', 'per-reference']) })).default([]),
    /** Charities members may donate points to. */
    charities: z.array(z.strictObject({ id: z.string().min(1), name: localizedNameSchema })).default([]),
    /** Paid membership plans with their fee (minor units of `currency`) and period, for the cashier's sale. */
    planPrices: z.array(z.strictObject({ id: z.string().min(1), fee: positive, period: z.enum(['monthly', 'annual', 'lifetime']) })).default([]),
  }),
});
export type TerminalInfo = z.output<typeof terminalInfoSchema>;

/**
 * A loyalty program is data: this schema is the single definition of what a program may say.
 * Amounts are minor units of the program currency; rates are "points per amount" integer pairs so
 * no float ever touches points; multipliers allow two decimals (1.25×) and are used as hundredths.
 */
import { z } from 'zod';
import { cardCodesSchema, DEFAULT_CARD_CODES, DEFAULT_MEMBER_QR } from '../card-code/rules.js';
import { compileTemplate, TemplateError } from '../receipt/template.js';
import { isCurrencyCode } from '../money.js';
import { isTimeZone, parseDayKey } from '../time.js';

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (e.g. "gold-3x-day")');
const minor = z.number().int('must be a whole number of minor units').nonnegative('must not be negative');
const positive = z.number().int('must be a whole number').positive('must be greater than zero');

/** Offline spending at an enrolled terminal, unless the program says otherwise (see `spending.offline`). */
export const DEFAULT_OFFLINE = {
  budgetPoints: 20_000,
  budgetHours: 24,
  perTransaction: 5_000,
  perMember: 5_000,
  snapshotMaxAgeHours: 72,
  holdSeconds: 120,
} as const;
const localized = z.strictObject({ en: z.string().min(1), ko: z.string().min(1) });
const dayKey = z.string().refine((s) => parseDayKey(s) !== undefined, 'must be a date as YYYY-MM-DD');

/** 1.25 → allowed; 1.255 → refused (multipliers are applied in hundredths). */
const multiplier = z
  .number()
  .min(1, 'must be at least 1')
  .max(100, 'must be at most 100')
  .refine((m) => Math.abs(m * 100 - Math.round(m * 100)) < 1e-9, 'must have at most two decimals');

const rate = z.strictObject({ points: positive, per: positive });

const earn = z.strictObject({
  /** `points` are earned per `per` minor units of eligible spend: 1 per 1000 KRW, or 1 per 100 (cents) for $1. */
  rate,
  rounding: z.enum(['floor', 'half-up', 'ceil']).default('floor'),
  minimumSpend: minor.default(0),
  tax: z.enum(['exclude', 'include']).default('exclude'),
  excludedCategories: z.array(z.string().min(1)).default([]),
  excludedSkus: z.array(z.string().min(1)).default([]),
  multipliers: z
    .array(
      z
        .strictObject({ sku: z.string().min(1).optional(), category: z.string().min(1).optional(), multiplier })
        .refine((m) => (m.sku === undefined) !== (m.category === undefined), 'give exactly one of sku or category'),
    )
    .default([]),
  /** Whether the part of a basket paid with points or member discounts still earns points. */
  earnOnDiscountedSpend: z.boolean().default(false),
  /** How tier, membership and bonus-day multipliers combine: additive (1 + 0.5 + 2) or multiplicative (1 × 1.5 × 3). */
  stacking: z.enum(['additive', 'multiplicative']).default('additive'),
  spendThresholds: z.array(z.strictObject({ minimumSpend: positive, points: positive })).default([]),
});

const tierLevel = z.strictObject({ id, name: localized, minimumSpend: minor, multiplier });

const tiers = z.strictObject({
  qualification: z.discriminatedUnion('period', [
    z.strictObject({ period: z.literal('calendar-year') }),
    z.strictObject({ period: z.literal('rolling-months'), months: z.number().int().min(1).max(36) }),
  ]),
  /** next-period: a tier reached is kept until the end of the following period. */
  retention: z.enum(['next-period', 'current-period']).default('next-period'),
  downgrade: z.enum(['to-qualified', 'one-level']).default('to-qualified'),
  levels: z.array(tierLevel).min(1),
});

const tierList = z.array(id).optional();

const bonusDay = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('store-wide'),
    id,
    name: localized,
    multiplier,
    dates: z.array(dayKey).default([]),
    /** ISO weekdays, Monday 1 … Sunday 7. */
    weekdays: z.array(z.number().int().min(1).max(7)).default([]),
    tiers: tierList,
    minimumSpend: minor.default(0),
  }),
  z.strictObject({
    type: z.literal('member-choice'),
    id,
    name: localized,
    multiplier,
    perYear: z.number().int().min(1).max(12).default(1),
    tiers: tierList,
    minimumSpend: minor.default(0),
  }),
]);

const bonuses = z.strictObject({
  welcome: z.strictObject({ points: positive }).optional(),
  birthday: z.strictObject({ points: positive, window: z.enum(['month', 'day']), tiers: tierList }).optional(),
  actions: z
    .array(
      z.strictObject({
        id,
        name: localized,
        points: positive,
        /** once per member, once per calendar year/month, or once per reference (one referral per new member). */
        limit: z.enum(['once', 'per-year', 'per-month', 'per-reference']),
      }),
    )
    .default([]),
  days: z.array(bonusDay).default([]),
});

const reward = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('amount-off'), amount: positive }),
  z.strictObject({ type: z.literal('percent-off'), percent: z.number().int().min(1).max(100) }),
  z.strictObject({
    type: z.literal('free-item'),
    sku: z.string().min(1).optional(),
    category: z.string().min(1).optional(),
    maxValue: positive.optional(),
  }),
]);

const redemption = z.strictObject({
  /** Points as currency: `points` points pay for `amount` minor units. */
  pointValue: z.strictObject({ points: positive, amount: positive }).optional(),
  minimumPoints: z.number().int().nonnegative().default(0),
  step: positive.default(1),
  /** The largest share of the basket (after member discounts) that points may pay, in percent. */
  maxBasketShare: z.number().int().min(1).max(100).default(100),
  catalogue: z.array(z.strictObject({ id, name: localized, points: positive, reward })).default([]),
});

const membership = z.strictObject({
  id,
  name: localized,
  /** The POS line that sells this plan; a basket containing it sells or renews the membership. */
  sku: z.string().min(1).optional(),
  /** The fee is a money transfer that carries the membership period, so it must be positive. */
  fee: positive,
  period: z.enum(['monthly', 'annual', 'lifetime']),
  perks: z
    .strictObject({
      earnMultiplier: multiplier.optional(),
      percentOff: z.number().int().min(1).max(100).optional(),
      monthlyCredit: positive.optional(),
    })
    .default({}),
});

const expiry = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('never') }),
  z.strictObject({ type: z.literal('after-months'), months: z.number().int().min(1).max(120), endOfMonth: z.boolean().default(false) }),
  z.strictObject({
    type: z.literal('fixed-date'),
    month: z.number().int().min(1).max(12),
    day: z.number().int().min(1).max(31),
    yearsAfter: z.number().int().min(0).max(10),
  }),
]);

const annualReward = z
  .strictObject({
    id,
    name: localized,
    /** Granted for a calendar year when the tier held at its end is at least this one. */
    tier: id.optional(),
    points: positive.optional(),
    /** A yearly rebate: this percent of the year's qualifying spend, turned into points at the earn rate. */
    rebatePercent: z.number().int().min(1).max(100).optional(),
    /** Only members holding one of these plans at the end of the year. */
    memberships: z.array(id).optional(),
  })
  .refine((r) => (r.points === undefined) !== (r.rebatePercent === undefined), 'give exactly one of points or rebatePercent');

export const programSchema = z
  .strictObject({
    format: z.literal(1),
    id,
    version: positive,
    name: localized,
    currency: z.string().refine(isCurrencyCode, 'must be an ISO 4217 currency code such as "KRW" or "USD"'),
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as "Asia/Seoul"').optional(),
    earn,
    tiers: tiers.optional(),
    bonuses: bonuses.default({ actions: [], days: [] }),
    redemption: redemption.default({ minimumPoints: 0, step: 1, maxBasketShare: 100, catalogue: [] }),
    memberships: z.array(membership).default([]),
    charities: z.array(z.strictObject({ id, name: localized })).default([]),
    donation: z.strictObject({ minimumPoints: positive.default(1), step: positive.default(1) }).default({ minimumPoints: 1, step: 1 }),
    expiry: expiry.default({ type: 'never' }),
    expiringSoonDays: z.number().int().min(1).max(365).default(30),
    annualRewards: z.array(annualReward).default([]),
    /** The loyalty slip: store name and footer per language, and optional ReceiptLine templates (see src/core/receipt). */
    receipt: z
      .strictObject({
        storeName: localized.optional(),
        footer: localized.optional(),
        templates: z.strictObject({ en: z.string().min(1).optional(), ko: z.string().min(1).optional() }).optional(),
        /** How long the member QR printed on a slip stays valid. */
        memberQrDays: z.number().int().min(1).max(3650).default(90),
      })
      .default({ memberQrDays: 90 }),
    /** What a scanned or typed code is: member card rules in order, and the keys that sign member QR codes. */
    cardCodes: cardCodesSchema.default(DEFAULT_CARD_CODES),
    /** Bounds on member QR codes: how long an everyday code and a spend code may be valid for. */
    memberQr: z
      .strictObject({
        /** The longest an identify code (a slip's, a card's, the app's) may be valid for; longer ones are refused. */
        maxValidDays: z.number().int().min(1).max(400).default(DEFAULT_MEMBER_QR.maxValidDays),
        /** The longest a spend code (single use, from the member's app) may be valid for. */
        spendCodeMinutes: z.number().int().min(1).max(60).default(DEFAULT_MEMBER_QR.spendCodeMinutes),
      })
      .default({ ...DEFAULT_MEMBER_QR }),
    /**
     * What proves the member is at the counter when their points are spent (redeemed, donated):
     * a single-use spend code from their app, their PIN, or a cashier who checked them (named on
     * the transaction). Scanning a card or a slip's QR only identifies.
     */
    spending: z
      .strictObject({
        proofs: z.array(z.enum(['spend-code', 'pin', 'cashier'])).min(1).default(['spend-code', 'pin']),
        /** Points a visit may spend with no proof at all (0: every spend needs one). */
        withoutProofUpTo: z.number().int().nonnegative().default(0),
        /** The most points one visit (one transaction) may spend. */
        perVisit: positive.optional(),
        /** The most points a member may spend in one local day at this terminal. */
        perDay: positive.optional(),
        /**
         * Spending at a terminal enrolled with a server. Online, every spend first takes a hold on
         * the server (`holdSeconds`), so two counters cannot spend the same points. Offline, a spend
         * goes ahead only within what the server granted the terminal in advance: `budgetPoints`
         * per `budgetHours` for the whole terminal (a store can set its own on the server), at most
         * `perTransaction` in one spend and `perMember` per member in one budget period, and only
         * while what the terminal knows of the member is at most `snapshotMaxAgeHours` old. The
         * worst case a chain can lose in a period is the sum of the budgets granted in it.
         */
        offline: z
          .strictObject({
            budgetPoints: z.number().int().nonnegative().default(DEFAULT_OFFLINE.budgetPoints),
            budgetHours: z.number().int().min(1).max(168).default(DEFAULT_OFFLINE.budgetHours),
            perTransaction: positive.default(DEFAULT_OFFLINE.perTransaction),
            perMember: positive.default(DEFAULT_OFFLINE.perMember),
            snapshotMaxAgeHours: z.number().int().min(1).max(720).default(DEFAULT_OFFLINE.snapshotMaxAgeHours),
            holdSeconds: z.number().int().min(10).max(3600).default(DEFAULT_OFFLINE.holdSeconds),
          })
          .default({ ...DEFAULT_OFFLINE }),
      })
      .default({ proofs: ['spend-code', 'pin'], withoutProofUpTo: 0, offline: { ...DEFAULT_OFFLINE } }),
    /** A denylist distributed with the program: lost or stolen cards, leaked QR codes, retired terminal keys. */
    revoked: z
      .strictObject({
        cards: z.array(z.string().min(1).max(64)).default([]),
        tokens: z.array(z.string().regex(/^[A-Za-z0-9_-]{11}$/, 'must be a member QR token id (11 base64url characters)')).default([]),
        terminalKeys: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/)).default([]),
      })
      .default({ cards: [], tokens: [], terminalKeys: [] }),
    /**
     * The keys that may sign this program's next versions (rotation): a terminal checks every
     * program it installs against the keys it trusts, and takes these as its new trusted keys.
     */
    programKeys: z.array(z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a 32-byte Ed25519 public key in base64url') })).default([]),
    returns: z
      .strictObject({
        /** Points a return should take back but the member already spent: written off, or their value taken off the refund. */
        uncollected: z.enum(['write-off', 'deduct-from-refund']).default('deduct-from-refund'),
      })
      .default({ uncollected: 'deduct-from-refund' }),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string): void => {
      ctx.addIssue({ code: 'custom', path, message });
    };
    const unique = (ids: readonly string[], path: string[]): void => {
      const seen = new Set<string>();
      ids.forEach((value, i) => {
        if (seen.has(value)) issue([...path, i, 'id'], `duplicate id "${value}"`);
        seen.add(value);
      });
    };
    const tierIds = new Set(p.tiers?.levels.map((l) => l.id) ?? []);
    const checkTiers = (list: readonly string[] | undefined, path: (string | number)[]): void => {
      list?.forEach((t, i) => {
        if (!tierIds.has(t)) issue([...path, i], `unknown tier "${t}"`);
      });
    };
    if (p.tiers) {
      unique(p.tiers.levels.map((l) => l.id), ['tiers', 'levels']);
      p.tiers.levels.forEach((level, i) => {
        if (i === 0 && level.minimumSpend !== 0) issue(['tiers', 'levels', 0, 'minimumSpend'], 'the first tier must start at 0');
        const previous = p.tiers?.levels[i - 1];
        if (previous && level.minimumSpend <= previous.minimumSpend) {
          issue(['tiers', 'levels', i, 'minimumSpend'], 'tiers must be listed from lowest to highest minimumSpend');
        }
      });
      if (p.tiers.qualification.period === 'rolling-months' && p.tiers.downgrade === 'one-level') {
        issue(['tiers', 'downgrade'], 'one-level downgrade needs calendar-year qualification (a rolling window has no period end)');
      }
    }
    unique(p.bonuses.actions.map((a) => a.id), ['bonuses', 'actions']);
    unique(p.bonuses.days.map((d) => d.id), ['bonuses', 'days']);
    checkTiers(p.bonuses.birthday?.tiers, ['bonuses', 'birthday', 'tiers']);
    p.bonuses.days.forEach((d, i) => {
      checkTiers(d.tiers, ['bonuses', 'days', i, 'tiers']);
      if (d.type === 'store-wide' && d.dates.length === 0 && d.weekdays.length === 0) {
        issue(['bonuses', 'days', i], 'a store-wide bonus day needs dates or weekdays');
      }
    });
    unique(p.redemption.catalogue.map((r) => r.id), ['redemption', 'catalogue']);
    const value = p.redemption.pointValue;
    if (value && (p.redemption.step * value.amount) % value.points !== 0) {
      issue(['redemption', 'step'], `a step of ${p.redemption.step} points must be worth a whole number of minor units at ${value.points} points = ${value.amount}`);
    }
    if (p.redemption.minimumPoints % p.redemption.step !== 0) {
      issue(['redemption', 'minimumPoints'], 'must be a multiple of step');
    }
    p.redemption.catalogue.forEach((r, i) => {
      if (r.reward.type === 'free-item' && r.reward.sku === undefined && r.reward.category === undefined) {
        issue(['redemption', 'catalogue', i, 'reward'], 'a free-item reward needs a sku or a category');
      }
    });
    unique(p.memberships.map((m) => m.id), ['memberships']);
    const skus = new Set<string>();
    p.memberships.forEach((m, i) => {
      if (m.sku !== undefined) {
        if (skus.has(m.sku)) issue(['memberships', i, 'sku'], `sku "${m.sku}" sells two plans`);
        skus.add(m.sku);
      }
    });
    unique(p.charities.map((c) => c.id), ['charities']);
    if (p.donation.minimumPoints % p.donation.step !== 0) issue(['donation', 'minimumPoints'], 'must be a multiple of step');
    unique(p.annualRewards.map((r) => r.id), ['annualRewards']);
    const planIds = new Set(p.memberships.map((m) => m.id));
    p.annualRewards.forEach((r, i) => {
      if (r.tier !== undefined && !tierIds.has(r.tier)) issue(['annualRewards', i, 'tier'], `unknown tier "${r.tier}"`);
      r.memberships?.forEach((m, j) => {
        if (!planIds.has(m)) issue(['annualRewards', i, 'memberships', j], `unknown membership "${m}"`);
      });
    });
    for (const lang of ['en', 'ko'] as const) {
      const template = p.receipt.templates?.[lang];
      if (template === undefined) continue;
      try {
        compileTemplate(template);
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        issue(['receipt', 'templates', lang], error.message);
      }
    }
    unique(p.cardCodes.rules.map((r) => r.id), ['cardCodes', 'rules']);
    unique(p.cardCodes.verifyKeys.map((k) => k.id), ['cardCodes', 'verifyKeys']);
    if (p.cardCodes.rules.filter((r) => r.type === 'member-qr').length > 1) issue(['cardCodes', 'rules'], 'only one member-qr rule');
    if (p.receipt.memberQrDays > p.memberQr.maxValidDays) {
      issue(['receipt', 'memberQrDays'], `a slip's member QR may be valid for at most memberQr.maxValidDays (${p.memberQr.maxValidDays})`);
    }
    if (new Set(p.spending.proofs).size !== p.spending.proofs.length) issue(['spending', 'proofs'], 'each proof once');
    if (p.spending.perVisit !== undefined && p.spending.perDay !== undefined && p.spending.perVisit > p.spending.perDay) {
      issue(['spending', 'perVisit'], 'cannot be more than perDay');
    }
    unique(p.programKeys.map((k) => k.id), ['programKeys']);
    if (p.expiry.type === 'fixed-date' && p.expiry.day > [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][p.expiry.month - 1]!) {
      issue(['expiry', 'day'], 'no such day in that month');
    }
  });

export type Program = z.output<typeof programSchema>;
export type ProgramInput = z.input<typeof programSchema>;
export type TierLevel = Program['tiers'] extends infer T ? (T extends { levels: (infer L)[] } ? L : never) : never;
export type BonusDay = Program['bonuses']['days'][number];
export type CatalogueReward = Program['redemption']['catalogue'][number];
export type MembershipPlan = Program['memberships'][number];
export type AnnualReward = Program['annualRewards'][number];
export type ActionBonus = Program['bonuses']['actions'][number];

/**
 * Spending at an enrolled terminal (program `spending.offline`): online, a hold on the server for
 * each spend, posted when the spend arrives with a push, voided when the counter gives up, or left
 * to expire on the server's clock; offline, a budget granted in advance. The terminal records on the
 * transaction what allowed the spend (`authority`), so the server can post the hold or count the
 * spend against the budget.
 */
import { z } from 'zod';
import { memberStateSchema } from './pull.js';

const id = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'is an id (8-64 letters, digits, dashes or underscores)');
const memberId = z.string().min(1).max(128);
const points = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const instant = z.number().int().nonnegative();

export const holdRequestSchema = z.strictObject({ memberId, holdId: id, points });
/**
 * A granted hold, with the member's whole state as the server holds it: the counter applies it
 * before booking, so its spend draws from the lots that are really open (not from a stale view in
 * which another counter's spend is missing).
 */
/**
 * `lots`: the lots and points of each the server reserved for this hold; the spend draws exactly
 * these, so two counters holding at once never draw the same points of one lot.
 */
export const holdLotSchema = z.strictObject({ lotId: z.string().min(1).max(128), points });
export const holdResponseSchema = z.strictObject({ holdId: id, points, expiresAt: instant, serverTime: instant, state: memberStateSchema, lots: z.array(holdLotSchema).min(1).max(10_000) });
/** 409: the member has fewer points than asked, counting what other counters hold. */
export const holdRefusedSchema = z.strictObject({
  error: z.strictObject({ code: z.literal('insufficient'), message: z.string() }),
  available: z.number().int(),
});

export const voidHoldRequestSchema = z.strictObject({ memberId, holdId: id });
export const voidHoldResponseSchema = z.strictObject({ state: z.enum(['voided', 'posted', 'expired', 'unknown']) });

export const offlineGrantSchema = z.strictObject({
  id,
  points: z.number().int().nonnegative(),
  perTransaction: points,
  perMember: points,
  snapshotMaxAgeMs: points,
  grantedAt: instant,
  expiresAt: instant,
});
export const offlineBudgetResponseSchema = z.strictObject({ grant: offlineGrantSchema, serverTime: instant });

/**
 * What a transaction's stored request says allowed its spend (src/terminal/loyalty-service.ts).
 * `fallbackGrantId` (a hold): the counter's offline budget this spend is counted against if its push
 * reaches the server only after the hold expired. The counter booked it only within that budget's
 * room, so what a late push can overdraw is bounded by the budget (absent: a terminal from before
 * this rule; such a spend is counted in no budget).
 */
export const spendingAuthoritySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('hold'), holdId: id, points, fallbackGrantId: id.optional() }),
  z.strictObject({ kind: z.literal('offline'), grantId: id, points }),
]);

export type HoldRequest = z.output<typeof holdRequestSchema>;
export type HoldResponse = z.output<typeof holdResponseSchema>;
export type OfflineGrantBody = z.output<typeof offlineGrantSchema>;
export type OfflineBudgetResponse = z.output<typeof offlineBudgetResponseSchema>;
export type VoidHoldResponse = z.output<typeof voidHoldResponseSchema>;
export type SpendingAuthorityBody = z.output<typeof spendingAuthoritySchema>;

/**
 * What the customer display shows, as the cashier screen tells the host (`customer-view-show`) and
 * the host pushes it to the counter's screens (`customer-view`). It faces the other side of the
 * counter, where anyone in the queue can read it: so the view model is the minimum, and the host
 * refuses anything more. No member id, card, phone or e-mail has a field here (strict objects), and
 * a name must be partly masked as the cashier screen shows it (src/core/receipt/slip.ts maskName):
 * a page that sends a full name is refused, whatever page it is.
 */
import { z } from 'zod';

/** Every word of two or more characters has at least one `*`: "K** M****", "김*지". */
export function isMaskedName(text: string): boolean {
  const words = text.trim().split(/\s+/);
  return words.every((word) => [...word].length <= 1 || word.includes('*'));
}

const maskedNameSchema = z
  .string()
  .min(1)
  .max(80)
  .refine(isMaskedName, 'must be partly masked (every word of two or more letters has a *), never a full name');

const pointsSchema = z.number().int().min(-1_000_000_000).max(1_000_000_000);
const countSchema = z.number().int().min(0).max(1_000_000_000);
/** Minor units of the program's currency. */
const moneySchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The tier and the way to the next, as far as the display draws it (the tiers' names come from terminal-info). */
const tierViewSchema = z.strictObject({
  tier: z.string().min(1).max(64),
  nextTier: z.string().min(1).max(64).nullable(),
  spendToNext: moneySchema.nullable(),
  qualifyingSpend: moneySchema,
});

const memberViewSchema = z.strictObject({
  /** Partly masked; null when the member gave no name. */
  name: maskedNameSchema.nullable(),
  balance: pointsSchema,
  tier: tierViewSchema.nullable(),
});

export const customerViewSchema = z.discriminatedUnion('state', [
  /** Between customers. */
  z.strictObject({ state: z.literal('idle') }),
  /** A member was scanned: who (masked), balance, tier. */
  z.strictObject({ state: z.literal('member'), member: memberViewSchema }),
  /** The basket's preview: what it earns, what it spends, the amount due and the balance after. */
  z.strictObject({ state: z.literal('preview'), member: memberViewSchema, amountDue: moneySchema, earn: countSchema, redeem: countSchema, balanceAfter: pointsSchema }),
  /** Booked: thank-you, with what was earned and spent; `member.balance` is the new balance. */
  z.strictObject({ state: z.literal('thanks'), member: memberViewSchema, earned: countSchema, redeemed: countSchema }),
]);
export type CustomerView = z.output<typeof customerViewSchema>;
export type CustomerMemberView = z.output<typeof memberViewSchema>;

export const IDLE_VIEW: CustomerView = { state: 'idle' };

export const customerViewShowArgs = z.strictObject({ view: customerViewSchema });

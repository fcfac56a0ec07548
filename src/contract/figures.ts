/**
 * The manager dashboard's figures for this terminal: the end-of-day figures (src/contract/day-report.ts)
 * for each local day of a range, and the points outstanding now. Computed by the terminal host.
 */
import { z } from 'zod';
import type { DayFigures } from './day-report.js';
import { parseDayKey } from '../core/time.js';

export const terminalFiguresArgs = z.strictObject({
  /** How many local days, ending with `through` (today by default). */
  days: z.number().int('must be a whole number').min(1, 'is at least 1').max(92, 'is at most 92').default(30),
  through: z.string().refine((s) => parseDayKey(s) !== undefined, 'must be a day as YYYY-MM-DD').optional(),
});

export interface TerminalFigures {
  readonly storeId: string;
  readonly terminalId: string;
  readonly timeZone: string;
  readonly currency: string;
  /** Oldest first, one entry per local day of the range, days with nothing included (all zero). */
  readonly days: readonly { readonly day: string; readonly figures: DayFigures }[];
  /** Over the range: points redeemed per point issued (null when none were issued). */
  readonly redemptionRate: number | null;
  /** Points held by the members this terminal knows, now; and their worth as money where the program gives points a value. */
  readonly liability: { readonly points: number; readonly members: number; readonly amount: number | null };
}

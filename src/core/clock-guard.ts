/**
 * Whose clock counts. A booking's time decides expiry, bonus days, birthdays and what a slip's QR
 * code is valid for, so a clock that is wrong must stop the counter rather than book into the
 * wrong year: a terminal whose clock fell back to 1970, or a test clock (`--now`) pushed years ahead,
 * would otherwise book checkouts there or expire every point in one run.
 *
 * - Before this version of Tally existed: certainly wrong.
 * - Earlier than the terminal's last booking, beyond a small slack for a clock being corrected.
 * - An overridden clock (tests and demos only) more than a day ahead of the real one.
 *
 * A real clock that jumps forward cannot be told from time passing until the server's time is
 * known (sync); until then the checks above bound what it can do.
 */
import { isoInstant, type Instant } from './time.js';

/** No ledger booked by this build can be older than this. */
export const EARLIEST_PLAUSIBLE_TIME = Date.parse('2025-01-01T00:00:00Z');
/** How far behind its last booking a terminal's clock may be (an NTP correction, a second terminal process). */
export const BEHIND_SLACK_MS = 5 * 60_000;
/** How far ahead of the real clock a test clock may run. */
export const OVERRIDE_AHEAD_MS = 86_400_000;

export type ClockProblem =
  | { readonly kind: 'before-release'; readonly message: string }
  | { readonly kind: 'behind-last-booking'; readonly message: string }
  | { readonly kind: 'ahead-of-real-clock'; readonly message: string };

export interface ClockFacts {
  /** The time the booking would carry. */
  readonly now: Instant;
  /** The real time (never overridable). */
  readonly wallNow: Instant;
  readonly overridden: boolean;
  /** The terminal's latest booking, or null for a new terminal. */
  readonly lastBookedAt: Instant | null;
}

const show = (t: Instant): string => (Number.isFinite(t) && Math.abs(t) < 8.64e15 ? isoInstant(t).replace('.000Z', 'Z') : String(t));

export function clockProblem(facts: ClockFacts): ClockProblem | null {
  const which = facts.overridden ? 'The overridden clock (--now)' : "This terminal's clock";
  if (facts.now < EARLIEST_PLAUSIBLE_TIME) {
    return { kind: 'before-release', message: `${which} says ${show(facts.now)}, before this version of Tally existed: set the clock right; nothing was written` };
  }
  if (facts.lastBookedAt !== null && facts.now < facts.lastBookedAt - BEHIND_SLACK_MS) {
    return {
      kind: 'behind-last-booking',
      message: `${which} says ${show(facts.now)}, earlier than this terminal's last booking (${show(facts.lastBookedAt)}): set the clock right; nothing was written`,
    };
  }
  if (facts.overridden && facts.now > facts.wallNow + OVERRIDE_AHEAD_MS) {
    return { kind: 'ahead-of-real-clock', message: `${which} says ${show(facts.now)}, more than a day ahead of the real clock (${show(facts.wallNow)}): refused; nothing was written` };
  }
  return null;
}

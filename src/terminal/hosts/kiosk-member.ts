/**
 * The kiosk's look-up (`kiosk-member`): what a member may read of themselves at a self-service
 * screen, built from the same read-only service calls as the counter's (member summary, history),
 * cut down to what src/contract/kiosk.ts promises: the name masked, no phone, e-mail, birthday,
 * cards or member id. Reads only: the summary shows due entries (expiry…) as if booked, writing nothing.
 */
import { TallyError } from '../../core/errors.js';
import { KIOSK_HISTORY_LIMIT, kioskEntryKind, type KioskEntry, type KioskMember } from '../../contract/kiosk.js';
import { maskName } from '../../core/receipt/slip.js';
import type { LoyaltyService } from '../loyalty-service.js';

/** Money entries (qualifying spend) share the history with point entries: read a few more to fill the list with points. */
const HISTORY_READ = KIOSK_HISTORY_LIMIT * 4;

export function kioskMember(service: LoyaltyService, card: string): KioskMember {
  const member = service.member(card);
  const history: KioskEntry[] = service
    .history(card, HISTORY_READ)
    .entries.filter((entry) => entry.unit === 'points' && entry.points !== 0)
    .slice(0, KIOSK_HISTORY_LIMIT)
    .map((entry) => ({ at: entry.bookedAt, kind: kioskEntryKind(entry.kind), points: entry.points }));
  return {
    name: member.name === null || member.erasedAt !== null ? null : maskName(member.name),
    balance: member.balance,
    tier: member.tier,
    expiringSoon: member.expiringSoon,
    history,
  };
}

/** Refusals that say "no member has this card": what a person trying card numbers at a kiosk collects. */
const MISSES: ReadonlySet<string> = new Set(['unknown-card', 'invalid-card', 'member-erased']);

/**
 * A kiosk is a public screen: anyone may type or scan card numbers at it. A customer misreads a
 * card now and then; a run of cards that are nobody's is someone trying numbers to find members'
 * balances. After `maxMisses` such look-ups within `windowMs`, every kiosk look-up is refused
 * (`busy`, retryable) until the oldest of them leaves the window. Counted for the host, not per
 * connection: reconnecting does not start afresh.
 */
export class KioskThrottle {
  private readonly misses: number[] = [];

  constructor(
    private readonly clock: () => number,
    private readonly maxMisses = 5,
    private readonly windowMs = 60_000,
  ) {}

  /** Runs a kiosk look-up unless the kiosk is paused; counts it when it named nobody's card. */
  run<T>(lookUp: () => T): T {
    const now = this.clock();
    while (this.misses.length > 0 && this.misses[0]! <= now - this.windowMs) this.misses.shift();
    if (this.misses.length >= this.maxMisses) {
      const waitMs = this.misses[0]! + this.windowMs - now;
      throw new TallyError('busy', `Too many cards that are not members' cards were tried at this kiosk: it looks cards up again in ${Math.ceil(waitMs / 1000)} s`, { retryable: true, retryAfterMs: waitMs });
    }
    try {
      return lookUp();
    } catch (error) {
      if (error instanceof TallyError && MISSES.has(error.code)) this.misses.push(now);
      throw error;
    }
  }
}

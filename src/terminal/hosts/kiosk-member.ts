/**
 * The kiosk's look-up (`kiosk-member`): what a member may read of themselves at a self-service
 * screen, built from the same read-only service calls as the counter's (member summary, history),
 * cut down to what src/contract/kiosk.ts promises: the name masked, no phone, e-mail, birthday,
 * cards or member id. Reads only: the summary shows due entries (expiry…) as if booked, writing nothing.
 */
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

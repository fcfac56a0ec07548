/**
 * The kiosk: a screen on the customers' side of the store where a member scans their own card and
 * reads their balance, tier, recent history and points expiring. Whoever stands at it is not the
 * cashier, so it gets its own kind of connection (src/contract/roles.ts) and one read-only method,
 * `kiosk-member`, answering only what the member may read of themselves: the name partly masked,
 * no phone, e-mail, birthday, card list or member id.
 */
import { z } from 'zod';
import type { TierProgress } from '../core/rules/checkout.js';
import type { ExpiringAmount } from '../core/rules/lots.js';
import { cardCodeSchema } from './commands.js';

export const kioskMemberArgs = z.strictObject({ card: cardCodeSchema });

/** How many of the latest entries the kiosk lists. */
export const KIOSK_HISTORY_LIMIT = 10;

/** What a history entry was, in the kiosk's words (the ledger's kinds are finer than a customer needs). */
export const KIOSK_ENTRY_KINDS = ['earned', 'spent', 'returned', 'expired', 'adjusted', 'other'] as const;
export type KioskEntryKind = (typeof KIOSK_ENTRY_KINDS)[number];

const KIND_OF: Readonly<Record<string, KioskEntryKind>> = {
  earn: 'earned',
  'bonus-day': 'earned',
  welcome: 'earned',
  birthday: 'earned',
  action: 'earned',
  'annual-reward': 'earned',
  'membership-credit': 'earned',
  redeem: 'spent',
  donation: 'spent',
  'return-earn': 'returned',
  'return-uncollected': 'returned',
  'return-redeem': 'returned',
  expiry: 'expired',
  'adjustment-credit': 'adjusted',
  'adjustment-debit': 'adjusted',
};

export function kioskEntryKind(ledgerKind: string): KioskEntryKind {
  return Object.hasOwn(KIND_OF, ledgerKind) ? (KIND_OF[ledgerKind] as KioskEntryKind) : 'other';
}

export interface KioskEntry {
  /** When it was booked (UTC ms). */
  readonly at: number;
  readonly kind: KioskEntryKind;
  /** Signed from the member's point of view: + credited, − debited. */
  readonly points: number;
}

export interface KioskMember {
  /** Partly masked (maskName); null when the member gave no name. */
  readonly name: string | null;
  readonly balance: number;
  readonly tier: TierProgress | null;
  readonly expiringSoon: readonly ExpiringAmount[];
  /** The latest point entries, newest first (at most KIOSK_HISTORY_LIMIT). */
  readonly history: readonly KioskEntry[];
}

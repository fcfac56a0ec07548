/**
 * What the counter shows of a member: every command's answer and the slip carry it, and the
 * screens will read it through the contract. Its own module so that the slip builder and the
 * printing queue depend on it without depending on the service that fills it in.
 */
import type { TierProgress } from '../core/rules/checkout.js';
import type { ExpiringAmount } from '../core/rules/lots.js';
import type { Instant } from '../core/time.js';

export interface MemberSummary {
  readonly memberId: string;
  readonly name: string | null;
  readonly cards: readonly string[];
  readonly balance: number;
  readonly tier: TierProgress | null;
  readonly membership: { readonly planId: string; readonly endsAt: Instant | null } | null;
  readonly expiringSoon: readonly ExpiringAmount[];
  readonly enrolledAt: Instant;
  readonly birthday: string | null;
  readonly phone: string | null;
  readonly email: string | null;
  readonly marketingConsent: boolean;
  readonly hasPin: boolean;
  readonly erasedAt: Instant | null;
  readonly version: number;
}

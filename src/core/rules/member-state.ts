/**
 * What the rules need to know about a member, loaded by the ledger (terminal or server) and never
 * mutated by the rules: they plan transfers on a private copy (see `Plan`).
 */
import type { Program } from '../program/schema.js';
import type { Instant } from '../time.js';

export interface OpenLot {
  readonly id: string;
  readonly remaining: number;
  readonly expiresAt: Instant | null;
  readonly earnedAt: Instant;
  readonly sourceTransferId: string;
}

/** Qualifying spend as it counts for tiers: positive for sales, negative for returns (at the sale's time). */
export interface SpendEntry {
  readonly effectiveAt: Instant;
  readonly amount: number;
}

export interface MembershipPeriod {
  readonly planId: string;
  readonly startsAt: Instant;
  /** null for a lifetime plan; a refunded plan ends when it was refunded. */
  readonly endsAt: Instant | null;
  /** The membership-sale transfer that bought the period (a refund names it). */
  readonly saleTransferId?: string;
}

export interface MemberState {
  readonly id: string;
  readonly enrolledAt: Instant;
  readonly birthday: { readonly month: number; readonly day: number } | null;
  readonly balance: number;
  readonly lots: readonly OpenLot[];
  /**
   * Points that expiry took from the lots each credit opened, by that credit's transfer id (closed
   * lots included; credits with nothing expired are absent). A return must not take back again what
   * the sale earned and the expiry already removed.
   */
  readonly expiredFrom: ReadonlyMap<string, number>;
  readonly spend: readonly SpendEntry[];
  readonly memberships: readonly MembershipPeriod[];
  /** Time-driven entries already booked for this member, as `kind|period`. */
  readonly booked: ReadonlySet<string>;
}

export interface RuleContext {
  readonly program: Program;
  readonly now: Instant;
  /** The store's IANA zone: only for local days (bonus days, birthdays, expiry dates, periods). */
  readonly timeZone: string;
  readonly storeId: string;
  /** Makes the id of a transfer booked for the first time (UUIDv7 on a terminal); injected so rules stay pure. */
  readonly newId: () => string;
  /**
   * The lots a spend (a redemption, a donation) or a return's take-back may draw, and at most how
   * many points of each: what the server reserved for the hold behind it. Another counter's hold
   * reserved other points, so the two never draw one lot twice. An empty map: nothing may be drawn
   * (a return at an enrolled terminal without a hold takes nothing back). Absent: any open lot,
   * soonest-expiring first (a terminal not enrolled with a server).
   */
  readonly spendLots?: ReadonlyMap<string, number>;
}

export const bookedKey = (kind: string, period: string): string => `${kind}|${period}`;

/**
 * What a method's reply carries, as far as a screen reads it. The handler map is typed against
 * these (src/terminal/hosts/handlers.ts), so a service result that drops or renames a field the
 * screens rely on fails to compile on the host's side, not on a cashier's screen. The service may
 * return more than is listed here; methods no screen reads yet are `unknown`.
 */
import type { Quote, TierProgress } from '../core/rules/checkout.js';
import type { ExpiringAmount } from '../core/rules/lots.js';
import type { MemberSummary } from './member-summary.js';
import type { TerminalFigures } from './figures.js';
import type { DeviceStates, MethodName, ScannedCode, SyncState } from './messages.js';
import type { TerminalInfo } from './terminal-info.js';
import type { ExampleProgram, SetupOutcome } from './setup.js';
import type { EndOfDayResult, SyncRunResult } from './end-of-day.js';
import type { CustomerView } from './customer-view.js';
import type { KioskMember } from './kiosk.js';
import type { ProgramCurrent } from './manager-admin.js';

/** What every booking command answers. */
export interface BookedCommand {
  readonly txnId: string;
  readonly memberId: string;
  /** The member's balance after the command. */
  readonly balance: number;
  /** The command was already booked (same POS id, same content): this is the first booking's answer, nothing new was written. */
  readonly replayed: boolean;
}

export interface CheckoutReceipt extends BookedCommand {
  readonly amountDue: number;
  readonly currency: string;
  readonly discounts: Quote['discounts'];
  readonly earned: number;
  readonly earn: Quote['earn'];
  readonly redeemed: { readonly points: number; readonly discount: number; readonly rewardId: string | null } | null;
  readonly tierBefore: TierProgress | null;
  readonly tier: TierProgress | null;
  readonly expiringSoon: readonly ExpiringAmount[];
}

export interface EnrolReceipt extends BookedCommand {
  readonly welcomePoints: number;
  /** The referrer's bonus, when the enrolment named one (`referredBy`). */
  readonly referral?: { readonly txnId: string; readonly points: number; readonly balance: number; readonly replayed: boolean };
}

/** What `return-commit` answers (the service's ReturnResult, as far as the cashier screen reads it). */
export interface ReturnReceipt extends BookedCommand {
  readonly originalTxnId: string;
  /** Points the sale earned that this return reverses. */
  readonly pointsReversed: number;
  /** Points taken back from the member's balance now. */
  readonly pointsCollected: number;
  /** Reversed points the balance could not cover (already spent). */
  readonly pointsUncollected: number;
  /** Points spent on the sale and given back to the member. */
  readonly redeemedRestored: number;
  readonly fullyReturned: boolean;
}

/** What `action` and `donate` answer: the points credited or given. */
export interface PointsReceipt extends BookedCommand {
  readonly points: number;
}

/** What `membership-sale` answers: the plan's period (end null: lifetime) and the fee in minor units. */
export interface MembershipReceipt extends BookedCommand {
  readonly planId: string;
  readonly startsAt: number;
  readonly endsAt: number | null;
  readonly fee: number;
}

export interface MethodResults {
  readonly 'member-lookup': MemberSummary;
  readonly quote: Quote;
  readonly 'checkout-commit': CheckoutReceipt;
  readonly 'return-commit': ReturnReceipt;
  readonly enrol: EnrolReceipt;
  readonly action: PointsReceipt;
  readonly donate: PointsReceipt;
  readonly 'membership-sale': MembershipReceipt;
  readonly adjust: BookedCommand;
  readonly history: unknown;
  readonly verify: unknown;
  readonly 'terminal-info': TerminalInfo;
  readonly 'sync-state': SyncState | null;
  readonly 'manager-status': { readonly managers: number; readonly manager: { readonly id: string; readonly name: string } | null };
  readonly 'manager-login': { readonly session: string; readonly expiresAt: number; readonly manager: { readonly id: string; readonly name: string } };
  readonly 'manager-logout': { readonly loggedOut: boolean };
  readonly 'manager-list': { readonly managers: readonly ManagerInfo[] };
  readonly 'manager-add': { readonly manager: ManagerInfo };
  readonly 'manager-set-pin': { readonly manager: ManagerInfo };
  readonly 'manager-remove': { readonly manager: ManagerInfo };
  readonly 'printer-list': unknown;
  readonly 'printer-save': unknown;
  readonly 'printer-enable': { readonly id: string; readonly enabled: boolean };
  readonly 'printer-status': unknown;
  readonly 'printer-test': { readonly job: number };
  readonly 'print-queue': unknown;
  readonly 'print-cancel': { readonly id: number; readonly state: string };
  readonly 'print-reprint': { readonly job: number; readonly txnId: string };
  readonly 'program-install': { readonly programId: string; readonly version: number; readonly previousVersion: number; readonly signedWith: string | null };
  readonly 'member-search': { readonly members: readonly MemberSummary[] };
  readonly 'member-update': MemberSummary;
  readonly 'member-set-pin': MemberSummary;
  readonly 'member-erase': MemberSummary;
  readonly 'terminal-figures': TerminalFigures;
  readonly 'scan-arrived': ScannedCode;
  readonly 'device-states': DeviceStates;
  readonly 'setup-status': SetupStatus;
  readonly 'setup-create': SetupOutcome;
  readonly 'member-summary': MemberSummary;
  readonly 'print-preview': { readonly txnId: string; readonly svg: string };
  readonly 'sync-run': SyncRunResult;
  readonly 'end-of-day': EndOfDayResult;
  readonly 'customer-view-show': { readonly shown: CustomerView['state'] };
  readonly 'customer-view-current': CustomerView;
  readonly 'kiosk-member': KioskMember;
  readonly 'program-current': ProgramCurrent;
}

/** What `setup-status` answers: a configured terminal lists nothing to set up. */
export interface SetupStatus {
  readonly configured: boolean;
  readonly examplePrograms: readonly ExampleProgram[];
  /** The host's own time zone (IANA), the setup screen's suggestion. */
  readonly timeZone: string;
}

/** A manager as the screens see them (never their PIN or its hash). */
export interface ManagerInfo {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly createdBy: string | null;
  readonly pinSetAt: number;
  readonly pinFailures: number;
  readonly locked: boolean;
  readonly removedAt: number | null;
}

export type MethodResult<M extends MethodName> = MethodResults[M];

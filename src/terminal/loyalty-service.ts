/**
 * The terminal service: every entry point (the CLI today, the UI and the local POS API later) calls
 * these methods. Each command validates its arguments, then in one IMMEDIATE SQLite transaction
 * checks idempotency by its business key, loads the member, lets the pure rules plan the transfers,
 * and books them with their outbox rows. A retried command returns the first result unchanged; the
 * same id with a different payload is refused and nothing is written.
 */
import { createHash, randomBytes } from 'node:crypto';
import { amountBasket } from '../core/basket.js';
import { parseCardCode, type CardCode } from '../core/card-code/parse.js';
import { newMemberRef } from '../core/card-code/member-qr.js';
import { clockProblem } from '../core/clock-guard.js';
import { maskCard } from '../core/receipt/slip.js';
import { checkSpending, type SpendProofKind } from '../core/rules/spending.js';
import { addDays, dayKey, localDateOf, startOfLocalDay } from '../core/time.js';
import { canonicalJson } from '../core/canonical-json.js';
import { TallyError } from '../core/errors.js';
import { memberAccount, periodKeyText, type PlannedEvent, type PlannedTransfer } from '../core/ledger-model.js';
import { deterministicUuid } from '../core/ids.js';
import { planCheckout, tierProgress, type Quote, type SaleRecord, type TierProgress } from '../core/rules/checkout.js';
import { actionPeriod, planAction, planAdjustment, planDonation, planEnrolment, planMembershipSale, planPeriodic } from '../core/rules/commands.js';
import { expiringSoon, type ExpiringAmount } from '../core/rules/lots.js';
import type { MemberState, RuleContext } from '../core/rules/member-state.js';
import { activeMembership } from '../core/rules/membership.js';
import { planReturn, type ReturnRecord } from '../core/rules/returns.js';
import { tierAt } from '../core/rules/tiers.js';
import type { Instant } from '../core/time.js';
import { parseInput } from '../core/validation.js';
import {
  actionArgs,
  adjustArgs,
  checkoutArgs,
  donateArgs,
  enrolArgs,
  membershipArgs,
  quoteArgs,
  returnArgs,
  type ActionArgs,
  type AdjustArgs,
  type CheckoutArgs,
  type DonateArgs,
  type EnrolArgs,
  type MembershipArgs,
  type QuoteArgs,
  type ReturnArgs,
  type UpdateMemberArgs,
  updateMemberArgs,
  setPinArgs,
  eraseMemberArgs,
  type SetPinArgs,
  type EraseMemberArgs,
  type SpendProof,
} from '../contract/commands.js';
import type { BookedTransfer, HistoryEntry, Ledger, MemberRecord, ProgramFile, TransactionKind, TransactionRow } from './ledger/ledger.js';
import type { VerifyKey } from '../core/card-code/member-qr.js';
import { verifyLedger, type VerifyReport } from './ledger/verify.js';
import { newUuidV7 } from './uuid.js';
import { slipFromCommand, type SlipSink } from './printing/slip-data.js';
import type { MemberSummary } from '../contract/member-summary.js';
import { hashPin, MAX_PIN_FAILURES, pinMatches } from './trust/pin.js';

/**
 * What allowed a spend at an enrolled terminal: a hold the server granted for it (online), or the
 * offline budget the server granted this terminal in advance. Recorded on the transaction, so the
 * server can post the hold, and count offline spends against the budget, when it arrives. A hold
 * names the budget that covers the spend if it arrives after the hold expired (`fallbackGrantId`).
 */
export type SpendingAuthority =
  | { readonly kind: 'hold'; readonly holdId: string; readonly points: number; readonly fallbackGrantId?: string }
  | { readonly kind: 'offline'; readonly grantId: string; readonly points: number };

/**
 * Decides, inside a spending command's transaction, whether `points` may be spent for the member
 * now; throws a `TallyError` to refuse (nothing is written). A terminal not enrolled with a server
 * has none (its program's proofs and limits are all there is).
 */
export type SpendingGate = ((memberId: string, points: number, now: Instant) => SpendingAuthority) & {
  /**
   * A hold's reservation: the member it is for and the lots (and points of each) the server reserved;
   * that member's spend draws only these (RuleContext.spendLots).
   */
  readonly reserved?: { readonly memberId: string; readonly lots: ReadonlyMap<string, number> };
};

export interface ServiceOptions {
  /** See SpendingGate. */
  readonly spendingGate?: SpendingGate;
  /** The time bookings carry. Tests and demos may set it (`--now`); see `clockOverridden`. */
  readonly clock?: () => Instant;
  /** The real time: what member QR codes and spend codes expire against. Never overridable. */
  readonly wallClock?: () => Instant;
  /** `clock` is not the real time (tests, demos): it may not run ahead of `wallClock`. */
  readonly clockOverridden?: boolean;
  readonly newId?: () => string;
  /** Random bytes (member QR references). */
  readonly random?: (size: number) => Uint8Array;
  /**
   * Called inside each command's transaction, after booking, with the slip to print: a print
   * queue stores its job there, so the job commits with the command (and never without it).
   */
  readonly onSlip?: SlipSink;
}

export type { MemberSummary };

interface CommandResultBase {
  readonly txnId: string;
  readonly memberId: string;
  readonly balance: number;
  readonly transfers: readonly BookedTransfer[];
  /** True when this call found the command already booked and returned its first result. */
  readonly replayed: boolean;
}

export interface CheckoutResult extends CommandResultBase {
  readonly amountDue: number;
  readonly currency: string;
  readonly discounts: Quote['discounts'];
  readonly earned: number;
  readonly earn: Quote['earn'];
  readonly redeemed: { readonly points: number; readonly discount: number; readonly rewardId: string | null } | null;
  readonly tierBefore: TierProgress | null;
  readonly tier: TierProgress | null;
  readonly membership: Quote['membership'];
  readonly expiringSoon: readonly ExpiringAmount[];
  readonly storeBonusDay: string | null;
}

export interface ReturnResult extends CommandResultBase {
  readonly originalTxnId: string;
  readonly pointsReversed: number;
  readonly pointsCollected: number;
  readonly pointsUncollected: number;
  /** Reversed points that had already expired: not taken again. Absent when replaying a return booked before it existed. */
  readonly pointsExpired?: number;
  readonly refundDeduction: number;
  readonly redeemedRestored: number;
  /** Of the redeemed points given back, those past their expiry date, expired at once. Absent as above. */
  readonly redeemedExpired?: number;
  readonly eligibleReturned: number;
  readonly fullyReturned: boolean;
  readonly membershipCancelled: string | null;
}

export interface EnrolResult extends CommandResultBase {
  readonly welcomePoints: number;
  /** The referrer's bonus booked with this enrolment (`referredBy`): its transaction, points and the referrer's balance after it. */
  readonly referral?: { readonly txnId: string; readonly points: number; readonly balance: number; readonly replayed: boolean };
}

/** The program's action a referral books for the referrer: limited per reference, the reference being the new member. */
export const REFERRAL_ACTION_ID = 'referral';

export interface PointsResult extends CommandResultBase {
  readonly points: number;
}

export interface MembershipResult extends CommandResultBase {
  readonly planId: string;
  readonly startsAt: Instant;
  readonly endsAt: Instant | null;
  readonly fee: number;
}

export interface PeriodicResult {
  readonly members: number;
  readonly transfers: number;
  readonly events: number;
}

interface Planned<R> {
  readonly transfers: readonly PlannedTransfer[];
  readonly events: readonly PlannedEvent[];
  readonly record: unknown;
  readonly originalId?: string | null;
  readonly result: (booked: readonly BookedTransfer[], balance: number) => Omit<R, keyof CommandResultBase>;
}

/** A member found from a scanned code; `spendCode` when the code was itself a spend code (it proves presence too). */
interface FoundMember {
  readonly memberId: string;
  readonly spendCode: string | null;
}

/** How the member proved they were there, as the transaction records it (never the PIN or the code). */
interface VerifiedProof {
  readonly kind: SpendProofKind;
  readonly tokenId?: string;
  readonly cashier?: string;
}

/** Everything one counter command needs besides its plan. */
interface CommandSpec {
  readonly kind: TransactionKind;
  /** The POS id (or a function of the member, for enrolments, whose id is the new member's). */
  readonly txnId: string | ((memberId: string) => string);
  /** What makes a retry the same command (hashed): never personal details or a proof. */
  readonly request: unknown;
  /** What the transactions row keeps: the request without personal data (a card as its last digits). */
  readonly stored: unknown;
  readonly cashier: string | null;
  readonly memberId: () => string;
  /** The first booking of this command, if any (default: by kind and POS id). */
  readonly prior?: () => TransactionRow | undefined;
  readonly proof?: { readonly offered: SpendProof | undefined; readonly found: () => FoundMember };
}

/** A wrong PIN: counted after the command's transaction has rolled back (the count must stick). */
class WrongPin extends Error {
  constructor(readonly memberId: string) {
    super('wrong PIN');
  }
}

function hashRequest(kind: string, request: unknown): string {
  return createHash('sha256').update(canonicalJson({ kind, request })).digest('hex');
}

/**
 * The card as it counts for idempotency: a member QR code by the member it names (an app refreshes
 * its code, and a POS retrying a checkout rescans), any other code as it is.
 */
function cardKey(parsed: CardCode, text: string): string {
  return parsed.ok && parsed.kind === 'token' ? `qr:${parsed.memberRef}` : text;
}

/** A scanned code as a transactions row keeps it: a card's last digits, never a whole code or QR token. */
function storedCard(code: string): string {
  return code.length > 32 ? '(member QR code)' : maskCard(code);
}

/** Points a plan takes from the member to spend them (redeemed, donated). */
function pointsSpent(transfers: readonly PlannedTransfer[], memberId: string): number {
  const account = memberAccount(memberId);
  return transfers.filter((t) => t.debit === account && (t.kind === 'redeem' || t.kind === 'donation')).reduce((sum, t) => sum + t.amount, 0);
}

/** Points a return takes back from the member (its return-earn debits). */
function pointsCollected(transfers: readonly PlannedTransfer[], memberId: string): number {
  const account = memberAccount(memberId);
  return transfers.filter((t) => t.debit === account && t.kind === 'return-earn').reduce((sum, t) => sum + t.amount, 0);
}

export class LoyaltyService {
  private readonly clock: () => Instant;
  private readonly wallClock: () => Instant;
  private readonly clockOverridden: boolean;
  private readonly newId: () => string;
  private readonly random: (size: number) => Uint8Array;
  private readonly onSlip: ServiceOptions['onSlip'];
  private spendingGate: SpendingGate | undefined;

  constructor(
    readonly ledger: Ledger,
    options: ServiceOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.wallClock = options.wallClock ?? Date.now;
    this.clockOverridden = options.clockOverridden ?? false;
    this.newId = options.newId ?? newUuidV7;
    this.random = options.random ?? ((size) => new Uint8Array(randomBytes(size)));
    this.onSlip = options.onSlip;
    this.spendingGate = options.spendingGate;
  }

  private context(now: Instant, memberId?: string, kind?: TransactionKind): RuleContext {
    const { timeZone, storeId } = this.ledger.terminal;
    const reserved = this.spendingGate?.reserved;
    const base = { program: this.ledger.program, now, timeZone, storeId, newId: this.newId };
    if (reserved !== undefined && reserved.memberId === memberId) return { ...base, spendLots: reserved.lots };
    // A return at an enrolled terminal takes back only what a hold reserved: without one (offline,
    // or a caller that asked for none) the member may have spent those points at another counter
    // already, so it takes nothing back and books it as uncollected (src/core/rules/returns.ts).
    if (kind === 'return' && this.ledger.syncFreshness().enrolled) return { ...base, spendLots: new Map() };
    return base;
  }

  /**
   * The time a write carries, refused when the clock is wrong (before this Tally existed, behind
   * the last booking, or an overridden clock ahead of the real one). Call inside the write's transaction.
   */
  private writeTime(): Instant {
    // The server may hold sales this terminal booked after its backup was taken: booking before they
    // are back would book a re-keyed sale a second time under a new id (or a birthday bonus twice).
    if (this.ledger.awaitingOwnEntries()) {
      throw new TallyError(
        'restore-sync-required',
        'This terminal was put back from a backup and has not yet fetched what it booked after that backup. Connect it and run `tally sync` before serving; nothing was written.',
      );
    }
    const now = this.clock();
    const problem = clockProblem({ now, wallNow: this.wallClock(), overridden: this.clockOverridden, lastBookedAt: this.ledger.lastBookedAt() });
    if (problem) throw new TallyError('clock-wrong', problem.message, { problem: problem.kind });
    return now;
  }

  /** The booking clock's time (for records that are not bookings: a printer's settings, a queued test slip). */
  now(): Instant {
    return this.clock();
  }

  /**
   * Installs a newer version of the program in force (same program and currency, a higher version,
   * signed by a key this terminal trusts; see Ledger.installProgram). Not a booking, but its time
   * is checked like one: a program stamped with a wrong clock would take effect on the wrong day.
   */
  installProgram(file: ProgramFile, pinKeys?: readonly VerifyKey[]): { readonly programId: string; readonly version: number; readonly previousVersion: number; readonly signedWith: string | null } {
    const now = this.clock();
    const problem = clockProblem({ now, wallNow: this.wallClock(), overridden: this.clockOverridden, lastBookedAt: this.ledger.lastBookedAt() });
    if (problem) throw new TallyError('clock-wrong', problem.message, { problem: problem.kind });
    const previousVersion = this.ledger.program.version;
    this.ledger.installProgram(file, now, pinKeys !== undefined ? { pinKeys } : {});
    return { programId: file.program.id, version: file.program.version, previousVersion, signedWith: file.document.signature?.keyId ?? null };
  }

  /** Every scanned or typed code goes through the program's card-code rules first; QR codes expire by the real clock. */
  parseCard(text: string): CardCode {
    return parseCardCode({ text }, this.ledger.program, this.wallClock());
  }

  private findMember(card: string): FoundMember {
    return this.memberFor(this.parseCard(card));
  }

  /** The member a parsed code names (refusals become typed errors). */
  private memberFor(parsed: CardCode): FoundMember {
    if (!parsed.ok) throw new TallyError('invalid-card', parsed.message, { reason: parsed.reason });
    if (parsed.kind === 'token') {
      const memberId = this.ledger.memberIdForQrRef(parsed.memberRef);
      if (memberId === undefined) {
        throw new TallyError('unknown-member', 'Genuine member QR code, but this member is not on this terminal yet — sync the terminal, or scan their card');
      }
      return { memberId, spendCode: parsed.scope === 'spend' ? parsed.tokenId : null };
    }
    const memberId = this.ledger.memberIdForCard(parsed.code);
    if (memberId === undefined) throw new TallyError('unknown-card', `Card not recognised: ${maskCard(parsed.code)} — check the card or enrol the customer`);
    return { memberId, spendCode: null };
  }

  private memberIdForCard(card: string): string {
    return this.findMember(card).memberId;
  }

  /**
   * For what a photographed slip must never allow (changing details or cards, setting a PIN,
   * erasing): the member card itself, never a member QR code.
   */
  private memberIdForOwnCard(card: string, what: string): string {
    const parsed = this.parseCard(card);
    if (parsed.ok && parsed.kind === 'token') throw new TallyError('proof-refused', `${what} needs the member card itself, not a QR code`);
    return this.memberIdForCard(card);
  }

  /** A card to enrol must be a member card by the program's rules (not a QR code, a product or a bank card); refusals never repeat it. */
  private enrolmentCard(text: string): string {
    const parsed = this.parseCard(text);
    if (!parsed.ok) throw new TallyError('invalid-card', `Cannot enrol this code: ${parsed.message}`, { reason: parsed.reason });
    if (parsed.kind !== 'card') throw new TallyError('invalid-card', 'A member QR code cannot be enrolled as a card: scan the plastic card, or look the member up');
    return parsed.code;
  }

  /**
   * Checks the proof offered for spending a member's points (inside the command's transaction, after
   * the replay check, so a retried command never needs it again). A spend code must be genuine,
   * unexpired, unused and the member's own; a PIN must match (wrong tries are counted and lock it).
   */
  private verifyProof(memberId: string, offered: SpendProof | undefined, found: FoundMember): VerifiedProof | null {
    let tokenId: string | null = found.memberId === memberId ? found.spendCode : null;
    if (tokenId === null && offered?.spendCode !== undefined) {
      const parsed = this.parseCard(offered.spendCode);
      if (!parsed.ok) throw new TallyError('proof-refused', `Spend code refused: ${parsed.message}`, { reason: parsed.reason });
      if (parsed.kind !== 'token' || parsed.scope !== 'spend') throw new TallyError('proof-refused', "That is not a spend code: ask the member to open 'Pay with points' in the app");
      if (this.ledger.memberIdForQrRef(parsed.memberRef) !== memberId) throw new TallyError('proof-refused', "That spend code is another member's");
      tokenId = parsed.tokenId;
    }
    if (tokenId !== null) {
      if (this.ledger.spendCodeUsed(tokenId)) throw new TallyError('proof-refused', 'That spend code was already used: ask the member for a new one');
      return { kind: 'spend-code', tokenId };
    }
    if (offered?.pin !== undefined) {
      const { hash, failures } = this.ledger.pinHash(memberId);
      if (hash === null) throw new TallyError('proof-refused', 'This member has no PIN: they can set one at the counter with their card');
      if (failures >= MAX_PIN_FAILURES) throw new TallyError('proof-refused', `PIN locked after ${MAX_PIN_FAILURES} wrong tries: the member sets a new one with a manager`);
      if (!pinMatches(offered.pin, hash)) throw new WrongPin(memberId);
      this.ledger.pinSucceeded(memberId);
      return { kind: 'pin' };
    }
    if (offered?.cashier !== undefined) return { kind: 'cashier', cashier: offered.cashier };
    return null;
  }

  /**
   * The shape every counter command shares: idempotency by its business key, then plan and book in
   * one transaction. `plan` runs inside the transaction, so it sees a stable member. Spending needs a
   * proof and stays within the program's limits.
   */
  private command<R extends CommandResultBase>(spec: CommandSpec, plan: (member: MemberState, ctx: RuleContext) => Planned<R>): R {
    const requestHash = hashRequest(spec.kind, spec.request);
    return this.countingWrongPins(() =>
      this.ledger.transaction(() => {
        const existing = spec.prior ? spec.prior() : typeof spec.txnId === 'string' ? this.ledger.findTransaction(spec.kind, spec.txnId) : undefined;
        if (existing) {
          if (existing.requestHash !== requestHash) {
            throw new TallyError('duplicate-different', `${spec.kind} ${existing.txnId} was already booked with different details; nothing was written. Use a new id for a new ${spec.kind}.`);
          }
          return { ...(existing.result as R), replayed: true };
        }
        const now = this.writeTime();
        const id = spec.memberId();
        const txnId = typeof spec.txnId === 'string' ? spec.txnId : spec.txnId(id);
        const ctx = this.context(now, id, spec.kind);
        const planned = plan(this.ledger.memberState(id), ctx);
        const spent = pointsSpent(planned.transfers, id);
        // A return's take-back under a hold names the hold too, so the server posts it (which ends its reservation).
        const collected = spec.kind === 'return' && this.spendingGate?.reserved?.memberId === id ? pointsCollected(planned.transfers, id) : 0;
        let proof: VerifiedProof | null = null;
        let authority: SpendingAuthority | null = null;
        if (spent > 0) {
          proof = spec.proof ? this.verifyProof(id, spec.proof.offered, spec.proof.found()) : null;
          const { timeZone } = this.ledger.terminal;
          const today = localDateOf(now, timeZone);
          checkSpending(ctx.program, { points: spent, spentToday: this.ledger.pointsSpent(id, startOfLocalDay(today, timeZone), startOfLocalDay(addDays(today, 1), timeZone)), proof: proof?.kind ?? null });
          authority = this.spendingGate ? this.spendingGate(id, spent, now) : null;
        } else if (collected > 0 && this.spendingGate) {
          authority = this.spendingGate(id, collected, now);
        }
        const transactionId = this.newId();
        const firstSeq = this.ledger.sequence().nextSeq;
        // The result is computed before booking except for the booked seq numbers and balance, which it includes.
        const bookedPreview = planned.transfers.map((t, i) => ({ id: t.id, kind: t.kind, unit: t.unit, amount: t.amount, seq: firstSeq + i }));
        const balance = this.ledger.balance(id) + planned.transfers.reduce((sum, t) => sum + (t.credit === `member:${id}` ? t.amount : t.debit === `member:${id}` ? -t.amount : 0), 0);
        const result = { txnId, memberId: id, balance, transfers: bookedPreview, replayed: false, ...planned.result(bookedPreview, balance) } as unknown as R;
        const withProof = proof === null ? spec.stored : { ...(spec.stored as Record<string, unknown>), proof: { kind: proof.kind, ...(proof.cashier !== undefined ? { cashier: proof.cashier } : {}) } };
        const stored = authority === null ? withProof : { ...(withProof as Record<string, unknown>), authority };
        const booked = this.ledger.book(planned, {
          now,
          cashier: spec.cashier,
          transaction: { id: transactionId, kind: spec.kind, txnId, memberId: id, originalId: planned.originalId ?? null, requestHash, request: stored, record: planned.record, result, cashier: spec.cashier },
        });
        if (booked.some((b, i) => b.seq !== bookedPreview[i]?.seq) || this.ledger.balance(id) !== balance) {
          throw new TallyError('ledger-invariant', `${spec.kind} ${txnId}: the ledger booked something other than planned; nothing was written`);
        }
        if (proof?.tokenId !== undefined) this.ledger.useSpendCode(proof.tokenId, id, transactionId, now);
        if (authority?.kind === 'offline') this.ledger.recordOfflineSpend(transactionId, authority.grantId, id, spent);
        // Counted against its fallback budget until the server's answer says the hold was posted (src/terminal/sync/spending.ts).
        if (authority?.kind === 'hold' && authority.fallbackGrantId !== undefined) this.ledger.recordHeldSpend(transactionId, authority.holdId, authority.fallbackGrantId, id, authority.points);
        if (this.onSlip) {
          const { storeId, terminalId, demo } = this.ledger.terminal;
          this.onSlip(
            slipFromCommand({ kind: spec.kind, txnId, at: now, storeId, terminalId, demo, currency: this.ledger.program.currency, member: this.summary(id), transfers: planned.transfers, result: result as unknown as Record<string, unknown> }),
            { transactionId, now },
          );
        }
        return result;
      }),
    );
  }

  /** Runs a write; a wrong PIN inside it is counted once its transaction has rolled back. */
  private countingWrongPins<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      if (!(error instanceof WrongPin)) throw error;
      const failures = this.ledger.pinFailed(error.memberId);
      const left = MAX_PIN_FAILURES - failures;
      throw new TallyError('proof-refused', left > 0 ? `Wrong PIN — ${left} ${left === 1 ? 'try' : 'tries'} left; nothing was written` : 'Wrong PIN — the PIN is now locked: the member sets a new one with a manager; nothing was written');
    }
  }

  /** A birthday later than today (in the store's time zone, by the real clock) is a typo. */
  private checkBirthday(birthday: string | null | undefined): void {
    if (birthday === undefined || birthday === null || birthday.startsWith('--')) return;
    const today = dayKey(localDateOf(this.wallClock(), this.ledger.terminal.timeZone));
    if (birthday > today) throw new TallyError('invalid-input', `Birthday ${birthday} is in the future (today is ${today})`);
  }

  enrol(args: EnrolArgs): EnrolResult {
    const { referredBy, ...rest } = parseInput(enrolArgs, args, 'member');
    if (referredBy === undefined) return this.enrolMember(rest);
    const action = this.ledger.program.bonuses.actions.find((a) => a.id === REFERRAL_ACTION_ID);
    if (action?.limit !== 'per-reference') {
      throw new TallyError('invalid-input', `This program has no referral bonus (an action "${REFERRAL_ACTION_ID}" limited per reference): enrol without "referred by"`);
    }
    // Checked first, so that a wrong referrer's card is said as such (not as the new customer's).
    try {
      this.memberIdForCard(referredBy);
    } catch (error) {
      if (error instanceof TallyError && (error.code === 'unknown-card' || error.code === 'invalid-card')) {
        throw new TallyError(error.code, `The referrer's card is not a member's card (${error.message}); nobody was enrolled: check the referrer's card, or enrol without it`, { field: 'referredBy' });
      }
      throw error;
    }
    // One transaction: the new member and the referrer's bonus are booked together or not at all.
    return this.ledger.transaction(() => {
      const enrolled = this.enrolMember(rest);
      const bonus = this.action({ card: referredBy, actionId: REFERRAL_ACTION_ID, reference: `member:${enrolled.memberId}`, ...(rest.cashier !== undefined ? { cashier: rest.cashier } : {}) });
      return { ...enrolled, referral: { txnId: bonus.txnId, points: bonus.points, balance: bonus.balance, replayed: bonus.replayed } };
    });
  }

  private enrolMember(args: Omit<EnrolArgs, 'referredBy'>): EnrolResult {
    const input = parseInput(enrolArgs, args, 'member');
    this.checkBirthday(input.birthday);
    const cards = [...new Set(input.cards.map((c) => this.enrolmentCard(c)))];
    // Slow on purpose (scrypt): done before the write lock is taken.
    const pinHash = input.pin === undefined ? null : hashPin(input.pin);
    // Personal details live only on the member record (erasable); the transaction keeps none.
    const request = { cards, marketingConsent: input.marketingConsent };
    return this.command<EnrolResult>(
      {
        kind: 'enrolment',
        txnId: (memberId) => `enrol:${memberId}`,
        request,
        stored: { cards: cards.map(maskCard), marketingConsent: input.marketingConsent, pin: pinHash !== null },
        cashier: input.cashier ?? null,
        // A retry finds the member its first card enrolled; a card someone else holds is refused.
        prior: () => {
          const owners = cards.map((card) => this.ledger.memberIdForCard(card));
          const owner = owners[0];
          if (owner !== undefined && owners.every((o) => o === owner)) {
            const first = this.ledger.enrolmentOf(owner);
            const record = this.ledger.member(owner);
            // The details are compared with the member record (the transaction keeps none of them).
            const same =
              record !== undefined &&
              record.name === (input.name ?? null) &&
              record.phone === (input.phone ?? null) &&
              record.email === (input.email ?? null) &&
              record.birthday === (input.birthday ?? null) &&
              record.marketingConsent === input.marketingConsent;
            if (first && same && first.requestHash === hashRequest('enrolment', request)) return first;
          }
          const taken = cards.find((_card, i) => owners[i] !== undefined);
          if (taken !== undefined) throw new TallyError('card-in-use', `Card ${maskCard(taken)} already belongs to a member: look the member up instead of enrolling again`);
          return undefined;
        },
        memberId: () => {
          const memberId = this.newId();
          const now = this.clock();
          this.ledger.insertMember(
            {
              id: memberId,
              name: input.name ?? null,
              phone: input.phone ?? null,
              email: input.email ?? null,
              birthday: input.birthday ?? null,
              marketingConsent: input.marketingConsent,
              enrolledAt: now,
              enrolledBy: this.ledger.terminal.terminalId,
              cards,
              qrRef: newMemberRef(this.random(12)),
              pinHash,
            },
            now,
          );
          return memberId;
        },
      },
      (member, ctx) => {
        const plan = planEnrolment(member, ctx);
        const welcome = plan.transfers.find((t) => t.kind === 'welcome')?.amount ?? 0;
        return { transfers: plan.transfers, events: plan.events, record: { memberId: member.id, cards: cards.length }, result: () => ({ welcomePoints: welcome }) };
      },
    );
  }

  /** Changes a member's details or adds cards (synced as a new member version); no-op when nothing changes. */
  updateMember(args: UpdateMemberArgs): MemberSummary {
    const input = parseInput(updateMemberArgs, args, 'member');
    this.checkBirthday(input.birthday);
    const memberId = this.memberIdForOwnCard(input.card, "Changing a member's details or cards");
    const addCards = input.addCards.map((c) => this.enrolmentCard(c));
    const changes = Object.fromEntries(
      (['name', 'phone', 'email', 'birthday', 'marketingConsent'] as const).filter((k) => input[k] !== undefined).map((k) => [k, input[k]]),
    );
    this.ledger.transaction(() => {
      const now = this.writeTime();
      const before = this.ledger.member(memberId)?.version;
      const after = this.ledger.updateMember(memberId, changes, addCards, now);
      if (after.version !== before) this.ledger.markBooked(now);
    });
    return this.summary(memberId);
  }

  /**
   * Sets or clears the member's PIN. The member is at the counter with their card: a QR code (which
   * a photographed slip carries) is not enough, and a PIN they already have is changed only with
   * that PIN or by a named manager. Recorded as an event (who, never the PIN).
   */
  setPin(args: SetPinArgs): MemberSummary {
    const input = parseInput(setPinArgs, args, 'member');
    const memberId = this.memberIdForOwnCard(input.card, 'Setting a PIN');
    const hash = input.pin === null ? null : hashPin(input.pin);
    this.countingWrongPins(() => this.ledger.transaction(() => {
      const now = this.writeTime();
      const { hash: current, failures } = this.ledger.pinHash(memberId);
      const manager = input.manager;
      if (manager === undefined) {
        // A card number can be read off a card; a first PIN is set at enrolment or by a manager who checked the member.
        if (current === null) throw new TallyError('proof-refused', 'This member has no PIN yet: a manager sets the first one after checking who they are (or set it when enrolling)');
        if (input.currentPin === undefined) throw new TallyError('proof-refused', 'This member already has a PIN: give the current one, or a manager resets it');
        if (failures >= MAX_PIN_FAILURES) throw new TallyError('proof-refused', `PIN locked after ${MAX_PIN_FAILURES} wrong tries: a manager resets it`);
        if (!pinMatches(input.currentPin, current)) throw new WrongPin(memberId);
      }
      this.ledger.setPinHash(memberId, hash, now);
      const version = this.ledger.member(memberId)!.version;
      this.ledger.book(
        { transfers: [], events: [{ id: this.newId(), kind: 'pin-set', memberId, period: `v${version}`, detail: { cleared: hash === null, by: manager !== undefined ? `manager:${manager}` : 'member' } }] },
        { now, cashier: manager ?? null, transaction: null },
      );
    }));
    return this.summary(memberId);
  }

  /**
   * Erases a member's personal data at their request: name, phone, email, birthday, PIN, cards and
   * QR reference go; the member id and every transfer stay, so every total is unchanged. The erasure
   * is an event (reason and who, no personal data) that sync carries to the server.
   */
  eraseMember(args: EraseMemberArgs): MemberSummary {
    const input = parseInput(eraseMemberArgs, args, 'member');
    const memberId = this.memberIdForOwnCard(input.card, "Erasing a member's data");
    this.ledger.transaction(() => {
      const now = this.writeTime();
      // The erasure happens once per member: its id comes from the member, as for every once-only
      // entry, so two counters that erased them while apart send the same event (the server answers `exists`).
      this.ledger.eraseMember(memberId, { id: deterministicUuid(periodKeyText(memberId, 'member-erased', 'once')), kind: 'member-erased', memberId, period: 'once', detail: { reason: input.reason, ...(input.by !== undefined ? { by: input.by } : {}) } }, now);
    });
    // The old row versions also sit in the WAL until a checkpoint copies the pages back: do it now.
    this.ledger.checkpoint('truncate');
    return this.summary(memberId);
  }

  /**
   * Members whose card is the query, whose phone ends with its digits (4 or more), or whose name
   * contains it; at most `limit`, by name. Erased members have no details left to match.
   */
  searchMembers(query: string, limit: number): MemberSummary[] {
    const text = query.trim();
    const ids = new Set<string>();
    const byCard = this.ledger.db.prepare('SELECT member_id FROM card_codes WHERE code = ?').pluck().get(text) as string | undefined;
    if (byCard !== undefined) ids.add(byCard);
    const digits = text.replace(/[^0-9]/g, '');
    const likeName = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = this.ledger.db
      .prepare(
        `SELECT id FROM members WHERE erased_at IS NULL AND (
           name LIKE ? ESCAPE '\\'
           OR (? <> '' AND replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '+', ''), '(', ''), ')', '') LIKE '%' || ?)
         ) ORDER BY name, id LIMIT ?`,
      )
      .pluck()
      .all(likeName, digits.length >= 4 ? digits : '', digits, limit) as string[];
    for (const id of rows) ids.add(id);
    return [...ids].slice(0, limit).map((id) => this.summary(id));
  }

  member(card: string): MemberSummary {
    return this.summary(this.memberIdForCard(card));
  }

  summary(memberId: string): MemberSummary {
    const record: MemberRecord | undefined = this.ledger.member(memberId);
    if (!record) throw new TallyError('unknown-member', `Unknown member ${memberId}`);
    const now = this.clock();
    const ctx = this.context(now);
    // Show what is true now: entries that are due (expiry, credits) as if booked, without writing.
    const view = planPeriodic(this.ledger.memberState(memberId), ctx).view;
    const membership = activeMembership(ctx.program, view.memberships, now);
    return {
      memberId,
      name: record.name,
      cards: record.cards,
      balance: view.balance,
      tier: tierProgress(tierAt(ctx.program, view.spend, view.enrolledAt, now, ctx.timeZone)),
      membership: membership ? { planId: membership.plan.id, endsAt: membership.period.endsAt } : null,
      expiringSoon: expiringSoon(view.lots, now, ctx.program.expiringSoonDays, ctx.timeZone),
      enrolledAt: record.enrolledAt,
      birthday: record.birthday,
      phone: record.phone,
      email: record.email,
      marketingConsent: record.marketingConsent,
      hasPin: record.hasPin,
      erasedAt: record.erasedAt,
      version: record.version,
    };
  }

  quote(args: QuoteArgs): Quote {
    const input = parseInput(quoteArgs, args, 'quote');
    const memberId = this.memberIdForCard(input.card);
    return planCheckout(this.ledger.memberState(memberId), input.basket, this.context(this.clock()), 'quote', {
      ...(input.redeem ? { redeem: input.redeem } : {}),
      ...(input.useBonusDay ? { useBonusDay: input.useBonusDay } : {}),
    }).quote;
  }

  /** Sets (or clears) the gate the next spending commands pass (see SpendingGate). */
  useSpendingGate(gate: SpendingGate | undefined): void {
    this.spendingGate = gate;
  }

  /**
   * Who a checkout or donation would spend points for, and how many (0: none), without writing: an
   * enrolled terminal asks the server for a hold of that many before the command itself runs. The
   * command plans again inside its transaction; the gate then refuses anything beyond the hold.
   */
  spendPreview(
    request: { readonly kind: 'checkout'; readonly args: CheckoutArgs } | { readonly kind: 'donation'; readonly args: DonateArgs } | { readonly kind: 'return'; readonly args: ReturnArgs },
  ): { readonly memberId: string; readonly points: number } {
    if (request.kind === 'return') {
      try {
        return this.returnPreview(request.args);
      } catch (error) {
        // A return the command refuses anyway (bad input, an unknown member): nothing to hold; the command says why.
        if (error instanceof TallyError) return { memberId: '', points: 0 };
        throw error;
      }
    }
    if (request.kind === 'donation') {
      const input = parseInput(donateArgs, request.args, 'donation');
      return { memberId: this.memberIdForCard(input.card), points: input.points };
    }
    const input = parseInput(checkoutArgs, request.args, 'checkout');
    if (!input.redeem) return { memberId: this.memberIdForCard(input.card), points: 0 };
    const quote = this.quote({ card: input.card, basket: input.basket, redeem: input.redeem, ...(input.useBonusDay ? { useBonusDay: input.useBonusDay } : {}) });
    return { memberId: this.memberIdForCard(input.card), points: quote.redemption.chosen?.points ?? 0 };
  }

  /** The CLI's plain amount as a basket in the program's currency. */
  amountBasket(amount: number): ReturnType<typeof amountBasket> {
    return amountBasket(amount, this.ledger.program.currency);
  }

  checkout(args: CheckoutArgs): CheckoutResult {
    const input = parseInput(checkoutArgs, args, 'checkout');
    const { proof, cashier, ...rest } = input;
    // Parsed once: a member QR code costs two signature checks, and the key, the member and the proof all need it.
    const parsed = this.parseCard(input.card);
    const request = { ...rest, card: cardKey(parsed, input.card) };
    let member: FoundMember | undefined;
    const found = (): FoundMember => (member ??= this.memberFor(parsed));
    return this.command<CheckoutResult>(
      { kind: 'checkout', txnId: input.txnId, request, stored: { ...rest, card: storedCard(input.card) }, cashier: cashier ?? null, memberId: () => found().memberId, proof: { offered: proof, found } },
      (member, ctx) => {
        const { plan, quote, sale } = planCheckout(member, input.basket, ctx, input.txnId, {
          ...(input.redeem ? { redeem: input.redeem } : {}),
          ...(input.useBonusDay ? { useBonusDay: input.useBonusDay } : {}),
        });
        return {
          transfers: plan.transfers,
          events: plan.events,
          record: sale,
          result: () => ({
            amountDue: quote.amountDue,
            currency: quote.currency,
            discounts: quote.discounts,
            earned: quote.earn.points + quote.earn.memberBonusDayPoints,
            earn: quote.earn,
            redeemed: sale.redeemed ? { points: sale.redeemed.points, discount: sale.redeemed.discount, rewardId: sale.redeemed.rewardId } : null,
            tierBefore: quote.tierBefore,
            tier: quote.tierAfter,
            membership: quote.membership,
            expiringSoon: quote.expiringSoon,
            storeBonusDay: quote.bonusDays.storeWide,
          }),
        };
      },
    );
  }

  /**
   * Who a return would take points back from, and how many at most (as if nothing limited it), without
   * writing: an enrolled terminal asks the server for a hold on them first. 0 for a return already
   * booked (a replay) or one that is refused anyway (the command says why).
   */
  private returnPreview(args: ReturnArgs): { readonly memberId: string; readonly points: number } {
    const input = parseInput(returnArgs, args, 'return');
    const sale = this.ledger.findTransaction('checkout', input.originalTxnId, input.originalTerminal, input.originalStore);
    if (!sale) return { memberId: '', points: 0 };
    if (this.ledger.findTransaction('return', input.returnId)) return { memberId: sale.memberId, points: 0 };
    const previous = this.ledger.returnsOf(sale.id).map((r) => r.record as ReturnRecord);
    const returnRequest = 'amount' in input ? { returnId: input.returnId, amount: input.amount } : 'lines' in input ? { returnId: input.returnId, lines: input.lines } : { returnId: input.returnId, all: true as const };
    const { timeZone, storeId } = this.ledger.terminal;
    // Ids for the preview only (nothing is booked): the service's own must not be used up.
    let n = 0;
    const newId = (): string => `preview-${(n += 1)}`;
    try {
      const { record } = planReturn(this.ledger.memberState(sale.memberId), sale.record as SaleRecord, previous, returnRequest, { program: this.ledger.program, now: this.clock(), timeZone, storeId, newId });
      return { memberId: sale.memberId, points: record.pointsCollected };
    } catch (error) {
      if (error instanceof TallyError) return { memberId: sale.memberId, points: 0 };
      throw error;
    }
  }

  returnSale(args: ReturnArgs): ReturnResult {
    const input = parseInput(returnArgs, args, 'return');
    // A sale made at another counter or store is here once pulled from the server (sync first).
    const sale = this.ledger.findTransaction('checkout', input.originalTxnId, input.originalTerminal, input.originalStore);
    if (!sale) {
      const where = input.originalTerminal || input.originalStore ? ` (${[input.originalStore, input.originalTerminal].filter(Boolean).join('/')})` : ' on this terminal';
      throw new TallyError('unknown-transaction', `No sale ${input.originalTxnId}${where}; check the receipt's transaction number (a sale from another counter is known here after a sync)`);
    }
    const { originalTerminal: _terminal, originalStore: _store, cashier, ...request } = input;
    return this.command<ReturnResult>({ kind: 'return', txnId: input.returnId, request, stored: request, cashier: cashier ?? null, memberId: () => sale.memberId }, (member, ctx) => {
      const previous = this.ledger.returnsOf(sale.id).map((r) => r.record as ReturnRecord);
      const returnRequest = 'amount' in input ? { returnId: input.returnId, amount: input.amount } : 'lines' in input ? { returnId: input.returnId, lines: input.lines } : { returnId: input.returnId, all: true as const };
      const { plan, record } = planReturn(member, sale.record as SaleRecord, previous, returnRequest, ctx);
      return {
        transfers: plan.transfers,
        events: plan.events,
        record,
        originalId: sale.id,
        result: () => ({
          originalTxnId: input.originalTxnId,
          pointsReversed: record.pointsReversed,
          pointsCollected: record.pointsCollected,
          pointsUncollected: record.pointsUncollected,
          pointsExpired: record.pointsExpired,
          refundDeduction: record.refundDeduction,
          redeemedRestored: record.redeemedRestored,
          redeemedExpired: record.redeemedExpired,
          eligibleReturned: record.eligibleReturned,
          fullyReturned: record.full,
          membershipCancelled: record.membershipCancelled,
        }),
      };
    });
  }

  action(args: ActionArgs): PointsResult {
    const input = parseInput(actionArgs, args, 'action');
    const memberId = this.memberIdForCard(input.card);
    // Without an explicit id, the action's own limit key makes a retry find the first booking. An
    // action limited per month or year has the period in it (else next month's would replay this
    // month's): from the command's clock and zone, as the plan computes it. Should the period turn
    // between this read and the booking's, the booking keeps its own period and a retry is refused
    // as over the limit, never replayed as something it is not.
    const limit = this.ledger.program.bonuses.actions.find((a) => a.id === input.actionId)?.limit;
    const period = limit === 'per-month' || limit === 'per-year' ? actionPeriod(this.context(this.clock()), limit, input.reference) : null;
    const txnId = input.txnId ?? `${input.actionId}:${input.reference ?? 'member'}:${period === null ? '' : `${period}:`}${memberId}`;
    const { cashier, txnId: _txn, ...request } = input;
    return this.command<PointsResult>({ kind: 'action', txnId, request, stored: { ...request, card: storedCard(input.card) }, cashier: cashier ?? null, memberId: () => memberId }, (member, ctx) => {
      const plan = planAction(member, ctx, input.actionId, input.reference);
      const points = plan.transfers.find((t) => t.kind === 'action')?.amount ?? 0;
      return { transfers: plan.transfers, events: plan.events, record: { actionId: input.actionId, reference: input.reference ?? null }, result: () => ({ points }) };
    });
  }

  donate(args: DonateArgs): PointsResult {
    const input = parseInput(donateArgs, args, 'donation');
    const { cashier, proof, ...rest } = input;
    // Parsed once: a member QR code costs two signature checks, and the key, the member and the proof all need it.
    const parsed = this.parseCard(input.card);
    const request = { ...rest, card: cardKey(parsed, input.card) };
    let member: FoundMember | undefined;
    const found = (): FoundMember => (member ??= this.memberFor(parsed));
    return this.command<PointsResult>(
      { kind: 'donation', txnId: input.donationId, request, stored: { ...rest, card: storedCard(input.card) }, cashier: cashier ?? null, memberId: () => found().memberId, proof: { offered: proof, found } },
      (member, ctx) => {
        const plan = planDonation(member, ctx, input.charityId, input.points, input.donationId);
        return { transfers: plan.transfers, events: plan.events, record: { charityId: input.charityId, points: input.points }, result: () => ({ points: input.points }) };
      },
    );
  }

  sellMembership(args: MembershipArgs): MembershipResult {
    const input = parseInput(membershipArgs, args, 'membership');
    const { cashier, ...request } = input;
    return this.command<MembershipResult>(
      { kind: 'membership', txnId: input.txnId, request, stored: { ...request, card: storedCard(input.card) }, cashier: cashier ?? null, memberId: () => this.memberIdForCard(input.card) },
      (member, ctx) => {
        const plan = planMembershipSale(member, ctx, input.planId, input.txnId, input.fee);
        const sale = plan.transfers.find((t) => t.kind === 'membership-sale')!;
        const detail = sale.detail as { startsAt: number; endsAt: number | null };
        return {
          transfers: plan.transfers,
          events: plan.events,
          record: { planId: input.planId, fee: sale.amount, startsAt: detail.startsAt, endsAt: detail.endsAt },
          result: () => ({ planId: input.planId, startsAt: detail.startsAt, endsAt: detail.endsAt, fee: sale.amount }),
        };
      },
    );
  }

  adjust(args: AdjustArgs): PointsResult {
    const input = parseInput(adjustArgs, args, 'adjustment');
    const { cashier, ...request } = input;
    return this.command<PointsResult>(
      { kind: 'adjustment', txnId: input.txnId, request, stored: { ...request, card: storedCard(input.card) }, cashier: cashier ?? null, memberId: () => this.memberIdForCard(input.card) },
      (member, ctx) => {
        const plan = planAdjustment(member, ctx, input.points, input.reason);
        return { transfers: plan.transfers, events: plan.events, record: { points: input.points, reason: input.reason }, result: () => ({ points: input.points }) };
      },
    );
  }

  /** Books everything time has brought for every member (expiry, credits, yearly rewards, reviews, lapses). */
  runPeriodic(batchSize = 500): PeriodicResult {
    let after: string | null = null;
    let members = 0;
    let transfers = 0;
    let events = 0;
    // One time for the whole run, checked once: a wrong clock must not expire anyone's points.
    const now = this.periodicTime();
    for (;;) {
      const batch = this.periodicBatch(now, after, batchSize);
      if (batch.members === 0) break;
      members += batch.members;
      transfers += batch.transfers;
      events += batch.events;
      after = batch.last;
    }
    return { members, transfers, events };
  }

  /** The time a periodic run books at, checked once for the whole run (a wrong clock is refused before anything is booked). */
  periodicTime(): Instant {
    return this.ledger.transaction(() => this.writeTime());
  }

  /**
   * One batch of a periodic run, in one transaction: the time-driven entries due at `now` for up to
   * `batchSize` members after `after` (by id). The terminal host runs a run batch by batch, each in
   * its own turn of the request queue, so a large ledger's run never holds a checkout up for long.
   */
  periodicBatch(now: Instant, after: string | null, batchSize = 500): PeriodicResult & { readonly last: string | null } {
    const ids = this.ledger.memberIds(after, batchSize);
    let transfers = 0;
    let events = 0;
    if (ids.length === 0) return { members: 0, transfers, events, last: after };
    this.ledger.transaction(() => {
      for (const id of ids) {
        const plan = planPeriodic(this.ledger.memberState(id), this.context(now));
        if (plan.transfers.length === 0 && plan.events.length === 0) continue;
        this.ledger.book(plan, { now, cashier: null, transaction: null });
        transfers += plan.transfers.length;
        events += plan.events.length;
      }
    });
    return { members: ids.length, transfers, events, last: ids.at(-1) ?? after };
  }

  history(card: string, limit?: number): { memberId: string; entries: HistoryEntry[] } {
    const memberId = this.memberIdForCard(card);
    return { memberId, entries: this.ledger.history(memberId, limit) };
  }

  verify(): VerifyReport {
    return verifyLedger(this.ledger.db);
  }

  backup(target: string): void {
    this.ledger.backup(target);
  }
}

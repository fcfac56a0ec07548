/**
 * The terminal service: every entry point (the CLI today, the UI and the local POS API later) calls
 * these methods. Each command validates its arguments, then in one IMMEDIATE SQLite transaction
 * checks idempotency by its business key, loads the member, lets the pure rules plan the transfers,
 * and books them with their outbox rows. A retried command returns the first result unchanged; the
 * same id with a different payload is refused and nothing is written.
 */
import { createHash } from 'node:crypto';
import { amountBasket } from '../core/basket.js';
import { parseCardCode, type CardCode } from '../core/card-code/parse.js';
import { canonicalJson } from '../core/canonical-json.js';
import { TallyError } from '../core/errors.js';
import type { PlannedEvent, PlannedTransfer } from '../core/ledger-model.js';
import { planCheckout, tierProgress, type Quote, type SaleRecord, type TierProgress } from '../core/rules/checkout.js';
import { planAction, planAdjustment, planDonation, planEnrolment, planMembershipSale, planPeriodic } from '../core/rules/commands.js';
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
} from '../contract/commands.js';
import type { BookedTransfer, HistoryEntry, Ledger, MemberRecord, TransactionKind } from './ledger/ledger.js';
import { verifyLedger, type VerifyReport } from './ledger/verify.js';
import { newUuidV7 } from './uuid.js';
import type { SlipData } from '../core/receipt/slip.js';
import { slipFromCommand } from './printing/slip-data.js';

export interface ServiceOptions {
  readonly clock?: () => Instant;
  readonly newId?: () => string;
  /**
   * Called inside each command's transaction, after booking, with the slip to print: a print
   * queue stores its job there, so the job commits with the command (and never without it).
   */
  readonly onSlip?: (slip: SlipData, booking: { readonly transactionId: string; readonly now: Instant }) => void;
}

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
  readonly version: number;
}

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
  readonly refundDeduction: number;
  readonly redeemedRestored: number;
  readonly eligibleReturned: number;
  readonly fullyReturned: boolean;
  readonly membershipCancelled: string | null;
}

export interface EnrolResult extends CommandResultBase {
  readonly welcomePoints: number;
}

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

function maskCode(code: string): string {
  return code.length > 8 ? `${code.slice(0, 4)}…` : code;
}

function hashRequest(kind: string, request: unknown): string {
  return createHash('sha256').update(canonicalJson({ kind, request })).digest('hex');
}

export class LoyaltyService {
  private readonly clock: () => Instant;
  private readonly newId: () => string;
  private readonly onSlip: ServiceOptions['onSlip'];

  constructor(
    readonly ledger: Ledger,
    options: ServiceOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.newId = options.newId ?? newUuidV7;
    this.onSlip = options.onSlip;
  }

  private context(now: Instant): RuleContext {
    const { timeZone, storeId } = this.ledger.terminal;
    return { program: this.ledger.program, now, timeZone, storeId, newId: this.newId };
  }

  /** Every scanned or typed code goes through the program's card-code rules first. */
  parseCard(text: string): CardCode {
    return parseCardCode({ text }, this.ledger.program.cardCodes, this.clock());
  }

  private memberIdForCard(card: string): string {
    const parsed = this.parseCard(card);
    if (!parsed.ok) throw new TallyError('invalid-card', parsed.message, { reason: parsed.reason });
    if (parsed.kind === 'token') {
      if (!this.ledger.member(parsed.memberId)) {
        throw new TallyError('unknown-member', 'Genuine member QR code, but this member is not on this terminal yet — sync the terminal, or scan their card');
      }
      return parsed.memberId;
    }
    const memberId = this.ledger.memberIdForCard(parsed.code);
    if (memberId === undefined) throw new TallyError('unknown-card', `Card not recognised: ${maskCode(parsed.code)} — check the card or enrol the customer`);
    return memberId;
  }

  /** A card to enrol must be a member card by the program's rules (not a QR code, a product or a bank card). */
  private enrolmentCard(text: string): string {
    const parsed = this.parseCard(text);
    if (!parsed.ok) throw new TallyError('invalid-card', `Cannot enrol ${parsed.reason === 'bank-card' ? 'this card' : text}: ${parsed.message}`, { reason: parsed.reason });
    if (parsed.kind !== 'card') throw new TallyError('invalid-card', 'A member QR code cannot be enrolled as a card: scan the plastic card, or look the member up');
    return parsed.code;
  }

  /**
   * The shape every counter command shares: idempotency by (store, terminal, kind, id), then plan and
   * book in one transaction. `plan` runs inside the transaction, so it sees a stable member.
   */
  private command<R extends CommandResultBase>(kind: TransactionKind, txnId: string, request: unknown, cashier: string | null, memberId: () => string, plan: (member: MemberState, ctx: RuleContext) => Planned<R>): R {
    const requestHash = hashRequest(kind, request);
    return this.ledger.transaction(() => {
      const existing = this.ledger.findTransaction(kind, txnId);
      if (existing) {
        if (existing.requestHash !== requestHash) {
          throw new TallyError('duplicate-different', `${kind} ${txnId} was already booked with different details; nothing was written. Use a new id for a new ${kind}.`);
        }
        return { ...(existing.result as R), replayed: true };
      }
      const id = memberId();
      const now = this.clock();
      const planned = plan(this.ledger.memberState(id), this.context(now));
      const transactionId = this.newId();
      const firstSeq = this.ledger.sequence().nextSeq;
      // The result is computed before booking except for the booked seq numbers and balance, which it includes.
      const bookedPreview = planned.transfers.map((t, i) => ({ id: t.id, kind: t.kind, unit: t.unit, amount: t.amount, seq: firstSeq + i }));
      const balance = this.ledger.balance(id) + planned.transfers.reduce((sum, t) => sum + (t.credit === `member:${id}` ? t.amount : t.debit === `member:${id}` ? -t.amount : 0), 0);
      const result = { txnId, memberId: id, balance, transfers: bookedPreview, replayed: false, ...planned.result(bookedPreview, balance) } as unknown as R;
      const booked = this.ledger.book(planned, {
        now,
        cashier,
        transaction: { id: transactionId, kind, txnId, memberId: id, originalId: planned.originalId ?? null, requestHash, request, record: planned.record, result, cashier },
      });
      if (booked.some((b, i) => b.seq !== bookedPreview[i]?.seq) || this.ledger.balance(id) !== balance) {
        throw new TallyError('ledger-invariant', `${kind} ${txnId}: the ledger booked something other than planned; nothing was written`);
      }
      if (this.onSlip) {
        const { storeId, terminalId } = this.ledger.terminal;
        this.onSlip(
          slipFromCommand({ kind, txnId, at: now, storeId, terminalId, currency: this.ledger.program.currency, member: this.summary(id), transfers: planned.transfers, result: result as unknown as Record<string, unknown> }),
          { transactionId, now },
        );
      }
      return result;
    });
  }

  enrol(args: EnrolArgs): EnrolResult {
    const input = parseInput(enrolArgs, args, 'member');
    const cards = [...new Set(input.cards.map((c) => this.enrolmentCard(c)))];
    const txnId = `enrol:${cards[0]!}`;
    const request = { ...input, cards };
    const requestHash = hashRequest('enrolment', request);
    const prior = this.ledger.findTransaction('enrolment', txnId);
    if (prior && prior.requestHash !== requestHash) throw new TallyError('card-in-use', `Card ${cards[0]!} already belongs to a member; look the member up instead of enrolling again`);
    for (const card of cards) {
      const owner = this.ledger.memberIdForCard(card);
      if (owner !== undefined && owner !== prior?.memberId) throw new TallyError('card-in-use', `Card ${card} already belongs to another member`);
    }
    return this.command<EnrolResult>(
      'enrolment',
      txnId,
      request,
      input.cashier ?? null,
      () => {
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
          },
          now,
        );
        return memberId;
      },
      (member, ctx) => {
        const plan = planEnrolment(member, ctx);
        const welcome = plan.transfers.find((t) => t.kind === 'welcome')?.amount ?? 0;
        return { transfers: plan.transfers, events: plan.events, record: { memberId: member.id, cards }, result: () => ({ welcomePoints: welcome }) };
      },
    );
  }

  /** Changes a member's details or adds cards (synced as a new member version); no-op when nothing changes. */
  updateMember(args: UpdateMemberArgs): MemberSummary {
    const input = parseInput(updateMemberArgs, args, 'member');
    const memberId = this.memberIdForCard(input.card);
    const addCards = input.addCards.map((c) => this.enrolmentCard(c));
    const changes = Object.fromEntries(
      (['name', 'phone', 'email', 'birthday', 'marketingConsent'] as const).filter((k) => input[k] !== undefined).map((k) => [k, input[k]]),
    );
    this.ledger.transaction(() => this.ledger.updateMember(memberId, changes, addCards, this.clock()));
    return this.summary(memberId);
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

  /** The CLI's plain amount as a basket in the program's currency. */
  amountBasket(amount: number): ReturnType<typeof amountBasket> {
    return amountBasket(amount, this.ledger.program.currency);
  }

  checkout(args: CheckoutArgs): CheckoutResult {
    const input = parseInput(checkoutArgs, args, 'checkout');
    return this.command<CheckoutResult>('checkout', input.txnId, input, input.cashier ?? null, () => this.memberIdForCard(input.card), (member, ctx) => {
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
    });
  }

  returnSale(args: ReturnArgs): ReturnResult {
    const input = parseInput(returnArgs, args, 'return');
    const sale = this.ledger.findTransaction('checkout', input.originalTxnId, input.originalTerminal);
    if (!sale) throw new TallyError('unknown-transaction', `No sale ${input.originalTxnId} on this terminal${input.originalTerminal ? ` (${input.originalTerminal})` : ''}; check the receipt's transaction number`);
    const { originalTerminal: _terminal, cashier, ...request } = input;
    return this.command<ReturnResult>('return', input.returnId, request, cashier ?? null, () => sale.memberId, (member, ctx) => {
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
          refundDeduction: record.refundDeduction,
          redeemedRestored: record.redeemedRestored,
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
    // Without an explicit id, the action's own limit key makes a retry find the first booking.
    const txnId = input.txnId ?? `${input.actionId}:${input.reference ?? 'member'}:${memberId}`;
    const { cashier, txnId: _txn, ...request } = input;
    return this.command<PointsResult>('action', txnId, request, cashier ?? null, () => memberId, (member, ctx) => {
      const plan = planAction(member, ctx, input.actionId, input.reference);
      const points = plan.transfers.find((t) => t.kind === 'action')?.amount ?? 0;
      return { transfers: plan.transfers, events: plan.events, record: { actionId: input.actionId, reference: input.reference ?? null }, result: () => ({ points }) };
    });
  }

  donate(args: DonateArgs): PointsResult {
    const input = parseInput(donateArgs, args, 'donation');
    const { cashier, ...request } = input;
    return this.command<PointsResult>('donation', input.donationId, request, cashier ?? null, () => this.memberIdForCard(input.card), (member, ctx) => {
      const plan = planDonation(member, ctx, input.charityId, input.points, input.donationId);
      return { transfers: plan.transfers, events: plan.events, record: { charityId: input.charityId, points: input.points }, result: () => ({ points: input.points }) };
    });
  }

  sellMembership(args: MembershipArgs): MembershipResult {
    const input = parseInput(membershipArgs, args, 'membership');
    const { cashier, ...request } = input;
    return this.command<MembershipResult>('membership', input.txnId, request, cashier ?? null, () => this.memberIdForCard(input.card), (member, ctx) => {
      const plan = planMembershipSale(member, ctx, input.planId, input.txnId, input.fee);
      const sale = plan.transfers.find((t) => t.kind === 'membership-sale')!;
      const detail = sale.detail as { startsAt: number; endsAt: number | null };
      return {
        transfers: plan.transfers,
        events: plan.events,
        record: { planId: input.planId, fee: sale.amount, startsAt: detail.startsAt, endsAt: detail.endsAt },
        result: () => ({ planId: input.planId, startsAt: detail.startsAt, endsAt: detail.endsAt, fee: sale.amount }),
      };
    });
  }

  adjust(args: AdjustArgs): PointsResult {
    const input = parseInput(adjustArgs, args, 'adjustment');
    const { cashier, ...request } = input;
    return this.command<PointsResult>('adjustment', input.txnId, request, cashier ?? null, () => this.memberIdForCard(input.card), (member, ctx) => {
      const plan = planAdjustment(member, ctx, input.points, input.reason);
      return { transfers: plan.transfers, events: plan.events, record: { points: input.points, reason: input.reason }, result: () => ({ points: input.points }) };
    });
  }

  /** Books everything time has brought for every member (expiry, credits, yearly rewards, reviews, lapses). */
  runPeriodic(batchSize = 500): PeriodicResult {
    let after: string | null = null;
    let members = 0;
    let transfers = 0;
    let events = 0;
    for (;;) {
      const ids = this.ledger.memberIds(after, batchSize);
      if (ids.length === 0) break;
      this.ledger.transaction(() => {
        const now = this.clock();
        for (const id of ids) {
          const plan = planPeriodic(this.ledger.memberState(id), this.context(now));
          if (plan.transfers.length === 0 && plan.events.length === 0) continue;
          this.ledger.book(plan, { now, cashier: null, transaction: null });
          transfers += plan.transfers.length;
          events += plan.events.length;
        }
      });
      members += ids.length;
      after = ids.at(-1) ?? null;
    }
    return { members, transfers, events };
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

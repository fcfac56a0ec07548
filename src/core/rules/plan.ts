/**
 * A Plan accumulates the transfers and events one command will book, applying each to a private
 * copy of the member's state so later steps see earlier ones (a birthday credit can pay for the
 * redemption that follows). The ledger books a plan as is, in one SQLite transaction.
 */
import { TallyError } from '../errors.js';
import { deterministicUuid } from '../ids.js';
import {
  ACCOUNTS,
  memberAccount,
  memberSpendAccount,
  periodKeyText,
  type BusinessKey,
  type EventKind,
  type LotGrant,
  type PlannedEvent,
  type PlannedTransfer,
  type TransferKind,
  type Unit,
} from '../ledger-model.js';
import type { Instant } from '../time.js';
import { drawFromLots, lotExpiry } from './lots.js';
import { bookedKey, type MemberState, type MembershipPeriod, type OpenLot, type RuleContext, type SpendEntry } from './member-state.js';

export interface TransferOptions {
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly moneyAmount?: number | null;
  readonly effectiveAt?: Instant;
  readonly earnRate?: { readonly points: number; readonly per: number } | null;
}

interface MutableState {
  balance: number;
  lots: OpenLot[];
  expiredFrom: Map<string, number>;
  spend: SpendEntry[];
  memberships: MembershipPeriod[];
  booked: Set<string>;
}

export class Plan {
  readonly transfers: PlannedTransfer[] = [];
  readonly events: PlannedEvent[] = [];
  private readonly state: MutableState;

  constructor(
    readonly member: MemberState,
    readonly ctx: RuleContext,
  ) {
    this.state = {
      balance: member.balance,
      lots: member.lots.map((l) => ({ ...l })),
      expiredFrom: new Map(member.expiredFrom),
      spend: [...member.spend],
      memberships: [...member.memberships],
      booked: new Set(member.booked),
    };
  }

  /** The member as it will be once this plan is booked. */
  get view(): MemberState {
    return { ...this.member, ...this.state, lots: this.state.lots.filter((l) => l.remaining > 0), expiredFrom: new Map(this.state.expiredFrom) };
  }

  isBooked(kind: string, period: string): boolean {
    return this.state.booked.has(bookedKey(kind, period));
  }

  private idFor(key: BusinessKey): string {
    return key.type === 'period' ? deterministicUuid(periodKeyText(this.member.id, key.kind, key.period)) : this.ctx.newId();
  }

  private push(
    kind: TransferKind,
    unit: Unit,
    amount: number,
    debit: string,
    credit: string,
    key: BusinessKey,
    options: TransferOptions,
    lots: { granted?: (id: string) => LotGrant[]; drawn?: PlannedTransfer['lotsDrawn'] },
  ): PlannedTransfer {
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError(`transfer amount must be a positive integer, got ${amount}`);
    const id = this.idFor(key);
    const transfer: PlannedTransfer = {
      id,
      kind,
      unit,
      amount,
      debit,
      credit,
      memberId: this.member.id,
      key,
      moneyAmount: options.moneyAmount ?? null,
      effectiveAt: options.effectiveAt ?? this.ctx.now,
      earnRate: options.earnRate ?? null,
      detail: options.detail ?? {},
      lotsGranted: lots.granted?.(id) ?? [],
      lotsDrawn: lots.drawn ?? [],
    };
    this.transfers.push(transfer);
    if (key.type === 'period') this.state.booked.add(bookedKey(key.kind, key.period));
    return transfer;
  }

  /**
   * Credits points to the member from `from` (issuance by default). Lots count as earned at
   * `effectiveAt` (now by default) and expire by the program rule from then, or as given (a
   * refunded redemption gives back the lots it drew, with their expiry). Time-driven credits are
   * effective at the period they are for, so whoever books them derives the same lots.
   */
  credit(kind: TransferKind, amount: number, key: BusinessKey, options: TransferOptions & { from?: string; lots?: readonly { points: number; expiresAt: Instant | null }[] } = {}): PlannedTransfer | undefined {
    if (amount === 0) return undefined;
    const earnedAt = options.effectiveAt ?? this.ctx.now;
    const pieces = options.lots ?? [{ points: amount, expiresAt: lotExpiry(this.ctx.program, earnedAt, this.ctx.timeZone) }];
    const transfer = this.push(kind, 'points', amount, options.from ?? ACCOUNTS.issuance, memberAccount(this.member.id), key, options, {
      granted: (id) => pieces.filter((p) => p.points > 0).map((p, i) => ({ id: `${id}:${i}`, points: p.points, earnedAt, expiresAt: p.expiresAt })),
    });
    for (const lot of transfer.lotsGranted) {
      this.state.lots.push({ id: lot.id, remaining: lot.points, expiresAt: lot.expiresAt, earnedAt: lot.earnedAt, sourceTransferId: transfer.id });
    }
    this.state.balance += amount;
    return transfer;
  }

  /** Debits points from the member to `to`, drawing lots (those of `prefer` transfers first). Throws insufficient-points. */
  debit(kind: TransferKind, amount: number, to: string, key: BusinessKey, options: TransferOptions & { prefer?: ReadonlySet<string>; onlyLots?: readonly OpenLot[] } = {}): PlannedTransfer | undefined {
    if (amount === 0) return undefined;
    const drawn = drawFromLots(options.onlyLots ?? this.spendable(kind, amount) ?? this.state.lots, amount, options.prefer);
    const transfer = this.push(kind, 'points', amount, memberAccount(this.member.id), to, key, options, { drawn });
    for (const draw of drawn) {
      const index = this.state.lots.findIndex((l) => l.id === draw.lotId);
      const lot = this.state.lots[index]!;
      this.state.lots[index] = { ...lot, remaining: lot.remaining - draw.points };
      // What expired stays known after the lot closes: a later return must not collect it again.
      if (kind === 'expiry') this.state.expiredFrom.set(lot.sourceTransferId, (this.state.expiredFrom.get(lot.sourceTransferId) ?? 0) + draw.points);
    }
    this.state.balance -= amount;
    return transfer;
  }

  /** For a spend (or a return's take-back) under a server hold, only what the hold reserved (RuleContext.spendLots); else null. */
  private spendable(kind: TransferKind, amount: number): OpenLot[] | null {
    const reserved = this.ctx.spendLots;
    if (reserved === undefined || (kind !== 'redeem' && kind !== 'donation' && kind !== 'return-earn')) return null;
    const lots = this.state.lots.flatMap((l) => {
      const points = reserved.get(l.id);
      return points === undefined ? [] : [{ ...l, remaining: Math.min(l.remaining, points) }];
    });
    const total = lots.reduce((sum, l) => sum + Math.max(0, l.remaining), 0);
    // The counter's copy of the lots lags the server's (an entry of its own not pushed yet drew one).
    if (total < amount) throw new TallyError('insufficient-points', `Of the points the server held for this spend, ${total} are open in this terminal's copy, ${amount} needed: sync, then try again; nothing was written`);
    return lots;
  }

  /** A points movement between two program accounts on the member's behalf (a written-off return). */
  transfer(kind: TransferKind, amount: number, debit: string, credit: string, key: BusinessKey, options: TransferOptions = {}): PlannedTransfer | undefined {
    if (amount === 0) return undefined;
    return this.push(kind, 'points', amount, debit, credit, key, options, {});
  }

  /** Qualifying spend (money) moves to the member's spend account for sales and back for returns. */
  spend(kind: 'qualifying-spend' | 'return-qualifying-spend', amount: number, key: BusinessKey, effectiveAt: Instant, options: TransferOptions = {}): PlannedTransfer | undefined {
    if (amount === 0) return undefined;
    const toMember = kind === 'qualifying-spend';
    const account = memberSpendAccount(this.member.id);
    const transfer = this.push(kind, 'money', amount, toMember ? ACCOUNTS.sales : account, toMember ? account : ACCOUNTS.sales, key, { ...options, moneyAmount: amount, effectiveAt }, {});
    this.state.spend.push({ effectiveAt, amount: toMember ? amount : -amount });
    return transfer;
  }

  /** A membership fee taken by the POS; the period it buys is part of the transfer so it syncs with it. */
  membershipSale(amount: number, key: BusinessKey, period: MembershipPeriod, options: TransferOptions = {}): PlannedTransfer {
    const detail = { ...options.detail, planId: period.planId, startsAt: period.startsAt, endsAt: period.endsAt };
    const transfer = this.push('membership-sale', 'money', amount, ACCOUNTS.posTender, ACCOUNTS.membershipFees, key, { ...options, detail, moneyAmount: amount }, {});
    this.state.memberships.push({ ...period, saleTransferId: transfer.id });
    return transfer;
  }

  /** A returned membership: its fee goes back and its period ends now (or never starts). */
  membershipRefund(amount: number, key: BusinessKey, saleTransferId: string, options: TransferOptions = {}): PlannedTransfer {
    const now = this.ctx.now;
    const index = this.state.memberships.findIndex((p) => p.saleTransferId === saleTransferId);
    const period = this.state.memberships[index];
    if (!period) throw new RangeError(`no membership bought by ${saleTransferId}`);
    const detail = { ...options.detail, planId: period.planId, saleTransferId, cancelledAt: now };
    const transfer = this.push('membership-refund', 'money', amount, ACCOUNTS.membershipFees, ACCOUNTS.posTender, key, { ...options, detail, moneyAmount: amount }, {});
    this.state.memberships[index] = { ...period, endsAt: period.startsAt >= now ? period.startsAt : period.endsAt === null ? now : Math.min(period.endsAt, now) };
    return transfer;
  }

  event(kind: EventKind, period: string, detail: Readonly<Record<string, unknown>>): PlannedEvent {
    const event: PlannedEvent = { id: deterministicUuid(periodKeyText(this.member.id, kind, period)), kind, memberId: this.member.id, period, detail };
    this.events.push(event);
    this.state.booked.add(bookedKey(kind, period));
    return event;
  }
}

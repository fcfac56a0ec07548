/**
 * The slip of one counter command, from what the command booked: its result, its transfers and
 * the member as the ledger now has them. Built inside the command's transaction, so the print job
 * that carries it commits with the checkout or not at all.
 */
import type { PlannedTransfer } from '../../core/ledger-model.js';
import type { EarnComponent } from '../../core/rules/earn.js';
import { maskCard, type SlipData, type SlipKind } from '../../core/receipt/slip.js';
import type { TransactionKind } from '../ledger/ledger.js';
import type { MemberSummary } from '../../contract/member-summary.js';
import type { Instant } from '../../core/time.js';

/** Where a command hands its slip, inside the command's transaction (the print queue enqueues it there). */
export type SlipSink = (slip: SlipData, booking: { readonly transactionId: string; readonly now: Instant }) => void;

const SLIP_KIND: Readonly<Record<TransactionKind, SlipKind>> = {
  checkout: 'checkout',
  return: 'return',
  donation: 'donation',
  enrolment: 'enrolment',
  membership: 'membership',
  action: 'action',
  adjustment: 'adjustment',
};

const REWARD_KINDS = new Set(['welcome', 'birthday', 'membership-credit', 'annual-reward', 'action', 'adjustment-credit']);

export interface SlipSource {
  readonly kind: TransactionKind;
  readonly txnId: string;
  readonly at: number;
  readonly storeId: string;
  readonly terminalId: string;
  readonly demo: boolean;
  readonly currency: string;
  readonly member: MemberSummary;
  readonly transfers: readonly PlannedTransfer[];
  /** The command's result as returned to the caller (see LoyaltyService). */
  readonly result: Readonly<Record<string, unknown>>;
}

function detailString(t: PlannedTransfer, key: string): string | null {
  const value = t.detail[key];
  return typeof value === 'string' ? value : null;
}

/**
 * The eligible spend a checkout's points were earned on (see SlipData.earnedOn): the earn (or
 * chosen bonus-day) transfer records it; a sale that earned nothing books it as qualifying spend.
 * From the transfers, so a slip rebuilt from the ledger for a reprint says the same.
 */
function eligibleSpend(transfers: readonly PlannedTransfer[]): number | null {
  for (const t of transfers) {
    const value = t.kind === 'earn' || t.kind === 'bonus-day' ? t.detail['eligibleSpend'] : undefined;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  }
  return transfers.find((t) => t.kind === 'qualifying-spend')?.amount ?? null;
}

export function slipFromCommand(source: SlipSource): SlipData {
  const { result, transfers } = source;
  const earn = source.kind === 'checkout' ? (result['earn'] as { points: number; components: readonly EarnComponent[] } | undefined) : undefined;
  const bonusDay = transfers.find((t) => t.kind === 'bonus-day');
  const redeemed = source.kind === 'checkout' ? (result['redeemed'] as SlipData['redeemed'] | undefined) ?? null : null;
  return {
    kind: SLIP_KIND[source.kind],
    // An enrolment is identified by its card: only the last digits go on paper.
    txnId: source.kind === 'enrolment' ? `enrol:${maskCard(source.member.cards[0] ?? '')}` : source.txnId,
    at: source.at,
    storeId: source.storeId,
    terminalId: source.terminalId,
    currency: source.currency,
    member: { id: source.member.memberId, name: source.member.name, card: source.member.cards[0] ?? null },
    earned: earn ? { points: earn.points, components: earn.components, memberBonusDay: bonusDay ? { id: detailString(bonusDay, 'bonusDay') ?? 'bonus-day', points: bonusDay.amount } : null } : null,
    ...(source.kind === 'checkout' ? { earnedOn: eligibleSpend(transfers) } : {}),
    redeemed,
    returned:
      source.kind === 'return'
        ? {
            originalTxnId: String(result['originalTxnId']),
            points: Number(result['pointsCollected'] ?? 0),
            uncollected: Number(result['pointsUncollected'] ?? 0),
            refundDeduction: Number(result['refundDeduction'] ?? 0),
            restored: Number(result['redeemedRestored'] ?? 0),
          }
        : null,
    rewards: transfers
      .filter((t) => REWARD_KINDS.has(t.kind))
      .map((t) => ({ kind: t.kind, points: t.amount, refId: detailString(t, 'rewardId') ?? detailString(t, 'action') })),
    donations: transfers.filter((t) => t.kind === 'donation').map((t) => ({ charityId: detailString(t, 'charity') ?? '?', points: t.amount })),
    balance: source.member.balance,
    tier: source.member.tier,
    expiring: source.member.expiringSoon,
    memberQr: null,
    ...(source.demo ? { demo: true } : {}),
  };
}

/**
 * Redemption: points as currency (N points pay for M minor units, in steps, from a minimum) or a
 * catalogue reward (fixed amount off, percent off, a free item). Either way points may pay at most
 * the program's share of the basket, and a terminal never takes a balance below zero.
 */
import type { Basket } from '../basket.js';
import { TallyError } from '../errors.js';
import { formatMoney, mulDiv } from '../money.js';
import type { CatalogueReward, Program } from '../program/schema.js';

export type RedeemRequest = { readonly points: number } | { readonly rewardId: string };

export interface PointsAsCurrencyOption {
  readonly minimumPoints: number;
  readonly maximumPoints: number;
  readonly step: number;
  /** `points` points pay for `amount` minor units. */
  readonly points: number;
  readonly amount: number;
  readonly maximumDiscount: number;
  readonly available: boolean;
}

export interface RewardOption {
  readonly id: string;
  readonly name: CatalogueReward['name'];
  readonly points: number;
  readonly discount: number;
  readonly available: boolean;
  readonly reason?: string;
  /** For a free item, the basket line it pays for. */
  readonly lineIndex?: number;
}

export interface RedemptionOptions {
  readonly balance: number;
  /** The most points may pay for this basket (after member discounts). */
  readonly cap: number;
  readonly pointsAsCurrency: PointsAsCurrencyOption | null;
  readonly rewards: readonly RewardOption[];
}

export interface ChosenRedemption {
  readonly points: number;
  readonly discount: number;
  readonly rewardId: string | null;
  /** A free item's discount goes on its own line. */
  readonly lineIndex: number | null;
  /**
   * Catalogue discounts apply to what the program discounts (never gift cards or excluded lines);
   * points used as money pay for the basket like any tender.
   */
  readonly spreadOver: 'discountable' | 'basket';
}

const floorToStep = (value: number, step: number): number => Math.floor(value / step) * step;

/** What is left of each line after member discounts, and whether the program may discount it. */
export interface RedeemableLines {
  readonly remaining: readonly number[];
  readonly excluded: readonly boolean[];
}

function rewardOption(reward: CatalogueReward, basket: Basket, lines: RedeemableLines, cap: number, balance: number): RewardOption {
  const money = (amount: number): string => formatMoney({ amount, currency: basket.currency });
  const base = { id: reward.id, name: reward.name, points: reward.points };
  const discountable = lines.remaining.reduce((sum, amount, i) => (lines.excluded[i] ? sum : sum + amount), 0);
  let discount: number;
  let lineIndex: number | undefined;
  const r = reward.reward;
  if (r.type === 'amount-off') {
    discount = r.amount;
    if (discount > discountable) return { ...base, discount, available: false, reason: `worth ${money(discount)}, more than the ${money(discountable)} of this basket it applies to` };
  } else if (r.type === 'percent-off') discount = mulDiv(discountable, r.percent, 100);
  else {
    // The cheapest matching unit is the free one, as shops do.
    let best: { index: number; unit: number } | undefined;
    basket.lines.forEach((line, index) => {
      const matches = (r.sku !== undefined && line.sku === r.sku) || (r.category !== undefined && line.category === r.category);
      if (!matches || lines.excluded[index]) return;
      const unit = Math.floor((lines.remaining[index] ?? 0) / line.quantity);
      if (!best || unit < best.unit) best = { index, unit };
    });
    if (!best) return { ...base, discount: 0, available: false, reason: `the basket has no ${r.sku ?? r.category} to take free` };
    lineIndex = best.index;
    discount = Math.min(best.unit, r.maxValue ?? best.unit);
  }
  const where = lineIndex === undefined ? {} : { lineIndex };
  if (balance < reward.points) return { ...base, ...where, discount, available: false, reason: `needs ${reward.points} points, the member has ${balance}` };
  if (discount > cap) return { ...base, ...where, discount, available: false, reason: `worth ${money(discount)}, more than the ${money(cap)} points may pay for this basket` };
  if (discount === 0) return { ...base, ...where, discount, available: false, reason: 'worth nothing on this basket' };
  return { ...base, ...where, discount, available: true };
}

/** `payable` is the basket total after member discounts. */
export function redemptionOptions(program: Program, basket: Basket, lines: RedeemableLines, payable: number, balance: number): RedemptionOptions {
  const r = program.redemption;
  const cap = mulDiv(payable, r.maxBasketShare, 100);
  let pointsAsCurrency: PointsAsCurrencyOption | null = null;
  if (r.pointValue) {
    const { points, amount } = r.pointValue;
    const byCap = floorToStep(mulDiv(cap, points, amount), r.step);
    const maximumPoints = Math.min(floorToStep(balance, r.step), byCap);
    pointsAsCurrency = {
      minimumPoints: r.minimumPoints,
      maximumPoints,
      step: r.step,
      points,
      amount,
      maximumDiscount: mulDiv(maximumPoints, amount, points),
      available: maximumPoints >= Math.max(r.minimumPoints, r.step),
    };
  }
  const rewards = r.catalogue.map((reward) => rewardOption(reward, basket, lines, cap, balance));
  return { balance, cap, pointsAsCurrency, rewards };
}

export function chooseRedemption(program: Program, options: RedemptionOptions, request: RedeemRequest): ChosenRedemption {
  if ('rewardId' in request) {
    const option = options.rewards.find((o) => o.id === request.rewardId);
    if (!option) {
      const known = options.rewards.map((o) => o.id).join(', ') || 'none';
      throw new TallyError('redemption-not-allowed', `Unknown reward "${request.rewardId}" (this program has: ${known})`);
    }
    if (!option.available) {
      const code = option.points > options.balance ? 'insufficient-points' : 'redemption-not-allowed';
      throw new TallyError(code, `Reward "${option.id}" cannot be used: ${option.reason ?? 'not available'}`);
    }
    return { points: option.points, discount: option.discount, rewardId: option.id, lineIndex: option.lineIndex ?? null, spreadOver: 'discountable' };
  }
  const pac = options.pointsAsCurrency;
  const points = request.points;
  if (!pac) throw new TallyError('redemption-not-allowed', 'This program does not let points pay for a basket; choose a reward instead');
  if (!Number.isSafeInteger(points) || points <= 0) throw new TallyError('invalid-input', `Points to redeem must be a whole positive number, got ${String(points)}`);
  if (points % pac.step !== 0) throw new TallyError('redemption-not-allowed', `Points are redeemed in steps of ${pac.step}; ${points} is not a multiple`);
  if (points < pac.minimumPoints) throw new TallyError('redemption-not-allowed', `At least ${pac.minimumPoints} points must be redeemed at once`);
  if (points > options.balance) throw new TallyError('insufficient-points', `Not enough points: ${points} requested, balance is ${options.balance}`);
  if (points > pac.maximumPoints) {
    throw new TallyError('redemption-not-allowed', `At most ${pac.maximumPoints} points can pay for this basket (${program.redemption.maxBasketShare}% of it)`);
  }
  return { points, discount: mulDiv(points, pac.amount, pac.points), rewardId: null, lineIndex: null, spreadOver: 'basket' };
}

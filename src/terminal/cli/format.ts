/** Human-readable CLI output. Money in the program currency; names in the chosen language. */
import { formatMoney } from '../../core/money.js';
import type { Program } from '../../core/program/schema.js';
import type { EarnComponent } from '../../core/rules/earn.js';
import type { TierProgress } from '../../core/rules/checkout.js';
import type { ExpiringAmount } from '../../core/rules/lots.js';
import { localIso, type Instant } from '../../core/time.js';

export type Lang = 'en' | 'ko';

export class Formatter {
  constructor(
    readonly program: Program,
    readonly lang: Lang,
    readonly timeZone: string,
  ) {}

  money(amount: number): string {
    return formatMoney({ amount, currency: this.program.currency }, this.lang === 'ko' ? 'ko-KR' : 'en-US');
  }

  points(n: number): string {
    return `${n.toLocaleString('en-US')} ${Math.abs(n) === 1 ? 'point' : 'points'}`;
  }

  time(instant: Instant): string {
    return localIso(instant, this.timeZone).replace('T', ' ').slice(0, 16);
  }

  day(instant: Instant): string {
    return localIso(instant - 1, this.timeZone).slice(0, 10);
  }

  tierName(id: string): string {
    return this.program.tiers?.levels.find((l) => l.id === id)?.name[this.lang] ?? id;
  }

  bonusDayName(id: string): string {
    return this.program.bonuses.days.find((d) => d.id === id)?.name[this.lang] ?? id;
  }

  rewardName(id: string): string {
    return this.program.redemption.catalogue.find((r) => r.id === id)?.name[this.lang] ?? id;
  }

  planName(id: string): string {
    return this.program.memberships.find((m) => m.id === id)?.name[this.lang] ?? id;
  }

  component(c: EarnComponent): string {
    switch (c.kind) {
      case 'base':
        return `base ${c.points}`;
      case 'product-multiplier':
        return `product bonus +${c.points}`;
      case 'tier':
        return `${this.tierName(c.id)} ×${c.multiplier} +${c.points}`;
      case 'membership':
        return `${this.planName(c.id)} ×${c.multiplier} +${c.points}`;
      case 'bonus-day':
      case 'member-bonus-day':
        return `${this.bonusDayName(c.id)} ×${c.multiplier} +${c.points}`;
      case 'spend-threshold':
        return `spend over ${this.money(c.minimumSpend)} +${c.points}`;
    }
  }

  tier(t: TierProgress | null): string[] {
    if (!t) return [];
    const lines = [`Tier: ${this.tierName(t.tier)} (qualifying spend ${this.money(t.qualifyingSpend)}${t.periodEnd !== null ? ` this year, until ${this.day(t.periodEnd)}` : ''})`];
    if (t.nextTier !== null && t.spendToNext !== null) lines.push(`  ${this.money(t.spendToNext)} more to ${this.tierName(t.nextTier)}`);
    return lines;
  }

  expiring(list: readonly ExpiringAmount[]): string[] {
    return list.map((e) => `Expiring: ${this.points(e.points)} after ${e.lastDay}`);
  }
}

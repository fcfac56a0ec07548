/** What the basket earns and why: base rate, product bonuses, tier and membership multipliers, bonus days, spend bonuses. */
import { useTranslation } from 'react-i18next';
import type { Quote } from '../../../core/rules/checkout.js';
import type { EarnComponent } from '../../../core/rules/earn.js';
import { useFormats, useTerminal } from '../terminal-context.js';

export function EarnBreakdown({ quote }: { readonly quote: Quote }) {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const f = useFormats();
  const named = (list: readonly { readonly id: string; readonly name: { readonly en: string; readonly ko: string } }[], id: string): string => {
    const found = list.find((item) => item.id === id);
    return found ? f.name(found.name) : id;
  };
  // Components carry the multiplier itself (1.25), not hundredths.
  const times = (multiplier: number): string => String(multiplier);
  const label = (c: EarnComponent): string => {
    switch (c.kind) {
      case 'base':
        return t('preview.base');
      case 'product-multiplier':
        return t('preview.productMultiplier');
      case 'tier':
        return t('preview.tierBonus', { name: named(info.program.tiers, c.id), multiplier: times(c.multiplier) });
      case 'membership':
        return t('preview.membershipBonus', { name: named(info.program.plans, c.id), multiplier: times(c.multiplier) });
      case 'bonus-day':
      case 'member-bonus-day':
        return t('preview.bonusDay', { name: named(info.program.bonusDays, c.id), multiplier: times(c.multiplier) });
      case 'spend-threshold':
        return t('preview.spendThreshold', { amount: f.money(c.minimumSpend) });
    }
  };
  const components = quote.earn.components.filter((c) => c.points !== 0);
  // The member's chosen bonus day is booked as its own entry, beside the components.
  const memberDay = quote.earn.memberBonusDayPoints > 0 ? quote.bonusDays.memberChoice.find((d) => d.available) : undefined;
  if (quote.earn.belowMinimum) return <p>{t('preview.belowMinimum')}</p>;
  if (components.length === 0 && memberDay === undefined) return null;
  return (
    <>
      <h3 id="breakdown-title">{t('preview.breakdown')}</h3>
      <table className="breakdown" aria-labelledby="breakdown-title" data-testid="earn-breakdown">
        <tbody>
          {components.map((c, i) => (
            <tr key={`${c.kind}-${i}`}>
              <th scope="row">{label(c)}</th>
              <td>+{f.points(c.points)}</td>
            </tr>
          ))}
          {memberDay !== undefined && (
            <tr data-testid="earn-member-bonus-day">
              <th scope="row">{t('preview.bonusDay', { name: named(info.program.bonusDays, memberDay.id), multiplier: times(memberDay.multiplier) })}</th>
              <td>+{f.points(quote.earn.memberBonusDayPoints)}</td>
            </tr>
          )}
        </tbody>
      </table>
    </>
  );
}

/** A member's tier and the way to the next, large, for the customer's side of the counter (the display and the kiosk). */
import { useTranslation } from 'react-i18next';
import type { CustomerMemberView } from '../../../contract/customer-view.js';
import { tierProgressRatio } from '../cashier/checkout-plan.js';
import { useFormats, useTerminal } from '../terminal-context.js';

export function TierMeter({ tier }: { readonly tier: NonNullable<CustomerMemberView['tier']> }) {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const f = useFormats();
  const tierName = (id: string): string => {
    const found = info.program.tiers.find((level) => level.id === id);
    return found ? f.name(found.name) : id;
  };
  const ratio = tierProgressRatio({ ...tier, periodEnd: null });
  return (
    <div className="tier-meter" data-testid="customer-tier">
      <p className="tier-meter-name">{t('customer.tier', { tier: tierName(tier.tier) })}</p>
      {tier.nextTier !== null && tier.spendToNext !== null ? (
        <>
          {ratio !== null && <progress className="tier-meter-bar" max={100} value={Math.round(ratio * 100)} aria-label={t('customer.tierProgressLabel', { next: tierName(tier.nextTier) })} />}
          <p>{t('customer.tierToNext', { amount: f.money(tier.spendToNext), next: tierName(tier.nextTier) })}</p>
        </>
      ) : (
        <p>{t('customer.tierTop')}</p>
      )}
    </div>
  );
}

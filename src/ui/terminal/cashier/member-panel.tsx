/** The member at the counter: name (partly masked), card, balance, tier and progress, membership, expiring points, rewards. */
import { useTranslation } from 'react-i18next';
import { maskCard, maskName } from '../../../core/receipt/slip.js';
import type { MemberSummary } from '../../../contract/member-summary.js';
import { useFormats, useTerminal } from '../terminal-context.js';
import { affordableRewards, tierProgressRatio } from './checkout-plan.js';

export function MemberPanel({ member, card }: { readonly member: MemberSummary; readonly card: string }) {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const f = useFormats();
  const tierName = (id: string): string => {
    const tier = info.program.tiers.find((level) => level.id === id);
    return tier ? f.name(tier.name) : id;
  };
  const plan = member.membership ? info.program.plans.find((p) => p.id === member.membership?.planId) : undefined;
  const ratio = tierProgressRatio(member.tier);
  const rewards = affordableRewards(member, info);
  return (
    <section className="panel panel-member" aria-labelledby="member-title" data-testid="member-panel">
      <h2 id="member-title">{t('member.heading')}</h2>
      {member.erasedAt !== null && <p className="notice">{t('member.erased')}</p>}
      <dl className="facts">
        <div>
          <dt>{t('member.name')}</dt>
          <dd data-testid="member-name">{member.name ? maskName(member.name) : t('member.noName')}</dd>
        </div>
        <div>
          <dt>{t('member.card')}</dt>
          <dd>{card.length > 32 ? 'QR' : maskCard(card)}</dd>
        </div>
        <div className="fact-large">
          <dt>{t('member.balance')}</dt>
          <dd data-testid="member-balance">{f.points(member.balance)}</dd>
        </div>
        {member.tier && (
          <div>
            <dt>{t('member.tier')}</dt>
            <dd data-testid="member-tier">
              {tierName(member.tier.tier)}
              {member.tier.nextTier !== null && member.tier.spendToNext !== null ? (
                <>
                  <span className="fact-note">{t('member.tierProgress', { amount: f.money(member.tier.spendToNext), next: tierName(member.tier.nextTier) })}</span>
                  {ratio !== null && <progress max={100} value={Math.round(ratio * 100)} aria-label={t('member.tierProgressLabel', { next: tierName(member.tier.nextTier) })} />}
                </>
              ) : (
                <span className="fact-note">{t('member.tierTop')}</span>
              )}
              {member.tier.periodEnd !== null && <span className="fact-note">{t('member.tierUntil', { amount: f.money(member.tier.qualifyingSpend), date: f.date(member.tier.periodEnd - 1) })}</span>}
            </dd>
          </div>
        )}
        {member.membership && (
          <div>
            <dt>{t('member.membership')}</dt>
            <dd>{member.membership.endsAt === null ? (plan ? f.name(plan.name) : member.membership.planId) : t('member.membershipUntil', { plan: plan ? f.name(plan.name) : member.membership.planId, date: f.date(member.membership.endsAt - 1) })}</dd>
          </div>
        )}
      </dl>
      <h3>{t('member.expiringHeading')}</h3>
      {member.expiringSoon.length === 0 ? (
        <p>{t('member.noneExpiring')}</p>
      ) : (
        <ul data-testid="member-expiring">
          {member.expiringSoon.map((lot) => (
            <li key={lot.lastDay}>{t('member.expiringLine', { points: f.points(lot.points), date: f.day(lot.lastDay) })}</li>
          ))}
        </ul>
      )}
      <h3>{t('member.rewardsHeading')}</h3>
      {rewards.length === 0 ? (
        <p>{t('member.noRewards')}</p>
      ) : (
        <ul data-testid="member-rewards">
          {rewards.map((reward) => (
            <li key={reward.id}>{t('member.rewardLine', { name: f.name(reward.name), points: f.points(reward.points) })}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

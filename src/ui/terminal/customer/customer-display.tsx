/**
 * The customer display (`#/customer`; in Electron, a window on the second monitor): what the
 * cashier's screen shows the customer, large: their balance, tier and the way to the next, what
 * this basket earns, a thank-you with the points earned and the new balance, and a welcome between
 * customers. It only follows (`customer-view` pushes, `customer-view-current` on connecting): it
 * sends nothing that changes anything, and nobody types on it.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { IDLE_VIEW, type CustomerMemberView, type CustomerView } from '../../../contract/customer-view.js';
import { useFormats, useTerminal } from '../terminal-context.js';
import { useConnectionState } from '../use-host.js';
import { useIdleAfter } from '../use-idle.js';
import { TierMeter } from './tier-meter.js';

/** How long the thank-you stays before the welcome, if the cashier has not moved on. */
export const THANKS_MS = 20_000;

function useCustomerView(): [CustomerView, (view: CustomerView) => void] {
  const { api } = useTerminal();
  const connection = useConnectionState(api);
  const [view, setView] = useState<CustomerView>(IDLE_VIEW);
  useEffect(() => api.onPush('customer-view', setView), [api]);
  useEffect(() => {
    if (connection !== 'open') return;
    let current = true;
    api.send('customer-view-current', {}).then(
      (now) => {
        if (current) setView(now);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api, connection]);
  return [view, setView];
}

function MemberFacts({ member, balanceLabel }: { readonly member: CustomerMemberView; readonly balanceLabel: string }) {
  const { t } = useTranslation();
  const f = useFormats();
  return (
    <>
      <p className="customer-greeting" data-testid="customer-name">
        {member.name === null ? t('customer.helloNoName') : t('customer.hello', { name: member.name })}
      </p>
      <p className="customer-balance">
        <span className="customer-balance-label">{balanceLabel}</span>{' '}
        <span className="customer-balance-figure" data-testid="customer-balance">
          {f.points(member.balance)}
        </span>
      </p>
      {member.tier !== null && <TierMeter tier={member.tier} />}
    </>
  );
}

export function CustomerDisplay() {
  const { t } = useTranslation();
  const { info } = useTerminal();
  const f = useFormats();
  const [view, setView] = useCustomerView();
  useIdleAfter(THANKS_MS, view.state === 'thanks', view, () => setView(IDLE_VIEW));
  return (
    <section className="customer-display" data-screen="customer" data-state={view.state} aria-labelledby="customer-title" aria-live="polite">
      {view.state === 'idle' && (
        <>
          <h1 id="customer-title" className="customer-headline">
            {t('customer.welcome')}
          </h1>
          <p className="customer-lead">{t('customer.idleHint', { program: f.name(info.program.name) })}</p>
        </>
      )}
      {view.state === 'member' && (
        <>
          <h1 id="customer-title" className="visually-hidden">
            {t('customer.memberTitle')}
          </h1>
          <MemberFacts member={view.member} balanceLabel={t('customer.balance')} />
        </>
      )}
      {view.state === 'preview' && (
        <>
          <h1 id="customer-title" className="visually-hidden">
            {t('customer.previewTitle')}
          </h1>
          <MemberFacts member={view.member} balanceLabel={t('customer.balance')} />
          <dl className="customer-basket">
            <div>
              <dt>{t('customer.amountDue')}</dt>
              <dd data-testid="customer-amount-due">{f.money(view.amountDue)}</dd>
            </div>
            <div className="customer-earn">
              <dt>{t('customer.earn')}</dt>
              <dd data-testid="customer-earn">{f.points(view.earn)}</dd>
            </div>
            {view.redeem > 0 && (
              <div>
                <dt>{t('customer.redeem')}</dt>
                <dd data-testid="customer-redeem">{f.points(view.redeem)}</dd>
              </div>
            )}
            <div>
              <dt>{t('customer.balanceAfter')}</dt>
              <dd data-testid="customer-balance-after">{f.points(view.balanceAfter)}</dd>
            </div>
          </dl>
        </>
      )}
      {view.state === 'thanks' && (
        <>
          <h1 id="customer-title" className="customer-headline">
            {view.member.name === null ? t('customer.thanksNoName') : t('customer.thanks', { name: view.member.name })}
          </h1>
          <p className="customer-lead" data-testid="customer-earned">
            {t('customer.earned', { points: f.points(view.earned) })}
          </p>
          {view.redeemed > 0 && <p data-testid="customer-redeemed">{t('customer.redeemed', { points: f.points(view.redeemed) })}</p>}
          <p className="customer-balance">
            <span className="customer-balance-label">{t('customer.newBalance')}</span>{' '}
            <span className="customer-balance-figure" data-testid="customer-balance">
              {f.points(view.member.balance)}
            </span>
          </p>
          {view.member.tier !== null && <TierMeter tier={view.member.tier} />}
        </>
      )}
    </section>
  );
}

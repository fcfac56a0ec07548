/**
 * The kiosk (`#/kiosk`): a customer scans their own card (a keyboard-wedge scanner, the cashier's
 * detector) and reads their balance, tier, latest entries and points expiring; after a short while
 * (or Done / Esc) it asks for the next card. There is nothing here to type into and no way to
 * another screen; the host holds the line too (a kiosk connection may only look a member up).
 */
import { useTranslation } from 'react-i18next';
import type { KioskEntryKind, KioskMember } from '../../../contract/kiosk.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { useFocusOnMount } from '../../components/use-focus.js';
import { useKey } from '../../components/use-key.js';
import { useWedge } from '../cashier/use-wedge.js';
import { TierMeter } from '../customer/tier-meter.js';
import { useFormats } from '../terminal-context.js';
import { useIdleAfter } from '../use-idle.js';
import { KIOSK_IDLE_MS, useKiosk } from './use-kiosk.js';

const ENTRY_KEYS: Readonly<Record<KioskEntryKind, `kiosk.entry.${KioskEntryKind}`>> = {
  earned: 'kiosk.entry.earned',
  spent: 'kiosk.entry.spent',
  returned: 'kiosk.entry.returned',
  expired: 'kiosk.entry.expired',
  adjusted: 'kiosk.entry.adjusted',
  other: 'kiosk.entry.other',
};

const isUnknownCard = (code: string): boolean => code === 'unknown-card' || code === 'invalid-card';

function Waiting() {
  const { t } = useTranslation();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <div className="kiosk-waiting" data-screen="kiosk-waiting">
      <h1 id="kiosk-title" ref={heading} tabIndex={-1} className="customer-headline">
        {t('kiosk.scanTitle')}
      </h1>
      <p className="customer-lead">{t('kiosk.scanHint')}</p>
    </div>
  );
}

function MemberView({ member, onDone }: { readonly member: KioskMember; readonly onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormats();
  return (
    <div className="kiosk-member" data-screen="kiosk-member">
      <h1 id="kiosk-title" className="customer-greeting" data-testid="kiosk-name">
        {member.name === null ? t('customer.helloNoName') : t('customer.hello', { name: member.name })}
      </h1>
      <p className="customer-balance">
        <span className="customer-balance-label">{t('customer.balance')}</span>{' '}
        <span className="customer-balance-figure" data-testid="kiosk-balance">
          {f.points(member.balance)}
        </span>
      </p>
      {member.tier !== null && <TierMeter tier={member.tier} />}
      <div className="kiosk-columns">
        <section aria-labelledby="kiosk-expiring-title">
          <h2 id="kiosk-expiring-title">{t('kiosk.expiringTitle')}</h2>
          {member.expiringSoon.length === 0 ? (
            <p>{t('kiosk.noneExpiring')}</p>
          ) : (
            <ul data-testid="kiosk-expiring">
              {member.expiringSoon.map((lot) => (
                <li key={lot.lastDay}>{t('kiosk.expiringLine', { points: f.points(lot.points), date: f.day(lot.lastDay) })}</li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="kiosk-history-title">
          <h2 id="kiosk-history-title">{t('kiosk.historyTitle')}</h2>
          {member.history.length === 0 ? (
            <p>{t('kiosk.noHistory')}</p>
          ) : (
            <table className="kiosk-history" data-testid="kiosk-history">
              <thead>
                <tr>
                  <th scope="col">{t('kiosk.when')}</th>
                  <th scope="col">{t('kiosk.what')}</th>
                  <th scope="col" className="number">
                    {t('kiosk.points')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {member.history.map((entry, i) => (
                  <tr key={`${entry.at}-${i}`} data-kind={entry.kind}>
                    <td>{f.date(entry.at)}</td>
                    <td>{t(ENTRY_KEYS[entry.kind])}</td>
                    <td className="number">{`${entry.points > 0 ? '+' : entry.points < 0 ? '−' : ''}${f.points(Math.abs(entry.points))}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      <button type="button" className="kiosk-done" onClick={onDone}>
        {t('kiosk.done')}
      </button>
    </div>
  );
}

export function KioskScreen() {
  const { t } = useTranslation();
  const kiosk = useKiosk();
  useWedge(kiosk.scan);
  useKey('Escape', kiosk.reset);
  const { state } = kiosk;
  useIdleAfter(KIOSK_IDLE_MS, state.kind === 'member' || state.kind === 'refused', state, kiosk.reset);
  return (
    <section className="customer-display kiosk" data-screen="kiosk" data-state={state.kind} aria-labelledby="kiosk-title" aria-busy={state.kind === 'looking'}>
      {state.kind === 'waiting' && <Waiting />}
      {state.kind === 'looking' && (
        <h1 id="kiosk-title" className="customer-headline" role="status">
          {t('kiosk.looking')}
        </h1>
      )}
      {state.kind === 'member' && <MemberView member={state.member} onDone={kiosk.reset} />}
      {state.kind === 'refused' && (
        <div data-screen="kiosk-refused">
          <h1 id="kiosk-title" className="customer-headline">
            {isUnknownCard(state.error.code) ? t('kiosk.unknownTitle') : t('kiosk.refusedTitle')}
          </h1>
          {isUnknownCard(state.error.code) ? (
            // The counter's words ("offer to enrol it") are for a cashier: a customer reads their own.
            <p className="notice customer-lead" role="alert" data-error-code={state.error.code}>
              {t('kiosk.unknownBody')}
            </p>
          ) : (
            <ErrorNotice error={state.error} />
          )}
          <button type="button" className="kiosk-done" onClick={kiosk.reset}>
            {t('kiosk.done')}
          </button>
        </div>
      )}
    </section>
  );
}

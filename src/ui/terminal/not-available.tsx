/** A screen the address names that this version does not have yet (customer display, kiosk, manager, setup). */
import { useTranslation } from 'react-i18next';
import type { Screen } from '../bridge/route.js';

export function NotAvailable({ screen }: { readonly screen: Exclude<Screen, 'cashier'> }) {
  const { t } = useTranslation();
  return (
    <section className="panel" aria-labelledby="not-available-title" data-screen="not-available">
      <h1 id="not-available-title" className="screen-title">
        {t('screens.notAvailableTitle')}
      </h1>
      <p>{t('screens.notAvailableBody', { screen: t(`screens.${screen}`) })}</p>
      <p>
        <a href="#/cashier">{t('screens.toCashier')}</a>
      </p>
    </section>
  );
}

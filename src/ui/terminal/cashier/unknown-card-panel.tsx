/** A card no member has: say so (only its last digits) and offer enrolment, focused (Enter enrols). */
import { useTranslation } from 'react-i18next';
import { maskCard } from '../../../core/receipt/slip.js';
import { useFocusOnMount } from '../../components/use-focus.js';

export function UnknownCardPanel({ card, onEnrol, onBack }: { readonly card: string; readonly onEnrol: () => void; readonly onBack: () => void }) {
  const { t } = useTranslation();
  const enrol = useFocusOnMount<HTMLButtonElement>();
  return (
    <section className="panel panel-unknown" aria-labelledby="unknown-title" data-screen="unknown-card">
      <h2 id="unknown-title">{t('unknown.heading')}</h2>
      <p>{t('unknown.body', { card: maskCard(card) })}</p>
      <div className="actions">
        <button type="button" className="primary" ref={enrol} onClick={onEnrol}>
          {t('unknown.enrol')}
        </button>
        <button type="button" onClick={onBack}>
          {t('cashier.back')}
        </button>
      </div>
    </section>
  );
}

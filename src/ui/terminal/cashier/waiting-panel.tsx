/** Waiting for a card: a scan anywhere on the page, or the number typed by hand. */
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useFocusOnMount } from '../../components/use-focus.js';

export function WaitingPanel({ busy, onLookUp }: { readonly busy: boolean; readonly onLookUp: (card: string) => void }) {
  const { t } = useTranslation();
  // The heading, not the field, takes focus: nothing is typed anywhere until the cashier chooses to.
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const card = String(new FormData(event.currentTarget).get('card') ?? '').trim();
    if (card !== '') onLookUp(card);
  };
  return (
    <section className="panel panel-waiting" aria-labelledby="waiting-title" data-screen="waiting">
      <h2 id="waiting-title" ref={heading} tabIndex={-1} className="scan-prompt">
        {t('cashier.waitingTitle')}
      </h2>
      <p>{t('cashier.waitingHint')}</p>
      <form className="inline-form" onSubmit={submit}>
        <label htmlFor="manual-card">{t('cashier.manualLabel')}</label>
        <input id="manual-card" name="card" autoComplete="off" inputMode="numeric" spellCheck={false} />
        <button type="submit" disabled={busy}>
          {t('cashier.manualSubmit')}
        </button>
      </form>
      {busy && <p role="status">{t('cashier.lookingUp')}</p>}
    </section>
  );
}

/** A terminal with no manager yet: the first one is added here (manager-add needs no session then). */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { useFocusOnMount } from '../../components/use-focus.js';
import { useTerminal } from '../terminal-context.js';
import { asContractError } from './use-manager-session.js';

export function FirstManagerForm({ onAdded }: { readonly onAdded: (managerId: string) => void }) {
  const { t } = useTranslation();
  const { api } = useTerminal();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const managerId = String(data.get('managerId') ?? '').trim();
    const name = String(data.get('name') ?? '').trim();
    const pin = String(data.get('pin') ?? '');
    // The PIN leaves the field as soon as it is sent: nothing keeps it.
    (form.elements.namedItem('pin') as HTMLInputElement).value = '';
    setBusy(true);
    setError(null);
    api.send('manager-add', { managerId, name, pin }).then(
      (result) => onAdded(result.manager.id),
      (failure: unknown) => {
        setError(asContractError(failure));
        setBusy(false);
      },
    );
  };
  return (
    <section className="panel" aria-labelledby="first-manager-title" data-screen="manager-first">
      <h2 id="first-manager-title" ref={heading} tabIndex={-1}>
        {t('manager.firstTitle')}
      </h2>
      <p>{t('manager.firstBody')}</p>
      {error && <ErrorNotice key={`${error.code}:${error.message}`} error={error} />}
      <form className="stacked-form" onSubmit={submit}>
        <label htmlFor="first-manager-id">{t('manager.managerId')}</label>
        <input id="first-manager-id" name="managerId" autoComplete="off" spellCheck={false} required aria-describedby="first-manager-id-hint" />
        <p id="first-manager-id-hint" className="hint">
          {t('manager.managerIdHint')}
        </p>
        <label htmlFor="first-manager-name">{t('manager.name')}</label>
        <input id="first-manager-name" name="name" autoComplete="off" required />
        <label htmlFor="first-manager-pin">{t('manager.pin')}</label>
        <input id="first-manager-pin" name="pin" type="password" inputMode="numeric" autoComplete="off" required />
        <button type="submit" disabled={busy}>
          {busy ? t('manager.working') : t('manager.firstSubmit')}
        </button>
      </form>
    </section>
  );
}

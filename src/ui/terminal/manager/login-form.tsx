/**
 * The manager's login: id and PIN (masked, cleared as soon as it is sent). A wrong PIN says how many
 * tries are left; a locked manager is told who can unlock them.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, LocalNotice } from '../../components/error-notice.js';
import { useFocusOnMount } from '../../components/use-focus.js';
import { useTerminal } from '../terminal-context.js';
import { loginRefusal, type Refusal } from './login-refusal.js';
import { asContractError, type ManagerSession } from './use-manager-session.js';

export function LoginForm({ initialId, notice, onLoggedIn }: { readonly initialId: string; readonly notice: string | null; readonly onLoggedIn: (session: ManagerSession) => void }) {
  const { t } = useTranslation();
  const { api } = useTerminal();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const managerId = String(data.get('managerId') ?? '').trim();
    const pinField = form.elements.namedItem('pin') as HTMLInputElement;
    const pin = pinField.value;
    pinField.value = '';
    setBusy(true);
    setRefusal(null);
    api.send('manager-login', { managerId, pin }).then(
      (result) => onLoggedIn({ token: result.session, manager: result.manager }),
      (failure: unknown) => {
        setRefusal(loginRefusal(asContractError(failure), managerId));
        setBusy(false);
        pinField.focus();
      },
    );
  };
  return (
    <section className="panel" aria-labelledby="manager-login-title" data-screen="manager-login">
      <h2 id="manager-login-title" ref={heading} tabIndex={-1}>
        {t('manager.loginTitle')}
      </h2>
      {notice !== null && (
        <p className="notice" role="status" data-testid="manager-login-notice">
          {notice}
        </p>
      )}
      {refusal?.kind === 'wrong-pin' && (
        <div data-error-code="proof-refused" data-testid="manager-wrong-pin">
          <LocalNotice text={t('manager.wrongPin', { left: refusal.left })} />
        </div>
      )}
      {refusal?.kind === 'locked' && (
        <div data-testid="manager-locked">
          <LocalNotice text={t('manager.lockedBody', { id: refusal.managerId })} />
        </div>
      )}
      {refusal?.kind === 'host' && <ErrorNotice key={`${refusal.error.code}:${refusal.error.message}`} error={refusal.error} />}
      <form className="stacked-form" onSubmit={submit}>
        <label htmlFor="manager-id">{t('manager.managerId')}</label>
        <input id="manager-id" name="managerId" defaultValue={initialId} autoComplete="off" spellCheck={false} required />
        <label htmlFor="manager-pin">{t('manager.pin')}</label>
        <input id="manager-pin" name="pin" type="password" inputMode="numeric" autoComplete="off" required />
        <button type="submit" disabled={busy}>
          {busy ? t('manager.working') : t('manager.loginSubmit')}
        </button>
      </form>
    </section>
  );
}

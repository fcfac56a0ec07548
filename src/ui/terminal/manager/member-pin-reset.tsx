/** A manager sets (or removes) a member's PIN after checking who they are: member-set-pin in the manager's session. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MemberSummary } from '../../../contract/member-summary.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice, LocalNotice } from '../../components/error-notice.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

const PIN = /^\d{4,8}$/;

export function MemberPinReset({ member, call, onSaved }: { readonly member: MemberSummary; readonly call: SessionCall; readonly onSaved: (member: MemberSummary) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  const [bad, setBad] = useState(false);
  const [done, setDone] = useState<'set' | 'cleared' | null>(null);
  const card = member.cards[0];
  if (card === undefined) return null;

  const send = (pin: string | null, field: HTMLInputElement): void => {
    setBusy(true);
    setError(null);
    setDone(null);
    call('member-set-pin', { card, pin }).then(
      (next) => {
        field.value = '';
        setBusy(false);
        setDone(pin === null ? 'cleared' : 'set');
        onSaved(next);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(asContractError(failure));
      },
    );
  };
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const field = event.currentTarget.elements.namedItem('pin') as HTMLInputElement;
    const ok = PIN.test(field.value);
    setBad(!ok);
    if (ok) send(field.value, field);
  };

  return (
    <form className="stacked-form" onSubmit={submit} aria-labelledby="member-pin-title" data-testid="member-pin-form">
      <h3 id="member-pin-title">{t('admin.pin.title')}</h3>
      <p className="hint">{t('admin.pin.body')}</p>
      {done !== null && (
        <p className="notice notice-ok" role="status" data-testid="member-pin-done">
          {t(done === 'set' ? 'admin.pin.done' : 'admin.pin.cleared')}
        </p>
      )}
      {error && <ErrorNotice key={`${error.code}:${error.message}`} error={error} />}
      {bad && <LocalNotice text={t('admin.pin.bad')} />}
      <label htmlFor="member-new-pin">{t('admin.pin.label')}</label>
      <input id="member-new-pin" name="pin" type="password" inputMode="numeric" autoComplete="new-password" aria-invalid={bad} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {t('admin.pin.submit')}
        </button>
        {member.hasPin && (
          <button type="button" disabled={busy} onClick={(event) => send(null, event.currentTarget.form?.elements.namedItem('pin') as HTMLInputElement)}>
            {t('admin.pin.clear')}
          </button>
        )}
      </div>
    </form>
  );
}

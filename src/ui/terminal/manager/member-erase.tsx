/**
 * Erasing a member's personal data at their request (member-erase): a reason first, then a second,
 * explicit confirmation (the button names the member), because it cannot be undone.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MemberSummary } from '../../../contract/member-summary.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice, LocalNotice } from '../../components/error-notice.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

export function MemberErase({ member, call, onErased }: { readonly member: MemberSummary; readonly call: SessionCall; readonly onErased: (member: MemberSummary) => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState<string | null>(null);
  const [short, setShort] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  // The question replaces the button: the confirmation is where the keyboard already is.
  useEffect(() => {
    if (reason !== null) confirmButton.current?.focus();
  }, [reason]);
  const card = member.cards[0];
  if (card === undefined || member.erasedAt !== null) return null;

  const ask = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const typed = String(new FormData(event.currentTarget).get('reason') ?? '').trim();
    const ok = typed.length >= 3;
    setShort(!ok);
    if (!ok) return;
    setReason(typed);
  };
  const erase = (): void => {
    if (reason === null) return;
    setBusy(true);
    setError(null);
    call('member-erase', { card, reason }).then(
      (next) => {
        setBusy(false);
        onErased(next);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(asContractError(failure));
      },
    );
  };

  return (
    <form className="stacked-form" onSubmit={ask} aria-labelledby="member-erase-title" data-testid="member-erase-form">
      <h3 id="member-erase-title">{t('admin.erase.title')}</h3>
      <p className="hint">{t('admin.erase.body')}</p>
      {error && <ErrorNotice key={`${error.code}:${error.message}`} error={error} />}
      {short && <LocalNotice text={t('admin.erase.shortReason')} />}
      <label htmlFor="member-erase-reason">{t('admin.erase.reason')}</label>
      <input id="member-erase-reason" name="reason" autoComplete="off" maxLength={200} aria-invalid={short} readOnly={reason !== null} />
      {reason === null ? (
        <button type="submit">{t('admin.erase.start')}</button>
      ) : (
        <div role="alertdialog" aria-labelledby="member-erase-question" className="notice notice-error">
          <p id="member-erase-question">{t('admin.erase.question', { id: member.memberId })}</p>
          <div className="actions">
            <button type="button" id="member-erase-confirm" ref={confirmButton} disabled={busy} onClick={erase} data-testid="member-erase-confirm">
              {busy ? t('manager.working') : t('admin.erase.confirm', { id: member.memberId })}
            </button>
            <button type="button" disabled={busy} onClick={() => setReason(null)}>
              {t('admin.erase.cancel')}
            </button>
          </div>
        </div>
      )}
    </form>
  );
}

/**
 * A member's details as a manager corrects them (member-update): only the fields that changed are
 * sent, and an emptied field clears it (null), so a stale screen never overwrites what it did not touch.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodArgsInput } from '../../../contract/messages.js';
import type { MemberSummary } from '../../../contract/member-summary.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

type TextField = 'name' | 'phone' | 'email' | 'birthday';
const TEXT_FIELDS: readonly TextField[] = ['name', 'phone', 'email', 'birthday'];

/** A stored birthday without a year (`--MM-DD`) is typed as `MM-DD`. */
function shown(member: MemberSummary, field: TextField): string {
  const value = member[field] ?? '';
  return field === 'birthday' && value.startsWith('--') ? value.slice(2) : value;
}

export function MemberDetailsForm({ member, call, onSaved }: { readonly member: MemberSummary; readonly call: SessionCall; readonly onSaved: (member: MemberSummary) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  const [saved, setSaved] = useState(false);
  const card = member.cards[0];
  if (card === undefined) return null;

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const args: { -readonly [K in keyof MethodArgsInput<'member-update'>]: MethodArgsInput<'member-update'>[K] } = { card };
    for (const field of TEXT_FIELDS) {
      const typed = String(data.get(field) ?? '').trim();
      if (typed !== shown(member, field)) args[field] = typed === '' ? null : typed;
    }
    const consent = data.get('marketingConsent') === 'on';
    if (consent !== member.marketingConsent) args.marketingConsent = consent;
    setBusy(true);
    setError(null);
    setSaved(false);
    call('member-update', args).then(
      (next) => {
        setBusy(false);
        setSaved(true);
        onSaved(next);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(asContractError(failure));
      },
    );
  };

  return (
    <form className="stacked-form" onSubmit={submit} aria-labelledby="member-edit-title" data-testid="member-edit-form">
      <h3 id="member-edit-title">{t('admin.edit.title')}</h3>
      {saved && (
        <p className="notice notice-ok" role="status" data-testid="member-edit-saved">
          {t('admin.edit.saved')}
        </p>
      )}
      {error && <ErrorNotice key={`${error.code}:${error.message}`} error={error} />}
      <p className="hint" id="member-edit-hint">
        {t('admin.edit.hint')}
      </p>
      {TEXT_FIELDS.map((field) => (
        <div key={field} className="field">
          <label htmlFor={`member-edit-${field}`}>{t(`admin.edit.${field}`)}</label>
          <input
            id={`member-edit-${field}`}
            name={field}
            defaultValue={shown(member, field)}
            autoComplete="off"
            spellCheck={false}
            aria-describedby="member-edit-hint"
            {...(field === 'email' ? { type: 'email' } : field === 'phone' ? { inputMode: 'tel' as const } : {})}
          />
        </div>
      ))}
      <div className="field-check">
        <input id="member-edit-consent" name="marketingConsent" type="checkbox" defaultChecked={member.marketingConsent} />
        <label htmlFor="member-edit-consent">{t('admin.edit.consent')}</label>
      </div>
      <button type="submit" disabled={busy}>
        {busy ? t('manager.working') : t('admin.edit.submit')}
      </button>
    </form>
  );
}

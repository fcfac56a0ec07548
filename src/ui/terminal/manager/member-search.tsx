/** Finding a member (card, phone digits or part of the name) and opening one. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MemberSummary } from '../../../contract/member-summary.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { useFormats } from '../terminal-context.js';
import { MemberPage } from './member-page.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

interface Found {
  readonly query: string;
  readonly members: readonly MemberSummary[];
}

export function MemberSearch({ call }: { readonly call: SessionCall }) {
  const { t } = useTranslation();
  const f = useFormats();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  const [found, setFound] = useState<Found | null>(null);
  const [open, setOpen] = useState<MemberSummary | null>(null);

  const search = (query: string): void => {
    setBusy(true);
    setError(null);
    call('member-search', { query, limit: 50 }).then(
      (result) => {
        setFound({ query, members: result.members });
        setBusy(false);
      },
      (failure: unknown) => {
        setError(asContractError(failure));
        setBusy(false);
      },
    );
  };
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    search(String(new FormData(event.currentTarget).get('query') ?? '').trim());
  };

  if (open !== null) {
    return (
      <MemberPage
        key={open.memberId}
        member={open}
        call={call}
        onBack={() => {
          setOpen(null);
          // The list is asked again: a balance on it may have changed.
          if (found) search(found.query);
        }}
      />
    );
  }
  return (
    <section className="panel" aria-labelledby="member-search-title" data-screen="manager-members" aria-busy={busy}>
      <h2 id="member-search-title">{t('members.searchTitle')}</h2>
      <form className="inline-form" onSubmit={submit}>
        <label htmlFor="member-query">{t('members.searchLabel')}</label>
        <input id="member-query" name="query" defaultValue={found?.query ?? ''} autoComplete="off" spellCheck={false} />
        <button type="submit" disabled={busy}>
          {t('members.searchSubmit')}
        </button>
      </form>
      {error && <ErrorNotice key={`${error.code}:${error.message}`} error={error} />}
      {found &&
        (found.members.length === 0 ? (
          <p role="status">{t('members.noResults', { query: found.query })}</p>
        ) : (
          <>
            <h3 role="status">{t('members.resultsTitle', { found: found.members.length })}</h3>
            <ul className="member-results" data-testid="member-results">
              {found.members.map((member) => (
                <li key={member.memberId}>
                  <button type="button" onClick={() => setOpen(member)} data-member-id={member.memberId}>
                    {t('members.open')}: {member.name ?? t('member.noName')} · {member.cards[0] ?? t('members.noValue')} · {f.points(member.balance)}
                  </button>
                </li>
              ))}
            </ul>
          </>
        ))}
    </section>
  );
}

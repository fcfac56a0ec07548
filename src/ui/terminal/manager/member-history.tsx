/** A member's ledger entries for a manager, newest first, in the store's time zone. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { historyReplySchema, type HistoryEntryInfo } from '../../../contract/manager-admin.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { formatMoney } from '../../i18n/format.js';
import { useFormats } from '../terminal-context.js';
import { checkedReply } from './checked-reply.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

const LIMIT = 50;

type State = { readonly kind: 'loading' } | { readonly kind: 'ready'; readonly entries: readonly HistoryEntryInfo[] } | { readonly kind: 'failed'; readonly error: ContractError };

/** `refresh` changes after something was booked for the member: the history is asked again. */
export function MemberHistory({ card, call, refresh }: { readonly card: string; readonly call: SessionCall; readonly refresh: string }) {
  const { t } = useTranslation();
  const f = useFormats();
  const [state, setState] = useState<State>({ kind: 'loading' });
  useEffect(() => {
    let current = true;
    call('history', { card, limit: LIMIT }).then(
      (reply) => {
        if (!current) return;
        try {
          setState({ kind: 'ready', entries: checkedReply(historyReplySchema, reply, 'history').entries });
        } catch (error) {
          setState({ kind: 'failed', error: asContractError(error) });
        }
      },
      (failure: unknown) => {
        if (current) setState({ kind: 'failed', error: asContractError(failure) });
      },
    );
    return () => {
      current = false;
    };
  }, [call, card, refresh]);

  return (
    <section aria-labelledby="member-history-title" data-testid="member-history" aria-busy={state.kind === 'loading'}>
      <h3 id="member-history-title">{t('admin.history.title')}</h3>
      {state.kind === 'loading' ? (
        <p role="status">{t('admin.history.loading')}</p>
      ) : state.kind === 'failed' ? (
        <ErrorNotice error={state.error} />
      ) : state.entries.length === 0 ? (
        <p>{t('admin.history.empty')}</p>
      ) : (
        <table>
          <caption>{t('admin.history.caption', { shown: state.entries.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('admin.history.when')}</th>
              <th scope="col">{t('admin.history.what')}</th>
              <th scope="col">{t('admin.history.points')}</th>
              <th scope="col">{t('admin.history.money')}</th>
              <th scope="col">{t('admin.history.receipt')}</th>
            </tr>
          </thead>
          <tbody>
            {state.entries.map((entry) => (
              <tr key={entry.id} data-kind={entry.kind} data-points={entry.points}>
                <td>{f.dateTime(entry.bookedAt)}</td>
                {/* A kind this screen does not know yet (a newer host) reads as itself. */}
                <th scope="row">{t(`admin.kinds.${entry.kind}` as 'admin.kinds.earn', { defaultValue: entry.kind })}</th>
                <td className="number">{entry.unit === 'points' ? `${entry.points > 0 ? '+' : ''}${f.points(entry.points)}` : ''}</td>
                <td className="number">{entry.money === null ? '' : formatMoney(entry.money, entry.currency, f.lang)}</td>
                <td>{entry.posTxnId ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

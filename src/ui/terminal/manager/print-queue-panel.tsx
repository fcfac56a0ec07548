/**
 * The print queue (print-queue), waiting slips first: cancel a slip that should not print
 * (print-cancel), or print a transaction's slip again (print-reprint). Asked again after each
 * action and whenever a printer's state changes (a slip printed or got stuck).
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { printQueueReplySchema, type PrintJobInfo } from '../../../contract/manager-admin.js';
import type { PrinterState } from '../../../contract/messages.js';
import { TRANSACTION_KINDS } from '../../../contract/printing.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { useFormats } from '../terminal-context.js';
import { checkedReply } from './checked-reply.js';
import { said, type Said } from './said.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

const LIMIT = 20;
type TransactionKind = (typeof TRANSACTION_KINDS)[number];

function reprintKind(job: PrintJobInfo): TransactionKind | null {
  const kind = TRANSACTION_KINDS.find((k) => k === job.slipKind);
  return job.transactionId !== null && kind !== undefined ? kind : null;
}

export function PrintQueuePanel({ call, states }: { readonly call: SessionCall; readonly states: ReadonlyMap<string, PrinterState> }) {
  const { t } = useTranslation();
  const f = useFormats();
  const [jobs, setJobs] = useState<readonly PrintJobInfo[] | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  const [notice, setNotice] = useState<Said | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    call('print-queue', { limit: LIMIT }).then(
      (reply) => {
        try {
          setJobs(checkedReply(printQueueReplySchema, reply, 'print-queue').jobs);
        } catch (failure) {
          setError(asContractError(failure));
        }
      },
      (failure: unknown) => setError(asContractError(failure)),
    );
  }, [call]);
  useEffect(load, [load, states]);

  const act = (action: () => Promise<Said>): void => {
    setBusy(true);
    setError(null);
    setNotice(null);
    action().then(
      (text) => {
        setBusy(false);
        setNotice(text);
        load();
      },
      (failure: unknown) => {
        setBusy(false);
        setError(asContractError(failure));
      },
    );
  };

  return (
    <section aria-labelledby="print-queue-title" data-testid="print-queue" aria-busy={jobs === null}>
      <h3 id="print-queue-title">{t('admin.devices.queue')}</h3>
      {notice !== null && (
        <p className="notice notice-ok" role="status" data-testid="print-queue-notice">
          {notice.say(t)}
        </p>
      )}
      {error && <ErrorNotice key={`${error.code}:${error.message}`} error={error} />}
      <p>
        <button type="button" onClick={load}>
          {t('admin.devices.refresh')}
        </button>
      </p>
      {jobs !== null &&
        (jobs.length === 0 ? (
          <p>{t('admin.devices.queueEmpty')}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('admin.devices.job')}</th>
                <th scope="col">{t('admin.devices.jobKind')}</th>
                <th scope="col">{t('admin.history.receipt')}</th>
                <th scope="col">{t('admin.devices.id')}</th>
                <th scope="col">{t('admin.devices.jobState')}</th>
                <th scope="col">{t('admin.devices.created')}</th>
                <th scope="col">{t('admin.devices.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => {
                const kind = reprintKind(job);
                const open = job.state === 'pending' || job.state === 'printing';
                return (
                  <tr key={job.id} data-job={job.id} data-txn={job.txnId} data-state={job.state}>
                    <th scope="row">{job.id}</th>
                    <td>{t(`admin.devices.jobKinds.${job.kind}`)}</td>
                    <td>{job.txnId}</td>
                    <td>{job.printerId}</td>
                    <td>
                      {t(`admin.devices.jobStates.${job.state}`)}
                      {open && job.lastError !== null && <span className="fact-note">{job.lastError}</span>}
                    </td>
                    <td>{f.dateTime(job.createdAt)}</td>
                    <td className="actions">
                      {open && (
                        <button type="button" disabled={busy} onClick={() => act(async () => {
                            const { id } = await call('print-cancel', { job: job.id });
                            return said((tr) => tr('admin.devices.cancelled', { job: id }));
                          })}>
                          {t('admin.devices.cancel', { job: job.id })}
                        </button>
                      )}
                      {kind !== null && (
                        <button
                          type="button"
                          disabled={busy}
                          onClick={() =>
                            act(async () => {
                              const reprint = await call('print-reprint', { txnId: job.txnId, kind });
                              return said((tr) => tr('admin.devices.reprinted', { txn: reprint.txnId, job: reprint.job }));
                            })
                          }
                        >
                          {t('admin.devices.reprint', { txn: job.txnId })}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ))}
    </section>
  );
}

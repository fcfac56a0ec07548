/**
 * The manager's "Sync" section: where this terminal stands with its server (online, or offline
 * since when; the last successful sync; entries waiting), "Sync now" with its progress as the host
 * pushes it (`sync-state` with `progress`), and end of day with its report (eod-report.tsx).
 * The state is the one the status bar shows (TerminalContext: asked at each connection, then kept
 * by the host's pushes, the end of a run pushed before "Sync now" has its reply).
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EndOfDayResult, SyncRunResult } from '../../../contract/end-of-day.js';
import type { SyncState } from '../../../contract/messages.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { useFormats, useTerminal } from '../terminal-context.js';
import { EodReport } from './eod-report.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

type Run<T> = { readonly kind: 'idle' } | { readonly kind: 'running' } | { readonly kind: 'done'; readonly result: T } | { readonly kind: 'failed'; readonly error: ContractError };

type Progress = NonNullable<SyncState['progress']>;

function SyncProgress({ progress }: { readonly progress: Progress | null }) {
  const { t } = useTranslation();
  // Pushing counts for the first half of the bar, pulling for the second: one bar that only moves forward.
  const percent = progress === null ? 0 : progress.step === 'push' ? Math.floor(progress.percent / 2) : 50 + Math.floor(progress.percent / 2);
  const text = progress === null ? t('syncPanel.stepStarting') : progress.step === 'push' ? t('syncPanel.stepPush', { percent: progress.percent }) : t('syncPanel.stepPull', { percent: progress.percent });
  return (
    <div className="sync-progress" data-testid="sync-progress">
      <div className="progress-track" role="progressbar" aria-label={t('syncPanel.progressLabel')} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-valuetext={text}>
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <p className="hint" aria-live="polite">
        {text}
      </p>
    </div>
  );
}

export function SyncPanel({ call }: { readonly call: SessionCall }) {
  const { t } = useTranslation();
  const { info, sync: state } = useTerminal();
  const f = useFormats();
  const [sync, setSync] = useState<Run<SyncRunResult>>({ kind: 'idle' });
  const [eod, setEod] = useState<Run<EndOfDayResult>>({ kind: 'idle' });
  // The run's last step and percent: its end is pushed (without progress) before "Sync now" has
  // its reply, and the bar must not fall back to 0 meanwhile.
  const [last, setLast] = useState<Progress | null>(null);
  useEffect(() => {
    if (state?.progress) setLast(state.progress);
  }, [state]);

  const syncNow = (): void => {
    if (sync.kind === 'running') return;
    setLast(null);
    setSync({ kind: 'running' });
    call('sync-run', {}).then(
      (result) => setSync({ kind: 'done', result }),
      (failure: unknown) => setSync({ kind: 'failed', error: asContractError(failure) }),
    );
  };

  const endOfDay = (): void => {
    if (eod.kind === 'running') return;
    setEod({ kind: 'running' });
    call('end-of-day', {}).then(
      (result) => setEod({ kind: 'done', result }),
      (failure: unknown) => setEod({ kind: 'failed', error: asContractError(failure) }),
    );
  };

  const enrolled = info.enrolledWithServer;
  const running = sync.kind === 'running' || (state?.progress ?? null) !== null;
  return (
    <section className="panel panel-sync" aria-labelledby="sync-heading" data-screen="manager-sync">
      <h2 id="sync-heading">{t('syncPanel.heading')}</h2>
      {!enrolled ? (
        <p className="hint" data-testid="sync-not-enrolled">
          {t('syncPanel.notEnrolled')}
        </p>
      ) : (
        <>
          <h3>{t('syncPanel.stateTitle')}</h3>
          <dl className="sync-facts" data-testid="sync-facts" data-online={state?.online === true ? 'yes' : 'no'} data-unsynced={state?.unsynced ?? ''}>
            <div>
              <dt>{t('syncPanel.stateTitle')}</dt>
              <dd data-testid="sync-link">
                {state === null ? '…' : state.online ? t('syncPanel.online') : state.lastSuccessAt !== null ? t('syncPanel.offlineSince', { time: f.dateTime(state.lastSuccessAt) }) : t('syncPanel.offline')}
              </dd>
            </div>
            <div>
              <dt>{t('syncPanel.lastSuccess')}</dt>
              <dd data-testid="sync-last-success">{state?.lastSuccessAt != null ? f.dateTime(state.lastSuccessAt) : t('syncPanel.never')}</dd>
            </div>
            <div>
              <dt>{t('syncPanel.unsynced')}</dt>
              <dd data-testid="sync-unsynced">{state === null ? '…' : f.points(state.unsynced)}</dd>
            </div>
            {state?.lastError != null && (
              <div>
                <dt>{t('syncPanel.lastError')}</dt>
                <dd data-testid="sync-last-error">{state.lastError}</dd>
              </div>
            )}
          </dl>
          {running && <SyncProgress progress={state?.progress ?? last} />}
          <div className="actions">
            <button type="button" onClick={syncNow} aria-busy={sync.kind === 'running'} disabled={sync.kind === 'running'} data-testid="sync-now">
              {sync.kind === 'running' ? t('syncPanel.syncing') : t('syncPanel.syncNow')}
            </button>
          </div>
          {sync.kind === 'done' && (
            <p className="notice" role="status" data-testid="sync-done">
              {t('syncPanel.synced', {
                acknowledged: f.points(sync.result.acknowledged),
                members: f.points(sync.result.pulledMembers),
                transfers: f.points(sync.result.pulledTransfers),
                remaining: f.points(sync.result.remaining),
              })}
            </p>
          )}
          {sync.kind === 'failed' && <ErrorNotice error={sync.error} where="server" />}
        </>
      )}
      <h3>{t('syncPanel.eodTitle')}</h3>
      <p className="hint">{t('syncPanel.eodIntro')}</p>
      <div className="actions">
        <button type="button" onClick={endOfDay} aria-busy={eod.kind === 'running'} disabled={eod.kind === 'running'} data-testid="eod-run">
          {eod.kind === 'running' ? t('syncPanel.eodRunning') : t('syncPanel.eodRun')}
        </button>
      </div>
      {eod.kind === 'done' && <EodReport result={eod.result} />}
      {eod.kind === 'failed' && <ErrorNotice error={eod.error} />}
    </section>
  );
}

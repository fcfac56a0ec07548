/**
 * The program in force (program-current) and loading a newer version: the manager picks the file,
 * the browser reads and validates it and shows what it changes (key paths, before and after), and
 * only then sends it (program-install). A refusal (not newer, another program, an untrusted
 * signature) comes back through the translated error map.
 */
import { useCallback, useEffect, useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { programCurrentSchema, type ProgramCurrent } from '../../../contract/manager-admin.js';
import { diffValue, programDiff, type ProgramChange } from '../../../core/program/program-diff.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { useFormats } from '../terminal-context.js';
import { checkedReply } from './checked-reply.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

interface Candidate {
  readonly text: string;
  readonly source: string;
  readonly version: number;
  readonly changes: readonly ProgramChange[];
}

function nameOf(program: Readonly<Record<string, unknown>>, lang: 'en' | 'ko'): string | null {
  const name = program['name'];
  if (typeof name !== 'object' || name === null) return null;
  const text = (name as Record<string, unknown>)[lang];
  return typeof text === 'string' ? text : null;
}

export function ProgramSection({ call }: { readonly call: SessionCall }) {
  const { t } = useTranslation();
  const f = useFormats();
  const [current, setCurrent] = useState<ProgramCurrent | null>(null);
  const [loadError, setLoadError] = useState<ContractError | null>(null);
  const [candidate, setCandidate] = useState<Candidate | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  const [installed, setInstalled] = useState<{ readonly version: number; readonly previous: number } | null>(null);
  const [busy, setBusy] = useState(false);
  // A new file input after an install: the same file picked again is a new choice.
  const [picks, setPicks] = useState(0);

  const load = useCallback(() => {
    call('program-current', {}).then(
      (reply) => {
        try {
          setCurrent(checkedReply(programCurrentSchema, reply, 'program-current'));
        } catch (failure) {
          setLoadError(asContractError(failure));
        }
      },
      (failure: unknown) => setLoadError(asContractError(failure)),
    );
  }, [call]);
  useEffect(load, [load]);

  const pick = (event: ChangeEvent<HTMLInputElement>): void => {
    const file = event.currentTarget.files?.[0];
    setCandidate(null);
    setError(null);
    setInstalled(null);
    if (file === undefined || current === null) return;
    // The program schema is loaded only when a manager picks a file: the cashier's screen never needs it.
    Promise.all([file.text(), import('./program-file.js')]).then(
      ([text, { readProgramText }]) => {
        const read = readProgramText(text, file.name);
        if (!read.ok) setError(read.error);
        else setCandidate({ text, source: file.name, version: read.version, changes: programDiff(current.program, read.program) });
      },
      (failure: unknown) => setError(asContractError(failure)),
    );
  };

  const install = (): void => {
    if (candidate === null) return;
    setBusy(true);
    setError(null);
    call('program-install', { document: candidate.text, source: candidate.source }).then(
      (result) => {
        setBusy(false);
        setCandidate(null);
        setInstalled({ version: result.version, previous: result.previousVersion });
        setPicks((n) => n + 1);
        load();
      },
      (failure: unknown) => {
        setBusy(false);
        setError(asContractError(failure));
      },
    );
  };

  return (
    <section className="panel" aria-labelledby="program-title" data-screen="manager-program">
      <h2 id="program-title">{t('admin.program.title')}</h2>
      {loadError && <ErrorNotice error={loadError} />}
      {current === null ? (
        loadError === null && <p role="status">{t('admin.program.loading')}</p>
      ) : (
        <>
          <h3>{t('admin.program.inForce')}</h3>
          <dl className="facts" data-testid="program-in-force" data-version={current.version}>
            <div>
              <dt>{t('admin.program.id')}</dt>
              <dd>
                {nameOf(current.program, f.lang) ?? current.id} ({current.id})
              </dd>
            </div>
            <div>
              <dt>{t('admin.program.version')}</dt>
              <dd data-testid="program-version">{current.version}</dd>
            </div>
            <div>
              <dt>{t('admin.program.installed')}</dt>
              <dd>{f.dateTime(current.installedAt)}</dd>
            </div>
            <div>
              <dt>{t('admin.program.signedWith')}</dt>
              <dd>{current.signedWith ?? t('admin.program.unsigned')}</dd>
            </div>
          </dl>
          <h3>{t('admin.program.loadTitle')}</h3>
          {installed && (
            <p className="notice notice-ok" role="status" data-testid="program-installed">
              {t('admin.program.installedNow', { version: installed.version, previous: installed.previous })}
            </p>
          )}
          {error && <ErrorNotice key={`${error.code}:${error.message}`} error={error} />}
          <p className="field">
            <label htmlFor="program-file">{t('admin.program.file')}</label>
            <input key={picks} id="program-file" type="file" accept=".json,application/json" onChange={pick} />
          </p>
          {candidate && (
            <div data-testid="program-diff">
              <h4 role="status">{t('admin.program.diffTitle', { from: current.version, to: candidate.version })}</h4>
              {candidate.changes.length === 0 ? (
                <p>{t('admin.program.noChanges')}</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('admin.program.path')}</th>
                      <th scope="col">{t('admin.program.change')}</th>
                      <th scope="col">{t('admin.program.before')}</th>
                      <th scope="col">{t('admin.program.after')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {candidate.changes.map((change) => (
                      <tr key={change.path} data-path={change.path} data-kind={change.kind}>
                        <th scope="row">
                          <code>{change.path}</code>
                        </th>
                        <td>{t(`admin.program.kinds.${change.kind}`)}</td>
                        <td>
                          <code>{diffValue(change.before)}</code>
                        </td>
                        <td>
                          <code>{diffValue(change.after)}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <button type="button" className="primary" disabled={busy} onClick={install}>
                {busy ? t('manager.working') : t('admin.program.install', { version: candidate.version })}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

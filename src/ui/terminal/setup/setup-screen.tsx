/**
 * The first start (`#/setup`, and whenever the host says it is not set up): a demo store from one of
 * the example programs, with everything prefilled so a newcomer types only the manager's PIN
 * (twice). The host validates every field (src/contract/setup.ts) and refuses a weak PIN before it
 * creates anything; once it answers, it serves the terminal on the same connection and the page
 * moves on (its `host-ready` push).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SetupStatus } from '../../../contract/results.js';
import type { HostApi } from '../../bridge/bridge.js';
import { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice } from '../../components/error-notice.js';

type StatusState = { readonly kind: 'loading' } | { readonly kind: 'ready'; readonly status: SetupStatus } | { readonly kind: 'failed'; readonly error: ContractError };

function asContractError(error: unknown): ContractError {
  return error instanceof ContractError ? error : new ContractError('bad-reply', String(error));
}

function field(form: FormData, name: string): string {
  return String(form.get(name) ?? '').trim();
}

export function SetupScreen({ api, onDone }: { readonly api: HostApi; readonly onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const [state, setState] = useState<StatusState>({ kind: 'loading' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  const [pinMismatch, setPinMismatch] = useState(false);
  const [program, setProgram] = useState('');
  const [timeZone, setTimeZone] = useState('');

  useEffect(() => {
    let current = true;
    api.send('setup-status', {}).then(
      (status) => {
        if (!current) return;
        setState({ kind: 'ready', status });
        const first = status.examplePrograms[0];
        setProgram(first?.id ?? '');
        setTimeZone(first?.timeZone ?? status.timeZone);
      },
      (failure: unknown) => {
        if (current) setState({ kind: 'failed', error: asContractError(failure) });
      },
    );
    return () => {
      current = false;
    };
  }, [api]);

  if (state.kind === 'loading') return <p role="status">{t('connection.loading')}</p>;
  if (state.kind === 'failed') return <ErrorNotice error={state.error} />;
  const { examplePrograms, timeZone: suggested } = state.status;

  const chooseProgram = (id: string): void => {
    setProgram(id);
    setTimeZone(examplePrograms.find((p) => p.id === id)?.timeZone ?? suggested);
  };

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (busy) return;
    const form = new FormData(event.currentTarget);
    if (field(form, 'pin') !== field(form, 'pinAgain')) {
      setPinMismatch(true);
      return;
    }
    setPinMismatch(false);
    setError(null);
    setBusy(true);
    api
      .send('setup-create', {
        mode: 'demo',
        program,
        storeId: field(form, 'storeId'),
        terminalId: field(form, 'terminalId'),
        seed: form.get('seed') === 'yes',
        ...(timeZone.trim() !== '' ? { timeZone: timeZone.trim() } : {}),
        manager: { managerId: field(form, 'managerId'), name: field(form, 'managerName'), pin: field(form, 'pin') },
      })
      .then(
        () => onDone(),
        (failure: unknown) => {
          setBusy(false);
          setError(asContractError(failure));
        },
      );
  };

  const language = i18n.language;
  return (
    <form className="panel panel-setup" onSubmit={submit} aria-labelledby="setup-title" data-screen="setup">
      <h1 id="setup-title" className="screen-title">
        {t('setup.heading')}
      </h1>
      <p>{t('setup.intro')}</p>
      <h2>{t('setup.demoMode')}</h2>
      <p className="hint">{t('setup.demoWarning')}</p>
      <div className="field">
        <label htmlFor="setup-program">{t('setup.program')}</label>
        <select id="setup-program" name="program" value={program} onChange={(e) => chooseProgram(e.target.value)}>
          {examplePrograms.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name[language] ?? p.name['en'] ?? p.programId} ({p.currency})
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="setup-store">{t('setup.storeId')}</label>
        <input id="setup-store" name="storeId" defaultValue="DEMO-1" autoComplete="off" spellCheck={false} />
      </div>
      <div className="field">
        <label htmlFor="setup-terminal">{t('setup.terminalId')}</label>
        <input id="setup-terminal" name="terminalId" defaultValue="LANE-1" autoComplete="off" spellCheck={false} />
      </div>
      <div className="field field-check">
        <input id="setup-seed" name="seed" type="checkbox" value="yes" defaultChecked />
        <label htmlFor="setup-seed">{t('setup.seed')}</label>
      </div>
      <div className="field">
        <label htmlFor="setup-zone">{t('setup.timeZone')}</label>
        <input id="setup-zone" name="timeZone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} autoComplete="off" spellCheck={false} aria-describedby="setup-zone-hint" />
        <p id="setup-zone-hint" className="hint">
          {t('setup.timeZoneHint', { zone: suggested })}
        </p>
      </div>
      <h3>{t('setup.managerHeading')}</h3>
      <div className="field">
        <label htmlFor="setup-manager-id">{t('setup.managerId')}</label>
        <input id="setup-manager-id" name="managerId" defaultValue="manager" autoComplete="off" spellCheck={false} />
      </div>
      <div className="field">
        <label htmlFor="setup-manager-name">{t('setup.managerName')}</label>
        <input id="setup-manager-name" name="managerName" defaultValue="Manager" autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor="setup-pin">{t('setup.pin')}</label>
        {/* Everything else is prefilled: the PIN is the one thing a newcomer types. */}
        <input id="setup-pin" name="pin" type="password" inputMode="numeric" autoComplete="new-password" autoFocus required />
      </div>
      <div className="field">
        <label htmlFor="setup-pin-again">{t('setup.pinAgain')}</label>
        <input id="setup-pin-again" name="pinAgain" type="password" inputMode="numeric" autoComplete="new-password" required aria-invalid={pinMismatch} aria-describedby={pinMismatch ? 'setup-pin-mismatch' : undefined} />
        {pinMismatch && (
          <p id="setup-pin-mismatch" className="notice notice-error" role="alert">
            {t('setup.pinMismatch')}
          </p>
        )}
      </div>
      {error && <ErrorNotice error={error} />}
      <div className="actions">
        <button type="submit" className="primary" aria-busy={busy}>
          {busy ? t('setup.saving') : t('setup.submit')}
        </button>
      </div>
    </form>
  );
}

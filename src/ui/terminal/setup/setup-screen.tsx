/**
 * The first start (`#/setup`, and whenever the host says it is not set up). Three paths:
 *  - a demo store from one of the example programs, with everything prefilled so a newcomer types
 *    only the manager's PIN (twice);
 *  - a real store enrolled with the chain's server: its address and a one-time code (the store and
 *    terminal ids, the time zone and the signed program come from the server);
 *  - a real store without a server yet: a program file signed by head office, chosen on this
 *    computer with the browser's file picker, and the key that verifies it. The page reads the file
 *    and sends its text: the host never opens a path a page names, and checks the signature itself.
 * Every path creates the first manager. The host validates every field (src/contract/setup.ts),
 * refuses a weak PIN before it creates anything, and answers a refusal (a used code, a server out of
 * reach) through the translated error map; once it answers, it serves the terminal on the same
 * connection and the page moves on (its `host-ready` push).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SetupStatus } from '../../../contract/results.js';
import type { SetupArgs } from '../../../contract/setup.js';
import type { HostApi } from '../../bridge/bridge.js';
import { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice } from '../../components/error-notice.js';

type StatusState = { readonly kind: 'loading' } | { readonly kind: 'ready'; readonly status: SetupStatus } | { readonly kind: 'failed'; readonly error: ContractError };

type SetupPath = 'demo' | 'server' | 'program';
const PATHS: readonly SetupPath[] = ['demo', 'server', 'program'];

/** The contract's limit on a program file's size (src/contract/setup.ts). */
const MAX_PROGRAM_BYTES = 512 * 1024;

function asContractError(error: unknown): ContractError {
  return error instanceof ContractError ? error : new ContractError('bad-reply', String(error));
}

function field(form: FormData, name: string): string {
  return String(form.get(name) ?? '').trim();
}

function pathLabelKey(path: SetupPath): 'setupStore.pathDemo' | 'setupStore.pathServer' | 'setupStore.pathProgram' {
  return path === 'demo' ? 'setupStore.pathDemo' : path === 'server' ? 'setupStore.pathServer' : 'setupStore.pathProgram';
}

export function SetupScreen({ api, onDone }: { readonly api: HostApi; readonly onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const [state, setState] = useState<StatusState>({ kind: 'loading' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  const [pinMismatch, setPinMismatch] = useState(false);
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const [path, setPath] = useState<SetupPath>('demo');
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

  const choosePath = (next: SetupPath): void => {
    setPath(next);
    setError(null);
    setFileProblem(null);
    // A real store's zone is its own: the host's suggestion, not an example program's.
    setTimeZone(next === 'demo' ? (examplePrograms.find((p) => p.id === program)?.timeZone ?? suggested) : suggested);
  };

  /** What the form says, as the host's `setup-create` arguments (null: a problem shown at its field). */
  const argsOf = async (form: FormData): Promise<SetupArgs | null> => {
    const manager = { managerId: field(form, 'managerId'), name: field(form, 'managerName'), pin: field(form, 'pin') };
    const zone = timeZone.trim() !== '' ? { timeZone: timeZone.trim() } : {};
    if (path === 'demo') {
      return { mode: 'demo', program, storeId: field(form, 'storeId'), terminalId: field(form, 'terminalId'), seed: form.get('seed') === 'yes', ...zone, manager };
    }
    if (path === 'server') return { mode: 'server', serverUrl: field(form, 'serverUrl'), code: field(form, 'code'), manager };
    const file = form.get('programFile');
    if (!(file instanceof File) || file.size === 0) {
      setFileProblem(t('setupStore.noFile'));
      return null;
    }
    if (file.size > MAX_PROGRAM_BYTES) {
      setFileProblem(t('setupStore.fileTooLarge'));
      return null;
    }
    const document = await file.text();
    return {
      mode: 'program',
      document,
      programKeys: [{ id: field(form, 'keyId'), publicKey: field(form, 'publicKey') }],
      storeId: field(form, 'storeId'),
      terminalId: field(form, 'terminalId'),
      ...zone,
      manager,
    };
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
    setFileProblem(null);
    setError(null);
    setBusy(true);
    argsOf(form)
      .then((args) => (args === null ? false : api.send('setup-create', args).then(() => true)))
      .then(
        (done) => {
          if (done) onDone();
          else setBusy(false);
        },
        (failure: unknown) => {
          setBusy(false);
          setError(asContractError(failure));
        },
      );
  };

  const language = i18n.language;
  const submitText = busy ? (path === 'server' ? t('setupStore.enrolling') : t('setup.saving')) : path === 'server' ? t('setupStore.submitServer') : path === 'program' ? t('setupStore.submitProgram') : t('setup.submit');
  return (
    <form className="panel panel-setup" onSubmit={submit} aria-labelledby="setup-title" data-screen="setup" data-path={path}>
      <h1 id="setup-title" className="screen-title">
        {t('setup.heading')}
      </h1>
      <p>{t('setup.intro')}</p>
      <fieldset className="setup-path">
        <legend>{t('setupStore.pathLabel')}</legend>
        {PATHS.map((p) => (
          <div className="field field-check" key={p}>
            <input id={`setup-path-${p}`} type="radio" name="path" value={p} checked={path === p} onChange={() => choosePath(p)} />
            <label htmlFor={`setup-path-${p}`}>{t(pathLabelKey(p))}</label>
          </div>
        ))}
      </fieldset>
      {path === 'demo' ? (
        <>
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
        </>
      ) : (
        <>
          <h2>{t('setupStore.realMode')}</h2>
          <p className="hint">{t('setupStore.realIntro')}</p>
        </>
      )}
      {path === 'server' && (
        <>
          <div className="field">
            <label htmlFor="setup-server">{t('setupStore.serverUrl')}</label>
            <input id="setup-server" name="serverUrl" type="url" inputMode="url" autoComplete="off" spellCheck={false} required aria-describedby="setup-server-hint" />
            <p id="setup-server-hint" className="hint">
              {t('setupStore.serverUrlHint')}
            </p>
          </div>
          <div className="field">
            <label htmlFor="setup-code">{t('setupStore.code')}</label>
            <input id="setup-code" name="code" autoComplete="one-time-code" spellCheck={false} required aria-describedby="setup-code-hint" />
            <p id="setup-code-hint" className="hint">
              {t('setupStore.codeHint')}
            </p>
          </div>
        </>
      )}
      {path === 'program' && (
        <>
          <div className="field">
            <label htmlFor="setup-program-file">{t('setupStore.programFile')}</label>
            <input id="setup-program-file" name="programFile" type="file" accept=".json,application/json" aria-describedby="setup-program-file-hint" aria-invalid={fileProblem !== null} />
            <p id="setup-program-file-hint" className="hint">
              {t('setupStore.programFileHint')}
            </p>
            {fileProblem !== null && (
              <p className="notice notice-error" role="alert" data-testid="setup-file-problem">
                {fileProblem}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor="setup-key-id">{t('setupStore.keyId')}</label>
            <input id="setup-key-id" name="keyId" autoComplete="off" spellCheck={false} required aria-describedby="setup-key-hint" />
          </div>
          <div className="field">
            <label htmlFor="setup-public-key">{t('setupStore.publicKey')}</label>
            <input id="setup-public-key" name="publicKey" autoComplete="off" spellCheck={false} required aria-describedby="setup-key-hint" />
            <p id="setup-key-hint" className="hint">
              {t('setupStore.keyHint')}
            </p>
          </div>
        </>
      )}
      {path !== 'server' && (
        <>
          <div className="field">
            <label htmlFor="setup-store">{t('setup.storeId')}</label>
            <input key={`store-${path}`} id="setup-store" name="storeId" defaultValue={path === 'demo' ? 'DEMO-1' : ''} autoComplete="off" spellCheck={false} required />
          </div>
          <div className="field">
            <label htmlFor="setup-terminal">{t('setup.terminalId')}</label>
            <input key={`terminal-${path}`} id="setup-terminal" name="terminalId" defaultValue={path === 'demo' ? 'LANE-1' : ''} autoComplete="off" spellCheck={false} required />
          </div>
        </>
      )}
      {path === 'demo' && (
        <div className="field field-check">
          <input id="setup-seed" name="seed" type="checkbox" value="yes" defaultChecked />
          <label htmlFor="setup-seed">{t('setup.seed')}</label>
        </div>
      )}
      {path !== 'server' && (
        <div className="field">
          <label htmlFor="setup-zone">{t('setup.timeZone')}</label>
          <input id="setup-zone" name="timeZone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} autoComplete="off" spellCheck={false} aria-describedby="setup-zone-hint" />
          <p id="setup-zone-hint" className="hint">
            {t('setup.timeZoneHint', { zone: suggested })}
          </p>
        </div>
      )}
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
        {/* On the demo path everything else is prefilled: the PIN is the one thing a newcomer types. */}
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
      {error && <ErrorNotice error={error} {...(path === 'server' ? { where: 'server' as const } : {})} />}
      <div className="actions">
        <button type="submit" className="primary" aria-busy={busy}>
          {submitText}
        </button>
      </div>
    </form>
  );
}

/** Adding a network (TCP) receipt printer, or changing one (printer-save). */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { PrinterInfo } from '../../../contract/manager-admin.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice, LocalNotice } from '../../components/error-notice.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

export interface PrinterProfileChoice {
  readonly id: string;
  readonly name: string;
}

export function PrinterForm({
  editing,
  profiles,
  call,
  onSaved,
  onCancel,
}: {
  readonly editing: PrinterInfo | null;
  readonly profiles: readonly PrinterProfileChoice[];
  readonly call: SessionCall;
  readonly onSaved: (id: string) => void;
  readonly onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [badPort, setBadPort] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  const tcp = editing?.transport.kind === 'tcp' ? editing.transport : null;

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const port = Number(String(data.get('port') ?? '').trim());
    const portOk = Number.isInteger(port) && port >= 1 && port <= 65535;
    setBadPort(!portOk);
    if (!portOk) return;
    const id = editing?.id ?? String(data.get('id') ?? '').trim();
    const language = data.get('language') === 'ko' ? 'ko' : 'en';
    setBusy(true);
    setError(null);
    call('printer-save', {
      id,
      transport: { kind: 'tcp', host: String(data.get('host') ?? '').trim(), port, ...(tcp ? { timeoutMs: tcp.timeoutMs } : {}) },
      profileId: String(data.get('profileId') ?? ''),
      language,
    }).then(
      () => {
        setBusy(false);
        onSaved(id);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(asContractError(failure));
      },
    );
  };

  return (
    <form className="stacked-form" onSubmit={submit} aria-labelledby="printer-form-title" data-testid="printer-form">
      <h4 id="printer-form-title">{editing ? t('admin.devices.editTitle', { id: editing.id }) : t('admin.devices.addTitle')}</h4>
      {error && <ErrorNotice key={`${error.code}:${error.message}`} error={error} />}
      {badPort && <LocalNotice text={t('admin.devices.badPort')} />}
      {editing === null && (
        <>
          <label htmlFor="printer-id">{t('admin.devices.printerId')}</label>
          <input id="printer-id" name="id" autoComplete="off" spellCheck={false} required maxLength={32} />
        </>
      )}
      <label htmlFor="printer-host">{t('admin.devices.host')}</label>
      <input id="printer-host" name="host" autoComplete="off" spellCheck={false} required defaultValue={tcp?.host ?? ''} />
      <label htmlFor="printer-port">{t('admin.devices.port')}</label>
      <input id="printer-port" name="port" inputMode="numeric" autoComplete="off" defaultValue={String(tcp?.port ?? 9100)} aria-invalid={badPort} />
      <label htmlFor="printer-profile">{t('admin.devices.profile')}</label>
      <select id="printer-profile" name="profileId" defaultValue={editing?.profileId ?? profiles[0]?.id}>
        {profiles.map((profile) => (
          <option key={profile.id} value={profile.id}>
            {profile.name} ({profile.id})
          </option>
        ))}
      </select>
      <label htmlFor="printer-language">{t('admin.devices.language')}</label>
      <select id="printer-language" name="language" defaultValue={editing?.language ?? 'en'}>
        <option value="en">English</option>
        <option value="ko">한국어</option>
      </select>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? t('manager.working') : t('admin.devices.save')}
        </button>
        {editing !== null && (
          <button type="button" onClick={onCancel}>
            {t('admin.devices.cancelEdit')}
          </button>
        )}
      </div>
    </form>
  );
}

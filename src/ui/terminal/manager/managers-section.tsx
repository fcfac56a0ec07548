/**
 * The terminal's managers (manager-list): add one, retire one (manager-remove, never oneself or the
 * last), and set another manager's PIN (manager-set-pin in this session), which also unlocks a
 * manager locked after too many wrong PINs. One's own PIN is changed with the current one (CLI).
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ManagerInfo } from '../../../contract/results.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice, LocalNotice } from '../../components/error-notice.js';
import { useFormats } from '../terminal-context.js';
import { said, type Said } from './said.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

const PIN = /^\d{4,8}$/;

type Open = { readonly kind: 'pin'; readonly id: string } | { readonly kind: 'retire'; readonly id: string } | null;

export function ManagersSection({ call, me }: { readonly call: SessionCall; readonly me: string }) {
  const { t } = useTranslation();
  const f = useFormats();
  const [managers, setManagers] = useState<readonly ManagerInfo[] | null>(null);
  const [open, setOpen] = useState<Open>(null);
  const [notice, setNotice] = useState<Said | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  const [badPin, setBadPin] = useState(false);
  const [busy, setBusy] = useState(false);
  const [adds, setAdds] = useState(0);

  const load = useCallback(() => {
    call('manager-list', {}).then(
      (reply) => setManagers(reply.managers),
      (failure: unknown) => setError(asContractError(failure)),
    );
  }, [call]);
  useEffect(load, [load]);

  const act = (action: () => Promise<Said>, after?: () => void): void => {
    setBusy(true);
    setError(null);
    setNotice(null);
    action().then(
      (text) => {
        setBusy(false);
        setOpen(null);
        setNotice(text);
        after?.();
        load();
      },
      (failure: unknown) => {
        setBusy(false);
        setError(asContractError(failure));
      },
    );
  };

  const setPin = (event: FormEvent<HTMLFormElement>, managerId: string): void => {
    event.preventDefault();
    const field = event.currentTarget.elements.namedItem('pin') as HTMLInputElement;
    const pin = field.value;
    field.value = '';
    setBadPin(!PIN.test(pin));
    if (!PIN.test(pin)) return;
    act(async () => {
      const { manager } = await call('manager-set-pin', { managerId, pin });
      return said((tr) => tr('admin.managers.pinDone', { id: manager.id }));
    });
  };

  const add = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const pin = String(data.get('pin') ?? '');
    setBadPin(!PIN.test(pin));
    if (!PIN.test(pin)) return;
    const managerId = String(data.get('managerId') ?? '').trim();
    const name = String(data.get('name') ?? '').trim();
    act(
      async () => {
        const { manager } = await call('manager-add', { managerId, name, pin });
        return said((tr) => tr('admin.managers.added', { id: manager.id }));
      },
      () => setAdds((n) => n + 1),
    );
  };

  return (
    <section className="panel" aria-labelledby="managers-title" data-screen="manager-managers">
      <h2 id="managers-title">{t('admin.managers.title')}</h2>
      {notice !== null && (
        <p className="notice notice-ok" role="status" data-testid="managers-notice">
          {notice.say(t)}
        </p>
      )}
      {error && <ErrorNotice key={`${error.code}:${error.message}`} error={error} />}
      {badPin && <LocalNotice text={t('admin.managers.badPin')} />}
      {managers === null ? (
        error === null && <p role="status">{t('admin.managers.loading')}</p>
      ) : (
        <table data-testid="managers-table">
          <thead>
            <tr>
              <th scope="col">{t('admin.managers.id')}</th>
              <th scope="col">{t('admin.managers.name')}</th>
              <th scope="col">{t('admin.managers.state')}</th>
              <th scope="col">{t('admin.managers.since')}</th>
              <th scope="col">{t('admin.devices.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {managers.map((manager) => {
              const state = manager.removedAt !== null ? 'retired' : manager.locked ? 'locked' : 'active';
              const other = manager.id !== me && manager.removedAt === null;
              return (
                <tr key={manager.id} data-manager={manager.id} data-state={state}>
                  <th scope="row">
                    {manager.id} {manager.id === me && t('admin.managers.you')}
                  </th>
                  <td>{manager.name}</td>
                  <td>{t(`admin.managers.${state}`)}</td>
                  <td>{f.dateTime(manager.pinSetAt)}</td>
                  <td className="actions">
                    {other && open?.id !== manager.id && (
                      <>
                        <button type="button" disabled={busy} onClick={() => setOpen({ kind: 'pin', id: manager.id })}>
                          {t('admin.managers.setPin', { id: manager.id })}
                        </button>
                        <button type="button" disabled={busy} onClick={() => setOpen({ kind: 'retire', id: manager.id })}>
                          {t('admin.managers.retire', { id: manager.id })}
                        </button>
                      </>
                    )}
                    {open?.id === manager.id && open.kind === 'pin' && (
                      <form className="inline-form" onSubmit={(event) => setPin(event, manager.id)}>
                        <label htmlFor="manager-new-pin">{t('admin.managers.newPin', { id: manager.id })}</label>
                        {/* Opened on purpose by the manager: the field is where they will type next. */}
                        <input id="manager-new-pin" name="pin" type="password" inputMode="numeric" autoComplete="new-password" autoFocus />
                        <button type="submit" disabled={busy}>
                          {t('admin.managers.pinSubmit')}
                        </button>
                        <button type="button" onClick={() => setOpen(null)}>
                          {t('admin.managers.keep')}
                        </button>
                      </form>
                    )}
                    {open?.id === manager.id && open.kind === 'retire' && (
                      <div role="alertdialog" aria-labelledby="manager-retire-question">
                        <p id="manager-retire-question">{t('admin.managers.retireQuestion', { id: manager.id })}</p>
                        <button type="button" autoFocus disabled={busy} onClick={() => act(async () => {
                              const removed = await call('manager-remove', { managerId: manager.id });
                              return said((tr) => tr('admin.managers.retiredNow', { id: removed.manager.id }));
                            })}>
                          {t('admin.managers.retireConfirm', { id: manager.id })}
                        </button>
                        <button type="button" onClick={() => setOpen(null)}>
                          {t('admin.managers.keep')}
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form key={adds} className="stacked-form" onSubmit={add} aria-labelledby="manager-add-title" data-testid="manager-add-form">
        <h3 id="manager-add-title">{t('admin.managers.addTitle')}</h3>
        <label htmlFor="new-manager-id">{t('manager.managerId')}</label>
        <input id="new-manager-id" name="managerId" autoComplete="off" spellCheck={false} required maxLength={32} />
        <label htmlFor="new-manager-name">{t('admin.managers.name')}</label>
        <input id="new-manager-name" name="name" autoComplete="off" required maxLength={100} />
        <label htmlFor="new-manager-pin">{t('admin.managers.pin')}</label>
        <input id="new-manager-pin" name="pin" type="password" inputMode="numeric" autoComplete="new-password" required />
        <button type="submit" disabled={busy}>
          {busy ? t('manager.working') : t('admin.managers.addSubmit')}
        </button>
      </form>
    </section>
  );
}

/**
 * The receipt printers: each with its state (device-states, then printer-state pushes), a Test
 * button (printer-test), on/off (printer-enable) and, for a network printer, Edit; and the form to
 * add a network (TCP) printer.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { printerListReplySchema, type PrinterInfo } from '../../../contract/manager-admin.js';
import type { PrinterState } from '../../../contract/messages.js';
import type { ContractError } from '../../bridge/contract-error.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { useFormats } from '../terminal-context.js';
import { checkedReply } from './checked-reply.js';
import { said, type Said } from './said.js';
import { PrinterForm, type PrinterProfileChoice } from './printer-form.js';
import { asContractError, type SessionCall } from './use-manager-session.js';

function where(printer: PrinterInfo): string {
  const transport = printer.transport;
  return transport.kind === 'tcp' ? `TCP ${transport.host}:${transport.port}` : `${transport.kind === 'serial' ? 'Serial' : 'USB'} ${transport.path}`;
}

type State = { readonly kind: 'loading' } | { readonly kind: 'ready'; readonly printers: readonly PrinterInfo[]; readonly profiles: readonly PrinterProfileChoice[] } | { readonly kind: 'failed'; readonly error: ContractError };

export function PrintersPanel({ call, states }: { readonly call: SessionCall; readonly states: ReadonlyMap<string, PrinterState> }) {
  const { t } = useTranslation();
  const f = useFormats();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [editing, setEditing] = useState<PrinterInfo | null>(null);
  const [notice, setNotice] = useState<Said | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  const [busy, setBusy] = useState(false);
  // A saved printer's form starts again empty.
  const [saves, setSaves] = useState(0);

  const load = useCallback(() => {
    call('printer-list', {}).then(
      (reply) => {
        try {
          const list = checkedReply(printerListReplySchema, reply, 'printer-list');
          setState({ kind: 'ready', printers: list.printers, profiles: list.profiles ?? [] });
        } catch (failure) {
          setState({ kind: 'failed', error: asContractError(failure) });
        }
      },
      (failure: unknown) => setState({ kind: 'failed', error: asContractError(failure) }),
    );
  }, [call]);
  useEffect(load, [load]);

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

  if (state.kind === 'loading') return <p role="status">{t('admin.devices.loading')}</p>;
  if (state.kind === 'failed') return <ErrorNotice error={state.error} />;
  return (
    <section aria-labelledby="printers-title" data-testid="printers">
      <h3 id="printers-title">{t('admin.devices.printers')}</h3>
      {notice !== null && (
        <p className="notice notice-ok" role="status" data-testid="printers-notice">
          {notice.say(t)}
        </p>
      )}
      {error && <ErrorNotice key={`${error.code}:${error.message}`} error={error} />}
      {state.printers.length === 0 ? (
        <p>{t('admin.devices.noPrinters')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('admin.devices.id')}</th>
              <th scope="col">{t('admin.devices.connection')}</th>
              <th scope="col">{t('admin.devices.state')}</th>
              <th scope="col">{t('admin.devices.waiting')}</th>
              <th scope="col">{t('admin.devices.enabled')}</th>
              <th scope="col">{t('admin.devices.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {state.printers.map((printer) => {
              const seen = states.get(printer.id);
              const condition = seen?.state ?? 'unknown';
              return (
                <tr key={printer.id} data-printer={printer.id} data-state={condition}>
                  <th scope="row">{printer.id}</th>
                  <td>{where(printer)}</td>
                  <td data-testid="printer-condition">{t(`admin.devices.conditions.${condition}`)}</td>
                  <td className="number">{seen === undefined ? '' : f.points(seen.waiting)}</td>
                  <td>{printer.enabled ? t('admin.devices.yes') : t('admin.devices.no')}</td>
                  <td className="actions">
                    <button type="button" disabled={busy || !printer.enabled} onClick={() => act(async () => {
                        const { job } = await call('printer-test', { id: printer.id });
                        return said((tr) => tr('admin.devices.testQueued', { job, id: printer.id }));
                      })}>
                      {t('admin.devices.test', { id: printer.id })}
                    </button>
                    <button type="button" disabled={busy} onClick={() => act(async () => {
                        const { id } = await call('printer-enable', { id: printer.id, enabled: !printer.enabled });
                        return said((tr) => tr('admin.devices.saved', { id }));
                      })}>
                      {printer.enabled ? t('admin.devices.disable', { id: printer.id }) : t('admin.devices.enable', { id: printer.id })}
                    </button>
                    {printer.transport.kind === 'tcp' && (
                      <button type="button" disabled={busy} onClick={() => setEditing(printer)}>
                        {t('admin.devices.edit', { id: printer.id })}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <PrinterForm
        key={`${editing?.id ?? 'new'}-${saves}`}
        editing={editing}
        profiles={state.profiles}
        call={call}
        onCancel={() => setEditing(null)}
        onSaved={(id) => {
          setEditing(null);
          setSaves((n) => n + 1);
          setNotice(said((tr) => tr('admin.devices.saved', { id })));
          load();
        }}
      />
    </section>
  );
}

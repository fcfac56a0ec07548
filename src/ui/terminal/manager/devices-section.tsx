/** The devices section of the manager screen: receipt printers, scanners and the print queue. */
import { useTranslation } from 'react-i18next';
import { PrintQueuePanel } from './print-queue-panel.js';
import { PrintersPanel } from './printers-panel.js';
import { ScannersPanel } from './scanners-panel.js';
import { useDeviceStates } from './use-device-states.js';
import type { SessionCall } from './use-manager-session.js';

export function DevicesSection({ call }: { readonly call: SessionCall }) {
  const { t } = useTranslation();
  const states = useDeviceStates(call);
  return (
    <section className="panel" aria-labelledby="devices-title" data-screen="manager-devices">
      <h2 id="devices-title">{t('admin.devices.title')}</h2>
      <PrintersPanel call={call} states={states.printers} />
      <ScannersPanel states={states.scanners} />
      <PrintQueuePanel call={call} states={states.printers} />
    </section>
  );
}

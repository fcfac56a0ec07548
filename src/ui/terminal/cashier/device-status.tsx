/**
 * The counter's printer and scanners, said only when something is wrong: a printer offline or out
 * of paper (its slips are kept and print when it is back), a scanner disconnected; and a scan the
 * host refused (a bank card: nothing was kept). A live region, so a screen reader hears the change.
 */
import { useTranslation } from 'react-i18next';
import { REJECTION_MESSAGES } from '../../../core/card-code/parse.js';
import type { PrinterState, ScannedCode } from '../../../contract/messages.js';
import { useFormats } from '../terminal-context.js';
import type { Devices } from './use-devices.js';

const PRINTER_KEYS = {
  'paper-low': 'counter.printerPaperLow',
  'out-of-paper': 'counter.printerOutOfPaper',
  'cover-open': 'counter.printerCoverOpen',
  error: 'counter.printerError',
  offline: 'counter.printerOffline',
} as const satisfies Partial<Record<PrinterState['state'], string>>;

function isTrouble(state: PrinterState['state']): state is keyof typeof PRINTER_KEYS {
  return Object.hasOwn(PRINTER_KEYS, state);
}

export function DeviceStatus({ devices, refusedScan }: { readonly devices: Devices; readonly refusedScan: ScannedCode | null }) {
  const { t } = useTranslation();
  const f = useFormats();
  const printers = devices.printers.filter((p) => isTrouble(p.state));
  const scanners = devices.scanners.filter((s) => s.state !== 'connected');
  return (
    <div className="device-status" role="status" aria-live="polite" data-testid="device-status">
      {printers.map((p) =>
        isTrouble(p.state) ? (
          <p key={p.printer} className={`notice ${p.state === 'paper-low' ? 'notice-warn' : 'notice-error'}`} data-testid="printer-state" data-state={p.state}>
            {t(PRINTER_KEYS[p.state], { printer: p.printer })} {p.state !== 'paper-low' && t('counter.slipsKept', { slips: f.points(p.waiting) })}
          </p>
        ) : null,
      )}
      {scanners.map((s) => (
        <p key={s.device} className="notice notice-warn" data-testid="scanner-state" data-state={s.state}>
          {s.state === 'disconnected' ? t('counter.scannerDisconnected', { scanner: s.device }) : t('counter.scannerError', { scanner: s.device })}
        </p>
      ))}
      {refusedScan?.refused != null && (
        <p className="notice notice-error" data-testid="scan-refused" data-reason={refusedScan.refused}>
          {REJECTION_MESSAGES[refusedScan.refused][f.lang]}
        </p>
      )}
    </div>
  );
}

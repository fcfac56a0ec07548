/**
 * The scanners the host runs, with their state (scanner-state pushes), and a test: "scan a code
 * now" shows the next `scan` the host pushes, from whichever scanner, or `tally scan`.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ScannedCode, ScannerState } from '../../../contract/messages.js';
import { useTerminal } from '../terminal-context.js';

type Test = { readonly kind: 'idle' } | { readonly kind: 'waiting' } | { readonly kind: 'scanned'; readonly scan: ScannedCode };

export function ScannersPanel({ states }: { readonly states: ReadonlyMap<string, ScannerState> }) {
  const { t } = useTranslation();
  const { api } = useTerminal();
  const [test, setTest] = useState<Test>({ kind: 'idle' });
  const waiting = test.kind === 'waiting';
  useEffect(() => {
    if (!waiting) return;
    return api.onPush('scan', (scan) => setTest({ kind: 'scanned', scan }));
  }, [api, waiting]);

  const scanners = [...states.values()];
  return (
    <section aria-labelledby="scanners-title" data-testid="scanners">
      <h3 id="scanners-title">{t('admin.devices.scanners')}</h3>
      {scanners.length === 0 ? (
        <p>{t('admin.devices.noScanners')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('admin.devices.scanner')}</th>
              <th scope="col">{t('admin.devices.state')}</th>
            </tr>
          </thead>
          <tbody>
            {scanners.map((scanner) => (
              <tr key={scanner.device} data-scanner={scanner.device} data-state={scanner.state}>
                <th scope="row">{scanner.device}</th>
                <td>
                  {t(`admin.devices.scannerStates.${scanner.state}`)}
                  {scanner.message !== null && <span className="fact-note">{scanner.message}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions">
        {waiting ? (
          <button type="button" onClick={() => setTest({ kind: 'idle' })}>
            {t('admin.devices.scanCancel')}
          </button>
        ) : (
          <button type="button" onClick={() => setTest({ kind: 'waiting' })}>
            {t('admin.devices.scanTest')}
          </button>
        )}
      </div>
      <p role="status" data-testid="scan-test" data-state={test.kind}>
        {test.kind === 'waiting'
          ? t('admin.devices.scanWaiting')
          : test.kind === 'scanned'
            ? test.scan.code !== null
              ? t('admin.devices.scanned', { source: test.scan.device ?? test.scan.source, code: test.scan.code })
              : t('admin.devices.scanRefused', { shown: test.scan.shown })
            : ''}
      </p>
    </section>
  );
}

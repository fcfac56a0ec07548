/**
 * The kiosk's page: the status line, the link to the host and the kiosk screen, and nothing else.
 * It does not follow the address (a customer typing `#/cashier` stays here), asks the host only
 * `terminal-info` and `kiosk-member`, and has no setup screen (a kiosk cannot set a terminal up).
 */
import { useTranslation } from 'react-i18next';
import type { Bridge } from '../../bridge/bridge.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { ConnectionNotice } from '../connection-notice.js';
import { StatusBar } from '../status-bar.js';
import { TerminalContext } from '../terminal-context.js';
import { useConnectionState, useTerminalInfo } from '../use-host.js';
import { KioskScreen } from './kiosk-screen.js';

export function KioskApp({ bridge, onSwitchLanguage }: { readonly bridge: Bridge; readonly onSwitchLanguage: () => void }) {
  const { t } = useTranslation();
  const connection = useConnectionState(bridge);
  const info = useTerminalInfo(bridge, connection);
  return (
    <>
      <StatusBar info={info.kind === 'ready' ? info.info : null} connection={connection} sync={null} onSwitchLanguage={onSwitchLanguage} />
      <main className="screen">
        {connection !== 'open' && <ConnectionNotice state={connection} />}
        {info.kind === 'ready' ? (
          <TerminalContext.Provider value={{ api: bridge, info: info.info, sync: null }}>
            <KioskScreen />
          </TerminalContext.Provider>
        ) : info.kind === 'failed' ? (
          <ErrorNotice error={info.error} />
        ) : (
          connection === 'open' && <p role="status">{t('connection.loading')}</p>
        )}
      </main>
    </>
  );
}

/** `#/kiosk` typed into a counter's tab: the kiosk runs only from its own address (its own secret). */
export function KioskElsewhere() {
  const { t } = useTranslation();
  return (
    <section className="panel" aria-labelledby="kiosk-elsewhere-title" data-screen="kiosk-elsewhere">
      <h1 id="kiosk-elsewhere-title" className="screen-title">
        {t('kiosk.elsewhereTitle')}
      </h1>
      <p>{t('kiosk.elsewhereBody')}</p>
      <p>
        <a href="#/cashier">{t('screens.toCashier')}</a>
      </p>
    </section>
  );
}

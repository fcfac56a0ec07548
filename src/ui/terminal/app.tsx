/**
 * The terminal's page: the status bar, the link to the host (what the screen says while it is not
 * there), and the screen the address names. The screen stays mounted while the host is away, so a
 * checkout in progress is still there when it comes back.
 */
import { useCallback, useEffect, useState } from 'react';
import { I18nextProvider, useTranslation } from 'react-i18next';
import type { i18n as I18n } from 'i18next';
import type { Bridge } from '../bridge/bridge.js';
import type { PageBridge } from '../bridge/page-bridge.js';
import { parseHash, type Screen } from '../bridge/route.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useKey } from '../components/use-key.js';
import { isScreenLanguage } from '../i18n/i18n.js';
import { rememberLanguage } from '../i18n/language-preference.js';
import { CashierScreen } from './cashier/cashier-screen.js';
import { ConnectionNotice } from './connection-notice.js';
import { CustomerDisplay } from './customer/customer-display.js';
import { KioskApp, KioskElsewhere } from './kiosk/kiosk-app.js';
import { ManagerScreen } from './manager/manager-screen.js';
import { NotAvailable } from './not-available.js';
import { SetupScreen } from './setup/setup-screen.js';
import { StatusBar } from './status-bar.js';
import { TerminalContext } from './terminal-context.js';
import { useConnectionState, useSyncState, useTerminalInfo } from './use-host.js';

function useScreen(initial: Screen): Screen {
  const [screen, setScreen] = useState(initial);
  useEffect(() => {
    const onHashChange = (): void => setScreen(parseHash(window.location.hash).screen);
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);
  return screen;
}

function useLanguageSwitch(): () => void {
  const { i18n } = useTranslation();
  const switchLanguage = useCallback(() => {
    const next = isScreenLanguage(i18n.language) && i18n.language === 'en' ? 'ko' : 'en';
    void i18n.changeLanguage(next);
    rememberLanguage(next);
  }, [i18n]);
  useKey('F2', switchLanguage);
  return switchLanguage;
}

function Connected({ bridge, initialScreen }: { readonly bridge: Bridge; readonly initialScreen: Screen }) {
  const { t } = useTranslation();
  const connection = useConnectionState(bridge);
  const info = useTerminalInfo(bridge, connection);
  const sync = useSyncState(bridge, connection);
  const screen = useScreen(initialScreen);
  const switchLanguage = useLanguageSwitch();
  return (
    <>
      <StatusBar info={info.kind === 'ready' ? info.info : null} connection={connection} sync={sync} onSwitchLanguage={switchLanguage} />
      <main className="screen">
        {connection !== 'open' && <ConnectionNotice state={connection} />}
        {info.kind === 'ready' ? (
          // A set-up terminal has nothing to set up: `#/setup` shows the cashier.
          <TerminalContext.Provider value={{ api: bridge, info: info.info, sync }}>{screen === 'cashier' || screen === 'setup' ? <CashierScreen /> : screen === 'manager' ? <ManagerScreen /> : screen === 'customer' ? <CustomerDisplay /> : screen === 'kiosk' ? <KioskElsewhere /> : <NotAvailable screen={screen} />}</TerminalContext.Provider>
        ) : info.kind === 'failed' && info.error.code === 'not-initialised' ? (
          <SetupScreen api={bridge} onDone={() => (window.location.hash = '#/cashier')} />
        ) : info.kind === 'failed' ? (
          <ErrorNotice error={info.error} />
        ) : (
          connection === 'open' && <p role="status">{t('connection.loading')}</p>
        )}
      </main>
    </>
  );
}

function NoSecret() {
  const switchLanguage = useLanguageSwitch();
  return (
    <>
      <StatusBar info={null} connection="unauthorised" sync={null} onSwitchLanguage={switchLanguage} />
      <main className="screen">
        <ConnectionNotice state="unauthorised" />
      </main>
    </>
  );
}

/** The kiosk is its own page: it never follows the address to another screen. */
function Kiosk({ bridge }: { readonly bridge: Bridge }) {
  const switchLanguage = useLanguageSwitch();
  return <KioskApp bridge={bridge} onSwitchLanguage={switchLanguage} />;
}

export function App({ page, i18n }: { readonly page: PageBridge; readonly i18n: I18n }) {
  return (
    <I18nextProvider i18n={i18n}>
      {page.kind === 'bridge' ? page.route.screen === 'kiosk' ? <Kiosk bridge={page.bridge} /> : <Connected bridge={page.bridge} initialScreen={page.route.screen} /> : <NoSecret />}
    </I18nextProvider>
  );
}

/**
 * The line along the top of every screen: the program, store and terminal; a demo terminal's
 * warning; the link to the host and, for a terminal enrolled with a server, the sync state (offline
 * since when, entries not yet synced); and the language switch (F2).
 */
import { useTranslation } from 'react-i18next';
import type { SyncState } from '../../contract/messages.js';
import type { TerminalInfo } from '../../contract/terminal-info.js';
import type { ConnectionState } from '../bridge/bridge.js';
import { formatDateTime, formatNumber } from '../i18n/format.js';
import { isScreenLanguage } from '../i18n/i18n.js';

export interface StatusBarProps {
  readonly info: TerminalInfo | null;
  readonly connection: ConnectionState;
  readonly sync: SyncState | null;
  readonly onSwitchLanguage: () => void;
}

export function StatusBar({ info, connection, sync, onSwitchLanguage }: StatusBarProps) {
  const { t, i18n } = useTranslation();
  const lang = isScreenLanguage(i18n.language) ? i18n.language : 'en';
  return (
    <header className="status-bar">
      <p className="identity">
        <span className="app-name">{t('app.title')}</span>
        {info && <span data-testid="identity">{t('app.identity', { program: info.program.name[lang], store: info.storeId, terminal: info.terminalId })}</span>}
      </p>
      {info?.demo && <p className="demo-badge">{t('app.demo')}</p>}
      <div className="status" role="status" aria-label={t('app.status')}>
        <span className={`pill pill-${connection === 'open' ? 'ok' : 'bad'}`} data-testid="connection-state" data-state={connection}>
          {connection === 'open' ? t('connection.online') : connection === 'connecting' ? t('connection.connecting') : connection === 'unauthorised' ? t('connection.unauthorisedTitle') : t('connection.unreachableTitle')}
        </span>
        {info?.enrolledWithServer && sync && (
          <span className={`pill pill-${sync.online ? 'ok' : 'warn'}`} data-testid="sync-state" title={sync.lastError ? t('sync.lastError', { error: sync.lastError }) : undefined}>
            {sync.online ? t('sync.online') : sync.lastSuccessAt !== null ? t('sync.offlineSince', { time: formatDateTime(sync.lastSuccessAt, info.timeZone, lang) }) : t('sync.offline')}
            {sync.unsynced > 0 && <> · {t('sync.unsynced', { entries: formatNumber(sync.unsynced, lang) })}</>}
          </span>
        )}
      </div>
      {/* Named by what it shows (the other language, F2); what it does is its description. */}
      <button type="button" className="language-switch" onClick={onSwitchLanguage} aria-describedby="language-switch-help" data-testid="language-switch">
        <span lang={lang === 'en' ? 'ko' : 'en'}>{t('language.switchTo')}</span> <kbd>F2</kbd>
      </button>
      <span id="language-switch-help" className="visually-hidden">
        {t('language.switchLabel')}
      </span>
    </header>
  );
}

/**
 * What every screen of the terminal shares once connected: the host (the bridge), the terminal's
 * description (terminal-info), where it stands with its server (one `sync-state` subscription for
 * the status bar and the manager's Sync section), and the formatting of money, points and dates for the screen's
 * language, the program's currency and the store's time zone.
 */
import { createContext, useContext, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncState } from '../../contract/messages.js';
import type { ScreenLanguage, TerminalInfo } from '../../contract/terminal-info.js';
import type { HostApi } from '../bridge/bridge.js';
import { isScreenLanguage } from '../i18n/i18n.js';
import { formatDate, formatDateTime, formatDayKey, formatMoney, formatNumber } from '../i18n/format.js';

export interface Terminal {
  readonly api: HostApi;
  readonly info: TerminalInfo;
  /** The host's sync state (null: not known yet, or not enrolled with a server; always null at a kiosk, which hears no sync). */
  readonly sync: SyncState | null;
}

export const TerminalContext = createContext<Terminal | null>(null);

export function useTerminal(): Terminal {
  const terminal = useContext(TerminalContext);
  if (terminal === null) throw new Error('useTerminal outside a connected terminal');
  return terminal;
}

export interface Formats {
  readonly lang: ScreenLanguage;
  /** Minor units of the program's currency. */
  money(amount: number): string;
  points(points: number): string;
  dateTime(instant: number): string;
  date(instant: number): string;
  day(dayKey: string): string;
  /** A program's name in the screen's language. */
  name(name: { readonly en: string; readonly ko: string }): string;
}

export function useFormats(): Formats {
  const { i18n } = useTranslation();
  const { info } = useTerminal();
  const lang: ScreenLanguage = isScreenLanguage(i18n.language) ? i18n.language : 'en';
  return useMemo(
    () => ({
      lang,
      money: (amount) => formatMoney(amount, info.program.currency, lang),
      points: (points) => formatNumber(points, lang),
      dateTime: (instant) => formatDateTime(instant, info.timeZone, lang),
      date: (instant) => formatDate(instant, info.timeZone, lang),
      day: (dayKey) => formatDayKey(dayKey, lang),
      name: (name) => name[lang],
    }),
    [lang, info.program.currency, info.timeZone],
  );
}

/**
 * The screen's language, remembered on this computer (localStorage) so the till opens in the
 * language the cashier last chose; the first time, the browser's language decides.
 */
import type { ScreenLanguage } from '../../contract/terminal-info.js';
import { isScreenLanguage } from './i18n.js';

const KEY = 'tally.language';

export function storedLanguage(): ScreenLanguage {
  try {
    const stored = window.localStorage.getItem(KEY);
    if (isScreenLanguage(stored)) return stored;
  } catch {
    // Storage disabled by the browser's settings: fall through to the browser's language.
  }
  return window.navigator.language.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

export function rememberLanguage(lang: ScreenLanguage): void {
  try {
    window.localStorage.setItem(KEY, lang);
  } catch {
    // Not remembered; the choice still holds until the page reloads.
  }
  document.documentElement.lang = lang;
}

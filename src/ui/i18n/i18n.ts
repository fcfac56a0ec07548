/**
 * The screens' i18next instance: English and Korean, both complete (resources.test.ts), loaded with
 * the page (no backend to fetch from: the terminal may be offline). React escapes what it renders,
 * so i18next does not escape interpolated values a second time.
 */
import i18next, { type i18n } from 'i18next';
import { SCREEN_LANGUAGES, type ScreenLanguage } from '../../contract/terminal-info.js';
import { en } from './resources/en.js';
import { ko } from './resources/ko.js';

export const RESOURCES = { en: { translation: en }, ko: { translation: ko } } as const;

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}

export function isScreenLanguage(value: unknown): value is ScreenLanguage {
  return typeof value === 'string' && (SCREEN_LANGUAGES as readonly string[]).includes(value);
}

/** A ready instance (resources are inline, so `init` completes before this returns). */
export function createI18n(lang: ScreenLanguage): i18n {
  const instance = i18next.createInstance();
  void instance.init({
    resources: RESOURCES,
    lng: lang,
    fallbackLng: 'en',
    supportedLngs: [...SCREEN_LANGUAGES],
    initAsync: false,
    interpolation: { escapeValue: false },
  });
  return instance;
}

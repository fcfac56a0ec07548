import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../contract/messages.js';
import { BRIDGE_ERROR_CODES } from '../bridge/contract-error.js';
import { createI18n } from './i18n.js';
import { ERROR_MESSAGE_KEYS, SERVER_ERROR_KEYS, serverErrorMessageKey } from './error-messages.js';

describe('error messages', () => {
  const codes = [...ERROR_CODES, ...BRIDGE_ERROR_CODES];

  it('map every code the contract and the bridge can give, and nothing else', () => {
    expect(Object.keys(ERROR_MESSAGE_KEYS).sort()).toEqual([...new Set(codes)].sort());
  });

  it.each(['en', 'ko'] as const)('have a text of their own for every code in %s', (lang) => {
    const i18n = createI18n(lang);
    const texts = codes.map((code) => {
      const key = ERROR_MESSAGE_KEYS[code];
      expect(i18n.exists(key, { lng: lang, fallbackLng: false }), `${lang}: ${key}`).toBe(true);
      return i18n.t(key);
    });
    // One message per code: a copy-pasted text would tell the cashier nothing about what happened.
    expect(new Set(texts).size).toBe(codes.length);
  });

  it.each(['en', 'ko'] as const)('say what a code means on a call to the server in %s (the link, not the disk), and fall back to the usual text otherwise', (lang) => {
    const i18n = createI18n(lang);
    for (const [code, key] of Object.entries(SERVER_ERROR_KEYS)) {
      expect(i18n.exists(key, { lng: lang, fallbackLng: false }), `${lang}: ${key}`).toBe(true);
      expect(i18n.t(key)).not.toBe(i18n.t(ERROR_MESSAGE_KEYS[code as keyof typeof SERVER_ERROR_KEYS]));
    }
    expect(serverErrorMessageKey('io-error')).toBe('serverErrors.io-error');
    expect(serverErrorMessageKey('unknown-card')).toBe('errors.unknown-card');
  });
});

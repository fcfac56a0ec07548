import { describe, expect, it } from 'vitest';
import { createI18n } from './i18n.js';
import { en } from './resources/en.js';
import { ko } from './resources/ko.js';

/** Every leaf as [dotted key, text]. */
function leaves(node: unknown, prefix = ''): [string, string][] {
  if (typeof node === 'string') return [[prefix, node]];
  if (typeof node !== 'object' || node === null) throw new Error(`${prefix}: neither text nor a group`);
  return Object.entries(node).flatMap(([key, value]) => leaves(value, prefix === '' ? key : `${prefix}.${key}`));
}

/** The values a text fills in: `{{name}}` and `{{count, number}}` both name one. */
function variables(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^},\s]+)[^}]*\}\}/g)].map((m) => m[1]!).sort();
}

describe('English and Korean texts', () => {
  const english = new Map(leaves(en));
  const korean = new Map(leaves(ko));

  it('have exactly the same keys', () => {
    expect([...korean.keys()].sort()).toEqual([...english.keys()].sort());
    expect(english.size).toBeGreaterThan(100);
  });

  it('fill in exactly the same values in every text', () => {
    const differ = [...english].filter(([key, text]) => JSON.stringify(variables(text)) !== JSON.stringify(variables(korean.get(key) ?? '')));
    expect(differ.map(([key]) => key)).toEqual([]);
  });

  it('are never empty, and the Korean ones are written in Korean (apart from names and texts made only of values)', () => {
    expect([...english, ...korean].filter(([, text]) => text.trim() === '').map(([key]) => key)).toEqual([]);
    const untranslated = [...korean].filter(([key, text]) => !/[\uac00-\ud7a3]/.test(text) && !['app.title', 'language.switchTo', 'preview.bonusDay'].includes(key));
    expect(untranslated.map(([key]) => key)).toEqual([]);
  });

  it('interpolate through i18next in either language', () => {
    const i18n = createI18n('ko');
    expect(i18n.t('member.rewardLine', { name: '커피 무료', points: '400' })).toBe('커피 무료: 400포인트');
    void i18n.changeLanguage('en');
    expect(i18n.t('member.rewardLine', { name: 'Free coffee', points: '400' })).toBe('Free coffee: 400 points');
    // React escapes what it renders; i18next must not escape a second time.
    expect(i18n.t('unknown.body', { card: '<29…18>' })).toBe('No member has the card <29…18>.');
  });
});

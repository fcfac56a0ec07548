import { describe, expect, it } from 'vitest';
import { AZERTY_ALTGR_ON_WINDOWS, AZERTY_CHART, AZERTY_SCANNER_ON_US_PC, US_SCANNER_ON_AZERTY_PC } from '../../../tests/e2e/wedge-fixtures.js';
import { charForCode, LAYOUTS } from './layouts.js';

describe('AZERTY table', () => {
  it.each(AZERTY_CHART)('%s types %s, and %s with Shift', (code, unshifted, shifted) => {
    expect(charForCode('azerty', code, false)).toBe(unshifted);
    expect(charForCode('azerty', code, true)).toBe(shifted);
  });

  it('digits need Shift; unshifted the digit row types & é " \' ( - è _ ç à', () => {
    const row = ['Digit1', 'Digit2', 'Digit3', 'Digit4', 'Digit5', 'Digit6', 'Digit7', 'Digit8', 'Digit9', 'Digit0'];
    expect(row.map((code) => charForCode('azerty', code, true)).join('')).toBe('1234567890');
    expect(row.map((code) => charForCode('azerty', code, false)).join('')).toBe('&é"\'(-è_çà');
  });

  it('AltGr gives the characters of the AZERTY AltGr level (an AIM "]" is AltGr + the ")" key)', () => {
    const altGr = (code: string): string | undefined => charForCode('azerty', code, false, true);
    expect(altGr('Minus')).toBe(']');
    expect(altGr('Digit5')).toBe('[');
    expect(altGr('Digit0')).toBe('@');
    expect(altGr('Digit3')).toBe('#');
    expect(altGr('Equal')).toBe('}');
    expect(altGr('KeyE')).toBe('€');
    // Keys with nothing on AltGr type nothing, rather than their plain character.
    expect(altGr('KeyA')).toBeUndefined();
    expect(altGr('Digit1')).toBeUndefined();
  });

  it('has 26 distinct letters, each shifting to its capital', () => {
    const letters = Object.values(LAYOUTS.azerty).filter(([plain]) => /^[a-z]$/.test(plain));
    expect(new Set(letters.map(([plain]) => plain)).size).toBe(26);
    for (const [plain, shifted] of letters) expect(shifted).toBe(plain.toUpperCase());
  });
});

describe('US table', () => {
  it('types the US characters, shifted and not', () => {
    const row = ['Digit1', 'Digit2', 'Digit3', 'Digit4', 'Digit5', 'Digit6', 'Digit7', 'Digit8', 'Digit9', 'Digit0', 'Minus', 'Equal'];
    expect(row.map((code) => charForCode('us', code, false)).join('')).toBe('1234567890-=');
    expect(row.map((code) => charForCode('us', code, true)).join('')).toBe('!@#$%^&*()_+');
    expect(charForCode('us', 'KeyA', false)).toBe('a');
    expect(charForCode('us', 'KeyA', true)).toBe('A');
    expect(charForCode('us', 'BracketRight', false)).toBe(']');
    expect(charForCode('us', 'Numpad7', false)).toBe('7');
  });

  it('has no AltGr level', () => {
    expect(charForCode('us', 'Minus', false, true)).toBeUndefined();
  });
});

describe('fixtures decode through the tables', () => {
  it.each([US_SCANNER_ON_AZERTY_PC, AZERTY_SCANNER_ON_US_PC, AZERTY_ALTGR_ON_WINDOWS])('$name', (fixture) => {
    const text = fixture.keys.map((k) => charForCode(fixture.layout, k.code, k.shiftKey === true, k.altGraph === true)).join('');
    expect(text).toBe(fixture.text);
  });
});

describe('keys that type nothing', () => {
  it.each(['ShiftLeft', 'Enter', 'F2', 'ArrowDown', '', 'Unidentified'])('%j is undefined', (code) => {
    expect(charForCode('us', code, false)).toBeUndefined();
    expect(charForCode('azerty', code, true)).toBeUndefined();
  });

  it("does not find Object's properties for codes from event data", () => {
    for (const code of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(charForCode('us', code, false)).toBeUndefined();
      expect(charForCode('azerty', code, true)).toBeUndefined();
    }
  });
});

/**
 * Keyboard layouts for decoding a keyboard-wedge scanner from physical key codes
 * (`KeyboardEvent.code`) when `KeyboardEvent.key` cannot be trusted: the scanner emulates one
 * layout while the operating system is set to another, so `key` comes out wrong (a US-layout
 * scanner on a French PC types "&é\"'(" for "12345").
 *
 * `code` names the physical key by what it types on a US keyboard (`KeyQ` is the key that types
 * "a" on AZERTY), so each table maps a code to what that key types on its layout: unshifted,
 * shifted, and with AltGr where the layout has one (AZERTY types `]`, the first character of an
 * AIM symbology identifier, as AltGr + the `)` key).
 */
export type LayoutName = 'us' | 'azerty';

/** [unshifted, shifted, AltGr] */
type Entry = readonly [string, string, string?];
type Table = Readonly<Record<string, Entry>>;

const letters = (layout: LayoutName): Record<string, Entry> => {
  const table: Record<string, Entry> = {};
  for (const c of 'abcdefghijklmnopqrstuvwxyz') table[`Key${c.toUpperCase()}`] = [c, c.toUpperCase()];
  if (layout === 'azerty') {
    // AZERTY swaps A/Q and Z/W, puts M on the US Semicolon key and "," on the US M key.
    table['KeyA'] = ['q', 'Q'];
    table['KeyQ'] = ['a', 'A'];
    table['KeyZ'] = ['w', 'W'];
    table['KeyW'] = ['z', 'Z'];
    table['Semicolon'] = ['m', 'M'];
    table['KeyM'] = [',', '?'];
    table['KeyE'] = ['e', 'E', '€'];
  }
  return table;
};

const shared: Table = {
  Space: [' ', ' '],
  Numpad0: ['0', '0'],
  Numpad1: ['1', '1'],
  Numpad2: ['2', '2'],
  Numpad3: ['3', '3'],
  Numpad4: ['4', '4'],
  Numpad5: ['5', '5'],
  Numpad6: ['6', '6'],
  Numpad7: ['7', '7'],
  Numpad8: ['8', '8'],
  Numpad9: ['9', '9'],
  NumpadAdd: ['+', '+'],
  NumpadSubtract: ['-', '-'],
  NumpadMultiply: ['*', '*'],
  NumpadDivide: ['/', '/'],
  NumpadDecimal: ['.', '.'],
};

const US: Table = {
  ...letters('us'),
  ...shared,
  Digit1: ['1', '!'],
  Digit2: ['2', '@'],
  Digit3: ['3', '#'],
  Digit4: ['4', '$'],
  Digit5: ['5', '%'],
  Digit6: ['6', '^'],
  Digit7: ['7', '&'],
  Digit8: ['8', '*'],
  Digit9: ['9', '('],
  Digit0: ['0', ')'],
  Minus: ['-', '_'],
  Equal: ['=', '+'],
  BracketLeft: ['[', '{'],
  BracketRight: [']', '}'],
  Backslash: ['\\', '|'],
  Semicolon: [';', ':'],
  Quote: ["'", '"'],
  Comma: [',', '<'],
  Period: ['.', '>'],
  Slash: ['/', '?'],
  Backquote: ['`', '~'],
  // The extra key of ISO (102-key) keyboards, between left Shift and Z.
  IntlBackslash: ['\\', '|'],
};

/**
 * French AZERTY (the Windows/Linux "fr" layout): digits need Shift; unshifted they are
 * & é " ' ( - è _ ç à. AltGr gives ~ # { [ | ` \ ^ @ ] } ¤ € (the dead keys ~ ` ^ are kept as
 * their plain characters: a scanner sends them followed by a space, or not at all).
 */
const AZERTY: Table = {
  ...letters('azerty'),
  ...shared,
  Digit1: ['&', '1'],
  Digit2: ['é', '2', '~'],
  Digit3: ['"', '3', '#'],
  Digit4: ["'", '4', '{'],
  Digit5: ['(', '5', '['],
  Digit6: ['-', '6', '|'],
  Digit7: ['è', '7', '`'],
  Digit8: ['_', '8', '\\'],
  Digit9: ['ç', '9', '^'],
  Digit0: ['à', '0', '@'],
  Minus: [')', '°', ']'],
  Equal: ['=', '+', '}'],
  BracketLeft: ['^', '¨'],
  BracketRight: ['$', '£', '¤'],
  Backslash: ['*', 'µ'],
  Quote: ['ù', '%'],
  Comma: [';', '.'],
  Period: [':', '/'],
  Slash: ['!', '§'],
  Backquote: ['²', '²'],
  IntlBackslash: ['<', '>'],
};

export const LAYOUTS: Readonly<Record<LayoutName, Table>> = { us: US, azerty: AZERTY };

/**
 * The character a physical key gives on a layout, or undefined for keys that type nothing there
 * (including AltGr combinations the layout does not define, and every AltGr key on US).
 */
export function charForCode(layout: LayoutName, code: string, shift: boolean, altGraph = false): string | undefined {
  const table = LAYOUTS[layout];
  // Own properties only: a code is event data, and 'constructor' or '__proto__' must not find Object's.
  if (!Object.hasOwn(table, code)) return undefined;
  const entry = table[code]!;
  return altGraph ? entry[2] : entry[shift ? 1 : 0];
}

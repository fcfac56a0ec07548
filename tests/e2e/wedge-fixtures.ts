/**
 * Keyboard-layout fixtures for the keyboard-wedge detector: the keydown events a browser reports
 * when a scanner types a code, written out by hand from the French AZERTY layout (Windows/Linux
 * "fr"), not derived from src/core/wedge/layouts.ts, so they check it.
 *
 * `code` is the physical key, named after what it types on a US keyboard; `key` is what the
 * computer's own layout makes of it. A scanner "emulates" one layout: it presses the keys that
 * type the code's characters on that layout, whatever the computer is set to.
 */
export interface FixtureKey {
  readonly key: string;
  readonly code: string;
  readonly shiftKey?: boolean;
  readonly ctrlKey?: boolean;
  readonly altKey?: boolean;
  readonly altGraph?: boolean;
}

export interface LayoutFixture {
  readonly name: string;
  /** The layout the detector is configured with (the one the scanner emulates). */
  readonly layout: 'us' | 'azerty';
  /** What the scanner read. */
  readonly text: string;
  /** The keydowns, without modifier keydowns and without the final Enter. */
  readonly keys: readonly FixtureKey[];
}

const S = { shiftKey: true } as const;

/**
 * A scanner left on its factory US layout, plugged into a French PC: it presses the US keys for
 * "]E0" + "1234567890" + "-AQWZM" + "m;/.", and the PC types "$Eà" + "&é\"'(-è_çà" + ")QAZW?" + ",m!:".
 */
export const US_SCANNER_ON_AZERTY_PC: LayoutFixture = {
  name: 'US-layout scanner on a French AZERTY PC',
  layout: 'us',
  text: ']E01234567890-AQWZMm;/.',
  keys: [
    { key: '$', code: 'BracketRight' },
    { key: 'E', code: 'KeyE', ...S },
    { key: 'à', code: 'Digit0' },
    { key: '&', code: 'Digit1' },
    { key: 'é', code: 'Digit2' },
    { key: '"', code: 'Digit3' },
    { key: "'", code: 'Digit4' },
    { key: '(', code: 'Digit5' },
    { key: '-', code: 'Digit6' },
    { key: 'è', code: 'Digit7' },
    { key: '_', code: 'Digit8' },
    { key: 'ç', code: 'Digit9' },
    { key: 'à', code: 'Digit0' },
    { key: ')', code: 'Minus' },
    { key: 'Q', code: 'KeyA', ...S },
    { key: 'A', code: 'KeyQ', ...S },
    { key: 'Z', code: 'KeyW', ...S },
    { key: 'W', code: 'KeyZ', ...S },
    { key: '?', code: 'KeyM', ...S },
    { key: ',', code: 'KeyM' },
    { key: 'm', code: 'Semicolon' },
    { key: '!', code: 'Slash' },
    { key: ':', code: 'Period' },
  ],
};

/**
 * A scanner set to emulate AZERTY, plugged into a US PC: digits come with Shift, letters from the
 * AZERTY positions, so the US PC types "!@#$%^&*()" + "qw;azm,./".
 */
export const AZERTY_SCANNER_ON_US_PC: LayoutFixture = {
  name: 'AZERTY-emulating scanner on a US PC',
  layout: 'azerty',
  text: '1234567890azmqw,;:!',
  keys: [
    { key: '!', code: 'Digit1', ...S },
    { key: '@', code: 'Digit2', ...S },
    { key: '#', code: 'Digit3', ...S },
    { key: '$', code: 'Digit4', ...S },
    { key: '%', code: 'Digit5', ...S },
    { key: '^', code: 'Digit6', ...S },
    { key: '&', code: 'Digit7', ...S },
    { key: '*', code: 'Digit8', ...S },
    { key: '(', code: 'Digit9', ...S },
    { key: ')', code: 'Digit0', ...S },
    { key: 'q', code: 'KeyQ' },
    { key: 'w', code: 'KeyW' },
    { key: ';', code: 'Semicolon' },
    { key: 'a', code: 'KeyA' },
    { key: 'z', code: 'KeyZ' },
    { key: 'm', code: 'KeyM' },
    { key: ',', code: 'Comma' },
    { key: '.', code: 'Period' },
    { key: '/', code: 'Slash' },
  ],
};

/**
 * An AZERTY scanner on an AZERTY PC under Windows, sending an AIM identifier: `]` is AltGr + the
 * `)` key, and Windows reports AltGr as Ctrl + Alt (plus the AltGraph modifier). Read as `key`, or
 * decoded as AZERTY, this must give "]C1…", never a GS from "Ctrl+]".
 */
export const AZERTY_ALTGR_ON_WINDOWS: LayoutFixture = {
  name: 'AZERTY scanner on a Windows AZERTY PC, AltGr characters',
  layout: 'azerty',
  text: ']C1@#{[|\\^}€12',
  keys: [
    { key: ']', code: 'Minus', ctrlKey: true, altKey: true, altGraph: true },
    { key: 'C', code: 'KeyC', ...S },
    { key: '1', code: 'Digit1', ...S },
    { key: '@', code: 'Digit0', ctrlKey: true, altKey: true, altGraph: true },
    { key: '#', code: 'Digit3', ctrlKey: true, altKey: true, altGraph: true },
    { key: '{', code: 'Digit4', ctrlKey: true, altKey: true, altGraph: true },
    { key: '[', code: 'Digit5', ctrlKey: true, altKey: true, altGraph: true },
    { key: '|', code: 'Digit6', ctrlKey: true, altKey: true, altGraph: true },
    { key: '\\', code: 'Digit8', ctrlKey: true, altKey: true, altGraph: true },
    { key: '^', code: 'Digit9', ctrlKey: true, altKey: true, altGraph: true },
    { key: '}', code: 'Equal', ctrlKey: true, altKey: true, altGraph: true },
    { key: '€', code: 'KeyE', ctrlKey: true, altKey: true, altGraph: true },
    { key: '1', code: 'Digit1', ...S },
    { key: '2', code: 'Digit2', ...S },
  ],
};

/** The unshifted and shifted French AZERTY characters of each key, row by row (the layout chart). */
export const AZERTY_CHART: readonly (readonly [code: string, unshifted: string, shifted: string])[] = [
  ['Backquote', '²', '²'],
  ['Digit1', '&', '1'],
  ['Digit2', 'é', '2'],
  ['Digit3', '"', '3'],
  ['Digit4', "'", '4'],
  ['Digit5', '(', '5'],
  ['Digit6', '-', '6'],
  ['Digit7', 'è', '7'],
  ['Digit8', '_', '8'],
  ['Digit9', 'ç', '9'],
  ['Digit0', 'à', '0'],
  ['Minus', ')', '°'],
  ['Equal', '=', '+'],
  ['KeyQ', 'a', 'A'],
  ['KeyW', 'z', 'Z'],
  ['KeyE', 'e', 'E'],
  ['KeyR', 'r', 'R'],
  ['KeyT', 't', 'T'],
  ['KeyY', 'y', 'Y'],
  ['KeyU', 'u', 'U'],
  ['KeyI', 'i', 'I'],
  ['KeyO', 'o', 'O'],
  ['KeyP', 'p', 'P'],
  ['BracketLeft', '^', '¨'],
  ['BracketRight', '$', '£'],
  ['KeyA', 'q', 'Q'],
  ['KeyS', 's', 'S'],
  ['KeyD', 'd', 'D'],
  ['KeyF', 'f', 'F'],
  ['KeyG', 'g', 'G'],
  ['KeyH', 'h', 'H'],
  ['KeyJ', 'j', 'J'],
  ['KeyK', 'k', 'K'],
  ['KeyL', 'l', 'L'],
  ['Semicolon', 'm', 'M'],
  ['Quote', 'ù', '%'],
  ['Backslash', '*', 'µ'],
  ['IntlBackslash', '<', '>'],
  ['KeyZ', 'w', 'W'],
  ['KeyX', 'x', 'X'],
  ['KeyC', 'c', 'C'],
  ['KeyV', 'v', 'V'],
  ['KeyB', 'b', 'B'],
  ['KeyN', 'n', 'N'],
  ['KeyM', ',', '?'],
  ['Comma', ';', '.'],
  ['Period', ':', '/'],
  ['Slash', '!', '§'],
];

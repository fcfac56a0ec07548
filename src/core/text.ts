/**
 * Text that reaches a person's screen. Names, ids and reasons are typed by people and scanned by
 * devices, and a terminal obeys control characters: `\e[2J` clears the screen, a newline starts a
 * fake line ("Balance: 999999 points"), a right-to-left override reverses what follows. So such
 * characters are refused where text enters (names, ids, reasons) and shown escaped where text
 * leaves (every human-readable line the CLI prints), whatever is already stored.
 */

/** C0, DEL and C1 (Unicode category Cc), and the bidirectional formatting characters (ALM, LRM, RLM, LRE…RLO, LRI…PDI). */
const CONTROL = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const CONTROL_GLOBAL = new RegExp(CONTROL.source, 'gu');

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** The text with every control or direction character shown as `\u{…}`, so it prints as itself on one line. */
export function printable(text: string): string {
  return text.replace(CONTROL_GLOBAL, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

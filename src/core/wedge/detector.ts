/**
 * Keyboard-wedge scanners type a code as a burst of keystrokes. This detector tells such a burst
 * from a person typing, by timing alone (no DOM: the screens feed it key events and a clock).
 *
 * Defaults come from measured scanners: at most 40 ms between keys, the code ends on Enter or Tab,
 * or after 50 ms of silence. Outside an editable field keys are held for at most that long, then
 * either become a scan or are released to the screen as ordinary key presses (shortcuts still
 * work). Inside a field a person is using, nothing is ever held or swallowed.
 *
 * The contract with the screen: every key answered `hold: true` comes back exactly once, either
 * inside a `scan` or in a `keys` output, in the order it was pressed; keys answered
 * `hold: false` were never held and the screen handles them as usual.
 *
 * Hazard: timing cannot separate a person's key pressed less than `maxInterKeyMs` before a burst
 * from the burst itself; such a key becomes the first character of the scan.
 */
import { charForCode, type LayoutName } from './layouts.js';

export interface WedgeKey {
  readonly key: string;
  readonly code: string;
  readonly shiftKey: boolean;
  readonly ctrlKey: boolean;
  readonly altKey: boolean;
  /**
   * AltGr is down (`KeyboardEvent.getModifierState('AltGraph')`). Windows also sets ctrlKey and
   * altKey for AltGr, so without this an AZERTY `]` (AltGr + `)`) would read as Ctrl+] (GS).
   */
  readonly altGraph?: boolean;
  /** `KeyboardEvent.repeat`: a key held down auto-repeats (about every 33 ms); a scanner never does. */
  readonly repeat?: boolean;
  /** Milliseconds on a monotonic clock (KeyboardEvent.timeStamp). */
  readonly time: number;
  /** The key went to a text field a person may be typing in. */
  readonly editable: boolean;
}

export interface WedgeOptions {
  /** The longest gap between two keys of one burst (modifier keys count as keys). */
  readonly maxInterKeyMs: number;
  /** tick() ends a burst after this much silence. */
  readonly endSilenceMs: number;
  /** The shortest code, counted after the prefix and suffix are stripped; a shorter burst is a person's. */
  readonly minLength: number;
  /**
   * A prefix the scanner is set to send, or ''. When set it identifies the scanner: a burst
   * without it is not a scan. It is stripped (also when it follows an AIM identifier).
   */
  readonly prefix: string;
  /**
   * A suffix the scanner is set to send (instead of, or before, Enter), or ''. Like the prefix, when
   * set a burst without it is not a scan; it is stripped. It does not end the burst by itself: a
   * scanner sending suffix + Enter must not leak its Enter to the screen, so the burst still ends on
   * Enter/Tab or silence.
   */
  readonly suffix: string;
  /**
   * How to read characters: 'key' trusts KeyboardEvent.key (scanner and computer on the same
   * layout); 'us' / 'azerty' decode the physical key code as that layout (the scanner emulates it
   * whatever the computer is set to).
   */
  readonly layout: 'key' | LayoutName;
}

export const DEFAULT_WEDGE_OPTIONS: WedgeOptions = { maxInterKeyMs: 40, endSilenceMs: 50, minLength: 4, prefix: '', suffix: '', layout: 'key' };

export type WedgeOutput =
  /** `text` keeps an AIM identifier (`]C1…`) for the card-code parser, and GS separators as \u001d. */
  /** `keys` counts the keydowns the scan took (held), its Enter/Tab included. */
  | { readonly type: 'scan'; readonly text: string; readonly startedAt: number; readonly endedAt: number; readonly keys: number }
  /** Keys that turned out to be a person's: the screen handles them as it would have. */
  | { readonly type: 'keys'; readonly keys: readonly WedgeKey[] };

export interface WedgeDecision {
  /** Whether the screen must stop this key event (preventDefault): only while a possible scan is held. */
  readonly hold: boolean;
  readonly outputs: readonly WedgeOutput[];
}

const GS = '\u001d';
const MODIFIERS: ReadonlySet<string> = new Set(['Shift', 'Control', 'Alt', 'AltGraph', 'Meta', 'CapsLock', 'NumLock']);

export class WedgeDetector {
  /** Every key answered `hold: true` since the burst began, in order. */
  private held: WedgeKey[] = [];
  /** The characters the held keys typed. */
  private text = '';
  /** Keypad digits typed with Alt down (Alt+0029); the character comes when Alt is released. */
  private altCode = '';
  /** The last key of the burst, modifiers included; undefined exactly when nothing is held. */
  private lastTime: number | undefined;
  private readonly options: WedgeOptions;

  constructor(options: Partial<WedgeOptions> = {}) {
    this.options = { ...DEFAULT_WEDGE_OPTIONS, ...options };
  }

  /** The character a key types for the scanner's layout; '' for keys that type nothing. */
  private charOf(event: WedgeKey): string {
    const altGraph = event.altGraph === true;
    // GS1 separators: Ctrl+] (what most scanners send for ASCII 29), or the browser's own name.
    if (event.key === 'GroupSeparator' || event.key === GS) return GS;
    if (event.ctrlKey && !event.altKey && !altGraph && (event.code === 'BracketRight' || event.key === ']')) return GS;
    if (!altGraph && (event.ctrlKey || event.altKey)) return '';
    if (this.options.layout !== 'key') {
      const char = charForCode(this.options.layout, event.code, event.shiftKey, altGraph);
      if (char !== undefined) return char;
      // A code the table does not know (some virtual keyboards send an empty one): trust `key`.
      return event.key.length === 1 ? event.key : '';
    }
    if (event.key.length === 1) return event.key;
    // `key` may be 'Unidentified' from some virtual keyboards: fall back to the code as US.
    return event.key === 'Unidentified' ? (charForCode('us', event.code, event.shiftKey, altGraph) ?? '') : '';
  }

  private isTerminator(event: WedgeKey): boolean {
    return (
      event.key === 'Enter' || event.key === 'Tab' || event.code === 'Enter' || event.code === 'NumpadEnter' || event.code === 'Tab'
    );
  }

  /** The code a burst's text carries, or undefined when the burst is not a scan. */
  private codeOf(text: string): string | undefined {
    const { prefix, suffix, minLength } = this.options;
    let code = text;
    if (prefix !== '') {
      if (code.startsWith(prefix)) code = code.slice(prefix.length);
      // Some scanners put the AIM identifier (]Xm) before the configured prefix: keep it, drop the prefix.
      else if (code.startsWith(']') && code.slice(3).startsWith(prefix)) code = code.slice(0, 3) + code.slice(3 + prefix.length);
      else return undefined;
    }
    if (suffix !== '') {
      if (!code.endsWith(suffix)) return undefined;
      code = code.slice(0, -suffix.length);
    }
    return code.length >= Math.max(1, minLength) ? code : undefined;
  }

  /** Alt is up again: the keypad digits typed under it become one character. */
  private flushAltCode(): void {
    if (this.altCode === '') return;
    const value = Number(this.altCode);
    this.altCode = '';
    // Control characters are what scanners send this way (Alt+0029 is GS). Values from 128 are read
    // as Latin-1, which is what Windows gives for 0160–0255; other codes type nothing.
    if (value > 0 && value < 256) this.text += String.fromCharCode(value);
  }

  private reset(): WedgeKey[] {
    const held = this.held;
    this.held = [];
    this.text = '';
    this.altCode = '';
    this.lastTime = undefined;
    return held;
  }

  /** Decide what the held burst was. */
  private settle(): WedgeOutput[] {
    this.flushAltCode();
    const code = this.codeOf(this.text);
    const held = this.reset();
    const first = held[0];
    const last = held.at(-1);
    if (first === undefined || last === undefined) return [];
    if (code !== undefined) return [{ type: 'scan', text: code, startedAt: first.time, endedAt: last.time, keys: held.length }];
    return [{ type: 'keys', keys: held }];
  }

  /** Give back whatever is held as a person's keys, whatever it looks like. */
  private release(): WedgeOutput[] {
    const held = this.reset();
    return held.length === 0 ? [] : [{ type: 'keys', keys: held }];
  }

  private hold(event: WedgeKey): void {
    this.held.push(event);
    this.lastTime = event.time;
  }

  /** Feed one keydown. */
  push(event: WedgeKey): WedgeDecision {
    const outputs: WedgeOutput[] = [];
    if (this.lastTime !== undefined && event.time - this.lastTime > this.options.maxInterKeyMs) outputs.push(...this.settle());
    if (event.editable) {
      // A person's field: never held, never swallowed (anything still held is released first).
      outputs.push(...this.settle());
      return { hold: false, outputs };
    }
    if (event.repeat === true && !MODIFIERS.has(event.key)) {
      // A key held down: a person. It never joins a burst. (A modifier may repeat under a scanner's long Shift.)
      outputs.push(...this.release());
      return { hold: false, outputs };
    }
    // Alt + keypad digits (Alt+0029) is how some scanners type control characters.
    if (event.altKey && event.altGraph !== true && /^Numpad\d$/.test(event.code)) {
      this.altCode += event.code.slice(-1);
      this.hold(event);
      return { hold: true, outputs };
    }
    // Any other key means Alt went up (a new Alt+… sequence starts with an Alt keydown).
    this.flushAltCode();
    if (this.isTerminator(event)) {
      if (this.held.length > 0 && this.codeOf(this.text) !== undefined) {
        // The Enter/Tab that ends a scan is part of it: the screen never sees it.
        this.hold(event);
        outputs.push(...this.settle());
        return { hold: true, outputs };
      }
      // After a person's keys (released first) it does its usual job.
      outputs.push(...this.settle());
      return { hold: false, outputs };
    }
    const char = this.charOf(event);
    if (char === '') {
      // Shift and the like inside a burst are part of it: they type nothing and end nothing.
      if (MODIFIERS.has(event.key) && this.lastTime !== undefined) {
        this.lastTime = event.time;
        return { hold: false, outputs };
      }
      // Anything else (an arrow, F2, Ctrl+C) passes through untouched, after whatever was held is released.
      outputs.push(...this.settle());
      return { hold: false, outputs };
    }
    this.hold(event);
    this.text += char;
    return { hold: true, outputs };
  }

  /** Call when the clock moves on (a timer ~endSilenceMs after the last key): ends a burst that fell silent. */
  tick(now: number): WedgeOutput[] {
    const last = this.lastTime;
    if (last === undefined || now - last < this.options.endSilenceMs) return [];
    return this.settle();
  }

  get holding(): boolean {
    return this.held.length > 0;
  }
}

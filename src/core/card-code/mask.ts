/**
 * What may be shown of a scan. A refused scan may be a bank card in a shape nobody foresaw, so
 * what is shown of it (on screen, in a log, in an error, in `scanner watch`) is never its text:
 * only how long it was. A code the parser accepted as a member card is a member's number, never a
 * payment card's (program validation sees to that), and shows its last four characters, enough
 * to tell two cards apart. Nothing here ever returns a control character from its input.
 */
import type { CardCode } from './parse.js';

const SHOWN_TAIL = 4;

/**
 * Text safe to show for a scan. Without `parsed`, or when the parser refused it or it is a member
 * QR code (a credential), nothing of the text: `(16 digits, not shown)`. For an accepted member
 * card, its last four characters: `…0018`.
 */
export function maskScanned(text: string, parsed?: CardCode): string {
  if (parsed?.ok === true && parsed.kind === 'card') {
    const tail = parsed.code.slice(-SHOWN_TAIL);
    // Rules only accept letters and digits; anything else would be a parser bug, and is not shown.
    if (parsed.code.length > SHOWN_TAIL && /^[A-Za-z0-9]+$/.test(tail)) return `…${tail}`;
  }
  const length = [...text].length;
  if (length === 0) return '(nothing read)';
  if (parsed?.ok === true && parsed.kind === 'token') return `(member QR code, ${length} characters, not shown)`;
  return /^\d+$/.test(text) ? `(${length} digits, not shown)` : `(${length} characters, not shown)`;
}

// Digit runs of 12 or more (single separators allowed) are long enough to be a card number.
const LONG_DIGITS = /\d(?:[ \-\u00a0]?\d){11,}/g;
// A word with a stripe's field separator: a track 1 name or a track 2 with its expiry.
const STRIPE_WORD = /(?<!\S)[^\s^=]*[\^=]\S*/g;
const isControl = (c: string): boolean => c < ' ' || c === '\x7f';

/**
 * A free-text message (a device error, an exception caught while a scan was handled) made safe to
 * log or show: long digit runs, stripe fields and control characters are replaced. For messages
 * that should not hold scanned text at all but might; a scan itself goes through `maskScanned`.
 */
export function redactScanText(message: string): string {
  return [...message]
    .map((c) => (isControl(c) ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c))
    .join('')
    .replace(STRIPE_WORD, (word) => (word.replace(/\D/g, '').length >= 6 ? '(stripe data, not shown)' : word))
    .replace(LONG_DIGITS, (run) => `(${run.replace(/\D/g, '').length} digits, not shown)`);
}

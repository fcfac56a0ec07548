/**
 * The receipt encoder: ReceiptLine documents to ESC/POS bytes and to SVG previews. This is the one
 * file that imports `receiptline`; everything else sees the ReceiptEncoder interface (types.ts).
 *
 * What we add around the library call, and why:
 * - Printer options come from the profile: characters per line, code page ('cp949' sends text in
 *   the printer's Korean double-byte mode: ESC t 0, FS &, ESC R 13 before each run), and cutting.
 *   Line spacing stays tight (ESC 3 0, ReceiptLine's default: its ruled lines join up) and the slip
 *   prints upright.
 * - Raster-QR profiles (printers without GS ( k) are encoded with ReceiptLine's 'generic' ESC/POS
 *   command set: it draws images and QR codes with GS v 0, the raster command every ESC/POS printer
 *   has, where 'escpos' uses GS 8 L / GS ( L graphics, which the same older printers usually lack.
 * - ReceiptLine ends every job with GS r 1 ("transmit paper sensor status"): the printer answers
 *   with a byte nobody asked for, which a transport reading DLE EOT status afterwards would take
 *   as the answer to its own request (a GS r answer is not even a valid DLE EOT byte). We drop it.
 * - Without a cutter the paper is fed past the tear bar (ESC d 4) instead.
 * - The SVG gets a white paper background (a preview on a dark screen stays readable, and a
 *   rasterised preview has paper, not transparency), and loses the `@import` of Google Fonts that
 *   ReceiptLine puts in for Latin text: the terminal is offline-first, a preview must not reach the
 *   network, and a page waiting on that font would wait for nothing.
 */
import { transform, type Printer } from 'receiptline';
import type { PrinterProfile, ReceiptEncoder } from './types.js';

type CommandSet = 'escpos' | 'generic' | 'svg';

/** The ReceiptLine printer configuration for a profile. */
export function receiptlineOptions(profile: PrinterProfile, command: CommandSet): Printer {
  return {
    cpl: profile.charactersPerLine,
    encoding: profile.encoding,
    command,
    cutting: profile.cutter,
    spacing: false,
    upsideDown: false,
    // Logos and QR codes are line art: threshold them, no photo dithering.
    gradient: false,
  };
}

function printerCommandSet(profile: PrinterProfile): CommandSet {
  return profile.qr === 'raster' ? 'generic' : 'escpos';
}

/**
 * The bare library call, with no work of ours around it: the benchmark's baseline ("our
 * overhead" is everything render-slip and the encoder do beyond this). Returns ReceiptLine's
 * binary string (one char per byte).
 */
export function rawReceiptlineTransform(document: string, profile: PrinterProfile): string {
  return transform(document, receiptlineOptions(profile, printerCommandSet(profile)));
}

/** GS r 1 ('escpos') or GS r \x01 ('generic') at the very end of ReceiptLine's output. */
const TRAILING_STATUS_REQUESTS = ['\x1dr1', '\x1dr\x01'];

function withoutStatusRequest(binary: string): string {
  const request = TRAILING_STATUS_REQUESTS.find((r) => binary.endsWith(r));
  return request === undefined ? binary : binary.slice(0, -request.length);
}

const FEED_TO_TEAR_BAR = '\x1bd\x04';

function binaryToBytes(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i) & 0xff;
  return bytes;
}

const PAPER = '<rect width="100%" height="100%" fill="#fff"/>';

export class ReceiptlineEncoder implements ReceiptEncoder {
  encode(document: string, profile: PrinterProfile): Uint8Array {
    let binary = withoutStatusRequest(rawReceiptlineTransform(document, profile));
    if (!profile.cutter) binary += FEED_TO_TEAR_BAR;
    return binaryToBytes(binary);
  }

  svg(document: string, profile: PrinterProfile): string {
    const svg = transform(document, receiptlineOptions(profile, 'svg'));
    return svg
      .replace(/<style type="text\/css"><!\[CDATA\[@import url\([^)]*\);\]\]><\/style>/, '')
      .replace(/(<svg [^>]*>)/, `$1${PAPER}`);
  }
}

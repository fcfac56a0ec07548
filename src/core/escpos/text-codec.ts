/**
 * Decoding printer text bytes. Receipt printers speak legacy code pages: CP437 by default, the
 * Windows-125x family, and for Korean the double-byte KS X 1001 / CP949 in the printer's
 * "Kanji" (double-byte) mode. The runtime's WHATWG TextDecoder knows windows-125x, IBM866 and
 * 'euc-kr' (which is CP949/UHC); CP437 it does not, so its upper half is a table here.
 */

/** The shape of TextDecoder that every JS runtime has; declared here so core needs no DOM or Node types. */
interface Decoder {
  decode(bytes: Uint8Array): string;
}
type DecoderConstructor = new (label: string, options?: { fatal?: boolean }) => Decoder;

const runtimeDecoder = (globalThis as { TextDecoder?: DecoderConstructor }).TextDecoder;

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export type SingleByteEncoding = 'cp437' | 'katakana' | 'windows-1252' | 'windows-1251' | 'windows-1250' | 'ibm866' | 'iso-8859-1';
export type MultiByteEncoding = 'cp949' | 'shift_jis' | 'gbk' | 'big5';

/** ESC t n: the character code table numbers most ESC/POS printers share. */
export const CODE_TABLES: Readonly<Record<number, SingleByteEncoding>> = {
  0: 'cp437',
  1: 'katakana',
  16: 'windows-1252',
  17: 'ibm866',
  45: 'windows-1250',
  46: 'windows-1251',
  255: 'iso-8859-1',
};

/** ESC R n international character sets whose double-byte mode means a known encoding. */
export const DOUBLE_BYTE_BY_COUNTRY: Readonly<Record<number, MultiByteEncoding>> = { 8: 'shift_jis', 13: 'cp949', 15: 'gbk' };

const decoders = new Map<string, Decoder>();

function decoderFor(label: string): Decoder | undefined {
  if (!runtimeDecoder) return undefined;
  let decoder = decoders.get(label);
  if (!decoder) {
    decoder = new runtimeDecoder(label);
    decoders.set(label, decoder);
  }
  return decoder;
}

/**
 * Epson's page 1 (Katakana): half-width katakana at 0xA1–0xDF, and at 0x80–0x9F the line-drawing
 * characters encoders use for rules (ReceiptLine draws its horizontal rules with 0x95).
 */
const KATAKANA_LINES: Readonly<Record<number, string>> = {
  0x8f: '┼', 0x90: '┴', 0x91: '┬', 0x92: '┤', 0x93: '├', 0x95: '─', 0x96: '│',
  0x98: '┌', 0x99: '┐', 0x9a: '└', 0x9b: '┘', 0x9c: '┌', 0x9d: '┐', 0x9e: '└', 0x9f: '┘',
};

function decodeKatakana(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b < 0x80) out += String.fromCharCode(b);
    else if (b >= 0xa1 && b <= 0xdf) out += String.fromCharCode(0xff61 + (b - 0xa1));
    else out += KATAKANA_LINES[b] ?? '?';
  }
  return out;
}

export function decodeSingleByte(bytes: Uint8Array, encoding: SingleByteEncoding): string {
  if (encoding === 'katakana') return decodeKatakana(bytes);
  if (encoding === 'cp437') {
    let out = '';
    for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
    return out;
  }
  const decoder = decoderFor(encoding);
  if (decoder) return decoder.decode(bytes);
  return Array.from(bytes, (b) => String.fromCharCode(b)).join('');
}

const MULTI_LABELS: Readonly<Record<MultiByteEncoding, string>> = { cp949: 'euc-kr', shift_jis: 'shift_jis', gbk: 'gbk', big5: 'big5' };

export function decodeMultiByte(bytes: Uint8Array, encoding: MultiByteEncoding): string {
  const decoder = decoderFor(MULTI_LABELS[encoding]);
  return decoder ? decoder.decode(bytes) : decodeSingleByte(bytes, 'iso-8859-1');
}

/** UTF-8 for QR payloads and barcodes (what the encoder stores), replacing invalid sequences. */
export function decodeUtf8(bytes: Uint8Array): string {
  const decoder = decoderFor('utf-8');
  return decoder ? decoder.decode(bytes) : decodeSingleByte(bytes, 'iso-8859-1');
}

/** Whether `byte` starts a two-byte character in this double-byte encoding. */
export function isLeadByte(byte: number, encoding: MultiByteEncoding): boolean {
  switch (encoding) {
    case 'cp949':
    case 'gbk':
    case 'big5':
      return byte >= 0x81 && byte <= 0xfe;
    case 'shift_jis':
      return (byte >= 0x81 && byte <= 0x9f) || (byte >= 0xe0 && byte <= 0xfc);
  }
}

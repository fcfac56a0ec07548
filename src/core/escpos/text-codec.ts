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

/**
 * Windows-1252 at 0x80–0x9F (the rest of its upper half is Latin-1). A table of our own because
 * Node's TextDecoder (20.x) decodes 'windows-1252' as plain Latin-1, reading € (0x80) as U+0080.
 */
const CP1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

export function decodeSingleByte(bytes: Uint8Array, encoding: SingleByteEncoding): string {
  if (encoding === 'katakana') return decodeKatakana(bytes);
  if (encoding === 'cp437') {
    let out = '';
    for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
    return out;
  }
  if (encoding === 'windows-1252' || encoding === 'iso-8859-1') {
    // ISO-8859-1 is decoded as itself here, not as the WHATWG "latin1" label (which means 1252).
    let out = '';
    for (const b of bytes) out += encoding === 'windows-1252' && b >= 0x80 && b < 0xa0 ? CP1252_C1[b - 0x80] : String.fromCharCode(b);
    return out;
  }
  const decoder = decoderFor(encoding);
  if (decoder) return decoder.decode(bytes);
  return Array.from(bytes, (b) => String.fromCharCode(b)).join('');
}

const MULTI_LABELS: Readonly<Record<MultiByteEncoding, string>> = { cp949: 'euc-kr', shift_jis: 'shift_jis', gbk: 'gbk', big5: 'big5' };

export function decodeMultiByte(bytes: Uint8Array, encoding: MultiByteEncoding): string {
  const decoder = decoderFor(MULTI_LABELS[encoding]);
  if (!decoder) return decodeSingleByte(bytes, 'iso-8859-1');
  return encoding === 'cp949' && !runtimeKnowsUhc(decoder) ? decodeCp949(bytes, decoder) : decoder.decode(bytes);
}

/*
 * CP949 is EUC-KR (KS X 1001: 2,350 precomposed Hangul) plus Microsoft's Unified Hangul Code
 * extension: the other 8,822 of the 11,172 modern syllables, at lead bytes 0x81–0xC6 with trail
 * bytes 0x41–0x5A, 0x61–0x7A and 0x81–0xFE (only up to 0xA0 from lead 0xA1 on, where KS X 1001
 * begins). Browsers' 'euc-kr' decoder is CP949; Node's (ICU's EUC-KR) stops at KS X 1001, so a
 * name such as "똠" (0x8C 0x63) came back as U+008C "c". The extension lists the missing
 * syllables in Unicode order, so its table is built from the runtime's own KS X 1001 decoding.
 */
let uhcSupport: boolean | undefined;
let uhcTable: string[] | undefined;

function runtimeKnowsUhc(decoder: Decoder): boolean {
  uhcSupport ??= decoder.decode(Uint8Array.of(0x81, 0x41)) === '\uac02';
  return uhcSupport;
}

function uhcTrailIndex(lead: number, trail: number): number {
  const wide = lead < 0xa1;
  if (trail >= 0x41 && trail <= 0x5a) return trail - 0x41;
  if (trail >= 0x61 && trail <= 0x7a) return 26 + trail - 0x61;
  if (trail >= 0x81 && trail <= (wide ? 0xfe : 0xa0)) return 52 + trail - 0x81;
  return -1;
}

/** The UHC extension character for a lead/trail pair, or undefined outside the extension. */
function uhcCharacter(lead: number, trail: number, decoder: Decoder): string | undefined {
  if (lead < 0x81 || lead > 0xc6) return undefined;
  const index = uhcTrailIndex(lead, trail);
  if (index < 0) return undefined;
  const pointer = lead < 0xa1 ? (lead - 0x81) * 178 + index : 32 * 178 + (lead - 0xa1) * 84 + index;
  if (!uhcTable) {
    const standard = new Set<string>();
    const pair = new Uint8Array(2);
    for (let l = 0xb0; l <= 0xc8; l += 1) {
      for (let t = 0xa1; t <= 0xfe; t += 1) {
        pair[0] = l;
        pair[1] = t;
        standard.add(decoder.decode(pair));
      }
    }
    uhcTable = [];
    for (let c = 0xac00; c <= 0xd7a3; c += 1) if (!standard.has(String.fromCharCode(c))) uhcTable.push(String.fromCharCode(c));
  }
  return uhcTable[pointer];
}

function decodeCp949(bytes: Uint8Array, decoder: Decoder): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    const lead = bytes[i]!;
    if (lead < 0x81 || i + 1 >= bytes.length) continue;
    const extension = uhcCharacter(lead, bytes[i + 1]!, decoder);
    if (extension !== undefined) {
      out += decoder.decode(bytes.subarray(start, i)) + extension;
      start = i + 2;
    }
    i += 1;
  }
  return out + decoder.decode(bytes.subarray(start));
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

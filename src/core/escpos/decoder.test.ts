import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { qrCode } from './commands.js';
import { decodeEscPos, type EscPosEvent, type RasterImage } from './decoder.js';

type Part = string | number | readonly number[] | Uint8Array;

/** Bytes from parts: strings are Latin-1 (one byte per char, as command letters are written), numbers single bytes. */
function bytes(...parts: Part[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') for (const c of part) out.push(c.charCodeAt(0) & 0xff);
    else if (typeof part === 'number') out.push(part);
    else out.push(...part);
  }
  return Uint8Array.from(out);
}

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;
const LF = 0x0a;

const linesOf = (...parts: Part[]): readonly string[] => decodeEscPos(bytes(...parts)).lines;
const eventsOf = (...parts: Part[]): readonly EscPosEvent[] => decodeEscPos(bytes(...parts)).events;
const only = <T extends EscPosEvent['type']>(events: readonly EscPosEvent[], type: T): Extract<EscPosEvent, { type: T }>[] =>
  events.filter((e): e is Extract<EscPosEvent, { type: T }> => e.type === type);
const lineEvents = (...parts: Part[]) => only(eventsOf(...parts), 'line');

/** A picture as rows of '#' and '.', to compare images at a glance. */
const picture = (image: RasterImage): string[] =>
  Array.from({ length: image.height }, (_, y) => Array.from(image.pixels.subarray(y * image.width, (y + 1) * image.width), (p) => (p ? '#' : '.')).join(''));

describe('text and lines', () => {
  it('splits lines at LF, ignores CR and CAN, turns HT into a space, and ends an unterminated last line', () => {
    expect(linesOf('one', LF, 'two\r', LF, 0x18, 'a\tb', LF, 'tail')).toEqual(['one', 'two', 'a b', 'tail']);
  });

  it('keeps empty lines (a blank line is paper fed by one line)', () => {
    expect(linesOf(LF, 'x', LF, LF)).toEqual(['', 'x', '']);
  });

  it('summarises lines, QR codes, barcodes and cuts', () => {
    const print = decodeEscPos(bytes('a', LF, qrCode(bytes('QR')), GS, 'k', 2, '4901234567894', 0, GS, 'V', 0, 'b'));
    expect(print.lines).toEqual(['a', 'b']);
    expect(print.qrCodes).toEqual(['QR']);
    expect(print.barcodes).toEqual(['4901234567894']);
    expect(print.cuts).toBe(1);
  });
});

describe('styles', () => {
  it('ESC ! sets bold, double height, double width and underline together', () => {
    const [line] = lineEvents(ESC, '!', 0x08 | 0x10 | 0x20 | 0x80, 'BIG', LF);
    expect(line!.segments).toEqual([{ text: 'BIG', bold: true, underline: true, reverse: false, width: 2, height: 2 }]);
    const [plain] = lineEvents(ESC, '!', 0x08, 'x', ESC, '!', 0, 'y', LF);
    expect(plain!.segments.map((s) => [s.text, s.bold])).toEqual([['x', true], ['y', false]]);
  });

  it('ESC - n underlines for n = 1, 2, "1", "2" and stops for 0 and "0"', () => {
    for (const n of [1, 2, 0x31, 0x32]) expect(lineEvents(ESC, '-', n, 'u', LF)[0]!.segments[0]!.underline).toBe(true);
    for (const n of [0, 0x30]) expect(lineEvents(ESC, '-', 1, ESC, '-', n, 'u', LF)[0]!.segments[0]!.underline).toBe(false);
  });

  it('ESC E and ESC G set and clear emphasis', () => {
    const [line] = lineEvents(ESC, 'E', 1, 'b', ESC, 'E', 0, 'n', ESC, 'G', 1, 'd', ESC, 'E', '0', 'n', LF);
    expect(line!.segments.map((s) => [s.text, s.bold])).toEqual([['b', true], ['n', false], ['d', true], ['n', false]]);
  });

  it('GS ! n sets width and height 1–8 from the high and low nibbles', () => {
    const sizes = [0x00, 0x10, 0x01, 0x11, 0x77, 0x34].map((n) => lineEvents(GS, '!', n, 'x', LF)[0]!.segments[0]!).map((s) => [s.width, s.height]);
    expect(sizes).toEqual([[1, 1], [2, 1], [1, 2], [2, 2], [8, 8], [4, 5]]);
  });

  it('GS B n turns reverse (white on black) on and off', () => {
    const [line] = lineEvents(GS, 'B', 1, 'inv', GS, 'B', 0, 'norm', LF);
    expect(line!.segments.map((s) => [s.text, s.reverse])).toEqual([['inv', true], ['norm', false]]);
  });

  it('keeps one segment per run of the same style, joined into the line text', () => {
    const [line] = lineEvents('a', ESC, 'E', 1, 'b', 'c', ESC, 'E', 1, 'd', ESC, 'E', 0, 'e', LF);
    expect(line!.text).toBe('abcde');
    expect(line!.segments.map((s) => s.text)).toEqual(['a', 'bcd', 'e']);
  });

  it('FS ! n (Kanji print mode) doubles width and height and underlines double-byte text', () => {
    const [line] = lineEvents(FS, '!', 0x04 | 0x08 | 0x80, 'k', LF);
    expect(line!.segments[0]).toMatchObject({ width: 2, height: 2, underline: true });
  });

  it('ESC @ resets style, alignment, code table and double-byte mode', () => {
    const [line] = lineEvents(ESC, '!', 0x38, ESC, 'a', 1, ESC, 't', 16, FS, '&', ESC, '@', 'x', 0x82, LF);
    expect(line).toMatchObject({ text: 'xé', align: 'left' });
    expect(line!.segments[0]).toMatchObject({ bold: false, width: 1, height: 1 });
  });

  it('ESC @ ends a line in progress', () => {
    expect(linesOf('half', ESC, '@', 'next', LF)).toEqual(['half', 'next']);
  });
});

describe('alignment and print positions', () => {
  it('ESC a n: 0/1/2 and "0"/"1"/"2" are left, centre, right', () => {
    const aligns = [0, 1, 2, 0x30, 0x31, 0x32].map((n) => lineEvents(ESC, 'a', n, 'x', LF)[0]!.align);
    expect(aligns).toEqual(['left', 'center', 'right', 'left', 'center', 'right']);
  });

  it('a line takes the alignment in force when it ends', () => {
    expect(lineEvents(ESC, 'a', 1, 'a', LF, ESC, 'a', 2, 'b', LF).map((l) => l.align)).toEqual(['center', 'right']);
  });

  it('ESC $ (absolute) becomes spaces up to the column, 12 dots a character by default', () => {
    expect(linesOf('ab', ESC, '$', 120, 0, 'cd', LF)).toEqual(['ab        cd']);
    // A position behind the current column adds nothing.
    expect(linesOf('abcdef', ESC, '$', 24, 0, 'x', LF)).toEqual(['abcdefx']);
  });

  it('ESC \\ (relative) moves right from the current column; a backwards move adds nothing', () => {
    expect(linesOf('ab', ESC, '\\', 36, 0, 'c', LF)).toEqual(['ab   c']);
    expect(linesOf('ab', ESC, '\\', 0xf4, 0xff, 'c', LF)).toEqual(['abc']);
  });

  it('counts double-size and double-byte characters by their width', () => {
    expect(linesOf(GS, '!', 0x10, 'AB', GS, '!', 0, ESC, '$', 72, 0, 'x', LF)).toEqual(['AB  x']);
    expect(linesOf(FS, '&', ESC, 'R', 13, 0xc7, 0xd1, ESC, '$', 48, 0, 'x', LF)).toEqual(['한  x']);
  });

  it('uses dotsPerCharacter from the options (Font B, 9 dots)', () => {
    expect(decodeEscPos(bytes('a', ESC, '$', 45, 0, 'b', LF), { dotsPerCharacter: 9 }).lines).toEqual(['a    b']);
  });
});

describe('feeds, cuts and the drawer', () => {
  it('ESC d n is a feed of n lines and ends the line in progress', () => {
    const events = eventsOf('x', ESC, 'd', 3);
    expect(events.map((e) => e.type)).toEqual(['line', 'feed']);
    expect(only(events, 'feed')[0]!.lines).toBe(3);
  });

  it('GS V: full and partial cuts, with and without a feed first', () => {
    const cuts = [
      [GS, 'V', 0],
      [GS, 'V', 0x30],
      [GS, 'V', 1],
      [GS, 'V', 0x31],
      [GS, 'V', 65, 3],
      [GS, 'V', 66, 0],
      [GS, 'V', 97, 1],
      [GS, 'V', 98, 1],
    ].map((parts) => only(eventsOf(...parts), 'cut')[0]!.partial);
    expect(cuts).toEqual([false, false, true, true, false, true, false, true]);
  });

  it('GS V m n takes the feed byte n for m ≥ 65 (it is not printed as text)', () => {
    expect(linesOf(GS, 'V', 66, 0x41, 'after')).toEqual(['after']);
  });

  it('ESC i and ESC m are partial cuts; a cut ends the line in progress', () => {
    const events = eventsOf('slip', ESC, 'i', ESC, 'm');
    expect(events.map((e) => e.type)).toEqual(['line', 'cut', 'cut']);
    expect(only(events, 'cut').every((c) => c.partial)).toBe(true);
  });

  it('ESC p m t1 t2 kicks a drawer pin', () => {
    expect(only(eventsOf(ESC, 'p', 0, 25, 250), 'drawer')[0]!.pin).toBe(0);
    expect(only(eventsOf(ESC, 'p', 0x31, 25, 250), 'drawer')[0]!.pin).toBe(1);
  });

  it('DLE EOT n is a status request (7 and 8 carry one more byte), not text', () => {
    const events = eventsOf(DLE, 4, 1, DLE, 4, 2, DLE, 4, 3, DLE, 4, 4, DLE, 4, 7, 1, DLE, 4, 8, 3, 'ok');
    expect(only(events, 'status-request').map((e) => e.kind)).toEqual([1, 2, 3, 4, 7, 8]);
    expect(only(events, 'line').map((l) => l.text)).toEqual(['ok']);
  });
});

describe('commands with parameters are skipped whole', () => {
  it('fixed-length ESC, GS and FS commands do not leak their parameters into the text', () => {
    const lines = linesOf(
      ESC, ' ', 0x41, ESC, '3', 0x41, ESC, 'M', 0x41, ESC, '{', 0, ESC, 'J', 0x41, ESC, 'U', 0, ESC, 'V', 0, ESC, 'r', 0, ESC, 'c', '5', 0,
      GS, 'L', 0x41, 0x41, GS, 'W', 0x41, 0x41, GS, 'h', 0x41, GS, 'w', 2, GS, 'H', 0, GS, 'f', 0, GS, 'a', 0, GS, 'r', '1', GS, 'P', 0xcb, 0xcb,
      FS, 'C', '0', FS, 'S', 0, 0, FS, '-', 0, FS, 'W', 0, FS, '.', FS, 'p', 1, 0,
      'text', LF,
    );
    expect(lines).toEqual(['text']);
  });

  it('variable-length commands are skipped by their own length fields', () => {
    const lines = linesOf(
      ESC, 'D', 8, 16, 24, 0, // tab positions, NUL-terminated
      ESC, '*', 0, 2, 0, 0xff, 0xff, // 8-dot bit image, 2 columns
      ESC, '*', 33, 1, 0, 0xff, 0xff, 0xff, // 24-dot bit image, 1 column of 3 bytes
      ESC, '&', 3, 0x41, 0x42, 2, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 1, 0x41, 0x41, 0x41, // user-defined characters A and B
      GS, '*', 1, 1, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, // downloaded bit image 1 × 1 × 8
      FS, '(', 'A', 2, 0, '0', 0, // FS ( A: font kind
      GS, '(', 'K', 2, 0, '0', 1, // GS ( K: print density
      'ok', LF,
    );
    expect(lines).toEqual(['ok']);
  });
});

describe('code tables', () => {
  it('CP437 (the default and ESC t 0): accents, currency, box drawing', () => {
    expect(linesOf(0x82, 0x9c, 0x9d, 0xc4, 0xb3, 0xe1, 0xf8, LF)).toEqual(['é£¥─│ß°']);
    expect(linesOf(ESC, 't', 16, ESC, 't', 0, 0x82, LF)).toEqual(['é']);
  });

  it('ESC t 16 is Windows-1252; ESC t 17 CP866; ESC t 46 Windows-1251', () => {
    expect(linesOf(ESC, 't', 16, 0x80, 0xe9, 0xd7, 0x93, 0x94, LF)).toEqual(['€é×“”']);
    expect(linesOf(ESC, 't', 17, 0x80, 0xa0, LF)).toEqual(['Аа']);
    expect(linesOf(ESC, 't', 46, 0xc0, 0xe0, LF)).toEqual(['Аа']);
  });

  it('an unknown table number falls back to CP437', () => {
    expect(linesOf(ESC, 't', 99, 0x82, LF)).toEqual(['é']);
  });

  it('Katakana (ESC t 1): half-width kana at 0xA1–0xDF and the line-drawing characters ReceiptLine rules with', () => {
    expect(linesOf(ESC, 't', 1, 0xb1, 0xb2, 0xdf, 0xa1, LF)).toEqual(['ｱｲﾟ｡']);
    expect(linesOf(ESC, 't', 1, 0x9c, 0x95, 0x91, 0x95, 0x9d, LF)).toEqual(['┌─┬─┐']);
    expect(linesOf(ESC, 't', 1, 0x96, 0x20, 0x96, 0x8f, 0x90, 0x92, 0x93, LF)).toEqual(['│ │┼┴┤├']);
    // Bytes with no known character on the page read as "?"; ASCII stays ASCII.
    expect(linesOf(ESC, 't', 1, 'ab', 0x80, LF)).toEqual(['ab?']);
  });

  it('a ReceiptLine rule (FS C 0, FS ., ESC t 1, 0x95 …) reads as a line of ─, then text returns to its own page', () => {
    expect(linesOf(FS, 'C', '0', FS, '.', ESC, 't', 1, [0x95, 0x95, 0x95], LF, ESC, 't', 0, 0x82, LF)).toEqual(['───', 'é']);
  });

  it('a code table change in the middle of a line decodes each run by its own table', () => {
    expect(linesOf(0x9c, ESC, 't', 16, 0x80, ESC, 't', 1, 0x95, LF)).toEqual(['£€─']);
  });
});

describe('Korean: double-byte mode (FS &) with ESC R 13 is CP949', () => {
  const JEOKRIP = [0xc0, 0xfb, 0xb8, 0xb3, 0x20, 0xc6, 0xf7, 0xc0, 0xce, 0xc6, 0xae]; // 적립 포인트
  const JANYEO = [0xc0, 0xdc, 0xbf, 0xa9, 0x20, 0xc6, 0xf7, 0xc0, 0xce, 0xc6, 0xae]; // 잔여 포인트

  it('decodes Hangul mixed with ASCII on one line', () => {
    expect(linesOf(ESC, 't', 0, FS, '&', ESC, 'R', 13, JEOKRIP, ' +120', LF)).toEqual(['적립 포인트 +120']);
    expect(linesOf(FS, '&', ESC, 'R', 13, 'Gold ', 0xa1, 0xbf, '2 ', JANYEO, LF)).toEqual(['Gold ×2 잔여 포인트']);
  });

  it('ESC R 13 before FS & works the same (the country is remembered)', () => {
    expect(linesOf(ESC, 'R', 13, FS, '&', 0xc7, 0xd1, 0xb1, 0xdb, LF)).toEqual(['한글']);
  });

  it('decodes the CP949 (UHC) extension, whose trail bytes can look like ASCII', () => {
    expect(linesOf(FS, '&', ESC, 'R', 13, 0x8c, 0x63, 0x94, 0xee, 'x', LF)).toEqual(['똠뷁x']);
    // First and last of the extension, and one from the narrow rows (lead ≥ 0xA1, trail ≤ 0xA0).
    expect(linesOf(FS, '&', ESC, 'R', 13, 0x81, 0x41, 0xc6, 0x52, 0xbf, 0x86, 0x83, 0xa3, LF)).toEqual(['갂힣퓛깵']);
  });

  it('FS & without ESC R uses the profile\'s double-byte encoding (options.multiByte), CP949 by default', () => {
    expect(linesOf(FS, '&', 0xc7, 0xd1, LF)).toEqual(['한']);
    const sjis = [0x83, 0x4a, 0x83, 0x5e, 0x8a, 0xbf]; // カタ漢
    expect(decodeEscPos(bytes(FS, '&', sjis, LF), { multiByte: 'shift_jis' }).lines).toEqual(['カタ漢']);
    expect(linesOf(FS, '&', ESC, 'R', 8, sjis, LF)).toEqual(['カタ漢']);
  });

  it('FS . leaves double-byte mode: the same bytes read as the single-byte table again', () => {
    expect(linesOf(FS, '&', ESC, 'R', 13, 0xc7, 0xd1, FS, '.', 0x82, LF)).toEqual(['한é']);
  });

  it('a style change in the middle of Korean text keeps both halves whole', () => {
    const [line] = lineEvents(FS, '&', ESC, 'R', 13, ESC, 'E', 1, JEOKRIP.slice(0, 4), ESC, 'E', 0, JEOKRIP.slice(4), LF);
    expect(line!.text).toBe('적립 포인트');
    expect(line!.segments.map((s) => [s.text, s.bold])).toEqual([['적립', true], [' 포인트', false]]);
  });

  it('a lead byte with nothing after it is not lost or fatal', () => {
    expect(() => decodeEscPos(bytes(FS, '&', ESC, 'R', 13, 'a', 0xc7))).not.toThrow();
    expect(linesOf(FS, '&', ESC, 'R', 13, 'a', 0xc7)[0]).toMatch(/^a./);
  });
});

describe('QR codes (GS ( k)', () => {
  it('reads model, module size, error correction and the stored data when "print" comes', () => {
    const [qr] = only(eventsOf(qrCode(bytes('TLY1.demo.m1.-.sig'), { moduleSize: 6, level: 'Q' })), 'qr');
    expect(qr).toMatchObject({ text: 'TLY1.demo.m1.-.sig', model: 2, moduleSize: 6, errorCorrection: 'Q' });
    expect([...qr!.data]).toEqual([...bytes('TLY1.demo.m1.-.sig')]);
  });

  it('takes UTF-8 payloads and each error-correction level', () => {
    const text = '김민지 ✓';
    for (const level of ['L', 'M', 'Q', 'H'] as const) {
      const [qr] = only(eventsOf(qrCode(new TextEncoder().encode(text), { level })), 'qr');
      expect(qr).toMatchObject({ text, errorCorrection: level });
    }
  });

  it('model 1 (n1 = 49) is reported as such', () => {
    const model1 = bytes(GS, '(', 'k', 4, 0, 0x31, 0x41, 0x31, 0);
    expect(only(eventsOf(model1, qrCode(bytes('x'))), 'qr')[0]!.model).toBe(2); // qrCode() selects model 2 itself
    expect(only(eventsOf(qrCode(bytes('x')), model1, GS, '(', 'k', 3, 0, 0x31, 0x51, 0x30), 'qr')[1]!.model).toBe(1);
  });

  it('prints nothing when "print" comes before any data; other symbols (PDF417, cn 48) are skipped', () => {
    expect(only(eventsOf(GS, '(', 'k', 3, 0, 0x31, 0x51, 0x30), 'qr')).toEqual([]);
    const pdf417 = bytes(GS, '(', 'k', 6, 0, 0x30, 0x50, 0x30, 'abc', GS, '(', 'k', 3, 0, 0x30, 0x51, 0x30);
    expect(decodeEscPos(bytes(pdf417, 'after', LF))).toMatchObject({ qrCodes: [], lines: ['after'] });
  });

  it('a QR code ends the text line before it', () => {
    expect(eventsOf('Scan me', qrCode(bytes('x'))).map((e) => e.type)).toEqual(['line', 'qr']);
  });
});

describe('barcodes (GS k)', () => {
  it('function A (m 0–6): NUL-terminated data', () => {
    const events = only(eventsOf(GS, 'k', 2, '4901234567894', 0, GS, 'k', 4, 'CODE39', 0, GS, 'k', 0, '01234567890', 0, 'x', LF), 'barcode');
    expect(events.map((b) => [b.system, b.data])).toEqual([
      ['EAN13', '4901234567894'],
      ['CODE39', 'CODE39'],
      ['UPC-A', '01234567890'],
    ]);
  });

  it('function B (m 65–79): a length byte, then the data', () => {
    const events = only(eventsOf(GS, 'k', 67, 12, '490123456789', GS, 'k', 69, 4, 'AB-1', GS, 'k', 72, 3, 'xyz', GS, 'k', 70, 4, '1234', GS, 'k', 71, 6, 'A1234B'), 'barcode');
    expect(events.map((b) => [b.system, b.data])).toEqual([
      ['EAN13', '490123456789'],
      ['CODE39', 'AB-1'],
      ['CODE93', 'xyz'],
      ['ITF', '1234'],
      ['CODABAR', 'A1234B'],
    ]);
  });

  it('Code 128 code set B is text', () => {
    expect(only(eventsOf(GS, 'k', 73, 9, '{BTally-1'), 'barcode')[0]).toMatchObject({ system: 'CODE128', data: 'Tally-1' });
  });

  it('Code 128 code set C carries two digits per byte', () => {
    expect(only(eventsOf(GS, 'k', 73, 6, '{C', 12, 34, 56, 7), 'barcode')[0]!.data).toBe('12345607');
  });

  it('Code 128 switching sets mid-symbol (what ReceiptLine sends for "AB123456")', () => {
    expect(only(eventsOf(GS, 'k', 73, 9, '{BAB{C', 12, 34, 56), 'barcode')[0]!.data).toBe('AB123456');
  });

  it('Code 128 "{{" is a brace, "{1" is FNC1 (read as GS), "{S" shifts one character, code set A has control characters', () => {
    const decode = (...data: Part[]): string => only(eventsOf(GS, 'k', 73, bytes(...data).length, ...data), 'barcode')[0]!.data;
    expect(decode('{Ba{{b')).toBe('a{b');
    expect(decode('{C{1', 1, 23)).toBe('\u001d0123');
    expect(decode('{A', 'AB', 0x09, '{Sa', 'C')).toBe('AB\tAC'.replace('AC', 'aC'));
  });

  it('GS1-128 (m 74) reads like Code 128; an unknown system is reported by number', () => {
    expect(only(eventsOf(GS, 'k', 74, 8, '{C{1', 1, 23, 45, 67), 'barcode')[0]).toMatchObject({ system: 'GS1-128', data: '\u001d01234567' });
    expect(only(eventsOf(GS, 'k', 99, 2, 'ab'), 'barcode')[0]).toMatchObject({ system: 'm99', data: 'ab' });
  });
});

describe('raster images', () => {
  const ARROW = [0b00011000, 0b00111100, 0b01111110, 0b00011000];

  it('GS v 0: width in bytes × 8, one bit a pixel, most significant bit first', () => {
    const [image] = only(eventsOf(GS, 'v', '0', 0, 1, 0, 4, 0, ARROW), 'image');
    expect(image!.image.width).toBe(8);
    expect(picture(image!.image)).toEqual(['...##...', '..####..', '.######.', '...##...']);
  });

  it('GS v 0 with a header that promises more rows than follow keeps only the rows that came', () => {
    const [image] = only(eventsOf(GS, 'v', '0', 0, 0xff, 0xff, 0xff, 0xff, ARROW), 'image');
    expect(image!.image.height).toBe(0);
    const [short] = only(eventsOf(GS, 'v', '0', 0, 1, 0, 100, 0, ARROW), 'image');
    expect(short!.image.height).toBe(4);
  });

  it('GS 8 L stores graphics (a 32-bit length), GS ( L … 2 prints them', () => {
    const body = bytes(0x30, 0x70, 0x30, 1, 1, 0x31, 6, 0, 2, 0, 0b11110000, 0b10000100);
    const store = bytes(GS, '8', 'L', body.length, 0, 0, 0, body);
    const print = bytes(GS, '(', 'L', 2, 0, 0x30, 0x32);
    const events = eventsOf('logo', store, print, 'after', LF);
    expect(events.map((e) => e.type)).toEqual(['line', 'image', 'line']);
    expect(picture(only(events, 'image')[0]!.image)).toEqual(['####..', '#....#']);
  });

  it('GS ( L … p (the 16-bit length form) stores graphics too', () => {
    const body = bytes(0x30, 0x70, 0x30, 1, 1, 0x31, 3, 0, 1, 0, 0b10100000);
    expect(picture(only(eventsOf(GS, '(', 'L', body.length, 0, body, GS, '(', 'L', 2, 0, 0x30, 2), 'image')[0]!.image)).toEqual(['#.#']);
  });

  it('"print graphics" with nothing stored prints nothing', () => {
    expect(only(eventsOf(GS, '(', 'L', 2, 0, 0x30, 0x32), 'image')).toEqual([]);
  });
});

describe('bytes it does not understand', () => {
  it('reports an unknown ESC, GS or FS command with its offset, skips it and goes on', () => {
    const events = eventsOf('a', ESC, 0x01, 'b', GS, 0x01, 'c', FS, 0x01, 'd', LF);
    expect(only(events, 'unknown').map((u) => [u.offset, [...u.bytes]])).toEqual([
      [1, [ESC, 0x01]],
      [4, [GS, 0x01]],
      [7, [FS, 0x01]],
    ]);
    expect(only(events, 'line').map((l) => l.text)).toEqual(['abcd']);
  });

  it('reports stray control characters and an unknown DLE command', () => {
    const events = eventsOf('a', 0x07, 'b', DLE, 0x09, 'c', LF);
    expect(only(events, 'unknown').map((u) => [...u.bytes])).toEqual([[0x07], [DLE, 0x09]]);
    expect(only(events, 'line')[0]!.text).toBe('abc');
  });

  it('a command cut off at the end of the bytes is reported, not fatal', () => {
    expect(only(eventsOf('x', ESC), 'unknown')).toHaveLength(1);
    expect(only(eventsOf(GS), 'unknown')).toHaveLength(1);
    expect(() => decodeEscPos(bytes(GS, '(', 'k', 0xff, 0xff, 0x31))).not.toThrow();
    expect(() => decodeEscPos(bytes(GS, '8', 'L', 0xff, 0xff, 0xff, 0xff))).not.toThrow();
    expect(() => decodeEscPos(bytes(GS, 'k', 2, '123'))).not.toThrow();
  });

  it('never throws, whatever the bytes (random bytes, and random commands with random parameters)', () => {
    const command = fc.oneof(
      fc.uint8Array({ maxLength: 16 }),
      fc.tuple(fc.constantFrom(ESC, GS, FS, DLE), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 12 })).map(([a, b, rest]) => bytes(a, b, rest)),
      fc.tuple(fc.constantFrom('v0', '8L', '(k', '(L', 'k', 'V'), fc.uint8Array({ maxLength: 12 })).map(([c, rest]) => bytes(GS, c, rest)),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), fc.constantFrom<'cp949' | 'shift_jis' | 'gbk' | 'big5'>('cp949', 'shift_jis', 'gbk', 'big5'), (parts, multiByte) => {
        const print = decodeEscPos(bytes(...parts), { multiByte });
        // Every line is text, and every image holds exactly width × height pixels.
        for (const e of print.events) {
          if (e.type === 'line') expect(typeof e.text).toBe('string');
          if (e.type === 'image') expect(e.image.pixels.length).toBe(e.image.width * e.image.height);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { decodeMultiByte, decodeSingleByte, decodeUtf8, isLeadByte } from './text-codec.js';

const b = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('single-byte code pages', () => {
  it('CP437: ASCII below 0x80, the IBM PC set above', () => {
    expect(decodeSingleByte(b(0x41, 0x80, 0x9b, 0xb0, 0xdb, 0xe0, 0xff), 'cp437')).toBe('AÇ¢░█α\u00a0');
  });

  it('Windows-1252 decodes 0x80–0x9F as Windows does (not as Latin-1 C1 controls)', () => {
    expect(decodeSingleByte(b(0x80, 0x85, 0x8a, 0x91, 0x92, 0x99, 0x9f, 0xa3, 0xff), 'windows-1252')).toBe('€…Š‘’™Ÿ£ÿ');
  });

  it('ISO-8859-1 is Latin-1 itself', () => {
    expect(decodeSingleByte(b(0x80, 0xe9), 'iso-8859-1')).toBe('\u0080é');
  });

  it('CP866, Windows-1251 and Windows-1250 through the runtime decoder', () => {
    expect(decodeSingleByte(b(0x8f, 0xe0), 'ibm866')).toBe('Пр');
    expect(decodeSingleByte(b(0xcf, 0xf0), 'windows-1251')).toBe('Пр');
    expect(decodeSingleByte(b(0x8a, 0xb9), 'windows-1250')).toBe('Šą');
  });
});

describe('double-byte encodings', () => {
  it('CP949: KS X 1001 and the Unified Hangul Code extension', () => {
    expect(decodeMultiByte(b(0xc7, 0xd1, 0xb1, 0xdb), 'cp949')).toBe('한글');
    expect(decodeMultiByte(b(0x8c, 0x63, 0x41, 0xc7, 0xd1), 'cp949')).toBe('똠A한');
    expect(decodeMultiByte(b(0xa1, 0xbf), 'cp949')).toBe('×');
  });

  it('Shift_JIS, GBK and Big5', () => {
    expect(decodeMultiByte(b(0x83, 0x4a, 0x8a, 0xbf), 'shift_jis')).toBe('カ漢');
    expect(decodeMultiByte(b(0xba, 0xba, 0xd7, 0xd6), 'gbk')).toBe('汉字');
    expect(decodeMultiByte(b(0xa4, 0x40), 'big5')).toBe('一');
  });

  it('lead bytes per encoding', () => {
    expect([0x80, 0x81, 0xc7, 0xfe, 0xff].map((x) => isLeadByte(x, 'cp949'))).toEqual([false, true, true, true, false]);
    expect([0x81, 0x9f, 0xa0, 0xdf, 0xe0, 0xfc, 0xfd].map((x) => isLeadByte(x, 'shift_jis'))).toEqual([true, true, false, false, true, true, false]);
  });
});

describe('UTF-8 payloads', () => {
  it('decodes UTF-8 and replaces invalid sequences instead of throwing', () => {
    expect(decodeUtf8(new TextEncoder().encode('김 ✓'))).toBe('김 ✓');
    expect(decodeUtf8(b(0x61, 0xff, 0x62))).toBe('a\ufffdb');
  });
});

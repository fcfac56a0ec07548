/**
 * The ReceiptLine encoder behind the ReceiptEncoder interface: what it asks the library for per
 * profile, and what it changes in the result. Every check reads the bytes back with the core
 * decoder, the way the printer would.
 */
import { describe, expect, it } from 'vitest';
import { decodeEscPos, type EscPosEvent } from '../../core/escpos/decoder.js';
import { renderTemplate } from '../../core/receipt/template.js';
import { PRINTER_PROFILES } from './profiles.js';
import { rawReceiptlineTransform, ReceiptlineEncoder, receiptlineOptions } from './receiptline-encoder.js';
import type { PrinterProfile } from './types.js';

const encoder = new ReceiptlineEncoder();
const { 'generic-58': G58, 'epson-tm-80': TM80, 'epson-tm-80-42': TM42, 'korean-80': KO80, 'raster-58': RASTER } = PRINTER_PROFILES;

const decode = (bytes: Uint8Array, profile: PrinterProfile) => decodeEscPos(bytes, profile.multiByte ? { multiByte: profile.multiByte } : {});
const linesOf = (document: string, profile: PrinterProfile): string[] => decode(encoder.encode(document, profile), profile).lines.map((l) => l.trimEnd());
const tail = (bytes: Uint8Array, n: number): number[] => [...bytes.subarray(bytes.length - n)];

describe('encode', () => {
  it('starts with ESC @ and ends with a cut on printers with a cutter — without ReceiptLine\'s trailing GS r 1', () => {
    const bytes = encoder.encode('hello |', TM80);
    expect([...bytes.subarray(0, 2)]).toEqual([0x1b, 0x40]);
    expect(tail(bytes, 4)).toEqual([0x1d, 0x56, 0x42, 0x00]);
    expect(rawReceiptlineTransform('hello |', TM80).endsWith('\x1dVB\x00\x1dr1')).toBe(true);
    expect(decode(bytes, TM80)).toMatchObject({ lines: ['hello'], cuts: 1 });
  });

  it('leaves no GS r (transmit status) in any profile\'s job: its unasked-for answer would confuse the next status read', () => {
    for (const profile of Object.values(PRINTER_PROFILES)) {
      const GS_R = ['\x1dr1', '\x1dr\x01'];
      expect(GS_R.some((r) => rawReceiptlineTransform('x', profile).endsWith(r))).toBe(true);
      expect(String.fromCharCode(...encoder.encode('x', profile)).slice(-8)).not.toContain('\x1dr');
    }
  });

  it('feeds the slip past the tear bar instead of cutting when the printer has no cutter', () => {
    const bytes = encoder.encode('hello', G58);
    expect(tail(bytes, 3)).toEqual([0x1b, 0x64, 0x04]);
    const print = decode(bytes, G58);
    expect(print.cuts).toBe(0);
    expect(print.events.at(-1)).toEqual({ type: 'feed', lines: 4 });
  });

  it('lays text out in the profile\'s characters per line', () => {
    for (const profile of Object.values(PRINTER_PROFILES)) {
      const [rule, row] = linesOf('-\nleft | right', profile);
      expect([...rule!]).toHaveLength(profile.charactersPerLine);
      expect(row).toBe(`left${' '.repeat(profile.charactersPerLine - 9)}right`);
    }
  });

  it('sends text in the profile\'s code page: CP437, Windows-1252', () => {
    expect(linesOf('Café £5 ½ |', G58)).toEqual(['Café £5 ½']);
    expect(linesOf('Café €5 “quoted” |', TM80)).toEqual(['Café €5 “quoted”']);
    // CP437 has no €: the library writes "?" (slip.ts keeps such signs off English slips).
    expect(linesOf('€5 |', TM42)).toEqual(['?5']);
  });

  it('sends Korean in CP949 double-byte mode (FS &, ESC R 13), mixed with ASCII', () => {
    const bytes = encoder.encode('적립 포인트 | +120\n김*지 ×2 똠 |', KO80);
    const text = String.fromCharCode(...bytes);
    expect(text).toContain('\x1c&\x1bR\x0d');
    expect(decode(bytes, KO80).lines.map((l) => l.trimEnd())).toEqual([`적립 포인트${' '.repeat(48 - 11 - 4)}+120`, '김*지 ×2 똠']);
  });

  it('styles survive: double height, bold, underline, inverted', () => {
    const print = decode(encoder.encode('^^"Store"\n_under_ `inv`', TM80), TM80);
    const [title, styled] = print.events.filter((e): e is Extract<EscPosEvent, { type: 'line' }> => e.type === 'line');
    expect(title!.segments.find((s) => s.text.includes('Store'))).toMatchObject({ bold: true, height: 2, width: 1 });
    expect(styled!.segments.find((s) => s.text === 'under')).toMatchObject({ underline: true });
    expect(styled!.segments.find((s) => s.text === 'inv')).toMatchObject({ reverse: true });
  });

  it('passes a {command:} block through byte for byte', () => {
    const print = decode(encoder.encode('{command:\\x1b\\x70\\x00\\x19\\xfa}\nafter', TM80), TM80);
    expect(print.events.filter((e) => e.type === 'drawer')).toEqual([{ type: 'drawer', pin: 0 }]);
    expect(print.lines.map((l) => l.trim())).toContain('after');
  });

  it('a value with every ReceiptLine special character, escaped by the template, prints as written', () => {
    const nasty = 'a\\b|c{d}e-f=g~h_i"j`k^l';
    for (const profile of [G58, KO80]) {
      const lines = linesOf(renderTemplate('{{v}}\n{{v}} | {{v}}\n{{v}}', { v: '-' }) + '\n' + renderTemplate('{{v}}', { v: nasty }), profile);
      expect(lines[0]!.trim()).toBe('-');
      expect(lines.at(-1)!.trim()).toBe(nasty);
    }
  });

  it('draws QR codes as raster images (GS v 0) on raster-QR profiles, with no GS ( k', () => {
    const bytes = encoder.encode('{code:TLY1.x; option:qrcode,4,m}', RASTER);
    const print = decode(bytes, RASTER);
    expect(print.qrCodes).toEqual([]);
    const images = print.events.filter((e): e is Extract<EscPosEvent, { type: 'image' }> => e.type === 'image');
    expect(images).toHaveLength(1);
    // Version 1 (21 modules) at 4 dots, padded to whole bytes.
    expect(images[0]!.image).toMatchObject({ width: 88, height: 84 });
    expect(String.fromCharCode(...bytes)).toContain('\x1dv0');
    expect(String.fromCharCode(...bytes)).not.toContain('\x1d(k');
  });

  it('asks ReceiptLine for the profile\'s settings', () => {
    expect(receiptlineOptions(KO80, 'escpos')).toEqual({ cpl: 48, encoding: 'cp949', command: 'escpos', cutting: true, spacing: false, upsideDown: false, gradient: false });
    expect(receiptlineOptions(G58, 'svg')).toMatchObject({ cpl: 32, encoding: 'cp437', cutting: false });
  });
});

describe('svg', () => {
  it('is an SVG as wide as the paper\'s dots, on white paper, with nothing fetched from the network', () => {
    const svg = encoder.svg('^^"Store"\nhello | world', TM42);
    expect(svg).toMatch(/^<svg width="504px" height="\d+px" viewBox="0 0 504 \d+"/);
    expect(svg).toMatch(/^<svg [^>]*><rect width="100%" height="100%" fill="#fff"\/>/);
    expect(svg).not.toMatch(/@import|https?:\/\/(?!www\.w3\.org)/);
  });

  it('marks Korean text as such (the browser picks a Korean font) and measures Hangul as two columns', () => {
    const svg = encoder.svg('잔여 포인트 | 1,234P', KO80);
    expect(svg).toContain('lang="ko"');
    expect(svg).toContain('>잔<');
  });

  it('draws a QR code from a {code:} block', () => {
    const svg = encoder.svg('{code:TLY1.x; option:qrcode,5,m}', G58);
    expect(svg).toMatch(/<path d="M\d+,\d+l5,0 0,5 -5,0 0,-5z/);
  });
});

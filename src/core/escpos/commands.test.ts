import { describe, expect, it } from 'vitest';
import { asReceiptlineCommand, qrCode } from './commands.js';
import { decodeEscPos } from './decoder.js';

describe('qrCode (GS ( k)', () => {
  it('selects model 2, sets module size and level, stores the data and prints it — byte for byte', () => {
    expect([...qrCode(Uint8Array.of(0x41, 0x42), { moduleSize: 6, level: 'Q' })]).toEqual([
      0x1d, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0x00,
      0x1d, 0x28, 0x6b, 3, 0, 0x31, 0x43, 6,
      0x1d, 0x28, 0x6b, 3, 0, 0x31, 0x45, 0x32,
      0x1d, 0x28, 0x6b, 5, 0, 0x31, 0x50, 0x30, 0x41, 0x42,
      0x1d, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30,
    ]);
  });

  it('writes the store length in two bytes (low, high) for long data', () => {
    const data = new Uint8Array(300).fill(0x61);
    const bytes = qrCode(data);
    expect([...bytes.subarray(25, 30)]).toEqual([0x1d, 0x28, 0x6b, 303 & 0xff, 303 >> 8]);
    expect(decodeEscPos(bytes).qrCodes).toEqual(['a'.repeat(300)]);
  });

  it('defaults to 4-dot modules and level M, and keeps the module size within 1–16', () => {
    const settings = (options: Parameters<typeof qrCode>[1]) => decodeEscPos(qrCode(Uint8Array.of(0x31), options)).events.find((e) => e.type === 'qr');
    expect(settings({})).toMatchObject({ moduleSize: 4, errorCorrection: 'M' });
    expect(settings({ moduleSize: 40 })).toMatchObject({ moduleSize: 16 });
    expect(settings({ moduleSize: 0 })).toMatchObject({ moduleSize: 1 });
  });

  it('refuses empty data and more than a QR code holds', () => {
    expect(() => qrCode(new Uint8Array())).toThrow(RangeError);
    expect(() => qrCode(new Uint8Array(7090))).toThrow(RangeError);
    expect(() => qrCode(new Uint8Array(7089))).not.toThrow();
  });
});

describe('asReceiptlineCommand', () => {
  it('writes each byte as a two-digit lower-case \\xNN escape', () => {
    expect(asReceiptlineCommand(Uint8Array.of(0x00, 0x1d, 0x7b, 0xff))).toBe('\\x00\\x1d\\x7b\\xff');
    expect(asReceiptlineCommand(new Uint8Array())).toBe('');
  });
});

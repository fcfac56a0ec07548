import { describe, expect, it } from 'vitest';
import { halveFrame, luminanceFrame, rgbaToLuminance, smoothFrame } from './luminance.js';

const px = (r: number, g: number, b: number, a = 255): Uint8ClampedArray => Uint8ClampedArray.of(r, g, b, a);

describe('rgbaToLuminance', () => {
  it('uses BT.601 weights (0.299 R + 0.587 G + 0.114 B)', () => {
    const one = (r: number, g: number, b: number): number => rgbaToLuminance(px(r, g, b), 1, 1).luminance[0]!;
    expect(one(255, 255, 255)).toBe(255);
    expect(one(0, 0, 0)).toBe(0);
    for (const [r, g, b] of [[255, 0, 0], [0, 255, 0], [0, 0, 255], [12, 200, 77], [128, 128, 128]] as const) {
      expect(Math.abs(one(r, g, b) - (0.299 * r + 0.587 * g + 0.114 * b))).toBeLessThanOrEqual(1);
    }
  });

  it('composites transparent pixels over white (a QR PNG with a transparent background)', () => {
    const frame = rgbaToLuminance(Uint8ClampedArray.of(0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 128), 3, 1);
    expect([...frame.luminance]).toEqual([255, 0, 127]);
  });

  it('writes one byte per pixel, into a reused buffer when given', () => {
    const out = new Uint8ClampedArray(2);
    const frame = rgbaToLuminance(Uint8ClampedArray.of(10, 10, 10, 255, 200, 200, 200, 255), 2, 1, out);
    expect(frame.luminance).toBe(out);
    expect([...out]).toEqual([10, 200]);
  });

  it('refuses a byte count that is not 4 per pixel, and a wrong-size output buffer', () => {
    expect(() => rgbaToLuminance(new Uint8ClampedArray(7), 2, 1)).toThrow(/RGBA image has 8 bytes, got 7/);
    expect(() => rgbaToLuminance(new Uint8ClampedArray(8), 2, 1, new Uint8ClampedArray(3))).toThrow(/output/);
    expect(() => rgbaToLuminance(new Uint8ClampedArray(0), 0, 1)).toThrow(RangeError);
  });
});

describe('luminanceFrame', () => {
  it('wraps one byte per pixel without copying, Node Buffers and Uint8Arrays included', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const frame = luminanceFrame(bytes, 3, 2);
    expect(frame.luminance.buffer).toBe(bytes.buffer);
    expect([...frame.luminance]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('names the RGBA mistake instead of decoding a picture four times too wide', () => {
    expect(() => luminanceFrame(new Uint8ClampedArray(4 * 6), 3, 2)).toThrow(/look like RGBA bytes.*rgbaToLuminance/);
    expect(() => luminanceFrame(new Uint8ClampedArray(5), 3, 2)).toThrow(/has 6 bytes, got 5$/);
  });
});

describe('retry frames', () => {
  it('halveFrame averages 2 × 2 blocks and refuses frames too small to hold a code', () => {
    const frame = luminanceFrame(new Uint8ClampedArray(44 * 44).map((_, i) => (i % 2 === 0 ? 0 : 255)), 44, 44);
    const half = halveFrame(frame)!;
    expect([half.width, half.height]).toEqual([22, 22]);
    expect(half.luminance.every((v) => v === 128)).toBe(true);
    expect(halveFrame(luminanceFrame(new Uint8ClampedArray(40 * 40), 40, 40))).toBeNull();
  });

  it('smoothFrame is a 3 × 3 box average with clamped edges', () => {
    const data = new Uint8ClampedArray(9);
    data[4] = 90;
    const smooth = smoothFrame(luminanceFrame(data, 3, 3));
    expect([...smooth.luminance]).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10]);
  });
});

/**
 * EXIF orientation applied to a luminance frame. A phone stores a photo's pixels as the sensor
 * saw them and writes how to turn them for display in the EXIF Orientation tag (TIFF tag 0x0112).
 * The QR decoder itself reads a code at any rotation and mirrored, so this is not what makes a
 * photo readable; it makes the frame — and so the code's corner points the decoder reports — the
 * picture the member sees on their phone, which is what a screen drawing a box around the code needs.
 *
 * Values (TIFF 6.0 / EXIF 2.3), as "where row 0 and column 0 of the stored pixels are shown":
 *   1 as stored · 2 mirrored left–right · 3 turned 180° · 4 mirrored top–bottom ·
 *   5 transposed (mirrored, turned 270° clockwise) · 6 turned 90° clockwise ·
 *   7 transversed (mirrored, turned 90° clockwise) · 8 turned 270° clockwise (90° anticlockwise)
 */
import type { LuminanceFrame } from './luminance.js';

export type ExifOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export const isExifOrientation = (value: number): value is ExifOrientation => Number.isInteger(value) && value >= 1 && value <= 8;

/** The frame as it is meant to be shown: a new frame for 2–8, the same one for 1 (no copy). */
export function orientFrame(frame: LuminanceFrame, orientation: ExifOrientation): LuminanceFrame {
  if (orientation === 1) return frame;
  const { width: w, height: h, luminance: src } = frame;
  // 5–8 swap the sides: the shown picture is h wide and w tall.
  const swap = orientation >= 5;
  const width = swap ? h : w;
  const height = swap ? w : h;
  const out = new Uint8ClampedArray(width * height);
  // For each shown pixel (x, y), the stored pixel it comes from: index = row · w + column.
  let source: (x: number, y: number) => number;
  switch (orientation) {
    case 2:
      source = (x, y) => y * w + (w - 1 - x);
      break;
    case 3:
      source = (x, y) => (h - 1 - y) * w + (w - 1 - x);
      break;
    case 4:
      source = (x, y) => (h - 1 - y) * w + x;
      break;
    case 5:
      source = (x, y) => x * w + y;
      break;
    case 6:
      source = (x, y) => (h - 1 - x) * w + y;
      break;
    case 7:
      source = (x, y) => (h - 1 - x) * w + (w - 1 - y);
      break;
    case 8:
      source = (x, y) => x * w + (w - 1 - y);
      break;
  }
  for (let y = 0, i = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1, i += 1) out[i] = src[source(x, y)]!;
  }
  return { width, height, luminance: out };
}

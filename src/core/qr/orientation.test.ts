import { describe, expect, it } from 'vitest';
import { luminanceFrame } from './luminance.js';
import { isExifOrientation, orientFrame, type ExifOrientation } from './orientation.js';

describe('orientFrame (EXIF orientation)', () => {
  // Stored pixels, 3 wide and 2 tall:  1 2 3
  //                                    4 5 6
  const stored = luminanceFrame(Uint8ClampedArray.of(1, 2, 3, 4, 5, 6), 3, 2);
  const shown: ReadonlyArray<readonly [ExifOrientation, number, number, readonly number[]]> = [
    [1, 3, 2, [1, 2, 3, 4, 5, 6]],
    [2, 3, 2, [3, 2, 1, 6, 5, 4]], // mirrored left–right
    [3, 3, 2, [6, 5, 4, 3, 2, 1]], // turned 180°
    [4, 3, 2, [4, 5, 6, 1, 2, 3]], // mirrored top–bottom
    [5, 2, 3, [1, 4, 2, 5, 3, 6]], // transposed: stored row 0 is the shown left column
    [6, 2, 3, [4, 1, 5, 2, 6, 3]], // turned 90° clockwise: stored row 0 is the shown right column
    [7, 2, 3, [6, 3, 5, 2, 4, 1]], // transversed: stored row 0 is the shown right column, upside down
    [8, 2, 3, [3, 6, 2, 5, 1, 4]], // turned 90° anticlockwise: stored row 0 is the shown left column, bottom up
  ];

  it.each(shown)('orientation %i', (orientation, width, height, pixels) => {
    const frame = orientFrame(stored, orientation);
    expect({ width: frame.width, height: frame.height, pixels: [...frame.luminance] }).toEqual({ width, height, pixels });
  });

  it('orientation 1 returns the same frame without copying; only 1–8 are orientations', () => {
    expect(orientFrame(stored, 1)).toBe(stored);
    expect([0, 1, 8, 9, 2.5, -1].map(isExifOrientation)).toEqual([false, true, true, false, false, false]);
  });
});

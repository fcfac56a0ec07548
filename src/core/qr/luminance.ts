/**
 * Luminance frames: what the QR decoder reads. One byte per pixel, row after row, no padding.
 *
 * HAZARD — the classic silent failure: a canvas (`getImageData`) and pngjs both give RGBA bytes,
 * four per pixel. @zxing/library's `RGBLuminanceSource` takes a one-byte-per-pixel array (or ARGB
 * `Int32Array`s) and does NOT check the length, so RGBA bytes handed straight to it are read as a
 * picture four times too wide: it finds nothing and says only "not found", frame after frame.
 * Every path in Tally therefore converts explicitly with `rgbaToLuminance`, and `luminanceFrame`
 * refuses an array of the wrong length (naming the RGBA mistake) instead of decoding garbage.
 */

export interface LuminanceFrame {
  readonly width: number;
  readonly height: number;
  /** width × height bytes, 0 = black, 255 = white. */
  readonly luminance: Uint8ClampedArray;
}

/** Bytes of any 8-bit typed array (Node's Buffer is a Uint8Array). */
export type ByteArray = Uint8Array | Uint8ClampedArray;

function checkSize(width: number, height: number): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`a frame needs a positive whole width and height (got ${width}×${height})`);
  }
}

const asClamped = (bytes: ByteArray): Uint8ClampedArray =>
  bytes instanceof Uint8ClampedArray ? bytes : new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Wraps one-byte-per-pixel data as a frame (no copy). Throws if the length is not width × height,
 * with a pointed message when it is 4 × width × height (RGBA bytes passed by mistake).
 */
export function luminanceFrame(luminance: ByteArray, width: number, height: number): LuminanceFrame {
  checkSize(width, height);
  const pixels = width * height;
  if (luminance.length !== pixels) {
    const hint = luminance.length === pixels * 4 ? ': these look like RGBA bytes (4 per pixel) — convert them with rgbaToLuminance first' : '';
    throw new RangeError(`a ${width}×${height} luminance frame has ${pixels} bytes, got ${luminance.length}${hint}`);
  }
  return { width, height, luminance: asClamped(luminance) };
}

/**
 * RGBA bytes (canvas ImageData, pngjs) to luminance, ITU-R BT.601 weights in integer arithmetic
 * (0.299 R + 0.587 G + 0.114 B, scaled by 1024 — the weights zxing-cpp uses). A pixel that is not
 * opaque is composited over white first: a PNG of a QR code with a transparent background has
 * black (0,0,0,0) "paper", which would otherwise read as a solid black square.
 */
export function rgbaToLuminance(rgba: ByteArray, width: number, height: number, out?: Uint8ClampedArray): LuminanceFrame {
  checkSize(width, height);
  const pixels = width * height;
  if (rgba.length !== pixels * 4) {
    throw new RangeError(`a ${width}×${height} RGBA image has ${pixels * 4} bytes, got ${rgba.length}`);
  }
  const target = out ?? new Uint8ClampedArray(pixels);
  if (target.length !== pixels) throw new RangeError(`the output array must hold ${pixels} bytes, not ${target.length}`);
  for (let p = 0, i = 0; p < pixels; p += 1, i += 4) {
    const y = (306 * rgba[i]! + 601 * rgba[i + 1]! + 117 * rgba[i + 2]! + 512) >> 10;
    const a = rgba[i + 3]!;
    // (y·a + 255·(255 − a)) / 255, rounded: over white.
    target[p] = a === 255 ? y : (y * a + 255 * (255 - a) + 127) / 255;
  }
  return { width, height, luminance: target };
}

/**
 * A 2 × 2 box-averaged copy at half the size (odd last row/column dropped). The decoder uses it
 * as a retry: @zxing/library's finder-pattern search sometimes locks onto a false pattern when
 * modules are large, and a smaller picture of the same code usually avoids it.
 */
export function halveFrame(frame: LuminanceFrame): LuminanceFrame | null {
  const width = frame.width >> 1;
  const height = frame.height >> 1;
  if (width < 21 || height < 21) return null;
  const src = frame.luminance;
  const stride = frame.width;
  const out = new Uint8ClampedArray(width * height);
  for (let y = 0; y < height; y += 1) {
    let i = 2 * y * stride;
    const row = y * width;
    for (let x = 0; x < width; x += 1, i += 2) {
      out[row + x] = (src[i]! + src[i + 1]! + src[i + stride]! + src[i + stride + 1]! + 2) >> 2;
    }
  }
  return { width, height, luminance: out };
}

/**
 * A 3 × 3 box-smoothed copy. A retry for sensor noise: @zxing/library checks finder patterns by
 * the 1:1:3:1:1 run lengths along single pixel rows, which a few noisy pixels break.
 */
export function smoothFrame(frame: LuminanceFrame): LuminanceFrame {
  const { width, height } = frame;
  const src = frame.luminance;
  const out = new Uint8ClampedArray(width * height);
  // Horizontal then vertical running sums (edges clamp).
  const tmp = new Uint16Array(width * height);
  for (let y = 0; y < height; y += 1) {
    const row = y * width;
    for (let x = 0; x < width; x += 1) {
      tmp[row + x] = src[row + Math.max(0, x - 1)]! + src[row + x]! + src[row + Math.min(width - 1, x + 1)]!;
    }
  }
  for (let y = 0; y < height; y += 1) {
    const up = Math.max(0, y - 1) * width;
    const row = y * width;
    const down = Math.min(height - 1, y + 1) * width;
    for (let x = 0; x < width; x += 1) out[row + x] = (tmp[up + x]! + tmp[row + x]! + tmp[down + x]! + 4) / 9;
  }
  return { width, height, luminance: out };
}

/**
 * The frame turned 180° (the pixel order reversed). A retry: @zxing/library scans rows from the
 * top and stops at the first three finder-pattern-like shapes it confirms, so a data pattern that
 * mimics a finder above the real third one ends the search; from the other end the order differs.
 */
export function rotateFrame180(frame: LuminanceFrame): LuminanceFrame {
  return { width: frame.width, height: frame.height, luminance: frame.luminance.slice().reverse() };
}

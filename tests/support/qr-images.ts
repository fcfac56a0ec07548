/**
 * QR pictures for tests and the benchmark: a code from @zxing/library's QRCodeWriter, drawn at a
 * chosen module size with a quiet zone, then put through what a counter camera does to it —
 * rotation, scale, perspective (one homography, sampled bilinearly with 2 × 2 supersampling),
 * soft focus, lost contrast, sensor noise — onto a frame of a given size. Everything is seeded:
 * the same options give the same pixels. Output as luminance, RGBA, PNG, JPEG (baseline from
 * jpeg-js's encoder, progressive from a small encoder here) or Y4M (Chromium's fake camera).
 */
import { writeFileSync } from 'node:fs';
import { BarcodeFormat, EncodeHintType, QRCodeWriter } from '@zxing/library';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** One luminance byte per pixel. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

export type EcLevel = 'L' | 'M' | 'Q' | 'H';

export interface QrMatrix {
  /** Modules per side (21 for version 1, +4 per version). */
  readonly size: number;
  isDark(x: number, y: number): boolean;
}

/** The modules of a QR code for `text`. `utf8` adds a UTF-8 ECI so non-Latin text decodes as written. */
export function qrMatrix(text: string, options: { ecLevel?: EcLevel; utf8?: boolean } = {}): QrMatrix {
  const hints = new Map<EncodeHintType, unknown>([
    [EncodeHintType.MARGIN, 0],
    [EncodeHintType.ERROR_CORRECTION, options.ecLevel ?? 'M'],
  ]);
  if (options.utf8) hints.set(EncodeHintType.CHARACTER_SET, 'UTF-8');
  // Width and height 0: one pixel per module, no margin — we draw the quiet zone ourselves.
  const bits = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0, hints);
  return { size: bits.getWidth(), isDark: (x, y) => bits.get(x, y) };
}

export interface RenderOptions {
  /** Pixels per module (whole number). Default 4. */
  readonly moduleSize?: number;
  /** Quiet zone in modules. Default 4 (the standard's minimum). */
  readonly quietZone?: number;
  readonly dark?: number;
  readonly light?: number;
}

/** The code drawn flat: crisp square modules on a quiet zone. */
export function renderQr(matrix: QrMatrix, options: RenderOptions = {}): GrayImage {
  const moduleSize = options.moduleSize ?? 4;
  const quiet = options.quietZone ?? 4;
  const side = (matrix.size + 2 * quiet) * moduleSize;
  const data = new Uint8ClampedArray(side * side).fill(options.light ?? 255);
  const dark = options.dark ?? 0;
  for (let my = 0; my < matrix.size; my += 1) {
    for (let mx = 0; mx < matrix.size; mx += 1) {
      if (!matrix.isDark(mx, my)) continue;
      for (let dy = 0; dy < moduleSize; dy += 1) {
        const row = ((my + quiet) * moduleSize + dy) * side + (mx + quiet) * moduleSize;
        data.fill(dark, row, row + moduleSize);
      }
    }
  }
  return { width: side, height: side, data };
}

// ---- geometry ---------------------------------------------------------------------------------

export type Point = readonly [number, number];
/** A 3 × 3 projective transform, row-major, h[8] = 1. */
export type Homography = readonly number[];

/** The homography taking four source points to four destination points (solves the 8 × 8 system). */
export function homography(from: readonly Point[], to: readonly Point[]): Homography {
  if (from.length !== 4 || to.length !== 4) throw new RangeError('a homography needs four point pairs');
  const a: number[][] = [];
  for (let i = 0; i < 4; i += 1) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  // Gauss–Jordan with partial pivoting.
  for (let c = 0; c < 8; c += 1) {
    let pivot = c;
    for (let r = c + 1; r < 8; r += 1) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const p = a[c]![c]!;
    if (Math.abs(p) < 1e-12) throw new RangeError('degenerate quadrilateral');
    for (let k = c; k < 9; k += 1) a[c]![k]! /= p;
    for (let r = 0; r < 8; r += 1) {
      if (r === c) continue;
      const f = a[r]![c]!;
      if (f === 0) continue;
      for (let k = c; k < 9; k += 1) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return [...a.map((row) => row[8]!), 1];
}

function invert(h: Homography): Homography {
  const [a, b, c, d, e, f, g, hh, i] = h as [number, number, number, number, number, number, number, number, number];
  const A = e * i - f * hh;
  const B = -(d * i - f * g);
  const C = d * hh - e * g;
  const det = a * A + b * B + c * C;
  const inv = [A, -(b * i - c * hh), b * f - c * e, B, a * i - c * g, -(a * f - c * d), C, -(a * hh - b * g), a * e - b * d].map((x) => x / det);
  return inv.map((x) => x / inv[8]!);
}

function bilinear(img: GrayImage, x: number, y: number, background: number): number {
  // Pixel centres at +0.5.
  const fx = x - 0.5;
  const fy = y - 0.5;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const tx = fx - x0;
  const ty = fy - y0;
  const at = (xx: number, yy: number): number => (xx < 0 || yy < 0 || xx >= img.width || yy >= img.height ? background : img.data[yy * img.width + xx]!);
  const top = at(x0, y0) * (1 - tx) + at(x0 + 1, y0) * tx;
  const bottom = at(x0, y0 + 1) * (1 - tx) + at(x0 + 1, y0 + 1) * tx;
  return top * (1 - ty) + bottom * ty;
}

/**
 * Draws `src` into a new `width` × `height` image so that `src`'s corners land on `corners`
 * (top-left, top-right, bottom-right, bottom-left), over `background` (a number or an image).
 */
export function warpOnto(src: GrayImage, corners: readonly Point[], width: number, height: number, background: number | GrayImage = 255): GrayImage {
  const h = invert(homography([[0, 0], [src.width, 0], [src.width, src.height], [0, src.height]], corners));
  const data = typeof background === 'number' ? new Uint8ClampedArray(width * height).fill(background) : Uint8ClampedArray.from(background.data);
  if (typeof background !== 'number' && (background.width !== width || background.height !== height)) throw new RangeError('background size differs');
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  const minX = Math.max(0, Math.floor(Math.min(...xs)));
  const maxX = Math.min(width, Math.ceil(Math.max(...xs)));
  const minY = Math.max(0, Math.floor(Math.min(...ys)));
  const maxY = Math.min(height, Math.ceil(Math.max(...ys)));
  const offsets = [0.25, 0.75];
  for (let y = minY; y < maxY; y += 1) {
    for (let x = minX; x < maxX; x += 1) {
      let sum = 0;
      let inside = 0;
      for (const oy of offsets) {
        for (const ox of offsets) {
          const px = x + ox;
          const py = y + oy;
          const w = h[6]! * px + h[7]! * py + h[8]!;
          const sx = (h[0]! * px + h[1]! * py + h[2]!) / w;
          const sy = (h[3]! * px + h[4]! * py + h[5]!) / w;
          if (sx < 0 || sy < 0 || sx > src.width || sy > src.height) continue;
          sum += bilinear(src, sx, sy, 255);
          inside += 1;
        }
      }
      if (inside === 0) continue;
      const i = y * width + x;
      data[i] = (sum + data[i]! * (4 - inside)) / 4;
    }
  }
  return { width, height, data };
}

/** `src` rotated by `degrees` (clockwise on screen) and scaled by `scale`, centred in a canvas that fits it. */
export function rotate(src: GrayImage, degrees: number, scale = 1, background = 255): GrayImage {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const w = src.width * scale;
  const h = src.height * scale;
  const width = Math.ceil(Math.abs(w * cos) + Math.abs(h * sin)) + 2;
  const height = Math.ceil(Math.abs(w * sin) + Math.abs(h * cos)) + 2;
  return warpOnto(src, quad(width / 2, height / 2, w, h, degrees), width, height, background);
}

/** The corners of a w × h rectangle centred on (cx, cy), rotated by `degrees`. */
export function quad(cx: number, cy: number, w: number, h: number, degrees = 0): Point[] {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  return [
    [-w / 2, -h / 2],
    [w / 2, -h / 2],
    [w / 2, h / 2],
    [-w / 2, h / 2],
  ].map(([x, y]) => [cx + x! * cos - y! * sin, cy + x! * sin + y! * cos] as const);
}

// ---- degradations -------------------------------------------------------------------------------

/** mulberry32, seeded: reproducible noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian sensor noise with standard deviation `sigma` (grey levels). */
export function addNoise(img: GrayImage, sigma: number, seed = 1): GrayImage {
  const random = seededRandom(seed);
  const data = new Uint8ClampedArray(img.data.length);
  for (let i = 0; i < data.length; i += 2) {
    // Box–Muller: two normal samples per pair of uniforms.
    const r = Math.sqrt(-2 * Math.log(random() || 1e-12));
    const t = 2 * Math.PI * random();
    data[i] = img.data[i]! + sigma * r * Math.cos(t);
    if (i + 1 < data.length) data[i + 1] = img.data[i + 1]! + sigma * r * Math.sin(t);
  }
  return { width: img.width, height: img.height, data };
}

/** Soft focus: a separable box blur of the given radius (3 passes ≈ Gaussian). */
export function blur(img: GrayImage, radius: number, passes = 2): GrayImage {
  let cur: Float32Array = Float32Array.from(img.data);
  const { width, height } = img;
  const pass = (input: Float32Array, horizontal: boolean): Float32Array => {
    const out = new Float32Array(input.length);
    const n = horizontal ? width : height;
    const lines = horizontal ? height : width;
    for (let l = 0; l < lines; l += 1) {
      const at = (k: number): number => input[horizontal ? l * width + Math.min(n - 1, Math.max(0, k)) : Math.min(n - 1, Math.max(0, k)) * width + l]!;
      let sum = 0;
      for (let k = -radius; k <= radius; k += 1) sum += at(k);
      for (let k = 0; k < n; k += 1) {
        out[horizontal ? l * width + k : k * width + l] = sum / (2 * radius + 1);
        sum += at(k + radius + 1) - at(k - radius);
      }
    }
    return out;
  };
  for (let p = 0; p < passes; p += 1) cur = pass(pass(cur, true), false);
  return { width, height, data: Uint8ClampedArray.from(cur) };
}

/** Lost contrast (glare, a dim phone screen): black maps to `low`, white to `high`. */
export function reduceContrast(img: GrayImage, low: number, high: number): GrayImage {
  const data = img.data.map((v) => low + ((high - low) * v) / 255);
  return { width: img.width, height: img.height, data };
}

/** A counter seen by a camera: a soft diagonal light gradient with a few darker blotches. */
export function counterBackground(width: number, height: number, seed = 7): GrayImage {
  const random = seededRandom(seed);
  const blotches = Array.from({ length: 6 }, () => ({ x: random() * width, y: random() * height, r: 30 + random() * 90, depth: 20 + random() * 50 }));
  const data = new Uint8ClampedArray(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let v = 150 + (60 * (x + y)) / (width + height);
      for (const b of blotches) {
        const d2 = (x - b.x) ** 2 + (y - b.y) ** 2;
        if (d2 < b.r * b.r) v -= b.depth * (1 - Math.sqrt(d2) / b.r);
      }
      data[y * width + x] = v;
    }
  }
  return { width, height, data };
}

export interface CameraFrameOptions {
  readonly width?: number;
  readonly height?: number;
  /** Pixels per module as the camera sees it (may be fractional). Default 4. */
  readonly moduleSize?: number;
  /** Rotation in degrees. */
  readonly angle?: number;
  /** Perspective: the code's far edge shrinks by this fraction (0 = square on). */
  readonly tilt?: number;
  /** Where the code's centre is, as a fraction of the frame. Default (0.5, 0.5). */
  readonly center?: Point;
  readonly blurRadius?: number;
  /** Contrast range after capture, e.g. [70, 190]. */
  readonly contrast?: readonly [number, number];
  readonly noise?: number;
  readonly seed?: number;
  readonly ecLevel?: EcLevel;
  readonly utf8?: boolean;
  /** Background: the counter (default) or plain white. */
  readonly background?: 'counter' | 'white';
}

/** A camera frame (default 640 × 480) showing a phone or card with the QR code for `text`. */
export function cameraFrame(text: string, options: CameraFrameOptions = {}): GrayImage {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const matrix = qrMatrix(text, { ecLevel: options.ecLevel ?? 'M', utf8: options.utf8 ?? false });
  // Draw crisp at 8 px per module, then let the warp bring it to the size the camera sees.
  const flat = renderQr(matrix, { moduleSize: 8, quietZone: 4 });
  const side = ((matrix.size + 8) * (options.moduleSize ?? 4));
  const [fx, fy] = options.center ?? [0.5, 0.5];
  const corners = quad(fx * width, fy * height, side, side, options.angle ?? 0);
  const tilt = options.tilt ?? 0;
  if (tilt !== 0) {
    // Pull the top edge's corners towards each other: the top of the phone leans away.
    const [tl, tr] = [corners[0]!, corners[1]!];
    const mx = (tl[0] + tr[0]) / 2;
    const my = (tl[1] + tr[1]) / 2;
    corners[0] = [mx + (tl[0] - mx) * (1 - tilt), my + (tl[1] - my) * (1 - tilt)];
    corners[1] = [mx + (tr[0] - mx) * (1 - tilt), my + (tr[1] - my) * (1 - tilt)];
  }
  const background = options.background === 'white' ? 255 : counterBackground(width, height, (options.seed ?? 1) + 100);
  let img = warpOnto(flat, corners, width, height, background);
  if (options.blurRadius) img = blur(img, options.blurRadius);
  if (options.contrast) img = reduceContrast(img, options.contrast[0], options.contrast[1]);
  if (options.noise) img = addNoise(img, options.noise, options.seed ?? 1);
  return img;
}

// ---- output -------------------------------------------------------------------------------------

/** Grey to RGBA bytes (what a canvas or pngjs gives). `alpha` < 255 everywhere tests compositing. */
export function toRgba(img: GrayImage, alpha = 255): Uint8ClampedArray {
  const out = new Uint8ClampedArray(img.data.length * 4);
  for (let i = 0; i < img.data.length; i += 1) {
    const v = img.data[i]!;
    out[4 * i] = v;
    out[4 * i + 1] = v;
    out[4 * i + 2] = v;
    out[4 * i + 3] = alpha;
  }
  return out;
}

export type PngColor = 'gray' | 'rgb' | 'rgba';

/** A PNG file of the image: 8-bit greyscale, RGB or RGBA (pngjs). */
export function pngBytes(img: GrayImage, color: PngColor = 'gray'): Buffer {
  const png = new PNG({ width: img.width, height: img.height, colorType: color === 'gray' ? 0 : color === 'rgb' ? 2 : 6, inputColorType: 6, inputHasAlpha: true });
  png.data = Buffer.from(toRgba(img).buffer);
  return PNG.sync.write(png, { colorType: color === 'gray' ? 0 : color === 'rgb' ? 2 : 6, inputColorType: 6, inputHasAlpha: true });
}

export function writePng(path: string, img: GrayImage, color: PngColor = 'gray'): string {
  writeFileSync(path, pngBytes(img, color));
  return path;
}

// ---- JPEG ---------------------------------------------------------------------------------------

/** Turned a quarter turn (clockwise on screen, or anticlockwise), pixel for pixel: no resampling. */
export function turn90(img: GrayImage, clockwise = true): GrayImage {
  const { width: w, height: h } = img;
  const data = new Uint8ClampedArray(w * h);
  // The turned picture is h wide and w tall; (x, y) in it comes from the stored pixel named below.
  for (let y = 0; y < w; y += 1) {
    for (let x = 0; x < h; x += 1) data[y * h + x] = clockwise ? img.data[(h - 1 - x) * w + y]! : img.data[x * w + (w - 1 - y)]!;
  }
  return { width: h, height: w, data };
}

/** Mirrored left to right (a selfie camera's picture). */
export function mirror(img: GrayImage): GrayImage {
  const data = new Uint8ClampedArray(img.data.length);
  for (let y = 0; y < img.height; y += 1) {
    for (let x = 0; x < img.width; x += 1) data[y * img.width + x] = img.data[y * img.width + (img.width - 1 - x)]!;
  }
  return { width: img.width, height: img.height, data };
}

export interface JpegOptions {
  /** 1–100 on the IJG scale (libjpeg's, and jpeg-js's). Default 85. */
  readonly quality?: number;
  /**
   * - `baseline`: jpeg-js's encoder (YCbCr, 4:4:4), an encoder independent of the decoder's tests;
   * - `progressive`: SOF2, a DC scan then AC bands 1–5 and 6–63 for each component (spectral
   *   selection, what `cjpeg -progressive` starts with), from the small encoder below;
   * - `baseline-gray` / `progressive-gray`: one component (a greyscale JPEG), the small encoder.
   */
  readonly mode?: 'baseline' | 'progressive' | 'baseline-gray' | 'progressive-gray';
  /** An EXIF Orientation tag (1–8) in an APP1 segment; the pixels are stored as given. */
  readonly orientation?: number;
}

/** A JPEG file of the image. */
export function jpegBytes(img: GrayImage, options: JpegOptions = {}): Buffer {
  const quality = options.quality ?? 85;
  const mode = options.mode ?? 'baseline';
  const file =
    mode === 'baseline'
      ? Buffer.from(jpeg.encode({ width: img.width, height: img.height, data: Buffer.from(toRgba(img).buffer) }, quality).data)
      : encodeJpeg(img, quality, mode.startsWith('progressive'), mode.endsWith('gray') ? 1 : 3);
  return options.orientation === undefined ? file : withExifOrientation(file, options.orientation);
}

export function writeJpeg(path: string, img: GrayImage, options: JpegOptions = {}): string {
  writeFileSync(path, jpegBytes(img, options));
  return path;
}

/** The file with an APP1 "Exif" segment holding only an Orientation tag, right after SOI. */
export function withExifOrientation(file: Uint8Array, orientation: number): Buffer {
  if (file[0] !== 0xff || file[1] !== 0xd8) throw new RangeError('not a JPEG');
  // Big-endian TIFF: header (8), one IFD entry (2 + 12), no next IFD (4).
  const tiff = Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, orientation >> 8, orientation & 0xff, 0, 0, 0, 0, 0, 0]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const segment = Buffer.concat([Buffer.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
  return Buffer.concat([file.subarray(0, 2), segment, file.subarray(2)]);
}

// ITU T.81 Annex K: the example quantisation tables (natural order) and Huffman tables.
const K1_LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const K2_CHROMINANCE = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, ...Array<number>(32).fill(99),
];
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45,
  38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
// prettier-ignore
const AC_VALUES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
  0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
  0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
  0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
  0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
  0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];

type HuffmanCodes = ReadonlyMap<number, { readonly code: number; readonly length: number }>;

/** Canonical codes from a DHT's bit counts and values (ITU T.81 Annex C). */
function huffmanCodes(bits: readonly number[], values: readonly number[]): HuffmanCodes {
  const codes = new Map<number, { code: number; length: number }>();
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length += 1) {
    for (let i = 0; i < bits[length - 1]!; i += 1) codes.set(values[k++]!, { code: code++, length });
    code <<= 1;
  }
  return codes;
}

/** IJG quality scaling of a base table, in zigzag order as a DQT carries it. */
function quantTable(base: readonly number[], quality: number): number[] {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return ZIGZAG.map((natural) => Math.min(255, Math.max(1, Math.floor((base[natural]! * scale + 50) / 100))));
}

class BitWriter {
  private readonly bytes: number[] = [];
  private buffer = 0;
  private count = 0;
  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i -= 1) {
      this.buffer = (this.buffer << 1) | ((value >> i) & 1);
      this.count += 1;
      if (this.count === 8) {
        this.bytes.push(this.buffer);
        // A 0xFF in entropy-coded data is followed by a stuffed 0x00 (it is not a marker).
        if (this.buffer === 0xff) this.bytes.push(0);
        this.buffer = 0;
        this.count = 0;
      }
    }
  }
  /** Pads the last byte with 1-bits, as the standard says, and hands the bytes over. */
  finish(): number[] {
    if (this.count > 0) this.write(0x7f, 8 - this.count);
    return this.bytes;
  }
}

const magnitude = (v: number): number => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));
const extraBits = (v: number, size: number): number => (v >= 0 ? v : v + (1 << size) - 1);

/** The quantised 8 × 8 blocks of one plane (edges padded by repeating the last row and column), each in zigzag order. */
function planeBlocks(plane: Float64Array, width: number, height: number, table: readonly number[]): Int32Array[] {
  const cos = Array.from({ length: 8 }, (_, x) => Array.from({ length: 8 }, (_, u) => Math.cos(((2 * x + 1) * u * Math.PI) / 16)));
  const c = (u: number): number => (u === 0 ? Math.SQRT1_2 : 1);
  const blocks: Int32Array[] = [];
  for (let by = 0; by < Math.ceil(height / 8); by += 1) {
    for (let bx = 0; bx < Math.ceil(width / 8); bx += 1) {
      const f = (x: number, y: number): number => plane[Math.min(height - 1, by * 8 + y) * width + Math.min(width - 1, bx * 8 + x)]! - 128;
      // The 2-D DCT-II as two 1-D passes: down the columns, then along the rows.
      const columns = new Float64Array(64);
      for (let v = 0; v < 8; v += 1) {
        for (let x = 0; x < 8; x += 1) {
          let sum = 0;
          for (let y = 0; y < 8; y += 1) sum += f(x, y) * cos[y]![v]!;
          columns[v * 8 + x] = sum;
        }
      }
      const natural = new Float64Array(64);
      for (let v = 0; v < 8; v += 1) {
        for (let u = 0; u < 8; u += 1) {
          let sum = 0;
          for (let x = 0; x < 8; x += 1) sum += columns[v * 8 + x]! * cos[x]![u]!;
          natural[v * 8 + u] = (c(u) * c(v) * sum) / 4;
        }
      }
      blocks.push(Int32Array.from(ZIGZAG, (n, k) => Math.round(natural[n]! / table[k]!)));
    }
  }
  return blocks;
}

/**
 * A small JPEG encoder for test pictures: 8-bit, 4:4:4, the Annex K tables; baseline (SOF0, one
 * interleaved scan) or progressive (SOF2, spectral selection only: an interleaved DC scan, then
 * for each component AC 1–5 and AC 6–63 with an EOB after each block's band).
 */
function encodeJpeg(img: GrayImage, quality: number, progressive: boolean, components: 1 | 3): Buffer {
  const { width, height } = img;
  const tables = [quantTable(K1_LUMINANCE, quality), quantTable(K2_CHROMINANCE, quality)];
  // Grey pixels are Y = grey, Cb = Cr = 128 (BT.601, full range as JFIF has it).
  const luma = Float64Array.from(img.data);
  const chroma = new Float64Array(width * height).fill(128);
  const planes = components === 1 ? [planeBlocks(luma, width, height, tables[0]!)] : [planeBlocks(luma, width, height, tables[0]!), planeBlocks(chroma, width, height, tables[1]!), planeBlocks(chroma, width, height, tables[1]!)];
  const dc = huffmanCodes(DC_BITS, DC_VALUES);
  const ac = huffmanCodes(AC_BITS, AC_VALUES);
  const emit = (w: BitWriter, codes: HuffmanCodes, symbol: number): void => {
    const c = codes.get(symbol);
    if (!c) throw new RangeError(`no Huffman code for symbol 0x${symbol.toString(16)}`);
    w.write(c.code, c.length);
  };
  const codeDc = (w: BitWriter, diff: number): void => {
    const size = magnitude(diff);
    emit(w, dc, size);
    if (size > 0) w.write(extraBits(diff, size), size);
  };
  const codeAc = (w: BitWriter, block: Int32Array, from: number, to: number): void => {
    let run = 0;
    for (let k = from; k <= to; k += 1) {
      const v = block[k]!;
      if (v === 0) {
        run += 1;
        continue;
      }
      for (; run > 15; run -= 16) emit(w, ac, 0xf0);
      const size = magnitude(v);
      emit(w, ac, (run << 4) | size);
      w.write(extraBits(v, size), size);
      run = 0;
    }
    // EOB (in a progressive scan the same symbol is EOBRUN = 1).
    if (run > 0) emit(w, ac, 0x00);
  };

  const out: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: readonly number[]): void => {
    out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
  };
  segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  segment(0xdb, [0x00, ...tables[0]!, ...(components === 3 ? [0x01, ...tables[1]!] : [])]);
  const ids = components === 1 ? [1] : [1, 2, 3];
  segment(progressive ? 0xc2 : 0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, components, ...ids.flatMap((id) => [id, 0x11, id === 1 ? 0 : 1])]);
  segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES, 0x10, ...AC_BITS, ...AC_VALUES]);
  const scan = (selected: readonly number[], ss: number, se: number, code: (w: BitWriter) => void): void => {
    segment(0xda, [selected.length, ...selected.flatMap((i) => [ids[i]!, 0x00]), ss, se, 0]);
    const w = new BitWriter();
    code(w);
    for (const byte of w.finish()) out.push(byte);
  };
  const all = ids.map((_, i) => i);
  const blockCount = planes[0]!.length;
  if (!progressive) {
    scan(all, 0, 63, (w) => {
      const predictors = all.map(() => 0);
      for (let b = 0; b < blockCount; b += 1) {
        for (const i of all) {
          const block = planes[i]![b]!;
          codeDc(w, block[0]! - predictors[i]!);
          predictors[i] = block[0]!;
          codeAc(w, block, 1, 63);
        }
      }
    });
  } else {
    scan(all, 0, 0, (w) => {
      const predictors = all.map(() => 0);
      for (let b = 0; b < blockCount; b += 1) {
        for (const i of all) {
          codeDc(w, planes[i]![b]![0]! - predictors[i]!);
          predictors[i] = planes[i]![b]![0]!;
        }
      }
    });
    for (const [ss, se] of [[1, 5], [6, 63]] as const) {
      for (const i of all) scan([i], ss, se, (w) => planes[i]!.forEach((block) => codeAc(w, block, ss, se)));
    }
  }
  out.push(0xff, 0xd9);
  return Buffer.from(out);
}

/**
 * A Y4M video (what Chromium's `--use-file-for-fake-video-capture` plays, looping): 4:2:0, the
 * frames as the Y plane and neutral chroma (128), so the camera sees exactly these grey levels.
 */
export function y4m(frames: readonly GrayImage[], fps = 10): Buffer {
  const first = frames[0];
  if (!first) throw new RangeError('a video needs at least one frame');
  const { width, height } = first;
  if (width % 2 !== 0 || height % 2 !== 0) throw new RangeError('4:2:0 needs an even width and height');
  const chroma = (width / 2) * (height / 2);
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`, 'ascii')];
  for (const frame of frames) {
    if (frame.width !== width || frame.height !== height) throw new RangeError('all frames must be the same size');
    parts.push(Buffer.from('FRAME\n', 'ascii'), Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), Buffer.alloc(chroma * 2, 128));
  }
  return Buffer.concat(parts);
}

/**
 * QR pictures for tests and the benchmark: a code from @zxing/library's QRCodeWriter, drawn at a
 * chosen module size with a quiet zone, then put through what a counter camera does to it —
 * rotation, scale, perspective (one homography, sampled bilinearly with 2 × 2 supersampling),
 * soft focus, lost contrast, sensor noise — onto a frame of a given size. Everything is seeded:
 * the same options give the same pixels. Output as luminance, RGBA, PNG or Y4M (Chromium's fake camera).
 */
import { writeFileSync } from 'node:fs';
import { BarcodeFormat, EncodeHintType, QRCodeWriter } from '@zxing/library';
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

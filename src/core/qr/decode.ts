/**
 * QR decoding from a luminance frame with @zxing/library (pure JavaScript, so it may live in core
 * and run the same in the browser camera reader and in Node for image files).
 *
 * The decoder never throws for what is in a picture: a frame with no code, a damaged code, or a
 * library bug on odd input all come back as `{ ok: false }` — a camera loop calls this 10–30 times
 * a second and one bad frame must not stop it. It throws only for a malformed frame (see
 * luminance.ts: wrong length, which is how RGBA bytes passed by mistake are caught).
 */
import {
  BinaryBitmap,
  DecodeHintType,
  GlobalHistogramBinarizer,
  HybridBinarizer,
  InvertedLuminanceSource,
  NotFoundException,
  QRCodeReader,
  ResultMetadataType,
  RGBLuminanceSource,
  type Binarizer,
  type LuminanceSource,
  type Result,
} from '@zxing/library';
import { halveFrame, rotateFrame180, smoothFrame, type LuminanceFrame } from './luminance.js';

/**
 * - `not-found`: no QR code in the frame (the usual answer for a camera pointed at the counter);
 * - `unreadable`: a code was found but could not be read (blur, glare, a torn printout) — worth
 *   telling the cashier "hold it steady".
 */
export type QrProblem = 'not-found' | 'unreadable';

export interface QrPoint {
  readonly x: number;
  readonly y: number;
}

export type QrDecodeResult =
  | {
      readonly ok: true;
      readonly text: string;
      /** The payload bytes of byte-mode segments, as encoded (UTF-8 when the code says so by ECI). */
      readonly byteSegments: readonly Uint8Array[];
      /** Error-correction level: L, M, Q or H. */
      readonly ecLevel: string | null;
      /** Finder (and alignment) pattern centres, in the frame's pixel coordinates. */
      readonly points: readonly QrPoint[];
      /** Which attempt read it (see QrDecoder): for tests and tuning. */
      readonly attempt: QrAttempt;
    }
  | { readonly ok: false; readonly problem: QrProblem };

/**
 * The attempts, in order; the first that reads a code wins.
 * - `hybrid`: local-threshold binarizer, the right one for camera frames (uneven light);
 * - `turned`: the same on the frame turned 180°. @zxing/library scans rows from the top and stops
 *   at the first three finder-like shapes it confirms; a data pattern that mimics a finder above
 *   the real third one ends its search (zxing-js/library#653: clean codes that do not decode).
 *   From the other end the order differs;
 * - `half`: a 2 × 2-averaged half-size frame (large modules, noise);
 * - `smooth`: a 3 × 3-smoothed frame (sensor noise breaks the 1:1:3:1:1 run-length check);
 * - `global`: one histogram threshold for the whole frame (low contrast, soft focus);
 * - `inverted`: light modules on dark (some phone wallets in dark mode). Not in the default list:
 *   it costs a pass on every empty frame, and member codes are dark on light.
 */
export type QrAttempt = 'hybrid' | 'turned' | 'half' | 'smooth' | 'global' | 'inverted';

export const DEFAULT_ATTEMPTS: readonly QrAttempt[] = ['hybrid', 'turned', 'half', 'smooth', 'global'];

export interface QrDecoderOptions {
  /** Attempts in order (default DEFAULT_ATTEMPTS). A camera loop that must stay cheap can pass fewer. */
  readonly attempts?: readonly QrAttempt[];
  /** @zxing/library's TRY_HARDER: scans every row for finder patterns (slower; default true). */
  readonly tryHarder?: boolean;
}

/** Maps a point found in the (transformed) attempt frame back to the caller's frame. */
type PointMap = (x: number, y: number) => QrPoint;
type Outcome = Result | QrProblem;
const same: PointMap = (x, y) => ({ x, y });

/** Reusable: one per camera or image scanner (it keeps its reader and hints). */
export class QrDecoder {
  private readonly reader = new QRCodeReader();
  private readonly hints = new Map<DecodeHintType, unknown>();
  readonly attempts: readonly QrAttempt[];

  constructor(options: QrDecoderOptions = {}) {
    this.attempts = options.attempts ?? DEFAULT_ATTEMPTS;
    if (this.attempts.length === 0) throw new RangeError('a QR decoder needs at least one attempt');
    if (options.tryHarder ?? true) this.hints.set(DecodeHintType.TRY_HARDER, true);
  }

  decode(frame: LuminanceFrame): QrDecodeResult {
    if (frame.luminance.length !== frame.width * frame.height) {
      throw new RangeError(`a ${frame.width}×${frame.height} luminance frame has ${frame.width * frame.height} bytes, got ${frame.luminance.length} (RGBA? use rgbaToLuminance)`);
    }
    let sawCode = false;
    let half: LuminanceFrame | null | undefined;
    for (const attempt of this.attempts) {
      let outcome: Outcome;
      let map = same;
      switch (attempt) {
        case 'hybrid':
          outcome = this.tryOnce(new HybridBinarizer(sourceOf(frame)));
          break;
        case 'turned':
          outcome = this.tryOnce(new HybridBinarizer(sourceOf(rotateFrame180(frame))));
          map = (x, y) => ({ x: frame.width - x, y: frame.height - y });
          break;
        case 'half':
          if (half === undefined) half = halveFrame(frame);
          if (half === null) continue;
          outcome = this.tryOnce(new HybridBinarizer(sourceOf(half)));
          map = (x, y) => ({ x: 2 * x, y: 2 * y });
          break;
        case 'smooth':
          outcome = this.tryOnce(new HybridBinarizer(sourceOf(smoothFrame(frame))));
          break;
        case 'global':
          outcome = this.tryOnce(new GlobalHistogramBinarizer(sourceOf(frame)));
          break;
        case 'inverted':
          outcome = this.tryOnce(new HybridBinarizer(new InvertedLuminanceSource(sourceOf(frame))));
          break;
      }
      if (typeof outcome === 'string') {
        if (outcome === 'unreadable') sawCode = true;
        continue;
      }
      return success(outcome, map, attempt);
    }
    return { ok: false, problem: sawCode ? 'unreadable' : 'not-found' };
  }

  private tryOnce(binarizer: Binarizer): Outcome {
    try {
      return this.reader.decode(new BinaryBitmap(binarizer), this.hints);
    } catch (error) {
      if (error instanceof NotFoundException) return 'not-found';
      // Found but not read: ChecksumException (too many damaged modules), FormatException (bad
      // version or format information) — or the library tripping over odd input (index errors and
      // the like), which is a bad frame too, not a reason to stop the camera.
      return 'unreadable';
    }
  }
}

function sourceOf(frame: LuminanceFrame): LuminanceSource {
  return new RGBLuminanceSource(frame.luminance, frame.width, frame.height);
}

function success(result: Result, map: PointMap, attempt: QrAttempt): QrDecodeResult {
  const metadata = result.getResultMetadata();
  const segments = metadata?.get(ResultMetadataType.BYTE_SEGMENTS);
  const ec = metadata?.get(ResultMetadataType.ERROR_CORRECTION_LEVEL);
  return {
    ok: true,
    text: result.getText(),
    byteSegments: Array.isArray(segments) ? segments.filter((s): s is Uint8Array => s instanceof Uint8Array) : [],
    ecLevel: ec === undefined || ec === null ? null : String(ec),
    points: (result.getResultPoints() ?? []).map((p) => map(p.getX(), p.getY())),
    attempt,
  };
}

/** One-off decode with the default attempts (a new reader each call: use QrDecoder in loops). */
export function decodeQr(frame: LuminanceFrame, options?: QrDecoderOptions): QrDecodeResult {
  return new QrDecoder(options).decode(frame);
}

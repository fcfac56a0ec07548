/**
 * QR codes from image files in Node: a photo a member sent, a screenshot, a test fixture. The only
 * file that loads the picture decoders: pngjs for PNG, jpeg-js (pure JavaScript, baseline and
 * progressive JPEG) for JPEG. Both hand back RGBA bytes, which are converted to one luminance byte
 * per pixel before decoding (see core/qr/luminance.ts for why feeding RGBA straight to the QR
 * decoder fails silently); a JPEG's EXIF orientation is then applied (core/qr/orientation.ts).
 *
 * Hazards handled here:
 * - A picture is untrusted input. Its format and size are read from its headers first
 *   (image-format.ts) and it is refused before decoding when it is too big: a small PNG or JPEG
 *   can declare tens of thousands of pixels a side, and decoding allocates 4 bytes per pixel.
 *   Files are size-checked before they are read.
 * - Decoders throw on damaged files, with terse messages ("marker was not found"). Every failure
 *   becomes an ImageFileError with a problem, a message a person can act on (the decoder's words
 *   only in brackets) and a device error code; nothing else is thrown out of this file's
 *   `decode*` functions, so a bad picture is an 'error' event, never a stack trace.
 * - Other formats are named (GIF, WebP, HEIC from an iPhone, …) so the refusal says what to do.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { QrDecoder, type QrDecodeResult } from '../../../core/qr/decode.js';
import { rgbaToLuminance, type LuminanceFrame } from '../../../core/qr/luminance.js';
import { orientFrame } from '../../../core/qr/orientation.js';
import type { DeviceErrorCode } from '../device.js';
import type { ScanEvent } from '../scan-event.js';
import { FORMAT_NAMES, sniffPicture, type PictureHeader } from './image-format.js';

export type ImageProblem =
  /** No QR code in the picture. */
  | 'not-found'
  /** A code is there but could not be read (blurred, cut off, damaged). */
  | 'unreadable'
  /** Not a PNG or JPEG (other formats are named), a kind of JPEG that cannot be decoded, or a damaged file. */
  | 'unsupported-format'
  /** More bytes or pixels than a picture may have (ImageLimits): refused before decoding. */
  | 'too-large'
  /** The file could not be read at all. */
  | 'io';

export class ImageFileError extends Error {
  constructor(
    readonly problem: ImageProblem,
    message: string,
    readonly deviceCode: DeviceErrorCode,
  ) {
    super(message);
    this.name = 'ImageFileError';
  }
}

export type ImageScanOutcome =
  | { readonly ok: true; readonly scan: ScanEvent; readonly decoded: Extract<QrDecodeResult, { ok: true }> }
  | { readonly ok: false; readonly problem: ImageProblem; readonly message: string; readonly deviceCode: DeviceErrorCode };

/**
 * The largest picture read. A phone photo is 12 megapixels (4032 × 3024) and 2–6 MB; 25 MP takes a
 * 24 MP camera's photos too. Decoding costs about 4–14 bytes per pixel while it runs (RGBA out,
 * plus a JPEG's coefficients), so these bound a scan's memory to a few hundred MB at most.
 */
export interface ImageLimits {
  /** File size in bytes. */
  readonly maxBytes: number;
  /** width × height. */
  readonly maxPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxBytes: 32 * 1024 * 1024, maxPixels: 25_000_000 };

/** jpeg-js's own ceiling on what it allocates, a second guard behind the pixel limit. */
const JPEG_MAX_MEMORY_MB = 512;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const megapixels = (pixels: number): string => `${(pixels / 1e6).toFixed(pixels < 10e6 ? 1 : 0)} megapixels`;
const MIB = 1024 * 1024;
const sizeText = (bytes: number): string => (bytes < MIB ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0)} MB`);

function resolveLimits(limits: Partial<ImageLimits> = {}): ImageLimits {
  const resolved = { ...DEFAULT_IMAGE_LIMITS, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`image limits: ${name} must be a positive whole number (got ${String(value)})`);
  }
  return resolved;
}

const tooLargeFile = (name: string, size: number, limits: ImageLimits): ImageFileError =>
  new ImageFileError('too-large', `${name} is ${sizeText(size)}, more than the ${sizeText(limits.maxBytes)} a picture may be — send a screenshot or a smaller photo`, 'overflow');

/** Why a PNG or JPEG cannot be scanned, from its header alone; null when it can be decoded. */
function refusal(header: PictureHeader, name: string, limits: ImageLimits): ImageFileError | null {
  const pixels = header.width * header.height;
  if (pixels > limits.maxPixels) {
    return new ImageFileError(
      'too-large',
      `${name} is ${header.width}×${header.height} pixels (${megapixels(pixels)}), more than the ${megapixels(limits.maxPixels)} a picture may have — send a screenshot or a smaller photo`,
      'overflow',
    );
  }
  if (header.format === 'jpeg') {
    // jpeg-js decodes Huffman-coded DCT frames (SOF0–2) with 8-bit samples; the rest would be
    // refused by it with "unknown JPEG marker c3" or decoded wrongly (12-bit).
    const decodable = header.process === 'baseline' || header.process === 'extended' || header.process === 'progressive';
    if (!decodable || header.precision !== 8) {
      const kind = decodable ? `${header.precision}-bit` : header.process === 'arithmetic' ? 'arithmetic-coded' : header.process;
      return new ImageFileError('unsupported-format', `${name} is a ${kind} JPEG, which cannot be read — save it again as an ordinary JPEG or as PNG`, 'garbage');
    }
  }
  return null;
}

function decodePng(bytes: Uint8Array, name: string): LuminanceFrame {
  let png: { width: number; height: number; data: Buffer };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ImageFileError('unsupported-format', `${name} is a damaged PNG (${messageOf(error)})`, 'garbage');
  }
  // pngjs gives 8-bit RGBA for every colour type: four bytes per pixel, never luminance.
  return rgbaToLuminance(png.data, png.width, png.height);
}

function decodeJpeg(bytes: Uint8Array, name: string, header: Extract<PictureHeader, { format: 'jpeg' }>, limits: ImageLimits): LuminanceFrame {
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      // Phones and old encoders write MCU counts a little off; jpeg-js skips blocks outside the frame.
      tolerantDecoding: true,
      maxResolutionInMP: limits.maxPixels / 1e6,
      maxMemoryUsageInMB: JPEG_MAX_MEMORY_MB,
    });
  } catch (error) {
    const detail = messageOf(error);
    if (/maxMemoryUsageInMB|maxResolutionInMP|allocate enough memory/.test(detail)) {
      return tooLargeJpeg(name, header);
    }
    throw new ImageFileError('unsupported-format', `${name} is a JPEG that could not be read: the file is damaged or cut short — send the picture again (${detail})`, 'garbage');
  }
  if (image.width !== header.width || image.height !== header.height) {
    throw new ImageFileError('unsupported-format', `${name} is a JPEG that could not be read: its header says ${header.width}×${header.height}, its data ${image.width}×${image.height}`, 'garbage');
  }
  return orientFrame(rgbaToLuminance(image.data, image.width, image.height), header.orientation);
}

function tooLargeJpeg(name: string, header: PictureHeader): never {
  throw new ImageFileError('too-large', `${name} (${header.width}×${header.height} pixels) needs more memory to decode than a picture may use — send a screenshot or a smaller photo`, 'overflow');
}

/**
 * Decodes PNG or JPEG bytes to a luminance frame, upright as the picture is meant to be shown.
 * Throws ImageFileError — and only that — for anything else, a damaged file or an oversized one.
 */
export function imageBytesToLuminance(bytes: Uint8Array, name = 'the image', limits: Partial<ImageLimits> = {}): LuminanceFrame {
  const resolved = resolveLimits(limits);
  if (bytes.length > resolved.maxBytes) throw tooLargeFile(name, bytes.length, resolved);
  const sniffed = sniffPicture(bytes);
  if (!sniffed.ok) {
    switch (sniffed.kind) {
      case 'other-format': {
        const advice = sniffed.format === 'heic' ? 'share it from the phone as JPEG ("Most Compatible")' : 'save it as PNG or JPEG';
        throw new ImageFileError('unsupported-format', `${name} is ${FORMAT_NAMES[sniffed.format]}: only PNG and JPEG pictures can be scanned — ${advice}`, 'garbage');
      }
      case 'unknown':
        throw new ImageFileError('unsupported-format', `${name} is not a picture: only PNG and JPEG pictures can be scanned`, 'garbage');
      case 'damaged':
        throw new ImageFileError(
          'unsupported-format',
          sniffed.format === 'png' ? `${name} is a damaged PNG (${sniffed.reason})` : `${name} is a JPEG that could not be read: the file is damaged or cut short — send the picture again (${sniffed.reason})`,
          'garbage',
        );
    }
  }
  const { header } = sniffed;
  const refused = refusal(header, name, resolved);
  if (refused) throw refused;
  try {
    return header.format === 'png' ? decodePng(bytes, name) : decodeJpeg(bytes, name, header, resolved);
  } catch (error) {
    if (error instanceof ImageFileError) throw error;
    // A decoder tripping over input its checks let through (or a size it got wrong): still a bad picture.
    throw new ImageFileError('unsupported-format', `${name} could not be decoded as ${FORMAT_NAMES[header.format]} (${messageOf(error)})`, 'garbage');
  }
}

function ioError(error: unknown, path: string): ImageFileError {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return new ImageFileError('io', `no such picture: ${path}`, 'not-found');
  if (code === 'EACCES' || code === 'EPERM') return new ImageFileError('io', `not allowed to read ${path}`, 'permission-denied');
  if (code === 'EISDIR') return new ImageFileError('io', `${path} is a folder, not a picture`, 'not-found');
  return new ImageFileError('io', `could not read ${path}: ${messageOf(error)}`, 'io');
}

/** A file's bytes, refused by size before they are read (a 2 GB "photo" is never loaded). */
async function readPictureBytes(path: string, limits: ImageLimits): Promise<Buffer> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw ioError(error, path);
  }
  try {
    let stats: Stats;
    try {
      stats = await handle.stat();
    } catch (error) {
      throw ioError(error, path);
    }
    if (stats.isDirectory()) throw new ImageFileError('io', `${path} is a folder, not a picture`, 'not-found');
    if (!stats.isFile()) throw new ImageFileError('io', `${path} is not a picture file`, 'not-found');
    if (stats.size > limits.maxBytes) throw tooLargeFile(basename(path), stats.size, limits);
    try {
      return await handle.readFile();
    } catch (error) {
      throw ioError(error, path);
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

export async function readImageFile(path: string, limits: Partial<ImageLimits> = {}): Promise<LuminanceFrame> {
  const resolved = resolveLimits(limits);
  return imageBytesToLuminance(await readPictureBytes(path, resolved), basename(path), resolved);
}

export interface DecodeImageOptions {
  readonly deviceId?: string;
  /** Reuse one decoder for many files. */
  readonly decoder?: QrDecoder;
  readonly now?: () => number;
  /** The largest file and picture accepted (DEFAULT_IMAGE_LIMITS for what is not given). */
  readonly limits?: Partial<ImageLimits>;
}

/** A scan event from a decoded frame: `raw` is the text as UTF-8 (a picture has no wire bytes). */
export function scanFromDecoded(decoded: Extract<QrDecodeResult, { ok: true }>, deviceId: string, time: number): ScanEvent {
  return { text: decoded.text, raw: utf8ToBytes(decoded.text), symbology: 'qr', aimId: null, source: 'image', deviceId, time };
}

const notRead = (problem: 'not-found' | 'unreadable', name: string): ImageScanOutcome => ({
  ok: false,
  problem,
  message: problem === 'not-found' ? `no QR code found in ${name}` : `a QR code in ${name} could not be read — use a sharper, closer picture`,
  deviceCode: 'garbage',
});

const failed = (error: ImageFileError): ImageScanOutcome => ({ ok: false, problem: error.problem, message: error.message, deviceCode: error.deviceCode });

/** Decodes in-memory image bytes; never throws (every failure is an outcome with a message). */
export function decodeImageBytes(bytes: Uint8Array, name: string, options: DecodeImageOptions = {}): ImageScanOutcome {
  let frame: LuminanceFrame;
  try {
    frame = imageBytesToLuminance(bytes, name, options.limits);
  } catch (error) {
    if (error instanceof ImageFileError) return failed(error);
    throw error;
  }
  const decoded = (options.decoder ?? new QrDecoder()).decode(frame);
  if (!decoded.ok) return notRead(decoded.problem, name);
  return { ok: true, scan: scanFromDecoded(decoded, options.deviceId ?? 'image', (options.now ?? Date.now)()), decoded };
}

/** Reads and decodes one picture file; never throws (every failure is an outcome with a message). */
export async function decodeImageFile(path: string, options: DecodeImageOptions = {}): Promise<ImageScanOutcome> {
  let bytes: Buffer;
  try {
    bytes = await readPictureBytes(path, resolveLimits(options.limits));
  } catch (error) {
    if (error instanceof ImageFileError) return failed(error);
    throw error;
  }
  return decodeImageBytes(bytes, basename(path), options);
}

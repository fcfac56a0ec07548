/**
 * QR codes from image files in Node: a photo a member sent, a screenshot, a test fixture. PNG is
 * read with pngjs, which always hands back RGBA bytes (grey, palette and 16-bit files included);
 * those are converted to one luminance byte per pixel before decoding (see core/qr/luminance.ts
 * for why feeding RGBA straight to the decoder fails silently).
 *
 * JPEG is recognised and refused with a clear message: pngjs cannot read it and no JPEG decoder
 * is a dependency yet (jpeg-js would be the pure-JS choice).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { PNG } from 'pngjs';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { QrDecoder, type QrDecodeResult } from '../../../core/qr/decode.js';
import { rgbaToLuminance, type LuminanceFrame } from '../../../core/qr/luminance.js';
import type { DeviceErrorCode } from '../device.js';
import type { ScanEvent } from '../scan-event.js';

export type ImageProblem =
  /** No QR code in the picture. */
  | 'not-found'
  /** A code is there but could not be read (blurred, cut off, damaged). */
  | 'unreadable'
  /** Not a PNG (JPEG is recognised and named), or a damaged PNG. */
  | 'unsupported-format'
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

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean => magic.every((b, i) => bytes[i] === b);

/** Decodes PNG bytes to a luminance frame. Throws ImageFileError for anything else. */
export function imageBytesToLuminance(bytes: Uint8Array, name = 'the image'): LuminanceFrame {
  if (!startsWith(bytes, PNG_MAGIC)) {
    const what = startsWith(bytes, [0xff, 0xd8, 0xff]) ? 'a JPEG' : startsWith(bytes, [0x47, 0x49, 0x46]) ? 'a GIF' : 'not a PNG';
    throw new ImageFileError('unsupported-format', `${name} is ${what}: only PNG pictures can be scanned — save it as PNG`, 'garbage');
  }
  let png: { width: number; height: number; data: Buffer };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ImageFileError('unsupported-format', `${name} is a damaged PNG (${error instanceof Error ? error.message : String(error)})`, 'garbage');
  }
  // pngjs gives 8-bit RGBA for every colour type: four bytes per pixel, never luminance.
  return rgbaToLuminance(png.data, png.width, png.height);
}

function ioError(error: unknown, path: string): ImageFileError {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return new ImageFileError('io', `no such picture: ${path}`, 'not-found');
  if (code === 'EACCES' || code === 'EPERM') return new ImageFileError('io', `not allowed to read ${path}`, 'permission-denied');
  if (code === 'EISDIR') return new ImageFileError('io', `${path} is a folder, not a picture`, 'not-found');
  return new ImageFileError('io', `could not read ${path}: ${error instanceof Error ? error.message : String(error)}`, 'io');
}

export async function readImageFile(path: string): Promise<LuminanceFrame> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw ioError(error, path);
  }
  return imageBytesToLuminance(bytes, basename(path));
}

export interface DecodeImageOptions {
  readonly deviceId?: string;
  /** Reuse one decoder for many files. */
  readonly decoder?: QrDecoder;
  readonly now?: () => number;
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

/** Decodes in-memory image bytes; never throws. */
export function decodeImageBytes(bytes: Uint8Array, name: string, options: DecodeImageOptions = {}): ImageScanOutcome {
  let frame: LuminanceFrame;
  try {
    frame = imageBytesToLuminance(bytes, name);
  } catch (error) {
    if (error instanceof ImageFileError) return { ok: false, problem: error.problem, message: error.message, deviceCode: error.deviceCode };
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
    bytes = await readFile(path);
  } catch (error) {
    const e = ioError(error, path);
    return { ok: false, problem: e.problem, message: e.message, deviceCode: e.deviceCode };
  }
  return decodeImageBytes(bytes, basename(path), options);
}

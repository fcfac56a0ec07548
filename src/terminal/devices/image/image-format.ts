/**
 * What a picture file is, read from its first bytes and headers only, before anything is decoded:
 * the format (PNG and JPEG are read; the others are named so the refusal says what to do), the
 * size in pixels (so an oversized or hostile picture is refused before a decoder allocates memory
 * for it — a 100-byte PNG can claim 60000 × 60000 pixels), JPEG's coding process (jpeg-js reads
 * baseline, extended and progressive Huffman JPEG, not lossless or arithmetic-coded ones) and the
 * EXIF orientation of a phone photo.
 *
 * Pure byte parsing, no I/O and no decoder: everything here is bounds-checked and never throws;
 * a header that cannot be parsed is reported as `damaged` with the reason.
 */
import { isExifOrientation, type ExifOrientation } from '../../../core/qr/orientation.js';

/** Formats recognised by their magic bytes; only 'png' and 'jpeg' can be scanned. */
export type PictureFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'heic' | 'avif' | 'bmp' | 'tiff' | 'pdf';

/** How a JPEG frame is coded (its SOF marker): jpeg-js decodes the Huffman-coded DCT ones. */
export type JpegProcess = 'baseline' | 'extended' | 'progressive' | 'lossless' | 'hierarchical' | 'arithmetic';

export type PictureHeader =
  | { readonly format: 'png'; readonly width: number; readonly height: number }
  | {
      readonly format: 'jpeg';
      readonly width: number;
      readonly height: number;
      readonly process: JpegProcess;
      /** Bits per sample: 8 for nearly every JPEG; 12-bit ones exist (medical, some cameras' extended mode). */
      readonly precision: number;
      readonly components: number;
      /** From an EXIF APP1 segment before the frame; 1 when there is none or it is unreadable. */
      readonly orientation: ExifOrientation;
    };

export type SniffResult =
  | { readonly ok: true; readonly header: PictureHeader }
  /** A format we recognise but do not read. */
  | { readonly ok: false; readonly kind: 'other-format'; readonly format: Exclude<PictureFormat, 'png' | 'jpeg'> }
  /** Not a picture format we know at all (a text file, an empty file, random bytes). */
  | { readonly ok: false; readonly kind: 'unknown' }
  /** A PNG or JPEG whose header is cut short or malformed; `reason` is for support, in plain words. */
  | { readonly ok: false; readonly kind: 'damaged'; readonly format: 'png' | 'jpeg'; readonly reason: string };

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
const startsWith = (bytes: Uint8Array, magic: readonly number[], at = 0): boolean => bytes.length >= at + magic.length && magic.every((b, i) => bytes[at + i] === b);
const ascii = (bytes: Uint8Array, at: number, length: number): string => (bytes.length >= at + length ? String.fromCharCode(...bytes.subarray(at, at + length)) : '');
const u16be = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u32be = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** Names for a refusal: what a cashier or member would call the file. */
export const FORMAT_NAMES: Readonly<Record<PictureFormat, string>> = {
  png: 'a PNG',
  jpeg: 'a JPEG',
  gif: 'a GIF',
  webp: 'a WebP picture',
  heic: 'a HEIC photo (iPhone)',
  avif: 'an AVIF picture',
  bmp: 'a BMP picture',
  tiff: 'a TIFF picture',
  pdf: 'a PDF document',
};

function otherFormat(bytes: Uint8Array): Exclude<PictureFormat, 'png' | 'jpeg'> | null {
  if (ascii(bytes, 0, 4) === 'GIF8') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp';
  // ISO BMFF: a box size, then 'ftyp' and the major brand.
  if (ascii(bytes, 4, 4) === 'ftyp') {
    const brand = ascii(bytes, 8, 4);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand)) return 'heic';
  }
  if (ascii(bytes, 0, 2) === 'BM') return 'bmp';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (ascii(bytes, 0, 5) === '%PDF-') return 'pdf';
  return null;
}

/** Reads the format, size and (JPEG) process and orientation from a file's bytes. Never throws. */
export function sniffPicture(bytes: Uint8Array): SniffResult {
  if (startsWith(bytes, PNG_MAGIC)) return pngHeader(bytes);
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return jpegHeader(bytes);
  const other = otherFormat(bytes);
  return other === null ? { ok: false, kind: 'unknown' } : { ok: false, kind: 'other-format', format: other };
}

function pngHeader(bytes: Uint8Array): SniffResult {
  // The signature, then IHDR first: length 13, 'IHDR', width, height (PNG spec §11.2.2).
  if (bytes.length < 33 || ascii(bytes, 12, 4) !== 'IHDR') return { ok: false, kind: 'damaged', format: 'png', reason: 'no IHDR header' };
  const width = u32be(bytes, 16);
  const height = u32be(bytes, 20);
  if (width === 0 || height === 0) return { ok: false, kind: 'damaged', format: 'png', reason: `a ${width}×${height} picture` };
  return { ok: true, header: { format: 'png', width, height } };
}

const SOF_PROCESS: Readonly<Record<number, JpegProcess>> = {
  0xc0: 'baseline',
  0xc1: 'extended',
  0xc2: 'progressive',
  0xc3: 'lossless',
  0xc5: 'hierarchical',
  0xc6: 'hierarchical',
  0xc7: 'hierarchical',
  0xc9: 'arithmetic',
  0xca: 'arithmetic',
  0xcb: 'arithmetic',
  0xcd: 'arithmetic',
  0xce: 'arithmetic',
  0xcf: 'arithmetic',
};

/**
 * Walks the marker segments from SOI to the frame header (SOFn), picking up an EXIF APP1 on the
 * way. Segments before the frame are small (APPn, DQT, DHT…), so this touches a few KiB at most;
 * entropy-coded data only comes after SOS, which is after SOF.
 */
function jpegHeader(bytes: Uint8Array): SniffResult {
  const damaged = (reason: string): SniffResult => ({ ok: false, kind: 'damaged', format: 'jpeg', reason });
  let orientation: ExifOrientation = 1;
  let at = 2;
  for (;;) {
    // Fill bytes (any number of 0xFF) may stand before a marker.
    while (at < bytes.length && bytes[at] === 0xff && bytes[at + 1] === 0xff) at += 1;
    if (at + 4 > bytes.length) return damaged('it ends before the picture header');
    if (bytes[at] !== 0xff) return damaged(`no marker at byte ${at}`);
    const marker = bytes[at + 1]!;
    if (marker === 0xd9 || marker === 0xda) return damaged('no picture header before the image data');
    // Markers without a length: TEM and RSTn. Neither belongs before a frame, but skipping them is harmless.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    const length = u16be(bytes, at + 2);
    if (length < 2) return damaged(`a segment with length ${length}`);
    const body = at + 4;
    const end = at + 2 + length;
    const process = SOF_PROCESS[marker];
    if (process !== undefined) {
      // SOFn: precision, height, width, component count (ITU T.81 §B.2.2).
      if (end > bytes.length || length < 8) return damaged('the picture header is cut short');
      const precision = bytes[body]!;
      const height = u16be(bytes, body + 1);
      const width = u16be(bytes, body + 3);
      const components = bytes[body + 5]!;
      // Height 0 means "given later by a DNL marker": real but rare, and jpeg-js ignores DNL.
      if (width === 0 || height === 0) return damaged(`a ${width}×${height} picture`);
      return { ok: true, header: { format: 'jpeg', width, height, process, precision, components, orientation } };
    }
    if (end > bytes.length) return damaged('a header segment is cut short');
    if (marker === 0xe1 && orientation === 1) orientation = exifOrientation(bytes.subarray(body, end)) ?? 1;
    at = end;
  }
}

/**
 * The Orientation tag (0x0112) from an APP1 segment's body ("Exif\0\0" then a TIFF structure).
 * Null when the segment is not EXIF (XMP also lives in APP1) or the tag is missing or out of range.
 */
export function exifOrientation(app1: Uint8Array): ExifOrientation | null {
  if (ascii(app1, 0, 4) !== 'Exif' || app1[4] !== 0 || app1[5] !== 0) return null;
  const tiff = app1.subarray(6);
  if (tiff.length < 8) return null;
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return null;
  const u16 = (at: number): number => (little ? tiff[at]! | (tiff[at + 1]! << 8) : u16be(tiff, at));
  const u32 = (at: number): number => (little ? (tiff[at]! | (tiff[at + 1]! << 8) | (tiff[at + 2]! << 16) | (tiff[at + 3]! << 24)) >>> 0 : u32be(tiff, at));
  if (u16(2) !== 42) return null;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return null;
  const entries = u16(ifd);
  for (let i = 0; i < entries; i += 1) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return null;
    // Tag 0x0112, type SHORT (3), count 1: the value sits in the first two bytes of the value field.
    if (u16(entry) === 0x0112) {
      if (u16(entry + 2) !== 3 || u32(entry + 4) !== 1) return null;
      const value = u16(entry + 8);
      return isExifOrientation(value) ? value : null;
    }
  }
  return null;
}

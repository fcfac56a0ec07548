/** Reading a picture's format, size and orientation from its headers (no decoder involved). */
import { describe, expect, it } from 'vitest';
import { exifOrientation, sniffPicture } from './image-format.js';

/** An APP1 body: "Exif\0\0", then a TIFF header and IFD0 with the given (tag, type, count, value) entries. */
function exif(order: 'II' | 'MM', entries: ReadonlyArray<readonly [number, number, number, number]>): Uint8Array {
  const little = order === 'II';
  const bytes: number[] = [...'Exif'].map((c) => c.charCodeAt(0)).concat(0, 0);
  const u16 = (v: number): number[] => (little ? [v & 0xff, v >> 8] : [v >> 8, v & 0xff]);
  const u32 = (v: number): number[] => (little ? [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24] : [v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);
  bytes.push(order.charCodeAt(0), order.charCodeAt(1), ...u16(42), ...u32(8), ...u16(entries.length));
  for (const [tag, type, count, value] of entries) bytes.push(...u16(tag), ...u16(type), ...u32(count), ...u16(value), 0, 0);
  bytes.push(...u32(0));
  return Uint8Array.from(bytes);
}

/** A JPEG's start: SOI, the given segments, then a baseline SOF0 for a w × h, 3-component frame. */
function jpegStart(segments: ReadonlyArray<readonly [number, Uint8Array]>, width = 4032, height = 3024, sof = 0xc0): Uint8Array {
  const out: number[] = [0xff, 0xd8];
  for (const [marker, body] of segments) out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
  out.push(0xff, sof, 0, 17, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1);
  return Uint8Array.from(out);
}

describe('EXIF orientation', () => {
  it('reads the Orientation tag in either byte order, among other tags', () => {
    expect(exifOrientation(exif('MM', [[0x0112, 3, 1, 6]]))).toBe(6);
    expect(exifOrientation(exif('II', [[0x010f, 2, 4, 0], [0x0112, 3, 1, 8], [0x011a, 5, 1, 0]]))).toBe(8);
  });

  it('ignores what is not an orientation: no tag, a wrong type, a value out of range, XMP, a cut-short segment', () => {
    expect(exifOrientation(exif('MM', [[0x010f, 2, 4, 0]]))).toBeNull();
    expect(exifOrientation(exif('MM', [[0x0112, 4, 1, 6]]))).toBeNull();
    expect(exifOrientation(exif('II', [[0x0112, 3, 1, 9]]))).toBeNull();
    expect(exifOrientation(new TextEncoder().encode('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>'))).toBeNull();
    expect(exifOrientation(exif('MM', [[0x0112, 3, 1, 6]]).subarray(0, 20))).toBeNull();
  });
});

describe('sniffPicture', () => {
  it('a JPEG: size, coding process and orientation from its headers', () => {
    expect(sniffPicture(jpegStart([[0xe1, exif('II', [[0x0112, 3, 1, 6]])]]))).toEqual({
      ok: true,
      header: { format: 'jpeg', width: 4032, height: 3024, process: 'baseline', precision: 8, components: 3, orientation: 6 },
    });
    expect(sniffPicture(jpegStart([], 640, 480, 0xc2))).toMatchObject({ ok: true, header: { process: 'progressive', orientation: 1 } });
    expect(sniffPicture(jpegStart([], 640, 480, 0xc3))).toMatchObject({ ok: true, header: { process: 'lossless' } });
  });

  it('a PNG: size from IHDR', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0x0f, 0xc0, 0, 0, 0x0b, 0xd0, 8, 6, 0, 0, 0, 0, 0, 0, 0]);
    expect(sniffPicture(png)).toEqual({ ok: true, header: { format: 'png', width: 4032, height: 3024 } });
  });

  it('damaged headers are reported with a reason, never thrown', () => {
    const full = jpegStart([[0xe0, new Uint8Array(14)]]);
    for (let cut = 3; cut < full.length; cut += 1) expect(sniffPicture(full.subarray(0, cut))).toMatchObject({ ok: false, kind: 'damaged', format: 'jpeg' });
    expect(sniffPicture(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0, 2]))).toMatchObject({ ok: false, kind: 'damaged', reason: 'no picture header before the image data' });
    expect(sniffPicture(jpegStart([], 0, 480))).toMatchObject({ ok: false, kind: 'damaged', reason: 'a 0×480 picture' });
  });
});

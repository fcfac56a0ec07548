/**
 * JPEG pictures of member QR codes (issue 8 §5): what members mostly send is a phone photo, and
 * phones write JPEG. Signed TLY2 member codes are drawn with the QR generator, encoded as JPEG at
 * several qualities — baseline by jpeg-js's encoder, progressive and greyscale by the small encoder
 * in tests/support/qr-images.ts (its output checked against libjpeg-turbo's djpeg when it was
 * written) — and read back through the Node image path to the same text, which the card parser
 * accepts. A phone's EXIF orientation is applied. Damaged JPEGs, other formats and oversized
 * pictures are refused with a typed outcome and a message, never an exception.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../src/core/card-code/base64url.js';
import { issueMemberToken, newMemberRef, newTokenId, signingKeyFrom } from '../../src/core/card-code/member-qr.js';
import { cardCodeRules, parseCardCode } from '../../src/core/card-code/parse.js';
import type { CardCodes } from '../../src/core/card-code/rules.js';
import type { QrPoint } from '../../src/core/qr/decode.js';
import type { DeviceError } from '../../src/terminal/devices/device.js';
import { decodeImageBytes, decodeImageFile, type ImageScanOutcome } from '../../src/terminal/devices/image/image-file.js';
import { ImageScanner } from '../../src/terminal/devices/image/image-scanner.js';
import type { ScanEvent } from '../../src/terminal/devices/scan-event.js';
import { cameraFrame, jpegBytes, mirror, pngBytes, qrMatrix, renderQr, rotate, turn90, warpOnto, type GrayImage, type JpegOptions } from '../support/qr-images.js';

const REPO = resolve(import.meta.dirname, '../..');
const demo = JSON.parse(readFileSync(join(REPO, 'resources/keys/demo-program-signing-key.json'), 'utf8')) as { id: string; secretKey: string; publicKey: string };
const DEMO_KEY = signingKeyFrom(demo.id, fromBase64Url(demo.secretKey)!);
const CARD_CODES: CardCodes = { rules: [{ type: 'member-qr', id: 'member-qr' }], verifyKeys: [{ id: demo.id, publicKey: demo.publicKey }] };
const RULES = cardCodeRules(CARD_CODES);
const NOW = Date.parse('2026-03-04T05:00:00Z');
const DAY = 86_400_000;

const bytesOf = (text: string, length: number): Uint8Array => new Uint8Array(createHash('sha256').update(text).digest().subarray(0, length));
const refFor = (member: string): string => newMemberRef(bytesOf(`ref:${member}`, 12));
/** A server-issued identify code (TLY2) for a member label, the same for every run. */
const token = (member: string): string =>
  issueMemberToken(DEMO_KEY, { scope: 'identify', memberRef: refFor(member), tokenId: newTokenId(bytesOf(`token:${member}`, 8)), expiresAt: NOW + 30 * DAY });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tally-jpeg-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function file(bytes: Uint8Array, name: string): string {
  fileNo += 1;
  const path = join(dir, `${String(fileNo).padStart(3, '0')}-${name.replace(/[^\w.-]+/g, '_')}`);
  writeFileSync(path, bytes);
  return path;
}

async function readOk(path: string): Promise<Extract<ImageScanOutcome, { ok: true }>> {
  const outcome = await decodeImageFile(path, { deviceId: 'test-image', now: () => NOW });
  if (!outcome.ok) throw new Error(`${path}: ${outcome.problem} — ${outcome.message}`);
  return outcome;
}

/** A refusal is an outcome with one plain line: no stack trace, no decoder internals on their own. */
function expectPlainRefusal(outcome: ImageScanOutcome): asserts outcome is Extract<ImageScanOutcome, { ok: false }> {
  expect(outcome.ok).toBe(false);
  if (outcome.ok) return;
  expect(outcome.message).not.toMatch(/\n|\bat .*\(.*:\d+:\d+\)/);
}

describe('member QR codes in JPEG pictures read back to the same text', () => {
  const pictures: ReadonlyArray<readonly [string, (text: string) => GrayImage]> = [
    ['flat, 4 px modules', (text) => renderQr(qrMatrix(text), { moduleSize: 4 })],
    ['turned 23°', (text) => rotate(renderQr(qrMatrix(text), { moduleSize: 4 }), 23)],
    ['a camera frame (640×480, counter background, noise)', (text) => cameraFrame(text, { moduleSize: 4, angle: 9, noise: 6, seed: 4 })],
  ];
  const encodings: ReadonlyArray<readonly [string, JpegOptions]> = [
    ['baseline, quality 35', { mode: 'baseline', quality: 35 }],
    ['baseline, quality 60', { mode: 'baseline', quality: 60 }],
    ['baseline, quality 90', { mode: 'baseline', quality: 90 }],
    ['greyscale baseline, quality 75', { mode: 'baseline-gray', quality: 75 }],
    ['progressive, quality 50', { mode: 'progressive', quality: 50 }],
    ['progressive, quality 90', { mode: 'progressive', quality: 90 }],
    ['greyscale progressive, quality 75', { mode: 'progressive-gray', quality: 75 }],
  ];
  const cases = pictures.flatMap(([picture, draw]) => encodings.map(([encoding, options]) => [`${picture}, ${encoding}`, draw, options] as const));

  it.each(cases)('%s', async (name, draw, options) => {
    const text = token(`M-${name}`);
    const bytes = jpegBytes(draw(text), options);
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const outcome = await readOk(file(bytes, `${name}.jpg`));
    expect(outcome.scan).toMatchObject({ text, symbology: 'qr', source: 'image', deviceId: 'test-image', time: NOW });
    expect(parseCardCode({ text: outcome.scan.text, symbology: 'qr' }, RULES, NOW)).toMatchObject({ ok: true, kind: 'token', scope: 'identify', memberRef: refFor(`M-${name}`) });
  });

  it('in-memory bytes (an upload) decode the same way', () => {
    const text = token('M-UPLOAD');
    const outcome = decodeImageBytes(jpegBytes(cameraFrame(text, { moduleSize: 4, angle: 4 }), { quality: 70 }), 'upload.jpg', { now: () => NOW });
    expect(outcome).toMatchObject({ ok: true, scan: { text } });
  });
});

describe('EXIF orientation: the frame is the picture as the member sees it', () => {
  // A code off-centre on a wider-than-tall picture, so a mix-up of width and height or of a
  // quarter turn's direction puts the finder patterns in the wrong corners.
  const M = 4;
  const QUIET = 4;
  const upright = (text: string): { img: GrayImage; left: number; top: number; side: number } => {
    const flat = renderQr(qrMatrix(text), { moduleSize: M, quietZone: QUIET });
    const left = 40;
    const top = 12;
    const img = warpOnto(flat, [[left, top], [left + flat.width, top], [left + flat.width, top + flat.height], [left, top + flat.height]], flat.width + 120, flat.height + 30);
    return { img, left, top, side: flat.width };
  };
  /** Finder-pattern centres of the upright code: 3.5 modules inside its quiet zone from three corners. */
  const finders = (left: number, top: number, side: number): { tl: QrPoint; tr: QrPoint; bl: QrPoint; br: QrPoint } => {
    const near = (QUIET + 3.5) * M;
    const far = side - near;
    return { tl: { x: left + near, y: top + near }, tr: { x: left + far, y: top + near }, bl: { x: left + near, y: top + far }, br: { x: left + far, y: top + far } };
  };
  const close = (points: readonly QrPoint[], p: QrPoint): boolean => points.some((q) => Math.hypot(q.x - p.x, q.y - p.y) < 2 * M);

  // What a camera stores for each orientation: the upright picture turned back (a phone held
  // sideways stores its sensor's rows, and tags 6 — "turn 90° clockwise to show").
  const stored: ReadonlyArray<readonly [number, string, (img: GrayImage) => GrayImage]> = [
    [1, 'as stored', (img) => img],
    [2, 'mirrored', (img) => mirror(img)],
    [3, 'upside down', (img) => turn90(turn90(img))],
    [4, 'mirrored top to bottom', (img) => mirror(turn90(turn90(img)))],
    // 5 and 7 (mirrored quarter turns) are their own inverses: stored row 0 is the shown left
    // column (5) or right column (7).
    [5, 'transposed', (img) => mirror(turn90(img, true))],
    [6, 'phone held with its top to the left', (img) => turn90(img, false)],
    [7, 'transversed', (img) => mirror(turn90(img, false))],
    [8, 'phone held with its top to the right', (img) => turn90(img, true)],
  ];

  it.each(stored)('orientation %i (%s)', async (orientation, _name, store) => {
    const text = token(`M-ORIENT-${orientation}`);
    const { img, left, top, side } = upright(text);
    const pixels = store(img);
    if (orientation >= 5) expect([pixels.width, pixels.height]).toEqual([img.height, img.width]);
    const outcome = await readOk(file(jpegBytes(pixels, { quality: 92, orientation }), `orientation-${orientation}.jpg`));
    expect(outcome.scan.text).toBe(text);
    const f = finders(left, top, side);
    const points = outcome.decoded.points;
    expect({ tl: close(points, f.tl), tr: close(points, f.tr), bl: close(points, f.bl), br: close(points, f.br) }).toEqual({ tl: true, tr: true, bl: true, br: false });
  });
});

describe('refused with a typed outcome and a plain message', () => {
  const good = (): Buffer => jpegBytes(cameraFrame(token('M-REFUSE'), { moduleSize: 4, angle: 6 }), { quality: 80 });
  const progressive = (): Buffer => jpegBytes(cameraFrame(token('M-REFUSE'), { moduleSize: 4, angle: 6 }), { quality: 80, mode: 'progressive' });
  /** Offset of the SOFn marker's 0xFF. */
  const sof = (bytes: Uint8Array): number => {
    for (let i = 2; i + 1 < bytes.length; i += 1) if (bytes[i] === 0xff && (bytes[i + 1] === 0xc0 || bytes[i + 1] === 0xc2)) return i;
    throw new Error('no SOF');
  };
  const sos = (bytes: Uint8Array): number => bytes.indexOf(0xda, sof(bytes)) - 1;

  it.each([
    ['cut short in the image data (a download that stopped)', (b: Buffer) => b.subarray(0, Math.floor(b.length * 0.6))],
    ['cut short in its headers', (b: Buffer) => b.subarray(0, sof(b) + 5)],
    ['image data overwritten', (b: Buffer) => Buffer.concat([b.subarray(0, sos(b) + 40), Buffer.alloc(400, 0xff), b.subarray(sos(b) + 440)])],
    ['a progressive JPEG cut short', () => progressive().subarray(0, 2000)],
    ['the start of a JPEG and then text', () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.from('this is not a picture at all')])],
  ] as const)('a damaged JPEG: %s', async (name, damage) => {
    const outcome = await decodeImageFile(file(damage(good()), `damaged ${name}.jpg`));
    expectPlainRefusal(outcome);
    expect(outcome).toMatchObject({ problem: 'unsupported-format', deviceCode: 'garbage', message: expect.stringMatching(/\.jpg is a JPEG that could not be read: the file is damaged or cut short — send the picture again \(.+\)$/) });
  });

  it.each([
    ['lossless', 0xc3, 'lossless JPEG'],
    ['arithmetic-coded', 0xc9, 'arithmetic-coded JPEG'],
    ['hierarchical', 0xc5, 'hierarchical JPEG'],
  ] as const)('a %s JPEG is named and refused before decoding', async (_name, marker, words) => {
    const bytes = good();
    bytes[sof(bytes) + 1] = marker;
    const outcome = await decodeImageFile(file(bytes, `kind-${marker.toString(16)}.jpg`));
    expectPlainRefusal(outcome);
    expect(outcome).toMatchObject({ problem: 'unsupported-format', deviceCode: 'garbage', message: expect.stringContaining(`is a ${words}, which cannot be read — save it again as an ordinary JPEG or as PNG`) });
  });

  it('a 12-bit JPEG is refused (jpeg-js would decode it wrongly)', () => {
    const bytes = good();
    bytes[sof(bytes) + 4] = 12;
    expect(decodeImageBytes(bytes, 'deep.jpg')).toMatchObject({ ok: false, problem: 'unsupported-format', message: 'deep.jpg is a 12-bit JPEG, which cannot be read — save it again as an ordinary JPEG or as PNG' });
  });

  it.each([
    ['sticker.gif', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'sticker.gif is a GIF: only PNG and JPEG pictures can be scanned — save it as PNG or JPEG'],
    ['shot.webp', Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1'), 'shot.webp is a WebP picture: only PNG and JPEG pictures can be scanned — save it as PNG or JPEG'],
    ['IMG_0001.HEIC', Buffer.from('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic', 'latin1'), 'IMG_0001.HEIC is a HEIC photo (iPhone): only PNG and JPEG pictures can be scanned — share it from the phone as JPEG ("Most Compatible")'],
    ['scan.bmp', Buffer.from('BM\x36\x00\x00\x00', 'latin1'), 'scan.bmp is a BMP picture: only PNG and JPEG pictures can be scanned — save it as PNG or JPEG'],
    ['letter.pdf', Buffer.from('%PDF-1.7\n', 'latin1'), 'letter.pdf is a PDF document: only PNG and JPEG pictures can be scanned — save it as PNG or JPEG'],
    ['notes.txt', Buffer.from('member 2900000000018\n', 'latin1'), 'notes.txt is not a picture: only PNG and JPEG pictures can be scanned'],
    ['empty.jpg', Buffer.alloc(0), 'empty.jpg is not a picture: only PNG and JPEG pictures can be scanned'],
  ] as const)('another format: %s', async (name, bytes, message) => {
    expect(decodeImageBytes(bytes, name)).toEqual({ ok: false, problem: 'unsupported-format', message, deviceCode: 'garbage' });
    // The same from a file (named as the file is).
    const outcome = await decodeImageFile(file(bytes, name));
    expectPlainRefusal(outcome);
    expect(outcome).toMatchObject({ problem: 'unsupported-format', deviceCode: 'garbage', message: expect.stringContaining(message) });
  });

  it('a picture claiming more pixels than allowed is refused from its header, before any decoder allocates for it', async () => {
    // 60000 × 60000 would be 14 GB of RGBA: a crash, not a refusal, if it reached a decoder.
    const jpegHuge = good();
    const at = sof(jpegHuge);
    jpegHuge.writeUInt16BE(60_000, at + 5);
    jpegHuge.writeUInt16BE(60_000, at + 7);
    const pngHuge = pngBytes(renderQr(qrMatrix('x')));
    pngHuge.writeUInt32BE(100_000, 16);
    pngHuge.writeUInt32BE(100_000, 20);
    for (const [name, bytes, size] of [['huge.jpg', jpegHuge, '60000×60000 pixels (3600 megapixels)'], ['huge.png', pngHuge, '100000×100000 pixels (10000 megapixels)']] as const) {
      const outcome = await decodeImageFile(file(bytes, name));
      expectPlainRefusal(outcome);
      expect(outcome).toMatchObject({ problem: 'too-large', deviceCode: 'overflow' });
      expect(outcome.message).toMatch(/^\d+-huge\.(jpg|png) is /);
      expect(outcome.message).toContain(`${name} is ${size}, more than the 25 megapixels a picture may have — send a screenshot or a smaller photo`);
    }
  });

  it('the pixel and byte limits can be set, and a file over the byte limit is not read', async () => {
    const text = token('M-LIMITS');
    const bytes = jpegBytes(cameraFrame(text, { moduleSize: 4 }), { quality: 80 });
    const path = file(bytes, 'limits.jpg');
    expect(await decodeImageFile(path, { limits: { maxPixels: 640 * 480 } })).toMatchObject({ ok: true, scan: { text } });
    expect(await decodeImageFile(path, { limits: { maxPixels: 640 * 480 - 1 } })).toMatchObject({ ok: false, problem: 'too-large', message: expect.stringContaining('limits.jpg is 640×480 pixels (0.3 megapixels)') });
    const small = await decodeImageFile(path, { limits: { maxBytes: 1024 } });
    expectPlainRefusal(small);
    expect(small).toMatchObject({ problem: 'too-large', deviceCode: 'overflow', message: expect.stringMatching(/limits\.jpg is \d+ KB, more than the 1 KB a picture may be — send a screenshot or a smaller photo$/) });
    expect(decodeImageBytes(bytes, 'upload.jpg', { limits: { maxBytes: 1024 } })).toMatchObject({ ok: false, problem: 'too-large' });
  });
});

describe('ImageScanner: a JPEG is a scan, a damaged one an error event', () => {
  it('delivers the JPEG scan and reports the damaged one on the error channel', async () => {
    const scanner = new ImageScanner('photo-drop', { now: () => NOW });
    const scans: ScanEvent[] = [];
    const errors: DeviceError[] = [];
    scanner.events.on('data', (scan) => scans.push(scan));
    scanner.events.on('error', (error) => errors.push(error));
    await scanner.start();
    const text = token('M-DEVICE');
    const photo = jpegBytes(cameraFrame(text, { moduleSize: 4, angle: 14, noise: 5 }), { quality: 75 });
    await scanner.scanFile(file(photo, 'member.jpg'));
    scanner.scanBytes(photo.subarray(0, 3000), 'cut.jpg');
    expect(scans).toEqual([expect.objectContaining({ text, source: 'image', deviceId: 'photo-drop', symbology: 'qr', time: NOW })]);
    expect(errors).toEqual([{ code: 'garbage', message: expect.stringMatching(/^cut\.jpg is a JPEG that could not be read: the file is damaged or cut short/), deviceId: 'photo-drop' }]);
    await scanner.close();
  });
});

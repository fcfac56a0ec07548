/**
 * QR codes from image files, end to end: generated signed member QRs (and forged, expired, too
 * long-lived, outdated and wrongly signed ones) drawn rotated, scaled, tilted, blurred, noisy and
 * low in contrast, written as PNG files, read back through the Node image path (pngjs → RGBA →
 * luminance → @zxing/library) and judged by the card-code parser with the program's verify keys.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BinaryBitmap, HybridBinarizer, NotFoundException, QRCodeReader, RGBLuminanceSource } from '@zxing/library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../src/core/card-code/base64url.js';
import { certifyTerminalKey, issueMemberToken, issueTerminalMemberToken, newMemberRef, newTokenId, publicKeyOf, signingKeyFrom, signText, type SigningKey } from '../../src/core/card-code/member-qr.js';
import { cardCodeRules, parseCardCode, REJECTION_MESSAGES, type RejectReason } from '../../src/core/card-code/parse.js';
import type { CardCodes } from '../../src/core/card-code/rules.js';
import { QrDecoder } from '../../src/core/qr/decode.js';
import { luminanceFrame, rgbaToLuminance } from '../../src/core/qr/luminance.js';
import type { DeviceError } from '../../src/terminal/devices/device.js';
import { decodeImageFile, type ImageScanOutcome } from '../../src/terminal/devices/image/image-file.js';
import { ImageScanner } from '../../src/terminal/devices/image/image-scanner.js';
import type { ScanEvent } from '../../src/terminal/devices/scan-event.js';
import { cameraFrame, pngBytes, qrMatrix, renderQr, rotate, toRgba, warpOnto, writePng, type CameraFrameOptions, type GrayImage, type PngColor } from '../support/qr-images.js';

const REPO = resolve(import.meta.dirname, '../..');
const demo = JSON.parse(readFileSync(join(REPO, 'resources/keys/demo-program-signing-key.json'), 'utf8')) as { id: string; secretKey: string; publicKey: string };
const DEMO_KEY = signingKeyFrom(demo.id, fromBase64Url(demo.secretKey)!);
/** A rotated-in key the terminal also trusts (key rotation: two verify keys at once). */
const NEXT_KEY = signingKeyFrom('test-2027', new Uint8Array(32).map((_, i) => i * 7 + 1));
/** Someone else's key claiming the demo key's id. */
const IMPOSTOR = signingKeyFrom(demo.id, new Uint8Array(32).fill(42));
const STRANGER = signingKeyFrom('other-program', new Uint8Array(32).fill(9));

const CARD_CODES: CardCodes = {
  rules: [
    { type: 'ean13', id: 'in-store-ean13', prefixes: ['2'] },
    { type: 'member-qr', id: 'member-qr' },
  ],
  verifyKeys: [
    { id: demo.id, publicKey: demo.publicKey },
    { id: NEXT_KEY.id, publicKey: publicKeyOf(NEXT_KEY.secretKey) },
  ],
};
/** The parser's view: those card rules, the default member QR bounds (90 days; spend codes 5 minutes), no denylist. */
const RULES = cardCodeRules(CARD_CODES);
const NOW = Date.parse('2026-03-04T05:00:00Z');
const DAY = 86_400_000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tally-qr-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function png(img: GrayImage, name: string, color: PngColor = 'gray'): string {
  fileNo += 1;
  return writePng(join(dir, `${String(fileNo).padStart(3, '0')}-${name.replace(/[^\w.-]+/g, '_')}.png`), img, color);
}

async function readOk(path: string): Promise<Extract<ImageScanOutcome, { ok: true }>> {
  const outcome = await decodeImageFile(path, { deviceId: 'test-image', now: () => NOW });
  if (!outcome.ok) throw new Error(`${path}: ${outcome.problem} — ${outcome.message}`);
  return outcome;
}

const bytesOf = (text: string, length: number): Uint8Array => new Uint8Array(createHash('sha256').update(text).digest().subarray(0, length));
/** A member's QR reference: random bytes in real life, derived from a label here so every run draws the same pictures. */
const refFor = (member: string): string => newMemberRef(bytesOf(`ref:${member}`, 12));
const tokenIdFor = (member: string): string => newTokenId(bytesOf(`token:${member}`, 8));
/** A server-issued identify code for `member` (a label: the code carries only its reference). */
const token = (member: string, expiresInDays = 30, key: SigningKey = DEMO_KEY): string =>
  issueMemberToken(key, { scope: 'identify', memberRef: refFor(member), tokenId: tokenIdFor(member), expiresAt: NOW + expiresInDays * DAY });

describe('luminance: RGBA bytes must be converted, and the conversion is what makes decoding work', () => {
  const pictures = [0, 17, 45, 90, 200].map((angle) => rotate(renderQr(qrMatrix(token('M-RGBA-1')), { moduleSize: 4 }), angle));
  const reader = new QRCodeReader();
  const decodeRaw = (data: Uint8ClampedArray | Int32Array, width: number, height: number): string | 'not-found' => {
    try {
      return reader.decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(data, width, height)))).getText();
    } catch (error) {
      if (error instanceof NotFoundException) return 'not-found';
      throw error;
    }
  };

  it('RGBA bytes handed straight to @zxing/library find nothing, with no error saying why (the silent failure)', () => {
    for (const img of pictures) {
      // RGBLuminanceSource reads the first width × height bytes as grey levels: a picture 4× too wide, cut to a quarter.
      expect(decodeRaw(toRgba(img), img.width, img.height)).toBe('not-found');
    }
  });

  it('the same RGBA bytes converted with rgbaToLuminance decode, every one', () => {
    for (const img of pictures) {
      expect(decodeRaw(rgbaToLuminance(toRgba(img), img.width, img.height).luminance, img.width, img.height)).toBe(token('M-RGBA-1'));
    }
  });

  it('ARGB ints (the other form @zxing/library accepts) decode too', () => {
    const img = pictures[1]!;
    const argb = Int32Array.from(img.data, (v) => (0xff << 24) | (v << 16) | (v << 8) | v);
    expect(decodeRaw(argb, img.width, img.height)).toBe(token('M-RGBA-1'));
  });

  it('our decoder refuses RGBA bytes loudly instead of returning "not found"', () => {
    const img = pictures[0]!;
    const rgba = toRgba(img);
    expect(() => luminanceFrame(rgba, img.width, img.height)).toThrow(/RGBA/);
    expect(() => new QrDecoder().decode({ width: img.width, height: img.height, luminance: rgba })).toThrow(/RGBA/);
  });

  it.each(['gray', 'rgb', 'rgba'] as const)('a %s PNG file decodes through the image path', async (color) => {
    const path = png(pictures[2]!, `color-${color}`, color);
    expect((await readOk(path)).scan.text).toBe(token('M-RGBA-1'));
  });

  it('a PNG with a transparent background (black "paper" under alpha 0) decodes: alpha is composited over white', async () => {
    const img = renderQr(qrMatrix(token('M-ALPHA-1')), { moduleSize: 4 });
    // Dark modules opaque black, light modules fully transparent black: the common "logo" export.
    const rgba = new Uint8ClampedArray(img.data.length * 4);
    for (let i = 0; i < img.data.length; i += 1) rgba[4 * i + 3] = img.data[i]! < 128 ? 255 : 0;
    const path = join(dir, 'transparent.png');
    const { PNG } = await import('pngjs');
    const file = new PNG({ width: img.width, height: img.height });
    file.data = Buffer.from(rgba.buffer);
    writeFileSync(path, PNG.sync.write(file));
    expect((await readOk(path)).scan.text).toBe(token('M-ALPHA-1'));
  });
});

describe('signed member QRs from PNG files: rotated, scaled, tilted, noisy', () => {
  const flat = (moduleSize: number, angle = 0, scale = 1): ((text: string) => GrayImage) => (text) => rotate(renderQr(qrMatrix(text), { moduleSize }), angle, scale);
  const camera = (options: CameraFrameOptions): ((text: string) => GrayImage) => (text) => cameraFrame(text, options);

  const cases: ReadonlyArray<readonly [string, (text: string) => GrayImage]> = [
    ['flat, 2 px modules', flat(2)],
    ['flat, 3 px modules', flat(3)],
    ['flat, 6 px modules', flat(6)],
    ['flat, 10 px modules', flat(10)],
    ['rotated 90°', flat(4, 90)],
    ['rotated 180°', flat(4, 180)],
    ['rotated 7°', flat(4, 7)],
    ['rotated 33°', flat(4, 33)],
    ['rotated 45°', flat(5, 45)],
    ['rotated 137°', flat(4, 137)],
    ['rotated 301°', flat(4, 301)],
    ['scaled ×0.7 (2.8 px modules, resampled)', flat(4, 0, 0.7)],
    ['scaled ×1.65 and rotated 20°', flat(4, 20, 1.65)],
    ['camera frame 640×480, counter background', camera({ moduleSize: 4, angle: 12 })],
    ['camera frame, small code (3 px modules)', camera({ moduleSize: 3, angle: 4, center: [0.3, 0.6] })],
    ['camera frame, perspective tilt', camera({ moduleSize: 4, angle: 8, tilt: 0.15 })],
    ['camera frame, soft focus', camera({ moduleSize: 4, angle: 15, blurRadius: 1 })],
    ['camera frame, sensor noise σ=10', camera({ moduleSize: 4, angle: 25, noise: 10, seed: 3 })],
    ['camera frame, lost contrast (90–170)', camera({ moduleSize: 4, angle: 3, contrast: [90, 170] })],
    ['camera frame, noise + blur + contrast together', camera({ moduleSize: 5, angle: 10, blurRadius: 1, contrast: [60, 200], noise: 8, seed: 5 })],
  ];

  it.each(cases)('%s', async (name, draw) => {
    const member = `M-${fileNo + 1000}`;
    const text = token(member);
    expect(text).not.toContain(member);
    const outcome = await readOk(png(draw(text), name));
    expect(outcome.scan).toMatchObject({ text, symbology: 'qr', aimId: null, source: 'image', deviceId: 'test-image', time: NOW });
    expect(new TextDecoder().decode(outcome.scan.raw)).toBe(text);
    const parsed = parseCardCode({ text: outcome.scan.text, symbology: outcome.scan.symbology }, RULES, NOW);
    expect(parsed).toMatchObject({ ok: true, kind: 'token', scope: 'identify', memberRef: refFor(member), tokenId: tokenIdFor(member), keyId: demo.id, issuedBy: null, ruleId: 'member-qr' });
  });

  it('every rotation in 15° steps decodes (24 pictures)', async () => {
    const text = token('M-SPIN', 7);
    const failed: number[] = [];
    for (let angle = 0; angle < 360; angle += 15) {
      const outcome = await decodeImageFile(png(flat(4, angle)(text), `spin-${angle}`));
      if (!outcome.ok || outcome.scan.text !== text) failed.push(angle);
    }
    expect(failed).toEqual([]);
  });

  it('a token signed with the rotated-in key and one a terminal issued offline are accepted', async () => {
    const next = await readOk(png(flat(4, 10)(token('M-NEXT', 30, NEXT_KEY)), 'next-key'));
    expect(parseCardCode({ text: next.scan.text }, RULES, NOW)).toMatchObject({ ok: true, memberRef: refFor('M-NEXT'), keyId: 'test-2027' });
    // A terminal's code carries its certificate (about twice as long): still one picture, still read.
    const till = signingKeyFrom('till-2', new Uint8Array(32).fill(2));
    const certificate = certifyTerminalKey(DEMO_KEY, { terminalKeyId: till.id, storeId: 'S1', terminalId: 'T2', terminalPublicKey: publicKeyOf(till.secretKey), expiresAt: NOW + 365 * DAY });
    const slipCode = issueTerminalMemberToken(till, certificate, { memberRef: refFor('M-SLIP'), tokenId: tokenIdFor('M-SLIP'), expiresAt: NOW + 90 * DAY });
    const slip = await readOk(png(flat(4, 10)(slipCode), 'terminal-issued'));
    expect(slip.scan.text).toBe(slipCode);
    expect(parseCardCode({ text: slip.scan.text }, RULES, NOW)).toMatchObject({
      ok: true,
      scope: 'identify',
      memberRef: refFor('M-SLIP'),
      keyId: demo.id,
      issuedBy: { terminalKeyId: 'till-2', storeId: 'S1', terminalId: 'T2' },
    });
  });
});

describe('refused after decoding: forged, expired, wrongly signed', () => {
  const genuine = token('M-0042', 30);
  const [, keyId, , ref, tokenId, expiry, signature] = genuine.split('.');
  const terminalKey = signingKeyFrom('till-3', new Uint8Array(32).fill(3));
  const expiredCertificate = certifyTerminalKey(DEMO_KEY, { terminalKeyId: terminalKey.id, storeId: 'S1', terminalId: 'T3', terminalPublicKey: publicKeyOf(terminalKey.secretKey), expiresAt: NOW - DAY });
  const unbounded = `TLY2.${keyId}.i.${ref}.${tokenId}.-`;

  const cases: ReadonlyArray<readonly [string, string, RejectReason]> = [
    ["another member's reference under a genuine signature", `TLY2.${keyId}.i.${refFor('M-9999')}.${tokenId}.${expiry}.${signature}`, 'token-forged'],
    ['a later expiry under the old signature', `TLY2.${keyId}.i.${ref}.${tokenId}.${Number(expiry) + 30 * 86_400}.${signature}`, 'token-forged'],
    ['an identify code made a spend code', `TLY2.${keyId}.s.${ref}.${tokenId}.${expiry}.${signature}`, 'token-forged'],
    ['signed by an impostor using the demo key id', token('M-0042', 30, IMPOSTOR), 'token-forged'],
    ["signed with a key the program doesn't know", token('M-0042', 30, STRANGER), 'token-unknown-key'],
    ['expired yesterday (a screenshot of an old code)', token('M-0042', -1), 'token-expired'],
    ['valid for ten years (longer than the program allows)', token('M-0042', 3650), 'token-too-long-lived'],
    ['issued offline by a terminal whose certificate has expired', issueTerminalMemberToken(terminalKey, expiredCertificate, { memberRef: ref!, tokenId: tokenId!, expiresAt: NOW + DAY }), 'token-expired'],
    ['without an expiry, even under a genuine signature', `${unbounded}.${signText(DEMO_KEY, unbounded)}`, 'token-malformed'],
    ['a version-1 code (member id in clear, no expiry)', `TLY1.${keyId}.M-0042.-.${signature}`, 'token-outdated'],
    ['cut short (damaged payload)', genuine.slice(0, -20), 'token-malformed'],
    ['a missing field', `TLY2.${keyId}.i.${ref}.${tokenId}.${signature}`, 'token-malformed'],
    ['a payment card number in a QR', '4111111111111111', 'bank-card'],
    ['a product EAN-13 in a QR', '4006381333931', 'product-barcode'],
  ];

  it.each(cases)('%s', async (name, text, reason) => {
    const outcome = await readOk(png(cameraFrame(text, { moduleSize: 4, angle: 11 }), `refuse-${name}`));
    // The picture decodes exactly: refusals are the parser's judgement, not a misread.
    expect(outcome.scan.text).toBe(text);
    const parsed = parseCardCode({ text: outcome.scan.text, symbology: 'qr' }, RULES, NOW);
    expect(parsed).toEqual({ ok: false, reason, message: REJECTION_MESSAGES[reason].en, symbology: 'qr' });
    // A refused bank card's number is never echoed back.
    if (reason === 'bank-card') expect(JSON.stringify(parsed)).not.toContain('4111');
  });

  it('the genuine token from the same pictures is accepted (the refusals above are not decoding failures)', async () => {
    const outcome = await readOk(png(cameraFrame(genuine, { moduleSize: 4, angle: 11 }), 'genuine'));
    expect(parseCardCode({ text: outcome.scan.text }, RULES, NOW)).toMatchObject({ ok: true, memberRef: refFor('M-0042') });
  });
});

describe('Korean text (UTF-8, byte mode with an ECI)', () => {
  const korean = '홍길동 회원님 — 포인트 1,234점 적립 (서울 강남점)';

  it.each([2, 4, 6, 8])('decodes exactly at %i px per module, with the UTF-8 bytes', async (moduleSize) => {
    const outcome = await readOk(png(rotate(renderQr(qrMatrix(korean, { utf8: true }), { moduleSize }), moduleSize * 5), `korean-${moduleSize}`));
    expect(outcome.scan.text).toBe(korean);
    const utf8 = new TextEncoder().encode(korean);
    expect(outcome.scan.raw).toEqual(utf8);
    expect(Buffer.concat(outcome.decoded.byteSegments)).toEqual(Buffer.from(utf8));
    // Not a member code: refused with a reason (and the cashier's message exists in Korean too).
    const parsed = parseCardCode({ text: outcome.scan.text, symbology: 'qr' }, RULES, NOW);
    expect(parsed).toMatchObject({ ok: false, reason: 'not-a-member-card' });
    expect(REJECTION_MESSAGES['not-a-member-card'].ko).toBe('회원 카드가 아닙니다');
  });

  it.each([
    ['a Korean text at 6 px per module', '홍길동 회원님 포인트 1,234점', 6, true],
    // Which token hits it depends on its bytes; this one does (found by trying labels).
    ['a member token at 8 px per module', token('M-14', 30), 8, false],
  ] as const)('the retries read a clean code a single pass misses: %s (zxing-js/library#653)', (_name, text, moduleSize, utf8) => {
    // Found while writing these tests: in these clean pictures a data pattern mimics a finder
    // pattern, and @zxing/library's search stops on it before reaching the real third finder. The
    // 180°-turned retry scans in another order. If a library upgrade fixes this, the first
    // expectation fails: the retry may then be unnecessary — re-measure and update this test.
    const img = renderQr(qrMatrix(text, { utf8 }), { moduleSize });
    const frame = luminanceFrame(img.data, img.width, img.height);
    expect(new QrDecoder({ attempts: ['hybrid'] }).decode(frame)).toEqual({ ok: false, problem: 'not-found' });
    const result = new QrDecoder().decode(frame);
    expect(result).toMatchObject({ ok: true, text, attempt: 'turned' });
    // Points are mapped back to the unturned frame: the top-left finder centre is 7.5 modules in (4 quiet + 3.5).
    if (result.ok) expect(result.points.some((p) => Math.abs(p.x - 7.5 * moduleSize) < moduleSize && Math.abs(p.y - 7.5 * moduleSize) < moduleSize)).toBe(true);
  });
});

describe('pictures with nothing readable: an outcome with a message, never an exception', () => {
  it('a blank picture: not found', async () => {
    const path = png({ width: 200, height: 150, data: new Uint8ClampedArray(200 * 150).fill(230) }, 'blank');
    expect(await decodeImageFile(path)).toEqual({ ok: false, problem: 'not-found', message: expect.stringMatching(/^no QR code found in .*blank\.png$/), deviceCode: 'garbage' });
  });

  it('half a code (cut off by the picture edge): not found or unreadable, never a wrong text', async () => {
    const text = token('M-HALF');
    const full = renderQr(qrMatrix(text), { moduleSize: 4 });
    const cut = warpOnto(full, [[-full.width / 2, 0], [full.width / 2, 0], [full.width / 2, full.height], [-full.width / 2, full.height]], full.width / 2 + 20, full.height);
    const outcome = await decodeImageFile(png(cut, 'cut-off'));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(['not-found', 'unreadable']).toContain(outcome.problem);
  });

  it('a JPEG is named as such; a damaged PNG, a folder and a missing file are each reported', async () => {
    const jpeg = join(dir, 'photo.jpg');
    writeFileSync(jpeg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]));
    expect(await decodeImageFile(jpeg)).toMatchObject({ ok: false, problem: 'unsupported-format', message: expect.stringContaining('is a JPEG') });

    const damaged = join(dir, 'damaged.png');
    writeFileSync(damaged, pngBytes(renderQr(qrMatrix('x'))).subarray(0, 60));
    expect(await decodeImageFile(damaged)).toMatchObject({ ok: false, problem: 'unsupported-format', message: expect.stringContaining('damaged PNG') });

    expect(await decodeImageFile(dir)).toMatchObject({ ok: false, problem: 'io', deviceCode: 'not-found' });
    expect(await decodeImageFile(join(dir, 'nope.png'))).toMatchObject({ ok: false, problem: 'io', deviceCode: 'not-found', message: expect.stringContaining('no such picture') });
  });
});

describe('ImageScanner: pictures behind the device lifecycle', () => {
  it('delivers scans with source "image" while enabled, errors as events, and nothing while disabled', async () => {
    const scanner = new ImageScanner('photo-drop', { now: () => NOW });
    const scans: ScanEvent[] = [];
    const errors: DeviceError[] = [];
    scanner.events.on('data', (scan) => scans.push(scan));
    scanner.events.on('error', (error) => errors.push(error));

    const good = png(cameraFrame(token('M-DEV-1'), { moduleSize: 4, angle: 5 }), 'device-good');
    const blank = png({ width: 100, height: 100, data: new Uint8ClampedArray(100 * 100).fill(255) }, 'device-blank');

    // Not started: decoded, but nothing delivered (UnifiedPOS: data only while enabled).
    expect((await scanner.scanFile(good)).ok).toBe(true);
    expect(scans).toEqual([]);

    await scanner.start();
    expect(scanner.state).toBe('enabled');
    await scanner.scanFile(good);
    expect(scans).toEqual([expect.objectContaining({ text: token('M-DEV-1'), source: 'image', deviceId: 'photo-drop', symbology: 'qr', time: NOW })]);

    await scanner.scanFile(blank);
    scanner.scanBytes(Buffer.from('GIF89a'), 'upload.gif');
    expect(errors).toEqual([
      { code: 'garbage', message: expect.stringContaining('no QR code found in'), deviceId: 'photo-drop' },
      { code: 'garbage', message: 'upload.gif is a GIF: only PNG and JPEG pictures can be scanned — save it as PNG or JPEG', deviceId: 'photo-drop' },
    ]);
    expect(scans).toHaveLength(1);

    await scanner.disable();
    await scanner.scanFile(good);
    expect(scans).toHaveLength(1);
    await scanner.close();
    expect(scanner.state).toBe('closed');
  });
});

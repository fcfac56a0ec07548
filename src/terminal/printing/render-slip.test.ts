/**
 * render-slip's decisions per profile (language, QR form and size, logo), with a recording
 * encoder to see the documents it builds, and once through the real encoder and decoder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { certifyTerminalKey, issueMemberToken, issueTerminalMemberToken, newMemberRef, newTokenId, publicKeyOf, signingKeyFrom } from '../../core/card-code/member-qr.js';
import { decodeEscPos } from '../../core/escpos/decoder.js';
import { parseProgramText } from '../../core/program/parse.js';
import type { SlipData } from '../../core/receipt/slip.js';
import { PRINTER_PROFILES } from './profiles.js';
import { logoProblem, qrModulesFor, qrModuleSize, renderSlipBytes, slipLanguage, SlipRenderer, type SlipRequest } from './render-slip.js';
import type { PrinterProfile, ReceiptEncoder } from './types.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const PROGRAM = parseProgramText(readFileSync(join(REPO, 'resources', 'programs', 'sporting-goods-usd.json'), 'utf8'), 'sporting-goods-usd.json');
const { 'generic-58': G58, 'epson-tm-80': TM80, 'korean-80': KO80, 'raster-58': RASTER } = PRINTER_PROFILES;

const KEY = signingKeyFrom('test-key', new Uint8Array(32).fill(1));
const EXPIRY = Date.UTC(2027, 0, 1);
const MEMBER_ID = 'M0000123456';
const claims = { memberRef: newMemberRef(new Uint8Array(12).fill(5)), tokenId: newTokenId(new Uint8Array(8).fill(6)), expiresAt: EXPIRY };
/** A server-issued token (~140 characters) and a terminal-issued one (~300, it carries its certificate). */
const SERVER_TOKEN = issueMemberToken(KEY, { scope: 'identify', ...claims });
const TERMINAL_KEY = signingKeyFrom('lane-2-2026', new Uint8Array(32).fill(2));
const terminalToken = (storeId: string, terminalId: string): string =>
  issueTerminalMemberToken(TERMINAL_KEY, certifyTerminalKey(KEY, { terminalKeyId: TERMINAL_KEY.id, storeId, terminalId, terminalPublicKey: publicKeyOf(TERMINAL_KEY.secretKey), expiresAt: EXPIRY }), claims);
const TERMINAL_TOKEN = terminalToken('S1', 'T1');

const SLIP: SlipData = {
  kind: 'enrolment',
  txnId: 'enrol:2900000001236',
  at: Date.UTC(2026, 2, 4, 19, 30),
  storeId: 'S1',
  terminalId: 'T1',
  currency: 'USD',
  member: { id: MEMBER_ID, name: 'Jordan Avery', card: '2900000001236' },
  earned: null,
  redeemed: null,
  returned: null,
  rewards: [{ kind: 'welcome', points: 100, refId: null }],
  donations: [],
  balance: 100,
  tier: null,
  expiring: [],
  memberQr: SERVER_TOKEN,
};

const request = (profile: PrinterProfile, overrides: Partial<SlipRequest> = {}): SlipRequest => ({ slip: SLIP, program: PROGRAM, profile, lang: 'en', timeZone: 'America/New_York', ...overrides });

/** Records what it is asked to encode. */
class RecordingEncoder implements ReceiptEncoder {
  readonly documents: { kind: 'encode' | 'svg'; document: string; profile: string }[] = [];
  encode(document: string, profile: PrinterProfile): Uint8Array {
    this.documents.push({ kind: 'encode', document, profile: profile.id });
    return new Uint8Array();
  }
  svg(document: string, profile: PrinterProfile): string {
    this.documents.push({ kind: 'svg', document, profile: profile.id });
    return '<svg/>';
  }
}

function pngLogo(width: number, height: number): string {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i += 1) {
    const dark = (i % width) < width / 2;
    png.data.set(dark ? [0, 0, 0, 255] : [255, 255, 255, 255], i * 4);
  }
  return PNG.sync.write(png).toString('base64');
}

describe('slipLanguage', () => {
  it('prints Korean only where the printer has CP949; English otherwise', () => {
    expect(slipLanguage('ko', KO80)).toBe('ko');
    expect(slipLanguage('ko', G58)).toBe('en');
    expect(slipLanguage('ko', RASTER)).toBe('en');
    expect(slipLanguage('en', KO80)).toBe('en');
  });
});

describe('QR size', () => {
  it('modules per side for a level-M code of n bytes (byte mode)', () => {
    expect([1, 14, 15, 122, 123, 152, 153, 331, 2331].map(qrModulesFor)).toEqual([21, 21, 25, 45, 49, 49, 53, 69, 177]);
    expect(() => qrModulesFor(2332)).toThrow(RangeError);
  });

  it('keeps the profile\'s module size when the code and its quiet zone fit the paper', () => {
    // A server-issued token: version 8, 49 + 8 modules; 5 dots make 285 of the 384.
    expect(SERVER_TOKEN.length).toBeLessThan(153);
    expect(qrModulesFor(SERVER_TOKEN.length)).toBe(49);
    expect(qrModuleSize(SERVER_TOKEN, G58, false)).toBe(5);
    expect(qrModuleSize(SERVER_TOKEN, TM80, false)).toBe(6);
  });

  it('shrinks it when a long token would not fit 58 mm paper with its quiet zone', () => {
    // A terminal-issued token: version 13, 69 + 8 modules; 5 dots would make 385 of the 384.
    expect(TERMINAL_TOKEN.length).toBeGreaterThan(290);
    expect(qrModulesFor(TERMINAL_TOKEN.length)).toBe(69);
    expect(qrModuleSize(TERMINAL_TOKEN, G58, false)).toBe(4);
    expect(qrModuleSize(TERMINAL_TOKEN, TM80, false)).toBe(6);
    // The longest one (32-character store and terminal ids): version 15, 77 + 8 modules; 4 dots make 340.
    const longest = terminalToken('S'.repeat(32), 'T'.repeat(32));
    expect(qrModulesFor(longest.length)).toBe(77);
    expect(qrModuleSize(longest, G58, false)).toBe(4);
    expect(qrModuleSize(longest, TM80, false)).toBe(6);
  });

  it('a drawn code keeps to ReceiptLine\'s 3–8 dots', () => {
    expect(qrModuleSize('x'.repeat(1500), G58, true)).toBe(3);
    expect(qrModuleSize('x'.repeat(1500), G58, false)).toBe(2);
  });
});

describe('logoProblem', () => {
  it('accepts a PNG no wider than the paper', () => {
    expect(logoProblem(pngLogo(384, 60), G58)).toBeNull();
  });

  it('says why a logo cannot print', () => {
    expect(logoProblem('not base64!', G58)).toBe('the logo is not base64 text');
    expect(logoProblem(Buffer.from('GIF89a……………………………………………………………').toString('base64'), G58)).toBe('the logo is not a PNG image');
    expect(logoProblem(pngLogo(400, 10), G58)).toBe('the logo is 400 dots wide; Generic ESC/POS, 58 mm prints at most 384');
    expect(logoProblem(pngLogo(8, 1100), G58)).toBe('the logo is 1100 dots tall (at most 1024)');
  });
});

describe('SlipRenderer', () => {
  it('native-QR printers get a GS ( k command block; raster-QR printers and previews a drawn code', () => {
    const encoder = new RecordingEncoder();
    const renderer = new SlipRenderer(encoder);
    renderer.bytes(request(TM80));
    renderer.bytes(request(RASTER));
    renderer.svg(request(TM80));
    const [native, raster, preview] = encoder.documents;
    expect(native).toMatchObject({ kind: 'encode', profile: 'epson-tm-80' });
    expect(native!.document).toMatch(/\n\{command:(\\x[0-9a-f]{2})+\}\n/);
    expect(native!.document).not.toContain('{code:');
    expect(raster!.document).toContain(`{code:${SERVER_TOKEN}; option:qrcode,5,m}`);
    expect(preview).toMatchObject({ kind: 'svg', profile: 'epson-tm-80' });
    expect(preview!.document).toContain(`{code:${SERVER_TOKEN}; option:qrcode,6,m}`);
  });

  it('a Korean printer gets the Korean slip; another printer configured for Korean gets the English one, and so does its preview', () => {
    const encoder = new RecordingEncoder();
    const renderer = new SlipRenderer(encoder);
    renderer.bytes(request(KO80, { lang: 'ko' }));
    renderer.bytes(request(G58, { lang: 'ko' }));
    renderer.svg(request(G58, { lang: 'ko' }));
    expect(encoder.documents[0]!.document).toContain('회원 가입');
    expect(encoder.documents[1]!.document).toContain('Welcome');
    expect(encoder.documents[2]!.document).toContain('Welcome');
  });

  it('prints the date in the time zone it is given, and "REPRINT" on a reprint', () => {
    const encoder = new RecordingEncoder();
    new SlipRenderer(encoder).bytes(request(TM80, { timeZone: 'Asia/Seoul', reprint: true }));
    expect(encoder.documents[0]!.document).toContain('2026\\-03\\-05 04:30');
    expect(encoder.documents[0]!.document.split('\n')[0]).toBe('"REPRINT"');
  });

  it('puts the logo on top (the request\'s, else the profile\'s) and leaves out one that cannot print', () => {
    const encoder = new RecordingEncoder();
    const renderer = new SlipRenderer(encoder);
    const logo = pngLogo(200, 40);
    renderer.bytes(request(G58, { logo }));
    renderer.bytes(request({ ...G58, logo }));
    renderer.bytes(request({ ...G58, logo }, { logo: null }));
    renderer.bytes(request(G58, { logo: pngLogo(500, 40) }));
    const firstLines = encoder.documents.map((d) => d.document.split('\n')[0]!);
    expect(firstLines[0]).toBe(`{image:${logo}}`);
    expect(firstLines[1]).toBe(`{image:${logo}}`);
    expect(firstLines[2]).not.toContain('{image:');
    expect(firstLines[3]).not.toContain('{image:');
  });

  it('end to end: the logo prints as a raster image above the store name, the QR below the text', () => {
    const print = decodeEscPos(renderSlipBytes(request(TM80, { logo: pngLogo(200, 40) })));
    const kinds = print.events.filter((e) => e.type !== 'unknown').map((e) => e.type);
    expect(kinds[0]).toBe('image');
    expect(kinds[1]).toBe('line');
    const image = print.events.find((e) => e.type === 'image');
    expect(image?.type === 'image' && [image.image.width, image.image.height]).toEqual([200, 40]);
    expect(print.lines.findIndex((l) => l.includes('Scorecard Rewards'))).toBe(0);
    expect(print.qrCodes).toEqual([SERVER_TOKEN]);
    // The code names the member by an opaque reference: their id is never in it.
    expect(print.qrCodes[0]).not.toContain(MEMBER_ID);
    const scan = print.events.findIndex((e) => e.type === 'line' && e.text.includes('Scan at your next visit'));
    expect(print.events.slice(scan + 1).map((e) => e.type)).toEqual(['line', 'qr', 'line', 'line', 'cut']);
  });

  it('a demo terminal\'s slip says so on its first line (under the logo, above "REPRINT"), in the slip\'s language', () => {
    const demo: SlipData = { ...SLIP, demo: true };
    const encoder = new RecordingEncoder();
    const renderer = new SlipRenderer(encoder);
    const logo = pngLogo(200, 40);
    renderer.bytes(request(TM80, { slip: demo, reprint: true }));
    renderer.bytes(request(KO80, { slip: demo, lang: 'ko' }));
    renderer.bytes(request(G58, { slip: demo, logo }));
    renderer.bytes(request(TM80));
    const lines = encoder.documents.map((d) => d.document.split('\n'));
    expect(lines[0]!.slice(0, 2)).toEqual(['`"DEMO - NOT A REAL PROGRAM"`', '"REPRINT"']);
    expect(lines[1]![0]).toContain('데모');
    expect(lines[2]!.slice(0, 2)).toEqual([`{image:${logo}}`, '`"DEMO - NOT A REAL PROGRAM"`']);
    expect(encoder.documents[3]!.document).not.toContain('DEMO');
    const print = decodeEscPos(renderSlipBytes(request(TM80, { slip: demo })));
    expect(print.lines[0]).toContain('DEMO - NOT A REAL PROGRAM');
    expect(decodeEscPos(renderSlipBytes(request(TM80))).lines.join('\n')).not.toContain('DEMO');
  });
});

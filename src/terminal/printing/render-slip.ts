/**
 * A slip, start to finish: SlipData (what the ledger recorded) + the program (template, names,
 * wording) + the printer's profile + language + time zone → ESC/POS bytes for that printer, or an
 * SVG of the same slip for the on-screen preview.
 *
 * Decisions made here, per profile:
 * - the QR code: a native GS ( k command for printers that have it, a drawn code (ReceiptLine
 *   `{code:…; option:qrcode}`) for raster-QR printers and for the SVG;
 * - its module size: the profile's, made smaller when a long token (a terminal-issued one is about
 *   290 characters) would not fit the paper with its quiet zone — a GS ( k symbol wider than the
 *   print area is silently not printed, and a drawn one would run off the paper (and off the
 *   preview's edges);
 * - the language: a printer without Korean (CP949) mode prints the English slip — Hangul would come
 *   out as "?" — so the preview, which shows what the paper will say, follows the same rule;
 * - the optional logo (a monochrome PNG, from the request or the profile) at the top; a logo that
 *   is not a PNG or is wider than the paper is left out rather than stopping the slip
 *   (`logoProblem` tells configuration screens why).
 */
import type { Program } from '../../core/program/schema.js';
import { slipDocument, type Lang, type SlipData } from '../../core/receipt/slip.js';
import { printableDots, printsKorean } from './profiles.js';
import { ReceiptlineEncoder } from './receiptline-encoder.js';
import type { PrinterProfile, ReceiptEncoder } from './types.js';

export interface SlipRequest {
  readonly slip: SlipData;
  readonly program: Program;
  readonly profile: PrinterProfile;
  /** The language the printer is configured for; see `slipLanguage`. */
  readonly lang: Lang;
  /** The store's IANA time zone (the terminal's), which the date is printed in. */
  readonly timeZone: string;
  readonly reprint?: boolean;
  /** A monochrome PNG (base64) for the top of the slip; default the profile's logo; null for none. */
  readonly logo?: string | null;
}

/** The language a slip is printed in on this printer: Korean needs the printer's CP949 mode. */
export function slipLanguage(lang: Lang, profile: PrinterProfile): Lang {
  return lang === 'ko' && !printsKorean(profile) ? 'en' : lang;
}

/** Byte-mode capacity of QR versions 1–40 at error-correction level M (ISO/IEC 18004 table 7). */
const QR_BYTES_M = [
  14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666, 711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538,
  1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331,
];

/**
 * Modules per side of a level-M QR code holding `byteLength` bytes in byte mode (an upper bound:
 * an encoder that mixes in alphanumeric segments can only need fewer).
 */
export function qrModulesFor(byteLength: number): number {
  const version = QR_BYTES_M.findIndex((capacity) => capacity >= byteLength) + 1;
  if (version === 0) throw new RangeError(`${byteLength} bytes do not fit in a level-M QR code`);
  return 17 + 4 * version;
}

/** Light modules each side of a QR code (ISO/IEC 18004). */
const QUIET_ZONE = 4;

/**
 * The module size (dots) for this token on this printer: the profile's, or less so that the code
 * and its quiet zone fit the printable width. Drawn codes (ReceiptLine) take 3–8 dots.
 */
export function qrModuleSize(token: string, profile: PrinterProfile, drawn: boolean): number {
  const modules = qrModulesFor(new TextEncoder().encode(token).length) + 2 * QUIET_ZONE;
  const fits = Math.floor(printableDots(profile) / modules);
  const size = Math.min(profile.qrModuleSize, fits);
  return drawn ? Math.min(8, Math.max(3, size)) : Math.max(1, size);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Why this logo cannot be printed on this profile, or null when it can. */
export function logoProblem(logo: string, profile: PrinterProfile): string | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(logo)) return 'the logo is not base64 text';
  const bytes = Buffer.from(logo, 'base64');
  if (bytes.length < 33 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b) || bytes.toString('latin1', 12, 16) !== 'IHDR') return 'the logo is not a PNG image';
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width < 1 || height < 1) return 'the logo PNG is empty';
  if (width > printableDots(profile)) return `the logo is ${width} dots wide; ${profile.name} prints at most ${printableDots(profile)}`;
  if (height > 1024) return `the logo is ${height} dots tall (at most 1024)`;
  return null;
}

/** The ReceiptLine document for this printer (`drawn`: QR as a drawn code, else the native command). */
export function slipReceiptDocument(request: SlipRequest, drawn: boolean): string {
  const { slip, program, profile } = request;
  const lang = slipLanguage(request.lang, profile);
  const document = slipDocument(slip, program, {
    lang,
    target: drawn ? 'preview' : 'printer',
    timeZone: request.timeZone,
    reprint: request.reprint === true,
    ...(slip.memberQr === null ? {} : { qrModuleSize: qrModuleSize(slip.memberQr, profile, drawn) }),
  });
  const logo = request.logo === undefined ? profile.logo : request.logo;
  if (logo === null || logoProblem(logo, profile) !== null) return document;
  return `{image:${logo}}\n${document}`;
}

export class SlipRenderer {
  constructor(private readonly encoder: ReceiptEncoder = new ReceiptlineEncoder()) {}

  /** The bytes to send to the printer. */
  bytes(request: SlipRequest): Uint8Array {
    return this.encoder.encode(slipReceiptDocument(request, request.profile.qr === 'raster'), request.profile);
  }

  /** The same slip as an SVG, for the on-screen preview (and for tests that look at the picture). */
  svg(request: SlipRequest): string {
    return this.encoder.svg(slipReceiptDocument(request, true), request.profile);
  }
}

const defaultRenderer = new SlipRenderer();

export function renderSlipBytes(request: SlipRequest): Uint8Array {
  return defaultRenderer.bytes(request);
}

export function renderSlipSvg(request: SlipRequest): string {
  return defaultRenderer.svg(request);
}

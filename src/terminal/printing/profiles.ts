/**
 * Built-in printer profiles: what the encoder needs to know about a printer model. A counter's
 * printer configuration names one by id (see printers.ts).
 *
 * Widths: ReceiptLine lays text out in Font A (12 × 24 dots), so the printable width in dots is
 * characters per line × 12: 32 → 384 dots (58 mm paper), 42 → 504 and 48 → 576 dots (80 mm).
 * QR module sizes are the largest that suit the paper; render-slip shrinks a module size when a
 * long code (a terminal-issued member token) would not fit the width — a GS ( k symbol wider than
 * the print area is not printed at all.
 */
import { TallyError } from '../../core/errors.js';
import type { PrinterProfile } from './types.js';

/** Dots per character of Font A, which ReceiptLine lays out in. */
export const DOTS_PER_CHARACTER = 12;

export const PRINTER_PROFILES = {
  /** Any 58 mm ESC/POS printer: 32 columns, code page 437, native QR. */
  'generic-58': {
    id: 'generic-58',
    name: 'Generic ESC/POS, 58 mm',
    paperWidth: 58,
    charactersPerLine: 32,
    encoding: 'cp437',
    multiByte: null,
    qr: 'native',
    qrModuleSize: 5,
    cutter: false,
    logo: null,
  },
  /** Epson TM-T88/TM-T20/TM-m30 class, 80 mm, 48 columns, Windows-1252 (code page 16). */
  'epson-tm-80': {
    id: 'epson-tm-80',
    name: 'Epson TM series, 80 mm (48 columns)',
    paperWidth: 80,
    charactersPerLine: 48,
    encoding: 'cp1252',
    multiByte: null,
    qr: 'native',
    qrModuleSize: 6,
    cutter: true,
    logo: null,
  },
  /** Epson TM series set to 42 columns (e.g. TM-T20 with 512-dot heads), code page 437. */
  'epson-tm-80-42': {
    id: 'epson-tm-80-42',
    name: 'Epson TM series, 80 mm (42 columns)',
    paperWidth: 80,
    charactersPerLine: 42,
    encoding: 'cp437',
    multiByte: null,
    qr: 'native',
    qrModuleSize: 6,
    cutter: true,
    logo: null,
  },
  /** Korean-model printers (Bixolon SRP-350, Epson TM-T20 Korean, Sewoo …), 80 mm: CP949 in Korean double-byte mode. */
  'korean-80': {
    id: 'korean-80',
    name: 'Korean ESC/POS, 80 mm (CP949)',
    paperWidth: 80,
    charactersPerLine: 48,
    encoding: 'cp949',
    multiByte: 'cp949',
    qr: 'native',
    qrModuleSize: 6,
    cutter: true,
    logo: null,
  },
  /** Korean-model 58 mm printers (CP949). */
  'korean-58': {
    id: 'korean-58',
    name: 'Korean ESC/POS, 58 mm (CP949)',
    paperWidth: 58,
    charactersPerLine: 32,
    encoding: 'cp949',
    multiByte: 'cp949',
    qr: 'native',
    qrModuleSize: 5,
    cutter: false,
    logo: null,
  },
  /** Older or budget 58 mm printers without QR commands: the QR code is sent as a raster image (GS v 0). */
  'raster-58': {
    id: 'raster-58',
    name: 'ESC/POS without QR support, 58 mm (QR as an image)',
    paperWidth: 58,
    charactersPerLine: 32,
    encoding: 'cp437',
    multiByte: null,
    qr: 'raster',
    qrModuleSize: 5,
    cutter: false,
    logo: null,
  },
} as const satisfies Readonly<Record<string, PrinterProfile>>;

export type ProfileId = keyof typeof PRINTER_PROFILES;

export const PROFILE_IDS = Object.keys(PRINTER_PROFILES) as readonly ProfileId[];

export function isProfileId(id: string): id is ProfileId {
  return Object.hasOwn(PRINTER_PROFILES, id);
}

/** The profile with this id; an unknown id is a configuration mistake the manager can fix. */
export function printerProfile(id: string): PrinterProfile {
  if (!isProfileId(id)) throw new TallyError('invalid-input', `Unknown printer profile "${id}": choose one of ${PROFILE_IDS.join(', ')}`);
  return PRINTER_PROFILES[id];
}

/** The printable width in dots (Font A columns). */
export function printableDots(profile: PrinterProfile): number {
  return profile.charactersPerLine * DOTS_PER_CHARACTER;
}

/** Whether the printer can print Hangul (a Korean slip needs CP949 double-byte mode). */
export function printsKorean(profile: PrinterProfile): boolean {
  return profile.encoding === 'cp949';
}

import { describe, expect, it } from 'vitest';
import { isTallyError } from '../../core/errors.js';
import { isProfileId, printableDots, PRINTER_PROFILES, printerProfile, printsKorean, PROFILE_IDS } from './profiles.js';

describe('built-in printer profiles', () => {
  it('each is filed under its own id', () => {
    for (const [id, profile] of Object.entries(PRINTER_PROFILES)) expect(profile.id).toBe(id);
    expect(PROFILE_IDS).toEqual(['generic-58', 'epson-tm-80', 'epson-tm-80-42', 'korean-80', 'korean-58', 'raster-58']);
  });

  it('fit their paper: 32 columns (384 dots) on 58 mm, 42 or 48 (504 or 576 dots) on 80 mm', () => {
    for (const profile of Object.values(PRINTER_PROFILES)) {
      expect(profile.paperWidth === 58 ? [32] : [42, 48]).toContain(profile.charactersPerLine);
      expect(printableDots(profile)).toBe(profile.charactersPerLine * 12);
    }
  });

  it('say what double-byte mode means exactly when they print Korean', () => {
    for (const profile of Object.values(PRINTER_PROFILES)) {
      expect(profile.multiByte !== null).toBe(profile.encoding === 'cp949');
      expect(printsKorean(profile)).toBe(profile.encoding === 'cp949');
    }
    expect(Object.values(PRINTER_PROFILES).filter(printsKorean).map((p) => p.id)).toEqual(['korean-80', 'korean-58']);
  });

  it('have a QR module size a scanner reads (4–6 dots: one 24-dot blank line is then a full quiet zone)', () => {
    for (const profile of Object.values(PRINTER_PROFILES)) {
      expect(profile.qrModuleSize).toBeGreaterThanOrEqual(4);
      expect(profile.qrModuleSize).toBeLessThanOrEqual(6);
    }
    expect(Object.values(PRINTER_PROFILES).filter((p) => p.qr === 'raster').map((p) => p.id)).toEqual(['raster-58']);
  });
});

describe('printerProfile', () => {
  it('finds a profile by id', () => {
    expect(printerProfile('korean-80').encoding).toBe('cp949');
    expect(isProfileId('generic-58')).toBe(true);
    expect(isProfileId('toString')).toBe(false);
  });

  it('an unknown id is an invalid-input error listing the choices', () => {
    let error: unknown;
    try {
      printerProfile('tm-t88');
    } catch (e) {
      error = e;
    }
    expect(isTallyError(error) && error.code).toBe('invalid-input');
    expect((error as Error).message).toBe('Unknown printer profile "tm-t88": choose one of generic-58, epson-tm-80, epson-tm-80-42, korean-80, korean-58, raster-58');
  });
});

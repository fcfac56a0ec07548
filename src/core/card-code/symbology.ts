/**
 * AIM symbology identifiers (ISO/IEC 15424): scanners configured to send them prefix each code with
 * `]` + a code character + a modifier, e.g. `]E0` for EAN-13, `]C1` for GS1-128, `]Q1` for QR.
 */
export type Symbology =
  | 'ean-upc'
  | 'code128'
  | 'gs1-128'
  | 'code39'
  | 'code93'
  | 'codabar'
  | 'itf'
  | 'qr'
  | 'datamatrix'
  | 'pdf417'
  | 'aztec'
  | 'gs1-databar'
  | 'magstripe'
  | 'unknown';

const BY_CODE: Record<string, Symbology> = {
  A: 'code39',
  C: 'code128',
  E: 'ean-upc',
  F: 'codabar',
  G: 'code93',
  I: 'itf',
  L: 'pdf417',
  Q: 'qr',
  d: 'datamatrix',
  e: 'gs1-databar',
  z: 'aztec',
  X: 'unknown',
};

export interface AimPrefix {
  readonly aimId: string;
  readonly symbology: Symbology;
  readonly rest: string;
}

/** Splits a leading AIM identifier off a scan, if there is one. */
export function splitAimPrefix(text: string): AimPrefix | undefined {
  const m = /^\](.)(.)/.exec(text);
  if (!m) return undefined;
  const [, code, modifier] = m;
  let symbology = BY_CODE[code!] ?? 'unknown';
  // ]C1 is GS1-128; ]d2 GS1 DataMatrix, ]Q3 GS1 QR are still their symbology.
  if (code === 'C' && modifier === '1') symbology = 'gs1-128';
  return { aimId: `]${code}${modifier}`, symbology, rest: text.slice(3) };
}

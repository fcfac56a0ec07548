import type { Symbology } from '../../core/card-code/symbology.js';

export type ScanSource = 'serial' | 'hid' | 'wedge' | 'camera' | 'image' | 'simulator';

/** One code read by any scanner: every transport delivers exactly this. */
export interface ScanEvent {
  /** The decoded text, framing (suffix, prefix) removed; an AIM identifier, if sent, is still in front. */
  readonly text: string;
  /** The bytes as they came from the device (for support and for the parser's checks). */
  readonly raw: Uint8Array;
  /** What the transport knows of the symbology (an HID report, a camera decoder); 'unknown' otherwise. */
  readonly symbology: Symbology;
  /** The AIM identifier (]E0, ]Q1…) when the scanner sends one. */
  readonly aimId: string | null;
  readonly source: ScanSource;
  readonly deviceId: string;
  /** When the last byte arrived (epoch ms). */
  readonly time: number;
}

/**
 * The printing stack's seams. A receipt goes: SlipData (what the ledger recorded) → a ReceiptLine
 * document (src/core/receipt) → bytes for the printer's profile (ReceiptEncoder) → a transport
 * (TCP 9100, serial, USB printer class) that also reads the printer's real-time status.
 */
import type { PrinterStatus } from '../../core/escpos/status.js';
import type { MultiByteEncoding } from '../../core/escpos/text-codec.js';

/** What a printer model needs from the encoder. */
export interface PrinterProfile {
  readonly id: string;
  readonly name: string;
  /** Paper width in mm: 58 or 80. */
  readonly paperWidth: 58 | 80;
  /** Characters per line in the default font (Font A, 12 dots): 32 on 58 mm, 42 or 48 on 80 mm. */
  readonly charactersPerLine: number;
  /** The code page text is sent in; 'cp949' uses the printer's Korean (double-byte) mode. */
  readonly encoding: 'cp437' | 'cp1252' | 'cp949';
  /** What double-byte mode means on this printer (for reading its bytes back). */
  readonly multiByte: MultiByteEncoding | null;
  /** 'native' prints QR codes with GS ( k; 'raster' draws them (printers without QR support). */
  readonly qr: 'native' | 'raster';
  readonly qrModuleSize: number;
  readonly cutter: boolean;
  /** A monochrome PNG (base64) printed at the top, or null. */
  readonly logo: string | null;
}

export type TransportKind = 'tcp' | 'serial' | 'usb';

export class PrinterError extends Error {
  constructor(
    /** 'not-escpos': something answers at the printer's address, but not as an ESC/POS printer does (a web server, a wrong port). */
    readonly code: 'offline' | 'timeout' | 'not-ready' | 'io' | 'not-found' | 'permission-denied' | 'not-escpos',
    message: string,
    readonly status: PrinterStatus | null = null,
  ) {
    super(message);
    this.name = 'PrinterError';
  }
}

/** One way of reaching a printer. Every method rejects with a PrinterError, never throws anything else. */
export interface PrinterTransport {
  readonly kind: TransportKind;
  readonly description: string;
  /** Whether status can be read back (a USB class device file / FIFO cannot). */
  readonly readsStatus: boolean;
  /** The printer's real-time status (DLE EOT 1–4), or null when this transport cannot read it. */
  status(timeoutMs: number): Promise<PrinterStatus | null>;
  /** Writes a whole job; resolves when the last byte has been handed to the OS / socket. */
  write(bytes: Uint8Array, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Turns a ReceiptLine document into printer bytes and previews (one interface over ReceiptLine). */
export interface ReceiptEncoder {
  encode(document: string, profile: PrinterProfile): Uint8Array;
  /** An SVG of the same receipt, for the on-screen preview and for tests. */
  svg(document: string, profile: PrinterProfile): string;
}

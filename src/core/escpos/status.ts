/**
 * ESC/POS real-time status (DLE EOT n). A printer answers each request with one byte whose bits 1
 * and 4 are always set and bits 0 and 7 always clear (0x12 | flags; Epson ESC/POS reference, DLE
 * EOT "fixed" bits); a byte without them is not a status answer. The four
 * requests give: 1 printer (online/offline, drawer), 2 offline cause (cover, paper stop, error),
 * 3 error cause (cutter, unrecoverable, auto-recoverable), 4 paper roll sensor (near end, end).
 */

export const STATUS_REQUESTS = {
  printer: Uint8Array.of(0x10, 0x04, 0x01),
  offlineCause: Uint8Array.of(0x10, 0x04, 0x02),
  errorCause: Uint8Array.of(0x10, 0x04, 0x03),
  paperSensor: Uint8Array.of(0x10, 0x04, 0x04),
} as const;

export type PaperState = 'ok' | 'near-end' | 'out';

export interface PrinterStatus {
  readonly online: boolean;
  readonly coverOpen: boolean;
  readonly paper: PaperState;
  /** An error stops printing: cutter jam, unrecoverable or auto-recoverable errors. */
  readonly error: boolean;
  readonly cutterError: boolean;
  readonly drawerOpen: boolean;
  /** The four answer bytes as received, for support. */
  readonly raw: readonly number[];
}

export function isStatusByte(byte: number): boolean {
  return (byte & 0x93) === 0x12;
}

/**
 * Whether an ESC/POS printer could have sent this byte on a connection where it was asked for its
 * status: a DLE EOT answer (above), a byte of an Automatic Status Back frame (GS a: the header has
 * bits 0, 1 and 7 clear and bit 4 set, the three bytes after it have bits 4 and 7 clear), a GS r
 * answer (bits 4 and 7 clear), or XON / XOFF (0x11, 0x13). Nothing a printer sends has bit 7 set,
 * and nothing has bits 4 and 0 both set but XON and XOFF. Anything else comes from a device that is
 * not an ESC/POS printer: text such as "HTTP/1.1 400" fails at the "1" (0x31). Skipping such bytes
 * instead, and keeping the ones that happen to look like status answers ("R:::" from an HTTP reply
 * reads as paper out), reported a web server as a printer out of paper.
 */
export function isPrinterReplyByte(byte: number): boolean {
  if ((byte & 0x80) !== 0) return false;
  return (byte & 0x11) !== 0x11 || byte === 0x11 || byte === 0x13;
}

export class StatusParseError extends Error {}

/** Parses the answers to the four requests, sent in STATUS_REQUESTS order. */
export function parseStatus(answers: readonly number[]): PrinterStatus {
  if (answers.length !== 4) throw new StatusParseError(`expected 4 status bytes, got ${answers.length}`);
  const bad = answers.find((b) => !isStatusByte(b));
  if (bad !== undefined) throw new StatusParseError(`0x${bad.toString(16).padStart(2, '0')} is not a status byte`);
  const [printer, offline, error, paper] = answers as [number, number, number, number];
  const paperOut = (paper & 0x60) !== 0 || (offline & 0x20) !== 0;
  const nearEnd = (paper & 0x0c) !== 0;
  return {
    online: (printer & 0x08) === 0,
    coverOpen: (offline & 0x04) !== 0,
    paper: paperOut ? 'out' : nearEnd ? 'near-end' : 'ok',
    error: (offline & 0x40) !== 0 || (error & 0x68) !== 0,
    cutterError: (error & 0x08) !== 0,
    // Drawer kick-out connector pin 3: bit 2 of the printer status (its meaning depends on the drawer).
    drawerOpen: (printer & 0x04) !== 0,
    raw: answers,
  };
}

/** Whether a job can be sent now; paper near its end still prints. */
export function canPrint(status: PrinterStatus): boolean {
  return status.online && !status.coverOpen && status.paper !== 'out' && !status.error;
}

/** What to tell the cashier, in English and Korean. */
export function describeStatus(status: PrinterStatus): { readonly en: string; readonly ko: string } {
  if (status.coverOpen) return { en: 'Printer cover open — close it', ko: '프린터 덮개가 열려 있습니다 — 닫아 주세요' };
  // The condition and what to do about it, nothing more: whoever holds a receipt says what becomes of it
  // ("Receipt kept for printer …: … it prints when the printer is ready"), so it is not said twice.
  if (status.paper === 'out') return { en: 'Printer out of paper — load paper', ko: '프린터 용지가 없습니다 — 용지를 넣어 주세요' };
  if (status.cutterError) return { en: 'Printer cutter jammed — clear it', ko: '프린터 커터가 걸렸습니다 — 확인해 주세요' };
  if (status.error) return { en: 'Printer error — check the printer', ko: '프린터 오류 — 프린터를 확인해 주세요' };
  if (!status.online) return { en: 'Printer offline', ko: '프린터가 오프라인입니다' };
  if (status.paper === 'near-end') return { en: 'Printer paper running low', ko: '프린터 용지가 얼마 남지 않았습니다' };
  return { en: 'Printer ready', ko: '프린터 준비됨' };
}

/** Builds the answer bytes a printer in this state gives (for emulators and tests). */
export function statusAnswers(state: { online?: boolean; coverOpen?: boolean; paper?: PaperState; error?: boolean; cutterError?: boolean }): number[] {
  const base = 0x12;
  const printer = base | (state.online === false || state.coverOpen || state.paper === 'out' || state.error ? 0x08 : 0);
  const offline = base | (state.coverOpen ? 0x04 : 0) | (state.paper === 'out' ? 0x20 : 0) | (state.error || state.cutterError ? 0x40 : 0);
  const error = base | (state.cutterError ? 0x08 : 0) | (state.error ? 0x20 : 0);
  const paper = base | (state.paper === 'near-end' ? 0x0c : 0) | (state.paper === 'out' ? 0x6c : 0);
  return [printer, offline, error, paper];
}

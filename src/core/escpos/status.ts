/**
 * ESC/POS real-time status (DLE EOT n). A printer answers each request with one byte whose bit 1
 * and bit 4 are always set (0x12 | flags); a byte without them is not a status answer. The four
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
  if (status.paper === 'out') return { en: 'Printer out of paper — receipt kept, it prints when paper is loaded', ko: '프린터 용지가 없습니다 — 영수증은 보관되며 용지를 넣으면 출력됩니다' };
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

/**
 * Reading scans out of HID POS input reports (USB-IF HID Point of Sale Usage Tables 1.02,
 * Bar Code Scanner page 0x8C), by usage, never by byte offset:
 *
 *   Decoded Data (0xFE)            the scanned bytes, one 8-bit control each
 *   Symbology Identifier 1-3 (0xFB-0xFD)   the AIM identifier (]Q1, ]E0…) when the scanner sends one
 *   Decode Data Continued (0xFF)   set when the next report carries more of the same code
 *   Byte Count (Generic Desktop 0x3B)      how many Decoded Data bytes are the code's (Honeywell)
 *
 * `scanLayoutFrom` finds those controls in a parsed report descriptor; `decodeScanReport` reads one
 * report with it; `ReportAssembler` joins the reports of one long code (a signed member QR is ~150
 * bytes: three 56-byte reports) and refuses, with a reason, codes that grow past a bound or whose
 * last report never comes. A partial code is never delivered: half a member id must not become
 * another member.
 */
import { splitAimPrefix, type Symbology } from '../../../core/card-code/symbology.js';
import type { Timers } from '../supervisor.js';
import { fieldHasUsage, readBits, usageAt, type ReportDescriptor, type ReportField } from './report-descriptor.js';
import { BCS, GD_BYTE_COUNT, usageName } from './usages.js';

export type HidReportProblem =
  /** The descriptor has no input report with Decoded Data: not a HID POS scanner, or a vendor layout we have no profile for. */
  | 'no-scan-report'
  /** A report shorter than the fields the descriptor promises. */
  | 'short'
  /** A report id the descriptor does not declare. */
  | 'unknown-report'
  /** A byte count larger than the data the report can carry. */
  | 'bad-length'
  /** Reports of one code that contradict each other. */
  | 'inconsistent'
  /** A code longer than the assembler's bound. */
  | 'overflow'
  /** A code whose report with the continued flag cleared never arrived. */
  | 'lost-final-report';

export class HidReportError extends Error {
  constructor(
    readonly problem: HidReportProblem,
    message: string,
  ) {
    super(message);
    this.name = 'HidReportError';
  }
}

/** One 8-bit (or narrower) control: where it sits in the report's data (after the id byte). */
interface Control {
  readonly bitOffset: number;
  readonly bitSize: number;
}

export interface ScanLayout {
  /** 0 when the descriptor uses no report ids. */
  readonly reportId: number;
  readonly usesReportIds: boolean;
  /** Decoded Data controls in report order, one byte each. */
  readonly data: readonly Control[];
  readonly byteCount: Control | null;
  /** Symbology Identifier 1, 2, 3 in that order (absent ones left out). */
  readonly symbology: readonly Control[];
  /** Every Decode Data Continued control; any one set means "more follows". */
  readonly continued: readonly Control[];
  /** A vendor's own symbology code (Honeywell's Code ID), when the profile names its usage. */
  readonly codeId: Control | null;
  /** Bytes of report data the layout reads (the report id byte not counted). */
  readonly dataBytesNeeded: number;
  /** Other input reports the descriptor declares (trigger, status): skipped, not errors. */
  readonly otherInputReportIds: readonly number[];
}

function controlsOf(field: ReportField): { usage: number | undefined; control: Control }[] {
  const out: { usage: number | undefined; control: Control }[] = [];
  // A byte buffer declared as an array with its one usage (some descriptors do this) is still that usage.
  const single = !field.variable && field.usages.length === 1 ? field.usages[0] : undefined;
  for (let i = 0; i < field.count; i += 1) {
    out.push({ usage: field.variable ? usageAt(field, i) : single, control: { bitOffset: field.bitOffset + i * field.bitSize, bitSize: field.bitSize } });
  }
  return out;
}

/**
 * Finds the scanned-data input report of a descriptor and where each control of it lies. When
 * several input reports carry Decoded Data, the one inside a Scanned Data Report collection wins.
 */
export function scanLayoutFrom(descriptor: ReportDescriptor, options: { readonly codeIdUsage?: number } = {}): ScanLayout {
  const inputs = descriptor.reports.filter((r) => r.kind === 'input');
  const candidates = inputs.filter((r) => r.fields.some((f) => !f.constant && fieldHasUsage(f, BCS.decodedData)));
  if (candidates.length === 0) {
    throw new HidReportError('no-scan-report', `the report descriptor has no input report with Decoded Data (usage ${usageName(BCS.decodedData)}): not a HID POS scanner interface, or a vendor layout that needs a profile`);
  }
  const report = candidates.find((r) => r.fields.some((f) => f.collections.includes(BCS.scannedDataReport))) ?? candidates[0]!;

  const data: Control[] = [];
  const symbology: { usage: number; control: Control }[] = [];
  const continued: Control[] = [];
  let byteCount: Control | null = null;
  let codeId: Control | null = null;
  for (const field of report.fields) {
    if (field.constant) continue;
    for (const { usage, control } of controlsOf(field)) {
      if (usage === undefined) continue;
      if (usage === BCS.decodedData) {
        if (control.bitSize !== 8) throw new HidReportError('no-scan-report', `Decoded Data controls are ${control.bitSize} bits, not 8: cannot read bytes from them`);
        data.push(control);
      } else if (usage === BCS.symbologyIdentifier1 || usage === BCS.symbologyIdentifier2 || usage === BCS.symbologyIdentifier3) {
        if (control.bitSize === 8) symbology.push({ usage, control });
      } else if (usage === BCS.decodeDataContinued) {
        continued.push(control);
      } else if (usage === GD_BYTE_COUNT && byteCount === null && control.bitSize <= 16) {
        byteCount = control;
      } else if (options.codeIdUsage !== undefined && usage === options.codeIdUsage && codeId === null && control.bitSize === 8) {
        codeId = control;
      }
    }
  }
  symbology.sort((a, b) => a.usage - b.usage || a.control.bitOffset - b.control.bitOffset);
  const used = [...data, ...symbology.map((s) => s.control), ...continued, ...(byteCount ? [byteCount] : []), ...(codeId ? [codeId] : [])];
  const lastBit = Math.max(...used.map((c) => c.bitOffset + c.bitSize));
  return {
    reportId: report.reportId,
    usesReportIds: descriptor.usesReportIds,
    data,
    byteCount,
    symbology: symbology.slice(0, 3).map((s) => s.control),
    continued,
    codeId,
    dataBytesNeeded: Math.ceil(lastBit / 8),
    otherInputReportIds: inputs.filter((r) => r !== report).map((r) => r.reportId),
  };
}

/** What one report says about one code. */
export interface ScanPiece {
  readonly reportId: number;
  readonly data: Uint8Array;
  /** `]Q1` and the like, when the Symbology Identifier controls hold an AIM identifier. */
  readonly aimId: string | null;
  /** The Symbology Identifier bytes as sent (0 where unused), for support. */
  readonly symbologyBytes: readonly number[];
  readonly codeId: number | null;
  readonly continued: boolean;
}

export type DecodedReport = { readonly kind: 'piece'; readonly piece: ScanPiece } | { readonly kind: 'other'; readonly reportId: number };

const printable = (b: number): boolean => b > 0x20 && b < 0x7f;

function aimFrom(bytes: readonly number[]): string | null {
  if (bytes.length === 3 && bytes[0] === 0x5d && printable(bytes[1]!) && printable(bytes[2]!)) return String.fromCharCode(...bytes);
  return null;
}

/** Reads one input report as node-hid delivers it: the report id first when the descriptor uses ids. */
export function decodeScanReport(layout: ScanLayout, report: Uint8Array): DecodedReport {
  let body = report;
  let reportId = 0;
  if (layout.usesReportIds) {
    if (report.length === 0) throw new HidReportError('short', 'an empty HID report');
    reportId = report[0]!;
    if (reportId !== layout.reportId) {
      if (layout.otherInputReportIds.includes(reportId)) return { kind: 'other', reportId };
      throw new HidReportError('unknown-report', `HID report id ${reportId} is not one the scanner's descriptor declares (scans come in report ${layout.reportId})`);
    }
    body = report.subarray(1);
  }
  if (body.length < layout.dataBytesNeeded) {
    throw new HidReportError('short', `HID report too short: ${body.length} data bytes, the descriptor's scanned-data report needs ${layout.dataBytesNeeded}`);
  }
  const all = Uint8Array.from(layout.data, (c) => readBits(body, c.bitOffset, 8));
  let data: Uint8Array;
  if (layout.byteCount) {
    const n = readBits(body, layout.byteCount.bitOffset, layout.byteCount.bitSize);
    if (n > all.length) throw new HidReportError('bad-length', `HID report says it carries ${n} bytes, but it has room for ${all.length}: garbled report refused`);
    data = all.slice(0, n);
  } else {
    // No byte count: the data is padded with NULs (the usage tables' scanned-data report has no
    // length). Hazard: a code that really ends in NUL bytes loses them; text codes never do.
    let end = all.length;
    while (end > 0 && all[end - 1] === 0) end -= 1;
    data = all.slice(0, end);
  }
  const symbologyBytes = layout.symbology.map((c) => readBits(body, c.bitOffset, 8));
  return {
    kind: 'piece',
    piece: {
      reportId,
      data,
      aimId: aimFrom(symbologyBytes),
      symbologyBytes,
      codeId: layout.codeId ? readBits(body, layout.codeId.bitOffset, 8) || null : null,
      continued: layout.continued.some((c) => readBits(body, c.bitOffset, c.bitSize) !== 0),
    },
  };
}

/** One whole code, joined from its reports. */
export interface AssembledScan {
  readonly data: Uint8Array;
  readonly aimId: string | null;
  readonly codeId: number | null;
  /** The reports as received, joined: what came from the device, for support. */
  readonly raw: Uint8Array;
  readonly reports: number;
}

export interface AssemblerOptions {
  /** Longest code accepted; longer ones are refused whole. */
  readonly maxBytes?: number;
  /** How long to wait for the next report of a continued code before dropping it. */
  readonly finalReportTimeoutMs?: number;
  readonly timers?: Timers;
}

export const DEFAULT_MAX_CODE_BYTES = 4096;
export const DEFAULT_FINAL_REPORT_TIMEOUT_MS = 500;

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Joins the reports of one code until a report without the continued flag. Bounded: a code longer
 * than `maxBytes` is refused (and its remaining reports skipped up to its last one), and a code
 * whose last report does not come within `finalReportTimeoutMs` of the previous one is dropped.
 * Both are reported through `onError`; `onScan` only ever sees whole codes.
 */
export class ReportAssembler {
  private parts: Uint8Array[] = [];
  private raws: Uint8Array[] = [];
  private size = 0;
  private first: ScanPiece | null = null;
  private discarding = false;
  private timer: unknown = null;
  readonly maxBytes: number;
  readonly finalReportTimeoutMs: number;
  private readonly timers: Timers;

  constructor(
    private readonly onScan: (scan: AssembledScan) => void,
    private readonly onError: (error: HidReportError) => void,
    options: AssemblerOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_CODE_BYTES;
    this.finalReportTimeoutMs = options.finalReportTimeoutMs ?? DEFAULT_FINAL_REPORT_TIMEOUT_MS;
    this.timers = options.timers ?? defaultTimers;
  }

  /** A code is part-way through. */
  get pending(): boolean {
    return this.first !== null || this.discarding;
  }

  push(piece: ScanPiece, raw: Uint8Array): void {
    this.stopTimer();
    if (this.discarding) {
      // The tail of a code already refused as too long: skip up to and including its last report.
      if (piece.continued) this.startTimer();
      else this.discarding = false;
      return;
    }
    if (this.first === null && !piece.continued && piece.data.length === 0) return; // an empty report is no scan
    if (this.first !== null && piece.aimId !== null && this.first.aimId !== null && piece.aimId !== this.first.aimId) {
      const message = `the reports of one code disagree on its symbology (${this.first.aimId} then ${piece.aimId}): ${this.size} bytes dropped — scan again`;
      this.clear();
      this.onError(new HidReportError('inconsistent', message));
      return;
    }
    this.first ??= piece;
    this.size += piece.data.length;
    if (this.size > this.maxBytes) {
      const reports = this.parts.length + 1;
      this.clear();
      this.discarding = piece.continued;
      if (this.discarding) this.startTimer();
      this.onError(new HidReportError('overflow', `a code longer than ${this.maxBytes} bytes (more than ${reports} reports) was refused — not a member card`));
      return;
    }
    this.parts.push(piece.data);
    this.raws.push(raw);
    if (piece.continued) {
      this.startTimer();
      return;
    }
    const scan: AssembledScan = { data: concat(this.parts), aimId: this.first.aimId, codeId: this.first.codeId, raw: concat(this.raws), reports: this.parts.length };
    this.clear();
    this.onScan(scan);
  }

  /** Forget a code part-way through, silently (closing the device). */
  reset(): void {
    this.stopTimer();
    this.clear();
    this.discarding = false;
  }

  private clear(): void {
    this.parts = [];
    this.raws = [];
    this.size = 0;
    this.first = null;
  }

  private startTimer(): void {
    this.timer = this.timers.setTimeout(() => this.expire(), this.finalReportTimeoutMs);
  }

  private stopTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private expire(): void {
    this.timer = null;
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.first === null) return;
    const bytes = this.size;
    const reports = this.parts.length;
    this.clear();
    this.onError(new HidReportError('lost-final-report', `a code's last report never came (${bytes} bytes in ${reports} report(s), nothing for ${this.finalReportTimeoutMs} ms): dropped — scan again`));
  }
}

/** The text of a code: UTF-8 when the bytes are valid UTF-8, otherwise one character per byte (Latin-1). */
export function textOf(data: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return String.fromCharCode(...data);
  }
}

/**
 * The symbology of a code: the AIM identifier wins (from the report's Symbology Identifier
 * controls, else from an AIM prefix the scanner put in front of the data), then the vendor's own
 * code id through the profile's table.
 */
export function symbologyOf(aimId: string | null, codeId: number | null, codeIds: Readonly<Record<number, Symbology>> | undefined): Symbology {
  const aim = aimId === null ? undefined : splitAimPrefix(aimId);
  if (aim && aim.symbology !== 'unknown') return aim.symbology;
  if (codeId !== null && codeIds?.[codeId]) return codeIds[codeId];
  return 'unknown';
}

/** What a whole code says, as the scan event carries it. */
export interface ScanText {
  readonly text: string;
  readonly aimId: string | null;
  readonly symbology: Symbology;
}

/**
 * Text, AIM identifier and symbology of an assembled code. A suffix the scanner was configured to
 * add (CR, LF) is framing, as on serial: taken off the text (it stays in `raw`). An AIM identifier
 * the scanner put in front of the data (where the layout has no Symbology Identifier controls)
 * stays in the text, as on every transport, and is reported as the AIM id.
 */
export function scanText(scan: AssembledScan, codeIds?: Readonly<Record<number, Symbology>>): ScanText {
  const text = textOf(scan.data).replace(/[\r\n]+$/, '');
  const aimId = scan.aimId ?? (splitAimPrefix(text)?.aimId ?? null);
  return { text, aimId, symbology: symbologyOf(aimId, scan.codeId, codeIds) };
}

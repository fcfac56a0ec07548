/**
 * The scan decoder's edges and the report assembler's bounds: a lost final report, a code past
 * the size bound, reports that contradict each other, layouts without report ids or declared as
 * arrays, descriptors that are no scanner at all. Timers are injected; nothing waits.
 */
import { describe, expect, it } from 'vitest';
import { APPLICATION, BUFFERED_BYTES, CONSTANT, descriptor, item, VARIABLE } from './descriptor-builder.js';
import { decodeScanReport, HidReportError, ReportAssembler, scanLayoutFrom, scanText, symbologyOf, textOf, type AssembledScan, type ScanPiece } from './pos-report.js';
import { parseReportDescriptor } from './report-descriptor.js';
import { FakeTimers } from '../../../../tests/support/fake-timers.js';

const piece = (text: string, continued: boolean, aimId: string | null = ']Q1', codeId: number | null = null): ScanPiece => ({
  reportId: 2,
  data: new TextEncoder().encode(text),
  aimId,
  symbologyBytes: [],
  codeId,
  continued,
});

function harness(options: { maxBytes?: number; finalReportTimeoutMs?: number } = {}) {
  const timers = new FakeTimers();
  const scans: AssembledScan[] = [];
  const errors: HidReportError[] = [];
  const assembler = new ReportAssembler((s) => scans.push(s), (e) => errors.push(e), { ...options, timers });
  const text = (): string[] => scans.map((s) => new TextDecoder().decode(s.data));
  return { timers, scans, errors, assembler, text };
}

describe('ReportAssembler', () => {
  it('joins the reports of one code and delivers it only when a report without the continued flag arrives', () => {
    const h = harness();
    h.assembler.push(piece('TLY1.k1.', true), new Uint8Array([1]));
    h.assembler.push(piece('member.', true), new Uint8Array([2]));
    expect(h.scans).toEqual([]);
    expect(h.assembler.pending).toBe(true);
    h.assembler.push(piece('sig', false), new Uint8Array([3]));
    expect(h.text()).toEqual(['TLY1.k1.member.sig']);
    expect(h.scans[0]).toMatchObject({ aimId: ']Q1', reports: 3, raw: new Uint8Array([1, 2, 3]) });
    expect(h.assembler.pending).toBe(false);
    expect(h.timers.pending.size).toBe(0);
  });

  it('drops a code whose last report never comes, with a reason, and reads the next code normally', () => {
    const h = harness({ finalReportTimeoutMs: 300 });
    h.assembler.push(piece('TLY1.k1.mem', true), new Uint8Array(64));
    expect([...h.timers.pending.values()].map((t) => t.ms)).toEqual([300]);
    h.timers.fireAll();
    expect(h.scans).toEqual([]);
    expect(h.errors.map((e) => e.problem)).toEqual(['lost-final-report']);
    expect(h.errors[0]!.message).toMatch(/last report never came \(11 bytes in 1 report\(s\), nothing for 300 ms\): dropped — scan again/);
    h.assembler.push(piece('2900000042179', false, ']E0'), new Uint8Array(64));
    expect(h.text()).toEqual(['2900000042179']);
  });

  it('measures the timeout from the latest report, not the first', () => {
    const h = harness();
    h.assembler.push(piece('a', true), new Uint8Array(1));
    h.assembler.push(piece('b', true), new Uint8Array(1));
    expect(h.timers.pending.size).toBe(1); // the first timer was cleared when the second report came
  });

  it('refuses a code past the bound whole, skips the rest of its reports, and reads the next code', () => {
    const h = harness({ maxBytes: 100 });
    const chunk = 'x'.repeat(56);
    h.assembler.push(piece(chunk, true), new Uint8Array(64));
    h.assembler.push(piece(chunk, true), new Uint8Array(64));
    expect(h.errors.map((e) => e.problem)).toEqual(['overflow']);
    expect(h.errors[0]!.message).toMatch(/longer than 100 bytes/);
    h.assembler.push(piece(chunk, true), new Uint8Array(64)); // still the refused code
    h.assembler.push(piece('tail', false), new Uint8Array(64)); // its last report
    expect(h.scans).toEqual([]);
    h.assembler.push(piece('2900000042179', false, ']E0'), new Uint8Array(64));
    expect(h.text()).toEqual(['2900000042179']);
    expect(h.errors).toHaveLength(1);
  });

  it('stops skipping a refused code when its last report is lost too', () => {
    const h = harness({ maxBytes: 10 });
    h.assembler.push(piece('x'.repeat(11), true), new Uint8Array(64));
    expect(h.assembler.pending).toBe(true);
    h.timers.fireAll();
    expect(h.assembler.pending).toBe(false);
    h.assembler.push(piece('short', false), new Uint8Array(64));
    expect(h.text()).toEqual(['short']);
    expect(h.errors.map((e) => e.problem)).toEqual(['overflow']);
  });

  it('refuses reports of one code that disagree on the symbology', () => {
    const h = harness();
    h.assembler.push(piece('TLY1.', true, ']Q1'), new Uint8Array(64));
    h.assembler.push(piece('29000', false, ']E0'), new Uint8Array(64));
    expect(h.scans).toEqual([]);
    expect(h.errors.map((e) => e.problem)).toEqual(['inconsistent']);
    expect(h.errors[0]!.message).toMatch(/\]Q1 then \]E0/);
  });

  it('ignores an empty report that continues nothing, and forgets a code part-way through on reset', () => {
    const h = harness();
    h.assembler.push(piece('', false), new Uint8Array(64));
    h.assembler.push(piece('half', true), new Uint8Array(64));
    h.assembler.reset();
    expect(h.timers.pending.size).toBe(0);
    h.timers.fireAll();
    expect(h.scans).toEqual([]);
    expect(h.errors).toEqual([]);
  });
});

describe('decoding by usage', () => {
  it('reads a layout with no report ids (the report has no id byte) and a byte buffer declared as an array', () => {
    const layout = scanLayoutFrom(
      parseReportDescriptor(
        descriptor(
          item.usagePage(0x8c),
          item.usage(0x02),
          item.collection(APPLICATION),
          item.logicalMinimum(0),
          item.logicalMaximum(255),
          item.reportSize(8),
          item.reportCount(8),
          item.usage(0xfe),
          item.input(0), // Data, Array, Abs: a byte buffer some descriptors declare this way
          item.endCollection(),
        ),
      ),
    );
    expect(layout).toMatchObject({ usesReportIds: false, reportId: 0, byteCount: null, symbology: [], continued: [] });
    const decoded = decodeScanReport(layout, new TextEncoder().encode('29000\0\0\0'));
    expect(decoded).toMatchObject({ kind: 'piece', piece: { continued: false, aimId: null } });
    if (decoded.kind === 'piece') expect(textOf(decoded.piece.data)).toBe('29000');
  });

  it('takes symbology bytes that are not an AIM identifier as no AIM identifier', () => {
    const layout = scanLayoutFrom(
      parseReportDescriptor(descriptor(item.usagePage(0x8c), item.reportSize(8), item.reportCount(3), item.usage(0xfb), item.usage(0xfc), item.usage(0xfd), item.input(VARIABLE), item.reportCount(4), item.usage(0xfe), item.input(VARIABLE | BUFFERED_BYTES))),
    );
    const decoded = decodeScanReport(layout, Uint8Array.from([0x01, 0x02, 0x03, 0x41, 0, 0, 0]));
    expect(decoded).toMatchObject({ kind: 'piece', piece: { aimId: null, symbologyBytes: [1, 2, 3] } });
  });

  it('refuses a descriptor with no Decoded Data: a keyboard is not a HID POS scanner', () => {
    const keyboard = descriptor(item.usagePage(0x01), item.usage(0x06), item.collection(APPLICATION), item.usagePage(0x07), item.usageMinimum(0xe0), item.usageMaximum(0xe7), item.reportSize(1), item.reportCount(8), item.input(VARIABLE), item.endCollection());
    expect(() => scanLayoutFrom(parseReportDescriptor(keyboard))).toThrow(HidReportError);
    expect(() => scanLayoutFrom(parseReportDescriptor(keyboard))).toThrow(/no input report with Decoded Data \(usage 0x008C:0x00FE\)/);
  });

  it('refuses Decoded Data that is not made of bytes, and ignores constant padding that happens to carry the usage', () => {
    const wide = descriptor(item.usagePage(0x8c), item.reportSize(16), item.reportCount(4), item.usage(0xfe), item.input(VARIABLE));
    expect(() => scanLayoutFrom(parseReportDescriptor(wide))).toThrow(/16 bits, not 8/);
    const padding = descriptor(item.usagePage(0x8c), item.reportSize(8), item.reportCount(4), item.usage(0xfe), item.input(CONSTANT | VARIABLE));
    expect(() => scanLayoutFrom(parseReportDescriptor(padding))).toThrow(/no input report with Decoded Data/);
  });

  it('refuses an empty report when the layout uses report ids', () => {
    const layout = scanLayoutFrom(parseReportDescriptor(descriptor(item.usagePage(0x8c), item.reportId(2), item.reportSize(8), item.reportCount(4), item.usage(0xfe), item.input(VARIABLE))));
    expect(() => decodeScanReport(layout, new Uint8Array(0))).toThrow(/an empty HID report/);
  });
});

describe('text and symbology', () => {
  it('decodes UTF-8 when the bytes are UTF-8 and one character per byte otherwise', () => {
    expect(textOf(new TextEncoder().encode('Müller'))).toBe('Müller');
    expect(textOf(Uint8Array.from([0x4d, 0xfc, 0x6c]))).toBe('Mül');
  });

  it('prefers the AIM identifier, then the vendor code id, then says unknown', () => {
    const codes = { 0x73: 'qr' } as const;
    expect(symbologyOf(']E0', 0x73, codes)).toBe('ean-upc');
    expect(symbologyOf(']X0', 0x73, codes)).toBe('qr');
    expect(symbologyOf(null, 0x73, codes)).toBe('qr');
    expect(symbologyOf(null, 0x99, codes)).toBe('unknown');
    expect(symbologyOf(null, null, undefined)).toBe('unknown');
  });

  it('takes a CR LF suffix off the text (not off the data) and finds an AIM prefix the scanner put in the data', () => {
    const scan: AssembledScan = { data: new TextEncoder().encode(']E02900000042179\r\n'), aimId: null, codeId: null, raw: new Uint8Array(64), reports: 1 };
    expect(scanText(scan)).toEqual({ text: ']E02900000042179', aimId: ']E0', symbology: 'ean-upc' });
  });
});

/**
 * HID POS report fixtures, decoded by usage: a layout written from the USB HID POS usage tables,
 * Honeywell's firmware descriptor with reports recorded from a real Voyager 1602g, and the byte
 * tables of Access-IS's and Newland's manuals. Multi-report codes (a signed member QR of 150 bytes,
 * a 289-byte recorded response) are joined by the assembler and the member QR goes through the
 * card-code parser, as it would at the counter. The fixtures' member QR is a version-1 code
 * (TLY1, member id in clear), which the parser recognises and refuses as outdated.
 */
import { describe, expect, it } from 'vitest';
import { cardCodeRules, parseCardCode, REJECTION_MESSAGES } from '../../src/core/card-code/parse.js';
import { DEFAULT_CARD_CODES, type CardCodes } from '../../src/core/card-code/rules.js';
import {
  decodeScanReport,
  HidReportError,
  ReportAssembler,
  scanLayoutFrom,
  scanText,
  type AssembledScan,
  type ScanLayout,
} from '../../src/terminal/devices/hid/pos-report.js';
import { HONEYWELL, profileById, type HidProfile } from '../../src/terminal/devices/hid/profiles.js';
import { parseReportDescriptor } from '../../src/terminal/devices/hid/report-descriptor.js';
import type { Timers } from '../../src/terminal/devices/supervisor.js';
import { descriptorBytes, hexBytes, loadJson, type VendorFixture } from '../fixtures/hid/load.js';

const NOW = Date.UTC(2026, 5, 1);

const noTimers: Timers = { setTimeout: () => 'timer', clearTimeout: () => undefined };

interface Loaded {
  readonly file: string;
  readonly fixture: VendorFixture;
  readonly layout: ScanLayout;
  readonly profile: HidProfile | undefined;
}

function load(file: string): Loaded {
  const fixture = loadJson<VendorFixture>(file);
  expect(fixture.source.length).toBeGreaterThan(0);
  const profile = fixture.profile ? profileById(fixture.profile) : undefined;
  if (fixture.descriptor) {
    const codeIdUsage = file === 'honeywell.json' ? HONEYWELL.codeIdUsage : undefined;
    const layout = scanLayoutFrom(parseReportDescriptor(descriptorBytes(fixture.descriptor)), codeIdUsage === undefined ? {} : { codeIdUsage });
    return { file, fixture, layout, profile: file === 'honeywell.json' ? HONEYWELL : undefined };
  }
  if (!profile) throw new Error(`${file}: neither a descriptor nor a known profile`);
  const layout = scanLayoutFrom(parseReportDescriptor(profile.descriptor), profile.codeIdUsage === undefined ? {} : { codeIdUsage: profile.codeIdUsage });
  return { file, fixture, layout, profile };
}

function assemble(layout: ScanLayout, reports: readonly string[]): { scans: AssembledScan[]; errors: HidReportError[]; continued: boolean[] } {
  const scans: AssembledScan[] = [];
  const errors: HidReportError[] = [];
  const continued: boolean[] = [];
  const assembler = new ReportAssembler((s) => scans.push(s), (e) => errors.push(e), { timers: noTimers });
  for (const hex of reports) {
    const bytes = hexBytes(hex);
    const decoded = decodeScanReport(layout, bytes);
    if (decoded.kind !== 'piece') throw new Error('expected a scan report');
    continued.push(decoded.piece.continued);
    assembler.push(decoded.piece, bytes);
  }
  return { scans, errors, continued };
}

const vendorFiles = ['usage-tables.json', 'honeywell.json', 'access-is.json', 'newland.json'];

describe.each(vendorFiles)('HID POS fixture %s', (file) => {
  const loaded = load(file);
  const { fixture, layout, profile } = loaded;

  it.each(fixture.scans.map((s) => [s.name, s] as const))('decodes %s', (_name, scan) => {
    const { scans, errors, continued } = assemble(layout, scan.reports);
    expect(errors).toEqual([]);
    expect(scans).toHaveLength(1);
    // Every report but the last says more follows; the last one does not.
    expect(continued).toEqual(scan.reports.map((_, i) => i < scan.reports.length - 1));
    const whole = scans[0]!;
    expect(whole.reports).toBe(scan.expect.reports);
    expect(whole.raw).toEqual(Uint8Array.from(scan.reports.flatMap((r) => [...hexBytes(r)])));
    const { text, aimId, symbology } = scanText(whole, profile?.codeIds);
    expect(text).toBe(scan.expect.text);
    expect(aimId).toBe(scan.expect.aimId);
    expect(symbology).toBe(scan.expect.symbology);
    if (scan.expect.codeId !== undefined) expect(whole.codeId).toBe(scan.expect.codeId);
    // The suffix a scanner adds (the recorded response ends in CR LF) is off the text, not off the data.
    expect(whole.data).toHaveLength(scan.expect.dataBytes ?? scan.expect.text.length);
  });

  it('hands its member QR, whole, to the card-code parser, which refuses a version-1 code as outdated', () => {
    const scan = fixture.scans.find((s) => s.expect.text.endsWith(fixture.member.token));
    expect(scan, 'every vendor fixture carries the member QR as a multi-report code').toBeDefined();
    expect(scan!.reports.length).toBeGreaterThan(1);
    const { scans } = assemble(layout, scan!.reports);
    const { text, symbology } = scanText(scans[0]!, profile?.codeIds);
    const config: CardCodes = { rules: [{ type: 'member-qr', id: 'member-qr' }], verifyKeys: [fixture.member.verifyKey] };
    const code = parseCardCode({ text, symbology }, cardCodeRules(config), NOW);
    // A TLY1 code names the member in clear and could spend: recognised as a member QR, not honoured.
    expect(code).toEqual({ ok: false, reason: 'token-outdated', message: REJECTION_MESSAGES['token-outdated'].en, symbology: 'qr' });
    expect(JSON.stringify(code)).not.toContain(fixture.member.memberId);
  });

  it.each(fixture.refused.map((r) => [r.name, r] as const))('refuses %s with a clear error', (_name, refused) => {
    let caught: unknown;
    try {
      decodeScanReport(layout, hexBytes(refused.report));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HidReportError);
    expect((caught as HidReportError).problem).toBe(refused.problem);
    expect((caught as HidReportError).message).toMatch(/report|bytes/);
  });

  if (fixture.others) {
    it.each(fixture.others.map((o) => [o.name, o] as const))('skips %s', (_name, other) => {
      expect(decodeScanReport(layout, hexBytes(other.report))).toEqual({ kind: 'other', reportId: hexBytes(other.report)[0] });
    });
  }
});

describe('where the layouts come from', () => {
  it('the Honeywell profile holds the firmware descriptor byte for byte (144 bytes, its wDescriptorLength 0x90)', () => {
    const fixture = loadJson<VendorFixture>('honeywell.json');
    expect(descriptorBytes(fixture.descriptor!)).toEqual(HONEYWELL.descriptor);
    expect(HONEYWELL.descriptor.length).toBe(0x90);
  });

  it('finds the same fields at different places in different layouts: nothing is read at a fixed offset', () => {
    const places = vendorFiles.map((file) => {
      const { layout } = load(file);
      return { file, dataStartsAtBit: layout.data[0]!.bitOffset, dataBytes: layout.data.length, continuedAtBit: layout.continued[0]!.bitOffset, reportId: layout.reportId };
    });
    expect(places).toEqual([
      { file: 'usage-tables.json', dataStartsAtBit: 8, dataBytes: 32, continuedAtBit: 0, reportId: 3 },
      { file: 'honeywell.json', dataStartsAtBit: 32, dataBytes: 56, continuedAtBit: 496, reportId: 2 },
      { file: 'access-is.json', dataStartsAtBit: 32, dataBytes: 56, continuedAtBit: 496, reportId: 2 },
      { file: 'newland.json', dataStartsAtBit: 8, dataBytes: 56, continuedAtBit: 496, reportId: 2 },
    ]);
  });

  it('reads the recorded Honeywell response byte for byte: Honeywell code ids are not AIM ids', () => {
    const { fixture, layout } = load('honeywell.json');
    const first = decodeScanReport(layout, hexBytes(fixture.scans[0]!.reports[0]!));
    expect(first).toMatchObject({ kind: 'piece', piece: { reportId: 2, aimId: ']X0', symbologyBytes: [0x5d, 0x58, 0x30], codeId: 0x3f, continued: true } });
    if (first.kind === 'piece') expect(first.piece.data).toHaveLength(56);
  });

  it('an in-store EAN-13 card read by any of the scanners is the same member card', () => {
    for (const file of vendorFiles) {
      const { fixture, layout, profile } = load(file);
      const scan = fixture.scans.find((s) => /^\d{13}$/.test(s.expect.text));
      if (!scan) continue;
      const { scans } = assemble(layout, scan.reports);
      const { text, symbology } = scanText(scans[0]!, profile?.codeIds);
      expect(parseCardCode({ text, symbology }, cardCodeRules(DEFAULT_CARD_CODES), NOW), file).toMatchObject({ ok: true, kind: 'card', code: '2900000042179', ruleId: 'in-store-ean13' });
    }
  });
});

/**
 * The HID report descriptor parser on real descriptors (a mouse and a radio button dumped in
 * hidapi's issue tracker, a Honeywell scanner's keyboard and HID POS interfaces from its firmware),
 * on a descriptor written from the HID POS usage tables with the descriptor builder, and on broken
 * and random bytes, which must be refused with a DescriptorError and nothing else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { APPLICATION, BUFFERED_BYTES, CONSTANT, descriptor, item, LOGICAL, VARIABLE } from '../../src/terminal/devices/hid/descriptor-builder.js';
import { HONEYWELL } from '../../src/terminal/devices/hid/profiles.js';
import { DescriptorError, findReport, parseReportDescriptor, readBits, usageAt, type ReportField } from '../../src/terminal/devices/hid/report-descriptor.js';
import { BCS, HHP, usage } from '../../src/terminal/devices/hid/usages.js';
import { descriptorBytes, hexBytes, loadJson, type DescriptorFixture, type DescriptorFixtureField, type VendorFixture } from '../fixtures/hid/load.js';

const hexUsage = (text: string): number => parseInt(text, 16);

function expectField(actual: ReportField, expected: DescriptorFixtureField): void {
  expect(actual.bitOffset).toBe(expected.bitOffset);
  expect(actual.bitSize).toBe(expected.bitSize);
  expect(actual.count).toBe(expected.count);
  expect(actual.constant).toBe(expected.constant);
  if (expected.usages) expect(actual.usages).toEqual(expected.usages.map(hexUsage));
  if (expected.usagesFirstLast) {
    expect(actual.usages[0]).toBe(hexUsage(expected.usagesFirstLast[0]));
    expect(actual.usages.at(-1)).toBe(hexUsage(expected.usagesFirstLast[1]));
    expect(actual.usages).toHaveLength(expected.usageCount!);
  }
  if (expected.logicalMinimum !== undefined) expect(actual.logicalMinimum).toBe(expected.logicalMinimum);
  if (expected.logicalMaximum !== undefined) expect(actual.logicalMaximum).toBe(expected.logicalMaximum);
  if (expected.relative !== undefined) expect(actual.relative).toBe(expected.relative);
  if (expected.variable !== undefined) expect(actual.variable).toBe(expected.variable);
}

describe('real descriptors', () => {
  const fixture = loadJson<DescriptorFixture>('descriptors.json');

  it.each(fixture.descriptors.map((d) => [d.name, d] as const))('%s', (_name, expected) => {
    const parsed = parseReportDescriptor(hexBytes(expected.hex));
    expect(parsed.usesReportIds).toBe(expected.usesReportIds);
    expect(parsed.collections.map((c) => c.usage)).toEqual(expected.collections.map(hexUsage));
    expect(parsed.reports.map((r) => [r.kind, r.reportId, r.byteLength])).toEqual(expected.reports.map((r) => [r.kind, r.reportId, r.byteLength]));
    for (const report of expected.reports) {
      const actual = parsed.reports.find((r) => r.kind === report.kind && r.reportId === report.reportId)!;
      expect(actual.fields).toHaveLength(report.fields.length);
      report.fields.forEach((f, i) => expectField(actual.fields[i]!, f));
    }
  });

  it("Honeywell's HID POS descriptor: the scan report, the trigger output, the redirection feature and the serial channel", () => {
    const parsed = parseReportDescriptor(HONEYWELL.descriptor);
    expect(parsed.reports.map((r) => `${r.kind} ${r.reportId}: ${r.byteLength} bytes`)).toEqual(['input 2: 64 bytes', 'output 4: 2 bytes', 'feature 254: 2 bytes', 'output 253: 64 bytes']);
    const scan = findReport(parsed, 'input', 2)!;
    const data = scan.fields.find((f) => f.usages.includes(BCS.decodedData))!;
    expect(data).toMatchObject({ bitOffset: 32, bitSize: 8, count: 56, bufferedBytes: true, variable: true, flags: 0x102 });
    expect(data.collections).toEqual([BCS.barCodeScanner, BCS.scannedDataReport]);
    const codeId = scan.fields.find((f) => f.usages.includes(HHP.codeId))!;
    expect(codeId.usages).toEqual([HHP.codeId, usage(0xff66, 0x00)]);
    const continued = scan.fields.find((f) => f.usages.includes(BCS.decodeDataContinued))!;
    // One usage for eight 1-bit controls: the last usage repeats for every control.
    expect([0, 7].map((i) => usageAt(continued, i))).toEqual([BCS.decodeDataContinued, BCS.decodeDataContinued]);
    expect(findReport(parsed, 'output', 4)!.fields[0]).toMatchObject({ relative: true, flags: 0x86, logicalMaximum: 1 });
    expect(findReport(parsed, 'feature', 254)!.fields[0]).toMatchObject({ usages: [HHP.outputRedirection], bufferedBytes: true, bitSize: 8 });
    expect(parsed.collections.map((c) => [c.usage, c.type, c.depth])).toEqual([
      [BCS.barCodeScanner, 1, 0],
      [BCS.scannedDataReport, 2, 1],
      [BCS.triggerReport, 2, 1],
      [HHP.outputRedirection, 2, 1],
      [usage(0xff66, 0x01), 2, 1],
    ]);
  });
});

describe('a descriptor written from the usage tables', () => {
  it('is what the descriptor builder writes for the same items, byte for byte', () => {
    const fixture = loadJson<VendorFixture>('usage-tables.json');
    const built = descriptor(
      item.usagePage(0x8c),
      item.usage(0x02),
      item.collection(APPLICATION),
      item.usage(0x12),
      item.collection(LOGICAL),
      item.reportId(3),
      item.logicalMinimum(0),
      item.logicalMaximum(1),
      item.reportSize(1),
      item.reportCount(1),
      item.usage(0xff),
      item.input(VARIABLE),
      item.reportSize(7),
      item.input(CONSTANT | VARIABLE),
      item.logicalMaximum(255),
      item.reportSize(8),
      item.reportCount(32),
      item.usage(0xfe),
      item.input(VARIABLE | BUFFERED_BYTES),
      item.reportCount(3),
      item.usage(0xfb),
      item.usage(0xfc),
      item.usage(0xfd),
      item.input(VARIABLE),
      item.endCollection(),
      item.usage(0x14),
      item.collection(LOGICAL),
      item.reportId(4),
      item.logicalMaximum(1),
      item.reportSize(1),
      item.reportCount(1),
      item.usage(0x61),
      item.input(VARIABLE),
      item.usage(0x60),
      item.output(VARIABLE),
      item.reportSize(7),
      item.input(CONSTANT | VARIABLE),
      item.output(CONSTANT | VARIABLE),
      item.endCollection(),
      item.endCollection(),
    );
    expect(built).toEqual(descriptorBytes(fixture.descriptor!));
    const parsed = parseReportDescriptor(built);
    expect(parsed.reports.map((r) => `${r.kind} ${r.reportId}: ${r.byteLength} bytes`)).toEqual(['input 3: 37 bytes', 'input 4: 2 bytes', 'output 4: 2 bytes']);
  });
});

describe('item semantics', () => {
  it('Push and Pop save and restore the global state', () => {
    const parsed = parseReportDescriptor(
      descriptor(item.usagePage(0x8c), item.reportSize(8), item.reportCount(2), item.push(), item.reportSize(1), item.reportCount(3), item.usage(0xff), item.input(VARIABLE), item.pop(), item.usage(0xfe), item.input(VARIABLE)),
    );
    expect(parsed.reports[0]!.fields.map((f) => [f.bitOffset, f.bitSize, f.count])).toEqual([
      [0, 1, 3],
      [3, 8, 2],
    ]);
  });

  it('a 4-byte usage names its own page; a shorter one takes the current Usage Page', () => {
    const parsed = parseReportDescriptor(descriptor(item.usagePage(0x01), item.reportSize(8), item.reportCount(2), item.usage(BCS.decodedData), item.usage(0x30), item.input(VARIABLE)));
    expect(parsed.reports[0]!.fields[0]!.usages).toEqual([BCS.decodedData, usage(0x01, 0x30)]);
  });

  it('keeps only the first usage of a delimiter set, skips long items, and treats unknown global items as layout-neutral', () => {
    const delimiterOpen = [0xa9, 0x01];
    const delimiterClose = [0xa9, 0x00];
    const longItem = [0xfe, 0x02, 0x10, 0xaa, 0xbb];
    const physicalMax = [0x46, 0xff, 0x00];
    const parsed = parseReportDescriptor(
      descriptor(item.usagePage(0x8c), longItem, delimiterOpen, item.usage(0xfb), item.usage(0xfc), delimiterClose, physicalMax, item.reportSize(8), item.reportCount(1), item.input(VARIABLE)),
    );
    expect(parsed.reports[0]!.fields[0]!.usages).toEqual([BCS.symbologyIdentifier1]);
  });

  it('reads signed logical minimums and treats the maximum as signed only when the minimum is negative', () => {
    const parsed = parseReportDescriptor(descriptor([0x15, 0x81], [0x25, 0xff], item.reportSize(8), item.reportCount(1), item.input(VARIABLE), item.logicalMinimum(0), [0x25, 0xff], item.input(VARIABLE)));
    expect(parsed.reports[0]!.fields.map((f) => [f.logicalMinimum, f.logicalMaximum])).toEqual([
      [-127, -1],
      [0, 255],
    ]);
  });

  it('reads bit fields least significant bit first, across byte boundaries', () => {
    const bytes = Uint8Array.from([0b1010_0000, 0b0000_0101, 0xff, 0xff, 0xff, 0xff]);
    expect(readBits(bytes, 5, 6)).toBe(0b101_101);
    expect(readBits(bytes, 16, 32)).toBe(0xffff_ffff);
    expect(readBits(bytes, 40, 16)).toBe(0xff);
    expect(() => readBits(bytes, 0, 33)).toThrow(RangeError);
  });
});

describe('broken descriptors are refused with the offset of the problem', () => {
  const cases: readonly [string, Uint8Array, RegExp][] = [
    ['an empty descriptor', new Uint8Array(0), /empty/],
    ['an item cut off', Uint8Array.from([0x05, 0x8c, 0x26, 0xff]), /byte 2: .*cut off/],
    ['a long item cut off', Uint8Array.from([0xfe, 0x09, 0x10, 0x00]), /long item is cut off/],
    ['End Collection with none open', Uint8Array.from([0xc0]), /End Collection with no open collection/],
    ['a collection never closed', descriptor(item.usagePage(0x8c), item.usage(0x02), item.collection(APPLICATION)), /never closed/],
    ['Pop with nothing pushed', Uint8Array.from([0xb4]), /Pop with nothing pushed/],
    ['Report ID 0', Uint8Array.from([0x85, 0x00]), /Report ID 0 is not allowed/],
    ['a usage range running backwards', descriptor(item.usagePage(0x07), item.usageMinimum(0xe7), item.usageMaximum(0xe0)), /below Usage Minimum/],
    ['a report count past HID_MAX_USAGES', descriptor(item.reportSize(8), item.reportCount(20000), item.input(VARIABLE)), /Report Count 20000/],
    ['a report size past 256 bits', descriptor(item.reportSize(300), item.reportCount(1), item.input(VARIABLE)), /Report Size 300/],
    ['a descriptor larger than 4096 bytes', new Uint8Array(5000).fill(0xa4), /more than the 4096/],
    ['data without a report id where others have one', descriptor(item.reportSize(8), item.reportCount(1), item.input(VARIABLE), item.reportId(2), item.input(VARIABLE)), /without a Report ID/],
    ['a reserved item type', Uint8Array.from([0x0c]), /reserved item type/],
  ];

  it.each(cases)('%s', (_name, bytes, message) => {
    expect(() => parseReportDescriptor(bytes)).toThrow(DescriptorError);
    expect(() => parseReportDescriptor(bytes)).toThrow(message);
  });

  it('random bytes either parse or raise a DescriptorError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
        try {
          parseReportDescriptor(bytes);
        } catch (error) {
          if (!(error instanceof DescriptorError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('mutations of a real descriptor either parse or raise a DescriptorError', () => {
    fc.assert(
      fc.property(fc.nat(HONEYWELL.descriptor.length - 1), fc.nat(255), (at, value) => {
        const bytes = Uint8Array.from(HONEYWELL.descriptor);
        bytes[at] = value;
        try {
          parseReportDescriptor(bytes);
        } catch (error) {
          if (!(error instanceof DescriptorError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

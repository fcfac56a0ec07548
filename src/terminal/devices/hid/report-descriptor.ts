/**
 * A pure HID report descriptor parser (Device Class Definition for HID 1.11, §6.2.2): turns the
 * descriptor's items into the fields of every input, output and feature report, each with its bit
 * offset, size, count and usages. No I/O: the bytes come from the device (sysfs, node-hid) or from
 * a vendor profile, and the scan decoder (pos-report.ts) finds its fields here by usage, so no
 * caller ever needs a fixed byte offset.
 *
 * Hazards handled on purpose, because descriptors come from devices we do not control:
 * - bounds: a descriptor is at most 4096 bytes (Linux HID_MAX_DESCRIPTOR_SIZE), a report count at
 *   most 12288 (HID_MAX_USAGES) and a report at most 16 KiB; anything larger is refused, never
 *   allocated;
 * - a truncated item, an End Collection with no open collection, an unclosed collection, a Pop
 *   with nothing pushed, Report ID 0 and a usage range running backwards are errors with the
 *   byte offset, not guesses;
 * - Logical Minimum is signed; Logical Maximum is signed only when the minimum is negative (what
 *   the Linux HID core does, since devices write 0x26 0xFF 0x00 for 255 and 0x25 0xFF for 255 too).
 */
import { usage as extendedUsage } from './usages.js';

export type ReportKind = 'input' | 'output' | 'feature';

export interface ReportField {
  readonly kind: ReportKind;
  /** 0 when the descriptor has no Report ID items. */
  readonly reportId: number;
  /** Bits from the start of the report's data, i.e. after the report id byte when there is one. */
  readonly bitOffset: number;
  /** Report Size: bits per control. */
  readonly bitSize: number;
  /** Report Count: how many controls of that size follow each other. */
  readonly count: number;
  /** The main item's data bits, as written. */
  readonly flags: number;
  readonly constant: boolean;
  readonly variable: boolean;
  readonly relative: boolean;
  /** Bit 8 of the main item ("Buffered Bytes"): the controls form one byte stream. */
  readonly bufferedBytes: boolean;
  /** Extended usages (page << 16 | id) in order, Usage Minimum/Maximum ranges expanded. */
  readonly usages: readonly number[];
  readonly logicalMinimum: number;
  readonly logicalMaximum: number;
  /** The usages of the collections around the field, outermost first. */
  readonly collections: readonly number[];
}

export interface Report {
  readonly kind: ReportKind;
  readonly reportId: number;
  /** Data bits (report id byte not counted). */
  readonly bitLength: number;
  /** Bytes on the wire, the report id byte included when the descriptor uses ids. */
  readonly byteLength: number;
  readonly fields: readonly ReportField[];
}

export interface Collection {
  readonly usage: number;
  /** 0 physical, 1 application, 2 logical, 3 report, 4 named array, 5 usage switch, 6 usage modifier. */
  readonly type: number;
  readonly depth: number;
}

export interface ReportDescriptor {
  readonly usesReportIds: boolean;
  readonly reports: readonly Report[];
  /** Every collection in descriptor order; top-level application collections have depth 0. */
  readonly collections: readonly Collection[];
}

export class DescriptorError extends Error {
  constructor(
    message: string,
    /** Byte offset of the offending item in the descriptor. */
    readonly offset: number,
  ) {
    super(`HID report descriptor, byte ${offset}: ${message}`);
    this.name = 'DescriptorError';
  }
}

export const MAX_DESCRIPTOR_BYTES = 4096;
export const MAX_REPORT_COUNT = 12288;
export const MAX_REPORT_SIZE_BITS = 256;
export const MAX_REPORT_BYTES = 16384;

interface GlobalState {
  usagePage: number;
  logicalMinimum: number;
  /** Kept raw with its size: whether it is signed depends on the minimum (see the header). */
  logicalMaximumRaw: number;
  logicalMaximumSize: number;
  reportSize: number;
  reportId: number;
  reportCount: number;
}

interface LocalState {
  usages: number[];
  usageMinimum: number | null;
  usageMaximum: number | null;
  /** Delimiter sets offer alternative usages for one control; only the first of each set is kept. */
  delimiterDepth: number;
  usagesInDelimiterSet: number;
}

const freshLocal = (): LocalState => ({ usages: [], usageMinimum: null, usageMaximum: null, delimiterDepth: 0, usagesInDelimiterSet: 0 });

function unsigned(bytes: Uint8Array, start: number, size: number): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i -= 1) value = value * 256 + bytes[start + i]!;
  return value;
}

function signed(value: number, size: number): number {
  if (size === 0) return 0;
  const bits = size * 8;
  const half = 2 ** (bits - 1);
  return value >= half ? value - 2 * half : value;
}

const kindOfTag: Readonly<Record<number, ReportKind>> = { 0x8: 'input', 0x9: 'output', 0xb: 'feature' };

export function parseReportDescriptor(bytes: Uint8Array): ReportDescriptor {
  if (bytes.length === 0) throw new DescriptorError('the descriptor is empty', 0);
  if (bytes.length > MAX_DESCRIPTOR_BYTES) throw new DescriptorError(`the descriptor is ${bytes.length} bytes, more than the ${MAX_DESCRIPTOR_BYTES} HID allows`, 0);

  let global: GlobalState = { usagePage: 0, logicalMinimum: 0, logicalMaximumRaw: 0, logicalMaximumSize: 0, reportSize: 0, reportId: 0, reportCount: 0 };
  const pushed: GlobalState[] = [];
  let local = freshLocal();
  const collectionStack: Collection[] = [];
  const collections: Collection[] = [];
  const fields = new Map<string, ReportField[]>();
  const bitsSoFar = new Map<string, number>();
  let usesReportIds = false;
  let dataItemWithoutId: number | null = null;

  const resolveUsage = (value: number, size: number): number => (size === 4 ? value : extendedUsage(global.usagePage, value));

  const addUsage = (u: number, at: number): void => {
    if (local.delimiterDepth > 0) {
      local.usagesInDelimiterSet += 1;
      if (local.usagesInDelimiterSet > 1) return;
    }
    if (local.usages.length >= MAX_REPORT_COUNT) throw new DescriptorError(`more than ${MAX_REPORT_COUNT} usages before one main item`, at);
    local.usages.push(u);
  };

  const addRangeIfComplete = (at: number): void => {
    if (local.usageMinimum === null || local.usageMaximum === null) return;
    const min = local.usageMinimum;
    const max = local.usageMaximum;
    local.usageMinimum = null;
    local.usageMaximum = null;
    if (max < min) throw new DescriptorError(`Usage Maximum ${max.toString(16)} is below Usage Minimum ${min.toString(16)}`, at);
    if (max - min + 1 + local.usages.length > MAX_REPORT_COUNT) throw new DescriptorError(`a usage range of ${max - min + 1} usages is more than HID allows`, at);
    for (let u = min; u <= max; u += 1) local.usages.push(u);
  };

  let at = 0;
  while (at < bytes.length) {
    const prefix = bytes[at]!;
    if (prefix === 0xfe) {
      // Long item: bDataSize, bLongItemTag, data. No long item tags are defined; skip it whole.
      if (at + 2 >= bytes.length) throw new DescriptorError('a long item is cut off', at);
      const size = bytes[at + 1]!;
      if (at + 3 + size > bytes.length) throw new DescriptorError('a long item is cut off', at);
      at += 3 + size;
      continue;
    }
    const sizeCode = prefix & 0x03;
    const size = sizeCode === 3 ? 4 : sizeCode;
    const type = (prefix >> 2) & 0x03;
    const tag = prefix >> 4;
    if (at + 1 + size > bytes.length) throw new DescriptorError(`an item (prefix 0x${prefix.toString(16).padStart(2, '0')}) is cut off`, at);
    const value = unsigned(bytes, at + 1, size);

    if (type === 0) {
      // Main items.
      const kind = kindOfTag[tag];
      if (kind !== undefined) {
        addRangeIfComplete(at);
        if (global.reportSize > MAX_REPORT_SIZE_BITS) throw new DescriptorError(`Report Size ${global.reportSize} is more than ${MAX_REPORT_SIZE_BITS} bits`, at);
        if (global.reportCount > MAX_REPORT_COUNT) throw new DescriptorError(`Report Count ${global.reportCount} is more than ${MAX_REPORT_COUNT}`, at);
        const key = `${kind}:${global.reportId}`;
        const offset = bitsSoFar.get(key) ?? 0;
        const width = global.reportSize * global.reportCount;
        if ((offset + width) / 8 + 1 > MAX_REPORT_BYTES) throw new DescriptorError(`${kind} report ${global.reportId} grows past ${MAX_REPORT_BYTES} bytes`, at);
        const constant = (value & 0x01) !== 0;
        if (global.reportId === 0 && width > 0 && dataItemWithoutId === null) dataItemWithoutId = at;
        if (width > 0) {
          const logicalMaximum = global.logicalMinimum < 0 ? signed(global.logicalMaximumRaw, global.logicalMaximumSize) : global.logicalMaximumRaw;
          const field: ReportField = {
            kind,
            reportId: global.reportId,
            bitOffset: offset,
            bitSize: global.reportSize,
            count: global.reportCount,
            flags: value,
            constant,
            variable: (value & 0x02) !== 0,
            relative: (value & 0x04) !== 0,
            bufferedBytes: (value & 0x100) !== 0,
            usages: [...local.usages],
            logicalMinimum: global.logicalMinimum,
            logicalMaximum,
            collections: collectionStack.map((c) => c.usage),
          };
          const list = fields.get(key) ?? [];
          list.push(field);
          fields.set(key, list);
          bitsSoFar.set(key, offset + width);
        }
      } else if (tag === 0xa) {
        addRangeIfComplete(at);
        const collection: Collection = { usage: local.usages[0] ?? 0, type: value, depth: collectionStack.length };
        collectionStack.push(collection);
        collections.push(collection);
      } else if (tag === 0xc) {
        if (collectionStack.length === 0) throw new DescriptorError('End Collection with no open collection', at);
        collectionStack.pop();
      }
      // Any main item ends the local state (HID 1.11 §6.2.2.8), an unknown one included.
      local = freshLocal();
    } else if (type === 1) {
      // Global items.
      switch (tag) {
        case 0x0:
          global.usagePage = value;
          break;
        case 0x1:
          global.logicalMinimum = signed(value, size);
          break;
        case 0x2:
          global.logicalMaximumRaw = value;
          global.logicalMaximumSize = size;
          break;
        case 0x7:
          global.reportSize = value;
          break;
        case 0x8:
          if (value === 0 || value > 255) throw new DescriptorError(`Report ID ${value} is not allowed (1-255)`, at);
          global.reportId = value;
          usesReportIds = true;
          break;
        case 0x9:
          global.reportCount = value;
          break;
        case 0xa:
          pushed.push({ ...global });
          break;
        case 0xb: {
          const top = pushed.pop();
          if (!top) throw new DescriptorError('Pop with nothing pushed', at);
          global = top;
          break;
        }
        default:
          // Physical min/max, unit exponent and unit change no layout.
          break;
      }
    } else if (type === 2) {
      // Local items.
      switch (tag) {
        case 0x0:
          addUsage(resolveUsage(value, size), at);
          break;
        case 0x1:
          local.usageMinimum = resolveUsage(value, size);
          addRangeIfComplete(at);
          break;
        case 0x2:
          local.usageMaximum = resolveUsage(value, size);
          addRangeIfComplete(at);
          break;
        case 0xa:
          if (value === 1) {
            local.delimiterDepth += 1;
            local.usagesInDelimiterSet = 0;
          } else if (local.delimiterDepth > 0) {
            local.delimiterDepth -= 1;
          }
          break;
        default:
          // Designators and strings do not move any bits.
          break;
      }
    } else {
      throw new DescriptorError(`reserved item type (prefix 0x${prefix.toString(16).padStart(2, '0')})`, at);
    }
    at += 1 + size;
  }

  if (collectionStack.length > 0) throw new DescriptorError(`${collectionStack.length} collection(s) never closed`, bytes.length);
  if (usesReportIds && dataItemWithoutId !== null) {
    throw new DescriptorError('a report without a Report ID in a descriptor that uses Report IDs', dataItemWithoutId);
  }

  const reports: Report[] = [];
  for (const [key, list] of fields) {
    const bitLength = bitsSoFar.get(key) ?? 0;
    const first = list[0]!;
    reports.push({
      kind: first.kind,
      reportId: first.reportId,
      bitLength,
      byteLength: Math.ceil(bitLength / 8) + (usesReportIds ? 1 : 0),
      fields: list,
    });
  }
  return { usesReportIds, reports, collections };
}

export function findReport(descriptor: ReportDescriptor, kind: ReportKind, reportId: number): Report | undefined {
  return descriptor.reports.find((r) => r.kind === kind && r.reportId === reportId);
}

/**
 * The usage of control `index` of a field. For a variable field each control has its own usage
 * and, when there are fewer usages than controls, the last one repeats (HID 1.11 §6.2.2.8). For an
 * array field the controls carry indexes into the usage list instead, so there is no per-control usage.
 */
export function usageAt(field: ReportField, index: number): number | undefined {
  if (!field.variable) return undefined;
  if (field.usages.length === 0) return undefined;
  return field.usages[Math.min(index, field.usages.length - 1)];
}

/** Does any control of the field carry this usage (a single-usage array field counts: a byte buffer declared as an array)? */
export function fieldHasUsage(field: ReportField, u: number): boolean {
  return field.usages.includes(u);
}

/**
 * An unsigned value of `bitSize` bits (at most 32) starting `bitOffset` bits into `data`. HID packs
 * fields least significant bit first. Bits past the end of `data` read as 0, so callers check the
 * length first when a short report matters.
 */
export function readBits(data: Uint8Array, bitOffset: number, bitSize: number): number {
  if (bitSize < 0 || bitSize > 32) throw new RangeError(`cannot read a ${bitSize}-bit value`);
  if (bitOffset % 8 === 0 && bitSize === 8) return data[bitOffset / 8] ?? 0;
  let value = 0;
  for (let i = 0; i < bitSize; i += 1) {
    const bit = bitOffset + i;
    const byte = data[bit >> 3] ?? 0;
    if ((byte >> (bit & 7)) & 1) value += 2 ** i;
  }
  return value;
}

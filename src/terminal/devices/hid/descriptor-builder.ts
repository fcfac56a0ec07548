/**
 * Writes HID report descriptor items (HID 1.11 §6.2.2): the short-item encoding, with the
 * smallest data size that holds each value. Used to state a vendor's documented report layout as
 * the descriptor that layout implies (profiles.ts), so every report, from a device or from a
 * manual, is read by the one usage-driven decoder. Pure; no I/O.
 */
type Bytes = readonly number[];

function data(value: number, signed: boolean): Bytes {
  if (!Number.isInteger(value)) throw new RangeError(`descriptor values are integers, not ${value}`);
  const fits = (bytes: 1 | 2): boolean => (signed ? value >= -(2 ** (bytes * 8 - 1)) && value < 2 ** (bytes * 8 - 1) : value >= 0 && value < 2 ** (bytes * 8));
  const size = fits(1) ? 1 : fits(2) ? 2 : 4;
  const unsignedValue = value < 0 ? value + 2 ** (size * 8) : value;
  const out: number[] = [];
  for (let i = 0; i < size; i += 1) out.push(Math.floor(unsignedValue / 2 ** (8 * i)) % 256);
  return out;
}

function short(type: number, tag: number, payload: Bytes): Bytes {
  const sizeCode = payload.length === 4 ? 3 : payload.length;
  return [(tag << 4) | (type << 2) | sizeCode, ...payload];
}

const main = (tag: number, value: number): Bytes => short(0, tag, data(value, false));
const global = (tag: number, value: number, signed = false): Bytes => short(1, tag, data(value, signed));
const local = (tag: number, value: number): Bytes => short(2, tag, data(value, false));

/** Main item data bits (HID 1.11 §6.2.2.5). */
export const CONSTANT = 0x01;
export const VARIABLE = 0x02;
export const RELATIVE = 0x04;
export const BUFFERED_BYTES = 0x100;

export const item = {
  usagePage: (page: number): Bytes => global(0x0, page),
  /** A usage id on the current page; pass an extended usage (> 0xFFFF) to name its page too. */
  usage: (id: number): Bytes => (id > 0xffff ? short(2, 0x0, [0, 1, 2, 3].map((i) => Math.floor(id / 2 ** (8 * i)) % 256)) : local(0x0, id)),
  usageMinimum: (id: number): Bytes => local(0x1, id),
  usageMaximum: (id: number): Bytes => local(0x2, id),
  logicalMinimum: (value: number): Bytes => global(0x1, value, true),
  /**
   * Written so that a reader who treats it as signed when the minimum is not negative still reads
   * it right: 255 becomes 0x26 0xFF 0x00, as scanner descriptors write it.
   */
  logicalMaximum: (value: number): Bytes => global(0x2, value, true),
  reportSize: (bits: number): Bytes => global(0x7, bits),
  reportId: (id: number): Bytes => global(0x8, id),
  reportCount: (count: number): Bytes => global(0x9, count),
  push: (): Bytes => [0xa4],
  pop: (): Bytes => [0xb4],
  input: (flags: number): Bytes => main(0x8, flags),
  output: (flags: number): Bytes => main(0x9, flags),
  feature: (flags: number): Bytes => main(0xb, flags),
  collection: (type: number): Bytes => main(0xa, type),
  endCollection: (): Bytes => [0xc0],
} as const;

export const APPLICATION = 0x01;
export const LOGICAL = 0x02;

export function descriptor(...items: readonly Bytes[]): Uint8Array {
  return Uint8Array.from(items.flat());
}

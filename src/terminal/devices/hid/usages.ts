/**
 * The HID usages a bar code scanner's reports are read by. Every id here is taken from a source,
 * never guessed:
 *
 * - Bar Code Scanner page 0x8C: USB-IF "HID Point of Sale Usage Tables" 1.02 (pos1_02.pdf),
 *   section 3, as transcribed in Apple's IOHIDUsageTables.h ("Bar Code Scanner Page (0x8C)",
 *   e.g. phracker/MacOSX-SDKs MacOSX11.3.sdk/.../IOKit/hid/IOHIDUsageTables.h:
 *   kHIDUsage_BCS_BarCodeScanner = 0x02, kHIDUsage_BCS_ScannedDataReport = 0x12,
 *   kHIDUsage_BCS_SymbologyIdentifier1..3 = 0xFB..0xFD, kHIDUsage_BCS_DecodedData = 0xFE,
 *   kHIDUsage_BCS_DecodeDataContinued = 0xFF).
 * - Generic Desktop 0x3B Byte Count (the same header: kHIDUsage_GD_ByteCount = 0x3B), which
 *   Honeywell's HID POS descriptor uses for the length of the decoded data in a report.
 * - Honeywell's vendor page 0xFF66 ("Vendor Defined Page (HHP)"): usage 0x04 Code ID and 0x03
 *   Output Redirection, from the report descriptor in Honeywell scanner firmware
 *   (interfaces_usb2/hid_usb2/pos_usb2/usb2hidpos.cpp, usb_report_descrA).
 *
 * A usage is kept "extended" (HID 1.11 §6.2.2.8): usage page in the high 16 bits, usage id in the
 * low 16 bits. Built with multiplication, never `<<`, so vendor pages ≥ 0x8000 stay positive.
 */
export const usage = (page: number, id: number): number => page * 0x1_0000 + id;
export const usagePageOf = (extended: number): number => Math.floor(extended / 0x1_0000);
export const usageIdOf = (extended: number): number => extended % 0x1_0000;

export const PAGE_GENERIC_DESKTOP = 0x01;
export const PAGE_BAR_CODE_SCANNER = 0x8c;
export const PAGE_HONEYWELL_HHP = 0xff66;

export const BCS = {
  barCodeScanner: usage(PAGE_BAR_CODE_SCANNER, 0x02),
  scannedDataReport: usage(PAGE_BAR_CODE_SCANNER, 0x12),
  triggerReport: usage(PAGE_BAR_CODE_SCANNER, 0x14),
  symbologyIdentifier1: usage(PAGE_BAR_CODE_SCANNER, 0xfb),
  symbologyIdentifier2: usage(PAGE_BAR_CODE_SCANNER, 0xfc),
  symbologyIdentifier3: usage(PAGE_BAR_CODE_SCANNER, 0xfd),
  decodedData: usage(PAGE_BAR_CODE_SCANNER, 0xfe),
  decodeDataContinued: usage(PAGE_BAR_CODE_SCANNER, 0xff),
} as const;

export const GD_BYTE_COUNT = usage(PAGE_GENERIC_DESKTOP, 0x3b);

export const HHP = {
  outputRedirection: usage(PAGE_HONEYWELL_HHP, 0x03),
  codeId: usage(PAGE_HONEYWELL_HHP, 0x04),
} as const;

/** A readable name for messages ("0x008C:0x00FE"). */
export function usageName(extended: number): string {
  const hex = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
  return `${hex(usagePageOf(extended))}:${hex(usageIdOf(extended))}`;
}

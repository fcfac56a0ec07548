/**
 * Per-vendor HID POS profiles: what to do for a scanner whose report descriptor cannot be read
 * (node-hid 3 does not hand it out; on Linux it comes from sysfs, elsewhere it may not come at
 * all) or does not name its fields with the POS usages, and which vendor mode switch to send.
 *
 * A profile states its layout as a report descriptor, so the one usage-driven decoder
 * (pos-report.ts) reads every scanner and no byte offset is written in code: either the device's
 * own descriptor where a source publishes it (Honeywell), or the descriptor a vendor's documented
 * byte table implies (Access-IS, Newland), built item by item below. Every profile cites its
 * sources; nothing here is a guess.
 */
import type { Symbology } from '../../../core/card-code/symbology.js';
import { APPLICATION, BUFFERED_BYTES, CONSTANT, descriptor, item, LOGICAL, VARIABLE } from './descriptor-builder.js';
import { GD_BYTE_COUNT, HHP, PAGE_BAR_CODE_SCANNER, PAGE_GENERIC_DESKTOP, usage } from './usages.js';

/** A report sent to the scanner after opening it, to make it send scans as HID POS reports. */
export interface ModeSwitch {
  readonly report: 'feature' | 'output';
  /** The whole report, its id first (what node-hid's sendFeatureReport / write take). */
  readonly bytes: readonly number[];
  readonly purpose: string;
  readonly sources: readonly string[];
}

export interface HidProfile {
  readonly id: string;
  readonly name: string;
  /** USB vendor ids the profile applies to; empty when the sources give none (choose the profile by id). */
  readonly vendorIds: readonly number[];
  readonly sources: readonly string[];
  /**
   * 'device': the device's own report descriptor, as published. 'documented-layout': built from
   * the vendor's byte table; its vendor usages are ours and mean nothing in a real descriptor.
   */
  readonly descriptorOrigin: 'device' | 'documented-layout';
  readonly descriptor: Uint8Array;
  /** The usage of the vendor's own symbology code in `descriptor`, if the layout has one. */
  readonly codeIdUsage?: number;
  /** That vendor code → symbology, for scans without an AIM identifier. */
  readonly codeIds?: Readonly<Record<number, Symbology>>;
  readonly modeSwitch?: ModeSwitch;
}

/**
 * Usages for bytes a vendor's table names but the POS usage tables do not (a vendor symbology
 * code, a reserved byte), in a vendor-defined page (HUT: 0xFF00-0xFFFF). Used only in descriptors
 * built from documented layouts; never looked for in a device's own descriptor.
 */
export const PAGE_TALLY_PROFILE = 0xff00;
export const PROFILE_VENDOR_SYMBOLOGY_ID = usage(PAGE_TALLY_PROFILE, 0x01);

const HONEYWELL_FIRMWARE = 'Honeywell scanner firmware, interfaces_usb2/hid_usb2/pos_usb2/usb2hidpos.cpp rev 1.17 (usb_report_descrA; idVendor 0x0536; HID descriptor wDescriptorLength 0x90)';
const HONEYWELL_HOST_LIB = 'Honeywell libHsmComm, EdgeSolution/Honeywell_N3680_BarCode Libraries/libHsmComm/Android/AndroidHidPos.cpp (UsbCommonHidReportBuffer_t: id, length, AIM[3], content[56], HHP[2], flags bit0 = Decode Data Continued; HidPosRedirectOutput)';
const WEBHID_LIB = 'NielsLeenheer/WebHidBarcodeScanner src/main.js (Honeywell vendorId 0x0c2e, sendFeatureReport(254, [1]), code ids at data byte 60)';

/**
 * Honeywell (Metrologic / Hand Held Products) in "USB HID POS" mode: report 2 carries a Byte
 * Count, the AIM identifier in Symbology Identifier 1-3, 56 bytes of Decoded Data, Honeywell's
 * Code ID and modifier on vendor page 0xFF66, and Decode Data Continued. This is the firmware's own
 * descriptor, byte for byte.
 */
const honeywellDescriptor = Uint8Array.from([
  0x05, 0x8c, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x12, 0xa1, 0x02, 0x85, 0x02, 0x15, 0x00, 0x26, 0xff, 0x00, 0x75, 0x08, 0x95, 0x01,
  0x05, 0x01, 0x09, 0x3b, 0x81, 0x02, 0x95, 0x03, 0x05, 0x8c, 0x09, 0xfb, 0x09, 0xfc, 0x09, 0xfd, 0x81, 0x02, 0x95, 0x38, 0x09,
  0xfe, 0x82, 0x02, 0x01, 0x06, 0x66, 0xff, 0x95, 0x02, 0x09, 0x04, 0x09, 0x00, 0x81, 0x02, 0x05, 0x8c, 0x25, 0x01, 0x75, 0x01,
  0x95, 0x08, 0x09, 0xff, 0x81, 0x02, 0xc0, 0x09, 0x14, 0xa1, 0x02, 0x85, 0x04, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08,
  0x09, 0x00, 0x09, 0x5f, 0x09, 0x60, 0x09, 0x00, 0x09, 0x00, 0x09, 0x85, 0x09, 0x86, 0x91, 0x86, 0xc0, 0x06, 0x66, 0xff, 0x75,
  0x08, 0x26, 0xff, 0x00, 0x09, 0x03, 0xa1, 0x02, 0x85, 0xfe, 0x95, 0x01, 0x09, 0x03, 0xb2, 0x82, 0x01, 0xc0, 0x09, 0x01, 0xa1,
  0x02, 0x85, 0xfd, 0x95, 0x01, 0x09, 0x21, 0x91, 0x02, 0x95, 0x3e, 0x09, 0x22, 0x92, 0x82, 0x01, 0xc0, 0xc0,
]);

export const HONEYWELL: HidProfile = {
  id: 'honeywell',
  name: 'Honeywell / Metrologic / Hand Held Products (USB HID POS)',
  // 0x0c2e: usb.ids "0c2e Metro" (Metrologic scanners) and WebHidBarcodeScanner's filter (3118);
  // 0x0536: Hand Held Products, the idVendor in the firmware's device descriptor.
  vendorIds: [0x0c2e, 0x0536],
  sources: [HONEYWELL_FIRMWARE, HONEYWELL_HOST_LIB, WEBHID_LIB],
  descriptorOrigin: 'device',
  descriptor: honeywellDescriptor,
  codeIdUsage: HHP.codeId,
  // Honeywell Code IDs, as WebHidBarcodeScanner maps them (src/main.js, `switch (id)`).
  codeIds: {
    0x61: 'codabar',
    0x6a: 'code128',
    0x62: 'code39',
    0x69: 'code93',
    0x64: 'ean-upc',
    0x44: 'ean-upc',
    0x63: 'ean-upc',
    0x45: 'ean-upc',
    0x49: 'gs1-128',
    0x65: 'itf',
    0x79: 'gs1-databar',
    0x7b: 'gs1-databar',
    0x7d: 'gs1-databar',
    0x7a: 'aztec',
    0x77: 'datamatrix',
    0x72: 'pdf417',
    0x73: 'qr',
  },
  modeSwitch: {
    report: 'feature',
    // Feature report 0xFE "Output Redirection" (HHP page 0xFF66, usage 0x03): send decoded data to
    // interface 1, the HID POS interface when the scanner runs as keyboard + HID POS. The firmware
    // keeps its current interface when given one it does not have (FeatureOutRedirectHandler), so
    // the report is harmless on a scanner already in pure HID POS mode.
    bytes: [0xfe, 0x01],
    purpose: 'route scans to the HID POS interface (Honeywell Output Redirection, feature report 0xFE)',
    sources: [
      `${HONEYWELL_HOST_LIB}: HID_COMMON_OUT_REDIRECT_REPORT_ID 254, ucInterface = 1, size 2`,
      'Honeywell firmware interfaces_usb2/hid_usb2/hidbase_usb2/usb2hidhlp.cpp rev 1.8: FeatureOutRedirectHandler',
      `${WEBHID_LIB}: "Honeywell devices need to be put into HID mode"`,
    ],
  },
};

const ACCESS_IS_MANUAL = 'Access-IS LSR118 product manual (© Access-IS 2020), appendix B "HID reports – barcode only", B.1 Receive data and B.1.1 example (same table in the LSR116 and ATR110 manuals)';

/**
 * Access-IS (LSR116, LSR118, ATR110 barcode readers): byte 0 report id 2, byte 1 length of the data
 * field, bytes 2-4 the AIM identifier (']' then two characters), bytes 5-60 up to 56 data bytes,
 * byte 61 a further symbology identifier, byte 62 reserved, byte 63 bit 0 "data cont'd".
 */
export const ACCESS_IS: HidProfile = {
  id: 'access-is',
  name: 'Access-IS barcode readers (LSR116, LSR118, ATR110)',
  vendorIds: [], // not given in the cited manual pages: choose this profile by id
  sources: [ACCESS_IS_MANUAL],
  descriptorOrigin: 'documented-layout',
  descriptor: descriptor(
    item.usagePage(PAGE_BAR_CODE_SCANNER),
    item.usage(0x02),
    item.collection(APPLICATION),
    item.usage(0x12),
    item.collection(LOGICAL),
    item.reportId(2),
    item.logicalMinimum(0),
    item.logicalMaximum(255),
    item.reportSize(8),
    item.reportCount(1),
    item.usage(GD_BYTE_COUNT), // byte 1: length of data field
    item.input(VARIABLE),
    item.reportCount(3),
    item.usage(0xfb),
    item.usage(0xfc),
    item.usage(0xfd), // bytes 2-4: AIM symbology identifier
    item.input(VARIABLE),
    item.reportCount(56),
    item.usage(0xfe), // bytes 5-60: data (up to 56 bytes)
    item.input(VARIABLE | BUFFERED_BYTES),
    item.reportCount(1),
    item.usage(PROFILE_VENDOR_SYMBOLOGY_ID), // byte 61: further symbology identifier
    item.input(VARIABLE),
    item.input(CONSTANT | VARIABLE), // byte 62: reserved
    item.reportSize(1),
    item.logicalMaximum(1),
    item.usage(0xff), // byte 63 bit 0: data cont'd
    item.input(VARIABLE),
    item.reportSize(7),
    item.input(CONSTANT | VARIABLE),
    item.endCollection(),
    item.endCollection(),
  ),
  codeIdUsage: PROFILE_VENDOR_SYMBOLOGY_ID,
};

const NEWLAND_MANUAL = 'Newland NLS-FM420 integration guide (nlscan.com), "USB Interface – HID-POS – Getting Scanned Data" and the VID/PID table (VID 1EAB; FM420 HID POS PID 0D10); the same table is in the ID TECH 2DScan FX100 manual (Newland OEM, VID 1EAB)';

/**
 * Newland (and its OEM models): byte 0 report id 2, byte 1 length of the bar code, bytes 2-57 up
 * to 56 bytes of decoded data, bytes 58-61 reserved, byte 62 Newland symbology identifier (0 when
 * not configured), byte 63 bit 0 Decode Data Continued. No AIM identifier field: a scanner
 * configured to prefix AIM identifiers puts them in front of the data, where the decoder finds them.
 */
export const NEWLAND: HidProfile = {
  id: 'newland',
  name: 'Newland (NLS-FM420, EM2027/EM2028 and OEM models such as the ID TECH 2DScan)',
  vendorIds: [0x1eab],
  sources: [NEWLAND_MANUAL],
  descriptorOrigin: 'documented-layout',
  descriptor: descriptor(
    item.usagePage(PAGE_BAR_CODE_SCANNER),
    item.usage(0x02),
    item.collection(APPLICATION),
    item.reportId(2),
    item.logicalMinimum(0),
    item.logicalMaximum(255),
    item.reportSize(8),
    item.reportCount(1),
    item.usagePage(PAGE_GENERIC_DESKTOP),
    item.usage(0x3b), // byte 1: length of the bar code
    item.input(VARIABLE),
    item.usagePage(PAGE_BAR_CODE_SCANNER),
    item.reportCount(56),
    item.usage(0xfe), // bytes 2-57: decoded data (1-56)
    item.input(VARIABLE | BUFFERED_BYTES),
    item.reportCount(4),
    item.input(CONSTANT | VARIABLE), // bytes 58-61: reserved
    item.reportCount(1),
    item.usage(PROFILE_VENDOR_SYMBOLOGY_ID), // byte 62: Newland symbology identifier
    item.input(VARIABLE),
    item.reportSize(1),
    item.logicalMaximum(1),
    item.usage(0xff), // byte 63 bit 0: decode data continued
    item.input(VARIABLE),
    item.reportSize(7),
    item.input(CONSTANT | VARIABLE),
    item.endCollection(),
  ),
  codeIdUsage: PROFILE_VENDOR_SYMBOLOGY_ID,
};

export const PROFILES: readonly HidProfile[] = [HONEYWELL, ACCESS_IS, NEWLAND];

export function profileById(id: string): HidProfile | undefined {
  return PROFILES.find((p) => p.id === id);
}

export function profileForVendor(vendorId: number | null): HidProfile | undefined {
  return vendorId === null ? undefined : PROFILES.find((p) => p.vendorIds.includes(vendorId));
}

/** ESC/POS command bytes Tally writes itself (everything else comes from the receipt encoder). */

export type QrLevel = 'L' | 'M' | 'Q' | 'H';

function gsk(...body: number[]): number[] {
  const length = body.length;
  return [0x1d, 0x28, 0x6b, length & 0xff, length >> 8, ...body];
}

/** GS ( k: QR Code model 2 with a module size and error-correction level, store the data, print it. */
export function qrCode(data: Uint8Array, options: { moduleSize?: number; level?: QrLevel } = {}): Uint8Array {
  if (data.length === 0 || data.length > 7089) throw new RangeError('QR data must be 1–7089 bytes');
  const size = Math.min(16, Math.max(1, options.moduleSize ?? 4));
  const level = 0x30 + ['L', 'M', 'Q', 'H'].indexOf(options.level ?? 'M');
  const head = [
    ...gsk(0x31, 0x41, 0x32, 0x00), // model 2
    ...gsk(0x31, 0x43, size), // module size
    ...gsk(0x31, 0x45, level), // error correction
  ];
  const storeLength = data.length + 3;
  const store = [0x1d, 0x28, 0x6b, storeLength & 0xff, storeLength >> 8, 0x31, 0x50, 0x30]; // store data
  const print = gsk(0x31, 0x51, 0x30); // print
  // Assembled in one typed array: spreading a long payload through arrays cost more than the rest of the slip's context.
  const out = new Uint8Array(head.length + store.length + data.length + print.length);
  out.set(head);
  out.set(store, head.length);
  out.set(data, head.length + store.length);
  out.set(print, head.length + store.length + data.length);
  return out;
}

const ESCAPES = Array.from({ length: 256 }, (_, b) => `\\x${b.toString(16).padStart(2, '0')}`);

/** The bytes as receiptline `\xNN` escapes, for a `{command: …}` block. */
export function asReceiptlineCommand(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += ESCAPES[b]!;
  return out;
}

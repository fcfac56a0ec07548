/** base64url without padding (RFC 4648 §5), for keys and signatures in QR payloads; no Buffer in core. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Map([...ALPHABET].map((c, i) => [c, i]));

export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = [ALPHABET[(n >> 18) & 63], ALPHABET[(n >> 12) & 63], ALPHABET[(n >> 6) & 63], ALPHABET[n & 63]];
    out += chars.slice(0, Math.min(4, bytes.length - i + 1)).join('');
  }
  return out;
}

/** Returns undefined for anything that is not canonical base64url (so a tampered payload never half-decodes). */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const values = [...text.slice(i, i + 4)].map((c) => LOOKUP.get(c));
    if (values.some((v) => v === undefined)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = values as number[];
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = (n >> 16) & 255;
    if (values.length > 2) out[o++] = (n >> 8) & 255;
    if (values.length > 3) out[o++] = n & 255;
  }
  const bytes = out.subarray(0, o);
  return toBase64Url(bytes) === text ? bytes : undefined;
}

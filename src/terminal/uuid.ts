/**
 * UUIDv7 (RFC 9562) for transfers and members: a 48-bit millisecond timestamp, a 12-bit counter
 * that keeps ids made in the same millisecond in order (method 1), and 62 random bits. The uuid
 * package asks the OS for random bytes per id, which was 3% of a checkout's CPU; randomness is
 * drawn 4 KiB at a time here instead.
 */
import { randomFillSync } from 'node:crypto';

const pool = new Uint8Array(4096);
let offset = pool.length;
let lastMs = -1;
let counter = 0;

function randomBytes(n: number): Uint8Array {
  if (offset + n > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + n);
  offset += n;
  return bytes;
}

const hex = (bytes: ArrayLike<number>): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export function newUuidV7(now: number = Date.now()): string {
  const random = randomBytes(10);
  if (now > lastMs) {
    lastMs = now;
    // Start each millisecond's counter low (random in 0..0x3ff) so it rarely runs out.
    counter = ((random[0]! << 8) | random[1]!) & 0x3ff;
  } else {
    counter += 1;
    if (counter > 0xfff) {
      // More than ~3,000 ids in one millisecond (or the clock went back): borrow the next one.
      lastMs += 1;
      counter = 0;
    }
  }
  const ms = lastMs;
  const bytes = new Uint8Array(16);
  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
  bytes[2] = (ms >>> 24) & 0xff;
  bytes[3] = (ms >>> 16) & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | (counter >>> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (random[2]! & 0x3f);
  bytes.set(random.subarray(3, 10), 9);
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

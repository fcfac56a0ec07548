/**
 * Member PINs for spending points. Only a salted scrypt hash is stored (on the member record, so
 * erasure removes it); a PIN is checked in constant time, and after MAX_PIN_FAILURES wrong tries
 * in a row it stops working until the member sets a new one with a manager.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { TallyError } from '../../core/errors.js';

export const MAX_PIN_FAILURES = 5;

/** scrypt cost: about 50 ms on a counter PC, so a stolen ledger does not give PINs away at once. */
const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

const PIN = /^\d{4,8}$/;

/** Why a new PIN is too easy to guess, or null. */
export function weakPinReason(pin: string): string | null {
  if (!PIN.test(pin)) return 'a PIN is 4 to 8 digits';
  if (/^(\d)\1+$/.test(pin)) return 'a PIN cannot be one digit repeated';
  const digits = [...pin].map(Number);
  const steps = new Set(digits.slice(1).map((d, i) => (d - digits[i]! + 10) % 10));
  if (steps.size === 1 && (steps.has(1) || steps.has(9))) return 'a PIN cannot be a run of digits such as 1234 or 9876';
  return null;
}

export function hashPin(pin: string): string {
  const reason = weakPinReason(pin);
  if (reason !== null) throw new TallyError('invalid-input', `This PIN cannot be used: ${reason}`);
  const salt = randomBytes(16);
  const hash = scryptSync(pin, salt, KEY_LENGTH, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export function pinMatches(pin: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt' || !PIN.test(pin)) return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(r) || !Number.isSafeInteger(p) || expected.length !== KEY_LENGTH) return false;
  const actual = scryptSync(pin, salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r * 2 });
  return timingSafeEqual(actual, expected);
}

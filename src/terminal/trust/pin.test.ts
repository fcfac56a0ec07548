import { describe, expect, it } from 'vitest';
import { hashPin, pinMatches, weakPinReason } from './pin.js';

describe('member PINs', () => {
  it('are stored as a salted scrypt hash that matches only the PIN', () => {
    const hash = hashPin('2580');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('2580');
    expect(hashPin('2580')).not.toBe(hash);
    expect(pinMatches('2580', hash)).toBe(true);
    expect(pinMatches('2581', hash)).toBe(false);
    expect(pinMatches('25800', hash)).toBe(false);
    expect(pinMatches('2580', 'garbage')).toBe(false);
  });

  it('refuses PINs anyone would guess', () => {
    for (const pin of ['0000', '1111', '1234', '9876', '3456789', '0123']) expect(weakPinReason(pin)).not.toBeNull();
    for (const pin of ['123', '123456789', '12a4']) expect(weakPinReason(pin)).toBe('a PIN is 4 to 8 digits');
    expect(weakPinReason('2580')).toBeNull();
    expect(() => hashPin('1234')).toThrow(/This PIN cannot be used: a PIN cannot be a run of digits/);
  });
});

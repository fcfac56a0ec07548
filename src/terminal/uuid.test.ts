import { describe, expect, it } from 'vitest';
import { newUuidV7 } from './uuid.js';

describe('newUuidV7', () => {
  it('makes RFC 9562 version-7 ids that sort in the order they were made, even within a millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => newUuidV7(1_795_600_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
  });

  it('carries the millisecond timestamp in its first 48 bits, and stays in order when the clock steps back', () => {
    const now = Date.parse('2027-01-02T09:30:00.123Z');
    const id = newUuidV7(now);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
    const afterStepBack = newUuidV7(now - 5_000);
    expect(afterStepBack > id).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { compareMemberSnapshots, type MemberSnapshotKey } from './member-order.js';

const key = (over: Partial<MemberSnapshotKey> = {}): MemberSnapshotKey => ({ erased: false, version: 2, updatedAt: 1000, identity: Uint8Array.of(5, 5), ...over });

describe('compareMemberSnapshots', () => {
  it('an erasure wins over any edit, even a higher version written later', () => {
    expect(compareMemberSnapshots(key({ erased: true, version: 2, updatedAt: 10 }), key({ version: 9, updatedAt: 99_999 }))).toBeGreaterThan(0);
    expect(compareMemberSnapshots(key({ version: 9 }), key({ erased: true }))).toBeLessThan(0);
  });

  it('then the higher version, then the later time, then the larger identity', () => {
    expect(compareMemberSnapshots(key({ version: 3, updatedAt: 1 }), key({ version: 2, updatedAt: 5000 }))).toBeGreaterThan(0);
    expect(compareMemberSnapshots(key({ updatedAt: 1001 }), key())).toBeGreaterThan(0);
    expect(compareMemberSnapshots(key({ identity: Uint8Array.of(5, 6) }), key())).toBeGreaterThan(0);
    expect(compareMemberSnapshots(key({ identity: Uint8Array.of(4, 255) }), key())).toBeLessThan(0);
    expect(compareMemberSnapshots(key(), key())).toBe(0);
  });

  it('is antisymmetric over a mixed set, so every side keeps the same snapshot in any order', () => {
    const all = [key(), key({ erased: true }), key({ version: 3 }), key({ updatedAt: 2000 }), key({ identity: Uint8Array.of(9) }), key({ erased: true, updatedAt: 3 })];
    for (const a of all) for (const b of all) expect(Math.sign(compareMemberSnapshots(a, b)) || 0).toBe(0 - Math.sign(compareMemberSnapshots(b, a)) || 0);
    const best = (list: MemberSnapshotKey[]) => list.reduce((x, y) => (compareMemberSnapshots(y, x) > 0 ? y : x));
    expect(best(all)).toBe(best([...all].reverse()));
    expect(best(all)).toMatchObject({ erased: true, updatedAt: 1000 });
  });
});

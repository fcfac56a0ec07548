/**
 * Which of two snapshots of one member record is the one everybody keeps. Counters edit members
 * while apart, so two of them can both write version n+1; the server and every terminal settle on
 * the same snapshot whatever order the copies reach them in, by one total order:
 * 1. an erasure wins over anything not erased (an erasure is never undone by an edit that crossed it);
 * 2. then the higher version;
 * 3. then the later `updatedAt`;
 * 4. then the larger identity hash (two snapshots written in the same millisecond).
 * The order is the same function on both sides, so the outcome does not depend on arrival order.
 */
export interface MemberSnapshotKey {
  readonly erased: boolean;
  readonly version: number;
  readonly updatedAt: number;
  /** SHA-256 of `memberIdentity` (src/contract/sync-identity.ts). */
  readonly identity: Uint8Array;
}

/** Negative when `a` loses to `b`, positive when it wins, 0 for the same snapshot. */
export function compareMemberSnapshots(a: MemberSnapshotKey, b: MemberSnapshotKey): number {
  if (a.erased !== b.erased) return a.erased ? 1 : -1;
  if (a.version !== b.version) return a.version - b.version;
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? -1 : 1;
  return compareBytes(a.identity, b.identity);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * What a new program version changes, as key paths a manager can read before installing it:
 * `earn.rate.per: 1000 → 500`, `rewards[free-coffee]: added`. Pure: the manager screen shows it
 * before a program-install.
 *
 * Lists of things with an `id` (tiers, rewards, actions, bonus days) are matched by id, not by
 * position: a reward inserted first would otherwise show every later reward as changed. Other
 * lists are compared position by position. An added or removed subtree is one change, not one per
 * leaf, so a new reward reads as one line.
 */

export type DiffKind = 'added' | 'removed' | 'changed';

export interface ProgramChange {
  readonly path: string;
  readonly kind: DiffKind;
  /** The value before (undefined when added). */
  readonly before: unknown;
  /** The value after (undefined when removed). */
  readonly after: unknown;
}

type Obj = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The ids of a list whose members are all objects with distinct string ids; null otherwise. */
function idsOf(list: readonly unknown[]): string[] | null {
  const ids = list.map((item) => (isObject(item) && typeof item['id'] === 'string' ? item['id'] : null));
  if (ids.some((id) => id === null)) return null;
  const distinct = ids as string[];
  return new Set(distinct).size === distinct.length ? distinct : null;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => same(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && same(a[key], b[key]));
  }
  return false;
}

function walk(before: unknown, after: unknown, path: string, out: ProgramChange[]): void {
  if (same(before, after)) return;
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      const next = join(path, key);
      if (!Object.hasOwn(after, key)) out.push({ path: next, kind: 'removed', before: before[key], after: undefined });
      else if (!Object.hasOwn(before, key)) out.push({ path: next, kind: 'added', before: undefined, after: after[key] });
      else walk(before[key], after[key], next, out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const beforeIds = idsOf(before);
    const afterIds = idsOf(after);
    if (beforeIds !== null && afterIds !== null) {
      // Removed and kept in the old order, then added in the new one.
      for (const [i, id] of beforeIds.entries()) {
        const j = afterIds.indexOf(id);
        if (j === -1) out.push({ path: `${path}[${id}]`, kind: 'removed', before: before[i], after: undefined });
        else walk(before[i], after[j], `${path}[${id}]`, out);
      }
      for (const [j, id] of afterIds.entries()) {
        if (!beforeIds.includes(id)) out.push({ path: `${path}[${id}]`, kind: 'added', before: undefined, after: after[j] });
      }
      return;
    }
    for (let i = 0; i < Math.max(before.length, after.length); i += 1) {
      if (i >= after.length) out.push({ path: `${path}[${i}]`, kind: 'removed', before: before[i], after: undefined });
      else if (i >= before.length) out.push({ path: `${path}[${i}]`, kind: 'added', before: undefined, after: after[i] });
      else walk(before[i], after[i], `${path}[${i}]`, out);
    }
    return;
  }
  out.push({ path: path === '' ? '(program)' : path, kind: 'changed', before, after });
}

/** Every change from `before` to `after`, in key order (ids in list order). */
export function programDiff(before: unknown, after: unknown): ProgramChange[] {
  const out: ProgramChange[] = [];
  walk(before, after, '', out);
  return out;
}

/** A value as one short line of JSON for the diff's table (long ones cut with an ellipsis). */
export function diffValue(value: unknown, max = 80): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

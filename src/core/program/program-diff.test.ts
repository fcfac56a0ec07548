import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProgramText } from './parse.js';
import { diffValue, programDiff } from './program-diff.js';

const CLASSIC = readFileSync(join(import.meta.dirname, '..', '..', '..', 'resources', 'programs', 'classic-krw.json'), 'utf8');

describe('programDiff', () => {
  it('finds nothing between a program and itself', () => {
    const program = JSON.parse(CLASSIC) as unknown;
    expect(programDiff(program, JSON.parse(CLASSIC))).toEqual([]);
  });

  it('names each changed leaf by its key path, added and removed keys as whole subtrees', () => {
    const before = { version: 1, earn: { rate: { points: 1, per: 1000 }, rounding: 'floor' }, old: { a: 1 } };
    const after = { version: 2, earn: { rate: { points: 1, per: 500 }, rounding: 'floor' }, fresh: { b: [1, 2] } };
    expect(programDiff(before, after)).toEqual([
      { path: 'earn.rate.per', kind: 'changed', before: 1000, after: 500 },
      { path: 'fresh', kind: 'added', before: undefined, after: { b: [1, 2] } },
      { path: 'old', kind: 'removed', before: { a: 1 }, after: undefined },
      { path: 'version', kind: 'changed', before: 1, after: 2 },
    ]);
  });

  it('matches lists of things with ids by id, so an inserted reward is one change', () => {
    const before = { rewards: [{ id: 'coffee', points: 400 }, { id: 'cake', points: 900 }] };
    const after = { rewards: [{ id: 'tea', points: 300 }, { id: 'coffee', points: 350 }, { id: 'cake', points: 900 }] };
    expect(programDiff(before, after)).toEqual([
      { path: 'rewards[coffee].points', kind: 'changed', before: 400, after: 350 },
      { path: 'rewards[tea]', kind: 'added', before: undefined, after: { id: 'tea', points: 300 } },
    ]);
    expect(programDiff(after, before).map((c) => `${c.kind} ${c.path}`)).toEqual(['removed rewards[tea]', 'changed rewards[coffee].points']);
  });

  it('compares other lists position by position, and a change of type as one change', () => {
    expect(programDiff({ days: ['mon', 'wed'] }, { days: ['mon', 'thu', 'fri'] })).toEqual([
      { path: 'days[1]', kind: 'changed', before: 'wed', after: 'thu' },
      { path: 'days[2]', kind: 'added', before: undefined, after: 'fri' },
    ]);
    expect(programDiff({ limit: null }, { limit: { per: 'day' } })).toEqual([{ path: 'limit', kind: 'changed', before: null, after: { per: 'day' } }]);
    expect(programDiff(1, 2)).toEqual([{ path: '(program)', kind: 'changed', before: 1, after: 2 }]);
  });

  it('diffs two validated versions of a real program file (defaults filled in on both sides)', () => {
    const file = JSON.parse(CLASSIC) as { version: number; earn: { rate: { per: number } } };
    const next = { ...file, version: file.version + 1, earn: { ...file.earn, rate: { ...file.earn.rate, per: 500 } } };
    const before = parseProgramText(CLASSIC, 'classic');
    const after = parseProgramText(JSON.stringify(next), 'next');
    expect(programDiff(JSON.parse(JSON.stringify(before)), JSON.parse(JSON.stringify(after)))).toEqual([
      { path: 'earn.rate.per', kind: 'changed', before: 1000, after: 500 },
      { path: 'version', kind: 'changed', before: 1, after: 2 },
    ]);
  });

  it('shows a value as one short line of JSON', () => {
    expect(diffValue(undefined)).toBe('');
    expect(diffValue({ a: 1 })).toBe('{"a":1}');
    expect(diffValue('x'.repeat(100), 10)).toBe('"xxxxxxxx…');
  });
});

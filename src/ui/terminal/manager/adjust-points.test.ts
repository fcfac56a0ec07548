import { describe, expect, it } from 'vitest';
import { parseAdjustment } from './adjust-points.js';

describe('an adjustment as a manager types it', () => {
  it('reads signed whole points, with a typographic minus and thousands separators', () => {
    expect(parseAdjustment('500', 'goodwill')).toEqual({ ok: true, points: 500, reason: 'goodwill' });
    expect(parseAdjustment('+1,500', ' goodwill ')).toEqual({ ok: true, points: 1500, reason: 'goodwill' });
    expect(parseAdjustment('-200', 'double booking')).toEqual({ ok: true, points: -200, reason: 'double booking' });
    expect(parseAdjustment('− 200', 'double booking')).toEqual({ ok: true, points: -200, reason: 'double booking' });
  });

  it('refuses zero, fractions, words and a reason under 3 characters', () => {
    for (const text of ['0', '-0', '', '1.5', 'ten', '5-']) expect(parseAdjustment(text, 'goodwill')).toEqual({ ok: false, problem: 'points' });
    expect(parseAdjustment('100', ' ok ')).toEqual({ ok: false, problem: 'reason' });
  });
});

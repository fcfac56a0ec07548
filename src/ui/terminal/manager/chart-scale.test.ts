import { describe, expect, it } from 'vitest';
import { barHeights, niceCeiling } from './chart-scale.js';

describe("the dashboard's chart scale", () => {
  it('tops the axis at the next 1, 2 or 5 × 10ⁿ', () => {
    expect([0, -5, 1, 3, 10, 11, 180, 250, 999, 1000, 4200].map(niceCeiling)).toEqual([1, 1, 1, 5, 10, 20, 200, 500, 1000, 1000, 5000]);
  });

  it('draws bars in proportion, whole pixels, a small value still visible', () => {
    expect(barHeights([0, 100, 50, 1, 200], 200, 160)).toEqual([0, 80, 40, 1, 160]);
    expect(barHeights([300], 200, 160)).toEqual([160]);
  });
});

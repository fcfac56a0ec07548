/** The scale of the dashboard's bar charts: a round top for the axis, and bar heights on it. */

/** The smallest 1, 2 or 5 × 10ⁿ at or above `max` (1 when nothing is above zero): an axis a person reads at a glance. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** Each value's bar height in whole pixels on a 0‥ceiling axis `height` tall; a value above zero is never drawn as nothing. */
export function barHeights(values: readonly number[], ceiling: number, height: number): number[] {
  return values.map((value) => (value <= 0 ? 0 : Math.max(1, Math.round((Math.min(value, ceiling) / ceiling) * height))));
}

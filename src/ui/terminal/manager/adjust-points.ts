/** What a manager typed as an adjustment, checked before it is sent (the host checks it again). */
export type AdjustProblem = 'points' | 'reason';

/** "500", "+500", "-200", "−200" → a non-zero whole number of points; the reason trimmed, at least 3 characters. */
export function parseAdjustment(pointsText: string, reasonText: string): { readonly ok: true; readonly points: number; readonly reason: string } | { readonly ok: false; readonly problem: AdjustProblem } {
  const m = /^([+\-−]?)\s*(\d{1,9})$/.exec(pointsText.trim().replace(/,/g, ''));
  const magnitude = m ? Number(m[2]) : 0;
  if (!m || magnitude === 0) return { ok: false, problem: 'points' };
  const reason = reasonText.trim();
  if (reason.length < 3) return { ok: false, problem: 'reason' };
  return { ok: true, points: m[1] === '' || m[1] === '+' ? magnitude : -magnitude, reason };
}

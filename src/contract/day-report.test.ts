import { describe, expect, it } from 'vitest';
import { buildDayReport, compareDayReports, dayFigures, dayReportQuerySchema, dayReportSchema, dayWindow, type DayRows } from './day-report.js';

const rows: DayRows = {
  transfers: [
    { kind: 'earn', unit: 'points', currency: 'KRW', count: 3, amount: 120 },
    { kind: 'welcome', unit: 'points', currency: 'KRW', count: 1, amount: 500 },
    { kind: 'qualifying-spend', unit: 'money', currency: 'KRW', count: 3, amount: 120_000 },
    { kind: 'qualifying-spend', unit: 'money', currency: 'USD', count: 1, amount: 999 },
    { kind: 'adjustment-credit', unit: 'points', currency: 'KRW', count: 1, amount: 10 },
    { kind: 'adjustment-debit', unit: 'points', currency: 'KRW', count: 2, amount: 25 },
    { kind: 'return-uncollected', unit: 'points', currency: 'KRW', count: 1, amount: 4 },
    { kind: 'a-kind-from-a-newer-tally', unit: 'points', currency: 'KRW', count: 2, amount: 7 },
  ],
  transactions: [
    { kind: 'checkout', count: 3 },
    { kind: 'enrolment', count: 1 },
    { kind: 'adjustment', count: 3 },
  ],
};

describe('the end-of-day figures', () => {
  it('sums each kind into its figure; money only in the currency; every transfer in `transfers`', () => {
    expect(dayFigures(rows, 'KRW')).toEqual({
      sales: 3,
      salesAmount: 120_000,
      returns: 0,
      returnsAmount: 0,
      pointsIssued: 620,
      pointsRedeemed: 0,
      pointsExpired: 0,
      pointsDonated: 0,
      pointsTakenBack: 0,
      pointsGivenBack: 0,
      pointsAdjusted: -15,
      membersEnrolled: 1,
      transfers: 14,
    });
  });

  it('spans the local day, 23 or 25 hours across a change of daylight saving time', () => {
    expect(dayWindow('2026-03-08', 'America/New_York')).toEqual({ from: Date.parse('2026-03-08T05:00:00Z'), to: Date.parse('2026-03-09T04:00:00Z') });
    expect(dayWindow('2026-11-01', 'America/New_York')).toEqual({ from: Date.parse('2026-11-01T04:00:00Z'), to: Date.parse('2026-11-02T05:00:00Z') });
    expect(dayWindow('2026-11-20', 'Asia/Seoul')).toEqual({ from: Date.parse('2026-11-19T15:00:00Z'), to: Date.parse('2026-11-20T15:00:00Z') });
  });

  it('lists every difference, the identity of the report included, and ignores what only the terminal knows', () => {
    const header = { storeId: 'S1', terminalId: 'T1', day: '2026-11-20', timeZone: 'Asia/Seoul', currency: 'KRW' };
    const window = dayWindow('2026-11-20', 'Asia/Seoul');
    const terminal = buildDayReport({ ...header, source: 'terminal', unsynced: 4 }, window, rows);
    const server = buildDayReport({ ...header, source: 'server', unsynced: null }, window, rows);
    expect(dayReportSchema.parse(terminal)).toEqual(terminal);
    expect(compareDayReports(terminal, server)).toEqual([]);
    const fewer = buildDayReport({ ...header, timeZone: 'Asia/Tokyo', source: 'server', unsynced: null }, window, { ...rows, transactions: rows.transactions.slice(1) });
    expect(compareDayReports(terminal, fewer)).toEqual([
      { field: 'timeZone', terminal: 'Asia/Seoul', server: 'Asia/Tokyo' },
      { field: 'sales', terminal: 3, server: 0 },
    ]);
  });

  it('takes only a day of the calendar', () => {
    expect(dayReportQuerySchema.safeParse({ day: '2026-02-28' }).success).toBe(true);
    for (const day of ['2026-02-30', '2026-2-28', '28/02/2026', '']) expect(dayReportQuerySchema.safeParse({ day }).success, day).toBe(false);
    expect(dayReportQuerySchema.safeParse({ day: '2026-02-28', terminal: 'T2' }).success).toBe(false);
  });
});

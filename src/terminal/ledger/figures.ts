/**
 * The dashboard's figures (src/contract/figures.ts) from this terminal's ledger: its own bookings
 * per local day (as the end-of-day report counts them) and the points its members hold now.
 */
import { dayFigures, dayWindow, type DayRows } from '../../contract/day-report.js';
import type { TerminalFigures } from '../../contract/figures.js';
import { addDays, dayKey, localDateOf, parseDayKey, type Instant } from '../../core/time.js';
import type { Ledger } from './ledger.js';

interface TransferRow {
  readonly kind: string;
  readonly unit: string;
  readonly currency: string;
  readonly amount: number;
  readonly booked_at: number;
}

/**
 * One read transaction over the range (one scan of the window, bucketed here by local day: 92 day
 * scans would each read the whole table, as no index serves `booked_at`).
 */
export function terminalFigures(ledger: Ledger, options: { readonly days: number; readonly through?: string | undefined; readonly now: Instant }): TerminalFigures {
  const { storeId, terminalId, timeZone } = ledger.terminal;
  const program = ledger.program;
  const last = options.through !== undefined ? parseDayKey(options.through)! : localDateOf(options.now, timeZone);
  const dayKeys = Array.from({ length: options.days }, (_, i) => dayKey(addDays(last, i - options.days + 1)));
  const windows = dayKeys.map((d) => dayWindow(d, timeZone));
  const from = windows[0]!.from;
  const to = windows.at(-1)!.to;
  const read = ledger.db.transaction(() => {
    const transfers = ledger.db
      .prepare(
        `SELECT kind, unit, currency, amount, booked_at FROM transfers
         WHERE store_id = ? AND terminal_id = ? AND booked_at >= ? AND booked_at < ?
           AND id NOT IN (SELECT transfer_id FROM transfers_kept_elsewhere)`,
      )
      .all(storeId, terminalId, from, to) as TransferRow[];
    const transactions = ledger.db
      .prepare(`SELECT kind, created_at FROM transactions WHERE store_id = ? AND terminal_id = ? AND created_at >= ? AND created_at < ?`)
      .all(storeId, terminalId, from, to) as { kind: string; created_at: number }[];
    const held = ledger.db.prepare(`SELECT coalesce(sum(balance), 0) AS points, count(*) AS members FROM accounts WHERE kind = 'member-points' AND balance > 0`).get() as { points: number; members: number };
    return { transfers, transactions, held };
  });
  const { transfers, transactions, held } = read.deferred();
  const dayOf = (at: number): number => {
    // Windows are contiguous and ordered: the last one starting at or before `at`.
    let lo = 0;
    let hi = windows.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (windows[mid]!.from <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const buckets = dayKeys.map(() => ({ transfers: new Map<string, { kind: string; unit: string; currency: string; count: number; amount: number }>(), transactions: new Map<string, number>() }));
  for (const t of transfers) {
    const bucket = buckets[dayOf(t.booked_at)]!.transfers;
    const key = `${t.kind}\u0000${t.unit}\u0000${t.currency}`;
    const row = bucket.get(key) ?? { kind: t.kind, unit: t.unit, currency: t.currency, count: 0, amount: 0 };
    row.count += 1;
    row.amount += t.amount;
    bucket.set(key, row);
  }
  for (const t of transactions) {
    const bucket = buckets[dayOf(t.created_at)]!.transactions;
    bucket.set(t.kind, (bucket.get(t.kind) ?? 0) + 1);
  }
  const days = dayKeys.map((day, i) => {
    const rows: DayRows = { transfers: [...buckets[i]!.transfers.values()], transactions: [...buckets[i]!.transactions].map(([kind, count]) => ({ kind, count })) };
    return { day, figures: dayFigures(rows, program.currency) };
  });
  const issued = days.reduce((sum, d) => sum + d.figures.pointsIssued, 0);
  const redeemed = days.reduce((sum, d) => sum + d.figures.pointsRedeemed, 0);
  const value = program.redemption.pointValue;
  return {
    storeId,
    terminalId,
    timeZone,
    currency: program.currency,
    days,
    redemptionRate: issued === 0 ? null : redeemed / issued,
    liability: { points: held.points, members: held.members, amount: value === undefined ? null : Math.floor((held.points * value.amount) / value.points) },
  };
}

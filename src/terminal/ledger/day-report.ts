/**
 * The end-of-day report from the terminal's own ledger (src/contract/day-report.ts defines every
 * figure). Only this terminal's rows count: the ledger may also hold other terminals' entries
 * pulled from the server, which are theirs to report, and its own copies of once-only entries the
 * server kept as another counter's booking (transfers_kept_elsewhere), which are that counter's.
 */
import { buildDayReport, dayWindow, type DayReport, type DayRows } from '../../contract/day-report.js';
import type { Ledger } from './ledger.js';
import { pendingCount } from './outbox.js';

/**
 * One read transaction, so the figures and the unsynced count describe the same moment even while
 * the counter keeps booking. No index serves `booked_at`: the scan is once a day, and cheaper than
 * an index every checkout would have to write.
 */
export function terminalDayReport(ledger: Ledger, day: string): DayReport {
  const { storeId, terminalId, timeZone } = ledger.terminal;
  const window = dayWindow(day, timeZone);
  const read = ledger.db.transaction((): { rows: DayRows; unsynced: number } => {
    const transfers = ledger.db
      .prepare(
        `SELECT kind, unit, currency, count(*) AS count, sum(amount) AS amount FROM transfers
         WHERE store_id = ? AND terminal_id = ? AND booked_at >= ? AND booked_at < ?
           AND id NOT IN (SELECT transfer_id FROM transfers_kept_elsewhere)
         GROUP BY kind, unit, currency`,
      )
      .all(storeId, terminalId, window.from, window.to) as DayRows['transfers'];
    const transactions = ledger.db
      .prepare(
        `SELECT kind, count(*) AS count FROM transactions
         WHERE store_id = ? AND terminal_id = ? AND created_at >= ? AND created_at < ?
         GROUP BY kind`,
      )
      .all(storeId, terminalId, window.from, window.to) as DayRows['transactions'];
    return { rows: { transfers, transactions }, unsynced: pendingCount(ledger.db) };
  });
  const { rows, unsynced } = read.deferred();
  return buildDayReport({ source: 'terminal', storeId, terminalId, day, timeZone, currency: ledger.program.currency, unsynced }, window, rows);
}

/**
 * The end-of-day report on the SQLite store: the aggregates src/contract/day-report.ts turns into
 * figures, for one (store, terminal, day), read in one transaction so a push committing meanwhile
 * is either wholly in the figures or not at all.
 */
import { buildDayReport, dayWindow, type DayReport, type DayRows } from '../../../contract/day-report.js';
import { int, text, type Row } from '../rows.js';
import type { DayReportRequest } from '../store.js';
import type { SqliteDatabase } from './driver.js';

/**
 * Only the terminal's own rows: the store and terminal the entries were pushed by (the server's own
 * bookings carry its ids), through the (store, terminal, time) indexes of schema version 3.
 */
const TRANSFERS = `SELECT kind, unit, currency, count(*) AS count, sum(amount) AS amount FROM transfers
  WHERE store_id = ? AND terminal_id = ? AND booked_at >= ? AND booked_at < ?
  GROUP BY kind, unit, currency`;
const TRANSACTIONS = `SELECT kind, count(*) AS count FROM transactions
  WHERE store_id = ? AND terminal_id = ? AND created_at >= ? AND created_at < ?
  GROUP BY kind`;

export function sqliteDayReport(db: SqliteDatabase, request: DayReportRequest): DayReport | undefined {
  return db
    .transaction((): DayReport | undefined => {
      const store = db.prepare('SELECT time_zone FROM stores WHERE id = ?').get(request.storeId) as Row | undefined;
      if (!store) return undefined;
      const timeZone = text(store, 'time_zone');
      const window = dayWindow(request.day, timeZone);
      const params = [request.storeId, request.terminalId, window.from, window.to];
      const rows: DayRows = {
        transfers: (db.prepare(TRANSFERS).all(...params) as Row[]).map((r) => ({ kind: text(r, 'kind'), unit: text(r, 'unit'), currency: text(r, 'currency'), count: int(r, 'count'), amount: int(r, 'amount') })),
        transactions: (db.prepare(TRANSACTIONS).all(...params) as Row[]).map((r) => ({ kind: text(r, 'kind'), count: int(r, 'count') })),
      };
      return buildDayReport({ source: 'server', storeId: request.storeId, terminalId: request.terminalId, day: request.day, timeZone, currency: request.currency, unsynced: null }, window, rows);
    })
    .deferred();
}

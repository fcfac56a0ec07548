/**
 * The end-of-day report on the PostgreSQL store: the aggregates src/contract/day-report.ts turns
 * into figures, for one (store, terminal, day). Transfers and transactions are aggregated in one
 * statement, so both sides of a push committing meanwhile are in it or neither is (one snapshot);
 * the store's time zone is read first, and never changes once the store exists.
 */
import { buildDayReport, dayWindow, type DayReport, type DayRows } from '../../../contract/day-report.js';
import { int, text, textOrNull, type Row } from '../rows.js';
import type { DayReportRequest } from '../store.js';
import type { PgPool } from './driver.js';

/**
 * Only the terminal's own rows: the store and terminal the entries were pushed by (the server's own
 * bookings carry its ids). Without the distribution column this fans out to every shard on Citus,
 * once per terminal and day.
 */
const AGGREGATES = `
  SELECT 'transfer' AS entity, kind, unit, currency, count(*) AS count, sum(amount) AS amount FROM transfers
  WHERE store_id = $1 AND terminal_id = $2 AND booked_at >= $3 AND booked_at < $4
  GROUP BY kind, unit, currency
  UNION ALL
  SELECT 'transaction' AS entity, kind, NULL, NULL, count(*), 0 FROM transactions
  WHERE store_id = $1 AND terminal_id = $2 AND created_at >= $3 AND created_at < $4
  GROUP BY kind`;

export async function postgresDayReport(pool: PgPool, request: DayReportRequest): Promise<DayReport | undefined> {
  const [store] = (await pool.query({ name: 'tally-day-report-store', text: 'SELECT time_zone FROM stores WHERE id = $1', values: [request.storeId] })).rows as Row[];
  if (!store) return undefined;
  const timeZone = text(store, 'time_zone');
  const window = dayWindow(request.day, timeZone);
  const result = (await pool.query({ name: 'tally-day-report', text: AGGREGATES, values: [request.storeId, request.terminalId, window.from, window.to] })).rows as Row[];
  const rows: DayRows = {
    transfers: result
      .filter((r) => r['entity'] === 'transfer')
      .map((r) => ({ kind: text(r, 'kind'), unit: textOrNull(r, 'unit') ?? '', currency: textOrNull(r, 'currency') ?? '', count: int(r, 'count'), amount: int(r, 'amount') })),
    transactions: result.filter((r) => r['entity'] === 'transaction').map((r) => ({ kind: text(r, 'kind'), count: int(r, 'count') })),
  };
  return buildDayReport({ source: 'server', storeId: request.storeId, terminalId: request.terminalId, day: request.day, timeZone, currency: request.currency, unsynced: null }, window, rows);
}

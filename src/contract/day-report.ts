/**
 * The end-of-day report: one definition, used by the terminal (from its ledger), the server (from
 * its tables, `GET /v1/day-report`) and `tally eod`, which compares the two and shows every figure
 * that differs. The figures are defined here once, over aggregates every store can produce with the
 * same plain SQL (`DayRows`), so the terminal and both server stores cannot drift apart in what a
 * figure means.
 *
 * Whose entries: only the terminal's own — rows whose store and terminal are the report's. A
 * terminal's ledger may also hold other terminals' entries pulled from the server, and the server
 * books entries of its own (an overdraft cover, under the server's ids): neither is counted.
 *
 * Which day: the store's local calendar day, in its time zone (the terminal's, set at enrolment
 * from the store's). An entry belongs to the day its booking time (a transfer's `booked_at`, a
 * transaction's `created_at`, both UTC) falls in: `from` ≤ t < `to`, the day's first instant and
 * the next day's. A return that reverses an older sale counts on the day of the return.
 *
 * The figures:
 * - `sales`, `returns`: counter transactions of kind `checkout` and `return` (a POS id replayed
 *   books nothing, so it is counted once).
 * - `salesAmount`, `returnsAmount`: qualifying spend in the report's currency, minor units — the
 *   `qualifying-spend` and `return-qualifying-spend` money transfers: what the program counts of a
 *   sale (after loyalty discounts, without what it excludes such as gift cards or tax, as the program
 *   says), which is what the ledger books in money. A sale that counts nothing books no transfer.
 * - `pointsIssued`: points given to members from the program: `earn`, `bonus-day`, `welcome`,
 *   `birthday`, `action`, `membership-credit`, `annual-reward`.
 * - `pointsRedeemed` (`redeem`), `pointsExpired` (`expiry`, including redeemed points a return gave
 *   back past their expiry), `pointsDonated` (`donation`).
 * - `pointsTakenBack`: points returns took back from members (`return-earn`); `pointsGivenBack`:
 *   redeemed points a full return gave back (`return-redeem`).
 * - `pointsAdjusted`: managers' corrections, net (`adjustment-credit` − `adjustment-debit`); may be
 *   negative.
 * - `membersEnrolled`: `enrolment` transactions.
 * - `transfers`: every transfer of the terminal that day, whatever its kind (also the written-off
 *   part of a return, membership fees, and kinds a newer Tally may add): the catch-all that shows a
 *   missing or extra entry even where no other figure moves.
 * - `unsynced` (terminal only, null from the server): outbox rows of any day the server has not
 *   acknowledged yet. Figures can only agree once it is 0.
 */
import { z } from 'zod';
import type { TransferKind } from '../core/ledger-model.js';
import { addDays, parseDayKey, startOfLocalDay, type Instant } from '../core/time.js';

const placeId = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'is 1-32 letters, digits, dots, dashes or underscores');
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const amount = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

/** A calendar day, YYYY-MM-DD (one that exists: no 30 February). */
export const dayKeySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'is a day written YYYY-MM-DD')
  .refine((day) => parseDayKey(day) !== undefined, 'is not a day of the calendar');

export const DAY_FIGURES = [
  'sales',
  'salesAmount',
  'returns',
  'returnsAmount',
  'pointsIssued',
  'pointsRedeemed',
  'pointsExpired',
  'pointsDonated',
  'pointsTakenBack',
  'pointsGivenBack',
  'pointsAdjusted',
  'membersEnrolled',
  'transfers',
] as const;
export type DayFigure = (typeof DAY_FIGURES)[number];

export type FigureUnit = 'count' | 'money' | 'points';

/**
 * How each figure is shown: its unit and its label in English and Korean (the CLI and the slip use
 * these). Labels fit 18 columns, so even a 58 mm slip (32 columns) prints each on one line beside
 * its figure; money figures are qualifying spend, and `pointsAdjusted` is net (it may be negative).
 */
export const FIGURE_INFO: Readonly<Record<DayFigure, { readonly unit: FigureUnit; readonly label: { readonly en: string; readonly ko: string } }>> = {
  sales: { unit: 'count', label: { en: 'Sales', ko: '판매 건수' } },
  salesAmount: { unit: 'money', label: { en: 'Qualifying sales', ko: '적립 대상 판매액' } },
  returns: { unit: 'count', label: { en: 'Returns', ko: '반품 건수' } },
  returnsAmount: { unit: 'money', label: { en: 'Qualifying returns', ko: '적립 대상 반품액' } },
  pointsIssued: { unit: 'points', label: { en: 'Points issued', ko: '적립 포인트' } },
  pointsRedeemed: { unit: 'points', label: { en: 'Points redeemed', ko: '사용 포인트' } },
  pointsExpired: { unit: 'points', label: { en: 'Points expired', ko: '소멸 포인트' } },
  pointsDonated: { unit: 'points', label: { en: 'Points donated', ko: '기부 포인트' } },
  pointsTakenBack: { unit: 'points', label: { en: 'Points taken back', ko: '반품 회수 포인트' } },
  pointsGivenBack: { unit: 'points', label: { en: 'Redeemed pts back', ko: '사용 포인트 반환' } },
  pointsAdjusted: { unit: 'points', label: { en: 'Points adjusted', ko: '포인트 조정' } },
  membersEnrolled: { unit: 'count', label: { en: 'Members enrolled', ko: '신규 회원' } },
  transfers: { unit: 'count', label: { en: 'Ledger entries', ko: '원장 항목' } },
};

export const dayFiguresSchema = z.strictObject({
  sales: count,
  salesAmount: count,
  returns: count,
  returnsAmount: count,
  pointsIssued: count,
  pointsRedeemed: count,
  pointsExpired: count,
  pointsDonated: count,
  pointsTakenBack: count,
  pointsGivenBack: count,
  pointsAdjusted: amount,
  membersEnrolled: count,
  transfers: count,
});

export const dayReportSchema = z.strictObject({
  /** Who computed it: the terminal from its ledger, or the server from its tables. */
  source: z.enum(['terminal', 'server']),
  storeId: placeId,
  terminalId: placeId,
  day: dayKeySchema,
  timeZone: z.string().min(1).max(64),
  /** The day's first instant and the next day's (UTC ms): entries booked in [from, to) count. */
  from: z.number().int(),
  to: z.number().int(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'is an ISO 4217 code'),
  figures: dayFiguresSchema,
  /** Outbox rows the server has not acknowledged (any day); null in the server's report. */
  unsynced: count.nullable(),
});

/** `GET /v1/day-report?day=YYYY-MM-DD`: the calling terminal's day, as the server has it. */
export const dayReportQuerySchema = z.strictObject({ day: dayKeySchema });

export type DayFigures = z.output<typeof dayFiguresSchema>;
export type DayReport = z.output<typeof dayReportSchema>;
export type DayReportQuery = z.output<typeof dayReportQuerySchema>;

/**
 * What a store aggregates for one (store, terminal, day), grouped as plain SQL can group it on
 * SQLite and PostgreSQL alike:
 *   SELECT kind, unit, currency, count(*), sum(amount) FROM transfers
 *     WHERE store_id = ? AND terminal_id = ? AND booked_at >= ? AND booked_at < ? GROUP BY kind, unit, currency
 *   SELECT kind, count(*) FROM transactions
 *     WHERE store_id = ? AND terminal_id = ? AND created_at >= ? AND created_at < ? GROUP BY kind
 */
export interface DayRows {
  readonly transfers: readonly { readonly kind: string; readonly unit: string; readonly currency: string; readonly count: number; readonly amount: number }[];
  readonly transactions: readonly { readonly kind: string; readonly count: number }[];
}

export interface DayWindow {
  readonly from: Instant;
  readonly to: Instant;
}

/** The instants a local day spans in a zone (23 or 25 hours across a DST change). */
export function dayWindow(day: string, timeZone: string): DayWindow {
  const date = parseDayKey(day);
  if (!date) throw new RangeError(`not a day: ${day}`);
  return { from: startOfLocalDay(date, timeZone), to: startOfLocalDay(addDays(date, 1), timeZone) };
}

/**
 * Where each transfer kind counts (beyond `transfers`), and with which sign. A Record over every
 * kind: a new kind does not compile until it is placed here (null: only in `transfers`).
 */
const TRANSFER_FIGURE: Readonly<Record<TransferKind, { readonly figure: DayFigure; readonly sign: 1 | -1 } | null>> = {
  earn: { figure: 'pointsIssued', sign: 1 },
  'bonus-day': { figure: 'pointsIssued', sign: 1 },
  welcome: { figure: 'pointsIssued', sign: 1 },
  birthday: { figure: 'pointsIssued', sign: 1 },
  action: { figure: 'pointsIssued', sign: 1 },
  'membership-credit': { figure: 'pointsIssued', sign: 1 },
  'annual-reward': { figure: 'pointsIssued', sign: 1 },
  redeem: { figure: 'pointsRedeemed', sign: 1 },
  expiry: { figure: 'pointsExpired', sign: 1 },
  donation: { figure: 'pointsDonated', sign: 1 },
  'return-earn': { figure: 'pointsTakenBack', sign: 1 },
  'return-redeem': { figure: 'pointsGivenBack', sign: 1 },
  'adjustment-credit': { figure: 'pointsAdjusted', sign: 1 },
  'adjustment-debit': { figure: 'pointsAdjusted', sign: -1 },
  'qualifying-spend': { figure: 'salesAmount', sign: 1 },
  'return-qualifying-spend': { figure: 'returnsAmount', sign: 1 },
  'return-uncollected': null,
  'membership-sale': null,
  'membership-refund': null,
};

const TRANSACTION_FIGURE: Readonly<Record<string, DayFigure>> = { checkout: 'sales', return: 'returns', enrolment: 'membersEnrolled' };

const zeroFigures = (): Record<DayFigure, number> => Object.fromEntries(DAY_FIGURES.map((f) => [f, 0])) as Record<DayFigure, number>;

/** The figures of a day from its aggregates (money only in `currency`: another currency's rows count in `transfers` alone). */
export function dayFigures(rows: DayRows, currency: string): DayFigures {
  const figures = zeroFigures();
  for (const r of rows.transfers) {
    figures.transfers += r.count;
    const place = Object.hasOwn(TRANSFER_FIGURE, r.kind) ? TRANSFER_FIGURE[r.kind as TransferKind] : null;
    if (!place) continue;
    if (r.unit !== (FIGURE_INFO[place.figure].unit === 'money' ? 'money' : 'points')) continue;
    if (r.unit === 'money' && r.currency !== currency) continue;
    figures[place.figure] += place.sign * r.amount;
  }
  for (const r of rows.transactions) {
    const figure = Object.hasOwn(TRANSACTION_FIGURE, r.kind) ? TRANSACTION_FIGURE[r.kind] : undefined;
    if (figure) figures[figure] += r.count;
  }
  return figures;
}

export interface DayReportHeader {
  readonly source: DayReport['source'];
  readonly storeId: string;
  readonly terminalId: string;
  readonly day: string;
  readonly timeZone: string;
  readonly currency: string;
  readonly unsynced: number | null;
}

export function buildDayReport(header: DayReportHeader, window: DayWindow, rows: DayRows): DayReport {
  return { ...header, from: window.from, to: window.to, figures: dayFigures(rows, header.currency) };
}

/** One thing the terminal and the server do not agree on. */
export interface DayMismatch {
  readonly field: DayFigure | 'storeId' | 'terminalId' | 'day' | 'timeZone' | 'currency';
  readonly terminal: number | string;
  readonly server: number | string;
}

/** Every figure (and every part of the report's identity) that differs; empty when they agree. `unsynced` is the terminal's alone. */
export function compareDayReports(terminal: DayReport, server: DayReport): DayMismatch[] {
  const mismatches: DayMismatch[] = [];
  for (const field of ['storeId', 'terminalId', 'day', 'timeZone', 'currency'] as const) {
    if (terminal[field] !== server[field]) mismatches.push({ field, terminal: terminal[field], server: server[field] });
  }
  for (const field of DAY_FIGURES) {
    if (terminal.figures[field] !== server.figures[field]) mismatches.push({ field, terminal: terminal.figures[field], server: server.figures[field] });
  }
  return mismatches;
}

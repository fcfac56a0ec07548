/**
 * The server's end-of-day figures (ServerStore.dayReport), one suite run against both stores: the
 * embedded SQLite file and a real PostgreSQL (tests/support/postgres.ts; a failure, never a skip,
 * when it cannot be had). A terminal pushes a day of entries together with entries just outside the
 * day, another terminal's and the server's own; only the terminal's own, inside the store's local
 * day (a 25-hour day: New York leaves daylight saving time on 1 November 2026), may count.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dayReportSchema, dayWindow, type DayFigures } from '../../src/contract/day-report.js';
import type { PushItem, SyncTransfer } from '../../src/contract/sync.js';
import { ACCOUNTS, charityAccount, memberAccount, memberSpendAccount, storeRiskAccount } from '../../src/core/ledger-model.js';
import { openPostgresServerStore } from '../../src/server/store/postgres/postgres-store.js';
import { openSqliteServerStore } from '../../src/server/store/sqlite/sqlite-store.js';
import type { ServerStore } from '../../src/server/store/store.js';
import { tempDir } from '../support/ledger-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { FakeTerminal, item, memberRecord, uniquePrefix } from '../support/server-store-fixtures.js';

const DAY = '2026-11-01';
const ZONE = 'America/New_York';
const { from, to } = dayWindow(DAY, ZONE);

function expectOk(outcome: Awaited<ReturnType<ServerStore['push']>>): void {
  if (!outcome.ok) throw new Error(`push refused: ${outcome.message}`);
  expect(outcome.results.filter((r) => r.status !== 'ok')).toEqual([]);
}

/** One terminal's day as the server receives it: what counts, and its figures. */
function dayOfEntries(a: FakeTerminal, memberId: string): { items: PushItem[]; expected: DayFigures } {
  const at = from + 3 * 3_600_000;
  const timed = (t: SyncTransfer, bookedAt = at): SyncTransfer => ({ ...t, bookedAt, effectiveAt: bookedAt });
  const enrolment = a.transaction(memberId, { kind: 'enrolment', createdAt: at });
  const sale = a.transaction(memberId, { kind: 'checkout', createdAt: at });
  const ret = a.transaction(memberId, { kind: 'return', originalId: sale.id, createdAt: at + 60_000 });
  // Made in booking order: each takes the terminal's next sequence number.
  const welcome = timed(a.transfer({ memberId, kind: 'welcome', amount: 100, debitAccount: ACCOUNTS.issuance, creditAccount: memberAccount(memberId), lotsGranted: [{ id: `w-${memberId}`, points: 100, earnedAt: at, expiresAt: null }] }));
  const earn = timed(a.earn(memberId, 500));
  const lot = earn.lotsGranted[0]!.id;
  const transfers: SyncTransfer[] = [
    welcome,
    earn,
    timed({ ...a.spend(memberId, 45_000), currency: 'USD' }),
    timed(a.redeem(memberId, [{ lotId: lot, points: 50 }])),
    timed(a.transfer({ memberId, kind: 'expiry', amount: 10, debitAccount: memberAccount(memberId), creditAccount: ACCOUNTS.expired, lotsDrawn: [{ lotId: lot, points: 10 }] })),
    timed(a.transfer({ memberId, kind: 'donation', amount: 20, debitAccount: memberAccount(memberId), creditAccount: charityAccount('food-bank'), lotsDrawn: [{ lotId: lot, points: 20 }] })),
    timed(a.transfer({ memberId, kind: 'return-earn', amount: 166, debitAccount: memberAccount(memberId), creditAccount: ACCOUNTS.issuance, lotsDrawn: [{ lotId: lot, points: 166 }] })),
    timed(a.transfer({ memberId, kind: 'return-uncollected', amount: 4, debitAccount: storeRiskAccount(a.storeId), creditAccount: ACCOUNTS.issuance })),
    timed(a.transfer({ memberId, kind: 'return-redeem', amount: 5, debitAccount: ACCOUNTS.redeemed, creditAccount: memberAccount(memberId), lotsGranted: [{ id: `rr-${memberId}`, points: 5, earnedAt: at, expiresAt: null }] })),
    timed({ ...a.transfer({ memberId, kind: 'return-qualifying-spend', unit: 'money', amount: 15_000, debitAccount: memberSpendAccount(memberId), creditAccount: ACCOUNTS.sales, moneyAmount: 15_000 }), currency: 'USD' }),
    timed(a.transfer({ memberId, kind: 'adjustment-credit', amount: 7, debitAccount: ACCOUNTS.adjustments, creditAccount: memberAccount(memberId), lotsGranted: [{ id: `ac-${memberId}`, points: 7, earnedAt: at, expiresAt: null }] })),
    timed(a.transfer({ memberId, kind: 'adjustment-debit', amount: 3, debitAccount: memberAccount(memberId), creditAccount: ACCOUNTS.adjustments, lotsDrawn: [{ lotId: lot, points: 3 }] })),
    // Money in another currency counts as an entry, never in the money figures.
    timed({ ...a.spend(memberId, 999), currency: 'KRW' }),
    // The 25th hour: 23:30 EST on 1 November, already 2 November in UTC.
    timed(a.earn(memberId, 30), Date.parse('2026-11-02T04:30:00Z')),
  ];
  return {
    items: [item.member(memberRecord(memberId, 1)), ...[enrolment, sale, ret].map(item.transaction), ...transfers.map(item.transfer)],
    expected: {
      sales: 1,
      salesAmount: 45_000,
      returns: 1,
      returnsAmount: 15_000,
      pointsIssued: 100 + 500 + 30,
      pointsRedeemed: 50,
      pointsExpired: 10,
      pointsDonated: 20,
      pointsTakenBack: 166,
      pointsGivenBack: 5,
      pointsAdjusted: 4,
      membersEnrolled: 1,
      transfers: transfers.length,
    },
  };
}

function dayReportSuite(label: string, open: () => Promise<ServerStore>): void {
  describe(`the server's end-of-day figures on ${label}`, () => {
    let store: ServerStore;
    let setupError: unknown;
    beforeAll(async () => {
      try {
        store = await open();
      } catch (error) {
        setupError = error;
      }
    });
    beforeEach(() => {
      if (setupError !== undefined) throw setupError;
    });
    afterAll(async () => {
      await store?.close();
    });

    it("counts the terminal's own entries of the store's local day, and nothing else", async () => {
      const prefix = uniquePrefix('eod');
      const storeId = `${prefix}s`;
      await store.createStore({ id: storeId, name: 'Downtown', timeZone: ZONE, createdAt: from - 86_400_000 });
      const a = new FakeTerminal(storeId, 'LANE-3');
      const memberId = `${prefix}m1`;
      const { items, expected } = dayOfEntries(a, memberId);
      // The same member's entries booked just before the day began and at the first instant of the next.
      const before = { ...a.earn(memberId, 1_000), bookedAt: from - 1 };
      const after = { ...a.earn(memberId, 2_000), bookedAt: to };
      const lateSale = a.transaction(memberId, { kind: 'checkout', createdAt: to });
      expectOk(await store.push(a.batch([...items, item.transfer(before), item.transfer(after), item.transaction(lateSale)])));

      // Another lane of the store, and the server's own booking, the same day, for the same member.
      const b = new FakeTerminal(storeId, 'LANE-4');
      expectOk(await store.push(b.batch([item.transfer({ ...b.earn(memberId, 4_000), bookedAt: from + 60_000 }), item.transaction(b.transaction(memberId, { kind: 'checkout', createdAt: from + 60_000 }))])));
      const own = new FakeTerminal(storeId, 'tally-server');
      expectOk(await store.push(own.batch([item.transfer({ ...own.transfer({ memberId, kind: 'return-uncollected', amount: 8, debitAccount: storeRiskAccount(storeId), creditAccount: ACCOUNTS.issuance }), bookedAt: from + 60_000 })])));

      const report = await store.dayReport({ storeId, terminalId: 'LANE-3', day: DAY, currency: 'USD' });
      expect(dayReportSchema.parse(report)).toEqual({ source: 'server', storeId, terminalId: 'LANE-3', day: DAY, timeZone: ZONE, from, to, currency: 'USD', figures: expected, unsynced: null });
      // A 25-hour day.
      expect(to - from).toBe(25 * 3_600_000);

      // The next day holds exactly what was booked at its first instant.
      const next = await store.dayReport({ storeId, terminalId: 'LANE-3', day: '2026-11-02', currency: 'USD' });
      expect(next?.figures).toMatchObject({ sales: 1, pointsIssued: 2_000, transfers: 1 });
      // The other lane has its own day.
      expect((await store.dayReport({ storeId, terminalId: 'LANE-4', day: DAY, currency: 'USD' }))?.figures).toMatchObject({ sales: 1, pointsIssued: 4_000, transfers: 1 });
    });

    it('answers zeros for a day with nothing, and nothing for a store it does not have', async () => {
      const prefix = uniquePrefix('eod');
      await store.createStore({ id: `${prefix}s`, name: 'Seoul', timeZone: 'Asia/Seoul', createdAt: 0 });
      const quiet = await store.dayReport({ storeId: `${prefix}s`, terminalId: 'T1', day: '2026-03-01', currency: 'KRW' });
      expect(quiet).toMatchObject({ timeZone: 'Asia/Seoul', from: Date.parse('2026-02-28T15:00:00Z'), to: Date.parse('2026-03-01T15:00:00Z'), currency: 'KRW' });
      expect(Object.values(quiet!.figures).every((n) => n === 0)).toBe(true);
      expect(await store.dayReport({ storeId: `${prefix}none`, terminalId: 'T1', day: '2026-03-01', currency: 'KRW' })).toBeUndefined();
    });
  });
}

const { dir, cleanup } = tempDir('tally-eod-store-');
dayReportSuite('SQLite', () => openSqliteServerStore(join(dir, 'server.sqlite')));

let database: TestDatabase | undefined;
dayReportSuite('PostgreSQL', async () => {
  database = await createTestDatabase('eod-store');
  return openPostgresServerStore({ connectionString: database.url });
});

afterAll(async () => {
  await database?.drop();
  cleanup();
});

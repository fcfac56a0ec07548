/**
 * Holds, offline budgets and the risk report, run against both stores (server-store-sqlite.test.ts,
 * server-store-postgres.test.ts): a hold is granted only within the balance less other holds, is
 * resolved at most once and never after it expired, is posted by the push that brings its spend;
 * budgets of one terminal never overlap and a store's own budget wins; offline spends count against
 * their budget, an overrun is an alert; the risk report adds it up per store.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { PushOutcome } from '../../src/server/store/store.js';
import type { GrantTerms } from '../../src/server/store/spending.js';
import { FakeTerminal, item, memberRecord, T0, uniquePrefix, type TestStore } from '../support/server-store-fixtures.js';
import { useStore, type StoreHarness } from './server-store.suite.js';

function ok(outcome: PushOutcome): void {
  if (!outcome.ok) throw new Error(`push refused: ${outcome.message}`);
}

const TERMS: GrantTerms = { points: 1000, perTransaction: 300, perMember: 500, snapshotMaxAgeMs: 3_600_000, periodMs: 86_400_000 };

export function serverSpendingSuite(label: string, harness: StoreHarness): void {
  describe(`holds and offline budgets on ${label}`, () => {
    const opened = useStore(harness);
    let store: TestStore;
    beforeEach(() => {
      store = opened();
    });

    /** A member with `points` on the server, booked by terminal `t`. */
    async function memberWith(t: FakeTerminal, memberId: string, points: number): Promise<void> {
      ok(await store.push(t.batch([item.member(memberRecord(memberId, 1)), item.transfer(t.earn(memberId, points))])));
    }

    it('grants a hold only within the balance less other unexpired holds; the same hold again answers the same; void once, never after expiry', async () => {
      const p = uniquePrefix('hold');
      const t = new FakeTerminal(`${p}S`, 'lane-1');
      const m = `${p}m`;
      await memberWith(t, m, 100);
      const base = { memberId: m, storeId: t.storeId, terminalId: t.terminalId, now: T0, expiresAt: T0 + 60_000 };
      const lot = (await store.query(`SELECT id FROM lots WHERE member_id = '${m}'`))[0]!['id'] as string;
      expect(await store.createHold({ ...base, holdId: `${p}hold-1`, points: 60 })).toEqual({ ok: true, holdId: `${p}hold-1`, points: 60, expiresAt: T0 + 60_000, lots: [{ lotId: lot, points: 60 }] });
      expect(await store.createHold({ ...base, holdId: `${p}hold-2`, points: 50 })).toEqual({ ok: false, available: 40 });
      // A lost answer, asked again: the same hold, not a second one.
      expect(await store.createHold({ ...base, holdId: `${p}hold-1`, points: 60, now: T0 + 5 })).toEqual({ ok: true, holdId: `${p}hold-1`, points: 60, expiresAt: T0 + 60_000, lots: [{ lotId: lot, points: 60 }] });
      // Another terminal cannot void it.
      expect(await store.voidHold({ memberId: m, holdId: `${p}hold-1`, storeId: t.storeId, terminalId: 'lane-9', now: T0 + 10 })).toBe('unknown');
      expect(await store.voidHold({ memberId: m, holdId: `${p}hold-1`, storeId: t.storeId, terminalId: t.terminalId, now: T0 + 10 })).toBe('voided');
      expect(await store.voidHold({ memberId: m, holdId: `${p}hold-1`, storeId: t.storeId, terminalId: t.terminalId, now: T0 + 11 })).toBe('voided');
      expect(await store.createHold({ ...base, holdId: `${p}hold-2`, points: 90, now: T0 + 20 })).toMatchObject({ ok: true });
      // Expired holds count for nothing, and cannot be voided any more.
      expect(await store.createHold({ ...base, holdId: `${p}hold-3`, points: 100, now: T0 + 60_000, expiresAt: T0 + 120_000 })).toMatchObject({ ok: true });
      expect(await store.voidHold({ memberId: m, holdId: `${p}hold-2`, storeId: t.storeId, terminalId: t.terminalId, now: T0 + 60_001 })).toBe('expired');
      // The database itself refuses a second resolution.
      await expect(store.query(`UPDATE holds SET state = 'posted', transaction_id = 'x' WHERE id = '${p}hold-1' RETURNING id`)).rejects.toThrow(/resolved once/);
    });

    it('grants one of two holds asked at once for the same points', async () => {
      const p = uniquePrefix('race');
      const t = new FakeTerminal(`${p}S`, 'lane-1');
      const m = `${p}m`;
      await memberWith(t, m, 100);
      for (let round = 0; round < 5; round += 1) {
        const ask = (n: number) => store.createHold({ memberId: m, holdId: `${p}r${round}-${n}`, storeId: t.storeId, terminalId: `lane-${n}`, points: 60, now: T0 + round * 100_000, expiresAt: T0 + round * 100_000 + 60_000 });
        const answers = await Promise.all([ask(1), ask(2), ask(3)]);
        expect(answers.filter((a) => a.ok)).toHaveLength(1);
      }
    });

    it('reserves different points of the lots for holds at two counters (each spend draws only its own), never a lot past its reach; an ended hold frees its lots', async () => {
      const p = uniquePrefix('lots');
      const t = new FakeTerminal(`${p}S`, 'lane-1');
      const m = `${p}m`;
      await store.push(t.batch([item.member(memberRecord(m, 1))]));
      const lot = (id: string, earnedAt: number, expiresAt: number | null) => t.earn(m, id.endsWith('soon') ? 50 : 100, { id: `${p}${id}`, lotsGranted: [{ id: `${p}${id}:0`, points: id.endsWith('soon') ? 50 : 100, earnedAt, expiresAt }] });
      // An older and a newer lot, and one that expires before a hold would end (never reserved).
      ok(await store.push(t.batch([item.transfer(lot('older', T0 - 2000, null)), item.transfer(lot('newer', T0 - 1000, null)), item.transfer(lot('soon', T0 - 3000, T0 + 30_000))])));
      const [older, newer] = [`${p}older:0`, `${p}newer:0`];
      // Holds at lane-1 and lane-2 for 60 points each: lane-1 gets 60 of the older lot, lane-2 the
      // other 40 of it and 20 of the newer one — not the same 60 points of the older lot twice.
      const at = (terminalId: string, holdId: string, points: number, now = T0) => store.createHold({ memberId: m, holdId, storeId: t.storeId, terminalId, points, now, expiresAt: now + 60_000 });
      expect(await at('lane-1', `${p}h1`, 60)).toMatchObject({ ok: true, lots: [{ lotId: older, points: 60 }] });
      expect(await at('lane-2', `${p}h2`, 60)).toMatchObject({ ok: true, lots: [{ lotId: older, points: 40 }, { lotId: newer, points: 20 }] });
      // The balance (250) less the holds (120) leaves 130, but only 80 points of lots a hold could
      // still draw (the other 50 expire first): a third hold of 100 is refused with that figure.
      expect(await at('lane-3', `${p}h3`, 100)).toEqual({ ok: false, available: 80 });
      // Once lane-1's hold is given back, its points are free again.
      expect(await store.voidHold({ memberId: m, holdId: `${p}h1`, storeId: t.storeId, terminalId: 'lane-1', now: T0 + 10 })).toBe('voided');
      expect(await at('lane-3', `${p}h4`, 100, T0 + 20)).toMatchObject({ ok: true, lots: [{ lotId: older, points: 60 }, { lotId: newer, points: 40 }] });
      // Once every hold expired, everything is free again; the reservations are kept (terms of the hold).
      expect(await at('lane-1', `${p}h5`, 200, T0 + 200_000)).toMatchObject({ ok: true, lots: [{ lotId: older, points: 100 }, { lotId: newer, points: 100 }] });
      await expect(store.query(`DELETE FROM hold_lots WHERE member_id = '${m}' RETURNING hold_id`)).rejects.toThrow(/never change/);
    });

    it('posts a hold when the push bringing its spend arrives in time; a late spend is kept and flagged', async () => {
      const p = uniquePrefix('post');
      const t = new FakeTerminal(`${p}S`, 'lane-1');
      const m = `${p}m`;
      await memberWith(t, m, 500);
      const earnLot = (await store.query(`SELECT id FROM lots WHERE member_id = '${m}'`))[0]!['id'] as string;
      const hold = async (holdId: string, points: number, now: number) => store.createHold({ memberId: m, holdId, storeId: t.storeId, terminalId: t.terminalId, points, now, expiresAt: now + 60_000 });
      await hold(`${p}h1`, 100, T0);
      await hold(`${p}h2`, 100, T0);
      const spend = (holdId: string, points: number) => {
        const txn = t.transaction(m, { request: { amount: 1000, authority: { kind: 'hold', holdId, points } } });
        return [item.transaction(txn), item.transfer(t.redeem(m, [{ lotId: earnLot, points }], { transactionId: txn.id }))];
      };
      ok(await store.push(t.batch(spend(`${p}h1`, 100), { now: T0 + 1000 })));
      // h2's spend arrives after its hold expired: kept (the customer had the discount), flagged.
      ok(await store.push(t.batch(spend(`${p}h2`, 100), { now: T0 + 120_000 })));
      const holds = await store.query(`SELECT id, state FROM holds WHERE member_id = '${m}' ORDER BY id`);
      expect(holds.map((h) => [h['id'], h['state']])).toEqual([
        [`${p}h1`, 'posted'],
        [`${p}h2`, 'held'],
      ]);
      expect(await store.voidHold({ memberId: m, holdId: `${p}h1`, storeId: t.storeId, terminalId: t.terminalId, now: T0 + 2000 })).toBe('posted');
      const alerts = (await store.alerts(100)).filter((a) => a.storeId === t.storeId);
      expect(alerts.map((a) => a.kind)).toEqual(['hold-not-posted']);
      expect((await store.member(m))?.balance).toBe(300);
    });

    it('counts a held spend that arrives after its hold lapsed against the offline budget it named (the budget total only), says so in the push answer (a resend too), and reports it as a late hold', async () => {
      const p = uniquePrefix('lapse');
      const storeId = `${p}S`;
      await store.createStore({ id: storeId, name: 'Lapse store', timeZone: 'UTC', createdAt: T0 });
      const t = new FakeTerminal(storeId, 'lane-1');
      await store.offlineGrant({ storeId, terminalId: 'lane-1', now: T0, newId: `${p}g1`, terms: TERMS });
      const m = `${p}m`;
      await memberWith(t, m, 1500);
      const lot = (await store.query(`SELECT id FROM lots WHERE member_id = '${m}'`))[0]!['id'] as string;
      const held = async (holdId: string, points: number, now: number) => {
        expect(await store.createHold({ memberId: m, holdId, storeId, terminalId: 'lane-1', points, now, expiresAt: now + 60_000 })).toMatchObject({ ok: true });
        const txn = t.transaction(m, { request: { amount: 1000, authority: { kind: 'hold', holdId, points, fallbackGrantId: `${p}g1` } } });
        return { txn, items: [item.transaction(txn), item.transfer(t.redeem(m, [{ lotId: lot, points }], { transactionId: txn.id }))] };
      };
      // In time: the hold is posted, nothing is counted against the budget, the answer names nothing.
      const onTime = await held(`${p}h1`, 400, T0);
      const first = await store.push(t.batch(onTime.items, { now: T0 + 1000 }));
      expect(first).toMatchObject({ ok: true });
      expect(first.ok && first.countedHolds).toBeFalsy();
      // Late: kept and flagged, and counted against the budget it named (600 is over the 300 per visit
      // and the 500 per member, which bound offline spends only: no overrun).
      const late = await held(`${p}h2`, 600, T0 + 2000);
      expect(await store.push(t.batch(late.items, { now: T0 + 200_000 }))).toMatchObject({ ok: true, countedHolds: [late.txn.id] });
      // A resend of the transaction (the answer was lost; its transfer is acknowledged by sequence) is answered the same, and counts nothing twice.
      expect(await store.push(t.batch([item.transaction(late.txn)], { now: T0 + 300_000 }))).toMatchObject({ ok: true, results: [{ id: late.txn.id, status: 'exists' }], countedHolds: [late.txn.id] });
      expect(await store.query(`SELECT grant_id, CAST(points AS INTEGER) AS points, hold_id FROM offline_spends WHERE member_id = '${m}'`)).toEqual([{ grant_id: `${p}g1`, points: 600, hold_id: `${p}h2` }]);
      expect((await store.alerts(100)).filter((a) => a.storeId === storeId).map((a) => [a.kind, a.detail])).toEqual([['hold-not-posted', { memberId: m, holdId: `${p}h2`, points: 600, fallbackGrantId: `${p}g1` }]]);
      // Beyond the budget's total it is an overrun, like an offline spend.
      const over = await held(`${p}h3`, 500, T0 + 400_000);
      expect(await store.push(t.batch(over.items, { now: T0 + 600_000 }))).toMatchObject({ ok: true, countedHolds: [over.txn.id] });
      const alerts = (await store.alerts(100)).filter((a) => a.storeId === storeId).sort((a, b) => a.id - b.id);
      expect(alerts.map((a) => a.kind)).toEqual(['hold-not-posted', 'hold-not-posted', 'offline-budget-exceeded']);
      expect(alerts[2]!.detail).toMatchObject({ grantId: `${p}g1`, spent: 1100, budget: 1000, holdId: `${p}h3`, lapsedHold: true });
      const risk = (await store.riskReport(T0 + 600_000)).find((r) => r.storeId === storeId);
      expect(risk).toEqual({ storeId, grantedPoints: 1000, spentOffline: 1100, lateHeldSpends: 1100, overdrawnMembers: 0, overdraftPoints: 0 });
    });

    it("grants a terminal one budget per period (a store's own wins), counts offline spends against it, and reports the risk per store", async () => {
      const p = uniquePrefix('budget');
      const storeId = `${p}S`;
      await store.createStore({ id: storeId, name: 'Budget store', timeZone: 'UTC', createdAt: T0 });
      const t = new FakeTerminal(storeId, 'lane-1');
      const first = await store.offlineGrant({ storeId, terminalId: 'lane-1', now: T0, newId: `${p}g1`, terms: TERMS });
      expect(first).toEqual({ id: `${p}g1`, points: 1000, perTransaction: 300, perMember: 500, snapshotMaxAgeMs: 3_600_000, grantedAt: T0, expiresAt: T0 + 86_400_000 });
      // Within its period: the same grant, whatever is asked.
      expect(await store.offlineGrant({ storeId, terminalId: 'lane-1', now: T0 + 1000, newId: `${p}g2`, terms: { ...TERMS, points: 5 } })).toEqual(first);
      expect(await store.setStoreOfflineBudget(storeId, 250)).toBe(true);
      expect(await store.setStoreOfflineBudget(`${p}nowhere`, 250)).toBe(false);
      const next = await store.offlineGrant({ storeId, terminalId: 'lane-1', now: T0 + 86_400_000, newId: `${p}g3`, terms: TERMS });
      expect(next).toMatchObject({ id: `${p}g3`, points: 250, grantedAt: T0 + 86_400_000 });

      const m = `${p}m`;
      await memberWith(t, m, 100);
      const lot = (await store.query(`SELECT id FROM lots WHERE member_id = '${m}'`))[0]!['id'] as string;
      const offline = (points: number) => {
        const txn = t.transaction(m, { request: { amount: 1000, authority: { kind: 'offline', grantId: `${p}g3`, points } } });
        return [item.transaction(txn), item.transfer(t.redeem(m, [{ lotId: lot, points }], { transactionId: txn.id }))];
      };
      ok(await store.push(t.batch([...offline(100), ...offline(200)], { now: T0 + 86_500_000 })));
      // 300 spent of a 250 budget: flagged. The member is 200 below zero.
      expect((await store.alerts(100)).filter((a) => a.storeId === storeId).map((a) => a.kind)).toEqual(['offline-budget-exceeded']);
      const risk = (await store.riskReport(T0 + 86_500_000)).find((r) => r.storeId === storeId);
      expect(risk).toEqual({ storeId, grantedPoints: 250, spentOffline: 300, lateHeldSpends: 0, overdrawnMembers: 1, overdraftPoints: 200 });
    });
  });
}

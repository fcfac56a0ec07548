/**
 * The one behaviour suite of the server's store, run against SQLite (server-store-sqlite.test.ts)
 * and PostgreSQL (server-store-postgres.test.ts). Tests share one database per file and keep apart
 * by id prefixes; "nothing written" is proven by row counts of every table.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PushItem } from '../../src/contract/sync.js';
import type { TerminalCertificate } from '../../src/core/card-code/member-qr.js';
import { isTallyError } from '../../src/core/errors.js';
import { memberAccount, memberSpendAccount } from '../../src/core/ledger-model.js';
import { int, text } from '../../src/server/store/rows.js';
import type { PushBatch, PushOutcome } from '../../src/server/store/store.js';
import { FakeTerminal, item, memberRecord, rowCounts, T0, uniquePrefix, type TestStore } from '../support/server-store-fixtures.js';

export interface StoreHarness {
  /** A store on this file's database (already migrated by the first call). */
  open(): Promise<TestStore>;
  /** Makes the file's database look written by a newer Tally; `restore` undoes it. */
  markNewer(store: TestStore): Promise<{ restore(): Promise<void> }>;
}

/**
 * Opens the harness's store for a describe block (and closes it after). A store that cannot be
 * opened (PostgreSQL unavailable) fails every test with its reason: an error in beforeAll alone
 * would leave the tests reported as skipped.
 */
export function useStore(harness: StoreHarness): () => TestStore {
  let store: TestStore | undefined;
  let setupError: unknown;
  beforeAll(async () => {
    try {
      store = await harness.open();
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
  return () => {
    if (!store) throw new Error('the store is not open');
    return store;
  };
}

const certificate = (storeId: string, terminalId: string): TerminalCertificate => ({
  issuerKeyId: 'k1',
  terminalKeyId: 'tk1',
  storeId,
  terminalId,
  terminalPublicKey: 'A'.repeat(43),
  expiresAt: T0 + 365 * 86_400_000,
  signature: 'sig',
});

function expectOk(outcome: PushOutcome): Extract<PushOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`push refused: ${outcome.message}`);
  return outcome;
}

const statuses = (outcome: PushOutcome): string[] => expectOk(outcome).results.map((r) => r.status);

export function serverStoreSuite(label: string, harness: StoreHarness): void {
  describe(`server store on ${label}`, () => {
    let store: TestStore;
    const opened = useStore(harness);
    beforeEach(() => {
      store = opened();
    });

    it('migrates idempotently, and refuses a database from a newer Tally', async () => {
      await store.migrate();
      const second = await harness.open();
      try {
        await second.migrate();
        await second.migrate();
        const prefix = uniquePrefix('mig');
        await store.createStore({ id: `${prefix}s`, name: 'A', timeZone: 'Asia/Seoul', createdAt: T0 });
        expect(await second.getStore(`${prefix}s`)).toMatchObject({ name: 'A' });
        const newer = await harness.markNewer(second);
        try {
          await expect(second.migrate()).rejects.toSatisfy((e: unknown) => isTallyError(e) && e.code === 'database-newer');
        } finally {
          await newer.restore();
        }
        await second.migrate();
      } finally {
        await second.close();
      }
    });

    it('keeps stores and programs; the same record twice is a no-op, another one is refused', async () => {
      const p = uniquePrefix('st');
      await store.createStore({ id: `${p}s1`, name: 'Gangnam', timeZone: 'Asia/Seoul', createdAt: T0 });
      await store.createStore({ id: `${p}s1`, name: 'Gangnam', timeZone: 'Asia/Seoul', createdAt: T0 + 5 });
      await expect(store.createStore({ id: `${p}s1`, name: 'Other', timeZone: 'Asia/Seoul', createdAt: T0 })).rejects.toSatisfy(
        (e: unknown) => isTallyError(e) && e.code === 'duplicate-different',
      );
      expect(await store.getStore(`${p}s1`)).toEqual({ id: `${p}s1`, name: 'Gangnam', timeZone: 'Asia/Seoul', createdAt: T0 });
      expect(await store.getStore(`${p}none`)).toBeUndefined();
      expect((await store.listStores()).map((s) => s.id)).toContain(`${p}s1`);

      const before = await store.currentProgram();
      const version = (before?.version ?? 0) + 1;
      await store.publishProgram({ id: 'classic', version, text: '{"v":1}', publishedAt: T0 });
      await store.publishProgram({ id: 'classic', version: version + 1, text: '{"v":2}', publishedAt: T0 + 1 });
      await store.publishProgram({ id: 'classic', version: version + 1, text: '{"v":2}', publishedAt: T0 + 9 });
      await expect(store.publishProgram({ id: 'classic', version, text: '{"v":"other"}', publishedAt: T0 })).rejects.toSatisfy(
        (e: unknown) => isTallyError(e) && e.code === 'duplicate-different',
      );
      expect(await store.currentProgram()).toEqual({ id: 'classic', version: version + 1, text: '{"v":2}', publishedAt: T0 + 1 });
    });

    it('uses an enrolment code once, refuses unknown, used and expired codes, and revokes terminals', async () => {
      const p = uniquePrefix('en');
      const storeId = `${p}s`;
      await store.createStore({ id: storeId, name: 'S', timeZone: 'Asia/Seoul', createdAt: T0 });
      await store.createEnrolmentCode(`${p}code1`, { storeId, terminalId: 't1', expiresAt: T0 + 3_600_000, usedAt: null });
      await store.createEnrolmentCode(`${p}code2`, { storeId, terminalId: 't2', expiresAt: T0 + 1000, usedAt: null });
      const enrol = (code: string, credential: string, now = T0 + 10) =>
        store.useEnrolmentCode(code, { credentialHash: `${p}${credential}`, keyId: 'tk1', certificate: certificate(storeId, 't1'), now });

      expect(await store.enrolmentCode(`${p}code1`)).toEqual({ storeId, terminalId: 't1', expiresAt: T0 + 3_600_000, usedAt: null });
      expect(await store.enrolmentCode(`${p}nope`)).toBeUndefined();
      expect(await enrol(`${p}nope`, 'c0')).toEqual({ ok: false, reason: 'unknown' });
      expect(await enrol(`${p}code2`, 'c0', T0 + 1000)).toEqual({ ok: false, reason: 'expired' });
      expect(await enrol(`${p}code1`, 'c1')).toEqual({ ok: true, storeId, terminalId: 't1' });
      expect(await enrol(`${p}code1`, 'c9')).toEqual({ ok: false, reason: 'used' });
      expect(await store.enrolmentCode(`${p}code1`)).toMatchObject({ usedAt: T0 + 10 });

      const t1 = await store.terminalByCredential(`${p}c1`);
      expect(t1).toEqual({ storeId, terminalId: 't1', status: 'active', enrolledAt: T0 + 10, revokedAt: null, keyId: 'tk1', certificate: certificate(storeId, 't1') });
      expect(await store.terminalByCredential(`${p}c9`)).toBeUndefined();
      expect((await store.listTerminals(storeId)).map((t) => t.terminalId)).toEqual(['t1']);
      expect((await store.listTerminals()).some((t) => t.storeId === storeId)).toBe(true);

      expect(await store.revokeTerminal(storeId, 't1', T0 + 100)).toBe(true);
      expect(await store.revokeTerminal(storeId, 't1', T0 + 200)).toBe(true);
      expect(await store.revokeTerminal(storeId, 'nobody', T0 + 100)).toBe(false);
      // A revoked terminal is still found by its credential: the caller answers 401.
      expect(await store.terminalByCredential(`${p}c1`)).toMatchObject({ status: 'revoked', revokedAt: T0 + 100 });

      // Re-enrolment with a new code: active again under a new credential; the old one is gone.
      await store.createEnrolmentCode(`${p}code3`, { storeId, terminalId: 't1', expiresAt: T0 + 3_600_000, usedAt: null });
      expect(await enrol(`${p}code3`, 'c3', T0 + 300)).toEqual({ ok: true, storeId, terminalId: 't1' });
      expect(await store.terminalByCredential(`${p}c3`)).toMatchObject({ status: 'active', revokedAt: null, enrolledAt: T0 + 300 });
      expect(await store.terminalByCredential(`${p}c1`)).toBeUndefined();
    });

    it('applies a new batch: members, transactions, transfers with lots, events; balances and card lookup', async () => {
      const p = uniquePrefix('ok');
      const t = new FakeTerminal(`${p}s`, 't1');
      const m = `${p}m1`;
      const txn = t.transaction(m);
      const earn = t.earn(m, 120, { transactionId: txn.id });
      const spend = t.spend(m, 15_000);
      const batch = t.batch([item.member(memberRecord(m, 1)), item.transaction(txn), item.transfer(earn), item.transfer(spend), item.event(t.event(m, '2025'))]);
      const outcome = expectOk(await store.push(batch));
      expect(outcome.lastSeq).toBe(2);
      expect(outcome.results).toEqual([
        { entity: 'member', id: m, version: 1, status: 'ok' },
        { entity: 'transaction', id: txn.id, status: 'ok' },
        { entity: 'transfer', id: earn.id, status: 'ok' },
        { entity: 'transfer', id: spend.id, status: 'ok' },
        { entity: 'event', id: t.event(m, '2025').id, status: 'ok' },
      ]);
      expect(await store.member(m)).toEqual({ id: m, version: 1, name: `Member ${m} v1`, cards: [`card-${m}`], balance: 120, erasedAt: null });
      expect(await store.memberIdForCard(`card-${m}`)).toBe(m);
      expect(await store.memberIdForCard(`card-${p}none`)).toBeUndefined();
      expect(await store.member(`${p}none`)).toBeUndefined();
      expect(await store.lastSeqs(`${p}s`, 't1')).toEqual([{ epoch: 1, lastSeq: 2 }]);
      const spendRows = await store.query(`SELECT balance FROM member_balances WHERE member_id = '${m}' AND account = '${memberSpendAccount(m)}'`);
      expect(spendRows.map((r) => int(r, 'balance'))).toEqual([15_000]);

      // A batch without transfers still has to continue the sequence; it leaves lastSeq alone.
      const next = t.batch([item.event(t.event(m, '2026'))]);
      expect(next.fromSeq).toBe(3);
      expect(expectOk(await store.push(next)).lastSeq).toBe(2);
      expect((await store.verify()).problems).toEqual([]);
    });

    it('answers exists / exists_with_different for transfers by id and by business key, with alerts, and writes nothing else for them', async () => {
      const p = uniquePrefix('dup');
      const t = new FakeTerminal(`${p}s`, 't1');
      const m = `${p}m1`;
      const earn = t.earn(m, 100);
      expectOk(await store.push(t.batch([item.transfer(earn)])));

      const sameById = t.transfer({ ...earn, bookedAt: T0 + 99, lotsGranted: [{ id: `${p}other-lot`, points: 100, earnedAt: T0, expiresAt: null }] });
      const otherById = t.transfer({ ...earn, amount: 101, lotsGranted: [{ id: `${p}lot2`, points: 101, earnedAt: T0, expiresAt: null }] });
      const sameByKey = t.transfer({ ...earn, id: `${p}new-id`, lotsGranted: [] });
      const otherByKey = t.transfer({ ...earn, id: `${p}new-id-2`, creditAccount: memberAccount(`${p}m2`), memberId: m });
      const before = await rowCounts(store);
      const outcome = await store.push(t.batch([item.transfer(sameById), item.transfer(otherById), item.transfer(sameByKey), item.transfer(otherByKey)]));
      expect(statuses(outcome)).toEqual(['exists', 'exists_with_different', 'exists', 'exists_with_different']);
      expect(expectOk(outcome).lastSeq).toBe(5);
      const after = await rowCounts(store);
      // Only the bookkeeping of used seqs and the two alerts were written.
      expect(after).toEqual({ ...before, terminal_sequences: before['terminal_sequences'], resent_transfers: (before['resent_transfers'] ?? 0) + 4, alerts: (before['alerts'] ?? 0) + 2 });
      expect(await store.member(m)).toBeUndefined();
      const balance = await store.query(`SELECT balance FROM member_balances WHERE member_id = '${m}'`);
      expect(balance.map((r) => int(r, 'balance'))).toEqual([100]);

      const alerts = (await store.alerts(10)).filter((a) => a.storeId === `${p}s`);
      expect(alerts.map((a) => [a.kind, a.entity, a.entityId])).toEqual([
        ['exists_with_different', 'transfer', `${p}new-id-2`],
        ['exists_with_different', 'transfer', earn.id],
      ]);
      expect(alerts[1]?.detail).toMatchObject({ matchedBy: 'id', heldId: earn.id, incoming: { amount: 101 } });
      expect(alerts[0]?.detail).toMatchObject({ matchedBy: 'business key', heldId: earn.id });
      expect(alerts[0]?.createdAt).toBe(T0 + 60_000);
      expect((await store.verify()).problems).toEqual([]);
    });

    it('answers transactions and events by id and by business key', async () => {
      const p = uniquePrefix('te');
      const t = new FakeTerminal(`${p}s`, 't1');
      const m = `${p}m1`;
      const txn = t.transaction(m);
      const ev = t.event(m, '2025');
      expectOk(await store.push(t.batch([item.transaction(txn), item.event(ev)])));
      const outcome = await store.push(
        t.batch([
          item.transaction({ ...txn, createdAt: T0 + 5 }),
          item.transaction({ ...txn, requestHash: 'b'.repeat(64) }),
          item.transaction({ ...txn, id: `${p}other-txn-id` }),
          item.transaction({ ...txn, id: `${p}other-txn-id-2`, requestHash: 'c'.repeat(64) }),
          item.event({ ...ev, bookedAt: T0 + 7, detail: { other: true } }),
          item.event({ ...ev, period: '2026' }),
          item.event({ ...ev, id: `${p}other-event-id` }),
        ]),
      );
      expect(statuses(outcome)).toEqual(['exists', 'exists_with_different', 'exists', 'exists_with_different', 'exists', 'exists_with_different', 'exists']);
      const alerts = (await store.alerts(20)).filter((a) => a.storeId === `${p}s`).reverse();
      expect(alerts.map((a) => [a.entity, a.entityId, (a.detail as { matchedBy: string }).matchedBy])).toEqual([
        ['transaction', txn.id, 'id'],
        ['transaction', `${p}other-txn-id-2`, 'business key'],
        ['event', ev.id, 'id'],
      ]);
      const rows = await store.query(`SELECT count(*) AS n FROM transactions WHERE member_id = '${m}'`);
      expect(rows.map((r) => int(r, 'n'))).toEqual([1]);
    });

    it('answers a repeat inside one batch against the first copy', async () => {
      const p = uniquePrefix('rep');
      const t = new FakeTerminal(`${p}s`, 't1');
      const m = `${p}m1`;
      const earn = t.earn(m, 10);
      const copy = t.transfer({ ...earn});
      const changed = t.transfer({ ...earn, amount: 11, lotsGranted: [] });
      const txn = t.transaction(m);
      const outcome = await store.push(t.batch([item.transfer(earn), item.transfer(copy), item.transfer(changed), item.transaction(txn), item.transaction(txn)]));
      expect(statuses(outcome)).toEqual(['ok', 'exists', 'exists_with_different', 'ok', 'exists']);
      expect((await store.verify()).problems).toEqual([]);
    });

    it('refuses a batch that does not continue the sequence (gap, wrong start, wrong epoch) and writes nothing', async () => {
      const p = uniquePrefix('seq');
      const t = new FakeTerminal(`${p}s`, 't1', 7);
      const m = `${p}m1`;
      const member = item.member(memberRecord(m, 1));
      const a = t.earn(m, 1);
      const b = t.earn(m, 2);
      const c = t.earn(m, 3);
      let before = await rowCounts(store);
      // Unknown epoch: must start at 1.
      const late = await store.push({ ...t.batch([member, item.transfer(b), item.transfer(c)]), fromSeq: 2 });
      expect(late).toMatchObject({ ok: false, reason: 'sequence', lastSeq: 0 });
      // A gap inside the batch.
      const gap = await store.push(t.batch([member, item.transfer(a), item.transfer(c)], { fromSeq: 1 }));
      expect(gap).toMatchObject({ ok: false, reason: 'sequence', lastSeq: 0 });
      // A transfer of another epoch.
      const otherEpoch = await store.push(t.batch([member, item.transfer({ ...a, epoch: 8 })], { fromSeq: 1 }));
      expect(otherEpoch).toMatchObject({ ok: false, reason: 'sequence', lastSeq: 0 });
      expect(await rowCounts(store)).toEqual(before);
      expect(await store.lastSeqs(`${p}s`, 't1')).toEqual([]);

      expect(expectOk(await store.push(t.batch([member, item.transfer(a)], { fromSeq: 1 }))).lastSeq).toBe(1);
      before = await rowCounts(store);
      // The same batch again (its answer was lost): refused with where the server is.
      const again = await store.push(t.batch([member, item.transfer(a)], { fromSeq: 1 }));
      expect(again).toMatchObject({ ok: false, reason: 'sequence', lastSeq: 1 });
      if (!again.ok) expect(again.message).toMatch(/send from 2/);
      // Skipping ahead.
      expect(await store.push(t.batch([item.transfer(c)], { fromSeq: 3 }))).toMatchObject({ ok: false, reason: 'sequence', lastSeq: 1 });
      expect(await rowCounts(store)).toEqual(before);
      expect(expectOk(await store.push(t.batch([item.transfer(b), item.transfer(c)], { fromSeq: 2 }))).lastSeq).toBe(3);
      expect(await store.lastSeqs(`${p}s`, 't1')).toEqual([{ epoch: 7, lastSeq: 3 }]);
    });

    it('throws on an item of another store or terminal, before writing anything', async () => {
      const p = uniquePrefix('own');
      const t = new FakeTerminal(`${p}s`, 't1');
      const other = new FakeTerminal(`${p}s`, 't2');
      const m = `${p}m1`;
      const before = await rowCounts(store);
      const cases: PushItem[][] = [
        [item.member(memberRecord(m, 1)), item.transfer({ ...t.earn(m, 5), storeId: `${p}x` })],
        [item.transaction(other.transaction(m))],
        [item.event(other.event(m, '2025'))],
      ];
      for (const items of cases) {
        await expect(store.push(t.batch(items, { fromSeq: 1 }))).rejects.toSatisfy((e: unknown) => isTallyError(e) && e.code === 'invalid-input');
      }
      // A member version enrolled elsewhere is fine: enrolledBy is information only.
      expectOk(await store.push(t.batch([item.member(memberRecord(m, 1, { enrolledBy: 'elsewhere' }))], { fromSeq: 1 })));
      expect((await rowCounts(store))['members']).toBe((before['members'] ?? 0) + 1);
    });

    it('rolls back the whole batch when an item fails midway', async () => {
      const p = uniquePrefix('rb');
      const t = new FakeTerminal(`${p}s`, 't1');
      const m = `${p}m1`;
      const before = await rowCounts(store);
      const txn = t.transaction(m);
      const good = t.earn(m, 50);
      // debit = credit violates a CHECK in both schemas: the database refuses it mid-batch.
      const bad = t.transfer({ memberId: m, kind: 'adjustment-credit', amount: 5, debitAccount: memberAccount(m), creditAccount: memberAccount(m) });
      const batch = t.batch([item.member(memberRecord(m, 1)), item.transaction(txn), item.transfer(good), item.event(t.event(m, '2025')), item.transfer(bad)]);
      await expect(store.push(batch)).rejects.toThrow();
      expect(await rowCounts(store)).toEqual(before);
      expect(await store.lastSeqs(`${p}s`, 't1')).toEqual([]);
      expect(await store.member(m)).toBeUndefined();
    });

    it('recognises a period-keyed transfer a restored terminal books again in its new epoch', async () => {
      const p = uniquePrefix('rs');
      const t = new FakeTerminal(`${p}s`, 't1', 1);
      const m = `${p}m1`;
      expectOk(await store.push(t.batch([item.transfer(t.earn(m, 10)), item.transfer(t.birthday(m, '2025'))])));
      t.restore(1_000_000_000);
      const again = t.birthday(m, '2025');
      const extra = t.earn(m, 5);
      const outcome = await store.push(t.batch([item.transfer({ ...again, bookedAt: T0 + 86_400_000 }), item.transfer(extra)]));
      expect(statuses(outcome)).toEqual(['exists', 'ok']);
      expect(expectOk(outcome).lastSeq).toBe(2);
      expect(await store.lastSeqs(`${p}s`, 't1')).toEqual([
        { epoch: 1, lastSeq: 2 },
        { epoch: 1_000_000_000, lastSeq: 2 },
      ]);
      const balance = await store.query(`SELECT balance FROM member_balances WHERE account = '${memberAccount(m)}'`);
      expect(balance.map((r) => int(r, 'balance'))).toEqual([515]);
      expect((await store.alerts(5)).filter((a) => a.storeId === `${p}s`)).toEqual([]);
      expect((await store.verify()).problems).toEqual([]);
    });

    it('keeps the newest member version: same version same record exists, a concurrent edit is settled by the shared order with an alert, older ignored', async () => {
      const p = uniquePrefix('mv');
      const t = new FakeTerminal(`${p}s`, 't1');
      const m = `${p}m1`;
      const v1 = memberRecord(m, 1);
      expect(statuses(await store.push(t.batch([item.member(v1)])))).toEqual(['ok']);
      expect(statuses(await store.push(t.batch([item.member(v1)])))).toEqual(['exists']);
      // Two counters' edits of version 1: the later one is kept, whichever arrives first.
      const later = { ...v1, phone: '010-0000-0000', updatedAt: v1.updatedAt + 60_000 };
      const earlier = { ...v1, name: 'Earlier edit', updatedAt: v1.updatedAt + 1_000 };
      expect(statuses(await store.push(t.batch([item.member(later)])))).toEqual(['ok']);
      expect(statuses(await store.push(t.batch([item.member(earlier)])))).toEqual(['exists']);
      expect(await store.member(m)).toMatchObject({ version: 1, name: v1.name });
      const conflicts = (await store.alerts(5)).filter((a) => a.storeId === `${p}s`);
      // Newest first.
      expect(conflicts).toMatchObject([
        { kind: 'member-concurrent-edit', entity: 'member', entityId: m, detail: { version: 1, kept: 'held' } },
        { kind: 'member-concurrent-edit', entity: 'member', entityId: m, detail: { version: 1, kept: 'incoming' } },
      ]);
      // No personal data in alerts.
      expect(JSON.stringify(conflicts.map((c) => c.detail))).not.toMatch(/010-0000|Earlier/);

      const v3 = memberRecord(m, 3, { cards: [`card2-${m}`] });
      const v2 = memberRecord(m, 2, { name: 'older' });
      const outcome = await store.push(t.batch([item.member(v3), item.member(v2)]));
      expect(expectOk(outcome).results).toEqual([
        { entity: 'member', id: m, version: 3, status: 'ok' },
        { entity: 'member', id: m, version: 2, status: 'exists' },
      ]);
      expect(await store.member(m)).toMatchObject({ version: 3, name: `Member ${m} v3`, cards: [`card2-${m}`] });
      expect(await store.memberIdForCard(`card-${m}`)).toBeUndefined();
      expect(await store.memberIdForCard(`card2-${m}`)).toBe(m);

      // Two versions in one batch, then an erasure.
      expect(statuses(await store.push(t.batch([item.member(memberRecord(m, 4)), item.member(memberRecord(m, 5))])))).toEqual(['ok', 'ok']);
      const erased = memberRecord(m, 6, { name: null, birthday: null, erasedAt: T0 + 500, cards: [] });
      expect(statuses(await store.push(t.batch([item.member(erased)])))).toEqual(['ok']);
      expect(await store.member(m)).toEqual({ id: m, version: 6, name: null, cards: [], balance: 0, erasedAt: T0 + 500 });
      expect(await store.memberIdForCard(`card-${m}`)).toBeUndefined();
      const rows = await store.query(`SELECT count(*) AS n FROM members WHERE member_id = '${m}'`);
      expect(rows.map((r) => int(r, 'n'))).toEqual([1]);
      // An edit made at a counter that had not yet heard of the erasure never undoes it.
      expect(statuses(await store.push(t.batch([item.member(memberRecord(m, 7, { name: 'Back again' }))])))).toEqual(['exists']);
      expect(await store.member(m)).toMatchObject({ version: 6, name: null, erasedAt: T0 + 500 });
    });

    it('an erasure and an edit of the same member version, in either order, end erased', async () => {
      for (const order of ['erasure first', 'edit first'] as const) {
        const p = uniquePrefix(order === 'erasure first' ? 'ee' : 'ed');
        const t = new FakeTerminal(`${p}s`, 't1');
        const m = `${p}m1`;
        expect(statuses(await store.push(t.batch([item.member(memberRecord(m, 1))])))).toEqual(['ok']);
        const erasure = memberRecord(m, 2, { name: null, birthday: null, erasedAt: T0 + 100, updatedAt: T0 + 100, cards: [] });
        // The edit is the later one by the clock: the erasure still wins.
        const edit = memberRecord(m, 2, { name: 'Renamed', updatedAt: T0 + 900 });
        const pushes = order === 'erasure first' ? [erasure, edit] : [edit, erasure];
        for (const record of pushes) await store.push(t.batch([item.member(record)]));
        expect(await store.member(m), order).toMatchObject({ version: 2, name: null, cards: [], erasedAt: T0 + 100 });
        expect(await store.memberIdForCard(`card-${m}`)).toBeUndefined();
      }
    });

    it('alerts when a card code already belongs to another member, and keeps the first holder', async () => {
      const p = uniquePrefix('card');
      const t = new FakeTerminal(`${p}s`, 't1');
      const shared = `${p}shared`;
      expectOk(await store.push(t.batch([item.member(memberRecord(`${p}a`, 1, { cards: [shared] }))])));
      expect(statuses(await store.push(t.batch([item.member(memberRecord(`${p}b`, 1, { cards: [shared, `${p}own`] }))])))).toEqual(['ok']);
      expect(await store.memberIdForCard(shared)).toBe(`${p}a`);
      expect(await store.memberIdForCard(`${p}own`)).toBe(`${p}b`);
      const [a] = (await store.alerts(5)).filter((x) => x.storeId === `${p}s`);
      expect(a).toMatchObject({ kind: 'card-conflict', entityId: `${p}b`, detail: { code: shared, heldBy: `${p}a` } });
    });

    it('books lots and draws, including a draw that arrives before its lot, and keeps member balances', async () => {
      const p = uniquePrefix('lot');
      const t1 = new FakeTerminal(`${p}s`, 't1');
      const t2 = new FakeTerminal(`${p}s`, 't2');
      const m = `${p}m1`;
      const a = t1.earn(m, 100);
      const b = t1.earn(m, 50);
      // t2 learned of both lots (a pull) and redeems 120 — but its batch reaches the server first.
      const r = t2.redeem(m, [
        { lotId: `${a.id}:0`, points: 100 },
        { lotId: `${b.id}:0`, points: 15 },
        { lotId: `${b.id}:0`, points: 5 },
      ]);
      expectOk(await store.push(t2.batch([item.transfer(r)])));
      expect((await store.verify()).problems.some((x) => x.includes('which the server does not hold'))).toBe(true);
      expectOk(await store.push(t1.batch([item.transfer(a), item.transfer(b), item.transfer(t1.spend(m, 2000))])));
      const lots = await store.query(`SELECT id, points, remaining FROM lots WHERE member_id = '${m}' ORDER BY points DESC`);
      expect(lots.map((l) => [text(l, 'id'), int(l, 'points'), int(l, 'remaining')])).toEqual([
        [`${a.id}:0`, 100, 0],
        [`${b.id}:0`, 50, 30],
      ]);
      const balances = await store.query(`SELECT account, balance FROM member_balances WHERE member_id = '${m}'`);
      expect(Object.fromEntries(balances.map((x) => [text(x, 'account'), int(x, 'balance')]))).toEqual({ [memberAccount(m)]: 30, [memberSpendAccount(m)]: 2000 });
      expect((await store.verify()).problems).toEqual([]);
    });

    it('verify names a cached balance that disagrees with the journal', async () => {
      const p = uniquePrefix('vf');
      const t = new FakeTerminal(`${p}s`, 't1');
      const m = `${p}m1`;
      expectOk(await store.push(t.batch([item.transfer(t.earn(m, 40))])));
      await store.query(`UPDATE member_balances SET balance = balance + 1 WHERE member_id = '${m}' RETURNING member_id`);
      const report = await store.verify();
      expect(report.ok).toBe(false);
      expect(report.problems).toContain(`account ${memberAccount(m)}: cached balance 41, transfers say 40`);
      expect(report.problems).toContain(`member ${m}: balance 41 but open lots hold 40`);
      await store.query(`UPDATE member_balances SET balance = balance - 1 WHERE member_id = '${m}' RETURNING member_id`);
      expect((await store.verify()).problems).toEqual([]);
    });

    it('refuses to change or delete booked rows', async () => {
      const p = uniquePrefix('ao');
      const t = new FakeTerminal(`${p}s`, 't1');
      const m = `${p}m1`;
      const earn = t.earn(m, 40);
      expectOk(await store.push(t.batch([item.transfer(earn), item.transaction(t.transaction(m)), item.event(t.event(m, '2025'))])));
      for (const sql of [
        `UPDATE transfers SET amount = 41 WHERE member_id = '${m}' RETURNING id`,
        `DELETE FROM transfers WHERE member_id = '${m}' RETURNING id`,
        `UPDATE transactions SET txn_id = 'x' WHERE member_id = '${m}' RETURNING id`,
        `DELETE FROM events WHERE member_id = '${m}' RETURNING id`,
        `UPDATE lots SET remaining = 41 WHERE member_id = '${m}' RETURNING id`,
        `UPDATE lots SET points = 39 WHERE member_id = '${m}' RETURNING id`,
        `DELETE FROM lots WHERE member_id = '${m}' RETURNING id`,
      ]) {
        await expect(store.query(sql), sql).rejects.toThrow(/append-only|shrink|never deleted/);
      }
    });

    it('serialises concurrent pushes: one terminal twice at once, several terminals on one member', async () => {
      const p = uniquePrefix('cc');
      const t = new FakeTerminal(`${p}s`, 't1');
      const m = `${p}m1`;
      const batch = t.batch([item.member(memberRecord(m, 1)), item.transfer(t.earn(m, 10)), item.transfer(t.earn(m, 20))]);
      const [x, y] = await Promise.all([store.push(batch), store.push(batch)]);
      expect([x.ok, y.ok].sort()).toEqual([false, true]);
      expect(x.ok ? y : x).toMatchObject({ reason: 'sequence', lastSeq: 2 });

      const terminals = Array.from({ length: 4 }, (_, i) => new FakeTerminal(`${p}s`, `c${i}`));
      const n = `${p}m2`;
      const outcomes = await Promise.all(terminals.map((term, i) => store.push(term.batch([item.member(memberRecord(n, 1 + (i % 2))), item.transfer(term.earn(n, 7)), item.transfer(term.spend(n, 100))]))));
      expect(outcomes.every((o) => o.ok)).toBe(true);
      expect(await store.member(n)).toMatchObject({ version: 2, balance: 28 });
      expect((await store.verify()).problems).toEqual([]);

      // A new member pushed by several terminals at once, nothing else in the batches: the pushes
      // race to create the row (PostgreSQL retries the losers, which then find it held).
      const r = `${p}m3`;
      const raced = await Promise.all(terminals.map((term, i) => store.push(term.batch([item.member(memberRecord(r, 1 + (i % 2)))]))));
      const answers = raced.map((o) => expectOk(o).results[0]);
      expect(answers.filter((x) => x?.status === 'exists_with_different')).toEqual([]);
      expect(answers.filter((x) => x?.version === 2 && x.status === 'ok').length).toBeGreaterThanOrEqual(1);
      expect(await store.member(r)).toMatchObject({ version: 2, cards: [`card-${r}`] });
      expect(await store.memberIdForCard(`card-${r}`)).toBe(r);
    });

    it('reaches the same state whatever order different terminals’ batches arrive in, and verify stays clean', async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, fc.array(fc.nat(), { minLength: 60, maxLength: 60 }), async (scenario, picks) => {
          const a = buildScenario(uniquePrefix('pa'), scenario);
          const b = buildScenario(uniquePrefix('pb'), scenario);
          // Order A: terminal after terminal. Order B: interleaved by `picks`, each terminal in its own order.
          for (const batches of a.batches) for (const batch of batches) expectOk(await store.push(batch));
          const queues = b.batches.map((list) => [...list]);
          let k = 0;
          while (queues.some((q) => q.length > 0)) {
            const open = queues.filter((q) => q.length > 0);
            const queue = open[(picks[k % picks.length] ?? 0) % open.length] as PushBatch[];
            k += 1;
            expectOk(await store.push(queue.shift() as PushBatch));
          }
          expect(await snapshot(store, b)).toEqual(await snapshot(store, a));
          const report = await store.verify();
          expect(report.problems).toEqual([]);
        }),
        { numRuns: 25 },
      );
    });
  });
}

// ---- random scenarios ----

type Op =
  | { readonly kind: 'earn'; readonly t: number; readonly m: number; readonly points: number }
  | { readonly kind: 'redeem'; readonly t: number; readonly m: number; readonly points: number }
  | { readonly kind: 'spend'; readonly t: number; readonly m: number; readonly money: number }
  | { readonly kind: 'birthday'; readonly t: number; readonly m: number; readonly year: number }
  | { readonly kind: 'member'; readonly t: number; readonly m: number }
  | { readonly kind: 'event'; readonly t: number; readonly m: number; readonly year: number }
  | { readonly kind: 'checkout'; readonly t: number; readonly m: number };

const TERMINALS = 3;
const MEMBERS = 3;
const t = fc.integer({ min: 0, max: TERMINALS - 1 });
const m = fc.integer({ min: 0, max: MEMBERS - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('earn' as const), t, m, points: fc.integer({ min: 1, max: 500 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('redeem' as const), t, m, points: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('spend' as const), t, m, money: fc.integer({ min: 1, max: 100_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('birthday' as const), t, m, year: fc.integer({ min: 2025, max: 2026 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('member' as const), t, m }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('event' as const), t, m, year: fc.integer({ min: 2025, max: 2026 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('checkout' as const), t, m }) },
);
const scenarioArb = fc.record({ ops: fc.array(opArb, { minLength: 1, maxLength: 40 }), chunks: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: TERMINALS, maxLength: TERMINALS }) });

interface Built {
  readonly prefix: string;
  readonly storeId: string;
  readonly terminals: readonly string[];
  readonly members: readonly string[];
  readonly batches: readonly (readonly PushBatch[])[];
}

/**
 * Turns ops into each terminal's batches. Redemptions draw, first in first out, from the member's
 * lots booked anywhere before (as if every terminal pulled in between), so a draw can reach the
 * server before its lot; a birthday booked twice is the same entry (one lot).
 */
function buildScenario(prefix: string, scenario: { readonly ops: readonly Op[]; readonly chunks: readonly number[] }): Built {
  const storeId = `${prefix}s`;
  const terminals = Array.from({ length: TERMINALS }, (_, i) => new FakeTerminal(storeId, `t${i}`));
  const members = Array.from({ length: MEMBERS }, (_, i) => `${prefix}m${i}`);
  const items: PushItem[][] = terminals.map(() => []);
  const lots = members.map(() => [] as { id: string; remaining: number }[]);
  const versions = members.map(() => 0);
  const birthdays = new Set<string>();
  for (const op of scenario.ops) {
    const term = terminals[op.t] as FakeTerminal;
    const list = items[op.t] as PushItem[];
    const member = members[op.m] as string;
    const pool = lots[op.m] as { id: string; remaining: number }[];
    switch (op.kind) {
      case 'earn': {
        const tr = term.earn(member, op.points);
        pool.push({ id: `${tr.id}:0`, remaining: op.points });
        list.push(item.transfer(tr));
        break;
      }
      case 'redeem': {
        let want = op.points;
        const draws: { lotId: string; points: number }[] = [];
        for (const lot of pool) {
          if (want === 0) break;
          const take = Math.min(lot.remaining, want);
          if (take === 0) continue;
          lot.remaining -= take;
          want -= take;
          draws.push({ lotId: lot.id, points: take });
        }
        if (draws.length > 0) list.push(item.transfer(term.redeem(member, draws)));
        break;
      }
      case 'spend':
        list.push(item.transfer(term.spend(member, op.money)));
        break;
      case 'birthday': {
        const tr = term.birthday(member, String(op.year), 300);
        if (!birthdays.has(tr.id)) pool.push({ id: `${tr.id}:0`, remaining: 300 });
        birthdays.add(tr.id);
        list.push(item.transfer(tr));
        break;
      }
      case 'member':
        versions[op.m] = (versions[op.m] ?? 0) + 1;
        list.push(item.member(memberRecord(member, versions[op.m] ?? 1)));
        break;
      case 'event':
        list.push(item.event(term.event(member, String(op.year))));
        break;
      case 'checkout':
        list.push(item.transaction(term.transaction(member)));
        break;
    }
  }
  const batches = terminals.map((term, i) => {
    const size = scenario.chunks[i] ?? 1;
    const list = items[i] as PushItem[];
    const out: PushBatch[] = [];
    for (let at = 0; at < list.length; at += size) out.push(term.batch(list.slice(at, at + size)));
    return out;
  });
  return { prefix, storeId, terminals: terminals.map((x) => x.terminalId), members, batches };
}

/** Everything a member's state consists of, with the run's prefix taken out so two runs compare. */
async function snapshot(store: TestStore, built: Built): Promise<unknown> {
  const strip = (s: string): string => s.replaceAll(built.prefix, '');
  const like = `'${built.prefix}%'`;
  const views = [];
  for (const id of built.members) {
    const v = await store.member(id);
    views.push(v ? { ...v, id: strip(v.id), name: v.name && strip(v.name), cards: v.cards.map(strip) } : null);
  }
  const rows = async (sql: string): Promise<string[]> => (await store.query(sql)).map((r) => strip(JSON.stringify(Object.values(r).map((v) => String(v)))));
  return {
    views,
    balances: await rows(`SELECT member_id, account, balance FROM member_balances WHERE member_id LIKE ${like} ORDER BY member_id, account`),
    lots: (await rows(`SELECT member_id, points, remaining, earned_at, expires_at FROM lots WHERE member_id LIKE ${like}`)).sort(),
    counts: await rows(
      `SELECT (SELECT count(*) FROM transfers WHERE member_id LIKE ${like}) AS transfers, (SELECT count(*) FROM lot_draws WHERE member_id LIKE ${like}) AS draws,
              (SELECT count(*) FROM transactions WHERE member_id LIKE ${like}) AS transactions, (SELECT count(*) FROM events WHERE member_id LIKE ${like}) AS events,
              (SELECT count(*) FROM card_index WHERE member_id LIKE ${like}) AS cards, (SELECT count(*) FROM alerts WHERE store_id = '${built.storeId}') AS alerts`,
    ),
    lastSeqs: await Promise.all(built.terminals.map((id) => store.lastSeqs(built.storeId, id))),
  };
}

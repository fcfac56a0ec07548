/**
 * Pull, run against both stores (server-store-sqlite.test.ts, server-store-postgres.test.ts): pages
 * after a cursor hold everything other counters booked, once, in commit order, cut on commit
 * boundaries; a terminal's own entries only when asked (after a restore); contact details only to
 * the member's home store; one member's whole state by card.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { PullResponse } from '../../src/contract/pull.js';
import { pullResponseSchema } from '../../src/contract/pull.js';
import { ACCOUNTS, memberAccount } from '../../src/core/ledger-model.js';
import type { PullRequest } from '../../src/server/store/pull.js';
import type { PushOutcome } from '../../src/server/store/store.js';
import { FakeTerminal, item, memberRecord, uniquePrefix, type TestStore } from '../support/server-store-fixtures.js';
import { useStore, type StoreHarness } from './server-store.suite.js';

function ok(outcome: PushOutcome): void {
  if (!outcome.ok) throw new Error(`push refused: ${outcome.message}`);
}

/** Pulls to the end from `cursor`, page by page; returns the pages (each checked against the contract). */
async function pullAll(store: TestStore, request: Omit<PullRequest, 'cursor'> & { cursor: bigint | null }): Promise<PullResponse[]> {
  const pages: PullResponse[] = [];
  let cursor = request.cursor;
  for (let i = 0; i < 10_000; i += 1) {
    const page = pullResponseSchema.parse(await store.pull({ ...request, cursor }));
    pages.push(page);
    if (cursor !== null) expect(BigInt(page.cursor) >= cursor).toBe(true);
    cursor = BigInt(page.cursor);
    if (!page.more) return pages;
  }
  throw new Error('pull never ended');
}

const mine = (prefix: string) => (x: { memberId: string }) => x.memberId.startsWith(prefix);

export function serverPullSuite(label: string, harness: StoreHarness): void {
  describe(`pull from the server store on ${label}`, () => {
    const opened = useStore(harness);
    let store: TestStore;
    beforeEach(() => {
      store = opened();
    });

    /** Where the feed ends now (tests share the database). */
    async function end(storeId: string, terminalId: string): Promise<bigint> {
      const pages = await pullAll(store, { storeId, terminalId, cursor: null, limit: 5000, own: false });
      return BigInt(pages.at(-1)!.cursor);
    }

    it("sends another counter's members, transactions, transfers with lots and draws, and events once, in pages; not the caller's own", async () => {
      const p = uniquePrefix('pull');
      const a = new FakeTerminal(`${p}A`, 'lane-1');
      const b = new FakeTerminal(`${p}B`, 'lane-1');
      const start = await end(b.storeId, b.terminalId);
      const members = [0, 1, 2, 3, 4].map((i) => `${p}m${i}`);
      const earns = members.map((m) => a.earn(m, 100 + members.indexOf(m)));
      for (const [i, m] of members.entries()) {
        const enrolment = a.transaction(m, { kind: 'enrolment' });
        ok(await store.push(a.batch([item.member(memberRecord(m, 1, { phone: '010-1234-5678', email: `${m}@example.com` })), item.transaction(enrolment), item.transfer(earns[i]!), item.event(a.event(m, '2025'))])));
      }
      // B spends at its own counter: its own entries are not sent back to it.
      const redeem = b.redeem(members[0]!, [{ lotId: earns[0]!.lotsGranted[0]!.id, points: 40 }]);
      ok(await store.push(b.batch([item.transfer(redeem)])));

      const pages = await pullAll(store, { storeId: b.storeId, terminalId: b.terminalId, cursor: start, limit: 3, own: false });
      expect(pages.length).toBeGreaterThan(2);
      const all = {
        members: pages.flatMap((pg) => pg.members).filter((m) => m.member.id.startsWith(p)),
        transactions: pages.flatMap((pg) => pg.transactions).filter(mine(p)),
        transfers: pages.flatMap((pg) => pg.transfers).filter(mine(p)),
        events: pages.flatMap((pg) => pg.events).filter(mine(p)),
      };
      expect(all.members.map((m) => m.member.id).sort()).toEqual(members);
      expect(all.transactions).toHaveLength(5);
      expect(all.events).toHaveLength(5);
      // Each of A's transfers once, with its lot; B's redeem not at all.
      expect(all.transfers.map((t) => t.id).sort()).toEqual(earns.map((e) => e.id).sort());
      expect(all.transfers.find((t) => t.id === earns[2]!.id)).toEqual(earns[2]);
      // Members enrolled at store A reach store B without phone and e-mail.
      for (const m of all.members) {
        expect(m.contactWithheld).toBe(true);
        expect(m.member).toMatchObject({ phone: null, email: null, name: `Member ${m.member.id} v1`, cards: [`card-${m.member.id}`] });
      }
      // A terminal of store A gets them whole, and B's redeem with its draw.
      const forA = await pullAll(store, { storeId: a.storeId, terminalId: 'lane-2', cursor: start, limit: 5000, own: false });
      const memberAtA = forA.flatMap((pg) => pg.members).find((m) => m.member.id === members[1]);
      expect(memberAtA).toEqual({ member: memberRecord(members[1]!, 1, { phone: '010-1234-5678', email: `${members[1]}@example.com` }), contactWithheld: false });
      expect(forA.flatMap((pg) => pg.transfers).find((t) => t.id === redeem.id)).toEqual(redeem);
      // After a restore B asks for its own entries too.
      const own = await pullAll(store, { storeId: b.storeId, terminalId: b.terminalId, cursor: start, limit: 5000, own: true });
      expect(own.flatMap((pg) => pg.transfers).filter(mine(p)).map((t) => t.id)).toContain(redeem.id);
      // Nothing new: the same cursor again, an empty last page.
      const last = pages.at(-1)!;
      const again = await store.pull({ storeId: b.storeId, terminalId: b.terminalId, cursor: BigInt(last.cursor), limit: 10, own: false });
      expect(again).toMatchObject({ cursor: last.cursor, more: false, members: [], transactions: [], transfers: [], events: [] });
      expect(BigInt(again.latest) >= BigInt(last.cursor)).toBe(true);
    });

    it('never splits what one push wrote across two pages', async () => {
      const p = uniquePrefix('cut');
      const a = new FakeTerminal(`${p}A`, 'lane-1');
      const start = await end('other', 'lane-9');
      const m = `${p}m`;
      const earns = [1, 2, 3, 4, 5, 6].map((n) => a.earn(m, n));
      ok(await store.push(a.batch([item.member(memberRecord(m, 1)), ...earns.map(item.transfer)])));
      ok(await store.push(a.batch([item.transfer(a.earn(m, 7))])));
      const pages = await pullAll(store, { storeId: 'other', terminalId: 'lane-9', cursor: start, limit: 2, own: false });
      const seen = pages.flatMap((pg) => pg.transfers).filter(mine(p)).map((t) => t.amount);
      expect(seen.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      // PostgreSQL stamps a whole push with one transaction id: its seven rows come in one page.
      // SQLite stamps each row: pages of two. Either way, no row twice and none lost.
      expect(new Set(seen).size).toBe(7);
    });

    it("never sends a member's entries on a page before the member's record, whatever the page size", async () => {
      // A push writes its members after their transactions and transfers: on SQLite, where every
      // row has its own stamp, a page cut there would hold entries of a member a new terminal does
      // not have yet, and it would refuse that page on every retry.
      const p = uniquePrefix('order');
      const a = new FakeTerminal(`${p}A`, 'lane-1');
      const start = await end('other', 'lane-9');
      const members = [0, 1, 2].map((i) => `${p}m${i}`);
      ok(await store.push(a.batch(members.flatMap((m) => [item.member(memberRecord(m, 1)), item.transaction(a.transaction(m, { kind: 'enrolment' })), item.transfer(a.earn(m, 10))]))));
      for (const limit of [1, 2, 4, 5]) {
        const pages = await pullAll(store, { storeId: 'other', terminalId: 'lane-9', cursor: start, limit, own: false });
        const seen = new Set<string>();
        for (const page of pages) {
          for (const m of page.members) seen.add(m.member.id);
          for (const entry of [...page.transactions, ...page.transfers].filter(mine(p))) expect(seen.has(entry.memberId), `limit ${limit}: ${entry.id} before its member`).toBe(true);
        }
        expect([...seen].filter((id) => id.startsWith(p)).sort()).toEqual(members);
        expect(pages.flatMap((pg) => pg.members).filter((m) => m.member.id.startsWith(p))).toHaveLength(3);
        expect(pages.flatMap((pg) => pg.transfers).filter(mine(p))).toHaveLength(3);
      }
    });

    it("never sends a member's entries before the member's record when the record was changed since (issue 9: the simulation's seed 2 on PostgreSQL)", async () => {
      // PostgreSQL stamps a member row with the transaction that last wrote it: a member updated
      // after their enrolment moves to that later stamp, while the enrolment's transaction and
      // transfers keep theirs. A page cut between the two held entries of a member the pulling
      // terminal did not have, which it refuses on every retry (it never caught up again).
      const p = uniquePrefix('restamp');
      const a = new FakeTerminal(`${p}A`, 'lane-1');
      const start = await end('other', 'lane-9');
      const [m, n] = [`${p}m`, `${p}n`];
      ok(await store.push(a.batch([item.member(memberRecord(m, 1)), item.transaction(a.transaction(m, { kind: 'enrolment' })), item.transfer(a.earn(m, 10))])));
      ok(await store.push(a.batch([item.member(memberRecord(n, 1)), item.transaction(a.transaction(n, { kind: 'enrolment' })), item.transfer(a.earn(n, 20))])));
      ok(await store.push(a.batch([item.member(memberRecord(m, 2, { name: 'Kim Min-ji' }))])));
      for (const limit of [1, 2, 3, 4, 5, 6]) {
        const pages = await pullAll(store, { storeId: 'other', terminalId: 'lane-9', cursor: start, limit, own: false });
        const seen = new Map<string, number>();
        for (const page of pages) {
          for (const { member } of page.members.filter((x) => x.member.id.startsWith(p))) seen.set(member.id, Math.max(seen.get(member.id) ?? 0, member.version));
          for (const entry of [...page.transactions, ...page.transfers].filter(mine(p))) expect(seen.has(entry.memberId), `limit ${limit}: ${entry.id} before its member`).toBe(true);
        }
        // Everything arrives, and the member's latest record is what the terminal ends with.
        expect(Object.fromEntries(seen), `limit ${limit}`).toEqual({ [m]: 2, [n]: 1 });
        expect(pages.flatMap((pg) => pg.transactions).filter(mine(p)), `limit ${limit}`).toHaveLength(2);
        expect(pages.flatMap((pg) => pg.transfers).filter(mine(p)), `limit ${limit}`).toHaveLength(2);
      }
    });

    it("answers one member's whole state by card, and nothing for an unknown card", async () => {
      const p = uniquePrefix('card');
      const a = new FakeTerminal(`${p}A`, 'lane-1');
      const m = `${p}m`;
      const earn = a.earn(m, 250);
      const spend = a.redeem(m, [{ lotId: earn.lotsGranted[0]!.id, points: 50 }]);
      ok(await store.push(a.batch([item.member(memberRecord(m, 1, { phone: '010' })), item.transaction(a.transaction(m, { kind: 'enrolment' })), item.transfer(earn), item.transfer(spend)])));
      const state = await store.memberStateByCard(`card-${m}`, { storeId: `${p}B`, terminalId: 'lane-1' });
      expect(state?.members).toEqual([{ member: memberRecord(m, 1, { phone: null }), contactWithheld: true }]);
      expect(state?.transfers.map((t) => t.id).sort()).toEqual([earn.id, spend.id].sort());
      expect(state?.transfers.reduce((s, t) => s + (t.creditAccount === memberAccount(m) ? t.amount : t.debitAccount === memberAccount(m) ? -t.amount : 0), 0)).toBe(200);
      expect(state?.transactions).toHaveLength(1);
      expect(await store.memberStateByCard(`card-${p}nobody`, { storeId: `${p}B`, terminalId: 'lane-1' })).toBeUndefined();
      expect(ACCOUNTS.redeemed).toBe(spend.creditAccount);
    });
  });
}

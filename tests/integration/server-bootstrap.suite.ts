/**
 * The bootstrap read, run against both stores (server-store-sqlite.test.ts,
 * server-store-postgres.test.ts): the stream holds what pages from an empty cursor hold (same
 * members, contact details withheld the same way, own entries left out the same way), every line
 * passes the contract's checks, and the cursor it ends at leaves nothing out and sends nothing
 * twice — with a push landing while the stream is read, and (PostgreSQL) with an older
 * transaction still open when the snapshot is taken.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { BOOTSTRAP_SECTIONS, bootstrapEndSchema, bootstrapHeaderSchema, bootstrapLineSchema, bootstrapRowProblem, type BootstrapSection } from '../../src/contract/bootstrap.js';
import { pullResponseSchema, type PullResponse } from '../../src/contract/pull.js';
import { bootstrapLines, type BootstrapRequest } from '../../src/server/store/bootstrap.js';
import type { PullRequest } from '../../src/server/store/pull.js';
import type { PushOutcome } from '../../src/server/store/store.js';
import { FakeTerminal, item, memberRecord, uniquePrefix, type TestStore } from '../support/server-store-fixtures.js';
import { useStore, type StoreHarness } from './server-store.suite.js';

function ok(outcome: PushOutcome): void {
  if (!outcome.ok) throw new Error(`push refused: ${outcome.message}`);
}

interface Streamed {
  readonly cursor: bigint;
  readonly rows: Record<BootstrapSection, unknown[][]>;
}

/** Reads a whole bootstrap stream, checking every line against the contract (zod and the hand-written checks alike). */
async function readAll(lines: AsyncIterable<string>): Promise<Streamed> {
  const rows: Record<BootstrapSection, unknown[][]> = { members: [], transactions: [], transfers: [], events: [] };
  let header: ReturnType<typeof bootstrapHeaderSchema.parse> | undefined;
  let ended = false;
  for await (const text of lines) {
    expect(text.endsWith('\n')).toBe(true);
    expect(text.slice(0, -1)).not.toContain('\n');
    const value = JSON.parse(text) as Record<string, unknown>;
    expect(bootstrapLineSchema.safeParse(value).success, text.slice(0, 300)).toBe(true);
    if (!header) {
      header = bootstrapHeaderSchema.parse(value);
      continue;
    }
    expect(ended).toBe(false);
    if ('end' in value) {
      const end = bootstrapEndSchema.parse(value);
      for (const section of BOOTSTRAP_SECTIONS) expect(end.counts[section]).toBe(rows[section].length);
      expect(end.counts).toEqual(header.counts);
      ended = true;
      continue;
    }
    const [section] = Object.keys(value) as BootstrapSection[];
    for (const row of value[section!] as unknown[][]) {
      expect(bootstrapRowProblem(section!, row)).toBeNull();
      rows[section!].push(row);
    }
  }
  expect(ended).toBe(true);
  return { cursor: BigInt(header!.cursor), rows };
}

async function pullAll(store: TestStore, request: Omit<PullRequest, 'cursor' | 'limit'> & { cursor: bigint | null }): Promise<PullResponse[]> {
  const pages: PullResponse[] = [];
  let cursor = request.cursor;
  for (let i = 0; i < 10_000; i += 1) {
    const page = pullResponseSchema.parse(await store.pull({ ...request, cursor, limit: 5000 }));
    pages.push(page);
    cursor = BigInt(page.cursor);
    if (!page.more) return pages;
  }
  throw new Error('pull never ended');
}

/**
 * Pages from `cursor` until `done` holds for them. On PostgreSQL a page hands out only stamps below
 * the oldest transaction still running in the whole cluster, and other test files (other databases)
 * write meanwhile: what this test committed may take a moment to be handed out. Never a timing
 * assertion: it waits for a fact, and fails only if that fact never comes.
 */
async function pullUntil(store: TestStore, request: Omit<PullRequest, 'cursor' | 'limit'> & { cursor: bigint | null }, done: (pages: readonly PullResponse[]) => boolean): Promise<PullResponse[]> {
  for (let attempt = 0; ; attempt += 1) {
    const pages = await pullAll(store, request);
    if (done(pages)) return pages;
    if (attempt >= 600) throw new Error('what this test committed was never handed out by the pages');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const transfersOf = (pages: readonly PullResponse[], prefix: string): number => pages.flatMap((p) => p.transfers).filter((t) => t.memberId.startsWith(prefix)).length;

/** The ids of what the stream and pages carry for this test's members (the database is shared). */
function ids(streamed: Streamed, pages: readonly PullResponse[], prefix: string): Record<'stream' | 'pages', Record<BootstrapSection, string[]>> {
  const mine = (id: string): boolean => id.startsWith(prefix);
  return {
    stream: {
      members: streamed.rows.members.map((r) => r[0] as string).filter(mine),
      transactions: streamed.rows.transactions.filter((r) => mine(r[5] as string)).map((r) => r[0] as string),
      transfers: streamed.rows.transfers.filter((r) => mine(r[9] as string)).map((r) => r[0] as string),
      events: streamed.rows.events.filter((r) => mine(r[1] as string)).map((r) => r[0] as string),
    },
    pages: {
      members: pages.flatMap((p) => p.members.map((m) => m.member.id)).filter(mine),
      transactions: pages.flatMap((p) => p.transactions).filter((t) => mine(t.memberId)).map((t) => t.id),
      transfers: pages.flatMap((p) => p.transfers).filter((t) => mine(t.memberId)).map((t) => t.id),
      events: pages.flatMap((p) => p.events).filter((e) => mine(e.memberId)).map((e) => e.id),
    },
  };
}

export function serverBootstrapSuite(label: string, harness: StoreHarness & { readonly holdXid?: () => Promise<{ readonly release: () => Promise<void> }> }): void {
  describe(`bootstrap from the server store on ${label}`, () => {
    const opened = useStore(harness);
    let store: TestStore;
    beforeEach(() => {
      store = opened();
    });

    it('streams what pages from an empty cursor bring, in the same shapes and with the same privacy and own-entry rules', async () => {
      const p = uniquePrefix('boot');
      const a = new FakeTerminal(`${p}A`, 'lane-1');
      const b = new FakeTerminal(`${p}B`, 'lane-1');
      const members = [0, 1, 2].map((i) => `${p}m${i}`);
      const earns = members.map((m, i) => a.earn(m, 100 + i));
      for (const [i, m] of members.entries()) {
        ok(await store.push(a.batch([item.member(memberRecord(m, 1, { phone: '010-1234-5678', email: `${m}@example.com` })), item.transaction(a.transaction(m, { kind: 'enrolment' })), item.transfer(earns[i]!), item.event(a.event(m, '2025'))])));
      }
      // B spends at its own counter: left out of B's stream as of B's pages, unless B asks for its own.
      const redeem = b.redeem(members[0]!, [{ lotId: earns[0]!.lotsGranted[0]!.id, points: 40 }]);
      ok(await store.push(b.batch([item.transfer(redeem)])));

      const request: BootstrapRequest = { storeId: b.storeId, terminalId: b.terminalId, own: false };
      // Everything pushed is handed out by pages before the stream is read (see pullUntil).
      const pages = await pullUntil(store, { ...request, own: true, cursor: null }, (pg) => transfersOf(pg, p) === 4).then(() => pullAll(store, { ...request, cursor: null }));
      const streamed = await readAll(bootstrapLines(await store.bootstrap(request), request));
      const seen = ids(streamed, pages, p);
      for (const section of BOOTSTRAP_SECTIONS) expect([...seen.stream[section]].sort(), section).toEqual([...seen.pages[section]].sort());
      expect(seen.stream.transfers).not.toContain(redeem.id);

      // Same values as the pages: a member of store A reaches store B without phone and e-mail.
      const row = streamed.rows.members.find((r) => r[0] === members[1]);
      const member = pages.flatMap((pg) => pg.members).find((m) => m.member.id === members[1])!;
      expect(row).toEqual([member.member.id, member.member.version, member.member.name, null, null, member.member.birthday, member.member.marketingConsent, member.member.enrolledAt,
        member.member.enrolledBy, member.member.qrRef, member.member.pinHash, member.member.erasedAt, member.member.updatedAt, member.member.cards, true]);
      const transfer = pages.flatMap((pg) => pg.transfers).find((t) => t.id === earns[2]!.id)!;
      const streamedTransfer = streamed.rows.transfers.find((r) => r[0] === earns[2]!.id)!;
      expect(streamedTransfer[26]).toEqual(transfer.detail);
      expect(streamedTransfer[27]).toEqual(transfer.lotsGranted.map((l) => [l.id, l.points, l.earnedAt, l.expiresAt]));

      // Store A's own terminal gets the contact details; asking for its own entries brings them.
      const home: BootstrapRequest = { storeId: a.storeId, terminalId: 'other-lane', own: false };
      const atHome = await readAll(bootstrapLines(await store.bootstrap(home), home));
      expect(atHome.rows.members.find((r) => r[0] === members[1])!.slice(3, 5)).toEqual(['010-1234-5678', `${members[1]}@example.com`]);
      const own: BootstrapRequest = { ...request, own: true };
      const withOwn = await readAll(bootstrapLines(await store.bootstrap(own), own));
      expect(withOwn.rows.transfers.map((r) => r[0])).toContain(redeem.id);
    });

    it('hands over a cursor that leaves nothing out and sends nothing twice while pushes land during the read', async () => {
      const p = uniquePrefix('bootcur');
      const a = new FakeTerminal(`${p}A`, 'lane-1');
      const caller: BootstrapRequest = { storeId: `${p}C`, terminalId: 'lane-1', own: false };
      const push = async (n: number): Promise<void> => {
        const m = `${p}m${n}`;
        ok(await store.push(a.batch([item.member(memberRecord(m, 1)), item.transaction(a.transaction(m, { kind: 'enrolment' })), item.transfer(a.earn(m, 10 + n)), item.event(a.event(m, '2025'))])));
      };
      for (let n = 0; n < 3; n += 1) await push(n);
      await pullUntil(store, { ...caller, cursor: null }, (pg) => transfersOf(pg, p) === 3);
      const snapshot = await store.bootstrap(caller);
      const lines = bootstrapLines(snapshot, caller);
      // Pushed after the snapshot was taken, before and while its lines are read.
      await push(3);
      const first = await lines.next();
      await push(4);
      const streamed = await readAll((async function* () {
        yield first.value as string;
        yield* lines;
      })());
      await push(5);
      const pages = await pullUntil(store, { ...caller, cursor: streamed.cursor }, (pg) => transfersOf(pg, p) >= 3);
      const seen = ids(streamed, pages, p);
      for (const section of BOOTSTRAP_SECTIONS) {
        const both = [...seen.stream[section], ...seen.pages[section]];
        // Entries: each exactly once between the stream and the pages that follow it.
        if (section !== 'members') expect(new Set(both).size, section).toBe(both.length);
        expect(new Set(both).size, section).toBe(6);
      }
      // What was pushed before the snapshot is in the stream; after it, only in the pages.
      expect(seen.stream.transfers).toHaveLength(3);
      expect(seen.pages.transfers).toHaveLength(3);
    });

    if (harness.holdXid) {
      const holdXid = harness.holdXid;
      it('does not let a commit behind an older open transaction slip behind its cursor (PostgreSQL: only stamps below the snapshot xmin)', async () => {
        const p = uniquePrefix('bootxmin');
        const a = new FakeTerminal(`${p}A`, 'lane-1');
        const caller: BootstrapRequest = { storeId: `${p}C`, terminalId: 'lane-1', own: false };
        const push = async (n: number): Promise<void> => {
          const m = `${p}m${n}`;
          ok(await store.push(a.batch([item.member(memberRecord(m, 1)), item.transaction(a.transaction(m, { kind: 'enrolment' })), item.transfer(a.earn(m, 10 + n))])));
        };
        await push(0);
        await pullUntil(store, { ...caller, cursor: null }, (pg) => transfersOf(pg, p) === 1);
        // An older transaction holds an id and stays open; a push commits after it (a newer id, visible to the snapshot).
        const older = await holdXid();
        let released = false;
        try {
          await push(1);
          const streamed = await readAll(bootstrapLines(await store.bootstrap(caller), caller));
          const during = await pullAll(store, { ...caller, cursor: streamed.cursor });
          await older.release();
          released = true;
          const after = await pullUntil(store, { ...caller, cursor: streamed.cursor }, (pg) => transfersOf(pg, p) >= 1);
          const seenDuring = ids(streamed, during, p);
          const seen = ids(streamed, after, p);
          // The push committed behind the open transaction is not in the stream (its stamp is not below xmin)…
          expect(seen.stream.transfers).toHaveLength(1);
          // …nor handed out while the older transaction runs, and it comes once that one has ended: no gap, no double.
          expect(seenDuring.pages.transfers).toHaveLength(0);
          expect(seen.pages.transfers).toHaveLength(1);
          const transfers = [...seen.stream.transfers, ...seen.pages.transfers];
          expect(new Set(transfers).size).toBe(2);
          expect(new Set([...seen.stream.transactions, ...seen.pages.transactions]).size).toBe(seen.stream.transactions.length + seen.pages.transactions.length);
        } finally {
          if (!released) await older.release();
        }
      });
    }
  });
}

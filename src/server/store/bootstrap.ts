/**
 * The bootstrap stream (src/contract/bootstrap.ts), shared by both stores: each adapter opens a
 * `BootstrapSnapshot` — one consistent read of its store, with the cursor that read ends at — and
 * this module turns it into the stream's lines, applying the same privacy rule as a pull page
 * (memberForCaller) to every member.
 *
 * Why the cursor leaves no gap and no double:
 * - SQLite: the whole read runs in one read transaction on a connection of its own (WAL: writers go
 *   on meanwhile, this read sees none of them). The cursor is the newest change-log position in that
 *   same snapshot; every change after it has a larger position and comes in the next pull page.
 * - PostgreSQL: the read runs in one REPEATABLE READ snapshot. Entries (transactions, transfers,
 *   events) are sent only when their `change_xid` is below the snapshot's xmin, and the cursor is
 *   xmin − 1: every transaction below xmin has ended, so all of them that committed are in the
 *   snapshot (none can commit later behind the cursor), and every entry from xmin on — committed in
 *   the snapshot or not — comes with the pull pages, which hand out only stamps below the then
 *   current xmin. Member records are states, not journal entries: every record in the snapshot is
 *   sent (its entries may be older than its last change), and one changed at or after xmin comes
 *   again in a page, where the terminal keeps the higher version (the same version again changes nothing).
 */
import type { BootstrapCounts, BootstrapMemberRow } from '../../contract/bootstrap.js';
import { BOOTSTRAP_CHUNK_ROWS, BOOTSTRAP_FORMAT } from '../../contract/bootstrap.js';
import { memberForCaller, type StoredMember } from './pull.js';

export interface BootstrapRequest {
  readonly storeId: string;
  readonly terminalId: string;
  /** Include what this terminal booked itself (as a pull's `own`). */
  readonly own: boolean;
}

/** One consistent read of a store, opened by its adapter; `close` ends the read (always called). */
export interface BootstrapSnapshot {
  readonly cursor: bigint;
  readonly latest: bigint;
  /** Rows each section will yield (counted in the same snapshot). */
  readonly counts: BootstrapCounts;
  /** Every member record, in chunks. */
  members(): AsyncIterable<readonly StoredMember[]>;
  /** Entry rows already as the JSON text of their wire arrays (built by the database), in chunks. */
  rows(section: 'transactions' | 'transfers' | 'events'): AsyncIterable<readonly string[]>;
  close(): Promise<void>;
}

export function memberRow(stored: StoredMember, callerStore: string): BootstrapMemberRow {
  const { member: m, contactWithheld } = memberForCaller(stored, callerStore);
  return [m.id, m.version, m.name, m.phone, m.email, m.birthday, m.marketingConsent, m.enrolledAt, m.enrolledBy, m.qrRef, m.pinHash, m.erasedAt, m.updatedAt, [...m.cards], contactWithheld];
}

/** One turn of the event loop between chunks: the server's other requests (pushes, holds) go on meanwhile. */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The stream's lines (each ending in a newline), reading the snapshot as they are consumed (so a
 * slow terminal holds back the reading, and memory stays at a chunk or two), and closing it at the
 * end or when the consumer stops early.
 */
export async function* bootstrapLines(snapshot: BootstrapSnapshot, request: BootstrapRequest): AsyncGenerator<string> {
  try {
    yield `${JSON.stringify({ bootstrap: BOOTSTRAP_FORMAT, cursor: snapshot.cursor.toString(), latest: snapshot.latest.toString(), counts: snapshot.counts })}\n`;
    const sent = { members: 0, transactions: 0, transfers: 0, events: 0 };
    for await (const chunk of snapshot.members()) {
      if (chunk.length === 0) continue;
      sent.members += chunk.length;
      yield `${JSON.stringify({ members: chunk.map((m) => memberRow(m, request.storeId)) })}\n`;
      await breathe();
    }
    for (const section of ['transactions', 'transfers', 'events'] as const) {
      for await (const chunk of snapshot.rows(section)) {
        if (chunk.length === 0) continue;
        sent[section] += chunk.length;
        yield `{"${section}":[${chunk.join(',')}]}\n`;
        await breathe();
      }
    }
    yield `${JSON.stringify({ end: true, counts: sent })}\n`;
  } finally {
    await snapshot.close();
  }
}

/** Chunks of at most BOOTSTRAP_CHUNK_ROWS from a synchronous row iterator (SQLite). */
export function* chunked<T>(rows: Iterator<T>, size = BOOTSTRAP_CHUNK_ROWS): Generator<T[]> {
  for (;;) {
    const chunk: T[] = [];
    for (let next = rows.next(); ; next = rows.next()) {
      if (next.done) {
        if (chunk.length > 0) yield chunk;
        return;
      }
      chunk.push(next.value);
      if (chunk.length >= size) break;
    }
    yield chunk;
  }
}

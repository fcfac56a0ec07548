/**
 * Pulling: pages of what other counters booked (src/contract/pull.ts), each applied to the ledger
 * in one transaction together with the cursor that follows it, so a crash or a lost answer repeats
 * at most one page and a repeated page changes nothing. Progress is the share of the server's change
 * feed (from where this pull started to the newest stamp the server named) already applied.
 */
import type { Ledger } from '../ledger/ledger.js';
import { applyPulled } from '../ledger/pulled.js';
import type { PullResponse } from '../../contract/pull.js';
import type { SyncClient } from './client.js';
import { bootstrapPull, bootstrapWanted } from './bootstrap.js';
import { isTallyError } from '../../core/errors.js';

export interface PullProgress {
  readonly pages: number;
  readonly entries: number;
  /** 0–100. */
  readonly percent: number;
}

export interface PullReport extends PullProgress {
  readonly members: number;
  readonly transfers: number;
  /** Cards the server gave a member that another member holds here (not taken over; the server raised an alert). */
  readonly cardConflicts: readonly string[];
}

interface PullState {
  readonly cursor: string | null;
  readonly own: boolean;
}

function pullState(ledger: Ledger): PullState {
  const row = ledger.db.prepare('SELECT pull_cursor, repull_own FROM sync_state WHERE singleton = 1').get() as { pull_cursor: string | null; repull_own: number } | undefined;
  return { cursor: row?.pull_cursor ?? null, own: row?.repull_own === 1 };
}

export async function pullChanges(
  ledger: Ledger,
  client: SyncClient,
  options: {
    readonly now: () => number;
    readonly limit?: number;
    readonly onProgress?: (progress: PullProgress) => void;
    /** False: pages even for an empty ledger (no bootstrap stream). */
    readonly bootstrap?: boolean;
  },
): Promise<PullReport> {
  let pages = 0;
  let entries = 0;
  let members = 0;
  let transfers = 0;
  const cardConflicts: string[] = [];
  let bootstrapped = false;
  // An empty ledger that never pulled loads the chain as one stream first, then pages from where it ended.
  if (options.bootstrap !== false && bootstrapWanted(ledger)) {
    const loaded = await bootstrapPull(ledger, client, { now: options.now, own: pullState(ledger).own, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    pages += loaded.chunks;
    entries += loaded.entries;
    members += loaded.members;
    transfers += loaded.transfers;
    cardConflicts.push(...loaded.cardConflicts);
    bootstrapped = true;
  }
  const start = pullState(ledger);
  const startStamp = BigInt(start.cursor ?? '0');
  let percent: number;
  const query = (state: PullState): Promise<PullResponse> => client.pull({ cursor: state.cursor, own: state.own, ...(options.limit !== undefined ? { limit: options.limit } : {}) });
  // After a bootstrap the link sat idle through the load (minutes for a chain): the server may have
  // closed the kept-alive connection as the first page is asked on it. That one ask is repeated once.
  let retryFirst = bootstrapped;
  const ask = (state: PullState): Promise<PullResponse> => {
    const retry = retryFirst;
    retryFirst = false;
    const answer = query(state).catch((error: unknown) => {
      if (retry && isTallyError(error) && error.details?.['retryable'] === true) return query(state);
      throw error;
    });
    // Awaited below unless applying the page before it fails; then its failure is of no interest.
    answer.catch(() => undefined);
    return answer;
  };
  let next = ask(start);
  for (;;) {
    const page = await next;
    // The next page is asked for before this one is applied, from the cursor this one leaves
    // behind: the server reads and sends it while this terminal writes (a first pull of a chain is
    // millions of rows). A page that fails to apply stops the pull; the page asked for is dropped.
    if (page.more) next = ask({ cursor: page.cursor, own: start.own });
    const now = options.now();
    const applied = ledger.transaction(() => {
      const counts = applyPulled(ledger.db, page, now);
      ledger.db
        .prepare(
          `UPDATE sync_state SET pull_cursor = @cursor, pulled_at = @now, repull_own = CASE WHEN @done THEN 0 ELSE repull_own END,
             pull_complete_at = CASE WHEN @done THEN @now ELSE pull_complete_at END WHERE singleton = 1`,
        )
        .run({ cursor: page.cursor, now, done: page.more ? 0 : 1 });
      return counts;
    });
    pages += 1;
    entries += page.members.length + page.transactions.length + page.transfers.length + page.events.length;
    members += applied.members;
    transfers += applied.transfers;
    cardConflicts.push(...applied.cardConflicts);
    const span = BigInt(page.latest) - startStamp;
    percent = !page.more || span <= 0n ? 100 : Math.min(99, Number(((BigInt(page.cursor) - startStamp) * 100n) / span));
    // After a bootstrap (whose progress went up to 99) only the end is shown: the pages since would start again from 0.
    if (!bootstrapped || percent === 100) options.onProgress?.({ pages, entries, percent });
    if (!page.more) break;
  }
  return { pages, entries, percent, members, transfers, cardConflicts };
}

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
  options: { readonly now: () => number; readonly limit?: number; readonly onProgress?: (progress: PullProgress) => void },
): Promise<PullReport> {
  const start = pullState(ledger);
  const startStamp = BigInt(start.cursor ?? '0');
  let pages = 0;
  let entries = 0;
  let members = 0;
  let transfers = 0;
  const cardConflicts: string[] = [];
  let percent: number;
  const ask = (state: PullState): Promise<PullResponse> => {
    const answer = client.pull({ cursor: state.cursor, own: state.own, ...(options.limit !== undefined ? { limit: options.limit } : {}) });
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
    options.onProgress?.({ pages, entries, percent });
    if (!page.more) break;
  }
  return { pages, entries, percent, members, transfers, cardConflicts };
}

/**
 * A new terminal's first pull as one stream (src/contract/bootstrap.ts) instead of pages: asked for
 * only while the ledger holds no member and no entry and has never pulled, loaded in one
 * transaction (Ledger.bulkLoad) together with the cursor the stream ends at, after which the paged
 * pull continues from that cursor. A stream that breaks off, fails a check, or a process that dies
 * meanwhile leaves the ledger as empty as it was (and without a cursor): the next sync starts over.
 */
import {
  BOOTSTRAP_FORMAT,
  BOOTSTRAP_SECTIONS,
  bootstrapEndSchema,
  bootstrapHeaderSchema,
  bootstrapRowProblem,
  type BootstrapCounts,
  type BootstrapEventRow,
  type BootstrapHeader,
  type BootstrapMemberRow,
  type BootstrapSection,
  type BootstrapTransactionRow,
  type BootstrapTransferRow,
} from '../../contract/bootstrap.js';
import { TallyError } from '../../core/errors.js';
import { BootstrapLoader } from '../ledger/bootstrap.js';
import { isSqliteError } from '../ledger/sqlite.js';
import type { Ledger } from '../ledger/ledger.js';
import type { SyncClient } from './client.js';
import type { PullProgress } from './pull.js';

export interface BootstrapReport {
  readonly cursor: string;
  /** Chunk lines loaded. */
  readonly chunks: number;
  /** Rows the server sent (members and entries). */
  readonly entries: number;
  readonly members: number;
  readonly transfers: number;
  readonly cardConflicts: readonly string[];
}

/** True when the ledger has never pulled and holds no member and no entry (a bootstrap is for such a ledger only). */
export function bootstrapWanted(ledger: Ledger): boolean {
  return (
    ledger.db
      .prepare(
        `SELECT (SELECT pull_cursor IS NULL FROM sync_state WHERE singleton = 1)
           AND NOT EXISTS (SELECT 1 FROM members) AND NOT EXISTS (SELECT 1 FROM transactions)
           AND NOT EXISTS (SELECT 1 FROM transfers) AND NOT EXISTS (SELECT 1 FROM events)`,
      )
      .pluck()
      .get() === 1
  );
}

const broken = (what: string): TallyError =>
  new TallyError('io-error', `The server's first-sync stream is not what this Tally expects (${what}): nothing of it was loaded; update Tally or the server`);

function parseLine(line: string, index: number): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw broken(`line ${index + 1} is not JSON`);
  }
}

/** A row the ledger's constraints refuse (a duplicate, a value out of range) is the server's fault: a typed error, nothing loaded. */
function refusedByLedger(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (isSqliteError(error) && error.code.startsWith('SQLITE_CONSTRAINT')) {
      throw new TallyError('database-corrupt', `The server's first sync holds a row this ledger refuses (${error.message}): nothing of it was loaded; sync again, and tell support if it repeats`);
    }
    throw error;
  }
}

/**
 * The header, or what to update: a stream of another format (src/contract/bootstrap.ts) is refused
 * by its number before anything else is read, so old and new never meet half-way.
 */
function headerOf(value: unknown): BootstrapHeader {
  const format = typeof value === 'object' && value !== null ? (value as { bootstrap?: unknown }).bootstrap : undefined;
  if (typeof format === 'number' && format !== BOOTSTRAP_FORMAT) {
    const update = format > BOOTSTRAP_FORMAT ? 'update this Tally' : 'update the server';
    throw new TallyError('io-error', `The server sends its first-sync stream in format ${format}; this Tally reads format ${BOOTSTRAP_FORMAT}: nothing was loaded; ${update}, or sync with \`tally sync --paged\` meanwhile`);
  }
  const header = bootstrapHeaderSchema.safeParse(value);
  if (!header.success) throw broken(`the first line is not its header: ${header.error.issues[0]?.message ?? 'invalid'}`);
  return header.data;
}

const sum = (c: BootstrapCounts): number => c.members + c.transactions + c.transfers + c.events;

/**
 * Downloads and loads the bootstrap, committing it with its cursor. `onProgress` gets the share of
 * the rows the header announced that are loaded (up to 99 until the commit).
 */
export async function bootstrapPull(
  ledger: Ledger,
  client: SyncClient,
  options: { readonly now: () => number; readonly own: boolean; readonly onProgress?: (progress: PullProgress) => void },
): Promise<BootstrapReport> {
  const lines = await client.bootstrap({ own: options.own });
  try {
    const first = await lines.next();
    if (first.done === true) throw broken('it is empty');
    const { cursor, counts } = headerOf(parseLine(first.value, 0));
    const total = sum(counts);
    const now = options.now();
    return await ledger.bulkLoad(async () => {
      const loader = new BootstrapLoader(ledger.db, now);
      const received: Record<BootstrapSection, number> = { members: 0, transactions: 0, transfers: 0, events: 0 };
      let chunks = 0;
      let ended = false;
      let index = 0;
      for await (const line of lines) {
        index += 1;
        if (ended) throw broken(`line ${index + 1} follows the end line`);
        const value = parseLine(line, index);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw broken(`line ${index + 1} is not an object`);
        const keys = Object.keys(value);
        if (keys.includes('end')) {
          const end = bootstrapEndSchema.safeParse(value);
          if (!end.success) throw broken(`its end line: ${end.error.issues[0]?.message ?? 'invalid'}`);
          for (const section of BOOTSTRAP_SECTIONS) {
            if (end.data.counts[section] !== counts[section] || received[section] !== counts[section]) {
              throw broken(`${received[section]} ${section} received, the header announced ${counts[section]}, the end line counts ${end.data.counts[section]}`);
            }
          }
          ended = true;
          continue;
        }
        const section = keys[0] as BootstrapSection;
        if (keys.length !== 1 || !BOOTSTRAP_SECTIONS.includes(section)) throw broken(`line ${index + 1} is not a chunk of members, transactions, transfers or events`);
        const rows = (value as Record<string, unknown>)[section];
        if (!Array.isArray(rows)) throw broken(`line ${index + 1}: ${section} is not an array`);
        for (let i = 0; i < rows.length; i += 1) {
          const problem = bootstrapRowProblem(section, rows[i]);
          if (problem !== null) throw broken(`line ${index + 1}, ${section} row ${i + 1}: ${problem}`);
        }
        // Checked above, row by row, against the section's shape.
        refusedByLedger(() => {
          switch (section) {
            case 'members':
              loader.members(rows as BootstrapMemberRow[]);
              break;
            case 'transactions':
              loader.transactions(rows as BootstrapTransactionRow[]);
              break;
            case 'transfers':
              loader.transfers(rows as BootstrapTransferRow[]);
              break;
            case 'events':
              loader.events(rows as BootstrapEventRow[]);
              break;
          }
        });
        received[section] += rows.length;
        chunks += 1;
        const done = sum(received);
        if (done > total) throw broken(`more rows than the ${total} its header announced`);
        options.onProgress?.({ pages: chunks, entries: done, percent: total === 0 ? 99 : Math.min(99, Math.floor((done * 100) / total)) });
      }
      if (!ended) throw new TallyError('io-error', "The server (or the link) broke off the first sync's stream before its end line: nothing was lost, and nothing of the download was loaded; sync again", { retryable: true });
      refusedByLedger(() => loader.finish());
      ledger.db.prepare('UPDATE sync_state SET pull_cursor = ?, pulled_at = ? WHERE singleton = 1').run(cursor, now);
      return { cursor, chunks, entries: sum(received), members: loader.counts.members, transfers: loader.counts.transfers, cardConflicts: loader.counts.cardConflicts };
    });
  } finally {
    // Ends the download if the load stopped early (a refusal, a failed check).
    await lines.return(undefined);
  }
}

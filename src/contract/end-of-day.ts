/**
 * End of day and a sync on demand, as the manager screen asks for them (`end-of-day`, `sync-run`)
 * and `tally eod` / `tally sync` do them: one outcome shape for the CLI's JSON and the screens, so
 * the two cannot drift apart. The work itself is src/terminal/sync/eod.ts and sync.ts.
 */
import { z } from 'zod';
import { dayKeySchema, type DayMismatch, type DayReport } from './day-report.js';
import type { SyncState } from './messages.js';

export const endOfDayArgs = z.strictObject({
  /** YYYY-MM-DD in the store's time zone; default: today. */
  day: dayKeySchema.optional(),
  /** Queue the report's slip on the receipt printer when the terminal has one (default: yes). */
  print: z.boolean().default(true),
});

export type EodProblemCode = 'offline' | 'sync-failed' | 'unsynced' | 'conflicts' | 'verify' | 'server-report' | 'mismatch' | 'backup';

export interface EodProblem {
  readonly code: EodProblemCode;
  readonly en: string;
  readonly ko: string;
}

/**
 * - `confirmed`: synced, checked, and the server's figures are the terminal's;
 * - `local-only`: not enrolled with a server; checked; the figures are the terminal's alone;
 * - `not-confirmed`: anything else (see `problems`).
 */
export type EodStatus = 'confirmed' | 'local-only' | 'not-confirmed';

export interface EodOutcome {
  readonly day: string;
  readonly status: EodStatus;
  /** Confirmed, or local-only with the ledger check passed: the backup was written. */
  readonly clean: boolean;
  readonly enrolled: boolean;
  /** What the sync did (null when not enrolled, or when it failed: see `problems`). */
  readonly sync: { readonly acknowledged: number; readonly remaining: number; readonly conflicts: number } | null;
  readonly verify: { readonly ok: boolean; readonly problems: readonly string[] };
  /** This terminal's figures, from its ledger. */
  readonly terminal: DayReport;
  /** The server's figures for this terminal and day; null when it could not be asked. */
  readonly server: DayReport | null;
  readonly mismatches: readonly DayMismatch[];
  readonly problems: readonly EodProblem[];
  /** The backup written after a clean end of day (absolute path), or null. */
  readonly backup: string | null;
}

/** What `end-of-day` answers: the outcome, and the slip queued on the receipt printer (null: none configured, or not asked). */
export interface EndOfDayResult extends EodOutcome {
  readonly slip: { readonly job: number; readonly printerId: string } | null;
}

/** What `sync-run` answers: what the push and the pull did (the progress came as `sync-state` pushes). */
export interface SyncRunResult {
  readonly acknowledged: number;
  readonly remaining: number;
  readonly conflicts: number;
  readonly pulledMembers: number;
  readonly pulledTransfers: number;
  /** The host's sync state after the run (the same as the `sync-state` push that followed it); null outside a host. */
  readonly state: SyncState | null;
}

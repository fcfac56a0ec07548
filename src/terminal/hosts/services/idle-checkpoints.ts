/**
 * Idle WAL checkpoints. The ledger's connection never checkpoints inside a commit (database.ts turns
 * the automatic one down, so no checkout pays for one), so the host does it when the counter is
 * quiet: once no request has run for `idleMs` (30 s by default), a PASSIVE checkpoint copies the
 * WAL into the main file without waiting for anyone; when the WAL file has grown past
 * `truncateAboveBytes`, a TRUNCATE then empties it, giving up at once (to try again next time) if
 * another process is reading. Every checkpoint runs in the handler map's queue: never during a
 * request, and a request that arrives meanwhile waits its turn (milliseconds) instead of failing.
 * While the counter stays quiet it is repeated every `idleMs` (what sync, the print worker and other
 * processes wrote meanwhile).
 */
import { statSync } from 'node:fs';
import { isTallyError } from '../../../core/errors.js';
import { environmentError } from '../../ledger/environment-errors.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { HandlerMap } from '../handlers.js';
import type { Service } from './service.js';

export interface IdleCheckpointOptions {
  /** Quiet time before a checkpoint (default 30 s). */
  readonly idleMs?: number;
  /** A WAL file larger than this after the PASSIVE checkpoint is truncated (default 4 MiB). */
  readonly truncateAboveBytes?: number;
  /** Timers (tests drive them); default the real ones. */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
  /** Told after each checkpoint (tests, and a support screen later). */
  readonly onCheckpoint?: (outcome: CheckpointOutcome) => void;
}

export interface CheckpointOutcome {
  /** Frames in the WAL, and how many of them are now in the main file. */
  readonly walPages: number;
  readonly checkpointed: number;
  /** The WAL file's size before and after. */
  readonly walBytesBefore: number;
  readonly walBytesAfter: number;
  readonly truncated: boolean;
}

export const DEFAULT_IDLE_MS = 30_000;
const DEFAULT_TRUNCATE_ABOVE = 4 * 1024 * 1024;

function walBytes(ledger: Ledger): number {
  return statSync(`${ledger.path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
}

/** One idle checkpoint: PASSIVE, then TRUNCATE without waiting when the WAL file is large. */
export function checkpointWhenIdle(ledger: Ledger, truncateAboveBytes: number): CheckpointOutcome {
  const walBytesBefore = walBytes(ledger);
  const passive = ledger.checkpoint('passive');
  let truncated = false;
  if (!passive.busy && passive.checkpointed === passive.walPages && walBytes(ledger) > truncateAboveBytes) {
    truncated = !ledger.checkpoint('truncate', { waitMs: 0 }).busy;
  }
  return { walPages: passive.walPages, checkpointed: passive.checkpointed, walBytesBefore, walBytesAfter: walBytes(ledger), truncated };
}

export function idleCheckpointService(ledger: Ledger, handlers: HandlerMap, log: (line: string) => void, options: IdleCheckpointOptions = {}): Service {
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const truncateAbove = options.truncateAboveBytes ?? DEFAULT_TRUNCATE_ABOVE;
  const setTimer = options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms).unref());
  const clearTimer = options.clearTimer ?? ((handle: unknown) => clearTimeout(handle as NodeJS.Timeout));
  return () => {
    let timer: unknown = null;
    let stopped = false;
    let running: Promise<void> | null = null;
    const arm = (): void => {
      if (timer !== null) clearTimer(timer);
      timer = stopped ? null : setTimer(tick, idleMs);
    };
    const tick = (): void => {
      timer = null;
      // A request still running: its end re-arms the timer.
      if (stopped || handlers.pending > 0 || running !== null) return;
      running = handlers
        .exclusive(() => checkpointWhenIdle(ledger, truncateAbove))
        .then((outcome) => options.onCheckpoint?.(outcome))
        .catch((error: unknown) => {
          if (stopped) return;
          const refusal = isTallyError(error) ? error : environmentError(error, ledger.path);
          if (refusal) log(`tally host: idle checkpoint skipped: ${refusal.message}`);
          else log(`tally host: idle checkpoint failed (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        })
        .finally(() => {
          running = null;
          if (timer === null) arm();
        });
    };
    // Every request starting or ending restarts the quiet time.
    const unsubscribe = handlers.onActivity(arm);
    arm();
    return async () => {
      stopped = true;
      unsubscribe();
      if (timer !== null) clearTimer(timer);
      timer = null;
      await running;
    };
  };
}

/**
 * The print worker as a host service: the printers' owner while the host runs, so a command's slip
 * prints without `tally print run` (kept and retried while its printer is offline or out of paper).
 * What it learns of each printer goes to `onSeen` (the host pushes `printer-state` from it).
 */
import { isTallyError } from '../../../core/errors.js';
import { environmentError } from '../../ledger/environment-errors.js';
import { sleepUnlessAborted, type PrinterSeen } from '../../printing/print-worker.js';
import type { Printing } from '../../printing/printing.js';
import type { Service } from './service.js';

export interface PrintServiceOptions {
  /** How often the queue is looked at while nothing is due (default 500 ms). */
  readonly pollMs?: number;
  /** A printer with nothing to print is asked for its status this often (default 15 s). */
  readonly idleProbeMs?: number;
}

/** After a stop, the worker starts again after this long, doubling per stop in a row up to the maximum. */
const RESTART_MS = 1_000;
const MAX_RESTART_MS = 60_000;
/** A run that lasted this long was healthy: the next stop waits RESTART_MS again. */
const HEALTHY_RUN_MS = 60_000;

export function printWorkerService(printing: Printing, ledgerPath: string, log: (line: string) => void, onSeen: (printerId: string, seen: PrinterSeen) => void, options: PrintServiceOptions = {}): Service {
  return () => {
    const stop = new AbortController();
    const runOnce = (): Promise<void> =>
      printing.worker.run(stop.signal, { holder: 'tally host', onSeen, ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}), ...(options.idleProbeMs !== undefined ? { idleProbeMs: options.idleProbeMs } : {}) });
    // A host runs for months: a moment of trouble (the ledger busy beyond its timeout under another
    // process's write, a disk briefly full) must pause printing, never end it until a restart.
    const run = (async () => {
      let delay = RESTART_MS;
      while (!stop.signal.aborted) {
        const started = Date.now();
        try {
          await runOnce();
          return;
        } catch (error) {
          if (stop.signal.aborted) return;
          if (Date.now() - started >= HEALTHY_RUN_MS) delay = RESTART_MS;
          // A fault of the machine is one line; only a bug gets its stack.
          const refusal = isTallyError(error) ? error : environmentError(error, ledgerPath);
          if (refusal) log(`tally host: printing paused: ${refusal.message}; slips stay queued, trying again in ${Math.round(delay / 1000)} s`);
          else log(`tally host: the print worker stopped (please report it), trying again in ${Math.round(delay / 1000)} s: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          await sleepUnlessAborted(delay, stop.signal);
          delay = Math.min(MAX_RESTART_MS, delay * 2);
        }
      }
    })();
    // The slip being sent finishes or stays queued for the next start (the worker stops between jobs).
    return async () => {
      stop.abort();
      await run;
    };
  };
}

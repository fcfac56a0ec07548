/**
 * The print worker as a host service: the printers' owner while the host runs, so a command's slip
 * prints without `tally print run` (kept and retried while its printer is offline or out of paper).
 * What it learns of each printer goes to `onSeen` (the host pushes `printer-state` from it).
 */
import { isTallyError } from '../../../core/errors.js';
import { environmentError } from '../../ledger/environment-errors.js';
import type { PrinterSeen } from '../../printing/print-worker.js';
import type { Printing } from '../../printing/printing.js';
import type { Service } from './service.js';

export interface PrintServiceOptions {
  /** How often the queue is looked at while nothing is due (default 500 ms). */
  readonly pollMs?: number;
  /** A printer with nothing to print is asked for its status this often (default 15 s). */
  readonly idleProbeMs?: number;
}

export function printWorkerService(printing: Printing, ledgerPath: string, log: (line: string) => void, onSeen: (printerId: string, seen: PrinterSeen) => void, options: PrintServiceOptions = {}): Service {
  return () => {
    const stop = new AbortController();
    const run = printing.worker
      .run(stop.signal, { holder: 'tally host', onSeen, ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}), ...(options.idleProbeMs !== undefined ? { idleProbeMs: options.idleProbeMs } : {}) })
      .catch((error: unknown) => {
        // A fault of the machine (disk full, the ledger busy) is one line; only a bug gets its stack.
        const refusal = isTallyError(error) ? error : environmentError(error, ledgerPath);
        if (refusal) log(`tally host: printing stopped: ${refusal.message}; slips stay queued (tally print run, or restart the host)`);
        else log(`tally host: the print worker stopped (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      });
    // The slip being sent finishes or stays queued for the next start (the worker stops between jobs).
    return async () => {
      stop.abort();
      await run;
    };
  };
}

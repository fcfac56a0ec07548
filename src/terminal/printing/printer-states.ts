/**
 * Each printer as the terminal host's print worker last found it, for the screens: what the worker
 * learnt (PrinterSeen) becomes a contract `printer-state` with the number of slips waiting for it,
 * and is reported only when it differs from what was reported last, so a screen is told about a
 * change once and a printer that stays ready costs nothing.
 */
import type { PrinterState } from '../../contract/messages.js';
import { describeStatus, type PrinterStatus } from '../../core/escpos/status.js';
import type { PrintQueue } from './print-queue.js';
import type { PrinterSeen } from './print-worker.js';
import type { PrinterRegistry } from './printers.js';

type Condition = Pick<PrinterState, 'state' | 'message'>;

function fromStatus(status: PrinterStatus): Condition {
  const message = describeStatus(status).en;
  // In the order describeStatus gives them: what stops printing first, then what only warns.
  if (status.coverOpen) return { state: 'cover-open', message };
  if (status.paper === 'out') return { state: 'out-of-paper', message };
  if (status.error || status.cutterError) return { state: 'error', message };
  if (!status.online) return { state: 'offline', message };
  if (status.paper === 'near-end') return { state: 'paper-low', message };
  return { state: 'ready', message: null };
}

/** The condition a worker's observation means. */
export function printerCondition(seen: PrinterSeen): Condition {
  switch (seen.kind) {
    case 'status':
      return fromStatus(seen.status);
    case 'accepted':
      return { state: 'ready', message: null };
    case 'unreachable':
      return { state: 'offline', message: seen.error.message };
    case 'held':
      return { state: 'unknown', message: `printed by ${seen.holder}` };
  }
}

export class PrinterStates {
  private readonly current = new Map<string, Condition>();
  private readonly reported = new Map<string, string>();

  constructor(
    private readonly printers: PrinterRegistry,
    private readonly queue: PrintQueue,
    private readonly report: (state: PrinterState) => void,
  ) {}

  /** What the worker learnt of a printer: reported if it changes the printer's state. */
  seen(printerId: string, seen: PrinterSeen): void {
    this.current.set(printerId, printerCondition(seen));
    this.reportIfChanged(this.stateOf(printerId));
  }

  /** Re-reads the slips waiting for every printer (a command queued one): reports those that changed. */
  refresh(): void {
    for (const state of this.list()) this.reportIfChanged(state);
  }

  /** Every enabled printer's state now (`unknown` for one the worker has not reached yet). */
  list(): PrinterState[] {
    return this.printers
      .list()
      .filter((p) => p.enabled)
      .map((p) => this.stateOf(p.id));
  }

  private stateOf(printerId: string): PrinterState {
    const condition = this.current.get(printerId) ?? { state: 'unknown', message: null };
    return { printer: printerId, ...condition, waiting: this.queue.openCount(printerId) };
  }

  private reportIfChanged(state: PrinterState): void {
    const key = JSON.stringify(state);
    if (this.reported.get(state.printer) === key) return;
    this.reported.set(state.printer, key);
    this.report(state);
  }
}

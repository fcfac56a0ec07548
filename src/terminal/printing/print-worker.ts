/**
 * Works the print queue: for each printer, the oldest open job is checked against the printer's
 * real-time status, rendered for the printer's profile, written, and marked printed. A printer
 * that is offline, out of paper or open makes its job wait (and every job behind it), retried
 * with backoff; nothing is dropped. The counter never waits for this: it runs after the commit.
 */
import { canPrint, describeStatus } from '../../core/escpos/status.js';
import type { Program } from '../../core/program/schema.js';
import type { SlipData } from '../../core/receipt/slip.js';
import type { Instant } from '../../core/time.js';
import type { PrinterConfig, PrinterRegistry } from './printers.js';
import type { PrintJob, PrintQueue } from './print-queue.js';
import { PrinterError, type PrinterTransport } from './types.js';

export interface PrintWorkerDeps {
  readonly queue: PrintQueue;
  readonly printers: PrinterRegistry;
  readonly program: () => Program;
  readonly timeZone: string;
  /** Opens (or reuses) the transport for a printer. */
  readonly transportFor: (printer: PrinterConfig) => PrinterTransport;
  /** The bytes of a slip for a printer (template, language, profile, encoder). */
  readonly render: (slip: SlipData, printer: PrinterConfig, options: { readonly reprint: boolean }) => Uint8Array;
  readonly clock?: () => Instant;
  /** Delay before the n-th retry of a job (default 1 s, doubling, at most 30 s). */
  readonly retryDelay?: (attempt: number) => number;
}

export type PrintOutcome =
  | { readonly kind: 'printed'; readonly job: PrintJob }
  | { readonly kind: 'waiting'; readonly job: PrintJob; readonly reason: string; readonly retryAt: Instant }
  | { readonly kind: 'idle' };

const defaultRetryDelay = (attempt: number): number => Math.min(30_000, 1_000 * 2 ** Math.max(0, attempt - 1));

export class PrintWorker {
  private readonly clock: () => Instant;
  private readonly retryDelay: (attempt: number) => number;
  private readonly failures = new Map<number, number>();

  constructor(private readonly deps: PrintWorkerDeps) {
    this.clock = deps.clock ?? Date.now;
    this.retryDelay = deps.retryDelay ?? defaultRetryDelay;
  }

  private waiting(job: PrintJob, reason: string): PrintOutcome {
    const now = this.clock();
    const failures = (this.failures.get(job.id) ?? 0) + 1;
    this.failures.set(job.id, failures);
    const retryAt = now + this.retryDelay(failures);
    this.deps.queue.defer(job.id, reason, retryAt, now);
    return { kind: 'waiting', job: this.deps.queue.job(job.id)!, reason, retryAt };
  }

  /** Tries the printer's next job once (even if its retry time has not come: the caller decides when). */
  async printNext(printer: PrinterConfig): Promise<PrintOutcome> {
    const job = this.deps.queue.head(printer.id);
    if (!job) return { kind: 'idle' };
    const transport = this.deps.transportFor(printer);
    const timeout = printer.transport.timeoutMs;
    try {
      const before = await transport.status(timeout);
      if (before && !canPrint(before)) return this.waiting(job, describeStatus(before).en);
      const bytes = this.deps.render(job.slip, printer, { reprint: job.kind === 'reprint' });
      this.deps.queue.markPrinting(job.id, this.clock());
      await transport.write(bytes, timeout);
      // The OS takes a whole slip at once, so a printer that dropped the connection (or ran out
      // of paper, or was opened) during it shows only in the status after: then it prints again.
      const after = await transport.status(timeout);
      if (after && !canPrint(after)) return this.waiting(job, `${describeStatus(after).en} (the slip prints again)`);
      // Marked at once: the window in which a crash reprints a slip is this one statement.
      this.deps.queue.markPrinted(job.id, this.clock());
      this.failures.delete(job.id);
      return { kind: 'printed', job: this.deps.queue.job(job.id)! };
    } catch (error) {
      if (error instanceof PrinterError) return this.waiting(job, error.status ? describeStatus(error.status).en : error.message);
      throw error;
    }
  }

  /**
   * Prints what it can now, printer by printer, until every queue is empty or waiting, or the
   * deadline passes. A CLI command calls this after its commit (trying each printer once now,
   * whatever the retry times: a command is a person asking); a host runs it in a loop.
   */
  async drain(options: { readonly deadline?: number; readonly ignoreRetryTimes?: boolean } = {}): Promise<{ readonly printed: number; readonly waiting: readonly { printerId: string; reason: string }[] }> {
    let printed = 0;
    const waiting: { printerId: string; reason: string }[] = [];
    for (const printer of this.deps.printers.list().filter((p) => p.enabled)) {
      for (;;) {
        if (options.deadline !== undefined && Date.now() > options.deadline) break;
        const head = this.deps.queue.head(printer.id);
        if (!head) break;
        if (!options.ignoreRetryTimes && head.nextAttemptAt > this.clock()) {
          waiting.push({ printerId: printer.id, reason: head.lastError ?? 'waiting to retry' });
          break;
        }
        const outcome = await this.printNext(printer);
        if (outcome.kind === 'printed') printed += 1;
        else {
          if (outcome.kind === 'waiting') waiting.push({ printerId: printer.id, reason: outcome.reason });
          break;
        }
      }
    }
    return { printed, waiting };
  }

  /** Runs until `signal` aborts: drains, then sleeps until the next job is due (at most `pollMs`). */
  async run(signal: AbortSignal, pollMs = 500): Promise<void> {
    this.deps.queue.recoverInterrupted(this.clock());
    while (!signal.aborted) {
      await this.drain();
      const heads = this.deps.printers
        .list()
        .filter((p) => p.enabled)
        .map((p) => this.deps.queue.head(p.id))
        .filter((j): j is PrintJob => j !== undefined);
      const nextDue = Math.min(...heads.map((j) => j.nextAttemptAt), this.clock() + pollMs);
      const wait = Math.max(10, Math.min(pollMs, nextDue - this.clock()));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  }
}

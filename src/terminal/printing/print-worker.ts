/**
 * Works the print queue: for each printer, the oldest open job is checked against the printer's
 * real-time status, rendered for the printer's profile, written, and marked printed. A printer
 * that is offline, out of paper or open makes its job wait (and every job behind it), retried
 * with backoff; nothing is dropped. The counter never waits for this: it runs after the commit.
 *
 * A worker prints a printer only while it holds the printer's lease (print-leases.ts): `run` (print
 * run --watch, the host) holds every enabled printer for as long as it runs, renewing the leases
 * with a heartbeat; `drain` (a CLI command after its commit, `print run`) takes a printer for the
 * attempt and gives it back. A printer another process holds is left to it: two workers never
 * print the same queue.
 */
import { randomUUID } from 'node:crypto';
import { canPrint, describeStatus } from '../../core/escpos/status.js';
import type { Program } from '../../core/program/schema.js';
import type { SlipData } from '../../core/receipt/slip.js';
import type { Instant } from '../../core/time.js';
import { LEASE_RENEW_MS, type LeaseHolder, type LeaseKind, type LeaseOwner, type PrintLeases } from './print-leases.js';
import type { PrinterConfig, PrinterRegistry } from './printers.js';
import type { PrintJob, PrintQueue } from './print-queue.js';
import type { PrinterStatus } from '../../core/escpos/status.js';
import { PrinterError, type PrinterTransport } from './types.js';

export interface PrintWorkerDeps {
  readonly queue: PrintQueue;
  readonly printers: PrinterRegistry;
  readonly leases: PrintLeases;
  readonly program: () => Program;
  readonly timeZone: string;
  /** Opens (or reuses) the transport for a printer. */
  readonly transportFor: (printer: PrinterConfig) => PrinterTransport;
  /** The bytes of a slip for a printer (template, language, profile, encoder). */
  readonly render: (slip: SlipData, printer: PrinterConfig, options: { readonly reprint: boolean }) => Uint8Array;
  /** The booking clock (job times, retry times); `--now` may set it. */
  readonly clock?: () => Instant;
  /** Delay before the n-th retry of a job (default 1 s, doubling, at most 30 s). */
  readonly retryDelay?: (attempt: number) => number;
  /** What this worker is, as other processes are told ("tally print run --watch"); the pid is added. */
  readonly holder?: string;
  /** How often a held lease is renewed (LEASE_RENEW_MS; tests make it short). */
  readonly renewEveryMs?: number;
}

/**
 * What the worker learnt about a printer while it ran: its real-time status, that a printer which
 * cannot report one took a job, that it could not be reached (the error says how), or that another
 * process holds it (and prints its queue). The host turns these into `printer-state` pushes.
 */
export type PrinterSeen =
  | { readonly kind: 'status'; readonly status: PrinterStatus }
  | { readonly kind: 'accepted' }
  | { readonly kind: 'unreachable'; readonly error: PrinterError }
  | { readonly kind: 'held'; readonly holder: string };

export interface RunOptions {
  readonly pollMs?: number;
  readonly holder?: string;
  /** Told what the worker learns of each printer, after the queue was updated from it. */
  readonly onSeen?: (printerId: string, seen: PrinterSeen) => void;
  /**
   * With `onSeen`: a held printer with nothing to print is asked for its status when nothing was
   * learnt of it for this long (default 15 s), so a screen shows "out of paper" before the next
   * checkout rather than after it.
   */
  readonly idleProbeMs?: number;
}

export type PrintOutcome =
  | { readonly kind: 'printed'; readonly job: PrintJob }
  | { readonly kind: 'waiting'; readonly job: PrintJob; readonly reason: string; readonly retryAt: Instant }
  | { readonly kind: 'idle' }
  /** Another process holds the printer: it prints the queue. */
  | { readonly kind: 'left'; readonly heldBy: LeaseHolder };

export interface DrainOutcome {
  readonly printed: number;
  readonly waiting: readonly { printerId: string; reason: string }[];
  /** Printers another process holds, whose jobs it prints (only present when there are some). */
  readonly leftTo?: readonly { printerId: string; holder: string; kind: LeaseKind }[];
}

export interface DrainOptions {
  readonly deadline?: number;
  readonly ignoreRetryTimes?: boolean;
  /**
   * A command's attempt: the first status request of each printer (connect included) gets at most
   * this long, instead of the printer's timeout. A printer that answers by then is there, and its
   * job is written with its own timeouts; one that does not keeps the slip queued.
   */
  readonly probeMs?: number;
  /** Keep the leases taken (run does, with its heartbeat); otherwise each printer is given back after its turn. */
  readonly hold?: boolean;
  /**
   * How long to wait for a printer another command holds for its short attempt (it gives it back
   * within moments, possibly without having seen this command's job). A printer a service holds is
   * left to it at once.
   */
  readonly waitForCommandMs?: number;
  /** Stops between jobs once aborted (the host closing): the rest stay queued for the next start. */
  readonly signal?: AbortSignal;
}

const defaultRetryDelay = (attempt: number): number => Math.min(30_000, 1_000 * 2 ** Math.max(0, attempt - 1));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener on `signal` behind either way. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export class PrintWorker {
  private readonly clock: () => Instant;
  private readonly retryDelay: (attempt: number) => number;
  private readonly failures = new Map<number, number>();
  private readonly token = randomUUID();
  private label: string;
  private kind: LeaseKind = 'command';
  /** Printers whose lease this worker holds, with when it last renewed it (real time). */
  private readonly held = new Map<string, number>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private readonly renewEveryMs: number;
  /** Set while `run` runs with an observer: what each printer was last seen doing, and when (real time). */
  private onSeen: ((printerId: string, seen: PrinterSeen) => void) | null = null;
  private readonly seenAt = new Map<string, number>();

  constructor(private readonly deps: PrintWorkerDeps) {
    this.clock = deps.clock ?? Date.now;
    this.retryDelay = deps.retryDelay ?? defaultRetryDelay;
    this.label = deps.holder ?? 'tally';
    this.renewEveryMs = deps.renewEveryMs ?? LEASE_RENEW_MS;
  }

  private get owner(): LeaseOwner {
    return { token: this.token, holder: `${this.label} (pid ${process.pid})`, kind: this.kind, pid: process.pid, host: this.deps.leases.host };
  }

  /** Whether this worker holds the printer now (renewing the lease when a heartbeat is due). */
  private own(printerId: string): { readonly ok: true } | { readonly ok: false; readonly heldBy: LeaseHolder } {
    const renewedAt = this.held.get(printerId);
    if (renewedAt !== undefined) {
      if (Date.now() - renewedAt < this.renewEveryMs) return { ok: true };
      if (this.deps.leases.renew(printerId, this.token)) {
        this.held.set(printerId, Date.now());
        return { ok: true };
      }
      // It lapsed and another worker took it: what this one was printing, that one prints again.
      this.held.delete(printerId);
    }
    const taken = this.deps.leases.take(printerId, this.owner, () => this.deps.queue.recoverInterrupted(printerId, this.clock()));
    if (!taken.ok) return taken;
    this.held.set(printerId, Date.now());
    this.startHeartbeat();
    return { ok: true };
  }

  /** Renews every held lease while a job is being written (a slow serial job outlasts the TTL). */
  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      try {
        for (const printerId of [...this.held.keys()]) {
          if (this.deps.leases.renew(printerId, this.token)) this.held.set(printerId, Date.now());
          else this.held.delete(printerId);
        }
      } catch {
        // The ledger was closed under a worker that was not stopped: nothing is held any more.
        this.held.clear();
      }
      if (this.held.size === 0) this.stopHeartbeat();
    }, this.renewEveryMs);
    // A heartbeat alone never keeps a process alive: a CLI command exits when its work is done.
    this.heartbeat.unref?.();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private release(printerId: string): void {
    this.held.delete(printerId);
    this.deps.leases.release(printerId, this.token);
    if (this.held.size === 0) this.stopHeartbeat();
  }

  /** Gives back every lease this worker holds (run does on its way out; Printing.close too). */
  releaseAll(): void {
    for (const printerId of [...this.held.keys()]) this.release(printerId);
    this.stopHeartbeat();
  }

  private waiting(job: PrintJob, reason: string): PrintOutcome {
    const now = this.clock();
    const failures = (this.failures.get(job.id) ?? 0) + 1;
    this.failures.set(job.id, failures);
    const retryAt = now + this.retryDelay(failures);
    this.deps.queue.defer(job.id, this.token, reason, retryAt, now);
    return { kind: 'waiting', job: this.deps.queue.job(job.id)!, reason, retryAt };
  }

  /**
   * Tries the printer's next job once (even if its retry time has not come: the caller decides
   * when), taking the printer's lease first if this worker does not hold it; 'left' when another
   * process holds it. `probeMs` bounds the first status request (see DrainOptions).
   */
  async printNext(printer: PrinterConfig, options: { readonly probeMs?: number } = {}): Promise<PrintOutcome> {
    for (;;) {
      const owned = this.own(printer.id);
      if (!owned.ok) return { kind: 'left', heldBy: owned.heldBy };
      const job = this.deps.queue.head(printer.id);
      if (!job) return { kind: 'idle' };
      const outcome = await this.printJob(printer, job, options.probeMs);
      // Cancelled while it was being checked: the next one.
      if (outcome !== 'again') return outcome;
    }
  }

  private seen(printerId: string, seen: PrinterSeen): void {
    this.seenAt.set(printerId, Date.now());
    this.onSeen?.(printerId, seen);
  }

  private async printJob(printer: PrinterConfig, job: PrintJob, probeMs: number | undefined): Promise<PrintOutcome | 'again'> {
    const transport = this.deps.transportFor(printer);
    const timeout = printer.transport.timeoutMs;
    // Reported in `finally`, once the job was marked printed or deferred: the slips-waiting count read then is the new one.
    let seen: PrinterSeen | null = null;
    try {
      const before = await transport.status(probeMs === undefined ? timeout : Math.min(probeMs, timeout));
      if (before) seen = { kind: 'status', status: before };
      if (before && !canPrint(before)) return this.waiting(job, describeStatus(before).en);
      const bytes = this.deps.render(job.slip, printer, { reprint: job.kind === 'reprint' });
      // The claim: this job, still the printer's next, by the lease's holder — or nothing is sent.
      if (!this.deps.queue.claim(job.id, this.token, this.clock())) {
        // Cancelled meanwhile (look at the next job), or the lease lapsed and another worker took it.
        if (!this.deps.leases.owns(printer.id, this.token)) this.held.delete(printer.id);
        return 'again';
      }
      await transport.write(bytes, timeout);
      // The OS takes a whole slip at once, so a printer that dropped the connection (or ran out
      // of paper, or was opened) during it shows only in the status after: then it prints again.
      const after = await transport.status(timeout);
      seen = after ? { kind: 'status', status: after } : { kind: 'accepted' };
      if (after && !canPrint(after)) return this.waiting(job, `${describeStatus(after).en} (the slip may be incomplete)`);
      // Marked at once: the window in which a crash reprints a slip is this one statement. False
      // when it was cancelled meanwhile, or this worker lost the lease (the new holder prints it
      // again): either way the job is no longer this worker's to finish.
      this.deps.queue.markPrinted(job.id, this.token, this.clock());
      this.failures.delete(job.id);
      return { kind: 'printed', job: this.deps.queue.job(job.id)! };
    } catch (error) {
      if (error instanceof PrinterError) {
        seen = error.status ? { kind: 'status', status: error.status } : { kind: 'unreachable', error };
        return this.waiting(job, error.status ? describeStatus(error.status).en : error.message);
      }
      throw error;
    } finally {
      if (seen) this.seen(printer.id, seen);
    }
  }

  /**
   * Asks each held printer with nothing to print for its status when nothing was learnt of it for
   * `everyMs`: a printer's paper runs out or its cover opens between checkouts too.
   */
  private async probeIdle(everyMs: number, signal: AbortSignal): Promise<void> {
    for (const printerId of [...this.held.keys()]) {
      if (signal.aborted) return;
      if (Date.now() - (this.seenAt.get(printerId) ?? 0) < everyMs || this.deps.queue.head(printerId)) continue;
      const printer = this.deps.printers.get(printerId);
      if (!printer?.enabled) continue;
      const transport = this.deps.transportFor(printer);
      if (!transport.readsStatus) {
        this.seenAt.set(printerId, Date.now());
        continue;
      }
      try {
        const status = await transport.status(printer.transport.timeoutMs);
        if (status) this.seen(printerId, { kind: 'status', status });
        else this.seenAt.set(printerId, Date.now());
      } catch (error) {
        if (!(error instanceof PrinterError)) throw error;
        this.seen(printerId, error.status ? { kind: 'status', status: error.status } : { kind: 'unreachable', error });
      }
    }
  }

  /** The printer's lease, waiting up to `waitMs` while another command holds it for its short attempt. */
  private async ownOrWait(printerId: string, waitMs: number): Promise<{ readonly ok: true } | { readonly ok: false; readonly heldBy: LeaseHolder }> {
    const until = Date.now() + waitMs;
    for (;;) {
      const owned = this.own(printerId);
      if (owned.ok || owned.heldBy.kind === 'service' || Date.now() >= until) return owned;
      await sleep(Math.min(25, Math.max(1, until - Date.now())));
    }
  }

  /**
   * Prints what it can now, printer by printer, until every queue is empty or waiting, or the
   * deadline passes. A CLI command calls this after its commit (trying each printer with open jobs
   * once now, whatever the retry times: a command is a person asking); a host runs it in a loop.
   */
  async drain(options: DrainOptions = {}): Promise<DrainOutcome> {
    let printed = 0;
    const waiting: { printerId: string; reason: string }[] = [];
    const leftTo: { printerId: string; holder: string; kind: LeaseKind }[] = [];
    const enabled = this.deps.printers.list().filter((p) => p.enabled);
    if (options.hold) {
      // A printer disabled since it was taken is given back.
      for (const printerId of this.held.keys()) if (!enabled.some((p) => p.id === printerId)) this.release(printerId);
    }
    for (const printer of enabled) {
      if (options.signal?.aborted) break;
      // Without work, a command leaves the printer alone; a service holds it all the same.
      if (!options.hold && !this.deps.queue.head(printer.id)) continue;
      const owned = await this.ownOrWait(printer.id, options.waitForCommandMs ?? 0);
      if (!owned.ok) {
        leftTo.push({ printerId: printer.id, holder: owned.heldBy.holder, kind: owned.heldBy.kind });
        if (this.onSeen) this.seen(printer.id, { kind: 'held', holder: owned.heldBy.holder });
        continue;
      }
      try {
        let probeMs = options.probeMs;
        for (;;) {
          if (options.deadline !== undefined && Date.now() > options.deadline) break;
          if (options.signal?.aborted) break;
          const head = this.deps.queue.head(printer.id);
          if (!head) break;
          if (!options.ignoreRetryTimes && head.nextAttemptAt > this.clock()) {
            waiting.push({ printerId: printer.id, reason: head.lastError ?? 'waiting to retry' });
            break;
          }
          const outcome = await this.printNext(printer, probeMs === undefined ? {} : { probeMs });
          // The printer answered: its next jobs get its own timeouts.
          probeMs = undefined;
          if (outcome.kind === 'printed') printed += 1;
          else {
            if (outcome.kind === 'waiting') waiting.push({ printerId: printer.id, reason: outcome.reason });
            if (outcome.kind === 'left') leftTo.push({ printerId: printer.id, holder: outcome.heldBy.holder, kind: outcome.heldBy.kind });
            break;
          }
        }
      } finally {
        if (!options.hold) this.release(printer.id);
      }
    }
    return { printed, waiting, ...(leftTo.length > 0 ? { leftTo } : {}) };
  }

  /**
   * Runs until `signal` aborts, as the printers' owner: holds the lease of every enabled printer it
   * can (a printer another process holds is taken over when that one gives it back or dies), drains,
   * then sleeps until the next job is due (at most `pollMs`). Gives every lease back on its way out.
   */
  async run(signal: AbortSignal, options: RunOptions = {}): Promise<void> {
    const pollMs = options.pollMs ?? 500;
    this.kind = 'service';
    if (options.holder !== undefined) this.label = options.holder;
    this.onSeen = options.onSeen ?? null;
    try {
      while (!signal.aborted) {
        await this.drain({ hold: true, signal });
        if (this.onSeen) await this.probeIdle(options.idleProbeMs ?? 15_000, signal);
        const heads = [...this.held.keys()].map((id) => this.deps.queue.head(id)).filter((j): j is PrintJob => j !== undefined);
        const nextDue = Math.min(...heads.map((j) => j.nextAttemptAt), this.clock() + pollMs);
        const wait = Math.max(10, Math.min(pollMs, nextDue - this.clock()));
        await sleepUnlessAborted(wait, signal);
      }
    } finally {
      this.releaseAll();
      this.kind = 'command';
      this.onSeen = null;
    }
  }
}

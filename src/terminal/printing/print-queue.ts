/**
 * The print queue, in the ledger file. A slip is queued in the same transaction as its checkout;
 * printing happens after the commit and never holds the counter up. Jobs print in the order they
 * were queued, per printer: while the oldest waits (offline, out of paper, cover open), the ones
 * behind it wait too, so slips never come out of order. A job interrupted by a crash goes back to
 * pending and prints again.
 *
 * One process prints a printer at a time: the holder of its lease (print-leases.ts). Every change
 * of a job's progress (claimed, printed, deferred) is one statement that also checks the lease is
 * still the worker's, so a worker that lost its lease (it stalled past the expiry and another took
 * over) changes nothing, and a job finished elsewhere or cancelled is never touched again.
 */
import { maskCard, type SlipData } from '../../core/receipt/slip.js';
import { TallyError } from '../../core/errors.js';
import type { Instant } from '../../core/time.js';
import type { Ledger } from '../ledger/ledger.js';

export type JobState = 'pending' | 'printing' | 'printed' | 'cancelled';
export type JobKind = 'slip' | 'reprint' | 'test';

export interface PrintJob {
  readonly id: number;
  readonly printerId: string;
  readonly transactionId: string | null;
  readonly kind: JobKind;
  readonly slip: SlipData;
  readonly state: JobState;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly nextAttemptAt: Instant;
  readonly reprintOf: number | null;
  readonly createdAt: Instant;
  readonly printedAt: Instant | null;
}

interface JobRow {
  id: number;
  printer_id: string;
  transaction_id: string | null;
  kind: JobKind;
  slip: string;
  state: JobState;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
  reprint_of: number | null;
  created_at: number;
  printed_at: number | null;
}

function toJob(row: JobRow): PrintJob {
  return {
    id: row.id,
    printerId: row.printer_id,
    transactionId: row.transaction_id,
    kind: row.kind,
    slip: JSON.parse(row.slip) as SlipData,
    state: row.state,
    attempts: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    reprintOf: row.reprint_of,
    createdAt: row.created_at,
    printedAt: row.printed_at,
  };
}

export class PrintQueue {
  constructor(private readonly ledger: Ledger) {}

  private get db(): Ledger['db'] {
    return this.ledger.db;
  }

  /**
   * Queues a job; call inside the command's transaction (LoyaltyService's onSlip does). A job keeps
   * no personal data: the member's name is left out (read at print time) and only the card's last
   * digits are kept, as the slip prints them.
   */
  enqueue(printerId: string, slip: SlipData, options: { kind?: JobKind; transactionId?: string | null; reprintOf?: number | null; now: Instant }): number {
    const kind = options.kind ?? 'slip';
    const stored: SlipData = kind === 'test' ? slip : { ...slip, member: { id: slip.member.id, name: null, card: slip.member.card === null ? null : maskCard(slip.member.card) } };
    const result = this.db
      .prepare(
        `INSERT INTO print_jobs (printer_id, transaction_id, kind, slip, state, next_attempt_at, reprint_of, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
      )
      .run(printerId, options.transactionId ?? null, kind, JSON.stringify(stored), options.now, options.reprintOf ?? null, options.now, options.now);
    return Number(result.lastInsertRowid);
  }

  job(id: number): PrintJob | undefined {
    const row = this.db.prepare('SELECT * FROM print_jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  /** Open jobs first (in print order), then the most recent finished ones. */
  list(limit = 50): PrintJob[] {
    return (
      this.db
        .prepare(`SELECT * FROM print_jobs ORDER BY CASE WHEN state IN ('pending', 'printing') THEN 0 ELSE 1 END, CASE WHEN state IN ('pending', 'printing') THEN id ELSE -id END LIMIT ?`)
        .all(limit) as JobRow[]
    ).map(toJob);
  }

  /** The job that must print next on this printer (whatever its retry time), or undefined. */
  head(printerId: string): PrintJob | undefined {
    const row = this.db.prepare(`SELECT * FROM print_jobs WHERE printer_id = ? AND state IN ('pending', 'printing') ORDER BY id LIMIT 1`).get(printerId) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  openCount(printerId?: string): number {
    return (printerId === undefined
      ? this.db.prepare(`SELECT count(*) FROM print_jobs WHERE state IN ('pending', 'printing')`).pluck().get()
      : this.db.prepare(`SELECT count(*) FROM print_jobs WHERE printer_id = ? AND state IN ('pending', 'printing')`).pluck().get(printerId)) as number;
  }

  /**
   * When a worker takes a printer's lease: a job its previous holder was printing when it died (or
   * stalled past its lease) is printed again — a slip lost is worse than one printed twice. Runs in
   * the lease's transaction; never for a printer another live process holds.
   */
  recoverInterrupted(printerId: string, now: Instant): number {
    return this.db.prepare(`UPDATE print_jobs SET state = 'pending', last_error = 'interrupted: printing again', updated_at = ? WHERE printer_id = ? AND state = 'printing'`).run(now, printerId).changes;
  }

  /**
   * Claims job `id` for printing by `owner`, in one statement: only while it is still the printer's
   * next open job (not cancelled, not finished by anyone) and `owner` holds the printer's lease.
   * A job still 'printing' can be claimed by the lease holder: it is one this worker (or a dead
   * holder before it) did not finish.
   */
  claim(id: number, owner: string, now: Instant): boolean {
    return (
      this.db
        .prepare(
          `UPDATE print_jobs SET state = 'printing', attempts = attempts + 1, updated_at = ?
           WHERE id = ? AND state IN ('pending', 'printing')
             AND id = (SELECT min(j.id) FROM print_jobs j WHERE j.printer_id = print_jobs.printer_id AND j.state IN ('pending', 'printing'))
             AND EXISTS (SELECT 1 FROM printers p WHERE p.id = print_jobs.printer_id AND p.lease_owner = ?)`,
        )
        .run(now, id, owner).changes === 1
    );
  }

  /** Printed, if `owner` still holds the printer and the job is still its claim (false: cancelled meanwhile, or the lease was lost). */
  markPrinted(id: number, owner: string, now: Instant): boolean {
    return (
      this.db
        .prepare(
          `UPDATE print_jobs SET state = 'printed', printed_at = ?, last_error = NULL, updated_at = ?
           WHERE id = ? AND state = 'printing' AND EXISTS (SELECT 1 FROM printers p WHERE p.id = print_jobs.printer_id AND p.lease_owner = ?)`,
        )
        .run(now, now, id, owner).changes === 1
    );
  }

  /** Back to pending with the reason and when to try again (nothing when the job is final or `owner` no longer holds the printer). */
  defer(id: number, owner: string, reason: string, retryAt: Instant, now: Instant): boolean {
    return (
      this.db
        .prepare(
          `UPDATE print_jobs SET state = 'pending', last_error = ?, next_attempt_at = ?, updated_at = ?
           WHERE id = ? AND state IN ('pending', 'printing') AND EXISTS (SELECT 1 FROM printers p WHERE p.id = print_jobs.printer_id AND p.lease_owner = ?)`,
        )
        .run(reason, retryAt, now, id, owner).changes === 1
    );
  }

  cancel(id: number, by: string, now: Instant): PrintJob {
    const job = this.job(id);
    if (!job) throw new TallyError('invalid-input', `No print job ${id}`);
    if (job.state === 'printed' || job.state === 'cancelled') throw new TallyError('invalid-input', `Print job ${id} is already ${job.state}`);
    this.db.prepare(`UPDATE print_jobs SET state = 'cancelled', cancelled_by = ?, updated_at = ? WHERE id = ?`).run(by, now, id);
    return this.job(id)!;
  }

  /** The most recent job printed (or queued) for a transaction. */
  latestForTransaction(transactionId: string): PrintJob | undefined {
    const row = this.db.prepare('SELECT * FROM print_jobs WHERE transaction_id = ? ORDER BY id DESC LIMIT 1').get(transactionId) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }
}

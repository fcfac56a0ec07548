/**
 * One owner per printer. Whoever prints a printer's queue holds its lease (columns on the printer's
 * row, migration 0005): `tally print run --watch` (and later the terminal host) holds it for as
 * long as it runs, renewing it with a heartbeat; a CLI command takes it for its short attempt after
 * its commit and gives it back. A process that cannot take the lease leaves the printer to the
 * holder: two processes never print the same queue, so a slip never comes out twice and no worker
 * trips over a job another one finished.
 *
 * A lease ends when its holder gives it back, when it is not renewed before it expires (real time,
 * never an overridden clock: every process must agree), or at once when its holder was a process on
 * this machine that is gone (SIGKILL, a crash): the next worker takes it over and prints again the
 * job the dead one was in the middle of (a duplicate slip is better than a lost one).
 *
 * Taking and renewing run in IMMEDIATE transactions: the write lock is taken before the row is
 * read, so two processes cannot both see the lease free and both take it.
 */
import { hostname } from 'node:os';
import type { Instant } from '../../core/time.js';
import type { Ledger } from '../ledger/ledger.js';
import { processAlive } from '../process-alive.js';

/** How long a lease holds without a heartbeat: a holder that stopped renewing (hung, suspended, killed on another machine) loses it this long after its last renewal. */
export const LEASE_TTL_MS = 15_000;
/** How often a holder renews (a third of the TTL: two heartbeats can be missed). */
export const LEASE_RENEW_MS = 5_000;

/** 'service': prints everything and keeps the printer (print run --watch, the host); 'command': a CLI command's short attempt, given back at once. */
export type LeaseKind = 'service' | 'command';

export interface LeaseOwner {
  /** Random, per worker: what the lease row names. */
  readonly token: string;
  /** For people: "tally print run --watch (pid 4242)". */
  readonly holder: string;
  readonly kind: LeaseKind;
  readonly pid: number;
  readonly host: string;
}

export interface LeaseHolder {
  readonly holder: string;
  readonly kind: LeaseKind;
  readonly expiresAt: Instant;
}

export type TakeResult = { readonly ok: true; readonly fresh: boolean } | { readonly ok: false; readonly heldBy: LeaseHolder };

interface LeaseRow {
  lease_owner: string | null;
  lease_holder: string | null;
  lease_kind: LeaseKind | null;
  lease_pid: number | null;
  lease_host: string | null;
  lease_expires_at: number | null;
}


export interface PrintLeasesOptions {
  /** Real time (ms); never the booking clock, which `--now` can set to another day. */
  readonly clock?: () => Instant;
  readonly host?: string;
  readonly alive?: (pid: number) => boolean;
}

export class PrintLeases {
  private readonly clock: () => Instant;
  readonly host: string;
  private readonly alive: (pid: number) => boolean;

  constructor(
    private readonly ledger: Ledger,
    options: PrintLeasesOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.host = options.host ?? hostname();
    this.alive = options.alive ?? processAlive;
  }

  private row(printerId: string): LeaseRow | undefined {
    return this.ledger.db.prepare('SELECT lease_owner, lease_holder, lease_kind, lease_pid, lease_host, lease_expires_at FROM printers WHERE id = ?').get(printerId) as LeaseRow | undefined;
  }

  /** Who else holds the printer now, or null when it is free (never held, given back, expired, or its process is gone) or ours. */
  private otherHolder(row: LeaseRow, token: string, now: Instant): LeaseHolder | null {
    if (row.lease_owner === null || row.lease_owner === token) return null;
    if ((row.lease_expires_at ?? 0) <= now) return null;
    // A holder on this machine whose process is gone held it last when it died: free at once.
    if (row.lease_pid !== null && row.lease_host === this.host && !this.alive(row.lease_pid)) return null;
    return { holder: row.lease_holder ?? 'another process', kind: row.lease_kind ?? 'service', expiresAt: row.lease_expires_at ?? now };
  }

  /** The holder of a printer other than `token`, if any (no lock: for messages and for deciding whether to try). */
  heldBy(printerId: string, token: string): LeaseHolder | null {
    const row = this.row(printerId);
    return row ? this.otherHolder(row, token, this.clock()) : null;
  }

  /**
   * Takes the printer's lease for `owner`, or renews it when it already holds it. `onTaken` runs in
   * the same transaction when the lease was not this owner's before (a job a previous holder was
   * printing is put back in the queue there). Refused while another live holder has it.
   */
  take(printerId: string, owner: LeaseOwner, onTaken?: () => void): TakeResult {
    // A look without the write lock first: a process polling a printer another one holds does not
    // queue up behind every checkout's commit for nothing.
    const peek = this.row(printerId);
    if (!peek) return { ok: false, heldBy: { holder: `nobody (no printer "${printerId}")`, kind: 'command', expiresAt: 0 } };
    const seen = this.otherHolder(peek, owner.token, this.clock());
    if (seen) return { ok: false, heldBy: seen };
    return this.ledger.transaction((): TakeResult => {
      const row = this.row(printerId)!;
      const now = this.clock();
      const other = this.otherHolder(row, owner.token, now);
      if (other) return { ok: false, heldBy: other };
      const fresh = row.lease_owner !== owner.token;
      this.ledger.db
        .prepare('UPDATE printers SET lease_owner = ?, lease_holder = ?, lease_kind = ?, lease_pid = ?, lease_host = ?, lease_expires_at = ? WHERE id = ?')
        .run(owner.token, owner.holder, owner.kind, owner.pid, owner.host, now + LEASE_TTL_MS, printerId);
      if (fresh) onTaken?.();
      return { ok: true, fresh };
    });
  }

  /** The heartbeat: pushes the expiry on. False when the lease is no longer this owner's (it lapsed and someone took it). */
  renew(printerId: string, token: string): boolean {
    return this.ledger.transaction(
      () => this.ledger.db.prepare('UPDATE printers SET lease_expires_at = ? WHERE id = ? AND lease_owner = ?').run(this.clock() + LEASE_TTL_MS, printerId, token).changes === 1,
    );
  }

  /** Gives the lease back (nothing when it is no longer this owner's). */
  release(printerId: string, token: string): void {
    this.ledger.db.prepare('UPDATE printers SET lease_owner = NULL, lease_holder = NULL, lease_kind = NULL, lease_pid = NULL, lease_host = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?').run(printerId, token);
  }

  owns(printerId: string, token: string): boolean {
    return this.row(printerId)?.lease_owner === token;
  }
}

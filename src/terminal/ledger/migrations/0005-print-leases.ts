import type { Migration } from './types.js';

/**
 * A printer has one owner at a time: the process that prints its queue. Two processes printing at
 * once (`tally print run --watch` and a CLI command draining the queue after its commit) printed
 * the same slip twice, and the slower one then failed on a job already final. The lease is a few
 * columns on the printer's own row (one lease per printer, kept with what it guards):
 *
 * - `lease_owner`: a random token of the worker holding it (NULL: nobody does);
 * - `lease_holder`: what holds it, for people ("tally print run --watch (pid 4242)");
 * - `lease_kind`: 'service' (print run --watch, the host: it prints everything and keeps the
 *   printer, so a command leaves its slip to it) or 'command' (a CLI command's short attempt after
 *   its commit, given back at once);
 * - `lease_pid`, `lease_host`: the holder's process, so a holder on this machine that died
 *   (SIGKILL, power cut of a process) is seen at once, without waiting for the expiry;
 * - `lease_expires_at`: real time (ms) until which it holds, renewed by a heartbeat; a holder that
 *   stopped renewing loses it then, wherever it ran.
 *
 * Taken and renewed in IMMEDIATE transactions (src/terminal/printing/print-leases.ts); a job is
 * claimed only by the lease's owner, in the same kind of transaction.
 */
export const migration0005: Migration = {
  version: 5,
  description: 'printer leases: one process prints a printer’s queue at a time',
  up(db) {
    db.exec(`
      ALTER TABLE printers ADD COLUMN lease_owner TEXT;
      ALTER TABLE printers ADD COLUMN lease_holder TEXT;
      ALTER TABLE printers ADD COLUMN lease_kind TEXT CHECK (lease_kind IS NULL OR lease_kind IN ('service', 'command'));
      ALTER TABLE printers ADD COLUMN lease_pid INTEGER CHECK (lease_pid IS NULL OR lease_pid > 0);
      ALTER TABLE printers ADD COLUMN lease_host TEXT;
      ALTER TABLE printers ADD COLUMN lease_expires_at INTEGER;

      -- A lease is an owner with an expiry, or nothing: never one without the other.
      CREATE TRIGGER printers_lease_whole BEFORE UPDATE OF lease_owner, lease_expires_at ON printers
        WHEN (NEW.lease_owner IS NULL) <> (NEW.lease_expires_at IS NULL)
        BEGIN SELECT RAISE(ABORT, 'a printer lease has both an owner and an expiry, or neither'); END;
    `);
  },
};

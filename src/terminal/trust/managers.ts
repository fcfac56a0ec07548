/**
 * The terminal's managers (ledger migration 0014): who may authorise a correction or change a
 * setting at this counter. A manager proves who they are with a PIN, kept only as a salted scrypt
 * hash; after MAX_PIN_FAILURES wrong tries in a row (counted on the row, so a restart gives no fresh
 * tries) the manager is locked until a new PIN is set for them: by another manager, or at the
 * machine itself (`tally manager pin`, for the last manager of a store).
 *
 * Roles start with the first manager: a terminal with none (a CLI-only demo, an install from before
 * roles) lets anyone at it do what a manager does, and the screens ask for a first manager at setup.
 */
import type { ManagerInfo } from '../../contract/results.js';
import { TallyError } from '../../core/errors.js';
import type { Instant } from '../../core/time.js';
import type { Ledger } from '../ledger/ledger.js';
import { hashPin, MAX_PIN_FAILURES, pinMatches } from './pin.js';

/** What the screens see of a manager (never the PIN or its hash): one shape with the contract's. */
export type ManagerRecord = ManagerInfo;

interface ManagerRow {
  id: string;
  name: string;
  pin_hash: string;
  pin_failures: number;
  created_at: number;
  created_by: string | null;
  pin_set_at: number;
  removed_at: number | null;
}

function record(row: ManagerRow): ManagerRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    createdBy: row.created_by,
    pinSetAt: row.pin_set_at,
    pinFailures: row.pin_failures,
    locked: row.pin_failures >= MAX_PIN_FAILURES,
    removedAt: row.removed_at,
  };
}

export class ManagerRoster {
  constructor(
    private readonly ledger: Ledger,
    private readonly clock: () => Instant = Date.now,
  ) {}

  /** Managers not retired: zero means roles have not started at this terminal. */
  activeCount(): number {
    return this.ledger.db.prepare('SELECT count(*) FROM managers WHERE removed_at IS NULL').pluck().get() as number;
  }

  list(): ManagerRecord[] {
    return (this.ledger.db.prepare('SELECT * FROM managers ORDER BY removed_at IS NOT NULL, id').all() as ManagerRow[]).map(record);
  }

  get(id: string): ManagerRecord | null {
    const row = this.row(id);
    return row ? record(row) : null;
  }

  /**
   * Adds a manager. `by` is the manager who authorised it (already verified by the caller), or null
   * for the first one, or one added at the machine by whoever owns the ledger file.
   */
  add(input: { readonly id: string; readonly name: string; readonly pin: string }, by: string | null): ManagerRecord {
    // Slow on purpose (scrypt): before the write lock.
    const hash = hashPin(input.pin);
    return this.ledger.transaction(() => {
      if (this.row(input.id)) throw new TallyError('invalid-input', `There is already a manager ${input.id} (a retired manager's id is not reused: their entries carry it)`);
      const now = this.clock();
      this.ledger.db.prepare('INSERT INTO managers (id, name, pin_hash, created_at, created_by, pin_set_at) VALUES (?, ?, ?, ?, ?, ?)').run(input.id, input.name, hash, now, by, now);
      return record(this.row(input.id)!);
    });
  }

  /**
   * Checks a manager's PIN: the manager, or `proof-refused` saying how many tries are left. A wrong
   * PIN is counted in its own transaction (it must stick although the request is refused).
   */
  verify(id: string, pin: string): ManagerRecord {
    const row = this.row(id);
    // The same answer for an unknown id and a wrong PIN would hide which ids exist, but a manager
    // typing their id wrongly must be told so, and ids are not secret (they are on every slip they authorise).
    if (!row || row.removed_at !== null) throw new TallyError('proof-refused', `There is no manager ${id} at this terminal`);
    if (row.pin_failures >= MAX_PIN_FAILURES) {
      throw new TallyError('proof-refused', `Manager ${id} is locked after ${MAX_PIN_FAILURES} wrong PINs: another manager sets a new PIN (or tally manager pin at the machine)`, { locked: true, triesLeft: 0 });
    }
    if (pinMatches(pin, row.pin_hash)) {
      if (row.pin_failures !== 0) this.ledger.transaction(() => this.ledger.db.prepare('UPDATE managers SET pin_failures = 0 WHERE id = ?').run(id));
      return record({ ...row, pin_failures: 0 });
    }
    const failures = this.ledger.transaction(() => {
      this.ledger.db.prepare('UPDATE managers SET pin_failures = pin_failures + 1 WHERE id = ?').run(id);
      return this.row(id)!.pin_failures;
    });
    const left = MAX_PIN_FAILURES - failures;
    throw new TallyError(
      'proof-refused',
      left > 0 ? `Wrong manager PIN — ${left} ${left === 1 ? 'try' : 'tries'} left` : `Wrong manager PIN — manager ${id} is now locked: another manager sets a new PIN`,
      { locked: left <= 0, triesLeft: Math.max(0, left) },
    );
  }

  /** Sets a new PIN (and unlocks). The caller has checked the authority: the current PIN, another manager, or the machine. */
  setPin(id: string, pin: string): ManagerRecord {
    const hash = hashPin(pin);
    return this.ledger.transaction(() => {
      const row = this.row(id);
      if (!row || row.removed_at !== null) throw new TallyError('invalid-input', `There is no manager ${id} at this terminal`);
      this.ledger.db.prepare('UPDATE managers SET pin_hash = ?, pin_failures = 0, pin_set_at = ? WHERE id = ?').run(hash, this.clock(), id);
      return record(this.row(id)!);
    });
  }

  /** Retires a manager; the last active one stays (a store cannot lock itself out of its own corrections by mistake). */
  remove(id: string): ManagerRecord {
    return this.ledger.transaction(() => {
      const row = this.row(id);
      if (!row || row.removed_at !== null) throw new TallyError('invalid-input', `There is no manager ${id} at this terminal`);
      if (this.activeCount() === 1) throw new TallyError('invalid-input', `Manager ${id} is the last manager of this terminal: add another before retiring them`);
      this.ledger.db.prepare('UPDATE managers SET removed_at = ? WHERE id = ?').run(this.clock(), id);
      return record(this.row(id)!);
    });
  }

  private row(id: string): ManagerRow | undefined {
    return this.ledger.db.prepare('SELECT * FROM managers WHERE id = ?').get(id) as ManagerRow | undefined;
  }
}

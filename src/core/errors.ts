/**
 * Typed errors that cross every boundary of Tally. Each carries a stable `code` (for programs: the
 * CLI's JSON output, later the IPC contract) and a message a cashier or manager can act on.
 */
export type TallyErrorCode =
  | 'invalid-input'
  | 'invalid-program'
  | 'unknown-card'
  | 'invalid-card'
  | 'unknown-member'
  | 'card-in-use'
  | 'unknown-transaction'
  | 'duplicate-different'
  | 'insufficient-points'
  | 'redemption-not-allowed'
  | 'return-exceeds-sale'
  | 'limit-reached'
  | 'not-initialised'
  | 'already-initialised'
  | 'database-newer'
  | 'migration-failed'
  | 'database-corrupt'
  | 'not-a-database'
  | 'ledger-invariant'
  | 'clock-wrong'
  | 'proof-required'
  | 'proof-refused'
  | 'spend-limit'
  | 'offline-limit'
  | 'spend-cover-limit'
  | 'restore-sync-required'
  | 'untrusted-program'
  | 'member-erased'
  | 'manager-required'
  | 'busy'
  | 'disk-full'
  | 'read-only'
  | 'io-error'
  /** A kiosk (or another restricted connection) asked for something only the counter may do. */
  | 'not-allowed';

export class TallyError extends Error {
  readonly code: TallyErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: TallyErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(message);
    this.name = 'TallyError';
    this.code = code;
    this.details = details;
  }
}

export function isTallyError(value: unknown): value is TallyError {
  return value instanceof TallyError;
}

/**
 * Every refusal a screen can meet, as the key of a translated, actionable message: each error code
 * of the contract (src/core/errors.ts's and the envelope's) and the bridge's own. The Record type
 * makes a missing code a compile error; error-messages.test.ts checks the same against the
 * contract's run-time list and that both languages have every text.
 */
import type { UiErrorCode } from '../bridge/contract-error.js';

export const ERROR_MESSAGE_KEYS: Readonly<Record<UiErrorCode, `errors.${UiErrorCode}`>> = {
  'invalid-input': 'errors.invalid-input',
  'invalid-program': 'errors.invalid-program',
  'unknown-card': 'errors.unknown-card',
  'invalid-card': 'errors.invalid-card',
  'unknown-member': 'errors.unknown-member',
  'card-in-use': 'errors.card-in-use',
  'unknown-transaction': 'errors.unknown-transaction',
  'duplicate-different': 'errors.duplicate-different',
  'insufficient-points': 'errors.insufficient-points',
  'redemption-not-allowed': 'errors.redemption-not-allowed',
  'return-exceeds-sale': 'errors.return-exceeds-sale',
  'limit-reached': 'errors.limit-reached',
  'not-initialised': 'errors.not-initialised',
  'already-initialised': 'errors.already-initialised',
  'database-newer': 'errors.database-newer',
  'migration-failed': 'errors.migration-failed',
  'database-corrupt': 'errors.database-corrupt',
  'not-a-database': 'errors.not-a-database',
  'ledger-invariant': 'errors.ledger-invariant',
  'clock-wrong': 'errors.clock-wrong',
  'proof-required': 'errors.proof-required',
  'proof-refused': 'errors.proof-refused',
  'spend-limit': 'errors.spend-limit',
  'offline-limit': 'errors.offline-limit',
  'spend-cover-limit': 'errors.spend-cover-limit',
  'restore-sync-required': 'errors.restore-sync-required',
  'untrusted-program': 'errors.untrusted-program',
  'member-erased': 'errors.member-erased',
  'manager-required': 'errors.manager-required',
  busy: 'errors.busy',
  'disk-full': 'errors.disk-full',
  'read-only': 'errors.read-only',
  'io-error': 'errors.io-error',
  malformed: 'errors.malformed',
  'too-large': 'errors.too-large',
  'unknown-method': 'errors.unknown-method',
  unauthorised: 'errors.unauthorised',
  internal: 'errors.internal',
  unreachable: 'errors.unreachable',
  'bad-reply': 'errors.bad-reply',
  'not-allowed': 'errors.not-allowed',
};

export function errorMessageKey<C extends UiErrorCode>(code: C): `errors.${C}` {
  return ERROR_MESSAGE_KEYS[code] as `errors.${C}`;
}

/**
 * The codes that mean something else when the refusal came from a call to the chain's server (a
 * sync, end of day, an enrolment at setup): an `io-error` there is the link, not the disk, and
 * `proof-refused` is the terminal's credential or its enrolment code, not a member's PIN. Every other
 * code reads as it does everywhere.
 */
export const SERVER_ERROR_KEYS = {
  'io-error': 'serverErrors.io-error',
  'proof-refused': 'serverErrors.proof-refused',
} as const satisfies Partial<Record<UiErrorCode, `serverErrors.${string}`>>;

export function serverErrorMessageKey(code: UiErrorCode): (typeof SERVER_ERROR_KEYS)[keyof typeof SERVER_ERROR_KEYS] | `errors.${UiErrorCode}` {
  return Object.hasOwn(SERVER_ERROR_KEYS, code) ? SERVER_ERROR_KEYS[code as keyof typeof SERVER_ERROR_KEYS] : errorMessageKey(code);
}

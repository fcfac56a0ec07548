/**
 * Bootstrap: a new (empty) terminal's first pull, as one stream instead of a thousand pages.
 *
 * `GET /v1/bootstrap` answers `application/x-ndjson`: one JSON value per line, read by the server in
 * one snapshot of its store, in the terminal's table shapes (arrays, not objects):
 *
 *   {"bootstrap":1,"cursor":"…","latest":"…","counts":{…}}      the header: the cursor the paged pull
 *                                                                continues from, and how many rows follow
 *   {"members":[[…],…]}  {"transactions":[[…],…]}  {"transfers":[[…],…]}  {"events":[[…],…]}   chunks
 *   {"end":true,"counts":{…}}                                    the trailer: a stream without it broke off
 *
 * What it holds is what pages from an empty cursor up to `cursor` hold (src/contract/pull.ts), with
 * the same rules: the caller's own entries are left out unless `own=1`, and phone and e-mail of a
 * member enrolled at another store are withheld (`contactWithheld`). The terminal loads it in one
 * transaction together with `cursor` and then pulls pages from there.
 *
 * Rows are checked by hand-written checks (below) rather than a zod object per row: a chain's first
 * sync brings millions of them. The zod schemas here describe the same shapes for the OpenAPI
 * document, and a unit test holds the two to agreeing.
 */
import { z } from 'zod';
import { pullCursorSchema } from './pull.js';

export const BOOTSTRAP_FORMAT = 1;

export const bootstrapQuerySchema = z.strictObject({
  /** `1`: the caller's own entries too (as a pull's `own`). */
  own: z.enum(['0', '1']).optional(),
});

const countsSchema = z.strictObject({
  members: z.number().int().nonnegative(),
  transactions: z.number().int().nonnegative(),
  transfers: z.number().int().nonnegative(),
  events: z.number().int().nonnegative(),
});

export const bootstrapHeaderSchema = z.strictObject({ bootstrap: z.literal(BOOTSTRAP_FORMAT), cursor: pullCursorSchema, latest: pullCursorSchema, counts: countsSchema });
export const bootstrapEndSchema = z.strictObject({ end: z.literal(true), counts: countsSchema });

export type BootstrapCounts = z.output<typeof countsSchema>;
export type BootstrapHeader = z.output<typeof bootstrapHeaderSchema>;
export type BootstrapSection = keyof BootstrapCounts;
export const BOOTSTRAP_SECTIONS: readonly BootstrapSection[] = ['members', 'transactions', 'transfers', 'events'];

/** Rows per chunk line the server sends. */
export const BOOTSTRAP_CHUNK_ROWS = 2000;

// ---- Row shapes (positions are the wire format; keep the checks below in step) ----

const id = z.string().min(1).max(128);
const placeId = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/);
const instant = z.number().int().nonnegative();
const int = z.number().int();
const json = z.record(z.string(), z.unknown());

/** [id, version, name, phone, email, birthday, marketingConsent, enrolledAt, enrolledBy, qrRef, pinHash, erasedAt, updatedAt, cards, contactWithheld] */
export const bootstrapMemberRowSchema = z.tuple([
  id, z.number().int().positive(), z.string().max(200).nullable(), z.string().max(40).nullable(), z.string().max(320).nullable(), z.string().max(10).nullable(),
  z.boolean(), instant, placeId, z.string().regex(/^[A-Za-z0-9_-]{16}$/).nullable(), z.string().max(200).nullable(), instant.nullable(), instant,
  z.array(z.string().min(1).max(64)).max(10), z.boolean(),
]);

/** [id, storeId, terminalId, kind, txnId, memberId, originalId, requestHash, request, record, result, cashier, createdAt] */
export const bootstrapTransactionRowSchema = z.tuple([
  id, placeId, placeId, z.enum(['checkout', 'return', 'action', 'donation', 'membership', 'enrolment', 'adjustment']), z.string().min(1).max(200), id, id.nullable(),
  z.string().regex(/^[0-9a-f]{64}$/), z.unknown(), z.unknown(), z.unknown(), z.string().max(64).nullable(), instant,
]);

/**
 * [id, terminalId, epoch, seq, kind, unit, amount, debitAccount, creditAccount, memberId, businessKey, periodKind, period, transactionId, storeId,
 *  posTxnId, cashier, moneyAmount, currency, programId, programVersion, earnRatePoints, earnRatePer, effectiveAt, bookedAt, localTime, detail,
 *  lotsGranted: [[id, points, earnedAt, expiresAt]], lotsDrawn: [[lotId, points]]]
 */
export const bootstrapTransferRowSchema = z.tuple([
  id, placeId, z.number().int().positive(), z.number().int().positive(), z.string().min(1).max(64), z.enum(['points', 'money']), z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  z.string().min(1).max(200), z.string().min(1).max(200), id, z.string().min(1).max(400), z.string().max(100).nullable(), z.string().max(100).nullable(), id.nullable(), placeId,
  z.string().max(200).nullable(), z.string().max(64).nullable(), z.number().int().max(Number.MAX_SAFE_INTEGER).nullable(), z.string().length(3), z.string().min(1).max(64), z.number().int().positive(),
  int.nullable(), int.nullable(), instant, instant, z.string().max(40), json,
  z.array(z.tuple([id, z.number().int().positive(), instant, instant.nullable()])).max(100),
  z.array(z.tuple([id, z.number().int().positive()])).max(1000),
]);

/** [id, memberId, kind, period, businessKey, terminalId, detail, bookedAt] */
export const bootstrapEventRowSchema = z.tuple([id, id, z.string().min(1).max(64), z.string().min(1).max(100), z.string().min(1).max(400), placeId, json, instant]);

export type BootstrapMemberRow = z.output<typeof bootstrapMemberRowSchema>;
export type BootstrapTransactionRow = z.output<typeof bootstrapTransactionRowSchema>;
export type BootstrapTransferRow = z.output<typeof bootstrapTransferRowSchema>;
export type BootstrapEventRow = z.output<typeof bootstrapEventRowSchema>;

/** One line of the stream, as documented (the terminal checks chunks with the functions below). */
export const bootstrapLineSchema = z.union([
  bootstrapHeaderSchema,
  z.strictObject({ members: z.array(bootstrapMemberRowSchema) }),
  z.strictObject({ transactions: z.array(bootstrapTransactionRowSchema) }),
  z.strictObject({ transfers: z.array(bootstrapTransferRowSchema) }),
  z.strictObject({ events: z.array(bootstrapEventRowSchema) }),
  bootstrapEndSchema,
]);

// ---- Hand-written row checks: the same rules as the schemas above, without an object per check ----

/** What is wrong with a row, as "position: problem" (the caller adds which row), or null. */
type Check = (value: unknown) => string | null;

const PLACE = /^[A-Za-z0-9._-]{1,32}$/;
const QR_REF = /^[A-Za-z0-9_-]{16}$/;
const HASH = /^[0-9a-f]{64}$/;
const KINDS = new Set(['checkout', 'return', 'action', 'donation', 'membership', 'enrolment', 'adjustment']);

const str = (min: number, max: number): Check => (v) => (typeof v === 'string' && v.length >= min && v.length <= max ? null : `is not a string of ${min}–${max} characters`);
const strOrNull = (max: number): Check => (v) => (v === null || (typeof v === 'string' && v.length <= max) ? null : `is not null or a string of at most ${max} characters`);
const matches = (re: RegExp, what: string): Check => (v) => (typeof v === 'string' && re.test(v) ? null : `is not ${what}`);
const orNull = (check: Check): Check => (v) => (v === null ? null : check(v));
const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Check => (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max ? null : `is not an integer from ${min}`);
const anyInt: Check = (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? null : 'is not an integer');
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'is not true or false');
const oneOf = (values: ReadonlySet<string>): Check => (v) => (typeof v === 'string' && values.has(v) ? null : `is not one of ${[...values].join(', ')}`);
const object: Check = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? null : 'is not a JSON object');
const anything: Check = () => null;
const tuple = (checks: readonly Check[]): Check => (v) => {
  if (!Array.isArray(v) || v.length !== checks.length) return `is not an array of ${checks.length} values`;
  for (let i = 0; i < checks.length; i += 1) {
    const problem = checks[i]!(v[i]);
    if (problem !== null) return `[${i}] ${problem}`;
  }
  return null;
};
const list = (item: Check, max: number): Check => (v) => {
  if (!Array.isArray(v) || v.length > max) return `is not an array of at most ${max}`;
  for (let i = 0; i < v.length; i += 1) {
    const problem = item(v[i]);
    if (problem !== null) return `[${i}] ${problem}`;
  }
  return null;
};

const ID = str(1, 128);
const PLACE_ID = matches(PLACE, 'a store or terminal id');
const INSTANT = integer(0);

const ROW_CHECKS: Readonly<Record<BootstrapSection, Check>> = {
  members: tuple([ID, integer(1), strOrNull(200), strOrNull(40), strOrNull(320), strOrNull(10), bool, INSTANT, PLACE_ID, orNull(matches(QR_REF, 'a QR reference')), strOrNull(200), orNull(INSTANT), INSTANT, list(str(1, 64), 10), bool]),
  transactions: tuple([ID, PLACE_ID, PLACE_ID, oneOf(KINDS), str(1, 200), ID, orNull(ID), matches(HASH, 'a SHA-256 in hex'), anything, anything, anything, strOrNull(64), INSTANT]),
  transfers: tuple([
    ID, PLACE_ID, integer(1), integer(1), str(1, 64), oneOf(new Set(['points', 'money'])), integer(1), str(1, 200), str(1, 200), ID, str(1, 400), strOrNull(100), strOrNull(100), orNull(ID), PLACE_ID,
    strOrNull(200), strOrNull(64), orNull(integer(Number.MIN_SAFE_INTEGER)), str(3, 3), str(1, 64), integer(1), orNull(anyInt), orNull(anyInt), INSTANT, INSTANT, str(0, 40), object,
    list(tuple([ID, integer(1), INSTANT, orNull(INSTANT)]), 100),
    list(tuple([ID, integer(1)]), 1000),
  ]),
  events: tuple([ID, ID, str(1, 64), str(1, 100), str(1, 400), PLACE_ID, object, INSTANT]),
};

/** Checks one row of a section: the problem ("[6] is not an integer from 1"), or null when it is well-formed. */
export function bootstrapRowProblem(section: BootstrapSection, row: unknown): string | null {
  return ROW_CHECKS[section](row);
}

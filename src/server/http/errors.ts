/**
 * Every refusal the server gives is `{ error: { code, message } }` with a 4xx status, and says
 * what to do; a fault of the server's own is a 500 with no detail (the log has it). No answer
 * carries a stack trace, a credential or an enrolment code, nor quotes the request body.
 */
import type { z } from 'zod';
import { isTallyError } from '../../core/errors.js';

export type ErrorCode =
  | 'malformed'
  | 'invalid'
  | 'unauthenticated'
  | 'unknown-credential'
  | 'revoked'
  | 'enrolment-code'
  | 'wrong-terminal'
  | 'not-found'
  | 'sequence'
  | 'too-large'
  | 'unsupported-media-type'
  | 'not-ready'
  | 'busy'
  | 'disk-full'
  | 'insufficient'
  | 'internal';

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Fields beside `error` in the answer (409's `lastSeq`). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): ErrorBody & Readonly<Record<string, unknown>> {
    return { error: { code: this.code, message: this.message }, ...this.extra };
  }
}

/**
 * How deep a request body may nest. The deepest body a terminal sends is about ten levels; a body
 * nested thousands deep is valid JSON that the stores cannot serialise (the stack runs out).
 */
export const MAX_JSON_DEPTH = 64;

/** A NUL character or a UTF-16 surrogate without its pair: PostgreSQL's text and jsonb refuse both. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why a parsed JSON body cannot be stored as it is (null: it can), found before any route reads
 * it, so both stores refuse it the same way with a 400 instead of failing inside a write. Walked
 * without recursion: the body may be nested deep enough to exhaust the stack.
 */
export function unstorableBody(value: unknown, text?: string): string | null {
  // Without a \u escape in the text, JSON.parse cannot have made a NUL or a lone surrogate (raw
  // control characters are not valid JSON, and decoded UTF-8 holds no lone surrogate): only the
  // depth is left to check, which is ten times cheaper than looking at every string.
  if (text !== undefined && !text.includes('\\u')) return nestsWithin(value, MAX_JSON_DEPTH) ? null : `The body nests deeper than ${MAX_JSON_DEPTH} levels`;
  return unstorableValue(value);
}

/** Whether `value` nests at most `levels` deep (recursion stops there, whatever the body). */
function nestsWithin(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (levels === 0) return false;
  if (Array.isArray(value)) return value.every((v) => nestsWithin(v, levels - 1));
  for (const key in value) if (!nestsWithin((value as Record<string, unknown>)[key], levels - 1)) return false;
  return true;
}

function unstorableValue(value: unknown): string | null {
  const stack: { readonly value: unknown; readonly depth: number }[] = [{ value, depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (typeof next.value === 'string') {
      if (UNSTORABLE_TEXT.test(next.value)) return 'The body has a NUL character or a broken UTF-16 surrogate in a string';
      continue;
    }
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > MAX_JSON_DEPTH) return `The body nests deeper than ${MAX_JSON_DEPTH} levels`;
    for (const [key, child] of Object.entries(next.value)) {
      if (UNSTORABLE_TEXT.test(key)) return 'The body has a NUL character or a broken UTF-16 surrogate in a key';
      stack.push({ value: child as unknown, depth });
    }
  }
  return null;
}

const MAX_ISSUES = 10;

/** "items.0.transfer.amount: Too small: expected number to be >0; …" — paths and reasons, never values. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, MAX_ISSUES).map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)'}: ${issue.message}`);
  const more = issues.length > MAX_ISSUES ? `; and ${issues.length - MAX_ISSUES} more` : '';
  return `${shown.join('; ')}${more}`;
}

interface FastifyLikeError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message?: unknown;
}

/** What an error thrown anywhere in a request becomes on the wire. */
export function toHttpError(error: unknown, bodyLimit: number): HttpError {
  if (error instanceof HttpError) return error;
  // The embedded database held by another writer for longer than its busy timeout: nothing was written.
  if (isTallyError(error) && error.code === 'busy') return new HttpError(503, 'busy', 'The server is busy: nothing was written; try again in a moment');
  const e = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  const code = typeof e.code === 'string' ? e.code : '';
  // The store's disk is full (SQLite, PostgreSQL's disk_full, the file system): the write rolled
  // back. Said as such, so the terminal's message points head office at the server's disk.
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100') {
    return new HttpError(503, 'disk-full', "The server's disk is full: nothing was written, the terminal keeps its entries; head office must free space on the server");
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  switch (code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'unsupported-media-type', 'Send the body as JSON (Content-Type: application/json)');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'too-large', `The body is larger than ${bodyLimit} bytes: send fewer items per request`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'malformed', 'The body is empty; it must be a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // Also what a body with "__proto__" or "constructor.prototype" keys gets: refused, never merged.
      return new HttpError(400, 'malformed', 'The body is not valid JSON');
    default:
      break;
  }
  if (status >= 400 && status < 500) {
    // Fastify's own 4xx (a bad Content-Length, a malformed URL…): its message is plain and safe.
    return new HttpError(status, status === 404 ? 'not-found' : status === 413 ? 'too-large' : status === 415 ? 'unsupported-media-type' : 'malformed', typeof e.message === 'string' ? e.message.slice(0, 200) : 'Bad request');
  }
  return new HttpError(500, 'internal', 'The server failed on this request. It has been logged; try again later (sending the same request again is safe)');
}

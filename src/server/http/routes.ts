/**
 * The server's routes as data: method, path, whether a terminal credential is needed, the body
 * schema and every answer's schema. `app.ts` registers exactly these and `openapi.ts` documents
 * exactly these, so the published document cannot miss a route or describe one that is not there.
 */
import { z } from 'zod';
import { dayReportQuerySchema, dayReportSchema } from '../../contract/day-report.js';
import {
  enrolRequestSchema,
  enrolResponseSchema,
  errorResponseSchema,
  healthResponseSchema,
  pushRequestSchema,
  pushResponseSchema,
  sequenceConflictSchema,
  sequencesResponseSchema,
} from '../../contract/sync.js';
import { holdRefusedSchema, holdRequestSchema, holdResponseSchema, offlineBudgetResponseSchema, voidHoldRequestSchema, voidHoldResponseSchema } from '../../contract/spending.js';
import { cardLookupQuerySchema, memberStateSchema, pullQuerySchema, pullResponseSchema } from '../../contract/pull.js';
import { bootstrapLineSchema, bootstrapQuerySchema } from '../../contract/bootstrap.js';

export type RouteName = 'health' | 'enrol' | 'push' | 'sequences' | 'pull' | 'bootstrap' | 'member-by-card' | 'hold' | 'hold-void' | 'offline-budget' | 'day-report' | 'openapi';

export interface Answer {
  readonly description: string;
  readonly schema: z.ZodType;
  /** The media type of the answer (default application/json); for a stream, `schema` describes one line. */
  readonly contentType?: string;
}

export interface RouteSpec {
  readonly name: RouteName;
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly summary: string;
  readonly description: string;
  /** A terminal's bearer credential (`tly_…`, from enrolment). */
  readonly auth: boolean;
  readonly body?: z.ZodType;
  /** The query string's parameters (an object of strings; validated like a body). */
  readonly query?: z.ZodObject;
  readonly answers: Readonly<Record<number, Answer>>;
}

const error = (description: string): Answer => ({ description, schema: errorResponseSchema });

const BAD_BODY = {
  400: error('The body is not JSON, or not valid for this route (unknown fields are refused too): nothing was written'),
  413: error('The body is larger than the limit: nothing was written'),
  415: error('The body is not sent as application/json: nothing was written'),
};

const AUTH = {
  401: error('No credential, an unknown one, or a revoked terminal\'s: nothing was written (a revoked terminal keeps its outbox)'),
};

/** The OpenAPI document itself: any JSON object. */
export const openApiDocumentSchema = z.record(z.string(), z.unknown());

export const ROUTES: readonly RouteSpec[] = [
  {
    name: 'health',
    method: 'GET',
    url: '/v1/health',
    summary: "The server's clock",
    description: "Answers when the terminal's credential is good; `time` (UTC milliseconds) is the server's clock, which terminals compare with their own.",
    auth: true,
    answers: { 200: { description: 'The server is up and the credential is good', schema: healthResponseSchema }, ...AUTH },
  },
  {
    name: 'enrol',
    method: 'POST',
    url: '/v1/enrol',
    summary: 'Enrol a terminal with a one-time code',
    description:
      "The one-time code (from `tally-server terminal code`) is the authentication. The server certifies the terminal's public key for its store and terminal, and answers with the terminal's bearer credential (given once; the server keeps only its hash), the signed program and the program keys to trust.",
    auth: false,
    body: enrolRequestSchema,
    answers: {
      200: { description: 'Enrolled: keep the credential secret, install the program, trust the program keys, install the certificate', schema: enrolResponseSchema },
      ...BAD_BODY,
      401: error('The code is unknown, already used or expired: nothing was written; ask head office for a new one'),
      503: error('The server has no program or keys yet (tally-server init): the code was not used'),
    },
  },
  {
    name: 'push',
    method: 'POST',
    url: '/v1/push',
    summary: "Push a batch of the terminal's outbox",
    description:
      "One (terminal, epoch) at a time, in sequence order, applied in one transaction: each item is answered ok, exists or exists_with_different. Every transfer and transaction must name the caller's store and terminal, every event its terminal.",
    auth: true,
    body: pushRequestSchema,
    answers: {
      200: { description: 'Applied (or already there): mark these outbox rows acknowledged', schema: pushResponseSchema },
      ...BAD_BODY,
      ...AUTH,
      403: error("An item names another store or terminal than the caller's: nothing was written"),
      409: { description: "`fromSeq` does not continue the server's sequence for this epoch: nothing was written; resend from `lastSeq + 1`", schema: sequenceConflictSchema },
    },
  },
  {
    name: 'sequences',
    method: 'GET',
    url: '/v1/sequences',
    summary: "The caller's last sequence number per epoch",
    description: 'What the server holds of this terminal: a restored or re-installed terminal asks before it pushes.',
    auth: true,
    answers: { 200: { description: 'The last sequence number per epoch (none yet: an empty list)', schema: sequencesResponseSchema }, ...AUTH },
  },
  {
    name: 'pull',
    method: 'GET',
    url: '/v1/pull',
    summary: 'Changes since a cursor, one page',
    description:
      'Member records, counter transactions, transfers (with the lots they granted and drew) and events booked anywhere in the chain after `cursor`, in commit order, at most `limit` entries per page cut on a commit boundary. Apply the page and its `cursor` together; ask again while `more`. What the caller booked itself is left out unless `own=1` (after a restore). Phone and e-mail of members enrolled at another store are withheld (`contactWithheld`).',
    auth: true,
    query: pullQuerySchema,
    answers: { 200: { description: 'One page of changes', schema: pullResponseSchema }, 400: error('The query is not valid: nothing was read'), ...AUTH },
  },
  {
    name: 'bootstrap',
    method: 'GET',
    url: '/v1/bootstrap',
    summary: "Everything a new terminal pulls, as one stream",
    description:
      "A new (empty) terminal's first pull: what pages from an empty cursor would bring — members (contact details withheld as in a pull), counter transactions, transfers with their lots and draws, events — read in one snapshot of the store and streamed as newline-delimited JSON in the terminal's table shapes: a header line (`cursor` to continue pulling from, `counts` of the rows that follow), chunk lines of one section each (`members`, `transactions`, `transfers`, `events`, rows as arrays), and an `end` line (a stream without it broke off: load nothing). Load it in one transaction with `cursor`, then pull pages from there. The caller's own entries are left out unless `own=1`.",
    auth: true,
    query: bootstrapQuerySchema,
    answers: {
      200: { description: 'The stream: one JSON value per line (header, chunks, end)', schema: bootstrapLineSchema, contentType: 'application/x-ndjson' },
      400: error('The query is not valid: nothing was read'),
      ...AUTH,
    },
  },
  {
    name: 'member-by-card',
    method: 'GET',
    url: '/v1/members/by-card',
    summary: "The state of the member holding a card",
    description: "For a card the terminal has never seen, scanned at the counter: the member's record, transactions, transfers and events (as in a pull page), so a member enrolled at another store is served at once.",
    auth: true,
    query: cardLookupQuerySchema,
    answers: {
      200: { description: "The member's whole state", schema: memberStateSchema },
      400: error('The query is not valid: nothing was read'),
      ...AUTH,
      404: error('No member holds this card'),
    },
  },
  {
    name: 'day-report',
    method: 'GET',
    url: '/v1/day-report',
    summary: "The caller's end-of-day figures",
    description:
      "The calling terminal's figures for one local day of its store (`day`, YYYY-MM-DD, in the store's time zone), from what it pushed: sales, returns, points issued, redeemed, expired, donated, members enrolled and the rest defined in src/contract/day-report.ts. `tally eod` compares them with its own ledger's.",
    auth: true,
    query: dayReportQuerySchema,
    answers: {
      200: { description: "The day's figures as the server holds them (`unsynced` is null: only the terminal knows it)", schema: dayReportSchema },
      400: error('`day` is missing, not YYYY-MM-DD, or not a day of the calendar (or another parameter was given): nothing was read'),
      ...AUTH,
      503: error('The server has no program yet: try again once head office has published one'),
    },
  },
  {
    name: 'hold',
    method: 'POST',
    url: '/v1/holds',
    summary: "Hold a member's points for one spend",
    description:
      "Online, a terminal holds the points a spend needs before booking it: granted when the member's balance less every other unexpired hold covers it. The hold expires on the server's clock (the program's `spending.offline.holdSeconds`); the push that brings the spend (its transaction names the hold) posts it. The same hold id again answers the same.",
    auth: true,
    body: holdRequestSchema,
    answers: {
      200: { description: 'Held until `expiresAt` (server clock)', schema: holdResponseSchema },
      ...BAD_BODY,
      ...AUTH,
      409: { description: 'Not enough points, counting what other counters hold: nothing was held; `available` says how many are', schema: holdRefusedSchema },
    },
  },
  {
    name: 'hold-void',
    method: 'POST',
    url: '/v1/holds/void',
    summary: 'Give a hold back',
    description: 'The counter did not book the spend: a hold of the caller that is still held and not expired is voided; otherwise the answer says what became of it (posted, expired, voided, unknown).',
    auth: true,
    body: voidHoldRequestSchema,
    answers: { 200: { description: 'What the hold is now', schema: voidHoldResponseSchema }, ...BAD_BODY, ...AUTH },
  },
  {
    name: 'offline-budget',
    method: 'POST',
    url: '/v1/offline-budget',
    summary: "The terminal's offline spending budget",
    description:
      "What the terminal may let members spend while it cannot reach the server, for one budget period: the unexpired grant, else a new one (the program's `spending.offline`, or the store's own budget set with `tally-server store budget`). Budgets of one terminal never overlap, so the most a chain can lose in a period is the sum of the budgets granted in it.",
    auth: true,
    answers: { 200: { description: 'The current grant, with the server clock', schema: offlineBudgetResponseSchema }, ...AUTH, 503: error('The server has no program yet') },
  },
  {
    name: 'openapi',
    method: 'GET',
    url: '/openapi.json',
    summary: 'This document',
    description: 'The OpenAPI 3.1 description of every route, generated from the same schemas the server validates with.',
    auth: false,
    answers: { 200: { description: 'The OpenAPI 3.1 document', schema: openApiDocumentSchema } },
  },
];

export function route(name: RouteName): RouteSpec {
  const spec = ROUTES.find((r) => r.name === name);
  if (!spec) throw new Error(`no route ${name}`);
  return spec;
}

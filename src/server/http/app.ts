/**
 * The central server's HTTP API (Fastify). `buildServer` makes the app and returns it without
 * listening: the caller (the CLI's `serve`, a test) listens and closes.
 *
 * What every request goes through, in order:
 * 1. a credential check for the routes that need one (`onRequest`, before the body is even read,
 *    so an unknown caller cannot make the server parse 4 MiB): 401 for none, an unknown one or a
 *    revoked terminal's;
 * 2. Fastify's body parsing, made strict: JSON only (anything else 415), at most `bodyLimit`
 *    bytes (413), `__proto__` / `constructor.prototype` keys refused (400);
 * 3. the route's zod schema from `src/contract/sync.ts` (400, unknown fields refused);
 * 4. the route's own checks (403 for an item of another store or terminal), then the store, whose
 *    writes are each one transaction.
 * A refusal at any step writes nothing. Refusals are counted per minute in the log (see
 * refusals.ts); credentials, enrolment codes and bodies are never logged.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Fastify from 'fastify';
import type { z } from 'zod';
import { fromBase64Url, toBase64Url } from '../../core/card-code/base64url.js';
import { certifyTerminalKey } from '../../core/card-code/member-qr.js';
import { parseProgramFile } from '../../core/program/parse.js';
import type { Program } from '../../core/program/schema.js';
import {
  enrolRequestSchema,
  pushRequestSchema,
  type EnrolResponse,
  type PushItem,
  type PushRequest,
  type PushResponse,
} from '../../contract/sync.js';
import { credentialHash, bearerCredential, enrolmentCodeHash, newCredential } from '../credentials.js';
import { publicHalf, type ServerKeys } from '../keys.js';
import type { ProgramRecord, ServerStore, TerminalRecord } from '../store/store.js';
import { describeIssues, HttpError, toHttpError, unstorableBody } from './errors.js';
import { buildOpenApiDocument } from './openapi.js';
import { RefusalTally, type RefusalSummary } from './refusals.js';
import { route } from './routes.js';
import { dayReportQuerySchema } from '../../contract/day-report.js';
import { cardLookupQuerySchema, pullQuerySchema } from '../../contract/pull.js';
import { holdRequestSchema, voidHoldRequestSchema } from '../../contract/spending.js';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { bootstrapQuerySchema } from '../../contract/bootstrap.js';
import { bootstrapLines } from '../store/bootstrap.js';

export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;
/** Entries per pull page when the terminal does not say. */
export const DEFAULT_PULL_LIMIT = 2000;
/** A terminal certificate lasts a year; the terminal renews it by enrolling again. */
export const CERTIFICATE_DAYS = 365;
const DAY_MS = 86_400_000;

export interface ServerLog {
  readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Where JSON log lines go (the CLI: standard error). */
  readonly write: (line: string) => void;
}

export interface BuildServerOptions {
  readonly store: ServerStore;
  /**
   * The server's signing keys, or how to find them: `serve` may start before `init` has made
   * them, so a function is asked on each enrolment (undefined: not initialised yet, 503).
   */
  readonly keys: ServerKeys | (() => ServerKeys | undefined);
  /** The server's clock (UTC ms): `GET /v1/health` reports it, certificates and codes expire by it. */
  readonly clock?: () => number;
  /** Random bytes for credentials (tests make them predictable). */
  readonly random?: (size: number) => Uint8Array;
  readonly bodyLimit?: number;
  /** TLS: the certificate chain and private key (PEM). Absent: plain HTTP (loopback, or behind a TLS proxy). */
  readonly https?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Logging (absent: none). */
  readonly log?: ServerLog;
  /** How long a refusal-count window lasts (tests shorten it). */
  readonly refusalWindowMs?: number;
}

export function buildServer(options: BuildServerOptions): FastifyInstance {
  const { store } = options;
  const clock = options.clock ?? Date.now;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const keysNow = typeof options.keys === 'function' ? options.keys : (): ServerKeys => options.keys as ServerKeys;

  const common = {
    bodyLimit,
    // Prototype poisoning is refused (400), never stripped silently.
    onProtoPoisoning: 'error' as const,
    onConstructorPoisoning: 'error' as const,
    // Slow or stalled clients do not hold connections for ever.
    requestTimeout: 60_000,
    connectionTimeout: 60_000,
    return503OnClosing: true,
    logger: options.log
      ? {
          level: options.log.level,
          stream: { write: options.log.write },
          // Not in Fastify's default request serializer either; this keeps it so if that changes.
          redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.body'], censor: '[hidden]' },
        }
      : false,
  };
  const app: FastifyInstance = options.https ? Fastify({ ...common, https: { cert: options.https.cert, key: options.https.key } }) : Fastify(common);

  // JSON only, through Fastify's own parser (with the poisoning checks above): no text/plain, no
  // forms, nothing the stores cannot keep (see unstorableBody).
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body, done) =>
    parseJson(request, typeof body === 'string' ? body : body.toString('utf8'), (error, value) => {
      if (error) return done(error);
      const problem = unstorableBody(value, typeof body === 'string' ? body : undefined);
      return problem === null ? done(null, value) : done(new HttpError(400, 'malformed', `${problem}: nothing was written`));
    }),
  );

  const refusalCodes = new WeakMap<FastifyRequest, string>();
  const callers = new WeakMap<FastifyRequest, TerminalRecord>();
  const tally = new RefusalTally((summary: RefusalSummary) => app.log.warn({ refusals: summary.refusals, total: summary.total, windowSeconds: summary.windowSeconds }, 'HTTP refusals'), clock, options.refusalWindowMs);

  const refuse = (request: FastifyRequest, reply: FastifyReply, error: HttpError): FastifyReply => {
    refusalCodes.set(request, error.code);
    if (error.status === 401) void reply.header('www-authenticate', 'Bearer realm="tally"');
    return reply.code(error.status).type('application/json; charset=utf-8').send(error.body());
  };

  app.setErrorHandler((error, request, reply) => {
    const refusal = toHttpError(error, bodyLimit);
    if (refusal.status >= 500) request.log.error({ err: error }, 'request failed');
    return refuse(request, reply, refusal);
  });
  app.setNotFoundHandler((request, reply) => refuse(request, reply, new HttpError(404, 'not-found', `No route ${request.method} ${request.url.split('?')[0]!.slice(0, 100)}: see /openapi.json`)));
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 400) tally.note(reply.statusCode, refusalCodes.get(request) ?? 'other');
  });
  app.addHook('onClose', async () => tally.flush());

  /** The calling terminal (`onRequest` of authenticated routes). */
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const bearer = bearerCredential(request.headers.authorization);
    if (!bearer.ok) {
      throw bearer.reason === 'missing'
        ? new HttpError(401, 'unauthenticated', 'This route needs the terminal credential: Authorization: Bearer tly_…')
        : new HttpError(401, 'unknown-credential', 'The credential is not one this server gave out');
    }
    const terminal = await store.terminalByCredential(credentialHash(bearer.credential));
    if (!terminal) throw new HttpError(401, 'unknown-credential', 'The credential is not one this server gave out');
    if (terminal.status === 'revoked') {
      throw new HttpError(401, 'revoked', `Terminal ${terminal.storeId}/${terminal.terminalId} was revoked: keep its outbox and enrol it again with a new code from head office`);
    }
    callers.set(request, terminal);
  };
  const caller = (request: FastifyRequest): TerminalRecord => {
    const terminal = callers.get(request);
    if (!terminal) throw new Error('an authenticated route ran without its credential check');
    return terminal;
  };

  const parse = <T extends z.ZodType>(schema: T, body: unknown): z.output<T> => {
    if (body === undefined || body === null) throw new HttpError(400, 'malformed', 'The body is missing; it must be a JSON object (Content-Type: application/json)');
    const result = schema.safeParse(body);
    if (!result.success) throw new HttpError(400, 'invalid', `The body is not valid: ${describeIssues(result.error.issues)}`);
    return result.data;
  };

  const register = (name: Parameters<typeof route>[0], handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>): void => {
    const spec = route(name);
    app.route({ method: spec.method, url: spec.url, ...(spec.auth ? { onRequest: authenticate } : {}), handler });
  };

  register('health', async () => ({ ok: true as const, time: clock() }));

  const parseQuery = <T extends z.ZodType>(schema: T, query: unknown): z.output<T> => {
    const result = schema.safeParse(query ?? {});
    if (!result.success) throw new HttpError(400, 'invalid', `The query is not valid: ${describeIssues(result.error.issues)}`);
    return result.data;
  };

  register('pull', async (request) => {
    const terminal = caller(request);
    const query = parseQuery(pullQuerySchema, request.query);
    return store.pull({
      storeId: terminal.storeId,
      terminalId: terminal.terminalId,
      cursor: query.cursor === undefined ? null : BigInt(query.cursor),
      limit: query.limit ?? DEFAULT_PULL_LIMIT,
      own: query.own === '1',
    });
  });

  register('bootstrap', async (request, reply) => {
    const terminal = caller(request);
    const query = parseQuery(bootstrapQuerySchema, request.query);
    const wanted = { storeId: terminal.storeId, terminalId: terminal.terminalId, own: query.own === '1' };
    const snapshot = await store.bootstrap(wanted);
    // Read as it is sent: the socket's back-pressure paces the store's read. A failure mid-way ends
    // the stream without its end line (the terminal loads nothing); a caller that goes away ends the read.
    return reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(bootstrapLines(snapshot, wanted), { objectMode: false }));
  });

  register('member-by-card', async (request) => {
    const terminal = caller(request);
    const query = parseQuery(cardLookupQuerySchema, request.query);
    const state = await store.memberStateByCard(query.code, { storeId: terminal.storeId, terminalId: terminal.terminalId });
    if (!state) throw new HttpError(404, 'not-found', 'No member holds this card');
    return state;
  });

  register('sequences', async (request) => {
    const terminal = caller(request);
    const sequences = await store.lastSeqs(terminal.storeId, terminal.terminalId);
    return { sequences: [...sequences].sort((a, b) => a.epoch - b.epoch).map((s) => ({ epoch: s.epoch, lastSeq: s.lastSeq })) };
  });

  register('push', async (request, reply) => {
    const terminal = caller(request);
    const batch = parse(pushRequestSchema, request.body);
    checkBatch(batch, terminal);
    const outcome = await store.push({ storeId: terminal.storeId, terminalId: terminal.terminalId, epoch: batch.epoch, fromSeq: batch.fromSeq, items: batch.items, now: clock() });
    if (!outcome.ok) throw new HttpError(409, 'sequence', outcome.message, { lastSeq: outcome.lastSeq });
    const answer: PushResponse = {
      lastSeq: outcome.lastSeq,
      results: outcome.results.map((r) => ({ entity: r.entity, id: r.id, ...(r.version !== undefined ? { version: r.version } : {}), status: r.status })),
      ...(outcome.countedHolds !== undefined && outcome.countedHolds.length > 0 ? { countedHolds: [...outcome.countedHolds] } : {}),
    };
    return reply.code(200).send(answer);
  });

  // A program's text is parsed once per version, not once per enrolment.
  let parsedProgram: { readonly key: string; readonly program: Program } | undefined;
  const programOf = (record: ProgramRecord): Program => {
    const key = `${record.id}@${record.version}`;
    if (parsedProgram?.key !== key) parsedProgram = { key, program: parseProgramFile(record.text, `${record.id} version ${record.version}`).program };
    return parsedProgram.program;
  };

  const spendingTerms = async (): Promise<Program['spending']['offline']> => {
    const current = await store.currentProgram();
    if (!current) throw new HttpError(503, 'not-ready', 'This server is not initialised yet (tally-server init --program FILE)');
    return programOf(current).spending.offline;
  };

  register('hold', async (request, reply) => {
    const terminal = caller(request);
    const body = parse(holdRequestSchema, request.body);
    const terms = await spendingTerms();
    const now = clock();
    const outcome = await store.createHold({ ...body, storeId: terminal.storeId, terminalId: terminal.terminalId, now, expiresAt: now + terms.holdSeconds * 1000 });
    if (!outcome.ok) {
      return refuse(request, reply, new HttpError(409, 'insufficient', `The member has ${Math.max(0, outcome.available)} points available, counting what other counters hold: nothing was held`, { available: outcome.available }));
    }
    const state = await store.memberState(body.memberId, { storeId: terminal.storeId, terminalId: terminal.terminalId });
    return { holdId: outcome.holdId, points: outcome.points, expiresAt: outcome.expiresAt, serverTime: now, state, lots: outcome.lots };
  });

  register('hold-void', async (request) => {
    const terminal = caller(request);
    const body = parse(voidHoldRequestSchema, request.body);
    return { state: await store.voidHold({ ...body, storeId: terminal.storeId, terminalId: terminal.terminalId, now: clock() }) };
  });

  register('offline-budget', async (request) => {
    const terminal = caller(request);
    const terms = await spendingTerms();
    const now = clock();
    const grant = await store.offlineGrant({
      storeId: terminal.storeId,
      terminalId: terminal.terminalId,
      now,
      newId: toBase64Url(options.random ? options.random(12) : new Uint8Array(randomBytes(12))),
      terms: {
        points: terms.budgetPoints,
        perTransaction: terms.perTransaction,
        perMember: terms.perMember,
        snapshotMaxAgeMs: terms.snapshotMaxAgeHours * 3_600_000,
        periodMs: terms.budgetHours * 3_600_000,
      },
    });
    return { grant, serverTime: now };
  });

  register('enrol', async (request) => {
    const body = parse(enrolRequestSchema, request.body);
    const publicKey = fromBase64Url(body.terminalPublicKey);
    if (!publicKey || publicKey.length !== 32) throw new HttpError(400, 'invalid', 'terminalPublicKey: is not a 32-byte Ed25519 public key in base64url');
    const now = clock();

    // Everything that can fail without the code is checked first: a refusal must leave the code usable.
    let keys: ServerKeys | undefined;
    try {
      keys = keysNow();
    } catch (error) {
      // Unusable key files (readable by others, damaged): the operator must act; the terminal can only wait.
      request.log.error({ err: error }, 'the server keys cannot be used');
      throw new HttpError(503, 'not-ready', "This server's keys cannot be used (see its log): the code was not used; try again once head office has fixed it");
    }
    const current = await store.currentProgram();
    if (!keys || !current) throw new HttpError(503, 'not-ready', 'This server is not initialised yet (tally-server init --program FILE): the code was not used; try again once it is');
    const program = programOf(current);
    const memberQr = publicHalf(keys.memberQr);
    const programKey = publicHalf(keys.program);
    if (!program.cardCodes.verifyKeys.some((k) => k.id === memberQr.id && k.publicKey === memberQr.publicKey) || !program.programKeys.some((k) => k.id === programKey.id && k.publicKey === programKey.publicKey)) {
      request.log.error({ memberQrKey: memberQr.id, programKey: programKey.id, program: `${current.id}@${current.version}` }, "the published program does not name this server's keys");
      throw new HttpError(503, 'not-ready', "This server's keys are not the ones its program names (copy the keys folder from the server that published it): the code was not used");
    }
    if (program.revoked.terminalKeys.includes(body.terminalKeyId)) {
      throw new HttpError(400, 'invalid', `terminalKeyId: key ${body.terminalKeyId} is on the program's revoked list: make a new terminal key with another id; the code was not used`);
    }

    // The certificate names the code's store and terminal: read them first; using the code comes after.
    const codeHash = enrolmentCodeHash(body.code);
    const code = await store.enrolmentCode(codeHash);
    if (!code) throw badCode('unknown');
    if (code.usedAt !== null) throw badCode('used');
    if (code.expiresAt <= now) throw badCode('expired');
    const place = await store.getStore(code.storeId);
    if (!place) throw new Error(`enrolment code for a store that does not exist (${code.storeId})`);

    const certificate = certifyTerminalKey(keys.memberQr, {
      terminalKeyId: body.terminalKeyId,
      storeId: code.storeId,
      terminalId: code.terminalId,
      terminalPublicKey: body.terminalPublicKey,
      expiresAt: now + CERTIFICATE_DAYS * DAY_MS,
    });
    const credential = newCredential(options.random);
    // The store re-checks the code atomically: of two enrolments racing with one code, one wins.
    const used = await store.useEnrolmentCode(codeHash, { credentialHash: credentialHash(credential), keyId: body.terminalKeyId, certificate, now });
    if (!used.ok) throw badCode(used.reason);
    if (used.storeId !== code.storeId || used.terminalId !== code.terminalId) throw new Error('the store enrolled another terminal than the code it was shown');
    request.log.info({ storeId: used.storeId, terminalId: used.terminalId, terminalKeyId: body.terminalKeyId }, 'terminal enrolled');
    const answer: EnrolResponse = {
      storeId: used.storeId,
      terminalId: used.terminalId,
      timeZone: place.timeZone,
      credential,
      program: current.text,
      programKeys: program.programKeys.map((k) => ({ id: k.id, publicKey: k.publicKey })),
      certificate: { ...certificate },
    };
    return answer;
  });

  register('day-report', async (request) => {
    const terminal = caller(request);
    const query = parseQuery(dayReportQuerySchema, request.query);
    const current = await store.currentProgram();
    if (!current) throw new HttpError(503, 'not-ready', 'This server has no program yet (tally-server init --program FILE): try again once it has');
    const report = await store.dayReport({ storeId: terminal.storeId, terminalId: terminal.terminalId, day: query.day, currency: programOf(current).currency });
    if (!report) throw new Error(`an enrolled terminal of a store that does not exist (${terminal.storeId})`);
    return report;
  });

  let openApi: Record<string, unknown> | undefined;
  register('openapi', async () => (openApi ??= buildOpenApiDocument()));

  return app;
}

function badCode(reason: 'unknown' | 'used' | 'expired'): HttpError {
  const why = { unknown: 'is not one this server gave out', used: 'was already used', expired: 'has expired' }[reason];
  return new HttpError(401, 'enrolment-code', `This enrolment code ${why}: ask head office for a new one (tally-server terminal code); nothing was written`);
}

/**
 * Every entry of a batch must be the caller's own: a terminal's credential lets it write only what
 * it booked. Members are shared (one member shops at many stores), so a member version is not tied
 * to the terminal that sends it.
 */
function checkBatch(batch: PushRequest, terminal: TerminalRecord): void {
  const foreign = (index: number, item: PushItem, what: string): HttpError =>
    new HttpError(403, 'wrong-terminal', `items.${index} (${item.entity}) names ${what}, but this credential is terminal ${terminal.storeId}/${terminal.terminalId}'s: nothing was written`);
  batch.items.forEach((item, index) => {
    switch (item.entity) {
      case 'transfer':
        if (item.transfer.storeId !== terminal.storeId || item.transfer.terminalId !== terminal.terminalId) throw foreign(index, item, `${item.transfer.storeId}/${item.transfer.terminalId}`);
        if (item.transfer.epoch !== batch.epoch) throw new HttpError(400, 'invalid', `items.${index}.transfer.epoch is ${item.transfer.epoch}, but the batch is for epoch ${batch.epoch}: one epoch per push`);
        break;
      case 'transaction':
        if (item.transaction.storeId !== terminal.storeId || item.transaction.terminalId !== terminal.terminalId) throw foreign(index, item, `${item.transaction.storeId}/${item.transaction.terminalId}`);
        break;
      case 'event':
        if (item.event.terminalId !== terminal.terminalId) throw foreign(index, item, `terminal ${item.event.terminalId}`);
        break;
      case 'member':
        break;
    }
  });
}

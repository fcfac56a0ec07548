/**
 * The terminal's HTTP client for the central server: JSON over fetch, a timeout on every call,
 * the terminal's bearer credential, and every answer validated against the sync contract before
 * anything acts on it. Failures become typed errors a manager can act on; a failure never loses
 * data (the outbox stays as it was).
 */
import { isUtf8 } from 'node:buffer';
import type { z } from 'zod';
import { dayReportSchema, type DayReport } from '../../contract/day-report.js';
import {
  enrolResponseSchema,
  errorResponseSchema,
  healthResponseSchema,
  pushResponseSchema,
  sequenceConflictSchema,
  sequencesResponseSchema,
  type EnrolRequest,
  type EnrolResponse,
  type PushRequest,
  type PushResponse,
} from '../../contract/sync.js';
import { holdRefusedSchema, holdResponseSchema, offlineBudgetResponseSchema, voidHoldResponseSchema, type HoldRequest, type HoldResponse, type OfflineBudgetResponse, type VoidHoldResponse } from '../../contract/spending.js';
import { memberStateSchema, pullResponseSchema, type MemberState, type PullResponse } from '../../contract/pull.js';
import { TallyError } from '../../core/errors.js';

/** The byte that ends each line of the first sync's stream (ndjson). */
const NEWLINE = 0x0a;

export interface SyncClientOptions {
  readonly baseUrl: string;
  readonly credential?: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export type PushAnswer = { readonly ok: true; readonly response: PushResponse } | { readonly ok: false; readonly lastSeq: number };


export class SyncClient {
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: SyncClientOptions) {
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    try {
      const url = new URL(options.baseUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new TallyError('invalid-input', `The server address must be an http:// or https:// URL, got "${options.baseUrl.slice(0, 80)}"`);
    }
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const url = new URL(path, this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`);
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.options.credential ? { authorization: `Bearer ${this.options.credential}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const why = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : error instanceof Error ? ((error.cause as { code?: string } | undefined)?.code ?? error.message) : String(error);
      throw new TallyError('io-error', `The server ${this.options.baseUrl} cannot be reached (${why}): nothing was lost; try again when the link is back`, { retryable: true });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      // The answer stopped part-way (the link dropped, the server died, the timeout ran out while
      // reading): whatever the request was, this terminal wrote nothing from it.
      const why = error instanceof Error && error.name === 'TimeoutError' ? `no whole answer within ${this.timeoutMs} ms` : 'the answer was cut off part-way';
      throw new TallyError('io-error', `The server ${this.options.baseUrl} stopped answering (${why}): nothing was lost; try again when the link is back`, { retryable: true });
    }
    try {
      return { status: response.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
    } catch {
      throw new TallyError('io-error', `The server answered ${response.status} with something that is not JSON: is ${this.options.baseUrl} a Tally server?`, { retryable: true });
    }
  }

  private refusal(status: number, json: unknown, what: string): TallyError {
    const parsed = errorResponseSchema.safeParse(json);
    const message = parsed.success ? parsed.data.error.message : `HTTP ${status}`;
    if (status === 401) return new TallyError('proof-refused', `The server refused this terminal's credential (${message}): it may have been revoked; nothing was lost, the entries wait here`);
    if (status === 403) return new TallyError('proof-refused', `The server refused ${what}: ${message}`);
    if (status >= 500) return new TallyError('io-error', `The server failed on ${what} (${message}): nothing was lost; sync again later`, { retryable: true });
    return new TallyError('invalid-input', `The server refused ${what}: ${message}`);
  }

  private parse<T extends z.ZodType>(schema: T, json: unknown, what: string): z.output<T> {
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new TallyError('io-error', `The server's answer to ${what} is not what this Tally expects (${parsed.error.issues[0]?.message ?? 'invalid'}): update Tally or the server`);
    return parsed.data;
  }

  async enrol(request: EnrolRequest): Promise<EnrolResponse> {
    const { status, json } = await this.call('POST', 'v1/enrol', request);
    if (status !== 200) throw this.refusal(status, json, 'the enrolment');
    return this.parse(enrolResponseSchema, json, 'the enrolment');
  }

  /** The server's clock, when the credential is good: "online" means this answered lately. */
  async health(): Promise<number> {
    const { status, json } = await this.call('GET', 'v1/health');
    if (status !== 200) throw this.refusal(status, json, 'the health check');
    return this.parse(healthResponseSchema, json, 'the health check').time;
  }

  async sequences(): Promise<Map<number, number>> {
    const { status, json } = await this.call('GET', 'v1/sequences');
    if (status !== 200) throw this.refusal(status, json, 'the sequence query');
    return new Map(this.parse(sequencesResponseSchema, json, 'the sequence query').sequences.map((s) => [s.epoch, s.lastSeq]));
  }

  /** The server's end-of-day figures of this terminal for a day of its store (YYYY-MM-DD). */
  async dayReport(day: string): Promise<DayReport> {
    const { status, json } = await this.call('GET', `v1/day-report?day=${encodeURIComponent(day)}`);
    if (status !== 200) throw this.refusal(status, json, 'the end-of-day report');
    return this.parse(dayReportSchema, json, 'the end-of-day report');
  }

  async pull(query: { readonly cursor: string | null; readonly limit?: number; readonly own: boolean }): Promise<PullResponse> {
    const params = new URLSearchParams();
    if (query.cursor !== null) params.set('cursor', query.cursor);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.own) params.set('own', '1');
    const { status, json } = await this.call('GET', `v1/pull?${params.toString()}`);
    if (status !== 200) throw this.refusal(status, json, 'a pull');
    return this.parse(pullResponseSchema, json, 'a pull');
  }

  /**
   * `GET /v1/bootstrap` (src/contract/bootstrap.ts): the lines of the stream as they arrive, each
   * without its newline. No overall time limit (a chain's first sync is long): the answer must start
   * within the timeout, and then no more than `idleMs` may pass without a byte. A stream that breaks
   * off ends in a retryable error (the caller loads nothing of it).
   */
  async bootstrap(query: { readonly own: boolean }, idleMs = Math.max(this.timeoutMs, 60_000)): Promise<AsyncGenerator<string>> {
    const url = new URL(`v1/bootstrap${query.own ? '?own=1' : ''}`, this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`);
    const controller = new AbortController();
    let timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'GET',
        headers: { accept: 'application/x-ndjson', ...(this.options.credential ? { authorization: `Bearer ${this.options.credential}` } : {}) },
        signal: controller.signal,
      });
    } catch (error) {
      clearTimeout(timer);
      const why = controller.signal.aborted ? `no answer within ${this.timeoutMs} ms` : error instanceof Error ? ((error.cause as { code?: string } | undefined)?.code ?? error.message) : String(error);
      throw new TallyError('io-error', `The server ${this.options.baseUrl} cannot be reached (${why}): nothing was lost; try again when the link is back`, { retryable: true });
    }
    if (response.status !== 200 || !response.body) {
      clearTimeout(timer);
      const text = await response.text().catch(() => '');
      let json: unknown = null;
      try {
        json = text === '' ? null : (JSON.parse(text) as unknown);
      } catch {
        // Not JSON: the refusal says HTTP <status>.
      }
      throw this.refusal(response.status, json, "the first sync's download");
    }
    if (!(response.headers.get('content-type') ?? '').startsWith('application/x-ndjson')) {
      clearTimeout(timer);
      await response.body.cancel().catch(() => undefined);
      throw new TallyError('io-error', `The server answered the first sync's download with something that is not a Tally stream: is ${this.options.baseUrl} a Tally server?`, { retryable: true });
    }
    const reader = response.body.getReader();
    const baseUrl = this.options.baseUrl;
    const idle = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), idleMs);
    };
    async function* lines(): AsyncGenerator<string> {
      // The bytes of the line being received, decoded once its newline arrives (a chunk line is a
      // megabyte or so): one UTF-8 check and one decode per line, not one per network read.
      let parts: Uint8Array[] = [];
      const line = (): string => {
        const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        parts = [];
        if (!isUtf8(bytes)) throw new TallyError('io-error', `The server ${baseUrl} sent a first-sync stream that is not UTF-8 text: nothing of it was loaded; update Tally or the server`);
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      };
      let finished = false;
      try {
        for (;;) {
          // Only the wait for bytes is timed, not this terminal's own work on what arrived.
          idle();
          const { done, value } = await reader.read();
          clearTimeout(timer);
          if (done) break;
          let start = 0;
          for (let newline = value.indexOf(NEWLINE, start); newline >= 0; newline = value.indexOf(NEWLINE, start)) {
            parts.push(value.subarray(start, newline));
            yield line();
            start = newline + 1;
          }
          if (start < value.length) parts.push(value.subarray(start));
        }
        if (parts.length > 0) {
          const last = line();
          if (last !== '') yield last;
        }
        finished = true;
      } catch (error) {
        if (error instanceof TallyError) throw error;
        const why = controller.signal.aborted ? `nothing arrived for ${idleMs} ms` : error instanceof Error ? ((error.cause as { code?: string } | undefined)?.code ?? error.message) : String(error);
        throw new TallyError('io-error', `The server ${baseUrl} stopped answering during the first sync's download (${why}): nothing was lost, and nothing of the download was loaded; sync again`, { retryable: true });
      } finally {
        clearTimeout(timer);
        if (!finished) await reader.cancel().catch(() => undefined);
      }
    }
    return lines();
  }

  /** The state of the member holding `code`, or null when no member holds it. */
  async memberByCard(code: string): Promise<MemberState | null> {
    const { status, json } = await this.call('GET', `v1/members/by-card?${new URLSearchParams({ code }).toString()}`);
    if (status === 404) return null;
    if (status !== 200) throw this.refusal(status, json, 'the card lookup');
    return this.parse(memberStateSchema, json, 'the card lookup');
  }

  /** A hold for one spend, or how many points are available when the server refuses it. */
  async hold(request: HoldRequest): Promise<{ readonly ok: true; readonly hold: HoldResponse } | { readonly ok: false; readonly available: number }> {
    const { status, json } = await this.call('POST', 'v1/holds', request);
    if (status === 409) return { ok: false, available: this.parse(holdRefusedSchema, json, 'a hold').available };
    if (status !== 200) throw this.refusal(status, json, 'a hold');
    return { ok: true, hold: this.parse(holdResponseSchema, json, 'a hold') };
  }

  async voidHold(memberId: string, holdId: string): Promise<VoidHoldResponse['state']> {
    const { status, json } = await this.call('POST', 'v1/holds/void', { memberId, holdId });
    if (status !== 200) throw this.refusal(status, json, 'giving a hold back');
    return this.parse(voidHoldResponseSchema, json, 'giving a hold back').state;
  }

  async offlineBudget(): Promise<OfflineBudgetResponse> {
    const { status, json } = await this.call('POST', 'v1/offline-budget');
    if (status !== 200) throw this.refusal(status, json, 'the offline budget');
    return this.parse(offlineBudgetResponseSchema, json, 'the offline budget');
  }

  async push(request: PushRequest): Promise<PushAnswer> {
    const { status, json } = await this.call('POST', 'v1/push', request);
    if (status === 409) return { ok: false, lastSeq: this.parse(sequenceConflictSchema, json, 'a push').lastSeq };
    if (status !== 200) throw this.refusal(status, json, 'a push');
    return { ok: true, response: this.parse(pushResponseSchema, json, 'a push') };
  }
}

/**
 * The simulated shop network: a `fetch` per terminal (the seam `SyncClient` offers) that routes
 * each request to the server in-process (`app.inject`) — or does to it what a flaky link does:
 *
 * - `drop`: the request never reaches the server; the client sees a reset;
 * - `lose-response`: the server handles it (a push commits), the answer is lost;
 * - `duplicate`: the server gets it twice in a row; the client gets the first or the second answer;
 * - `duplicate-late`: the client gets its answer, and a second copy trails behind, delivered later;
 * - `delay`: the request is held somewhere on the way; the client times out; the server gets it
 *   later, after requests sent since (reordering);
 * - `flush`: before this request, some held ones arrive first.
 *
 * A link that is down refuses everything. Held requests arrive when the simulation says so
 * (`deliverHeld`), each step at random. A crash can be armed: the n-th request of a terminal is
 * handled by the server, then the terminal's process "dies" (the callback closes its ledger
 * abruptly) and the client sees the connection go.
 *
 * Every request the server handled is recorded; the pushes it answered 200 are kept whole for the
 * arrival-order replay. The steps are sequential and each request is awaited before the next is
 * sent (on PostgreSQL too: one request at a time reaches the store, and a pull first waits for the
 * cluster's stamp horizon, `beforePull`), so the whole run is deterministic: same seed, same
 * requests, same order.
 */
import type { FastifyInstance } from 'fastify';
import { pushRequestSchema, type PushRequest } from '../../../src/contract/sync.js';
import type { Random } from './random.js';

export type FaultKind = 'pass' | 'drop' | 'lose-response' | 'duplicate' | 'duplicate-late' | 'delay' | 'flush';

export const FAULT_WEIGHTS: Readonly<Record<FaultKind, number>> = {
  pass: 10,
  drop: 1.2,
  'lose-response': 1.5,
  duplicate: 1,
  'duplicate-late': 1,
  delay: 1.2,
  flush: 1,
};

interface WireRequest {
  readonly serial: number;
  readonly terminalId: string;
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** A push the server answered 200: what the arrival-order replay feeds a fresh store. */
export interface AcceptedPush {
  readonly terminalId: string;
  readonly request: PushRequest;
  /** The server's clock when it arrived. */
  readonly at: number;
  readonly late: boolean;
}

export interface NetworkOptions {
  readonly app: FastifyInstance;
  readonly random: Random;
  readonly serverNow: () => number;
  /** One line per request, for the failure trace. */
  readonly trace: (line: string) => void;
  /** Awaited before a pull reaches the server (./server.ts `settle`: PostgreSQL's stamp horizon). */
  readonly beforePull?: () => Promise<void>;
}

class LinkError extends TypeError {
  constructor(code: 'ECONNRESET' | 'ECONNREFUSED') {
    super('fetch failed', { cause: Object.assign(new Error(code), { code }) });
  }
}

function timeoutError(): Error {
  const error = new Error('The operation was aborted due to timeout');
  error.name = 'TimeoutError';
  return error;
}

interface ArmedCrash {
  remaining: number;
  readonly crash: () => void;
}

export class SimNetwork {
  private readonly links = new Map<string, boolean>();
  private readonly crashes = new Map<string, ArmedCrash>();
  private readonly cuts = new Map<string, number>();
  private held: WireRequest[] = [];
  private serial = 0;
  /** Probability that a request on an up link meets a fault (0: a perfect network). */
  faultRate = 0.25;
  readonly accepted: AcceptedPush[] = [];
  readonly faults = new Map<FaultKind | 'refused' | 'crash', number>();

  constructor(private readonly options: NetworkOptions) {}

  setLink(terminalId: string, up: boolean): void {
    this.links.set(terminalId, up);
  }

  isUp(terminalId: string): boolean {
    return this.links.get(terminalId) ?? true;
  }

  /** The `nth` request (1-based) this terminal sends from now on reaches the server, then the terminal dies. */
  armCrash(terminalId: string, nth: number, crash: () => void): void {
    this.crashes.set(terminalId, { remaining: nth, crash });
  }

  disarmCrash(terminalId: string): boolean {
    return this.crashes.delete(terminalId);
  }

  /**
   * Scripted scenarios: the next `n` requests of this terminal go through, then its link goes down
   * (e.g. a hold is granted, and the push that would post it is lost).
   */
  cutAfter(terminalId: string, n: number): void {
    this.cuts.set(terminalId, n);
  }

  heldCount(): number {
    return this.held.length;
  }

  private count(kind: FaultKind | 'refused' | 'crash'): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  /** The `fetch` this terminal's SyncClient uses. */
  fetchFor(terminalId: string): typeof fetch {
    const send = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
      const body = typeof init?.body === 'string' ? init.body : undefined;
      this.serial += 1;
      const request: WireRequest = { serial: this.serial, terminalId, method: init?.method ?? 'GET', url: `${url.pathname}${url.search}`, headers, body };
      return this.route(request);
    };
    return send as typeof fetch;
  }

  private async route(request: WireRequest): Promise<Response> {
    const { random, trace } = this.options;
    const name = `#${request.serial} ${request.terminalId} ${request.method} ${request.url.split('?')[0]}`;
    const cut = this.cuts.get(request.terminalId);
    if (cut !== undefined) {
      if (cut === 0) {
        this.cuts.delete(request.terminalId);
        this.setLink(request.terminalId, false);
      } else this.cuts.set(request.terminalId, cut - 1);
    }
    if (!this.isUp(request.terminalId)) {
      this.count('refused');
      trace(`${name}: link down`);
      throw new LinkError('ECONNREFUSED');
    }
    const armed = this.crashes.get(request.terminalId);
    if (armed) {
      armed.remaining -= 1;
      if (armed.remaining <= 0) {
        this.crashes.delete(request.terminalId);
        const answer = await this.deliver(request, false);
        this.count('crash');
        trace(`${name}: server answered ${answer.status}, then the terminal died`);
        armed.crash();
        throw new LinkError('ECONNRESET');
      }
    }
    const fault: FaultKind = random.chance(this.faultRate) ? random.weighted(FAULT_WEIGHTS) : 'pass';
    this.count(fault);
    switch (fault) {
      case 'pass': {
        const answer = await this.deliver(request, false);
        trace(`${name}: ${answer.status}`);
        return answer.response();
      }
      case 'drop':
        trace(`${name}: dropped`);
        throw new LinkError('ECONNRESET');
      case 'lose-response': {
        const answer = await this.deliver(request, false);
        trace(`${name}: server answered ${answer.status}, answer lost`);
        throw new LinkError('ECONNRESET');
      }
      case 'duplicate': {
        const first = await this.deliver(request, false);
        const second = await this.deliver(request, false);
        const which = random.chance(0.5) ? first : second;
        trace(`${name}: duplicated (${first.status}, ${second.status}), client got ${which === first ? 'first' : 'second'}`);
        return which.response();
      }
      case 'duplicate-late': {
        const answer = await this.deliver(request, false);
        this.held.push(request);
        trace(`${name}: ${answer.status}, a copy trails behind`);
        return answer.response();
      }
      case 'delay':
        this.held.push(request);
        trace(`${name}: held on the way, client timed out`);
        throw timeoutError();
      case 'flush': {
        const released = await this.deliverHeld(random.int(1, 3));
        const answer = await this.deliver(request, false);
        trace(`${name}: ${answer.status} after ${released} held request(s) arrived first`);
        return answer.response();
      }
    }
  }

  /** Up to `max` held requests reach the server now, in a random order; their answers go nowhere. */
  async deliverHeld(max: number): Promise<number> {
    const { random, trace } = this.options;
    let delivered = 0;
    while (delivered < max && this.held.length > 0) {
      const index = random.int(0, this.held.length - 1);
      const [request] = this.held.splice(index, 1);
      const answer = await this.deliver(request!, true);
      trace(`#${request!.serial} ${request!.terminalId} ${request!.method} ${request!.url.split('?')[0]}: arrived late, ${answer.status}`);
      delivered += 1;
    }
    return delivered;
  }

  /** Every held request arrives (the end of the run: the network drains). */
  async drain(): Promise<number> {
    return this.deliverHeld(Number.POSITIVE_INFINITY);
  }

  private async deliver(request: WireRequest, late: boolean): Promise<{ status: number; response: () => Response }> {
    const path = request.url.split('?')[0]!;
    if (path === '/v1/pull') await this.options.beforePull?.();
    const reply = await this.options.app.inject({
      method: request.method as 'GET' | 'POST',
      url: request.url,
      headers: request.headers,
      ...(request.body !== undefined ? { payload: request.body } : {}),
    });
    if (path === '/v1/push' && reply.statusCode === 200 && request.body !== undefined) {
      this.accepted.push({ terminalId: request.terminalId, request: pushRequestSchema.parse(JSON.parse(request.body)), at: this.options.serverNow(), late });
    }
    const contentType = String(reply.headers['content-type'] ?? 'application/json');
    return { status: reply.statusCode, response: () => new Response(reply.payload, { status: reply.statusCode, headers: { 'content-type': contentType } }) };
  }
}

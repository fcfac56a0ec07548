/**
 * A fault-injecting TCP proxy for HTTP/1.1, written for the sync tests: it listens on
 * 127.0.0.1:0 in front of a real server and, per request, passes it through, drops it, resets the
 * connection half-way through the body, loses the answer after the server has committed, sends it
 * to the server twice, or holds it for a while. The faults happen on real sockets, so the terminal
 * meets exactly what a flaky shop network does to it.
 *
 * How it works, and what it does not do:
 * - It reads each request from the client connection whole (request line, headers, a body framed
 *   by Content-Length) before acting on it, and handles a connection's requests one at a time.
 *   That is all a keep-alive client (undici's fetch, node:http) needs: neither pipelines.
 *   A request with Transfer-Encoding (chunked) is not supported: its connection is reset and the
 *   record says why.
 * - Every copy of a request goes to the server on a fresh upstream connection, which is closed
 *   once the response is complete (framed by Content-Length, chunked encoding, or the server
 *   closing). The client's connection stays open between requests unless a fault ends it.
 * - A fault the server causes (it refuses the connection, it dies mid-answer) reaches the client
 *   as a reset, like a dead link; the record keeps the error.
 *
 * Faults are chosen per request by a planner: scripted faults (`script`) are used first by the
 * requests they match, then the planner (`setPlanner`, e.g. `randomFaults(seed, …)`), default
 * pass-through. Every request leaves a record (`records`), and the test can wait for a moment in
 * its life (`waitFor('forwarded', …)`: the server has the whole request now) to kill a process at
 * exactly that point.
 */
import { EventEmitter } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export type Fault =
  | { readonly kind: 'pass' }
  /** The client's connection is closed before anything reaches the server. */
  | { readonly kind: 'drop' }
  /** The head and `fraction` of the body (default half) reach the server, then both connections are reset. */
  | { readonly kind: 'reset-mid-body'; readonly fraction?: number }
  /** The server gets the whole request and answers; the client's connection is reset instead of the answer. */
  | { readonly kind: 'lose-response' }
  /** The server answers; the client gets the first `fraction` of the answer's bytes (head included), then a reset. */
  | { readonly kind: 'cut-response'; readonly fraction: number }
  /**
   * The server gets the request twice, on two connections: at the same time (`concurrent`), one
   * after the other, or the second copy `lateMs` after the client got the first answer (a
   * duplicate that trails behind, racing the client's next request). The client gets one answer:
   * the first copy's, or with `answer: 'second'` the second's (not with `lateMs`).
   */
  | { readonly kind: 'duplicate'; readonly concurrent?: boolean; readonly answer?: 'first' | 'second'; readonly lateMs?: number }
  /** Held `ms` before the request goes to the server (`phase: 'request'`, default) or before its answer goes to the client. */
  | { readonly kind: 'delay'; readonly ms: number; readonly phase?: 'request' | 'response' };

export type FaultKind = Fault['kind'];

export interface RequestInfo {
  /** 1, 2, … in the order the proxy finished reading requests. */
  readonly index: number;
  /** Which client connection it came on (1, 2, …): a keep-alive client sends several on one. */
  readonly connection: number;
  readonly method: string;
  readonly path: string;
  /** Header names in lower case (a repeated header: the values joined with ", "). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface ProxyRecord {
  readonly request: RequestInfo;
  readonly fault: Fault;
  /** The status the server answered each copy with, in the order the copies were sent; null: no complete answer. */
  readonly upstream: (number | null)[];
  /** The server's complete answer to each copy (head and body, as sent), null where there was none. */
  readonly responses: (Buffer | null)[];
  /** The client got a complete answer. */
  delivered: boolean;
  /** Everything about this request is over (a late duplicate included). */
  settled: boolean;
  /** When (Date.now()) the request first reached each moment of its life. */
  readonly times: Partial<Record<ProxyEvent, number>>;
  /** What went wrong with the server side, if anything (ECONNREFUSED, the server closing mid-answer). */
  error: string | null;
}

export type ProxyEvent = 'request' | 'forwarded' | 'answered' | 'settled';
export type Planner = (request: RequestInfo) => Fault;

export interface FaultProxy {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The server's port (change it to re-point the proxy at a restarted server). */
  target: number;
  readonly records: readonly ProxyRecord[];
  /** Used for requests no scripted fault matches. Default: pass everything through. */
  setPlanner(planner: Planner): void;
  /** Queues faults for the next requests that `match` (default: every request), in order. */
  script(faults: readonly Fault[], match?: (request: RequestInfo) => boolean): void;
  /**
   * Resolves with the first record (already seen, or coming) to reach `event` and satisfy
   * `predicate`: 'request' (read whole, fault chosen), 'forwarded' (the server has a whole copy),
   * 'answered' (the server's answer to a copy is complete), 'settled'.
   */
  waitFor(event: ProxyEvent, predicate?: (record: ProxyRecord) => boolean, timeoutMs?: number): Promise<ProxyRecord>;
  /** Resolves once every request seen so far is settled (late duplicates and delays included). */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const PASS: Fault = { kind: 'pass' };

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const MAX_HEAD = 64 * 1024;

interface Head {
  readonly headLength: number;
  readonly startLine: string;
  readonly headers: Record<string, string>;
}

/** The head at the start of `buffer`, or null while it is incomplete. */
function parseHead(buffer: Buffer): Head | null {
  const end = buffer.indexOf(HEAD_END);
  if (end < 0) {
    if (buffer.length > MAX_HEAD) throw new Error(`no end of the HTTP head within ${MAX_HEAD} bytes`);
    return null;
  }
  const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`not an HTTP header line: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { headLength: end + HEAD_END.length, startLine: lines[0] ?? '', headers };
}

function contentLength(headers: Readonly<Record<string, string>>): number {
  const text = headers['content-length'];
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text)) throw new Error(`unusable Content-Length ${JSON.stringify(text)}`);
  return Number(text);
}

/** The length of a chunked body starting at `from`, or null while incomplete. Trailers are allowed. */
function chunkedLength(buffer: Buffer, from: number): number | null {
  let at = from;
  for (;;) {
    const lineEnd = buffer.indexOf(CRLF, at);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(buffer.subarray(at, lineEnd).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size)) throw new Error('bad chunk size in a chunked response');
    at = lineEnd + 2;
    if (size === 0) {
      // Trailer lines, then an empty line.
      for (;;) {
        const end = buffer.indexOf(CRLF, at);
        if (end < 0) return null;
        if (end === at) return end + 2 - from;
        at = end + 2;
      }
    }
    if (buffer.length < at + size + 2) return null;
    at += size + 2;
  }
}

/**
 * Where the response at the start of `buffer` ends: a byte count, 'at-close' (no framing: it ends
 * when the server closes), or null while incomplete. Interim 1xx answers are skipped.
 */
function responseEnd(buffer: Buffer, method: string): { readonly end: number | 'at-close'; readonly status: number } | null {
  let offset = 0;
  for (;;) {
    const head = parseHead(buffer.subarray(offset));
    if (!head) return null;
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.startLine)?.[1] ?? NaN);
    if (!Number.isInteger(status)) throw new Error(`not an HTTP status line: ${JSON.stringify(head.startLine.slice(0, 80))}`);
    const bodyStart = offset + head.headLength;
    if (status >= 100 && status < 200 && status !== 101) {
      offset = bodyStart;
      continue;
    }
    if (method === 'HEAD' || status === 204 || status === 304) return { end: bodyStart, status };
    if (/chunked/i.test(head.headers['transfer-encoding'] ?? '')) {
      const length = chunkedLength(buffer, bodyStart);
      return length === null ? null : { end: bodyStart + length, status };
    }
    if (head.headers['content-length'] !== undefined) {
      const end = bodyStart + contentLength(head.headers);
      return buffer.length >= end ? { end, status } : null;
    }
    return { end: 'at-close', status };
  }
}

interface Exchange {
  /** The complete response bytes, or null when the server gave none (refused, reset, closed early). */
  readonly response: Buffer | null;
  readonly status: number | null;
  readonly error: string | null;
}

const aMoment = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFaultProxy(options: { readonly target: number; readonly planner?: Planner }): Promise<FaultProxy> {
  let target = options.target;
  let planner: Planner = options.planner ?? (() => PASS);
  const scripted: { fault: Fault; match: (request: RequestInfo) => boolean }[] = [];
  const records: ProxyRecord[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const sockets = new Set<Socket>();
  let requestCount = 0;
  let connectionCount = 0;

  const emit = (event: ProxyEvent, record: ProxyRecord): void => {
    events.emit(event, record);
  };
  const reached = new Map<ProxyRecord, Set<ProxyEvent>>();
  const mark = (record: ProxyRecord, event: ProxyEvent): void => {
    let seen = reached.get(record);
    if (!seen) reached.set(record, (seen = new Set()));
    if (!seen.has(event)) record.times[event] = Date.now();
    seen.add(event);
    if (event === 'settled') record.settled = true;
    emit(event, record);
  };

  const choose = (request: RequestInfo): Fault => {
    const at = scripted.findIndex((s) => s.match(request));
    if (at >= 0) return scripted.splice(at, 1)[0]!.fault;
    return planner(request);
  };

  /**
   * One copy of the request to the server on a fresh connection. `cutAt`: send only that many
   * bytes, then reset (no answer is awaited).
   */
  const exchange = (record: ProxyRecord, bytes: Buffer, copy: number, cutAt?: number): Promise<Exchange> =>
    new Promise((resolve) => {
      const upstream = connect({ host: '127.0.0.1', port: target });
      sockets.add(upstream);
      let received = Buffer.alloc(0);
      let done = false;
      const finish = (result: Exchange): void => {
        if (done) return;
        done = true;
        record.upstream[copy] = result.status;
        record.responses[copy] = result.response;
        if (result.error && !record.error) record.error = result.error;
        if (!upstream.destroyed) upstream.destroy();
        sockets.delete(upstream);
        resolve(result);
      };
      upstream.on('connect', () => {
        if (cutAt !== undefined) {
          upstream.write(bytes.subarray(0, cutAt), () => {
            // The bytes are in the kernel: give the server a moment to read them, then cut.
            void aMoment().then(() => {
              upstream.resetAndDestroy();
              finish({ response: null, status: null, error: null });
            });
          });
          return;
        }
        upstream.write(bytes, () => mark(record, 'forwarded'));
      });
      upstream.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        try {
          const end = responseEnd(received, record.request.method);
          if (end && end.end !== 'at-close') {
            finish({ response: received.subarray(0, end.end), status: end.status, error: null });
            mark(record, 'answered');
          }
        } catch (error) {
          finish({ response: null, status: null, error: (error as Error).message });
        }
      });
      upstream.on('end', () => {
        let end: ReturnType<typeof responseEnd>;
        try {
          end = responseEnd(received, record.request.method);
        } catch {
          end = null;
        }
        if (end?.end === 'at-close') {
          finish({ response: received, status: end.status, error: null });
          mark(record, 'answered');
        } else finish({ response: null, status: null, error: 'the server closed the connection before a complete answer' });
      });
      upstream.on('error', (error: NodeJS.ErrnoException) => finish({ response: null, status: null, error: error.code ?? error.message }));
      upstream.on('close', () => finish({ response: null, status: null, error: 'the server closed the connection before a complete answer' }));
    });

  /**
   * Acts out one request's fault. `open`: false when the client's connection is finished with;
   * `trailing`: work that goes on after the client got its answer (a late duplicate).
   */
  const handle = async (client: Socket, bytes: Buffer, record: ProxyRecord): Promise<{ readonly open: boolean; readonly trailing?: Promise<unknown> }> => {
    const { fault } = record;
    const deliver = (response: Buffer | null): boolean => {
      if (response === null || client.destroyed) {
        if (!client.destroyed) client.resetAndDestroy();
        return false;
      }
      client.write(response);
      record.delivered = true;
      return true;
    };
    const over = (open: boolean): { open: boolean } => ({ open });
    switch (fault.kind) {
      case 'pass':
        return over(deliver((await exchange(record, bytes, 0)).response));
      case 'drop':
        client.destroy();
        return over(false);
      case 'reset-mid-body': {
        const bodyLength = contentLength(record.request.headers);
        const headLength = bytes.length - bodyLength;
        // A request without a body is cut inside its head: either way the server never has it whole.
        const cutAt = bodyLength > 0 ? headLength + Math.floor(bodyLength * (fault.fraction ?? 0.5)) : Math.max(1, Math.floor(headLength * (fault.fraction ?? 0.5)));
        await exchange(record, bytes, 0, Math.min(cutAt, bytes.length - 1));
        client.resetAndDestroy();
        return over(false);
      }
      case 'lose-response':
        await exchange(record, bytes, 0);
        client.resetAndDestroy();
        return over(false);
      case 'cut-response': {
        const { response } = await exchange(record, bytes, 0);
        if (response !== null && !client.destroyed) client.write(response.subarray(0, Math.max(1, Math.floor(response.length * fault.fraction))));
        await sleep(20);
        if (!client.destroyed) client.resetAndDestroy();
        return over(false);
      }
      case 'duplicate': {
        if (fault.lateMs !== undefined) {
          const first = await exchange(record, bytes, 0);
          // The client may send its next request meanwhile: the late copy races it.
          return { open: deliver(first.response), trailing: sleep(fault.lateMs).then(() => exchange(record, bytes, 1)) };
        }
        const [first, second] = fault.concurrent
          ? await Promise.all([exchange(record, bytes, 0), exchange(record, bytes, 1)])
          : [await exchange(record, bytes, 0), await exchange(record, bytes, 1)];
        return over(deliver((fault.answer === 'second' ? second : first).response));
      }
      case 'delay': {
        if (fault.phase === 'response') {
          const answer = await exchange(record, bytes, 0);
          await sleep(fault.ms);
          return over(deliver(answer.response));
        }
        await sleep(fault.ms);
        if (client.destroyed) return over(false);
        return over(deliver((await exchange(record, bytes, 0)).response));
      }
    }
  };

  const serve = (client: Socket): void => {
    sockets.add(client);
    connectionCount += 1;
    const connection = connectionCount;
    let buffer = Buffer.alloc(0);
    let busy = false;
    let finished = false;
    // A connection the proxy cannot read as HTTP: reset, and kept as a record with index 0 saying why.
    const fail = (why: string): void => {
      finished = true;
      if (!client.destroyed) client.resetAndDestroy();
      if (why) records.push({ request: { index: 0, connection, method: '?', path: '?', headers: {}, body: Buffer.alloc(0) }, fault: PASS, upstream: [], responses: [], delivered: false, settled: true, times: {}, error: why });
    };
    const pump = async (): Promise<void> => {
      if (busy || finished) return;
      busy = true;
      try {
        for (;;) {
          const head = parseHead(buffer);
          if (!head) return;
          if (head.headers['transfer-encoding'] !== undefined) return fail('a request with Transfer-Encoding: the proxy needs Content-Length');
          const total = head.headLength + contentLength(head.headers);
          if (buffer.length < total) return;
          const bytes = buffer.subarray(0, total);
          buffer = buffer.subarray(total);
          const [method = '?', path = '?'] = head.startLine.split(' ');
          requestCount += 1;
          const request: RequestInfo = { index: requestCount, connection, method, path, headers: head.headers, body: Buffer.from(bytes.subarray(head.headLength)) };
          const record: ProxyRecord = { request, fault: choose(request), upstream: [], responses: [], delivered: false, settled: false, times: {}, error: null };
          records.push(record);
          mark(record, 'request');
          const { open, trailing } = await handle(client, Buffer.from(bytes), record);
          if (trailing) void trailing.then(() => mark(record, 'settled'));
          else mark(record, 'settled');
          if (!open) {
            finished = true;
            return;
          }
        }
      } catch (error) {
        fail((error as Error).message);
      } finally {
        busy = false;
      }
    };
    client.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      void pump();
    });
    client.on('error', () => undefined);
    client.on('close', () => {
      finished = true;
      sockets.delete(client);
    });
  };

  const server: Server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  const port = address.port;

  const waitFor = (event: ProxyEvent, predicate: (record: ProxyRecord) => boolean = () => true, timeoutMs = 30_000): Promise<ProxyRecord> => {
    const already = records.find((r) => reached.get(r)?.has(event) && predicate(r));
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const listener = (record: ProxyRecord): void => {
        if (!predicate(record)) return;
        clearTimeout(timer);
        events.off(event, listener);
        resolve(record);
      };
      const timer = setTimeout(() => {
        events.off(event, listener);
        reject(new Error(`the proxy saw no matching '${event}' within ${timeoutMs} ms (${records.length} requests so far)`));
      }, timeoutMs);
      events.on(event, listener);
    });
  };

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get target() {
      return target;
    },
    set target(value: number) {
      target = value;
    },
    records,
    setPlanner(next) {
      planner = next;
    },
    script(faults, match = () => true) {
      for (const fault of faults) scripted.push({ fault, match });
    },
    waitFor,
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (records.some((r) => !r.settled)) {
        if (Date.now() > deadline) throw new Error(`the proxy still has ${records.filter((r) => !r.settled).length} requests in flight after ${timeoutMs} ms`);
        await sleep(20);
      }
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** An answer's status, headers (lower-case names) and body (a chunked body is decoded). */
export function parseResponse(bytes: Buffer): { readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: string } {
  const head = parseHead(bytes);
  if (!head) throw new Error('not a complete HTTP answer');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.startLine)?.[1] ?? NaN);
  let body = bytes.subarray(head.headLength);
  if (/chunked/i.test(head.headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = body.indexOf(CRLF, at);
      const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
      if (!(size > 0)) break;
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status, headers: head.headers, body: body.toString('utf8') };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type FaultWeights = Readonly<Partial<Record<FaultKind, number>>>;

export const DEFAULT_WEIGHTS: FaultWeights = { pass: 5, drop: 1, 'reset-mid-body': 1, 'lose-response': 1.5, duplicate: 1.5, delay: 1 };

/**
 * Faults drawn from a seeded PRNG, one per request, by weight. Duplicates come in all three
 * shapes (concurrent, one after the other, trailing late), delays on either side, up to `maxDelayMs`.
 */
export function randomFaults(random: () => number, weights: FaultWeights = DEFAULT_WEIGHTS, maxDelayMs = 600): Planner {
  const entries = Object.entries(weights).filter(([, w]) => (w ?? 0) > 0) as [FaultKind, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  return () => {
    let pick = random() * total;
    let kind: FaultKind = 'pass';
    for (const [k, w] of entries) {
      kind = k;
      if ((pick -= w) < 0) break;
    }
    switch (kind) {
      case 'pass':
      case 'drop':
      case 'lose-response':
        return { kind };
      case 'cut-response':
        return { kind, fraction: random() };
      case 'reset-mid-body':
        return { kind, fraction: random() };
      case 'duplicate': {
        const shape = Math.floor(random() * 3);
        if (shape === 0) return { kind, concurrent: true, answer: random() < 0.5 ? 'first' : 'second' };
        if (shape === 1) return { kind, answer: random() < 0.5 ? 'first' : 'second' };
        return { kind, lateMs: Math.floor(random() * 200) };
      }
      case 'delay':
        return { kind, ms: Math.floor(random() * maxDelayMs), phase: random() < 0.5 ? 'request' : 'response' };
    }
  };
}

/** One line per request, for a failing test's message: "#12 POST /v1/push lose-response → 200, not delivered". */
export function describeRecords(records: readonly ProxyRecord[]): string {
  return records
    .map((r) => {
      const f = r.fault;
      const fault = f.kind === 'delay' ? `delay ${f.ms}ms ${f.phase ?? 'request'}` : f.kind === 'duplicate' ? `duplicate${f.concurrent ? ' concurrent' : f.lateMs !== undefined ? ` late ${f.lateMs}ms` : ''}` : f.kind;
      return `#${r.request.index} ${r.request.method} ${r.request.path} ${fault} → ${r.upstream.map((s) => s ?? '-').join('/') || '-'}${r.delivered ? '' : ', not delivered'}${r.error ? ` (${r.error})` : ''}`;
    })
    .join('\n');
}

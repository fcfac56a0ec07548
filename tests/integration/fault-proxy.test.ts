/**
 * The fault proxy the sync tests put between terminals and the server (tests/support/fault-proxy.ts),
 * checked against a real HTTP server on loopback that records what it really received: each fault
 * happens as described — a dropped request never reaches the server, a request reset mid-body
 * reaches it cut short, a lost answer was committed by the server while the client saw a reset, a
 * duplicate arrives twice on two connections, a delay holds the right side — and a keep-alive
 * client (Node's fetch) keeps its connections through requests that pass.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, randomFaults, seededRandom, startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.js';
import { http } from '../support/server-process.js';

interface Received {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly remotePort: number;
  readonly at: number;
  /** The body was cut off before Content-Length bytes came. */
  readonly aborted: boolean;
  readonly answered: number;
}

/** A server that answers every complete request with its running count, as JSON. */
class RecordingServer {
  readonly received: Received[] = [];
  private answers = 0;
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      let complete = false;
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        complete = true;
        this.answers += 1;
        const answered = this.answers;
        this.received.push({ method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), remotePort: req.socket.remotePort ?? 0, at: Date.now(), aborted: false, answered });
        const body = JSON.stringify({ answered, bytes: Buffer.concat(chunks).length });
        if (req.url === '/chunked') {
          // No Content-Length: chunked framing, in two writes.
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write(body.slice(0, 5));
          setTimeout(() => res.end(body.slice(5)), 20);
        } else {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        }
      });
      req.on('close', () => {
        if (!complete) this.received.push({ method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), remotePort: req.socket.remotePort ?? 0, at: Date.now(), aborted: true, answered: 0 });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  completed(): Received[] {
    return this.received.filter((r) => !r.aborted);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const upstream = new RecordingServer();
let proxy: FaultProxy;

beforeAll(async () => {
  await upstream.start();
  proxy = await startFaultProxy({ target: upstream.port });
});

afterEach(async () => {
  await proxy.idle();
  proxy.setPlanner(() => ({ kind: 'pass' }));
});

afterAll(async () => {
  await proxy.close();
  await upstream.stop();
});

function post(path: string, body: string): Promise<Response> {
  return fetch(`${proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

/** Waits until the recording server has seen `count` requests (complete or cut off). */
async function receivedAtLeast(count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (upstream.received.length < count) {
    if (Date.now() > deadline) throw new Error(`the server saw ${upstream.received.length} requests, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function fault(f: Fault): void {
  proxy.script([f]);
}

describe('the fault proxy on real sockets', () => {
  it('passes requests and answers through unchanged, on kept-alive client connections', async () => {
    const before = upstream.completed().length;
    const big = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) });
    const first = await post('/one', '{"a":1}');
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ bytes: 7 });
    const second = await post('/two', big);
    expect(await second.json()).toMatchObject({ bytes: Buffer.byteLength(big) });
    const chunked = await fetch(`${proxy.url}/chunked`);
    expect(await chunked.json()).toMatchObject({ bytes: 0 });
    const seen = upstream.completed().slice(before);
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /one', 'POST /two', 'GET /chunked']);
    expect(seen[1]!.body).toBe(big);
    const records = proxy.records.slice(-3);
    expect(records.map((r) => [r.fault.kind, r.upstream, r.delivered])).toEqual([
      ['pass', [200], true],
      ['pass', [200], true],
      ['pass', [200], true],
    ]);
    // fetch kept its connections alive: some connection carried more than one request.
    expect(new Set(records.map((r) => r.request.connection)).size).toBeLessThan(records.length);
  });

  it('drop: the connection closes and the server never hears of the request', async () => {
    const before = upstream.received.length;
    fault({ kind: 'drop' });
    await expect(post('/dropped', '{"n":1}')).rejects.toThrow(/fetch failed/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(upstream.received.length).toBe(before);
    expect(proxy.records.at(-1)).toMatchObject({ fault: { kind: 'drop' }, upstream: [], delivered: false });
  });

  it('reset mid-body: the server gets the head and part of the body, then a reset; the client a reset', async () => {
    const body = JSON.stringify({ pad: 'y'.repeat(200_000) });
    const before = upstream.received.length;
    fault({ kind: 'reset-mid-body', fraction: 0.25 });
    const error = await post('/cut', body).then(
      () => null,
      (e: unknown) => e as Error & { cause?: { code?: string } },
    );
    expect(error?.cause?.code).toBe('ECONNRESET');
    await receivedAtLeast(before + 1);
    const cut = upstream.received.at(-1)!;
    expect(cut).toMatchObject({ path: '/cut', aborted: true });
    expect(cut.body.length).toBeLessThan(body.length);
    expect(upstream.completed().some((r) => r.path === '/cut')).toBe(false);
  });

  it('lose response: the server received the whole request and answered, the client saw a reset', async () => {
    const before = upstream.completed().length;
    fault({ kind: 'lose-response' });
    const error = await post('/committed', '{"sale":"POS-1"}').then(
      () => null,
      (e: unknown) => e as Error & { cause?: { code?: string } },
    );
    expect(error?.cause?.code).toBe('ECONNRESET');
    const done = upstream.completed().slice(before);
    expect(done).toEqual([expect.objectContaining({ path: '/committed', body: '{"sale":"POS-1"}' })]);
    expect(proxy.records.at(-1)).toMatchObject({ fault: { kind: 'lose-response' }, upstream: [200], delivered: false });
  });

  it('duplicate: the server gets the same bytes twice on two connections, the client one answer (the one chosen)', async () => {
    for (const dup of [{ concurrent: true }, { answer: 'first' }, { answer: 'second' }] as const) {
      const before = upstream.completed().length;
      fault({ kind: 'duplicate', ...dup });
      const answer = await post('/dup', '{"batch":7}');
      expect(answer.status).toBe(200);
      const { answered } = (await answer.json()) as { answered: number };
      const copies = upstream.completed().slice(before);
      expect(copies.map((c) => c.body)).toEqual(['{"batch":7}', '{"batch":7}']);
      expect(copies[0]!.remotePort).not.toBe(copies[1]!.remotePort);
      if (!('concurrent' in dup)) expect(answered).toBe(copies[dup.answer === 'first' ? 0 : 1]!.answered);
      expect(proxy.records.at(-1)!.upstream).toEqual([200, 200]);
    }
  });

  it('a late duplicate trails the answer and races the client\'s next request', async () => {
    const before = upstream.completed().length;
    fault({ kind: 'duplicate', lateMs: 300 });
    const answer = await post('/late', '{"batch":8}');
    const answeredAt = Date.now();
    expect(answer.status).toBe(200);
    // The next request on the same connection is not held up by the trailing copy.
    expect((await post('/next', '{}')).status).toBe(200);
    await proxy.idle();
    const seen = upstream.completed().slice(before);
    expect(seen.map((r) => r.path)).toEqual(['/late', '/next', '/late']);
    expect(seen[2]!.at).toBeGreaterThanOrEqual(answeredAt + 250);
  });

  it('delay: holds the request before the server sees it, or the answer after the server sent it', async () => {
    let before = upstream.completed().length;
    fault({ kind: 'delay', ms: 400 });
    const start = Date.now();
    expect((await post('/slow-request', '{}')).status).toBe(200);
    expect(upstream.completed()[before]!.at - start).toBeGreaterThanOrEqual(390);

    before = upstream.completed().length;
    fault({ kind: 'delay', ms: 400, phase: 'response' });
    expect((await post('/slow-answer', '{}')).status).toBe(200);
    // The server had it (and answered) at least the delay before the client got the answer.
    expect(Date.now() - upstream.completed()[before]!.at).toBeGreaterThanOrEqual(390);
  });

  it('scripts faults for matching requests only, and tells the test when the server has a request', async () => {
    proxy.script([{ kind: 'drop' }], (r) => r.path === '/target');
    expect((await http(proxy.url, { path: '/other', body: { a: 1 } })).status).toBe(200);
    const forwarded = proxy.waitFor('forwarded', (r) => r.request.path === '/target-2');
    await expect(http(proxy.url, { path: '/target', body: { a: 2 } })).rejects.toThrow();
    const answer = http(proxy.url, { path: '/target-2', body: { a: 3 } });
    expect((await forwarded).request.body.toString()).toBe('{"a":3}');
    expect((await answer).status).toBe(200);
  });

  it('can be pointed at another server (a restarted one)', async () => {
    const other = new RecordingServer();
    await other.start();
    const original = proxy.target;
    try {
      proxy.target = other.port;
      expect((await http(proxy.url, { path: '/elsewhere', body: {} })).status).toBe(200);
      expect(other.completed().map((r) => r.path)).toEqual(['/elsewhere']);
      // A server that is gone: the client sees its connection reset, the record says why.
      await other.stop();
      await expect(http(proxy.url, { path: '/gone', body: {} })).rejects.toThrow(/ECONNRESET|socket hang up/);
      expect(proxy.records.at(-1)).toMatchObject({ upstream: [null], delivered: false, error: 'ECONNREFUSED' });
    } finally {
      proxy.target = original;
    }
  });

  it('draws random faults from a seed: the same seed, the same faults', () => {
    const request = { index: 1, connection: 1, method: 'POST', path: '/v1/push', headers: {}, body: Buffer.alloc(0) };
    const draw = (seed: number): string[] => {
      const planner = randomFaults(seededRandom(seed), DEFAULT_WEIGHTS);
      return Array.from({ length: 200 }, () => JSON.stringify(planner(request)));
    };
    const a = draw(42);
    expect(draw(42)).toEqual(a);
    expect(draw(43)).not.toEqual(a);
    const kinds = new Set(a.map((f) => (JSON.parse(f) as Fault).kind));
    expect([...kinds].sort()).toEqual(['delay', 'drop', 'duplicate', 'lose-response', 'pass', 'reset-mid-body']);
  });
});

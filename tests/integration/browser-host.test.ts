/**
 * The browser host: the built screens and the contract's WebSocket on one loopback port. In
 * process, a site folder made for the test (with a file outside it, a hidden file and a link
 * leading out) shows what is served and what is refused; as a real child process
 * (dist/src/terminal/hosts/browser-host.js, what `npm start` runs) on a real demo database, it
 * prints its address, serves the real build with its headers, refuses a wrong secret, and stops
 * cleanly on SIGTERM (its first start without a database: browser-host-setup.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalHost } from '../../src/terminal/hosts/app.js';
import { WebSocketHost } from '../../src/terminal/hosts/websocket/server.js';
import { assertUiBuilt, startBrowserHost } from '../support/browser-host.js';
import { connect, dumpLedger } from '../support/host-client.js';
import { CLI_ENV, counterIds, newLedger, REPO, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-browser-host-');
afterAll(cleanup);

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** A raw HTTP request (no URL normalisation: `..` and `%2e` reach the server as written). */
function get(port: number, path: string, options: { method?: string; host?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: options.host ?? `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files on the host’s port (in process)', () => {
  let host: TerminalHost;
  let socket: WebSocketHost;
  const site = join(dir, 'site');
  beforeAll(async () => {
    mkdirSync(join(site, 'assets'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(site, 'assets', 'app-AbCdEf12.js'), 'export {};');
    writeFileSync(join(site, 'notes.txt'), 'plain');
    writeFileSync(join(site, '.env'), 'SECRET=1');
    writeFileSync(join(dir, 'outside.txt'), 'not for the page');
    symlinkSync(join(dir, 'outside.txt'), join(site, 'assets', 'leak.txt'));
    const path = join(dir, 'static.sqlite');
    const clock = testClock('2026-03-02T03:00:00Z');
    newLedger(path, 'classic-krw', clock).ledger.close();
    host = TerminalHost.open({ db: path, clock: clock.read, wallClock: clock.read, newId: counterIds(), log: () => undefined });
    socket = await WebSocketHost.start(host.handlers, { site: { root: site }, log: () => undefined });
    host.attach(socket);
  });
  afterAll(() => host.close());

  it('serves index.html at / with the strict policy, nosniff and no caching', async () => {
    const answer = await get(socket.port, '/');
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<title>t</title>');
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['cache-control']).toBe('no-store');
    const csp = String(answer.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${socket.port}`);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
  });

  it('serves hashed assets with their type, cacheable for good', async () => {
    const answer = await get(socket.port, '/assets/app-AbCdEf12.js');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get(socket.port, '/notes.txt')).headers['cache-control']).toBe('no-cache');
  });

  it('answers 404 for anything outside the folder, hidden, a link leading out, or not a file', async () => {
    for (const path of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt', '/assets/%2e%2e/%2e%2e/outside.txt', '/.env', '/assets/leak.txt', '/assets', '/missing.js', '/index.html%00.js', '/..\\outside.txt']) {
      const answer = await get(socket.port, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body).not.toContain('not for the page');
      expect(answer.headers['content-security-policy']).toBeDefined();
    }
  });

  it('takes GET and HEAD only, and only for a Host naming this server (no DNS rebinding)', async () => {
    const post = await get(socket.port, '/', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
    const head = await get(socket.port, '/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await get(socket.port, '/', { host: `rebound.example:${socket.port}` })).status).toBe(403);
    expect((await get(socket.port, '/', { host: `localhost:${socket.port}` })).status).toBe(200);
  });

  it('a carrier without a site still answers plain HTTP with 426 (tally host)', async () => {
    const bare = await WebSocketHost.start(host.handlers, { log: () => undefined });
    try {
      expect((await get(bare.port, '/')).status).toBe(426);
    } finally {
      await bare.close();
    }
  });
});

describe('the browser host process', () => {
  beforeAll(() => assertUiBuilt());

  const tally = (db: string, args: string[], input?: string) => spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV, ...(input !== undefined ? { input } : {}) });

  it('refuses wrong usage with exit 2', () => {
    const usage = spawnSync(process.execPath, [join(REPO, 'dist', 'src', 'terminal', 'hosts', 'browser-host.js'), '--port', 'x'], { cwd: dir, encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });

  it('serves the build and the socket on one port, refuses a wrong secret, and stops on SIGTERM with a ledger that verifies', async () => {
    const db = join(dir, 'process.sqlite');
    expect(tally(db, ['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'S1', '--terminal', 'T1']).status).toBe(0);
    expect(tally(db, ['member', 'add', '--card', '2900000000018', '--name', 'Kim Minji']).status).toBe(0);
    const running = await startBrowserHost({ db, cwd: dir });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#secret=[A-Za-z0-9_-]{43}$/);
      const index = await get(running.port, '/');
      expect(index.status).toBe(200);
      expect(String(index.headers['content-security-policy'])).toContain(`ws://127.0.0.1:${running.port}`);
      // The real build: its script and stylesheet are files of this server, with no inline code.
      const built = readFileSync(join(REPO, 'dist', 'ui', 'terminal', 'index.html'), 'utf8');
      expect(index.body).toBe(built);
      expect(index.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(index.body).not.toMatch(/\sstyle=/);
      const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(index.body)?.[1];
      expect((await get(running.port, `/${script}`)).headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect((await get(running.port, '/../package.json')).status).toBe(404);
      expect((await get(running.port, '/%2e%2e/%2e%2e/package.json')).status).toBe(404);

      const before = dumpLedger(db);
      const wrong = await connect(`ws://127.0.0.1:${running.port}/?secret=${'A'.repeat(43)}`);
      wrong.send({ id: 1, name: 'adjust', args: { card: '2900000000018', points: 1000, reason: 'free points', txnId: 'EVIL-1' } });
      expect(await wrong.next()).toMatchObject({ type: 'error', id: null, error: { code: 'unauthorised' } });
      expect(await wrong.closed).toBe(1008);
      const right = await connect(running.socketUrl, { origin: `http://127.0.0.1:${running.port}` });
      expect(await right.request(1, 'member-lookup', { card: '2900000000018' })).toMatchObject({ type: 'reply', result: { balance: 100 } });
      right.close();
      expect(dumpLedger(db)).toBe(before);
    } finally {
      expect(await running.stop()).toBe(0);
    }
    expect(running.stderr()).toMatch(/terminal host stopped \(SIGTERM\)/);
    expect(tally(db, ['verify']).stdout).toMatch(/^Ledger OK: 1 members/);
  });
});

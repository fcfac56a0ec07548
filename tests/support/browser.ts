/**
 * Headless Chromium for e2e tests, and a tiny static file server to load pages from.
 *
 * Uses the system Chromium (Debian's `/usr/bin/chromium`, or CHROMIUM_PATH): `npx playwright install`
 * cannot download browsers on the build machines, so never rely on Playwright's own.
 *
 *     const server = await serveStatic(REPO);            // http://127.0.0.1:<port>/
 *     const browser = await launchChromium();
 *     const page = await browser.newPage();
 *     await page.goto(`${server.url}tests/e2e/pages/wedge.html`);
 *     …
 *     await browser.close();
 *     await server.close();
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';
import ts from 'typescript';

export const REPO = resolve(import.meta.dirname, '..', '..');

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags checked on these machines: root needs --no-sandbox; the rest keep Chromium off the network. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    ...options,
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  /** Stops listening and drops open connections (browser keep-alives would hold `close` open). */
  close(): Promise<void>;
}

/**
 * Serves the files under `root` (GET/HEAD only, no directory listings) on 127.0.0.1 at a free port.
 * Paths that resolve outside `root` are refused. `Cache-Control: no-store`, so a rebuilt file is
 * always what the page gets.
 */
export async function serveStatic(root: string): Promise<StaticServer> {
  const base = resolve(root);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      let pathname: string;
      try {
        pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      } catch {
        res.writeHead(400).end();
        return;
      }
      const file = join(base, pathname);
      if ((file !== base && !file.startsWith(base + sep)) || pathname.includes('\0')) {
        res.writeHead(403).end();
        return;
      }
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`Not found: ${pathname}`);
        return;
      }
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': info.size,
        'Cache-Control': 'no-store',
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
    })().catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        server.close((err) => (err ? reject(err) : resolveClose()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/**
 * Pages import compiled modules from dist/ (built by `npx tsc -b`, which `npm test` runs first).
 * Throws when the dist/ file of a source (path from the repo root, e.g. 'src/core/wedge/detector.ts')
 * is missing or was built from other source text, so a test never silently runs stale code.
 * Compares with a fresh transpile of the source (mtimes cannot tell: `tsc -b` leaves an output alone
 * when its source text is unchanged). Compiler options come from `tsconfig`.
 */
export function assertDistMatchesSource(sources: readonly string[], tsconfig = 'tsconfig.core.json'): void {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(REPO, tsconfig), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!parsed) throw new Error(`cannot read ${tsconfig}`);
  const stale: string[] = [];
  for (const source of sources) {
    const built = join(REPO, 'dist', source.replace(/\.ts$/, '.js'));
    if (!existsSync(built)) {
      stale.push(`${built} is missing`);
      continue;
    }
    const expected = ts.transpileModule(readFileSync(join(REPO, source), 'utf8'), {
      fileName: source,
      // ESNext emits what NodeNext emits for an ESM package, without needing the package.json lookup.
      compilerOptions: { ...parsed.options, module: ts.ModuleKind.ESNext, sourceMap: false, inlineSourceMap: false, declaration: false, declarationMap: false, composite: false },
    }).outputText;
    const actual = readFileSync(built, 'utf8').replace(/\/\/# sourceMappingURL=.*\s*$/, '');
    if (expected.trim() !== actual.trim()) stale.push(`${built} was not built from the current ${source}`);
  }
  if (stale.length > 0) throw new Error(`${stale.join('; ')}: run \`npx tsc -b\` first (npm test does).`);
}

/**
 * The built screens (dist/ui/terminal), served by the browser host from the same loopback address
 * and port as its WebSocket, so the page and its socket are one origin.
 *
 * Only files inside the folder: a path that leaves it (`..`, an encoded `%2e%2e`, a symbolic link
 * pointing out), a hidden file or anything but a regular file is "not found". Every answer carries a
 * strict Content-Security-Policy (scripts and styles only from this origin, no inline code; the
 * socket only to this host) and `nosniff`; index.html is never cached (it names the hashed assets
 * of the build in use), the hashed assets may be cached for good.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** A file name with a build hash (`index-laOwiXVH.js`): its content never changes under that name. */
const HASHED = /-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/** The policy the screens run under: nothing inline, nothing from elsewhere, the socket only to this host. */
export function contentSecurityPolicy(port: number): string {
  // 'self' covers the socket on the page's own host in Chromium; the loopback names are listed for
  // browsers that read 'self' narrowly. (An IPv6 literal is not a valid source: a page on [::1] relies on 'self'.)
  const sockets = ['127.0.0.1', 'localhost'].map((host) => `ws://${host}:${port}`).join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    `connect-src 'self' ${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface StaticSite {
  /** The folder holding index.html and its assets. */
  readonly root: string;
}

/** Answers one HTTP request from `site`; `port` is the server's own (for the policy). */
export async function serveStaticFile(site: StaticSite, port: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const common = {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
  const plain = (status: number, text: string, extra: Record<string, string> = {}): void => {
    res.writeHead(status, { ...common, ...extra, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(`${text}\n`);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'Method not allowed', { Allow: 'GET, HEAD' });
  const file = await resolveFile(site.root, req.url ?? '/');
  if (file === undefined) return plain(404, 'Not found');
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return plain(404, 'Not found');
  }
  const name = file.slice(file.lastIndexOf(sep) + 1);
  res.writeHead(200, {
    ...common,
    'Content-Type': CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': body.byteLength,
    'Cache-Control': name === 'index.html' ? 'no-store' : HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The regular file inside `root` that a request path names, or undefined. */
async function resolveFile(root: string, requestUrl: string): Promise<string | undefined> {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl, 'http://127.0.0.1').pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;
  if (pathname === '/') pathname = '/index.html';
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) return undefined;
  const base = resolve(root);
  const file = resolve(base, ...segments);
  if (!file.startsWith(base + sep)) return undefined;
  try {
    // A link inside the folder must not lead out of it.
    const [realBase, realFile] = await Promise.all([realpath(base), realpath(file)]);
    if (!realFile.startsWith(realBase + sep)) return undefined;
    return (await stat(realFile)).isFile() ? realFile : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `app://tally/` protocol: the screens' files (dist/ui/terminal), served by main with a strict
 * Content-Security-Policy on every response.
 *
 * Why a protocol of our own rather than loadFile (file://): a file: page's origin is opaque and
 * file: URLs reach every file the user can read, so `'self'` in a CSP means little and a page that
 * can navigate or fetch can read the disk; headers cannot be set on file: responses (a CSP would
 * depend on a <meta> tag in the built page). Here main decides every byte a window can load: only
 * files under the UI folder, each with its CSP and nosniff, and the scheme is registered as
 * standard and secure, so the page has a real origin and is a secure context (the camera needs one).
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { APP_ORIGIN } from './app-origin.js';
import type { ProtocolRequest } from './electron-api.js';

/**
 * Nothing from anywhere but the app itself; no inline script or style; WebAssembly may compile
 * (the camera's QR decoder is zxing-wasm, its .wasm served from here); the camera's stream and
 * snapshots are blob:/mediastream: URLs; no plugins, frames, forms or base-URL tricks.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob: mediastream:",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

/** Headers of every response, refusals included. */
function baseHeaders(): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    // The camera for the QR button; no microphone, location, or device APIs (devices belong to the host).
    'permissions-policy': 'camera=(self), microphone=(), geolocation=(), usb=(), serial=(), hid=(), bluetooth=(), payment=()',
    // Files change with every build; the app reads them from disk, so caching saves nothing.
    'cache-control': 'no-store',
  };
}

/**
 * The file under `uiRoot` an app: URL names, or null for anything that is not one of our files:
 * another scheme or host, a path that is not valid percent-encoding, a NUL or a backslash, or
 * one that leaves the folder (`..`, encoded or not). `/` is the index page.
 */
export function resolveAppFile(url: string, uiRoot: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (`${parsed.protocol}//${parsed.host}` !== APP_ORIGIN || parsed.username !== '' || parsed.password !== '') return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const normalised = path.posix.normalize(relative);
  if (normalised === '..' || normalised.startsWith('../') || path.posix.isAbsolute(normalised)) return null;
  const root = path.resolve(uiRoot);
  const file = path.resolve(root, ...normalised.split('/'));
  return file.startsWith(root + path.sep) ? file : null;
}

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function refusal(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: { ...baseHeaders(), 'content-type': 'text/plain; charset=utf-8' } });
}

/** Answers one request to the app's protocol from the files under `uiRoot`. */
export async function serveAppRequest(request: ProtocolRequest, uiRoot: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refusal(405, 'Method Not Allowed');
  const file = resolveAppFile(request.url, uiRoot);
  if (file === null) return refusal(404, 'Not Found');
  let body: Buffer;
  try {
    // A link inside the folder that points out of it is refused like `..`.
    const [real, realRoot] = await Promise.all([realpath(file), realpath(uiRoot)]);
    if (!real.startsWith(realRoot + path.sep)) return refusal(404, 'Not Found');
    body = await readFile(real);
  } catch {
    // Missing, a folder, unreadable: all the same to a page.
    return refusal(404, 'Not Found');
  }
  const headers = { ...baseHeaders(), 'content-type': contentTypeOf(file), 'content-length': String(body.byteLength) };
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
}

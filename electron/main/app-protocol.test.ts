// The app:// protocol over real files in a temp folder: only the UI folder's files, each with the CSP.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, resolveAppFile, serveAppRequest } from './app-protocol.js';

const base = mkdtempSync(path.join(tmpdir(), 'tally-app-protocol-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const ui = path.join(base, 'ui');
mkdirSync(path.join(ui, 'assets'), { recursive: true });
writeFileSync(path.join(ui, 'index.html'), '<!doctype html><title>Tally</title><script type="module" src="./assets/app.js"></script>');
writeFileSync(path.join(ui, 'assets', 'app.js'), 'export {};');
writeFileSync(path.join(ui, 'assets', 'reader.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
writeFileSync(path.join(base, 'secret.txt'), 'not for pages');
symlinkSync(path.join(base, 'secret.txt'), path.join(ui, 'assets', 'link.txt'));

const get = (url: string, method = 'GET') => serveAppRequest({ url, method }, ui);

describe('app:// protocol', () => {
  it('serves the index page for / and with a hash route, with the CSP and nosniff', async () => {
    for (const url of ['app://tally/', 'app://tally/index.html', 'app://tally/index.html#/customer']) {
      const response = await get(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text()).toContain('<title>Tally</title>');
    }
  });

  it('gives scripts and WebAssembly their types', async () => {
    expect((await get('app://tally/assets/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const wasm = await get('app://tally/assets/reader.wasm');
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d]));
  });

  it('allows no inline script, no remote source and no framing', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|ws:|\*/);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
  });

  it.each([
    'app://tally/../secret.txt',
    'app://tally/%2e%2e/secret.txt',
    'app://tally/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'app://tally/assets/..%5c..%5csecret.txt',
    'app://tally/%00index.html',
    'app://tally/%E0%A4%A',
    'app://other/index.html',
    'app://user:pw@tally/index.html',
    'file:///etc/passwd',
    'https://tally/index.html',
    'not a url',
  ])('refuses %s (404), with the CSP still on', async (url) => {
    const response = await get(url);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await response.text()).not.toContain('not for pages');
  });

  it('refuses a link inside the folder that points out of it', async () => {
    expect(resolveAppFile('app://tally/assets/link.txt', ui)).toBe(path.join(ui, 'assets', 'link.txt'));
    const response = await get('app://tally/assets/link.txt');
    expect(response.status).toBe(404);
  });

  it('answers a missing file or a folder with 404 and other methods with 405', async () => {
    expect((await get('app://tally/nope.js')).status).toBe(404);
    expect((await get('app://tally/assets')).status).toBe(404);
    expect((await get('app://tally/index.html', 'POST')).status).toBe(405);
    const head = await get('app://tally/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

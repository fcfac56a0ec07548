/**
 * The camera path for real: headless Chromium with its fake camera playing a Y4M video made from a
 * generated QR picture, the UI's CameraScanner in a page served from a local HTTP server, and the
 * scan it reports checked by the card-code parser with the program's verify key.
 *
 * How the browser module is loaded: Vite bundles src/ui/camera/camera-scanner.ts (TypeScript
 * source, with src/core and @zxing/library) into one ES module in a temp folder. An import map is
 * not enough: @zxing/library's ESM build imports its own files without extensions
 * (`export * from './browser'`), which a browser cannot resolve, so serving it from node_modules
 * would need a map entry per file. Bundling from source also means this test does not depend on
 * a previous `tsc -b` (tsconfig.ui.json type-checks the same file without Node types).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueMemberToken, newMemberRef, newTokenId, signingKeyFrom } from '../../src/core/card-code/member-qr.js';
import { fromBase64Url } from '../../src/core/card-code/base64url.js';
import { cardCodeRules, parseCardCode } from '../../src/core/card-code/parse.js';
import type { CardCodes } from '../../src/core/card-code/rules.js';
import { cameraFrame, y4m } from '../support/qr-images.js';

const REPO = resolve(import.meta.dirname, '../..');
const demoKey = JSON.parse(readFileSync(join(REPO, 'resources/keys/demo-program-signing-key.json'), 'utf8')) as { id: string; secretKey: string; publicKey: string };
const signing = signingKeyFrom(demoKey.id, fromBase64Url(demoKey.secretKey)!);
const CARD_CODES: CardCodes = { rules: [{ type: 'member-qr', id: 'member-qr' }], verifyKeys: [{ id: demoKey.id, publicKey: demoKey.publicKey }] };
const RULES = cardCodeRules(CARD_CODES);
const NOW = Date.parse('2026-03-04T05:00:00Z');
/** The member's QR reference and the token's id (random bytes, fixed here): the code never holds the member id. */
const MEMBER_REF = newMemberRef(Uint8Array.from({ length: 12 }, (_, i) => 42 + i));
const OTHER_REF = newMemberRef(Uint8Array.from({ length: 12 }, (_, i) => 99 - i));
const TOKEN_ID = newTokenId(Uint8Array.from({ length: 8 }, (_, i) => 7 * i));
const GENUINE = issueMemberToken(signing, { scope: 'identify', memberRef: MEMBER_REF, tokenId: TOKEN_ID, expiresAt: NOW + 86_400_000 });
// Another member's reference under this token's signature: what a forger would try.
const FORGED = GENUINE.replace(`.${MEMBER_REF}.`, `.${OTHER_REF}.`);

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>camera QR test</title>
<video id="preview" width="320" height="240"></video>
<script type="module">
  import { CameraScanner } from './camera.js';
  window.scans = [];
  window.errors = [];
  window.statuses = [];
  window.frames = 0;
  const scanner = new CameraScanner({ video: document.getElementById('preview'), intervalMs: 50, repeatAfterMs: 2000 });
  scanner.on('data', (scan) => window.scans.push({ ...scan, raw: Array.from(scan.raw) }));
  scanner.on('error', (error) => window.errors.push(error));
  scanner.on('status', (status) => window.statuses.push(status));
  scanner.on('frame', () => { window.frames += 1; });
  window.scanner = scanner;
  window.started = scanner.start();
  window.snapshot = () => ({ scans: window.scans, errors: window.errors, statuses: window.statuses, stats: scanner.stats });
  // stop() must release the camera: the track ends and the scanner reports offline.
  window.stopCamera = () => {
    const stream = document.getElementById('preview').srcObject;
    scanner.stop();
    return { running: scanner.running, tracks: stream.getTracks().map((t) => t.readyState), last: window.statuses.at(-1)?.kind };
  };
</script>`;

/** The counter's choice (bench/qr.ts): zxing-wasm, its .wasm served by the app, never a CDN. */
const WASM_PAGE = `<!doctype html>
<meta charset="utf-8">
<video id="preview" width="320" height="240"></video>
<script type="module">
  import { CameraScanner } from './camera.js';
  import { ZxingWasmDecoder } from './zxing-wasm.js';
  window.scans = [];
  window.errors = [];
  window.frames = 0;
  const decoder = new ZxingWasmDecoder({ wasmUrl: '/zxing_reader.wasm' });
  const scanner = new CameraScanner({ video: document.getElementById('preview'), intervalMs: 50, decoder });
  scanner.on('data', (scan) => window.scans.push({ ...scan, raw: Array.from(scan.raw) }));
  scanner.on('error', (error) => window.errors.push(error));
  scanner.on('frame', () => { window.frames += 1; });
  window.started = scanner.start();
</script>`;

const DENIED_PAGE = `<!doctype html>
<meta charset="utf-8">
<script type="module">
  import { CameraScanner } from './camera.js';
  window.errors = [];
  const mediaDevices = { getUserMedia: () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) };
  const scanner = new CameraScanner({ mediaDevices });
  scanner.on('error', (error) => window.errors.push(error));
  window.started = scanner.start();
</script>`;

let dir: string;
let server: Server;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tally-camera-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    root: dir,
    build: {
      outDir: join(dir, 'www'),
      emptyOutDir: true,
      minify: false,
      target: 'es2022',
      lib: {
        entry: { camera: join(REPO, 'src/ui/camera/camera-scanner.ts'), 'zxing-wasm': join(REPO, 'src/ui/camera/zxing-wasm-decoder.ts') },
        formats: ['es'],
        fileName: (_format, name) => `${name}.js`,
      },
    },
  });
  const files: Record<string, { type: string; body: Buffer }> = {
    '/': { type: 'text/html', body: Buffer.from(PAGE) },
    '/denied': { type: 'text/html', body: Buffer.from(DENIED_PAGE) },
    '/camera.js': { type: 'text/javascript', body: readFileSync(join(dir, 'www', 'camera.js')) },
    '/wasm': { type: 'text/html', body: Buffer.from(WASM_PAGE) },
    '/zxing-wasm.js': { type: 'text/javascript', body: readFileSync(join(dir, 'www', 'zxing-wasm.js')) },
    '/zxing_reader.wasm': { type: 'application/wasm', body: readFileSync(join(REPO, 'node_modules/zxing-wasm/dist/reader/zxing_reader.wasm')) },
  };
  server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  // localhost-like origins are secure contexts: getUserMedia works over plain http here.
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A Y4M clip: the code in slightly different light each frame, as a hand-held phone gives. */
function clip(token: string, name: string): string {
  const frames = [0, 1, 2, 3].map((i) => cameraFrame(token, { moduleSize: 4, angle: 8 + i, center: [0.5 + i * 0.01, 0.5], noise: 4, seed: i + 1 }));
  const path = join(dir, `${name}.y4m`);
  writeFileSync(path, y4m(frames, 10));
  return path;
}

async function withCamera<T>(videoFile: string | null, run: (page: Page, offline: string[]) => Promise<T>): Promise<T> {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  if (videoFile) args.push('--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${videoFile}`);
  const browser: Browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });
  try {
    const page = await browser.newPage();
    // Nothing may leave this machine: any request not to our server is refused and recorded.
    const offline: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(base)) return route.continue();
      offline.push(url);
      return route.abort();
    });
    return await run(page, offline);
  } finally {
    await browser.close();
  }
}

interface PageScan {
  text: string;
  raw: number[];
  symbology: string;
  aimId: null;
  source: string;
  deviceId: string;
  time: number;
}

describe('camera QR in headless Chromium (fake camera, Y4M)', () => {
  it('reads a signed member QR from the camera once, and the parser accepts it', async () => {
    const video = clip(GENUINE, 'genuine');
    await withCamera(video, async (page, offline) => {
      await page.goto(base);
      expect(await page.evaluate<boolean>('window.started')).toBe(true);
      await page.waitForFunction('window.scans.length > 0', undefined, { timeout: 20_000 });
      // Keep the code in view for a while longer: still one scan (the same code in view is not repeated).
      await page.waitForFunction('window.frames >= 15', undefined, { timeout: 20_000 });
      const state = await page.evaluate<{ scans: PageScan[]; errors: unknown[]; statuses: unknown[]; stats: { frames: number; decoded: number; scans: number } }>('window.snapshot()');
      expect(state.errors).toEqual([]);
      expect(state.scans).toHaveLength(1);
      const scan = state.scans[0]!;
      expect(scan).toMatchObject({ text: GENUINE, symbology: 'qr', aimId: null, source: 'camera', deviceId: 'camera' });
      expect(Buffer.from(scan.raw).toString('utf8')).toBe(GENUINE);
      expect(state.statuses).toEqual([expect.objectContaining({ kind: 'online', deviceId: 'camera' })]);
      expect(state.stats.decoded).toBeGreaterThan(1);
      expect(state.stats.scans).toBe(1);

      const parsed = parseCardCode({ text: scan.text, symbology: 'qr' }, RULES, NOW);
      expect(parsed).toMatchObject({ ok: true, kind: 'token', scope: 'identify', memberRef: MEMBER_REF, tokenId: TOKEN_ID, keyId: 'demo-2026', issuedBy: null, symbology: 'qr' });

      // stop() releases the camera: the track ends and the scanner reports offline.
      const after = await page.evaluate<unknown>('window.stopCamera()');
      expect(after).toEqual({ running: false, tracks: ['ended'], last: 'offline' });
      expect(offline).toEqual([]);
    });
  });

  it('reads a forged member QR, which the parser refuses as not genuine', async () => {
    const video = clip(FORGED, 'forged');
    await withCamera(video, async (page, offline) => {
      await page.goto(base);
      await page.waitForFunction('window.scans.length > 0', undefined, { timeout: 20_000 });
      const [scan] = await page.evaluate<PageScan[]>('window.scans');
      expect(FORGED).not.toBe(GENUINE);
      expect(scan!.text).toBe(FORGED);
      expect(parseCardCode({ text: scan!.text, symbology: 'qr' }, RULES, NOW)).toMatchObject({ ok: false, reason: 'token-forged' });
      expect(offline).toEqual([]);
    });
  });

  it('reads the member QR with zxing-wasm, the counter camera\'s decoder, loading its .wasm from the app only', async () => {
    const video = clip(GENUINE, 'genuine-wasm');
    await withCamera(video, async (page, offline) => {
      await page.goto(`${base}/wasm`);
      await page.waitForFunction('window.scans.length > 0', undefined, { timeout: 20_000 });
      const state = await page.evaluate<{ scans: PageScan[]; errors: unknown[] }>('({ scans: window.scans, errors: window.errors })');
      expect(state.errors).toEqual([]);
      expect(state.scans[0]).toMatchObject({ text: GENUINE, source: 'camera', symbology: 'qr' });
      expect(parseCardCode({ text: state.scans[0]!.text, symbology: 'qr' }, RULES, NOW)).toMatchObject({ ok: true, memberRef: MEMBER_REF });
      expect(offline).toEqual([]);
    });
  });

  it('reports a refused camera permission as a cashier-readable error, not an exception', async () => {
    await withCamera(null, async (page) => {
      await page.goto(`${base}/denied`);
      expect(await page.evaluate<boolean>('window.started')).toBe(false);
      const errors = await page.evaluate<unknown[]>('window.errors');
      expect(errors).toEqual([{ code: 'permission-denied', message: expect.stringContaining('Camera access was refused'), deviceId: 'camera' }]);
    });
  });
});

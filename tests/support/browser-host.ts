/**
 * The browser host as a real child process (dist/src/terminal/hosts/browser-host.js, what
 * `npm start` runs), and the check that the screens it serves were built from the current sources.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UI_SOURCES_STAMP, uiSourceDigest } from '../../vite.ui.config.js';
import { REPO } from './ledger-fixture.js';

export const BROWSER_HOST = join(REPO, 'dist', 'src', 'terminal', 'hosts', 'browser-host.js');

/** Throws unless dist/ui/terminal was built from the sources as they are now: never test an old build. */
export function assertUiBuilt(): void {
  const stamp = existsSync(UI_SOURCES_STAMP) ? readFileSync(UI_SOURCES_STAMP, 'utf8').trim() : '';
  if (stamp === '' || !existsSync(join(REPO, 'dist', 'ui', 'terminal', 'index.html'))) throw new Error('dist/ui/terminal is not built: run `npm run build` (npm test builds it)');
  if (stamp !== uiSourceDigest(REPO)) throw new Error('dist/ui/terminal was built from other sources: run `npm run build:ui` (npm test does)');
  if (!existsSync(BROWSER_HOST)) throw new Error(`${BROWSER_HOST} is missing: run \`npx tsc -b\``);
}

export interface RunningBrowserHost {
  /** What it printed to open: http://127.0.0.1:PORT/#secret=… */
  readonly url: string;
  readonly port: number;
  readonly secret: string;
  /** The contract's socket, for a Node client. */
  readonly socketUrl: string;
  /** What it printed for the customer display: http://127.0.0.1:PORT/#/customer&secret=… (the counter's secret). */
  readonly customerUrl: string;
  /** What it printed for the kiosk: http://127.0.0.1:PORT/#/kiosk&secret=KIOSKSECRET. */
  readonly kioskUrl: string;
  readonly kioskSecret: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export async function startBrowserHost(options: { db: string; cwd: string; port?: number; secret?: string }): Promise<RunningBrowserHost> {
  const args = [BROWSER_HOST, '--db', options.db, ...(options.port !== undefined ? ['--port', String(options.port)] : [])];
  const env = { ...process.env, ...(options.secret ? { TALLY_HOST_SECRET: options.secret } : {}) };
  const child = spawn(process.execPath, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // The three addresses come on three lines, maybe in separate chunks: wait for the last one.
  const [url, customerUrl, kioskUrl] = await new Promise<[string, string, string]>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /Open (http:\/\/127\.0\.0\.1:\d+\/#secret=[A-Za-z0-9_-]+)/.exec(stdout);
      const customer = /Customer display: (http:\/\/127\.0\.0\.1:\d+\/#\/customer&secret=[A-Za-z0-9_-]+)/.exec(stdout);
      const kiosk = /Kiosk [^:]*: (http:\/\/127\.0\.0\.1:\d+\/#\/kiosk&secret=[A-Za-z0-9_-]+)\n/.exec(stdout);
      if (m && customer && kiosk) resolve([m[1]!, customer[1]!, kiosk[1]!]);
    });
    void exited.then((code) => reject(new Error(`the browser host exited (${code}) before printing its address: ${stderr}`)));
  });
  const m = /^http:\/\/127\.0\.0\.1:(\d+)\/#secret=(.+)$/.exec(url)!;
  const port = Number(m[1]);
  const secret = m[2]!;
  return {
    url,
    port,
    secret,
    customerUrl,
    kioskUrl,
    kioskSecret: kioskUrl.slice(kioskUrl.indexOf('&secret=') + '&secret='.length),
    socketUrl: `ws://127.0.0.1:${port}/?secret=${secret}`,
    exited,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

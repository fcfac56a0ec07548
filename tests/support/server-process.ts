/**
 * The real `tally-server` for tests: the server as a child process on a real socket (its address
 * read from what it prints), the admin CLI as separate processes, and a plain HTTP(S) client that
 * can send anything (wrong content types, broken JSON, bodies over the limit).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..');
export const SERVER_BIN = join(REPO, 'bin', 'tally-server.js');

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything the server wrote to stderr so far (its JSON log). */
  stderr(): string;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stderr: string }>;
}

/** Environment without a DATABASE_URL of the developer's (the embedded store), plus `extra`. */
export function serverEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('DATABASE_URL' in extra)) delete env['DATABASE_URL'];
  delete env['TALLY_SERVER_DATA'];
  return env;
}

/** `wrap`: a command the server runs under, e.g. `['nsenter', '-t', PID, '-m', '--']` (another mount namespace). */
export async function startServer(args: readonly string[], env: NodeJS.ProcessEnv = serverEnv(), timeoutMs = 20_000, wrap: readonly string[] = []): Promise<ServerProcess> {
  const command = [...wrap, process.execPath, SERVER_BIN, 'serve', ...args];
  const child = spawn(command[0]!, command.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed no address within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const match = /Tally server listening on (https?:\/\/\S+) \(store: /.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening; stdout: ${stdout}; stderr: ${stderr}`));
    });
  });
  return {
    url,
    child,
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const result = await exited;
      return { ...result, stderr };
    },
  };
}

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function serverCli(args: readonly string[], env: NodeJS.ProcessEnv = serverEnv()): CliRun {
  const run = spawnSync(process.execPath, [SERVER_BIN, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `--json` output of a command that must succeed. */
export function serverCliJson<T>(args: readonly string[], env?: NodeJS.ProcessEnv): T {
  const run = serverCli(['--json', ...args], env);
  if (run.status !== 0) throw new Error(`tally-server ${args.join(' ')} exited ${run.status}: ${run.stderr}${run.stdout}`);
  return JSON.parse(run.stdout) as T;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  json<T = unknown>(): T;
}

export interface HttpCall {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as is (a string or bytes); an object is sent as JSON with Content-Type application/json. */
  readonly body?: string | Buffer | object;
  readonly credential?: string;
  /** TLS: the certificate to trust. */
  readonly ca?: string;
}

const EARLY_ANSWER_ABOVE = 64 * 1024;
const EARLY_ANSWER_WAIT_MS = 500;

/**
 * One request on a fresh connection. A server may answer (413) before the whole body is sent and
 * close: the answer wins over the write error that follows.
 */
export function http(baseUrl: string, call: HttpCall): Promise<HttpAnswer> {
  const url = new URL(call.path, baseUrl);
  const headers: Record<string, string> = { accept: 'application/json', ...(call.credential ? { authorization: `Bearer ${call.credential}` } : {}) };
  let payload: string | Buffer | undefined;
  if (typeof call.body === 'string' || Buffer.isBuffer(call.body)) payload = call.body;
  else if (call.body !== undefined) {
    payload = JSON.stringify(call.body);
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, call.headers ?? {});
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const options = { method: call.method ?? (payload === undefined ? 'GET' : 'POST'), headers, agent: false as const, ...(call.ca ? { ca: call.ca } : {}) };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    let answered = false;
    req.on('response', () => {
      answered = true;
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // EPIPE / ECONNRESET after the answer came: the server stopped reading a body it refused.
      if (!answered) reject(error);
    });
    if (payload === undefined) {
      req.end();
    } else if (Buffer.byteLength(payload) <= EARLY_ANSWER_ABOVE) {
      req.end(payload);
    } else {
      // A large body: the headers go first, and a server that refuses from them alone (401, 413)
      // answers before the body is written. Writing it anyway would end in EPIPE once the server
      // closes, which can lose the answer on this side.
      req.flushHeaders();
      const timer = setTimeout(() => {
        if (!answered) req.end(payload);
      }, EARLY_ANSWER_WAIT_MS);
      req.on('response', (res) => {
        clearTimeout(timer);
        res.on('end', () => req.destroy());
      });
    }
  });
}

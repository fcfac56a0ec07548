/**
 * Long-running Tally processes for tests (`tally host`, the browser host): a real child process,
 * its address read from what it prints on stdout, and a stop that sends a signal and waits for the
 * exit. The server has its own (server-process.ts).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { CLI_ENV, REPO } from './ledger-fixture.js';

export const TALLY_BIN = join(REPO, 'bin', 'tally.js');

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningProcess {
  /** The first match of the pattern in stdout: `[0]` and its groups. */
  readonly printed: RegExpExecArray;
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` (SIGTERM by default) unless it already exited, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/**
 * Starts `node <args>` (the Node.js running the tests) and resolves once stdout matches `pattern`;
 * rejects when the process exits first or prints no match within `timeoutMs`.
 */
export async function startPrinting(args: readonly string[], pattern: RegExp, options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunningProcess> {
  const child = spawn(process.execPath, [...args], { cwd: options.cwd ?? REPO, env: options.env ?? CLI_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const timeoutMs = options.timeoutMs ?? 20_000;
  const printed = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} printed nothing matching ${String(pattern)} within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const match = pattern.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`node ${args.join(' ')} exited (${code ?? signal}) before printing ${String(pattern)}; stdout: ${stdout}; stderr: ${stderr}`));
    });
  });
  return {
    printed,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const result = await exited;
      return { ...result, stdout, stderr };
    },
  };
}

/** `tally --db DB host`: resolves with the process and the WebSocket address it printed (with its secret). */
export async function startTallyHost(db: string, extraArgs: readonly string[] = [], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunningProcess & { readonly url: string }> {
  const host = await startPrinting([TALLY_BIN, '--db', db, 'host', ...extraArgs], /(ws:\/\/127\.0\.0\.1:\d+\/\?secret=[A-Za-z0-9_-]+)/, options);
  return Object.assign(host, { url: host.printed[1]! });
}

/**
 * A serial scanner without hardware, for tests, the benchmark and demos: socat joins two
 * pseudo-terminals, the terminal opens one end (`appPath`) with the real serialport bindings and
 * the "scanner" writes codes into the other (`scannerPath`). Killing socat is an unplug (the app's
 * port closes with `disconnected: true`); starting it again with the same link names is a replug.
 *
 *   socat -d -d pty,raw,echo=0,link=<dir>/<name>-app pty,raw,echo=0,link=<dir>/<name>-scanner
 *
 * Standard baud rates only: a pseudo-terminal refuses custom ones.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export function socatAvailable(): boolean {
  const result = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class SocatPair {
  readonly appPath: string;
  readonly scannerPath: string;
  private child: ChildProcess | null = null;
  private writer: FileHandle | null = null;
  private log = '';

  constructor(dir: string, name: string) {
    this.appPath = join(dir, `${name}-app`);
    this.scannerPath = join(dir, `${name}-scanner`);
  }

  /** Starts socat (a new pair) and waits until both links exist and data flows. */
  static async start(dir: string, name: string): Promise<SocatPair> {
    const pair = new SocatPair(dir, name);
    await pair.plug();
    return pair;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts socat with this pair's link names: the scanner is (re)plugged. */
  async plug(timeoutMs = 10_000): Promise<void> {
    if (this.child) throw new Error(`${this.appPath}: socat is already running`);
    this.log = '';
    const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.appPath}`, `pty,raw,echo=0,link=${this.scannerPath}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    const state: { failure: Error | null; exited: boolean } = { failure: null, exited: false };
    child.on('error', (error) => {
      state.failure = error;
    });
    child.on('exit', () => {
      state.exited = true;
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.log = (this.log + text).slice(-4096);
    });
    const deadline = Date.now() + timeoutMs;
    // "starting data transfer loop" comes after both links are made.
    while (!(this.log.includes('starting data transfer loop') && existsSync(this.appPath) && existsSync(this.scannerPath))) {
      if (state.failure !== null || state.exited || Date.now() > deadline) {
        this.child = null;
        if (!state.exited) child.kill('SIGKILL');
        throw new Error(`socat did not start${state.failure ? `: ${state.failure.message}` : ''}\n${this.log}`);
      }
      await sleep(5);
    }
    this.writer = await open(this.scannerPath, constants.O_WRONLY | constants.O_NOCTTY);
  }

  /** Writes bytes as the scanner (all of them, in order; a pty takes them as fast as socat moves them). */
  async write(data: string | Uint8Array): Promise<void> {
    if (!this.writer) throw new Error(`${this.scannerPath}: not plugged`);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await this.writer.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
  }

  /** The writer's file descriptor, for a caller that times a synchronous write (the benchmark). */
  get writerFd(): number {
    if (!this.writer) throw new Error(`${this.scannerPath}: not plugged`);
    return this.writer.fd;
  }

  /** Kills socat (SIGTERM: it removes its links) and waits for it to exit: the scanner is unplugged. */
  async unplug(): Promise<void> {
    const child = this.child;
    this.child = null;
    const writer = this.writer;
    this.writer = null;
    await writer?.close().catch(() => undefined);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const stubborn = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(stubborn);
  }

  async close(): Promise<void> {
    await this.unplug();
  }
}

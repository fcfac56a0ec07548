/**
 * Files and folders the admin CLI touches: its data folder, and the files an operator names
 * (programs, TLS certificates). The terminal has the same bounded reader
 * (src/terminal/input-file.ts), which the server may not import: a FIFO or /dev/zero cannot hang
 * the command, a huge file cannot exhaust memory, and every refusal is one line.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, posix, win32 } from 'node:path';
import { TallyError } from '../../core/errors.js';

export const MAX_INPUT_FILE_BYTES = 1024 * 1024;

export function readInputFile(path: string, what: string, maxBytes = MAX_INPUT_FILE_BYTES): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new TallyError('invalid-input', `Cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new TallyError('invalid-input', `Cannot read ${what} ${path}: it is not a regular file`);
    if (stat.size > maxBytes) throw new TallyError('invalid-input', `${what} ${path} is ${stat.size} bytes; at most ${maxBytes} are read`);
    // One byte past the limit: a file that grows while it is read is refused too.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) throw new TallyError('invalid-input', `${what} ${path} is larger than ${maxBytes} bytes`);
    }
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof TallyError) throw error;
    throw new TallyError('invalid-input', `Cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Where the server keeps its data (its SQLite file and its keys) when given no `--data` and no
 * TALLY_SERVER_DATA: `$XDG_DATA_HOME/tally-server` or `~/.local/share/tally-server` (Linux and other
 * Unix), `~/Library/Application Support/Tally Server` (macOS), `%APPDATA%\Tally Server` (Windows).
 */
export function defaultDataDirectory({ platform = process.platform, env = process.env, home = homedir() }: { platform?: NodeJS.Platform; env?: Readonly<Record<string, string | undefined>>; home?: string } = {}): string {
  if (platform === 'win32') {
    const appData = env['APPDATA'];
    return win32.join(appData ? appData : win32.join(home, 'AppData', 'Roaming'), 'Tally Server');
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', 'Tally Server');
  const xdg = env['XDG_DATA_HOME'];
  // A relative XDG_DATA_HOME is ignored, as the XDG spec requires.
  return posix.join(xdg && posix.isAbsolute(xdg) ? xdg : posix.join(home, '.local', 'share'), 'tally-server');
}

/** Makes the data folder if absent: 0700, since it holds members' personal data and the keys. */
export function ensureDataFolder(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new TallyError('invalid-input', `Cannot create the data folder ${dataDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

export const SQLITE_FILE_NAME = 'tally-server.sqlite';

export function sqlitePath(dataDir: string): string {
  return join(dataDir, SQLITE_FILE_NAME);
}

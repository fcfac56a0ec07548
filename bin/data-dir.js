// Where Tally keeps its data by default: the user's per-platform data folder.
// Shared by bin/start.js and the `tally` CLI (`init` and friends without --db).
// Plain ESM JavaScript so it runs without a build; types are in data-dir.d.ts.
import os from 'node:os';
import path from 'node:path';

export const DATABASE_FILE_NAME = 'tally.sqlite';

/**
 * The folder Tally stores its data in:
 * - Linux and other Unix: `$XDG_DATA_HOME/tally`, or `~/.local/share/tally`
 *   (a relative XDG_DATA_HOME is ignored, as the XDG spec requires)
 * - macOS: `~/Library/Application Support/Tally`
 * - Windows: `%APPDATA%\Tally`, or `~\AppData\Roaming\Tally`
 *
 * The arguments exist for tests; callers normally pass nothing.
 * @param {{ platform?: NodeJS.Platform, env?: NodeJS.ProcessEnv, homedir?: string }} [options]
 * @returns {string}
 */
export function dataDirectory({ platform = process.platform, env = process.env, homedir = os.homedir() } = {}) {
  if (platform === 'win32') {
    const appData = env['APPDATA'];
    return path.win32.join(appData ? appData : path.win32.join(homedir, 'AppData', 'Roaming'), 'Tally');
  }
  if (platform === 'darwin') {
    return path.posix.join(homedir, 'Library', 'Application Support', 'Tally');
  }
  const xdg = env['XDG_DATA_HOME'];
  const base = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(homedir, '.local', 'share');
  return path.posix.join(base, 'tally');
}

/**
 * The database a command uses when it is given no `--db`: `<dataDirectory()>/tally.sqlite`.
 * Does not create anything; the caller creates the folder when it first writes.
 * @param {{ platform?: NodeJS.Platform, env?: NodeJS.ProcessEnv, homedir?: string }} [options]
 * @returns {string}
 */
export function defaultDatabasePath(options = {}) {
  const platform = options.platform ?? process.platform;
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  return join(dataDirectory(options), DATABASE_FILE_NAME);
}

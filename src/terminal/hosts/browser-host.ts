/**
 * The browser host: what `npm start` runs where Electron cannot (bin/start.js). One process opens
 * the terminal's ledger (a TerminalHost, as `tally host` does) and serves, on ONE loopback address
 * and port, both the built screens (dist/ui/terminal, plain HTTP GET) and the contract's WebSocket.
 * It prints the address to open, with the per-start secret in the fragment:
 *
 *     Open http://127.0.0.1:41733/#secret=…
 *
 * Options: `--db FILE` (default: the data folder's tally.sqlite, as the `tally` CLI resolves it) and
 * `--port N` (default 0: a free port). Ctrl-C or SIGTERM stops it cleanly (exit 0). No database yet:
 * one line says how to create a demo terminal, exit 1 (a setup screen comes in a later slice).
 *
 * Exit status: 0 stopped by a signal; 1 refused (no database, a damaged one, a port in use, the
 * screens not built); 2 wrong usage; 3 a fault of Tally itself.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isTallyError } from '../../core/errors.js';
import { printable } from '../../core/text.js';
import { environmentError } from '../ledger/environment-errors.js';
import { secretFromEnvironment, serveUntilSignal, startServedHost } from './serve.js';

export interface BrowserHostIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The database used without --db (bin/data-dir.js's defaultDatabasePath). */
  readonly defaultDatabasePath: string;
  /** The built screens: dist/ui/terminal. */
  readonly uiRoot: string;
}

const USAGE = 'Usage: node dist/src/terminal/hosts/browser-host.js [--db FILE] [--port N]  (npm start -- [--db FILE] [--port N])';

/** The command that makes a demo terminal at `db`, as a person types it from the repository. */
export function demoInitCommand(db: string, defaultDb: string): string {
  const target = resolve(db) === resolve(defaultDb) ? '' : ` --db ${JSON.stringify(db)}`;
  return `npm run tally --${target} init --demo --program resources/programs/classic-krw.json --store STORE-1 --terminal LANE-1`;
}

export async function runBrowserHost(argv: readonly string[], io: BrowserHostIo): Promise<number> {
  let values: { db?: string | undefined; port?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { db: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    io.stderr(`tally browser host: ${error instanceof Error ? error.message : String(error)}. ${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const portText = values.port ?? '0';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    io.stderr(`tally browser host: --port is a whole number from 0 to 65535 (0: a free port), got "${printable(portText)}". ${USAGE}`);
    return 2;
  }
  const dbShown = values.db ?? io.defaultDatabasePath;
  const db = resolve(io.cwd, dbShown);
  if (!existsSync(join(io.uiRoot, 'index.html'))) {
    io.stderr(`tally browser host: the screens are not built (${io.uiRoot} has no index.html): run npm run build`);
    return 1;
  }
  if (!existsSync(db)) {
    // The absolute path: `npm start` runs this from the repository root, whatever folder the person typed it in.
    io.stderr(`tally browser host: no terminal database at ${printable(db)}. Create a demo terminal first: ${demoInitCommand(db, io.defaultDatabasePath)} (a setup screen comes in a later version)`);
    return 1;
  }
  const log = (line: string): void => io.stderr(printable(line));
  try {
    const secret = secretFromEnvironment(io.env);
    const served = await startServedHost({ db, log }, { port: Number(portText), log, site: { root: io.uiRoot }, ...(secret ? { secret } : {}) });
    if (served.host.ledger.terminal.demo) io.stderr('tally: DEMO terminal — it trusts keys whose secrets are published with Tally; never use it for a real store');
    // The address holds the secret: stdout, for the person who started the host, never a log.
    io.stdout(`Terminal host for ${printable(dbShown)}. Open ${served.socket.pageUrl}`);
    const signal = await serveUntilSignal(served);
    io.stderr(`tally: terminal host stopped (${signal}); the ledger is checkpointed and closed`);
    return 0;
  } catch (error) {
    const refusal = isTallyError(error) ? error : environmentError(error, db);
    if (refusal) {
      io.stderr(`tally browser host: ${printable(refusal.message.split('\n').join(' '))}`);
      return 1;
    }
    io.stderr(`tally browser host: unexpected error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 3;
  }
}

/** bin/data-dir.js, at the repository root (dist/src/terminal/hosts/ → four levels up): the CLI's own default. */
async function defaultDatabasePath(): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url));
  const dataDir = resolve(here, '..', '..', '..', '..', 'bin', 'data-dir.js');
  const module = (await import(pathToFileURL(dataDir).href)) as { defaultDatabasePath: () => string };
  return module.defaultDatabasePath();
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const here = dirname(fileURLToPath(import.meta.url));
  const uiRoot = resolve(here, '..', '..', '..', 'ui', 'terminal');
  const code = await runBrowserHost(process.argv.slice(2), {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
    defaultDatabasePath: await defaultDatabasePath(),
    uiRoot,
  });
  process.exitCode = code;
}

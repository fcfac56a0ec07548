/**
 * The browser host: what `npm start` runs where Electron cannot (bin/start.js). One process opens
 * the terminal's ledger (a TerminalHost, as `tally host` does) and serves, on ONE loopback address
 * and port, both the built screens (dist/ui/terminal, plain HTTP GET) and the contract's WebSocket.
 * It prints the address to open, with the per-start secret in the fragment:
 *
 *     Open http://127.0.0.1:41733/#secret=…
 *
 * Options: `--db FILE` (default: the data folder's tally.sqlite, as the `tally` CLI resolves it) and
 * `--port N` (default 0: a free port). Ctrl-C or SIGTERM stops it cleanly (exit 0).
 *
 * First start (no database at --db yet): the same address serves the screens in setup mode
 * (setup-handlers.ts): the page shows the setup screen, and once it created the ledger the host
 * opens it and serves the terminal on the same connection and secret, without a restart.
 *
 * Exit status: 0 stopped by a signal; 1 refused (a damaged database, a port in use, the screens
 * not built); 2 wrong usage; 3 a fault of Tally itself.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isTallyError, TallyError } from '../../core/errors.js';
import { printable } from '../../core/text.js';
import { environmentError } from '../ledger/environment-errors.js';
import { TerminalHost, untilSignal } from './app.js';
import { KIOSK_SECRET_ENV, secretFromEnvironment, serveUntilSignal, startServedHost } from './serve.js';
import { serveCreatedTerminal, SetupHandlers } from './setup-handlers.js';
import { WebSocketHost } from './websocket/server.js';

export interface BrowserHostIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The database used without --db (bin/data-dir.js's defaultDatabasePath). */
  readonly defaultDatabasePath: string;
  /** The built screens: dist/ui/terminal. */
  readonly uiRoot: string;
  /** The example programs a first start's demo can use (resources/programs). */
  readonly programsDir: string;
}

const USAGE = 'Usage: node dist/src/terminal/hosts/browser-host.js [--db FILE] [--port N]  (npm start -- [--db FILE] [--port N])';

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
  const log = (line: string): void => io.stderr(printable(line));
  try {
    const secret = secretFromEnvironment(io.env);
    const kioskSecret = secretFromEnvironment(io.env, KIOSK_SECRET_ENV);
    const secrets = { ...(secret ? { secret } : {}), ...(kioskSecret ? { kioskSecret } : {}) };
    if (!existsSync(db)) return await firstStart({ db, dbShown, port: Number(portText), log, io, secrets });
    const served = await startServedHost({ db, log }, { port: Number(portText), log, site: { root: io.uiRoot }, ...secrets });
    if (served.host.ledger.terminal.demo) io.stderr('tally: DEMO terminal — it trusts keys whose secrets are published with Tally; never use it for a real store');
    // The address holds the secret: stdout, for the person who started the host, never a log.
    io.stdout(`Terminal host for ${printable(dbShown)}. Open ${served.socket.pageUrl}`);
    printScreenAddresses(io, served.socket);
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

interface FirstStart {
  readonly db: string;
  readonly dbShown: string;
  readonly port: number;
  readonly secrets: { readonly secret?: string; readonly kioskSecret?: string };
  readonly log: (line: string) => void;
  readonly io: BrowserHostIo;
}

/** The customer display's and the kiosk's addresses, after the cashier's (stdout: they hold the secrets). */
function printScreenAddresses(io: BrowserHostIo, socket: WebSocketHost): void {
  io.stdout(`Customer display: ${socket.customerPageUrl}`);
  io.stdout(`Kiosk (customers scan their own card; it can do nothing else): ${socket.kioskPageUrl}`);
}

/** Serves the setup screen until a ledger exists, then the terminal on the same server and secret. */
async function firstStart({ db, dbShown, port, secrets, log, io }: FirstStart): Promise<number> {
  const state: { host: TerminalHost | null } = { host: null };
  const holder: { socket?: WebSocketHost } = {};
  const setup = new SetupHandlers({
    db,
    programsDir: io.programsDir,
    now: Date.now,
    log,
    onCreated: async () => {
      const socket = holder.socket;
      if (!socket) throw new TallyError('not-initialised', 'The terminal host is still starting: try again');
      const host = TerminalHost.open({ db, log });
      state.host = host;
      await serveCreatedTerminal(socket, host, () => host.start(), () => host.advertise({ address: socket.address, port: socket.port, secret: socket.secret }));
      if (host.ledger.terminal.demo) io.stderr('tally: DEMO terminal — it trusts keys whose secrets are published with Tally; never use it for a real store');
      io.stderr(`tally: terminal ${printable(host.ledger.terminal.terminalId)} set up; serving it on the same address`);
    },
  });
  let socket: WebSocketHost;
  try {
    socket = await WebSocketHost.start(setup, { port, log, site: { root: io.uiRoot }, ...secrets });
  } catch (error) {
    if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new TallyError('invalid-input', `Port ${port} is already in use on this computer: choose another with --port (0 takes a free one)`);
    }
    throw error;
  }
  holder.socket = socket;
  // Listening for signals before the address is printed: whoever reads it may stop the host at once.
  const stopped = untilSignal();
  io.stderr(`tally: no terminal database at ${printable(db)} yet: the page opens the setup screen`);
  io.stdout(`Terminal host for ${printable(dbShown)} (first start: setup). Open ${socket.pageUrl}`);
  printScreenAddresses(io, socket);
  const signal = await stopped;
  if (state.host) await state.host.close(`stopped by ${signal}`);
  else await socket.close();
  io.stderr(`tally: terminal host stopped (${signal})${state.host ? '; the ledger is checkpointed and closed' : ''}`);
  return 0;
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
    programsDir: resolve(here, '..', '..', '..', '..', 'resources', 'programs'),
  });
  process.exitCode = code;
}

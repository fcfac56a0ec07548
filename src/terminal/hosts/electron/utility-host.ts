/**
 * The terminal host as Electron's utility process runs it: open the ledger, serve the handler map
 * over the parent port, say `ready` (or `failed`, with a code and a message a person can act on),
 * and close cleanly when main asks, when main goes away, or on SIGTERM (what
 * `UtilityProcess.kill()` sends on POSIX).
 *
 * First start (no file at the ledger's path yet): as the browser host does, it serves the setup
 * screen's two methods (setup-handlers.ts) and says `ready` with `setup`; once the screen made the
 * ledger, the terminal's handler map takes their place on the same port and `host-ready` is pushed,
 * so the window carries on without a restart or a dialog.
 *
 * Plain Node: everything Electron-specific is behind HostPort, so tests run it over an in-memory
 * port or a real `child_process.fork` IPC channel.
 */
import { existsSync } from 'node:fs';
import { isTallyError } from '../../../core/errors.js';
import { environmentError } from '../../ledger/environment-errors.js';
import { TerminalHost, type TerminalHostOptions } from '../app.js';
import { serveCreatedTerminal, SetupHandlers } from '../setup-handlers.js';
import { PortCarrier } from './port-carrier.js';
import { toHostSchema, type HostPort } from './port-protocol.js';

export interface UtilityHostOptions {
  /** The ledger's path, as main gave it (HOST_DB_ENV); undefined is refused. */
  readonly db: string | undefined;
  readonly log: (line: string) => void;
  /** resources/programs: the example programs the first start's setup screen offers. */
  readonly programsDir: string;
  /** Resolves with a signal's name when the process is asked to stop by one (the entry passes untilSignal()). */
  readonly signal?: Promise<string>;
  /** Tests and demos: the host's clock and ids, background sync's timings. */
  readonly host?: Omit<TerminalHostOptions, 'db' | 'log' | 'sync'>;
  readonly sync?: TerminalHostOptions['sync'];
}

/** Runs until told to stop; resolves with the exit code (0 after a clean close, 1 when the host could not start). */
export async function runUtilityHost(port: HostPort, options: UtilityHostOptions): Promise<number> {
  let requestStop: (reason: string) => void = () => undefined;
  const stop = new Promise<string>((resolve) => {
    requestStop = resolve;
  });
  const offDisconnect = port.onDisconnect(() => requestStop('the app closed'));
  void options.signal?.then((signal) => requestStop(`stopped by ${signal}`));
  // Until the carrier listens, only `close` means anything: main sends requests after `ready`.
  let offControl = port.onMessage((message) => {
    const parsed = toHostSchema.safeParse(message);
    if (parsed.success && parsed.data.type === 'close') requestStop(parsed.data.reason);
  });
  const finish = (code: number): number => {
    offControl();
    offDisconnect();
    return code;
  };

  const db = options.db;
  if (db === undefined || db === '') {
    port.post({ type: 'failed', code: 'invalid-input', message: 'The app started the terminal host without a database path (please report it)' });
    await stop;
    return finish(1);
  }
  if (!existsSync(db)) {
    offControl();
    offControl = () => undefined;
    return finish(await serveSetup(port, db, options, stop, requestStop));
  }
  let host: TerminalHost;
  try {
    host = TerminalHost.open({ ...options.host, db, log: options.log });
  } catch (error) {
    // No database yet, a damaged or newer file, a locked or read-only one: main shows it in a dialog.
    const refusal = isTallyError(error) ? error : environmentError(error, db);
    if (refusal) {
      port.post({ type: 'failed', code: refusal.code, message: refusal.message });
    } else {
      options.log(`tally host: the terminal host could not start (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      port.post({ type: 'failed', code: 'internal', message: `The terminal host could not open ${db} because of an unexpected error; it was logged` });
    }
    await stop;
    return finish(1);
  }

  offControl();
  offControl = () => undefined;
  const carrier = new PortCarrier(port, host.handlers, { log: options.log, onCloseRequested: (reason) => requestStop(reason) });
  host.attach(carrier);
  host.start(options.sync);
  port.post({ type: 'ready', db, demo: host.ledger.terminal.demo });
  const reason = await stop;
  await host.close(reason);
  return finish(0);
}

/** The first start: the setup screen's methods until the ledger exists, then the terminal's, on one carrier. */
async function serveSetup(port: HostPort, db: string, options: UtilityHostOptions, stop: Promise<string>, requestStop: (reason: string) => void): Promise<number> {
  const opened: { host: TerminalHost | null; carrier: PortCarrier | null } = { host: null, carrier: null };
  const setup = new SetupHandlers({
    db,
    programsDir: options.programsDir,
    now: Date.now,
    log: options.log,
    onCreated: async () => {
      const carrier = opened.carrier;
      // The carrier exists before any request can reach these handlers; a guard, not a path.
      if (carrier === null) throw new Error('setup finished before the carrier existed');
      const host = TerminalHost.open({ ...options.host, db, log: options.log });
      opened.host = host;
      await serveCreatedTerminal(carrier, host, () => host.start(options.sync));
      options.log(`tally host: terminal ${host.ledger.terminal.terminalId} set up at ${db}; serving it`);
    },
  });
  opened.carrier = new PortCarrier(port, setup, { log: options.log, onCloseRequested: (reason) => requestStop(reason) });
  port.post({ type: 'ready', db, demo: false, setup: true });
  const reason = await stop;
  if (opened.host !== null) await opened.host.close(reason);
  else await opened.carrier.close();
  return 0;
}

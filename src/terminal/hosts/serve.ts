/**
 * Starting and stopping a terminal host with its WebSocket carrier: one sequence shared by
 * `tally host` (the socket alone) and the browser host (the socket and the built screens), so the
 * two cannot drift apart in how they open the ledger, attach the carrier or shut down.
 */
import { TallyError } from '../../core/errors.js';
import { TerminalHost, untilSignal, type TerminalHostOptions } from './app.js';
import { WebSocketHost, type WebSocketHostOptions } from './websocket/server.js';

export interface ServedHost {
  readonly host: TerminalHost;
  readonly socket: WebSocketHost;
}

/**
 * Opens the ledger (the full integrity check), listens on loopback, attaches the carrier and starts
 * the background work (print worker; sync for an enrolled terminal). On a failure to listen the
 * ledger is closed again before the error is thrown.
 */
export async function startServedHost(hostOptions: TerminalHostOptions, socketOptions: WebSocketHostOptions): Promise<ServedHost> {
  const host = TerminalHost.open(hostOptions);
  let socket: WebSocketHost;
  try {
    socket = await WebSocketHost.start(host.handlers, socketOptions);
  } catch (error) {
    await host.close();
    if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new TallyError('invalid-input', `Port ${socketOptions.port ?? 0} is already in use on this computer: choose another with --port (0 takes a free one)`);
    }
    throw error;
  }
  host.attach(socket);
  try {
    // Beside the ledger: `tally scan` finds this host there, and a second host on the ledger is refused.
    await host.advertise({ address: socket.address, port: socket.port, secret: socket.secret });
  } catch (error) {
    await host.close();
    throw error;
  }
  // Printing, scanners, idle checkpoints, periodic bookings; background sync for an enrolled terminal.
  host.start();
  return { host, socket };
}

/** Waits for Ctrl-C or SIGTERM, then closes the host (queued requests finish, the ledger is checkpointed and closed). */
export async function serveUntilSignal(served: ServedHost): Promise<NodeJS.Signals> {
  const signal = await untilSignal();
  await served.host.close(`stopped by ${signal}`);
  return signal;
}

/** Where a supervisor that restarts the host may hand it the secret the open screens already hold. */
export const HOST_SECRET_ENV = 'TALLY_HOST_SECRET';

/**
 * The secret from TALLY_HOST_SECRET, when set: at least 32 bytes as base64url (what a start makes),
 * so a weak one cannot be chosen by mistake. Unset: undefined (a new random secret per start).
 */
export function secretFromEnvironment(env: Readonly<Record<string, string | undefined>>, name: string = HOST_SECRET_ENV): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^[A-Za-z0-9_-]{43,128}$/.test(value)) {
    throw new TallyError('invalid-input', `${name} must be at least 32 random bytes in base64url (43 or more of A-Z a-z 0-9 _ -), e.g. from: node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`);
  }
  return value;
}

/** The kiosk's secret a supervisor may hand a restarted host (the same rules as TALLY_HOST_SECRET). */
export const KIOSK_SECRET_ENV = 'TALLY_KIOSK_SECRET';

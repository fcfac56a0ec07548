/**
 * What Electron's main process and the terminal host's utility process say to each other over
 * the utility process's parent port. The screens' own messages travel inside as text, unchanged
 * (the same JSON a WebSocket frame would carry); this envelope adds only which window a request
 * came from, so that its reply goes back to that window and pushes go to all of them.
 *
 * Both sides parse what they receive with these schemas: main trusts the host no more than the
 * host trusts main's relay of a renderer.
 */
import { z } from 'zod';
import { requestIdSchema } from '../../../contract/messages.js';
import { CONNECTION_ROLES } from '../../../contract/roles.js';

/** The environment variable main passes the ledger's path in (argv layout differs between Electron and Node). */
export const HOST_DB_ENV = 'TALLY_HOST_DB';

/** A window's id as main numbers them (its webContents id). */
const clientSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Main → host. */
export const toHostSchema = z.discriminatedUnion('type', [
  /**
   * One contract message from window `client`, as the renderer sent it; `role` is the window's kind
   * as main made it (a kiosk window's requests are limited by the host, src/contract/roles.ts).
   */
  z.strictObject({ type: z.literal('request'), client: clientSchema, role: z.enum(CONNECTION_ROLES).default('counter'), text: z.string() }),
  /** Stop: close the carrier, finish queued requests, checkpoint and close the ledger, exit 0. */
  z.strictObject({ type: z.literal('close'), reason: z.string().max(200) }),
]);
export type ToHost = z.output<typeof toHostSchema>;

/** Host → main. */
export const fromHostSchema = z.discriminatedUnion('type', [
  /**
   * The carrier serves requests: the ledger is open, or (`setup`) there is no ledger yet and the
   * windows show the setup screen until it made one.
   */
  z.strictObject({ type: z.literal('ready'), db: z.string(), demo: z.boolean(), setup: z.boolean().optional() }),
  /** The host could not start (no database, a damaged or newer file…): it waits to be closed. */
  z.strictObject({ type: z.literal('failed'), code: z.string().max(64), message: z.string().max(2000) }),
  /** The reply to one request of window `client`; `id` and `ok` (a result, not an error) repeat the reply's, so main need not parse `text`. */
  z.strictObject({ type: z.literal('reply'), client: clientSchema, id: requestIdSchema.nullable(), ok: z.boolean(), text: z.string() }),
  /** A pushed event for every window. */
  z.strictObject({ type: z.literal('push'), text: z.string() }),
]);
export type FromHost = z.output<typeof fromHostSchema>;

/**
 * The utility process's end of the channel: Electron's `process.parentPort` in the app, a Node IPC
 * channel (`child_process.fork`) in tests and on a machine without Electron's binary.
 */
export interface HostPort {
  post(message: FromHost): void;
  /** Adds a listener for what main sent (unparsed); returns its removal. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** Adds a listener for the parent going away, where the channel can tell; returns its removal. */
  onDisconnect(listener: () => void): () => void;
}

/** The shape of Electron's `process.parentPort` this module relies on (src/terminal may not import electron). */
interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { readonly data: unknown }) => void): unknown;
  off(event: 'message', listener: (event: { readonly data: unknown }) => void): unknown;
}

function isElectronParentPort(value: unknown): value is ElectronParentPort {
  if (typeof value !== 'object' || value === null) return false;
  const port = value as Record<string, unknown>;
  return typeof port['postMessage'] === 'function' && typeof port['on'] === 'function' && typeof port['off'] === 'function';
}

/**
 * Electron's parent port, when this process is a utility process. Electron does not tell a
 * utility process that main is gone: Chromium ends it with main, and the WAL ledger is safe
 * across that (it is what a power cut does), so onDisconnect never fires here.
 */
export function electronParentPort(proc: NodeJS.Process): HostPort | null {
  const candidate: unknown = (proc as unknown as { parentPort?: unknown }).parentPort;
  if (!isElectronParentPort(candidate)) return null;
  const port = candidate;
  return {
    post: (message) => port.postMessage(message),
    onMessage(listener) {
      const wrapped = (event: { readonly data: unknown }): void => listener(event.data);
      port.on('message', wrapped);
      return () => port.off('message', wrapped);
    },
    onDisconnect: () => () => undefined,
  };
}

/** The Node IPC channel, when this process was started by `child_process.fork`. */
export function nodeIpcPort(proc: NodeJS.Process): HostPort | null {
  const send = proc.send?.bind(proc);
  if (send === undefined || !proc.connected) return null;
  return {
    post(message) {
      // A parent that went away mid-reply is handled by 'disconnect'; the error here adds nothing.
      if (proc.connected) send(message, undefined, undefined, () => undefined);
    },
    onMessage(listener) {
      const wrapped = (message: unknown): void => listener(message);
      proc.on('message', wrapped);
      return () => proc.off('message', wrapped);
    },
    onDisconnect(listener) {
      proc.on('disconnect', listener);
      return () => proc.off('disconnect', listener);
    },
  };
}

/**
 * Both ends of a utility process's parent port, in memory: the host's end (a HostPort) and main's
 * end (send, and the messages the host posted, in order). Messages are structured-cloned and
 * delivered on a later turn of the event loop, as Electron's port and Node's IPC channel do; what
 * main sends in one turn arrives in one turn.
 */
import { fromHostSchema, type FromHost, type HostPort } from '../../src/terminal/hosts/electron/port-protocol.js';

export interface MainEnd {
  /** What main sends to the host (anything: the host must parse it). */
  send(message: unknown): void;
  /** The next message the host posted (checked against the port protocol), in order. */
  next(timeoutMs?: number): Promise<FromHost>;
  /** Waits for the next message the host posted that satisfies `match`, skipping others (kept in `skipped`). */
  until(match: (message: FromHost) => boolean, timeoutMs?: number): Promise<FromHost>;
  readonly skipped: FromHost[];
  /** Main goes away. */
  disconnect(): void;
}

export function memoryPort(): { port: HostPort; main: MainEnd } {
  const toHost = new Set<(message: unknown) => void>();
  const onDisconnect = new Set<() => void>();
  const received: FromHost[] = [];
  const waiting: ((message: FromHost) => void)[] = [];
  const skipped: FromHost[] = [];
  const inbox: unknown[] = [];

  const port: HostPort = {
    post(message) {
      const copy = structuredClone(message);
      setImmediate(() => {
        const parsed = fromHostSchema.parse(copy);
        const waiter = waiting.shift();
        if (waiter) waiter(parsed);
        else received.push(parsed);
      });
    },
    onMessage(listener) {
      toHost.add(listener);
      return () => toHost.delete(listener);
    },
    onDisconnect(listener) {
      onDisconnect.add(listener);
      return () => onDisconnect.delete(listener);
    },
  };

  const next = (timeoutMs = 10_000): Promise<FromHost> => {
    const ready = received.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the host posted nothing')), timeoutMs);
      waiting.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  };

  const main: MainEnd = {
    send(message) {
      // Messages sent in one turn arrive together in a later one, as several IPC messages read in one chunk do.
      inbox.push(structuredClone(message));
      if (inbox.length > 1) return;
      setImmediate(() => {
        for (const copy of inbox.splice(0)) for (const listener of [...toHost]) listener(copy);
      });
    },
    next,
    async until(match, timeoutMs) {
      for (;;) {
        const message = await next(timeoutMs);
        if (match(message)) return message;
        skipped.push(message);
      }
    },
    skipped,
    disconnect() {
      setImmediate(() => {
        for (const listener of [...onDisconnect]) listener();
      });
    },
  };
  return { port, main };
}

/** A real `ws` client for the terminal host, and a dump of a ledger's tables for "nothing changed" checks. */
import Database from 'better-sqlite3';
import WebSocket from 'ws';

export interface HostClient {
  readonly socket: WebSocket;
  /** Sends one message (an object is JSON-encoded; a string or Buffer goes as it is). */
  send(message: unknown): void;
  /** The next message the host sent (parsed JSON), in order. */
  next(timeoutMs?: number): Promise<unknown>;
  request(id: string | number, name: string, args: unknown): Promise<unknown>;
  /** Resolves with the close code once the socket closed. */
  closed: Promise<number>;
  close(): void;
}

export function connect(url: string, options: { origin?: string; headers?: Record<string, string> } = {}): Promise<HostClient> {
  const socket = new WebSocket(url, { ...(options.origin ? { origin: options.origin } : {}), ...(options.headers ? { headers: options.headers } : {}) });
  const received: unknown[] = [];
  const waiting: ((value: unknown) => void)[] = [];
  socket.on('message', (data) => {
    const value: unknown = JSON.parse(String(data));
    const waiter = waiting.shift();
    if (waiter) waiter(value);
    else received.push(value);
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  const client: HostClient = {
    socket,
    send(message) {
      socket.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
    },
    next(timeoutMs = 10_000) {
      if (received.length > 0) return Promise.resolve(received.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message from the host')), timeoutMs);
        waiting.push((value) => {
          clearTimeout(timer);
          resolve(value);
        });
      });
    },
    request(id, name, args) {
      client.send({ id, name, args });
      return client.next();
    },
    closed,
    close() {
      socket.close();
    },
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('error', reject);
  });
}

/** Reads the host's messages until one satisfies `wanted` (pushes and replies arrive interleaved); what came before it is dropped. */
export async function until<T>(client: HostClient, wanted: (message: unknown) => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error('the host never sent the message waited for');
    const found = wanted(await client.next(left));
    if (found !== undefined) return found;
  }
}

/** Every row of every table, in a fixed order: a refused request must leave this identical. */
export function dumpLedger(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[];
    const encode = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? String(v) : v));
    // Rows sorted as text: some tables are WITHOUT ROWID, and the order rows come in is not what is compared.
    return encode(tables.map(({ name }) => [name, (db.prepare(`SELECT * FROM "${name}"`).all() as unknown[]).map(encode).sort()]));
  } finally {
    db.close();
  }
}

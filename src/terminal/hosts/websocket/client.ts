/**
 * A Node client of the local WebSocket host, for another `tally` process (`tally scan`): it speaks
 * the same contract messages a screen does, with the secret the host advertised beside the ledger.
 * Replies are matched by id; what the host pushes meanwhile is not this client's business.
 */
import { WebSocket } from 'ws';
import { replySchema, type MethodArgsInput, type MethodName, type Reply } from '../../../contract/messages.js';
import type { HostAdvert } from '../discovery.js';

export class HostUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostUnreachable';
  }
}

export class HostConnection {
  private next = 1;
  private readonly waiting = new Map<number, { readonly resolve: (reply: Reply) => void; readonly reject: (error: Error) => void }>();
  private failure: Error | null = null;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      let value: unknown;
      try {
        value = JSON.parse(String(data));
      } catch {
        return;
      }
      const reply = replySchema.safeParse(value);
      if (!reply.success || typeof reply.data.id !== 'number') return;
      const waiter = this.waiting.get(reply.data.id);
      this.waiting.delete(reply.data.id);
      waiter?.resolve(reply.data as Reply);
    });
    socket.on('close', () => this.fail(new HostUnreachable('the terminal host closed the connection')));
    socket.on('error', (error) => this.fail(new HostUnreachable(error.message)));
  }

  /** Connects to the advertised host; rejects with HostUnreachable when nothing (or no host) answers in time. */
  static open(advert: HostAdvert, timeoutMs = 2_000): Promise<HostConnection> {
    const host = advert.address === '::1' ? '[::1]' : advert.address;
    const socket = new WebSocket(`ws://${host}:${advert.port}/?secret=${encodeURIComponent(advert.secret)}`, { handshakeTimeout: timeoutMs });
    return new Promise((resolve, reject) => {
      const fail = (message: string): void => {
        socket.removeAllListeners();
        socket.on('error', () => undefined);
        socket.terminate();
        reject(new HostUnreachable(message));
      };
      socket.once('open', () => {
        socket.removeAllListeners();
        resolve(new HostConnection(socket));
      });
      socket.once('unexpected-response', (_req, res) => fail(`the terminal host refused the connection (HTTP ${res.statusCode})`));
      socket.once('error', (error) => fail(error.message));
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  /** Sends one request and resolves with its reply; rejects with HostUnreachable when the host goes or does not answer in time. */
  request<M extends MethodName>(name: M, args: MethodArgsInput<M>, timeoutMs = 15_000): Promise<Reply> {
    if (this.failure) return Promise.reject(new HostUnreachable(this.failure.message));
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new HostUnreachable(`the terminal host did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.socket.send(JSON.stringify({ id, name, args }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * The screens' one way to the terminal host: `send(name, args)` resolves with the method's result
 * or throws a ContractError, and `onPush(name, listener)` hears what the host pushes. Below it, a
 * carrier moves the contract's JSON text (Electron's preload or a WebSocket, see connect.ts); the
 * bridge neither knows nor cares which.
 *
 * Everything that comes in is checked against the contract (replySchema, pushedEventSchema) before
 * it is believed: a screen must not act on a reply it misread.
 *
 * When the connection drops (the host stopped or restarted), every request still waiting fails
 * with `unreachable`, and the bridge connects again with backoff until the host is back. A host
 * that refuses the secret (`unauthorised`: it restarted with a new one) is not retried: only the
 * address the host printed can let the page in again.
 */
import type { z } from 'zod';
import { MAX_MESSAGE_BYTES, pushedEventSchema, replySchema, type MethodArgsInput, type MethodName } from '../../contract/messages.js';
import type { MethodResult } from '../../contract/results.js';
import { ContractError } from './contract-error.js';

/** One live link to the host, made by a carrier. */
export interface Connection {
  send(text: string): void;
  close(): void;
}

/** What a carrier reports about a connection it was asked to open. */
export interface ConnectionEvents {
  open(): void;
  message(text: string): void;
  /** The connection is gone (or never opened). Called at most once. */
  close(): void;
}

/** Opens a connection; the carrier calls `events` as things happen. */
export type Connect = (events: ConnectionEvents) => Connection;

export type ConnectionState =
  /** Opening (the first time or after a loss). */
  | 'connecting'
  | 'open'
  /** Lost, or not there; trying again with backoff. */
  | 'unreachable'
  /** The host refused the secret: not retried. */
  | 'unauthorised';

export type PushedEvent = z.output<typeof pushedEventSchema>;
export type PushName = PushedEvent['name'];
export type PushData<N extends PushName> = Extract<PushedEvent, { name: N }>['data'];

/** What the screens use: typed requests and pushes, and the connection's state. */
/** How a request is sent: `session` is a manager's token (manager-login), carried in the envelope. */
export interface SendOptions {
  readonly session?: string | undefined;
}

export interface HostApi {
  send<M extends MethodName>(name: M, args: MethodArgsInput<M>, options?: SendOptions): Promise<MethodResult<M>>;
  onPush<N extends PushName>(name: N, listener: (data: PushData<N>) => void): () => void;
  readonly state: ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
}

export interface BridgeOptions {
  /** Milliseconds before reconnect attempt `n` (1, 2, …). Default: 250 ms doubling, at most 4 s. */
  readonly backoff?: (attempt: number) => number;
  /** Where problems a person cannot act on go (a push the contract does not know). Default: console.warn. */
  readonly warn?: (line: string) => void;
}

const defaultBackoff = (attempt: number): number => Math.min(4_000, 250 * 2 ** (attempt - 1));

interface Pending {
  readonly id: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: ContractError) => void;
}

const encoder = new TextEncoder();

export class Bridge implements HostApi {
  private connection: Connection | null = null;
  private current: ConnectionState = 'connecting';
  /** Requests sent on the current connection, oldest first: replies come in this order. */
  private readonly pending: Pending[] = [];
  private readonly pushListeners = new Map<PushName, Set<(data: never) => void>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private nextId = 1;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly backoff: (attempt: number) => number;
  private readonly warn: (line: string) => void;

  constructor(
    private readonly connect: Connect,
    options: BridgeOptions = {},
  ) {
    this.backoff = options.backoff ?? defaultBackoff;
    this.warn = options.warn ?? ((line) => console.warn(line));
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Opens the first connection. */
  start(): this {
    if (this.connection === null && !this.stopped) this.open();
    return this;
  }

  /** Closes the connection for good (a page going away, a test's end). */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const connection = this.connection;
    this.connection = null;
    connection?.close();
    this.failPending(new ContractError('unreachable', 'The screen closed its connection to the terminal host'));
  }

  send<M extends MethodName>(name: M, args: MethodArgsInput<M>, options: SendOptions = {}): Promise<MethodResult<M>> {
    const connection = this.connection;
    if (connection === null || this.current !== 'open') {
      return Promise.reject(this.current === 'unauthorised' ? unauthorised() : new ContractError('unreachable', 'The terminal host is not reachable: nothing was sent'));
    }
    const id = `r${this.nextId++}`;
    const text = JSON.stringify({ id, name, args, ...(options.session !== undefined ? { session: options.session } : {}) });
    // The host would answer `too-large` without an id; refusing here keeps replies matched to requests.
    if (encoder.encode(text).byteLength > MAX_MESSAGE_BYTES) {
      return Promise.reject(new ContractError('too-large', `A request is at most ${MAX_MESSAGE_BYTES} bytes: nothing was sent`));
    }
    return new Promise<MethodResult<M>>((resolve, reject) => {
      this.pending.push({ id, resolve: resolve as (value: unknown) => void, reject });
      connection.send(text);
    });
  }

  onPush<N extends PushName>(name: N, listener: (data: PushData<N>) => void): () => void {
    let listeners = this.pushListeners.get(name);
    if (!listeners) {
      listeners = new Set();
      this.pushListeners.set(name, listeners);
    }
    const stored = listener as (data: never) => void;
    listeners.add(stored);
    return () => listeners.delete(stored);
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    for (const listener of [...this.stateListeners]) listener(state);
  }

  private open(): void {
    this.retryTimer = null;
    if (this.current !== 'unreachable') this.setState('connecting');
    let closed = false;
    const connection = this.connect({
      open: () => {
        if (closed || this.connection !== connection) return;
        this.attempt = 0;
        this.setState('open');
      },
      message: (text) => {
        if (!closed && this.connection === connection) this.receive(text);
      },
      close: () => {
        if (closed) return;
        closed = true;
        if (this.connection !== connection) return;
        this.connection = null;
        this.lost();
      },
    });
    // A carrier may report a close synchronously (a refused URL): only keep a connection still open.
    if (!closed) this.connection = connection;
  }

  private lost(): void {
    this.failPending(new ContractError('unreachable', 'The connection to the terminal host was lost before it answered'));
    if (this.stopped || this.current === 'unauthorised') return;
    this.setState('unreachable');
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.open(), this.backoff(this.attempt));
  }

  private failPending(error: ContractError): void {
    for (const request of this.pending.splice(0)) request.reject(error);
  }

  private receive(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.badMessage('a message that is not JSON');
    }
    if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'push') {
      const event = pushedEventSchema.safeParse(value);
      if (!event.success) {
        // A newer host may push events this screen does not know yet: not a reason to stop.
        this.warn(`tally: ignored a pushed event this screen does not know: ${String((value as { name?: unknown }).name).slice(0, 64)}`);
        return;
      }
      for (const listener of [...(this.pushListeners.get(event.data.name) ?? [])]) (listener as (data: unknown) => void)(event.data.data);
      return;
    }
    const reply = replySchema.safeParse(value);
    if (!reply.success) return this.badMessage('a reply that is not the contract’s');
    const { id } = reply.data;
    if (id === null && reply.data.type === 'error' && reply.data.error.code === 'unauthorised') {
      this.setState('unauthorised');
      this.failPending(ContractError.fromBody(reply.data.error));
      return;
    }
    // Replies come in the order requests were sent; one without an id (a refusal before the id was read) is the oldest's.
    const index = id === null ? 0 : this.pending.findIndex((p) => p.id === id);
    const request = index >= 0 ? this.pending.splice(index, 1)[0] : undefined;
    if (!request) return this.warn(`tally: a reply to no request of this screen (${String(id)})`);
    if (reply.data.type === 'reply') request.resolve(reply.data.result);
    else request.reject(ContractError.fromBody(reply.data.error));
  }

  /** The carrier delivered something the contract does not allow: the oldest request cannot trust its answer. */
  private badMessage(what: string): void {
    this.warn(`tally: the terminal host sent ${what}`);
    this.pending.shift()?.reject(new ContractError('bad-reply', `The terminal host sent ${what}`));
  }
}

function unauthorised(): ContractError {
  return new ContractError('unauthorised', 'The terminal host refused this screen’s secret: open the address the host printed at start');
}

/**
 * Main's relay between the windows and the terminal host's utility process: one IPC channel in
 * (POST_CHANNEL), one out (MESSAGE_CHANNEL), the contract's JSON text unchanged both ways.
 *
 * Main is the gate, because the preload runs in the renderer and a compromised renderer can call
 * ipcRenderer without it. A message is relayed only when it comes from the top frame of one of
 * Tally's own windows showing an app:// page, and is a string within MAX_MESSAGE_BYTES; otherwise
 * it is refused (a stranger's message is dropped and logged; a bad one from our window gets the
 * WebSocket carrier's error reply). While the host is starting or restarting, a request gets
 * `busy`; when the host dies, every request it had not answered gets an `internal` error reply,
 * so no screen waits for ever.
 *
 * Each window has a role (src/contract/roles.ts), given by main when it made the window, never by
 * the page: a kiosk window's requests go to the host tagged `kiosk` (the host answers anything but
 * the kiosk's methods `not-allowed`), and it is sent only the pushes a kiosk may hear.
 */
import { errorReply, requestIdSchema, type PushedEvent, type Reply, type RequestId } from '../../src/contract/messages.js';
import { roleMayHear, type ConnectionRole } from '../../src/contract/roles.js';
import { refuseOversize } from '../../src/terminal/hosts/exchange.js';
import type { FromHost, ToHost } from '../../src/terminal/hosts/electron/port-protocol.js';
import { isAppUrl, MESSAGE_CHANNEL } from './app-origin.js';
import type { ContentsApi, FrameInfo } from './electron-api.js';

/** What the relay needs of the host supervisor. */
export interface HostLink {
  /** True once the host said `ready` and until it stops. */
  readonly ready: boolean;
  /** Sends to the host; false when there is no host to send to. */
  send(message: ToHost): boolean;
}

interface Pending {
  readonly id: RequestId;
  readonly name: string;
}

/** A reply the relay passed to a window, with the method of the request it answers (the smoke run watches these). */
export interface RelayedReply {
  readonly client: number;
  readonly method: string;
  readonly ok: boolean;
}

/** The id and method of a contract request, read leniently (the host does the real parsing). */
function peek(text: string): { id: RequestId | null; name: string | null } {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return { id: null, name: null };
    const record = value as Record<string, unknown>;
    const id = requestIdSchema.safeParse(record['id']);
    return { id: id.success ? id.data : null, name: typeof record['name'] === 'string' ? record['name'] : null };
  } catch {
    return { id: null, name: null };
  }
}

/** A push's name, read leniently (an unreadable one is no name a kiosk may hear). */
function pushName(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    const name = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['name'] : undefined;
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}

export class Relay {
  private readonly windows = new Map<number, ContentsApi>();
  private readonly roles = new Map<number, ConnectionRole>();
  /** Per window, the requests the host has not answered yet, in order. */
  private readonly pending = new Map<number, Pending[]>();
  private readonly observers = new Set<(reply: RelayedReply) => void>();

  constructor(
    private readonly host: HostLink,
    private readonly log: (line: string) => void,
  ) {}

  /** Lets a window's messages through (call when it is created, before it loads). */
  addWindow(contents: ContentsApi, role: ConnectionRole = 'counter'): void {
    this.windows.set(contents.id, contents);
    this.roles.set(contents.id, role);
  }

  /** The role main gave a window (null: not a Tally window). */
  roleOf(id: number): ConnectionRole | null {
    return this.roles.get(id) ?? null;
  }

  removeWindow(id: number): void {
    this.windows.delete(id);
    this.roles.delete(id);
    this.pending.delete(id);
  }

  /** Hears of every reply relayed to a window. */
  observe(listener: (reply: RelayedReply) => void): () => void {
    this.observers.add(listener);
    return () => this.observers.delete(listener);
  }

  /** One message on POST_CHANNEL. */
  fromRenderer(senderId: number, frame: FrameInfo | null, message: unknown): void {
    const contents = this.windows.get(senderId);
    if (contents === undefined || contents.isDestroyed()) {
      this.log(`tally app: refused an IPC message from webContents ${senderId}: not a Tally window`);
      return;
    }
    if (frame === null || !frame.isMainFrame || !isAppUrl(frame.url)) {
      this.log(`tally app: refused an IPC message from window ${senderId}: not from the app's own top frame`);
      return;
    }
    if (typeof message !== 'string') {
      this.deliver(contents, errorReply(null, 'malformed', 'Messages are JSON text: nothing was done'));
      return;
    }
    const oversize = refuseOversize(Buffer.byteLength(message, 'utf8'));
    if (oversize) {
      this.deliver(contents, oversize);
      return;
    }
    const { id, name } = peek(message);
    const role = this.roles.get(senderId) ?? 'kiosk';
    if (!this.host.ready || !this.host.send({ type: 'request', client: senderId, role, text: message })) {
      this.deliver(contents, errorReply(id, 'busy', 'The terminal host is starting: nothing was done; send it again in a moment', { retryable: true }));
      return;
    }
    if (id !== null) {
      const list = this.pending.get(senderId) ?? [];
      list.push({ id, name: name ?? '' });
      this.pending.set(senderId, list);
    }
  }

  /** A reply or a push from the host. */
  fromHost(message: Extract<FromHost, { type: 'reply' | 'push' }>): void {
    if (message.type === 'push') {
      const name = pushName(message.text);
      for (const [id, contents] of this.windows) if (roleMayHear(this.roles.get(id) ?? 'kiosk', name)) this.sendText(contents, message.text);
      return;
    }
    const answered = this.settle(message.client, message.id);
    const contents = this.windows.get(message.client);
    if (contents !== undefined) this.sendText(contents, message.text);
    if (answered !== null) {
      for (const observer of this.observers) observer({ client: message.client, method: answered.name, ok: message.ok });
    }
  }

  /**
   * The host stopped: every unanswered request gets an error reply (a checkout may or may not have
   * been booked; retrying with the same transaction id is safe, it is never booked twice), and
   * every window hears `host-closing`.
   */
  hostDown(reason: string): void {
    for (const [client, list] of this.pending) {
      const contents = this.windows.get(client);
      if (contents === undefined) continue;
      for (const request of list) {
        this.deliver(
          contents,
          errorReply(request.id, 'internal', `The terminal host stopped before answering (${reason}); it is restarting. Check the member's history before trying again: a checkout sent again with the same transaction id is not booked twice.`),
        );
      }
    }
    this.pending.clear();
    const push: PushedEvent = { type: 'push', name: 'host-closing', data: { reason } };
    for (const contents of this.windows.values()) this.sendText(contents, JSON.stringify(push));
  }

  private settle(client: number, id: RequestId | null): Pending | null {
    if (id === null) return null;
    const list = this.pending.get(client);
    const index = list?.findIndex((p) => p.id === id) ?? -1;
    if (list === undefined || index < 0) return null;
    const [found] = list.splice(index, 1);
    return found ?? null;
  }

  private deliver(contents: ContentsApi, reply: Reply): void {
    this.sendText(contents, JSON.stringify(reply));
  }

  private sendText(contents: ContentsApi, text: string): void {
    if (!contents.isDestroyed()) contents.send(MESSAGE_CHANNEL, text);
  }
}

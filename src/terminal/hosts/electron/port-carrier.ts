/**
 * The Electron carrier: the contract's messages over the utility process's parent port. Main
 * relays each window's messages (tagged with the window) and sends each reply back to that window.
 *
 * The rules are the WebSocket carrier's (exchange.ts): a message over MAX_MESSAGE_BYTES gets
 * `too-large`, one that is not JSON or not `{id, name, args}` gets `malformed`, a request runs on
 * the one handler map, and each window's replies leave in the order its messages came. What main
 * itself sends is parsed too (port-protocol.ts); anything else is logged and ignored.
 */
import { errorReply, parseRequest, type PushedEvent, type Reply } from '../../../contract/messages.js';
import type { Carrier } from '../app.js';
import { answerText, encodePush, encodeReply, InOrder, refuseOversize, type RequestHandler } from '../exchange.js';
import { guardFor } from '../connection-guard.js';
import { toHostSchema, type HostPort } from './port-protocol.js';

export interface PortCarrierOptions {
  readonly log: (line: string) => void;
  /** Main asked the host to stop (`{type: 'close'}`). */
  readonly onCloseRequested: (reason: string) => void;
}

export class PortCarrier implements Carrier {
  /** One queue per window: its replies in order, while windows do not wait for each other's replies to leave. */
  private readonly queues = new Map<number, InOrder>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly port: HostPort,
    private handlers: RequestHandler,
    private readonly options: PortCarrierOptions,
  ) {
    this.unsubscribe = port.onMessage((message) => this.receive(message));
  }

  private receive(message: unknown): void {
    const parsed = toHostSchema.safeParse(message);
    if (!parsed.success) {
      // Only main writes to this port: a bad message is a bug of Tally, not of a screen.
      this.options.log(`tally host: ignored a message from Electron's main process that is not in the port protocol (please report it): ${describe(message)}`);
      return;
    }
    const data = parsed.data;
    if (data.type === 'close') {
      this.options.onCloseRequested(data.reason);
      return;
    }
    const { client, role, text } = data;
    this.queueFor(client).add(async () => {
      const reply = this.closed ? closingReply(text) : await answerText(guardFor(role, this.handlers), text);
      this.port.post({ type: 'reply', client, id: reply.id, ok: reply.type === 'reply', text: encodeReply(reply, this.options.log) });
    });
  }

  private queueFor(client: number): InOrder {
    let queue = this.queues.get(client);
    if (queue === undefined) {
      queue = new InOrder((error) => this.options.log(`tally host: a request of window ${client} failed in the carrier (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
      this.queues.set(client, queue);
    }
    return queue;
  }

  /** The first start's setup handlers give way to the terminal's once setup made the ledger; windows stay connected. */
  switchHandlers(handlers: RequestHandler): void {
    this.handlers = handlers;
  }

  push(event: PushedEvent): void {
    if (this.closed) return;
    this.port.post({ type: 'push', text: encodePush(event) });
  }

  /**
   * Takes no new requests (each gets `busy`, so no window waits for an answer that never comes)
   * and resolves once the replies of those already taken are sent.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.queues.values()].map((queue) => queue.idle()));
    this.unsubscribe();
  }
}

/** `busy` for a request that came after close, with its id when it has a readable one. */
function closingReply(text: string): Reply {
  const oversize = refuseOversize(Buffer.byteLength(text, 'utf8'));
  if (oversize) return oversize;
  let id: Reply['id'] = null;
  try {
    const request = parseRequest(JSON.parse(text));
    id = request.ok ? request.request.id : request.reply.id;
  } catch {
    // Not JSON: the refusal carries no id, as a malformed message's would.
  }
  return errorReply(id, 'busy', 'The terminal host is shutting down: nothing was done; send it again when it is back', { retryable: true });
}

/** A short, printable description of an unexpected port message for the log. */
function describe(message: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(message) ?? String(message);
  } catch {
    text = Object.prototype.toString.call(message);
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

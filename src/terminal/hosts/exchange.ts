/**
 * "One message in, one reply out", the same for every carrier: the size limit, the JSON and
 * envelope checks, the hand-over to the handler map, and the encoding of what goes back. Both
 * carriers use it (Electron's utility process, and websocket/server.ts, which adds only its refusal
 * of binary frames), so a screen gets the same refusal for the same bad message whichever way it is
 * connected.
 */
import { errorReply, MAX_MESSAGE_BYTES, parseRequest, type PushedEvent, type Reply } from '../../contract/messages.js';
import type { HandlerMap } from './handlers.js';

/** What a carrier needs of the handler map. */
export type RequestHandler = Pick<HandlerMap, 'handle'>;

/** The `too-large` refusal for a message of `bytes` UTF-8 bytes, or null when it is within MAX_MESSAGE_BYTES. */
export function refuseOversize(bytes: number): Reply | null {
  if (bytes <= MAX_MESSAGE_BYTES) return null;
  return errorReply(null, 'too-large', `A message is at most ${MAX_MESSAGE_BYTES} bytes; this one had ${bytes}: nothing was done`);
}

/** Reads one JSON request and runs it; every refusal is a reply, never a throw. The caller has checked the size. */
export async function answerJson(handlers: RequestHandler, text: string): Promise<Reply> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return errorReply(null, 'malformed', 'Not JSON: nothing was done');
  }
  const request = parseRequest(value);
  if (!request.ok) return request.reply;
  return handlers.handle(request.request);
}

/** One text message from a client (a string already, as IPC delivers it): size, then JSON and envelope, then the handler. */
export async function answerText(handlers: RequestHandler, text: string): Promise<Reply> {
  return refuseOversize(Buffer.byteLength(text, 'utf8')) ?? answerJson(handlers, text);
}

/**
 * The reply as JSON text. A result that cannot be encoded (a bug: a BigInt, a cycle) becomes an
 * `internal` error reply with the same id, and the details go to the log, not to the client.
 */
export function encodeReply(reply: Reply, log: (line: string) => void): string {
  try {
    return JSON.stringify(reply);
  } catch (error) {
    log(`tally host: a reply could not be encoded (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return JSON.stringify(errorReply(reply.id, 'internal', 'The reply could not be encoded; it was logged'));
  }
}

export function encodePush(event: PushedEvent): string {
  return JSON.stringify(event);
}

/**
 * Runs tasks one after another, in the order they were added: a client's replies leave in the
 * order its messages came, even when a refusal is ready before an earlier command's reply.
 */
export class InOrder {
  private tail: Promise<void> = Promise.resolve();

  /** `onError` hears of a task that threw (a bug: tasks turn refusals into replies); the queue goes on. */
  constructor(private readonly onError: (error: unknown) => void) {}

  add(task: () => Promise<void>): void {
    this.tail = this.tail.then(task).catch(this.onError);
  }

  /** Resolves once every task added so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}

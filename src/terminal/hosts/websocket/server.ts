/**
 * The local WebSocket carrier: the contract's JSON messages for a browser on this machine.
 *
 * Who may drive it, checked in this order:
 *  1. It listens on loopback only (127.0.0.1 or ::1; anything else is refused before listening).
 *  2. The HTTP upgrade must name this host (`Host` 127.0.0.1 / localhost / [::1] with our port: a
 *     DNS-rebinding page names its own host) and carry no `Origin` (a program) or a loopback one
 *     (a page served from this machine). Otherwise: HTTP 403 and no socket at all.
 *  3. The URL carries the per-start secret, `ws://127.0.0.1:PORT/?secret=…` (32 random bytes,
 *     base64url; compared in constant time). A missing or wrong one: the socket gets one error reply
 *     (`unauthorised`, id null) and is closed (1008); nothing it sent is read. So a page that is
 *     not ours, even one served from loopback, cannot drive the terminal without the printed secret.
 *     A second per-start secret, the kiosk's (`kioskSecret`), lets a connection in as a kiosk
 *     (src/contract/roles.ts): it may call only the kiosk's methods (anything else: `not-allowed`)
 *     and hears only the kiosk's pushes. Neither secret can be derived from the other.
 *
 * Then each text message is one request, `{ id, name, args }`, and gets one reply, in order per
 * connection; the handler map runs requests from all connections one at a time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { TallyError } from '../../../core/errors.js';
import { errorReply, MAX_MESSAGE_BYTES, type PushedEvent, type Reply, type Request } from '../../../contract/messages.js';
import type { Carrier } from '../app.js';
import { serveStaticFile, type StaticSite } from './static-files.js';
import { answerJson, refuseOversize } from '../exchange.js';
import { guardFor } from '../connection-guard.js';
import { roleMayHear, type ConnectionRole } from '../../../contract/roles.js';

/** The addresses it may listen on. `localhost` is not among them: it may resolve to something else. */
export const LOOPBACK_ADDRESSES = ['127.0.0.1', '::1'] as const;
export type LoopbackAddress = (typeof LOOPBACK_ADDRESSES)[number];

/**
 * Above MAX_MESSAGE_BYTES a message gets a `too-large` reply and the connection stays; ws itself
 * drops a connection (close 1009) whose message exceeds this, so a client cannot make the host
 * buffer an unbounded message just to refuse it.
 */
const HARD_MAX_BYTES = 4 * MAX_MESSAGE_BYTES;

/** WebSocket close codes (RFC 6455): policy violation, going away. */
const CLOSE_POLICY = 1008;
const CLOSE_GOING_AWAY = 1001;

/** What answers the requests: the terminal's handler map, or the first start's setup handlers (setup-handlers.ts). */
export interface RequestHandler {
  handle(request: Request): Promise<Reply>;
}

export interface WebSocketHostOptions {
  readonly address?: string;
  /** 0 (the default): a free port, printed with the URL. */
  readonly port?: number;
  /** A fixed secret (tests; a supervisor restarting the browser host, see secretFromEnvironment). Default: 32 random bytes, new at every start. */
  readonly secret?: string;
  /** The kiosk's secret (tests; TALLY_KIOSK_SECRET). Default: 32 random bytes, new at every start. */
  readonly kioskSecret?: string;
  readonly log?: (line: string) => void;
  /**
   * The browser host: also answer plain HTTP GETs with the built screens from this folder (same
   * origin as the socket). Without it, plain HTTP gets 426: the port speaks WebSocket only.
   */
  readonly site?: StaticSite;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Loopback host names as URL.hostname gives them. */
const LOOPBACK_HOSTNAMES: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An `Origin` header is acceptable when absent (not a browser) or a page served from this machine, on any port. */
export function loopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  // `null` (a sandboxed frame, a file: page) says nothing about where the page came from: refused.
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTNAMES.has(url.hostname);
}

export class WebSocketHost implements Carrier {
  private readonly secretDigest: Buffer;
  private readonly kioskSecretDigest: Buffer;
  /** Every connection let in, with the role its secret gave it. */
  private readonly clients = new Map<WebSocket, ConnectionRole>();
  private readonly log: (line: string) => void;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    private handlers: RequestHandler,
    readonly address: LoopbackAddress,
    readonly port: number,
    readonly secret: string,
    readonly kioskSecret: string,
    log: (line: string) => void,
  ) {
    this.secretDigest = digest(secret);
    this.kioskSecretDigest = digest(kioskSecret);
    this.log = log;
  }

  /** Listens on loopback and serves `handlers`; refuses any other address. */
  static async start(handlers: RequestHandler, options: WebSocketHostOptions = {}): Promise<WebSocketHost> {
    const address = options.address ?? '127.0.0.1';
    if (!(LOOPBACK_ADDRESSES as readonly string[]).includes(address)) {
      throw new TallyError('invalid-input', `The terminal host listens on loopback only (${LOOPBACK_ADDRESSES.join(' or ')}), not "${address}": no other machine may drive this terminal`);
    }
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TallyError('invalid-input', `A port is a whole number from 0 to 65535, got ${port}`);
    const secret = options.secret ?? randomBytes(32).toString('base64url');
    const kioskSecret = options.kioskSecret ?? randomBytes(32).toString('base64url');
    if (kioskSecret === secret) throw new TallyError('invalid-input', 'The kiosk secret must differ from the counter secret');
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    // The request handler needs the host (its port, its Host check), which exists only once listening.
    const started: { host?: WebSocketHost } = {};
    const site = options.site;
    const http = createServer((req, res) => {
      const host = started.host;
      // Plain HTTP gets nothing unless the screens are served: then only a request naming this host (no DNS rebinding).
      if (site === undefined || host === undefined) {
        res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('WebSocket only\n');
        return;
      }
      if (!host.hostHeaderIsOurs(req.headers.host)) {
        res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' }).end('Forbidden\n');
        return;
      }
      serveStaticFile(site, host.port, req, res).catch((error: unknown) => {
        log(`tally host: a page could not be served: ${error instanceof Error ? error.message : String(error)}`);
        res.destroy();
      });
    });
    const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_BYTES, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, address, () => {
        http.off('error', reject);
        resolve();
      });
    });
    const bound = (http.address() as AddressInfo).port;
    const host = new WebSocketHost(http, wss, handlers, address as LoopbackAddress, bound, secret, kioskSecret, log);
    started.host = host;
    http.on('upgrade', (req, socket, head) => host.upgrade(req, socket, head));
    return host;
  }

  /** What to give the screen (and print at start): the address with the secret. */
  get url(): string {
    return `ws://${this.hostAndPort}/?secret=${this.secret}`;
  }

  /** The screens' address when the host serves them: the secret in the fragment, which a browser never sends in a request. */
  get pageUrl(): string {
    return `http://${this.hostAndPort}/#secret=${this.secret}`;
  }

  /** The customer display's address (the counter's secret: it is one of the counter's screens). */
  get customerPageUrl(): string {
    return `http://${this.hostAndPort}/#/customer&secret=${this.secret}`;
  }

  /** The kiosk's address: its own secret, which lets a connection do only what a kiosk may. */
  get kioskPageUrl(): string {
    return `http://${this.hostAndPort}/#/kiosk&secret=${this.kioskSecret}`;
  }

  private get hostAndPort(): string {
    return `${this.address === '::1' ? '[::1]' : this.address}:${this.port}`;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return refuse(400, 'Bad Request');
    }
    if (!this.hostHeaderIsOurs(req.headers.host)) return refuse(403, 'Forbidden');
    if (!loopbackOrigin(req.headers.origin)) return refuse(403, 'Forbidden');
    if (url.pathname !== '/') return refuse(404, 'Not Found');
    const given = url.searchParams.get('secret');
    // Both compared every time, so the time taken says nothing about which one (if any) matched.
    const counter = this.secretMatches(given, this.secretDigest);
    const kiosk = this.secretMatches(given, this.kioskSecretDigest);
    const role: ConnectionRole | null = counter ? 'counter' : kiosk ? 'kiosk' : null;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (role === null) {
        // The reply says why (a browser cannot read an HTTP status of a refused upgrade); nothing sent is read.
        ws.send(JSON.stringify(errorReply(null, 'unauthorised', 'Missing or wrong secret: use the address the terminal host printed at start')));
        ws.close(CLOSE_POLICY, 'unauthorised');
        return;
      }
      this.serve(ws, role);
    });
  }

  private hostHeaderIsOurs(host: string | undefined): boolean {
    if (host === undefined) return false;
    try {
      const url = new URL(`http://${host}`);
      return LOOPBACK_HOSTNAMES.has(url.hostname) && url.port === String(this.port);
    } catch {
      return false;
    }
  }

  private secretMatches(given: string | null, expected: Buffer): boolean {
    // Digests have one length, so the comparison takes the same time for any guess.
    return given !== null && timingSafeEqual(digest(given), expected);
  }

  private serve(ws: WebSocket, role: ConnectionRole): void {
    this.clients.set(ws, role);
    // Replies leave in the order the messages came, even when a refusal is ready before an earlier command's reply.
    let tail: Promise<void> = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      tail = tail.then(async () => {
        const reply = await this.reply(data, isBinary, role);
        this.send(ws, reply);
      });
    });
    ws.on('close', () => this.clients.delete(ws));
    ws.on('error', (error) => {
      // Oversized beyond HARD_MAX_BYTES, invalid UTF-8, a protocol error: ws closes the socket itself.
      this.log(`tally host: WebSocket client dropped: ${error.message}`);
    });
  }

  private async reply(data: RawData, isBinary: boolean, role: ConnectionRole): Promise<Reply> {
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    // The carrier-neutral rules (exchange.ts), in the same order as Electron's carrier; binary is this carrier's own refusal.
    const oversize = refuseOversize(bytes);
    if (oversize !== null) return oversize;
    if (isBinary) return errorReply(null, 'malformed', 'Messages are JSON text, not binary: nothing was done');
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    return answerJson(guardFor(role, this.handlers), text);
  }

  private send(ws: WebSocket, reply: Reply): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(reply);
    } catch (error) {
      this.log(`tally host: a reply could not be encoded (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      text = JSON.stringify(errorReply(reply.id, 'internal', 'The reply could not be encoded; it was logged'));
    }
    ws.send(text);
  }

  /**
   * Answers later requests with `handlers` (the first start: setup done, the terminal's own map
   * takes over). Connections stay open and keep the secret; a request already queued is answered
   * by the handlers it reached.
   */
  switchHandlers(handlers: RequestHandler): void {
    this.handlers = handlers;
  }

  push(event: PushedEvent): void {
    const text = JSON.stringify(event);
    for (const [ws, role] of this.clients) if (ws.readyState === WebSocket.OPEN && roleMayHear(role, event.name)) ws.send(text);
  }

  async close(): Promise<void> {
    for (const ws of this.clients.keys()) ws.close(CLOSE_GOING_AWAY, 'host closing');
    // A client that does not answer the close handshake is cut off after a moment.
    const cutOff = setTimeout(() => {
      for (const ws of this.clients.keys()) ws.terminate();
    }, 1000);
    cutOff.unref();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    clearTimeout(cutOff);
  }
}

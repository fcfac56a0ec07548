/**
 * A network receipt printer on raw TCP ("port 9100", "RAW", "JetDirect"). The job's bytes go
 * straight to the printer's ESC/POS parser; the printer's answers (DLE EOT status) come back on
 * the same connection. See link-transport.ts for status and write semantics.
 *
 * Hazards:
 * - A net.Socket is an EventEmitter: an 'error' nobody listens to takes the terminal down. The
 *   'error' listener is attached before connecting and stays for the socket's life.
 * - Many network printers serve one connection at a time and make a second one wait. A printer
 *   shared with the POS must not be held: the connection is closed after `idleCloseMs` without
 *   use (5 s by default; 0 keeps it open) and opened again for the next job.
 * - Connection refused, host unreachable or no answer to the connect mean the printer is off or
 *   not on the network: 'offline' (the queue waits). A host name that does not resolve is a
 *   configuration error: 'not-found'.
 * - TCP keep-alive is on, so a printer that vanished while the connection was idle is noticed.
 */
import { Socket } from 'node:net';
import { PrinterError } from '../types.js';
import { errorCode, LinkTransport, timeoutsFrom, type Link, type LinkHandlers } from './link-transport.js';

export interface TcpTransportOptions {
  readonly host: string;
  /** 9100 unless the printer's network interface says otherwise. */
  readonly port?: number;
  /** The default for the three timeouts below (5 s). */
  readonly timeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly statusTimeoutMs?: number;
  /** Inactivity: the printer accepted nothing for this long. */
  readonly writeTimeoutMs?: number;
  /** Close the connection after this long without use (5 s); 0 keeps it open. */
  readonly idleCloseMs?: number;
}

export const DEFAULT_PRINTER_PORT = 9100;

export class TcpTransport extends LinkTransport {
  readonly kind = 'tcp' as const;
  readonly description: string;
  readonly host: string;
  readonly port: number;

  constructor(options: TcpTransportOptions) {
    super(timeoutsFrom(options), options.idleCloseMs ?? 5_000);
    if (options.host.trim() === '') throw new TypeError('a TCP printer needs a host');
    this.host = options.host;
    this.port = options.port ?? DEFAULT_PRINTER_PORT;
    if (!Number.isInteger(this.port) || this.port < 1 || this.port > 65535) throw new RangeError(`TCP port ${this.port} is not 1–65535`);
    this.description = `TCP printer ${this.host}:${this.port}`;
  }

  protected openLink(timeoutMs: number, handlers: LinkHandlers): Promise<Link> {
    return new Promise<Link>((resolve, reject) => {
      const socket = new Socket();
      let connected = false;
      let lastError: Error | null = null;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new PrinterError('offline', `${this.description}: no answer to the connection within ${timeoutMs} ms — the printer is off, not on the network, or the address is wrong`));
      }, timeoutMs);
      socket.on('error', (error: Error) => {
        if (connected) {
          lastError = error; // 'close' follows and reports it
          return;
        }
        clearTimeout(timer);
        socket.destroy();
        reject(this.connectError(error));
      });
      socket.on('close', () => {
        if (connected) handlers.closed(lastError);
      });
      socket.on('data', (chunk: Buffer) => handlers.data(chunk));
      socket.once('connect', () => {
        clearTimeout(timer);
        connected = true;
        // Status requests are 12 bytes: send them now, not after Nagle's delay.
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 10_000);
        resolve({
          send: (bytes, done) => {
            if (socket.destroyed || !socket.writable) {
              done(lastError ?? new Error('the connection is closed'));
              return;
            }
            socket.write(bytes, (error) => done(error));
          },
          destroy: () => {
            socket.destroy();
          },
        });
      });
      socket.connect({ host: this.host, port: this.port });
    });
  }

  private connectError(error: Error): PrinterError {
    const code = errorCode(error);
    const where = this.description;
    switch (code) {
      case 'ECONNREFUSED':
        return new PrinterError('offline', `${where}: connection refused — the printer is starting up, busy with another connection that ended badly, or not listening on port ${this.port} (${code})`);
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
      case 'EHOSTDOWN':
      case 'ENETDOWN':
      case 'ETIMEDOUT':
      case 'EAI_AGAIN':
        return new PrinterError('offline', `${where}: not reachable — is the printer on and connected to the network? (${code})`);
      case 'ENOTFOUND':
        return new PrinterError('not-found', `${where}: the host name "${this.host}" does not resolve — check the printer's address (${code})`);
      case 'EACCES':
      case 'EPERM':
        return new PrinterError('permission-denied', `${where}: the connection was not allowed (a firewall?) (${code})`);
      default:
        return new PrinterError('offline', `${where}: cannot connect: ${error.message}`);
    }
  }

  protected lostError(cause: Error | null, during: 'status' | 'write'): PrinterError {
    const what = during === 'write' ? 'during a job — the job was cut short' : 'before it answered the status request';
    const why = cause ? cause.message : 'closed by the printer';
    return new PrinterError('io', `${this.description}: the connection dropped ${what} (${why})`);
  }
}

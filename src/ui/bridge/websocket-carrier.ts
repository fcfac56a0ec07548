/**
 * The browser carrier: a WebSocket to the browser host that served this page, on the same address
 * and port, with the per-start secret (src/terminal/hosts/websocket/server.ts says who is let in).
 */
import type { Connect } from './bridge.js';

/** `ws://<this page's host>/?secret=…`: the host checks the Host header against its own address. */
export function hostSocketUrl(pageLocation: Pick<Location, 'protocol' | 'host'>, secret: string): string {
  const scheme = pageLocation.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${pageLocation.host}/?secret=${encodeURIComponent(secret)}`;
}

export function webSocketConnect(url: string): Connect {
  return (events) => {
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      // A malformed URL throws at once: report it as a connection that never opened.
      queueMicrotask(() => events.close());
      return { send: () => undefined, close: () => undefined };
    }
    socket.addEventListener('open', () => events.open());
    socket.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (typeof event.data === 'string') events.message(event.data);
    });
    // `error` is always followed by `close`; only `close` ends the connection.
    socket.addEventListener('close', () => events.close());
    return {
      send: (text) => socket.send(text),
      close: () => socket.close(1000, 'screen closed'),
    };
  };
}

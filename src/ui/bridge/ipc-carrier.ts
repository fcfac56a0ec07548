/**
 * The Electron carrier: the preload's `window.tally` (interfaces.md) moves the same JSON text a
 * WebSocket frame would. It is there as long as the window is, so it opens at once and only closes
 * when the screen closes it.
 */
import type { Connect } from './bridge.js';

/** Exactly what Electron's preload exposes (context isolation: nothing else crosses). */
export interface TallyPreload {
  post(message: string): void;
  onMessage(listener: (message: string) => void): () => void;
}

/** Whether a value is the preload's object (a page must not trust a global it did not check). */
export function isTallyPreload(value: unknown): value is TallyPreload {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate['post'] === 'function' && typeof candidate['onMessage'] === 'function';
}

export function ipcConnect(preload: TallyPreload): Connect {
  return (events) => {
    let open = true;
    const off = preload.onMessage((message) => {
      if (open && typeof message === 'string') events.message(message);
    });
    // After the bridge has stored the connection: it ignores events of a connection it does not hold yet.
    queueMicrotask(() => {
      if (open) events.open();
    });
    return {
      send: (text) => preload.post(text),
      close: () => {
        if (!open) return;
        open = false;
        off();
        events.close();
      },
    };
  };
}

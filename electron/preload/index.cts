/**
 * The preload of every Tally window (dist/electron/preload/index.cjs). It exposes exactly
 *
 *   window.tally = { post(message: string): void, onMessage(listener: (message: string) => void): () => void }
 *
 * where each string is one JSON contract message, the same text a WebSocket frame would carry
 * (src/contract/messages.ts). Nothing else crosses: not ipcRenderer, not an IPC event (its
 * `sender` is ipcRenderer itself), not a channel name the page could choose.
 *
 * Why one CommonJS file that imports nothing of ours: Tally's windows are sandboxed, and a
 * sandboxed preload is not loaded by Node. Electron compiles it as the body of a function whose
 * `require` knows only `electron` (its renderer modules), `events`, `timers` and `url`, and throws
 * "module not found" for anything else (electron/electron lib/sandboxed_renderer/preload.ts;
 * https://www.electronjs.org/docs/latest/tutorial/tutorial-preload, "Preload script sandboxing").
 * It cannot be ESM either (https://www.electronjs.org/docs/latest/tutorial/esm: no ESM preload in a
 * sandboxed renderer). So the few constants it shares with main are repeated here, and
 * tests/integration/electron-preload.test.ts runs the built file as Electron does and checks they agree.
 */
import electron = require('electron');

/** src/contract/messages.ts MAX_MESSAGE_BYTES (main checks again: the renderer cannot be trusted to run this). */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** electron/main/app-origin.ts POST_CHANNEL and MESSAGE_CHANNEL. */
const POST_CHANNEL = 'tally:post';
const MESSAGE_CHANNEL = 'tally:message';

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

const { contextBridge, ipcRenderer } = electron;

contextBridge.exposeInMainWorld('tally', {
  /** Sends one contract message to the terminal host; a non-string or an oversized one is a bug of the page, refused before it leaves. */
  post(message: unknown): void {
    if (typeof message !== 'string') throw new TypeError('window.tally.post takes one contract message as a JSON string');
    const bytes = utf8Length(message);
    if (bytes > MAX_MESSAGE_BYTES) throw new RangeError(`A message is at most ${MAX_MESSAGE_BYTES} bytes; this one had ${bytes}: nothing was sent`);
    ipcRenderer.send(POST_CHANNEL, message);
  },
  /** Calls `listener` with each message from the host (replies and pushes, as strings); returns its removal. */
  onMessage(listener: unknown): () => void {
    if (typeof listener !== 'function') throw new TypeError('window.tally.onMessage takes a function');
    const deliver = listener as (message: string) => void;
    const wrapped = (_event: electron.IpcRendererEvent, message: unknown): void => {
      if (typeof message === 'string') deliver(message);
    };
    ipcRenderer.on(MESSAGE_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(MESSAGE_CHANNEL, wrapped);
    };
  },
});

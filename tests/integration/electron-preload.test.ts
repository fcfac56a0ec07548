/**
 * The built preload (dist/electron/preload/index.cjs), run the way Electron runs a sandboxed
 * preload: its text compiled as the body of a function of (require, process, exports, module),
 * where `require` knows only a few modules and throws "module not found" for anything else
 * (electron/electron lib/sandboxed_renderer/preload.ts). Electron's contextBridge and ipcRenderer
 * are fakes that record what the preload does with them.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../../src/contract/messages.js';
import { MESSAGE_CHANNEL, POST_CHANNEL } from '../../electron/main/app-origin.js';
import { REPO } from '../support/ledger-fixture.js';

const PRELOAD = join(REPO, 'dist', 'electron', 'preload', 'index.cjs');

interface TallyBridge {
  post(message: unknown): void;
  onMessage(listener: unknown): () => void;
}

class FakeIpcRenderer extends EventEmitter {
  readonly sent: { channel: string; args: unknown[] }[] = [];
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
}

let ipc: FakeIpcRenderer;
let exposed: Map<string, unknown>;
let required: string[];

/** Runs the preload as Electron's sandboxed renderer does; returns what it exposed as window.tally. */
function runPreload(): TallyBridge {
  ipc = new FakeIpcRenderer();
  exposed = new Map();
  required = [];
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        if (exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
        exposed.set(key, api);
      },
    },
    ipcRenderer: ipc,
  };
  const sandboxRequire = (name: string): unknown => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`module not found: ${name}`);
  };
  const exports = {};
  const body = readFileSync(PRELOAD, 'utf8');
  // Electron compiles the file as a function body with these parameters (CompileFunction, not a module).
  const preload = new Function('require', 'process', 'exports', 'module', body) as (...args: unknown[]) => void;
  preload(sandboxRequire, new EventEmitter(), exports, { exports });
  const tally = exposed.get('tally');
  if (tally === undefined) throw new Error('the preload exposed no window.tally');
  return tally as TallyBridge;
}

describe('the sandboxed preload (built file)', () => {
  let tally: TallyBridge;
  beforeEach(() => {
    tally = runPreload();
  });

  it('is one file that requires only electron, and exposes exactly window.tally = { post, onMessage }', () => {
    expect(required).toEqual(['electron']);
    expect([...exposed.keys()]).toEqual(['tally']);
    expect(Object.keys(tally).sort()).toEqual(['onMessage', 'post']);
    expect(Object.values(tally).every((value) => typeof value === 'function')).toBe(true);
    // Not ipcRenderer, not Electron: nothing else in what crosses the bridge.
    expect(Object.values(tally)).not.toContain(ipc);
  });

  // The preload repeats main's channel names and the contract's size limit (it can import nothing):
  // these tests use main's and the contract's values, so the copies cannot drift apart unnoticed.
  it('posts a contract message as one string on the one channel main listens on', () => {
    const message = JSON.stringify({ id: 1, name: 'member-lookup', args: { card: '2900000000018' } });
    tally.post(message);
    expect(ipc.sent).toEqual([{ channel: POST_CHANNEL, args: [message] }]);
  });

  it('refuses anything but a string within MAX_MESSAGE_BYTES, sending nothing', () => {
    for (const bad of [{ id: 1 }, 42, null, undefined, ['x']]) expect(() => tally.post(bad)).toThrow(TypeError);
    // Counted in UTF-8 bytes, as the host counts: 3 bytes per Hangul syllable.
    const korean = '가'.repeat(Math.floor(MAX_MESSAGE_BYTES / 3) + 1);
    expect(korean.length).toBeLessThan(MAX_MESSAGE_BYTES);
    expect(() => tally.post(korean)).toThrow(RangeError);
    expect(() => tally.post('x'.repeat(MAX_MESSAGE_BYTES + 1))).toThrow(/at most 1048576 bytes/);
    expect(ipc.sent).toEqual([]);
    tally.post('x'.repeat(MAX_MESSAGE_BYTES));
    expect(ipc.sent).toHaveLength(1);
  });

  it('delivers each string from main to the listener, never the IPC event, until unsubscribed', () => {
    const heard: unknown[][] = [];
    const off = tally.onMessage((...args: unknown[]) => heard.push(args));
    const event = { sender: ipc, senderId: 0 };
    ipc.emit(MESSAGE_CHANNEL, event, '{"type":"push","name":"host-closing","data":{"reason":"x"}}');
    ipc.emit(MESSAGE_CHANNEL, event, { not: 'a string' });
    ipc.emit('some-other-channel', event, '{"type":"reply"}');
    expect(heard).toEqual([['{"type":"push","name":"host-closing","data":{"reason":"x"}}']]);
    off();
    ipc.emit(MESSAGE_CHANNEL, event, '{"type":"reply","id":1,"result":null}');
    expect(heard).toHaveLength(1);
    expect(ipc.listenerCount(MESSAGE_CHANNEL)).toBe(0);
    expect(() => tally.onMessage('not a function')).toThrow(TypeError);
  });
});

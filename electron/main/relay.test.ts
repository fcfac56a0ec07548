// Main's relay gives each window the role main made it with: a kiosk window's requests go to the
// host tagged `kiosk`, and it is sent only the pushes a kiosk may hear. (The host's side of the
// tag: tests/integration/kiosk-connection.test.ts; a whole kiosk app: electron-main.test.ts.)
import { describe, expect, it } from 'vitest';
import type { ToHost } from '../../src/terminal/hosts/electron/port-protocol.js';
import { MESSAGE_CHANNEL } from './app-origin.js';
import { parseDesktopArgs } from './args.js';
import type { ContentsApi } from './electron-api.js';
import { Relay } from './relay.js';
import { kioskWindow } from './windows.js';

function contents(id: number): ContentsApi & { readonly received: string[] } {
  const received: string[] = [];
  const none = (): void => undefined;
  return {
    id,
    received,
    isDestroyed: () => false,
    send: (channel, message) => {
      if (channel === MESSAGE_CHANNEL) received.push(message);
    },
    onWillNavigate: none,
    onWillRedirect: none,
    onWillAttachWebview: none,
    setWindowOpenHandler: none,
    onRenderProcessGone: none,
    onDidFinishLoad: none,
    sendInputEvent: none,
    executeJavaScript: () => Promise.resolve(undefined),
  };
}

const FRAME = (route: string) => ({ url: `app://tally/index.html#/${route}`, isMainFrame: true });

describe('relay roles', () => {
  it('tags each request with its window’s role, whatever page the window shows', () => {
    const sent: ToHost[] = [];
    const relay = new Relay({ ready: true, send: (message) => (sent.push(message), true) }, () => undefined);
    const cashier = contents(1);
    const kiosk = contents(2);
    relay.addWindow(cashier);
    relay.addWindow(kiosk, 'kiosk');
    const checkout = JSON.stringify({ id: 'r1', name: 'checkout-commit', args: {} });
    relay.fromRenderer(1, FRAME('cashier'), checkout);
    // The kiosk's page navigated itself to the cashier's route: still a kiosk.
    relay.fromRenderer(2, FRAME('cashier'), checkout);
    expect(sent).toEqual([
      { type: 'request', client: 1, role: 'counter', text: checkout },
      { type: 'request', client: 2, role: 'kiosk', text: checkout },
    ]);
    expect(relay.roleOf(2)).toBe('kiosk');
    relay.removeWindow(2);
    expect(relay.roleOf(2)).toBeNull();
  });

  it('sends a kiosk window only the pushes a kiosk may hear', () => {
    const relay = new Relay({ ready: true, send: () => true }, () => undefined);
    const cashier = contents(1);
    const kiosk = contents(2);
    relay.addWindow(cashier);
    relay.addWindow(kiosk, 'kiosk');
    const pushes = [
      { type: 'push', name: 'customer-view', data: { state: 'idle' } },
      { type: 'push', name: 'scan', data: {} },
      { type: 'push', name: 'printer-state', data: {} },
      { type: 'push', name: 'host-closing', data: { reason: 'bye' } },
    ].map((p) => JSON.stringify(p));
    for (const text of [...pushes, 'not json']) relay.fromHost({ type: 'push', text });
    expect(cashier.received).toEqual([...pushes, 'not json']);
    expect(kiosk.received).toEqual([pushes[3]]);
  });

  it('makes the kiosk window from --kiosk: full screen, kiosk mode, sandboxed, on #/kiosk', () => {
    expect(parseDesktopArgs(['main.js', '--kiosk', '--db', 'x.sqlite'])).toEqual({ kiosk: true, db: 'x.sqlite' });
    expect(parseDesktopArgs(['main.js'])).toEqual({});
    const plan = kioskWindow('/p/preload.cjs', false);
    expect(plan.url).toBe('app://tally/index.html#/kiosk');
    expect(plan.options).toMatchObject({ fullscreen: true, kiosk: true, webPreferences: { preload: '/p/preload.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, devTools: false } });
  });
});

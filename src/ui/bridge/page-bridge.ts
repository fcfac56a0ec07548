/**
 * The bridge a page uses: Electron's preload when the page runs in the app, else a WebSocket to the
 * browser host with the secret it printed. The secret comes in the address's fragment
 * (`#secret=…`, never sent over HTTP); it is kept for this tab (sessionStorage, so a reload still
 * connects) and taken out of the address bar.
 */
import { Bridge } from './bridge.js';
import { ipcConnect, isTallyPreload } from './ipc-carrier.js';
import { hostSocketUrl, webSocketConnect } from './websocket-carrier.js';
import { parseHash, type Route } from './route.js';

const SECRET_KEY = 'tally.host-secret';
/**
 * Set when the tab was opened with the kiosk's address: from then on the tab is the kiosk whatever
 * the address says, and takes no secret that comes without `#/kiosk` (a customer typing another
 * screen's address gets nowhere; the host would refuse its requests anyway).
 */
const KIOSK_KEY = 'tally.kiosk';

export type PageBridge =
  | { readonly kind: 'bridge'; readonly bridge: Bridge; readonly route: Route }
  /** Neither the preload nor a secret: the page cannot reach the host. */
  | { readonly kind: 'no-secret'; readonly route: Route };

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    // Storage can be disabled by the browser's settings: the secret then lives only in the address.
    return null;
  }
}

export function pageBridge(): PageBridge {
  const parsed = parseHash(window.location.hash);
  const preload: unknown = (window as unknown as { tally?: unknown }).tally;
  if (isTallyPreload(preload)) return { kind: 'bridge', bridge: new Bridge(ipcConnect(preload)).start(), route: { screen: parsed.screen } };
  const store = storage();
  // A kiosk tab keeps its own secret: one that comes with another screen's address is ignored.
  const fromHash = store?.getItem(KIOSK_KEY) === '1' && parsed.screen !== 'kiosk' ? null : parsed.secret;
  if (fromHash !== null) {
    store?.setItem(SECRET_KEY, fromHash);
    if (parsed.screen === 'kiosk') store?.setItem(KIOSK_KEY, '1');
    else store?.removeItem(KIOSK_KEY);
  }
  const kioskTab = store ? store.getItem(KIOSK_KEY) === '1' : parsed.screen === 'kiosk' && fromHash !== null;
  const screen = kioskTab ? 'kiosk' : parsed.screen;
  const route: Route = { screen };
  if (parsed.secret !== null && store) window.history.replaceState(null, '', `#/${screen}`);
  // The counter's secret never drives a kiosk page: `#/kiosk` typed into a counter tab finds no secret.
  if (screen === 'kiosk' && !kioskTab) return { kind: 'no-secret', route };
  const secret = fromHash ?? store?.getItem(SECRET_KEY) ?? null;
  if (secret === null || secret === '') return { kind: 'no-secret', route };
  return { kind: 'bridge', bridge: new Bridge(webSocketConnect(hostSocketUrl(window.location, secret))).start(), route };
}

/**
 * The host's new address pasted into this tab (after it restarted with a new secret) changes only
 * the fragment, which loads nothing: keep the new secret and start the page again with it.
 */
export function reloadOnNewSecret(): void {
  window.addEventListener('hashchange', () => {
    const { screen, secret } = parseHash(window.location.hash);
    if (secret === null) return;
    const store = storage();
    if (store?.getItem(KIOSK_KEY) === '1' && screen !== 'kiosk') {
      window.location.replace('#/kiosk');
      return;
    }
    // Without storage the secret stays in the address, where the reloaded page reads it.
    if (store) {
      store.setItem(SECRET_KEY, secret);
      window.location.replace(`#/${screen}`);
    }
    window.location.reload();
  });
}

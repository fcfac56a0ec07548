/**
 * Tally's windows and what keeps them to Tally's own pages: the web preferences of every window,
 * where the customer display goes, and the rules every webContents gets (no navigation away, no
 * new windows, no webviews, no permission but the camera, no network request but the app's own).
 */
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import { APP_INDEX_URL, isAppUrl } from './app-origin.js';
import type { ContentsApi, DisplayInfo, PermissionAsk } from './electron-api.js';

/**
 * The renderer is untrusted: no Node, its own JavaScript world for the preload (context
 * isolation), Chromium's sandbox, same-origin rules on. The preload is the only bridge.
 */
export function secureWebPreferences(preload: string, devTools: boolean): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools,
  };
}

export interface WindowPlan {
  readonly options: BrowserWindowConstructorOptions;
  readonly url: string;
}

/** The cashier's window: the primary display; the screen is the hash route `#/cashier`. */
export function cashierWindow(preload: string, devTools: boolean): WindowPlan {
  return {
    options: {
      title: 'Tally',
      width: 1280,
      height: 800,
      minWidth: 800,
      minHeight: 600,
      show: false,
      backgroundColor: '#ffffff',
      autoHideMenuBar: true,
      webPreferences: secureWebPreferences(preload, devTools),
    },
    url: `${APP_INDEX_URL}#/cashier`,
  };
}

/** The customer display: full screen on `display`, route `#/customer`. */
export function customerWindow(preload: string, devTools: boolean, display: DisplayInfo): WindowPlan {
  const { x, y, width, height } = display.bounds;
  return {
    options: {
      title: 'Tally — customer display',
      x,
      y,
      width,
      height,
      fullscreen: true,
      frame: false,
      show: false,
      backgroundColor: '#ffffff',
      autoHideMenuBar: true,
      webPreferences: secureWebPreferences(preload, devTools),
    },
    url: `${APP_INDEX_URL}#/customer`,
  };
}

/**
 * The kiosk's window (`--kiosk`): full screen in Electron's kiosk mode (no frame, no way to another
 * app from the keyboard), route `#/kiosk`; main tags its messages `kiosk` (relay.ts).
 */
export function kioskWindow(preload: string, devTools: boolean): WindowPlan {
  return {
    options: {
      title: 'Tally — kiosk',
      width: 1280,
      height: 800,
      fullscreen: true,
      kiosk: true,
      frame: false,
      show: false,
      backgroundColor: '#ffffff',
      autoHideMenuBar: true,
      webPreferences: secureWebPreferences(preload, devTools),
    },
    url: `${APP_INDEX_URL}#/kiosk`,
  };
}

/** The display for the customer: the first one that is not the primary, or null with a single monitor. */
export function customerDisplay(displays: { readonly all: readonly DisplayInfo[]; readonly primary: DisplayInfo }): DisplayInfo | null {
  return displays.all.find((d) => d.id !== displays.primary.id) ?? null;
}

/**
 * The rules every webContents gets, as it is created: navigating or redirecting anywhere but the
 * app's own pages is cancelled, window.open and target=_blank are denied, webviews never attach.
 */
export function harden(contents: ContentsApi, log: (line: string) => void): void {
  contents.onWillNavigate((event, url) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    log(`tally app: blocked navigation to ${printable(url)}`);
  });
  contents.onWillRedirect((event, url) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    log(`tally app: blocked redirect to ${printable(url)}`);
  });
  contents.onWillAttachWebview((event) => {
    event.preventDefault();
    log('tally app: blocked a webview');
  });
  contents.setWindowOpenHandler((url) => {
    log(`tally app: blocked a new window for ${printable(url)}`);
    return { action: 'deny' };
  });
}

/** The one permission the screens get: the camera (video only) for the QR button, asked by the app's top frame. */
export function allowPermission(ask: PermissionAsk): boolean {
  return ask.permission === 'media' && ask.isMainFrame && isAppUrl(ask.requestingUrl) && ask.mediaTypes.length > 0 && ask.mediaTypes.every((type) => type === 'video');
}

/** Permission checks (navigator.permissions, device lists): the same rule, by origin. */
export function allowPermissionCheck(permission: string, origin: string): boolean {
  return permission === 'media' && isAppUrl(origin);
}

/**
 * No remote content: a window loads the app's own files, data: and blob: URLs (images, the camera's
 * frames) and nothing else: no http(s), ws(s), file: or ftp: request leaves a Tally window. The
 * screens reach the terminal host over IPC only. devtools: is allowed so the tools work in development.
 */
export function allowRequest(url: string): boolean {
  if (isAppUrl(url)) return true;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return false;
  }
  return protocol === 'data:' || protocol === 'blob:' || protocol === 'devtools:';
}

/** A URL for a log line: bounded, without control characters. */
function printable(url: string): string {
  const text = Array.from(url, (ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? '?' : ch)).join('');
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

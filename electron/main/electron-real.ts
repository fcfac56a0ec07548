/**
 * The seam (electron-api.ts) implemented with Electron itself: the only module of Tally that
 * imports `electron` at run time, and the only one main's tests cannot load (they need Electron's
 * binary). Each member is one Electron call, translated and nothing more: logic belongs in the
 * modules behind the seam, where it is tested.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session, utilityProcess, type WebContents } from 'electron';
import type { ContentsApi, ElectronApi, WindowApi } from './electron-api.js';

function contentsApi(contents: WebContents): ContentsApi {
  return {
    id: contents.id,
    isDestroyed: () => contents.isDestroyed(),
    send: (channel, message) => contents.send(channel, message),
    onWillNavigate: (listener) => void contents.on('will-navigate', (event) => listener(event, event.url)),
    onWillRedirect: (listener) => void contents.on('will-redirect', (event) => listener(event, event.url)),
    onWillAttachWebview: (listener) => void contents.on('will-attach-webview', (event) => listener(event)),
    setWindowOpenHandler: (handler) => contents.setWindowOpenHandler((details) => handler(details.url)),
    onRenderProcessGone: (listener) => void contents.on('render-process-gone', (_event, details) => listener(details.reason)),
    onDidFinishLoad: (listener) => void contents.on('did-finish-load', listener),
    sendInputEvent: (input) => contents.sendInputEvent({ type: input.type, keyCode: input.keyCode }),
    executeJavaScript: (code) => contents.executeJavaScript(code) as Promise<unknown>,
  };
}

function windowApi(window: BrowserWindow): WindowApi {
  return {
    contents: contentsApi(window.webContents),
    loadURL: (url) => window.loadURL(url),
    onReadyToShow: (listener) => void window.once('ready-to-show', listener),
    onClosed: (listener) => void window.on('closed', listener),
    show: () => window.show(),
    showInactive: () => window.showInactive(),
    focus: () => window.focus(),
    restore: () => window.restore(),
    isMinimized: () => window.isMinimized(),
    isDestroyed: () => window.isDestroyed(),
    close: () => window.close(),
  };
}

export function realElectron(): ElectronApi {
  return {
    isPackaged: app.isPackaged,
    locale: () => app.getLocale(),
    requestSingleInstanceLock: () => app.requestSingleInstanceLock(),
    onSecondInstance: (listener) => void app.on('second-instance', () => listener()),
    // standard: a real origin (relative URLs, 'self' in the CSP); secure: a secure context (the camera).
    // Not corsEnabled: that would let other origins read the app's files, and the pages load only their own.
    registerAppScheme: (scheme) =>
      protocol.registerSchemesAsPrivileged([{ scheme, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]),
    removeMenu: () => Menu.setApplicationMenu(null),
    whenReady: () => app.whenReady(),
    handleProtocol: (scheme, handler) => protocol.handle(scheme, (request) => handler({ url: request.url, method: request.method })),
    setPermissionHandlers(request, check) {
      const ses = session.defaultSession;
      ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
        const mediaTypes = 'mediaTypes' in details && Array.isArray(details.mediaTypes) ? details.mediaTypes : [];
        callback(request({ permission, requestingUrl: details.requestingUrl, mediaTypes, isMainFrame: details.isMainFrame }));
      });
      ses.setPermissionCheckHandler((_contents, permission, origin) => check(permission, origin));
      // USB, serial and HID belong to the terminal host, never to a page.
      ses.setDevicePermissionHandler(() => false);
    },
    filterRequests: (allow) => session.defaultSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !allow(details.url) })),
    onContentsCreated: (listener) => void app.on('web-contents-created', (_event, contents) => listener(contentsApi(contents))),
    createWindow: (options) => windowApi(new BrowserWindow(options)),
    forkUtility(modulePath, options) {
      // stdout and stderr go to main's: the host's log is its stderr.
      const child = utilityProcess.fork(modulePath, [], { env: { ...options.env }, serviceName: options.serviceName, stdio: 'inherit' });
      return {
        postMessage: (message) => child.postMessage(message),
        onMessage: (listener) => void child.on('message', (message: unknown) => listener(message)),
        onExit: (listener) => void child.on('exit', listener),
        kill: () => child.kill(),
      };
    },
    displays: () => ({ all: screen.getAllDisplays(), primary: screen.getPrimaryDisplay() }),
    onIpc: (channel, listener) =>
      void ipcMain.on(channel, (event, message: unknown) => {
        const frame = event.senderFrame;
        listener(event.sender.id, frame === null ? null : { url: frame.url, isMainFrame: frame.parent === null }, message);
      }),
    showError: (title, body) => dialog.showErrorBox(title, body),
    setLoginItem: (openAtLogin) => app.setLoginItemSettings({ openAtLogin }),
    onWindowAllClosed: (listener) => void app.on('window-all-closed', listener),
    onBeforeQuit: (listener) => void app.on('before-quit', (event) => listener(event)),
    quit: () => app.quit(),
    exit: (code) => app.exit(code),
  };
}

/**
 * The thin seam between Tally's main-process logic and Electron: exactly the Electron calls main
 * makes, in Tally's words. electron-real.ts implements it with Electron (the one file that imports
 * it); tests implement it with a fake and run main's logic in plain Node, where Electron's binary
 * is not needed. Keep this narrow: every method here is one Electron call or one event.
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import type { ToHost } from '../../src/terminal/hosts/electron/port-protocol.js';

/** An event main may cancel (will-navigate, before-quit, …). */
export interface Preventable {
  preventDefault(): void;
}

/** The frame an IPC message came from (Electron's WebFrameMain, reduced to what the relay checks). */
export interface FrameInfo {
  readonly url: string;
  /** True for a window's top frame; false for an iframe inside it. */
  readonly isMainFrame: boolean;
}

/** A key press for `sendInputEvent` (the smoke run types a card as a keyboard-wedge scanner would). */
export interface KeyInput {
  readonly type: 'keyDown' | 'char' | 'keyUp';
  readonly keyCode: string;
}

export interface ContentsApi {
  readonly id: number;
  isDestroyed(): boolean;
  send(channel: string, message: string): void;
  onWillNavigate(listener: (event: Preventable, url: string) => void): void;
  onWillRedirect(listener: (event: Preventable, url: string) => void): void;
  onWillAttachWebview(listener: (event: Preventable) => void): void;
  setWindowOpenHandler(handler: (url: string) => { action: 'deny' }): void;
  onRenderProcessGone(listener: (reason: string) => void): void;
  onDidFinishLoad(listener: () => void): void;
  sendInputEvent(input: KeyInput): void;
  executeJavaScript(code: string): Promise<unknown>;
}

export interface WindowApi {
  readonly contents: ContentsApi;
  loadURL(url: string): Promise<void>;
  onReadyToShow(listener: () => void): void;
  onClosed(listener: () => void): void;
  show(): void;
  /** Shows without taking focus (the customer display must not take the cashier's keyboard). */
  showInactive(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  close(): void;
}

/** The terminal host's utility process, seen from main. */
export interface UtilityApi {
  postMessage(message: ToHost): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number) => void): void;
  /** SIGTERM on POSIX (the host closes cleanly), TerminateProcess on Windows. */
  kill(): boolean;
}

export interface Rectangle {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface DisplayInfo {
  readonly id: number;
  readonly bounds: Rectangle;
}

/** A permission a page asks for (Electron's permission request handler). */
export interface PermissionAsk {
  readonly permission: string;
  readonly requestingUrl: string;
  /** For `media`: what the page wants, `video` and/or `audio`. */
  readonly mediaTypes: readonly string[];
  readonly isMainFrame: boolean;
}

/** A request to the app's own protocol. */
export interface ProtocolRequest {
  readonly url: string;
  readonly method: string;
}

export interface ElectronApi {
  readonly isPackaged: boolean;
  /** The system's UI language (`app.getLocale()`), e.g. `ko-KR`. */
  locale(): string;
  requestSingleInstanceLock(): boolean;
  onSecondInstance(listener: () => void): void;
  /** Must be called before `whenReady` resolves (protocol.registerSchemesAsPrivileged). */
  registerAppScheme(scheme: string): void;
  /** Removes the default menu (its View menu offers reload and developer tools to anyone at the counter). */
  removeMenu(): void;
  whenReady(): Promise<void>;
  handleProtocol(scheme: string, handler: (request: ProtocolRequest) => Promise<Response>): void;
  /** Every permission request and check of the default session goes to these. */
  setPermissionHandlers(request: (ask: PermissionAsk) => boolean, check: (permission: string, origin: string) => boolean): void;
  /** Every network request of the default session is asked `allow(url)` first; a false cancels it. */
  filterRequests(allow: (url: string) => boolean): void;
  /** Every webContents created from now on (windows, devtools, anything a page manages to open). */
  onContentsCreated(listener: (contents: ContentsApi) => void): void;
  createWindow(options: BrowserWindowConstructorOptions): WindowApi;
  forkUtility(modulePath: string, options: { readonly env: Readonly<Record<string, string>>; readonly serviceName: string }): UtilityApi;
  displays(): { readonly all: readonly DisplayInfo[]; readonly primary: DisplayInfo };
  /** ipcMain.on(channel): the sender's webContents id, the frame it came from (null once gone), the message. */
  onIpc(channel: string, listener: (senderId: number, frame: FrameInfo | null, message: unknown) => void): void;
  /** dialog.showErrorBox: a modal message with one button; usable before and after ready. */
  showError(title: string, body: string): void;
  /** app.setLoginItemSettings (Windows and macOS). */
  setLoginItem(openAtLogin: boolean): void;
  onWindowAllClosed(listener: () => void): void;
  onBeforeQuit(listener: (event: Preventable) => void): void;
  quit(): void;
  exit(code: number): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * A stand-in for Electron behind main's seam (electron/main/electron-api.ts), for running main's
 * logic in plain Node: windows and webContents are recorded objects a test drives (emit a
 * navigation, send an IPC message as a renderer would), while the terminal host's "utility
 * process" is a REAL child process (`child_process.fork` of the built utility entry, its Node IPC
 * channel standing in for the parent port), so requests reach a real host and a real SQLite file.
 */
import { fork } from 'node:child_process';
import type { BrowserWindowConstructorOptions } from 'electron';
import type { ContentsApi, DisplayInfo, ElectronApi, FrameInfo, KeyInput, PermissionAsk, Preventable, ProtocolRequest, UtilityApi, WindowApi } from '../../electron/main/electron-api.js';

export class FakeEvent implements Preventable {
  prevented = false;
  preventDefault(): void {
    this.prevented = true;
  }
}

export class FakeContents implements ContentsApi {
  destroyed = false;
  readonly sent: { channel: string; message: string }[] = [];
  readonly inputs: KeyInput[] = [];
  /** What executeJavaScript answers (the smoke run asks whether window.tally exists). */
  javascriptAnswer: unknown = true;
  private readonly navigate: ((event: Preventable, url: string) => void)[] = [];
  private readonly redirect: ((event: Preventable, url: string) => void)[] = [];
  private readonly webview: ((event: Preventable) => void)[] = [];
  private readonly gone: ((reason: string) => void)[] = [];
  private readonly loaded: (() => void)[] = [];
  private openHandler: ((url: string) => { action: 'deny' }) | null = null;
  private readonly waiters: { match: (message: unknown) => boolean; resolve: (message: unknown) => void }[] = [];

  constructor(readonly id: number) {}

  /** The first message main sent to this window (MESSAGE_CHANNEL, parsed) that satisfies `match`: one already sent, or the next. */
  waitFor(match: (message: unknown) => boolean, timeoutMs = 20_000): Promise<unknown> {
    const found = this.messages('tally:message').find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`window ${this.id} got no such message; it got: ${this.sent.map((s) => s.message).join(' | ').slice(0, 2000)}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, message: string): void {
    this.sent.push({ channel, message });
    if (channel !== 'tally:message') return;
    const parsed: unknown = JSON.parse(message);
    for (const waiter of [...this.waiters]) {
      if (!waiter.match(parsed)) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(parsed);
    }
  }
  onWillNavigate(listener: (event: Preventable, url: string) => void): void {
    this.navigate.push(listener);
  }
  onWillRedirect(listener: (event: Preventable, url: string) => void): void {
    this.redirect.push(listener);
  }
  onWillAttachWebview(listener: (event: Preventable) => void): void {
    this.webview.push(listener);
  }
  setWindowOpenHandler(handler: (url: string) => { action: 'deny' }): void {
    this.openHandler = handler;
  }
  onRenderProcessGone(listener: (reason: string) => void): void {
    this.gone.push(listener);
  }
  onDidFinishLoad(listener: () => void): void {
    this.loaded.push(listener);
  }
  sendInputEvent(input: KeyInput): void {
    this.inputs.push(input);
  }
  executeJavaScript(_code: string): Promise<unknown> {
    return Promise.resolve(this.javascriptAnswer);
  }

  /** The page tries to navigate to `url`: true when main cancelled it. */
  emitWillNavigate(url: string): boolean {
    const event = new FakeEvent();
    for (const l of this.navigate) l(event, url);
    return event.prevented;
  }
  emitWillRedirect(url: string): boolean {
    const event = new FakeEvent();
    for (const l of this.redirect) l(event, url);
    return event.prevented;
  }
  emitWillAttachWebview(): boolean {
    const event = new FakeEvent();
    for (const l of this.webview) l(event);
    return event.prevented;
  }
  /** window.open / target=_blank: what main's handler answers, or null when none was set (Electron would open it). */
  windowOpen(url: string): { action: string } | null {
    return this.openHandler === null ? null : this.openHandler(url);
  }
  emitRenderProcessGone(reason: string): void {
    for (const l of this.gone) l(reason);
  }
  emitDidFinishLoad(): void {
    for (const l of this.loaded) l();
  }
  /** Messages main sent to this window on `channel`, as parsed JSON. */
  messages(channel: string): unknown[] {
    return this.sent.filter((s) => s.channel === channel).map((s) => JSON.parse(s.message) as unknown);
  }
}

export class FakeWindow implements WindowApi {
  readonly loaded: string[] = [];
  shown: 'no' | 'focused' | 'inactive' = 'no';
  focused = 0;
  restored = 0;
  minimized = false;
  destroyed = false;
  private readonly readyToShow: (() => void)[] = [];
  private readonly closed: (() => void)[] = [];

  constructor(
    readonly options: BrowserWindowConstructorOptions,
    readonly contents: FakeContents,
  ) {}

  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    return Promise.resolve();
  }
  onReadyToShow(listener: () => void): void {
    this.readyToShow.push(listener);
  }
  onClosed(listener: () => void): void {
    this.closed.push(listener);
  }
  show(): void {
    this.shown = 'focused';
  }
  showInactive(): void {
    this.shown = 'inactive';
  }
  focus(): void {
    this.focused += 1;
  }
  restore(): void {
    this.restored += 1;
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.contents.destroyed = true;
    for (const l of this.closed) l();
  }
  emitReadyToShow(): void {
    for (const l of this.readyToShow) l();
  }
}

/** The utility process as a real Node child with an IPC channel. */
export class ForkedUtility implements UtilityApi {
  readonly child;
  readonly exited: Promise<number>;
  stderr = '';

  constructor(modulePath: string, env: Readonly<Record<string, string>>) {
    this.child = fork(modulePath, [], { env: { ...env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code ?? 1)));
  }
  postMessage(message: unknown): void {
    if (this.child.connected) this.child.send(message as object);
  }
  onMessage(listener: (message: unknown) => void): void {
    this.child.on('message', (message) => listener(message));
  }
  onExit(listener: (code: number) => void): void {
    // Electron reports a number; a process ended by a signal has none in Node.
    this.child.on('exit', (code) => listener(code ?? 1));
  }
  kill(): boolean {
    return this.child.kill('SIGTERM');
  }
  /** A crash: the process ends without closing anything. */
  crash(): void {
    this.child.kill('SIGKILL');
  }
}

export class FakeElectron implements ElectronApi {
  isPackaged = false;
  localeName = 'en-US';
  lock = true;
  displayList: { all: DisplayInfo[]; primary: DisplayInfo } = { all: [{ id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } }], primary: { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } } };

  readonly log: string[] = [];
  private readonly logWaiters: { pattern: RegExp; count: number; resolve: () => void }[] = [];
  /** Main's log (pass as its `log` option). */
  readonly logLine = (line: string): void => {
    this.log.push(line);
    for (const waiter of [...this.logWaiters]) {
      if (this.matching(waiter.pattern) < waiter.count) continue;
      this.logWaiters.splice(this.logWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  private matching(pattern: RegExp): number {
    return this.log.filter((line) => pattern.test(line)).length;
  }
  /** Resolves once main has logged `count` lines that match `pattern` (counting those already logged). */
  waitForLog(pattern: RegExp, count = 1, timeoutMs = 20_000): Promise<void> {
    if (this.matching(pattern) >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`main never logged ${String(pattern)} ${count} time(s); it logged: ${this.log.join(' | ')}`)), timeoutMs);
      this.logWaiters.push({
        pattern,
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
  readonly schemes: { scheme: string; beforeReady: boolean }[] = [];
  menuRemoved = false;
  readonly protocols = new Map<string, (request: ProtocolRequest) => Promise<Response>>();
  permissionRequest: ((ask: PermissionAsk) => boolean) | null = null;
  permissionCheck: ((permission: string, origin: string) => boolean) | null = null;
  requestFilter: ((url: string) => boolean) | null = null;
  readonly windows: FakeWindow[] = [];
  readonly utilities: ForkedUtility[] = [];
  readonly errors: { title: string; body: string }[] = [];
  readonly loginItem: boolean[] = [];
  quitCalls = 0;
  readonly exits: number[] = [];

  private isReady = false;
  private resolveReady: () => void = () => undefined;
  private readonly readyPromise = new Promise<void>((resolve) => {
    this.resolveReady = resolve;
  });
  private nextContentsId = 100;
  private readonly contentsCreated: ((contents: ContentsApi) => void)[] = [];
  private readonly ipc = new Map<string, ((senderId: number, frame: FrameInfo | null, message: unknown) => void)[]>();
  private readonly secondInstance: (() => void)[] = [];
  private readonly allClosed: (() => void)[] = [];
  private readonly beforeQuit: ((event: Preventable) => void)[] = [];
  private readonly exitWaiters: ((code: number) => void)[] = [];

  /** Electron's `ready`. */
  ready(): void {
    this.isReady = true;
    this.resolveReady();
  }

  /** Resolves with the code of the next (or a past) app.exit. */
  exited(): Promise<number> {
    const [code] = this.exits;
    if (code !== undefined) return Promise.resolve(code);
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** A renderer's ipcRenderer.send(channel, message), from `senderId`'s frame. */
  sendIpc(channel: string, senderId: number, frame: FrameInfo | null, message: unknown): void {
    for (const l of this.ipc.get(channel) ?? []) l(senderId, frame, message);
  }

  /** Someone started Tally again. */
  emitSecondInstance(): void {
    for (const l of this.secondInstance) l();
  }

  /** A quit from the system (the dock, a logout): true when main held it off to close the host first. */
  emitBeforeQuit(): boolean {
    const event = new FakeEvent();
    for (const l of this.beforeQuit) l(event);
    return event.prevented;
  }

  locale(): string {
    return this.localeName;
  }
  requestSingleInstanceLock(): boolean {
    return this.lock;
  }
  onSecondInstance(listener: () => void): void {
    this.secondInstance.push(listener);
  }
  registerAppScheme(scheme: string): void {
    this.schemes.push({ scheme, beforeReady: !this.isReady });
  }
  removeMenu(): void {
    this.menuRemoved = true;
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  handleProtocol(scheme: string, handler: (request: ProtocolRequest) => Promise<Response>): void {
    this.protocols.set(scheme, handler);
  }
  setPermissionHandlers(request: (ask: PermissionAsk) => boolean, check: (permission: string, origin: string) => boolean): void {
    this.permissionRequest = request;
    this.permissionCheck = check;
  }
  filterRequests(allow: (url: string) => boolean): void {
    this.requestFilter = allow;
  }
  onContentsCreated(listener: (contents: ContentsApi) => void): void {
    this.contentsCreated.push(listener);
  }
  createWindow(options: BrowserWindowConstructorOptions): FakeWindow {
    // As in Electron, a window's webContents is announced (web-contents-created) while it is built.
    const contents = new FakeContents(this.nextContentsId++);
    for (const l of this.contentsCreated) l(contents);
    const window = new FakeWindow(options, contents);
    this.windows.push(window);
    return window;
  }
  forkUtility(modulePath: string, options: { readonly env: Readonly<Record<string, string>>; readonly serviceName: string }): ForkedUtility {
    const utility = new ForkedUtility(modulePath, options.env);
    this.utilities.push(utility);
    return utility;
  }
  displays(): { readonly all: readonly DisplayInfo[]; readonly primary: DisplayInfo } {
    return this.displayList;
  }
  onIpc(channel: string, listener: (senderId: number, frame: FrameInfo | null, message: unknown) => void): void {
    this.ipc.set(channel, [...(this.ipc.get(channel) ?? []), listener]);
  }
  showError(title: string, body: string): void {
    this.errors.push({ title, body });
  }
  setLoginItem(openAtLogin: boolean): void {
    this.loginItem.push(openAtLogin);
  }
  onWindowAllClosed(listener: () => void): void {
    this.allClosed.push(listener);
  }
  onBeforeQuit(listener: (event: Preventable) => void): void {
    this.beforeQuit.push(listener);
  }
  quit(): void {
    this.quitCalls += 1;
  }
  exit(code: number): void {
    this.exits.push(code);
    for (const w of this.exitWaiters.splice(0)) w(code);
  }
}

/**
 * Electron's main process (electron/main/desktop.ts) in plain Node: Electron itself is the fake
 * behind main's seam (tests/support/fake-electron.ts), while the terminal host is the real utility
 * entry in a real child process with a real SQLite file. So a renderer's message (sent as the
 * preload would) goes through main's relay to a real host and back, and a host crash is a real
 * process killed. Only the clock is faked: restart delays fire by hand.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../../src/contract/messages.js';
import { APP_ORIGIN, MESSAGE_CHANNEL, POST_CHANNEL } from '../../electron/main/app-origin.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/app-protocol.js';
import { runDesktop, type Desktop } from '../../electron/main/desktop.js';
import { DEFAULT_TIMINGS } from '../../electron/main/host-supervisor.js';
import { FakeElectron, type FakeWindow } from '../support/fake-electron.js';
import { FakeTimers } from '../support/fake-timers.js';
import { newLedger, REPO, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-electron-main-');
afterAll(cleanup);

const CARD = '2900000000018';
const CASHIER_FRAME = { url: `${APP_ORIGIN}/index.html#/cashier`, isMainFrame: true };
const PRELOAD = join(REPO, 'dist', 'electron', 'preload', 'index.cjs');
const HOST_ENTRY = join(REPO, 'dist', 'src', 'terminal', 'hosts', 'electron', 'utility-entry.js');

let n = 0;
function freshDir(name: string): string {
  n += 1;
  const path = join(dir, `${name}-${n}`);
  mkdirSync(path, { recursive: true });
  return path;
}

function ledgerFile(): string {
  const path = join(freshDir('db'), 'tally.sqlite');
  const { ledger, service } = newLedger(path, 'classic-krw', testClock('2026-03-02T03:00:00Z'));
  service.enrol({ cards: [CARD], name: 'Kim Minji' });
  ledger.close();
  return path;
}

function uiFolder(): string {
  const ui = freshDir('ui');
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Tally</title>');
  return ui;
}

interface Started {
  readonly api: FakeElectron;
  readonly desktop: Desktop;
  readonly timers: FakeTimers;
  readonly clock: { now: number };
  readonly home: string;
  readonly dataDir: string;
  readonly cashier: FakeWindow;
}

const running: Desktop[] = [];
afterEach(async () => {
  // Every test ends with its host closed (a real child process) whatever it asserted.
  await Promise.all(running.splice(0).map((d) => d.shutdown(0)));
});

async function start(
  setup: { db?: string; argv?: string[]; env?: Record<string, string>; platform?: NodeJS.Platform; hostEntry?: string; uiRoot?: string; home?: string; dataDir?: string; configure?: (api: FakeElectron) => void } = {},
): Promise<Started> {
  const api = new FakeElectron();
  setup.configure?.(api);
  const timers = new FakeTimers();
  const clock = { now: Date.parse('2026-03-02T03:00:00Z') };
  const home = setup.home ?? freshDir('home');
  const dataDir = setup.dataDir ?? freshDir('data');
  const db = setup.db ?? ledgerFile();
  const started = runDesktop(api, {
    paths: { preload: PRELOAD, uiRoot: setup.uiRoot ?? uiFolder(), hostEntry: setup.hostEntry ?? HOST_ENTRY },
    argv: setup.argv ?? ['dist/electron/main/index.js', '--db', db],
    env: { ...process.env, ...setup.env },
    platform: setup.platform ?? 'linux',
    homedir: home,
    dataDir,
    defaultDb: join(dataDir, 'tally.sqlite'),
    launchCommand: ['/opt/Tally/tally'],
    timers,
    now: () => clock.now,
    log: api.logLine,
  });
  api.ready();
  const desktop = await started;
  if (desktop === null) throw new Error('runDesktop returned null');
  running.push(desktop);
  const cashier = api.windows[0];
  if (cashier === undefined) throw new Error('no cashier window');
  return { api, desktop, timers, clock, home, dataDir, cashier };
}

const hostReady = (api: FakeElectron, count = 1) => api.waitForLog(/terminal host ready/, count);

/** The cashier's renderer sends a contract message, as window.tally.post does. */
function post(api: FakeElectron, window: FakeWindow, message: unknown, frame = CASHIER_FRAME): void {
  api.sendIpc(POST_CHANNEL, window.contents.id, frame, typeof message === 'string' ? message : JSON.stringify(message));
}

const withId = (id: unknown) => (m: unknown) => typeof m === 'object' && m !== null && (m as { id?: unknown }).id === id;

describe('Electron main: one instance', () => {
  it('quits at once when another instance holds the lock: no window, no host, no scheme', async () => {
    const api = new FakeElectron();
    api.lock = false;
    const started = runDesktop(api, {
      paths: { preload: PRELOAD, uiRoot: uiFolder(), hostEntry: HOST_ENTRY },
      argv: [],
      env: {},
      platform: 'linux',
      homedir: freshDir('home'),
      dataDir: freshDir('data'),
      defaultDb: join(dir, 'never.sqlite'),
      launchCommand: ['/opt/Tally/tally'],
      timers: new FakeTimers(),
      now: () => 0,
      log: api.logLine,
    });
    expect(await started).toBeNull();
    expect(api.quitCalls).toBe(1);
    expect(api.windows).toEqual([]);
    expect(api.utilities).toEqual([]);
    expect(api.schemes).toEqual([]);
  });

  it('brings the cashier window forward when Tally is started again', async () => {
    const { api, cashier } = await start();
    cashier.minimized = true;
    api.emitSecondInstance();
    expect(cashier.restored).toBe(1);
    expect(cashier.focused).toBe(1);
    expect(cashier.shown).toBe('focused');
  });
});

describe('Electron main: windows', () => {
  it('opens the cashier window sandboxed, isolated, without Node, on the app’s own page', async () => {
    const { api, cashier } = await start();
    expect(api.schemes).toEqual([{ scheme: 'app', beforeReady: true }]);
    expect(api.menuRemoved).toBe(true);
    expect(api.windows).toHaveLength(1);
    expect(cashier.options.webPreferences).toMatchObject({ preload: PRELOAD, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, devTools: true });
    expect(cashier.options.show).toBe(false);
    expect(cashier.loaded).toEqual(['app://tally/index.html#/cashier']);
    cashier.emitReadyToShow();
    expect(cashier.shown).toBe('focused');
  });

  it('closes developer tools in the installed app', async () => {
    const { cashier } = await start({ configure: (api) => (api.isPackaged = true) });
    expect(cashier.options.webPreferences?.devTools).toBe(false);
  });

  it('opens the customer display full screen on the second monitor, without taking focus', async () => {
    const primary = { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } };
    const second = { id: 2, bounds: { x: 1920, y: 0, width: 1280, height: 1024 } };
    const { api } = await start({ configure: (a) => (a.displayList = { all: [primary, second], primary }) });
    expect(api.windows).toHaveLength(2);
    const customer = api.windows[1]!;
    expect(customer.options).toMatchObject({ x: 1920, y: 0, width: 1280, height: 1024, fullscreen: true });
    expect(customer.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(customer.loaded).toEqual(['app://tally/index.html#/customer']);
    customer.emitReadyToShow();
    expect(customer.shown).toBe('inactive');
  });

  it('serves the screens from app:// with the CSP', async () => {
    const { api } = await start();
    const handler = api.protocols.get('app');
    if (handler === undefined) throw new Error('no app: handler');
    const response = await handler({ url: 'app://tally/index.html', method: 'GET' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe('Electron main: no remote content', () => {
  it('blocks navigation and redirects away from the app, new windows and webviews, in every webContents', async () => {
    const { api, cashier } = await start();
    // Also a webContents that appears later (developer tools, anything a page manages to create).
    const later = api.createWindow({});
    for (const contents of [cashier.contents, later.contents]) {
      for (const url of ['https://example.com/', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'app://evil/index.html', 'javascript:alert(1)']) {
        expect(contents.emitWillNavigate(url), url).toBe(true);
        expect(contents.emitWillRedirect(url), url).toBe(true);
      }
      expect(contents.emitWillNavigate('app://tally/index.html#/manager')).toBe(false);
      expect(contents.windowOpen('https://example.com/')).toEqual({ action: 'deny' });
      expect(contents.windowOpen('app://tally/index.html')).toEqual({ action: 'deny' });
      expect(contents.emitWillAttachWebview()).toBe(true);
    }
    expect(api.log.some((line) => line.includes('blocked navigation to https://example.com/'))).toBe(true);
  });

  it('cancels every request but the app’s own, and grants only the camera', async () => {
    const { api } = await start();
    expect(api.requestFilter?.('https://example.com/')).toBe(false);
    expect(api.requestFilter?.('ws://127.0.0.1:1234/')).toBe(false);
    expect(api.requestFilter?.('app://tally/index.html')).toBe(true);
    expect(api.permissionRequest?.({ permission: 'media', requestingUrl: 'app://tally/index.html', mediaTypes: ['video'], isMainFrame: true })).toBe(true);
    expect(api.permissionRequest?.({ permission: 'geolocation', requestingUrl: 'app://tally/index.html', mediaTypes: [], isMainFrame: true })).toBe(false);
    expect(api.permissionCheck?.('media', 'https://example.com')).toBe(false);
  });
});

describe('Electron main: the relay to a real terminal host', () => {
  it('answers a renderer’s request through the utility process', async () => {
    const { api, cashier } = await start();
    await hostReady(api);
    post(api, cashier, { id: 'r1', name: 'member-lookup', args: { card: CARD } });
    expect(await cashier.contents.waitFor(withId('r1'))).toMatchObject({ type: 'reply', id: 'r1', result: { name: 'Kim Minji' } });
  });

  it('says busy to a request sent before the host is ready', async () => {
    const { api, cashier } = await start();
    post(api, cashier, { id: 'early', name: 'verify', args: {} });
    expect(cashier.contents.messages(MESSAGE_CHANNEL)).toEqual([
      { type: 'error', id: 'early', error: { code: 'busy', message: expect.stringContaining('starting') as unknown, details: { retryable: true } } },
    ]);
  });

  it('drops messages from anything but the top frame of a Tally window, and the host never sees them', async () => {
    const { api, cashier } = await start();
    await hostReady(api);
    const checkout = (id: string) => ({ id, name: 'checkout-commit', args: { card: CARD, txnId: id, basket: { currency: 'KRW', lines: [{ sku: 'A', quantity: 1, unitPrice: 50_000 }] } } });
    // Another webContents (not one of Tally's windows), an iframe, a page that is not ours, a frame already gone.
    api.sendIpc(POST_CHANNEL, 9999, CASHIER_FRAME, JSON.stringify(checkout('stranger')));
    post(api, cashier, checkout('iframe'), { url: CASHIER_FRAME.url, isMainFrame: false });
    post(api, cashier, checkout('elsewhere'), { url: 'https://example.com/', isMainFrame: true });
    api.sendIpc(POST_CHANNEL, cashier.contents.id, null, JSON.stringify(checkout('gone')));
    post(api, cashier, { id: 'after', name: 'history', args: { card: CARD } });
    const history = (await cashier.contents.waitFor(withId('after'))) as { result: { entries: unknown[] } };
    // Only the enrolment's welcome bonus: none of the refused checkouts was booked.
    expect(history.result.entries).toHaveLength(1);
    const ids = cashier.contents.messages(MESSAGE_CHANNEL).map((m) => (m as { id: unknown }).id);
    expect(ids).toEqual(['after']);
    expect(api.log.filter((line) => line.includes('refused an IPC message'))).toHaveLength(4);
  });

  it('refuses a message that is not a string, or too large, without passing it on', async () => {
    const { api, cashier } = await start();
    await hostReady(api);
    api.sendIpc(POST_CHANNEL, cashier.contents.id, CASHIER_FRAME, { id: 1, name: 'verify', args: {} });
    post(api, cashier, JSON.stringify({ id: 2, name: 'verify', args: {}, pad: 'x'.repeat(MAX_MESSAGE_BYTES) }));
    expect(cashier.contents.messages(MESSAGE_CHANNEL)).toEqual([
      { type: 'error', id: null, error: { code: 'malformed', message: 'Messages are JSON text: nothing was done' } },
      { type: 'error', id: null, error: { code: 'too-large', message: expect.stringContaining(`${MAX_MESSAGE_BYTES} bytes`) as unknown } },
    ]);
  });

  it('sends each reply to the window that asked, and pushes to every window', async () => {
    const primary = { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } };
    const second = { id: 2, bounds: { x: 1920, y: 0, width: 1280, height: 1024 } };
    const { api, cashier, desktop } = await start({ configure: (a) => (a.displayList = { all: [primary, second], primary }) });
    const customer = api.windows[1]!;
    await hostReady(api);
    post(api, customer, { id: 'c1', name: 'member-lookup', args: { card: CARD } }, { url: `${APP_ORIGIN}/index.html#/customer`, isMainFrame: true });
    await customer.contents.waitFor(withId('c1'));
    expect(cashier.contents.messages(MESSAGE_CHANNEL)).toEqual([]);
    // The host's own push as it closes reaches both windows.
    await desktop.shutdown(0);
    for (const window of [cashier, customer]) {
      expect(window.contents.messages(MESSAGE_CHANNEL)).toContainEqual({ type: 'push', name: 'host-closing', data: { reason: 'the app is closing' } });
    }
  });
});

describe('Electron main: the host stops or cannot start', () => {
  it('tells the windows when the host crashes, answers what it left unanswered, and restarts it with backoff', async () => {
    const { api, cashier, timers, clock } = await start();
    await hostReady(api);
    // A request in flight when the host dies: it gets exactly one answer, the reply or an error.
    post(api, cashier, { id: 'inflight', name: 'verify', args: {} });
    api.utilities[0]!.crash();
    await cashier.contents.waitFor((m) => (m as { name?: string }).name === 'host-closing');
    const answers = cashier.contents.messages(MESSAGE_CHANNEL).filter(withId('inflight'));
    expect(answers).toHaveLength(1);
    expect(answers[0]).toSatisfy((m: { type: string; error?: { code: string } }) => m.type === 'reply' || m.error?.code === 'internal');
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([DEFAULT_TIMINGS.baseBackoffMs]);
    // Busy while it is down.
    post(api, cashier, { id: 'down', name: 'verify', args: {} });
    expect(await cashier.contents.waitFor(withId('down'))).toMatchObject({ error: { code: 'busy' } });

    timers.fireAll();
    await hostReady(api, 2);
    expect(api.utilities).toHaveLength(2);
    post(api, cashier, { id: 'back', name: 'member-lookup', args: { card: CARD } });
    expect(await cashier.contents.waitFor(withId('back'))).toMatchObject({ type: 'reply' });

    // A second crash soon after: twice the delay. After a long stable run: the base delay again.
    api.utilities[1]!.crash();
    await api.waitForLog(/restarting in/, 2);
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([2 * DEFAULT_TIMINGS.baseBackoffMs]);
    timers.fireAll();
    await hostReady(api, 3);
    clock.now += DEFAULT_TIMINGS.stableMs;
    api.utilities[2]!.crash();
    await api.waitForLog(/restarting in/, 3);
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([DEFAULT_TIMINGS.baseBackoffMs]);
    timers.fireAll();
    await hostReady(api, 4);
  });

  it('gives up with a dialog when the host keeps stopping before it is ready', async () => {
    const crashing = join(freshDir('entry'), 'crash.mjs');
    writeFileSync(crashing, 'process.exit(3);\n');
    const { api, timers } = await start({ hostEntry: crashing });
    for (let i = 1; i < DEFAULT_TIMINGS.maxStartFailures; i += 1) {
      await api.waitForLog(/restarting in/, i);
      timers.fireAll();
    }
    expect(await api.exited()).toBe(1);
    expect(api.utilities).toHaveLength(DEFAULT_TIMINGS.maxStartFailures);
    expect(api.errors).toHaveLength(1);
    expect(api.errors[0]?.body).toContain('kept stopping');
    expect(api.errors[0]?.body).toContain('exit code 3');
  });

  it('with no database yet opens the cashier window on the setup screen: no dialog, the host serves setup', async () => {
    const missing = join(freshDir('nodb'), 'tally.sqlite');
    const { api, cashier } = await start({ db: missing });
    await api.waitForLog(/no terminal database at .* yet: the window shows the setup screen/);
    post(api, cashier, { id: 's1', name: 'setup-status', args: {} });
    expect(await cashier.contents.waitFor(withId('s1'))).toMatchObject({ type: 'reply', id: 's1', result: { configured: false } });
    post(api, cashier, { id: 's2', name: 'member-lookup', args: { card: CARD } });
    expect(await cashier.contents.waitFor(withId('s2'))).toMatchObject({ type: 'error', id: 's2', error: { code: 'not-initialised' } });
    expect(api.errors).toEqual([]);
    expect(cashier.destroyed).toBe(false);
    expect(existsSync(missing)).toBe(false);
  });

  it('shows a dialog when the file is not a Tally database, and exits 1 without restarting the host', async () => {
    const garbage = join(freshDir('garbage'), 'tally.sqlite');
    writeFileSync(garbage, 'this is a shopping list, not a ledger\n'.repeat(200));
    const { api, cashier } = await start({ db: garbage });
    expect(await api.exited()).toBe(1);
    expect(api.errors).toEqual([{ title: 'Tally cannot start', body: expect.stringContaining(garbage) as unknown }]);
    expect(api.errors[0]?.body).not.toMatch(/\bat .*\.(js|ts):\d+/);
    expect(cashier.destroyed).toBe(true);
    // The host was not restarted: a refusal is not a crash.
    expect(api.utilities).toHaveLength(1);
    expect(await api.utilities[0]!.exited).toBe(1);
  });

  it('says it in Korean on a Korean system', async () => {
    const garbage = join(freshDir('garbage'), 'tally.sqlite');
    writeFileSync(garbage, 'not a ledger\n'.repeat(400));
    const { api } = await start({ db: garbage, configure: (a) => (a.localeName = 'ko-KR') });
    expect(await api.exited()).toBe(1);
    expect(api.errors[0]?.title).toBe('Tally를 시작할 수 없습니다');
    expect(api.errors[0]?.body).toContain('데이터베이스를 열 수 없습니다');
  });

  it('says what to build when the app’s files are missing, and starts no host', async () => {
    const api = new FakeElectron();
    const started = runDesktop(api, {
      paths: { preload: PRELOAD, uiRoot: freshDir('empty-ui'), hostEntry: HOST_ENTRY },
      argv: [],
      env: {},
      platform: 'linux',
      homedir: freshDir('home'),
      dataDir: freshDir('data'),
      defaultDb: join(dir, 'never.sqlite'),
      launchCommand: ['/opt/Tally/tally'],
      timers: new FakeTimers(),
      now: () => 0,
      log: api.logLine,
    });
    api.ready();
    expect(await started).toBeNull();
    expect(api.exits).toEqual([1]);
    expect(api.errors[0]?.body).toContain('npm run build');
    expect(api.utilities).toEqual([]);
  });
});

describe('Electron main: closing', () => {
  it('closes the host (ledger checkpointed) before the app ends, when the cashier window closes', async () => {
    const db = ledgerFile();
    const { api, cashier } = await start({ db });
    await hostReady(api);
    post(api, cashier, { id: 'sale', name: 'checkout-commit', args: { card: CARD, txnId: 'POS-1', basket: { currency: 'KRW', lines: [{ sku: 'A', quantity: 1, unitPrice: 10_000 }] } } });
    await cashier.contents.waitFor(withId('sale'));
    cashier.close();
    expect(await api.exited()).toBe(0);
    expect(await api.utilities[0]!.exited).toBe(0);
    expect(statSync(`${db}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
  });

  it('holds off a quit from the system until the host has closed', async () => {
    const { api } = await start();
    await hostReady(api);
    expect(api.emitBeforeQuit()).toBe(true);
    expect(await api.exited()).toBe(0);
    expect(await api.utilities[0]!.exited).toBe(0);
  });
});

describe('Electron main: start at login', () => {
  it('is off by default, and --start-at-login turns it on and keeps it on', async () => {
    const home = freshDir('home');
    const dataDir = freshDir('data');
    const autostart = join(home, '.config', 'autostart', 'tally.desktop');
    const first = await start({ home, dataDir });
    expect(existsSync(autostart)).toBe(false);
    await first.desktop.shutdown(0);

    const db = ledgerFile();
    const second = await start({ home, dataDir, argv: ['--db', db, '--start-at-login'] });
    expect(JSON.parse(readFileSync(join(dataDir, 'desktop.json'), 'utf8'))).toEqual({ startAtLogin: true });
    expect(readFileSync(autostart, 'utf8')).toContain('Exec=/opt/Tally/tally');
    await second.desktop.shutdown(0);

    const third = await start({ home, dataDir, argv: ['--db', db] });
    expect(existsSync(autostart)).toBe(true);
    await third.desktop.shutdown(0);

    await start({ home, dataDir, argv: ['--db', db, '--no-start-at-login'] });
    expect(existsSync(autostart)).toBe(false);
  });

  it('uses the system’s login items on Windows', async () => {
    const { api } = await start({ platform: 'win32', argv: ['--db', ledgerFile(), '--start-at-login'] });
    expect(api.loginItem).toEqual([true]);
  });
});

describe('Electron main: the smoke run (TALLY_SMOKE=1)', () => {
  it('types the demo card into the cashier window and exits 0 once member-lookup came back', async () => {
    const { api, cashier } = await start({ env: { TALLY_SMOKE: '1' } });
    await hostReady(api);
    cashier.contents.emitDidFinishLoad();
    await api.waitForLog(/window\.tally is exposed/);
    const typed = cashier.contents.inputs.map((i) => `${i.type}:${i.keyCode}`);
    expect(typed.slice(0, 3)).toEqual(['keyDown:2', 'char:2', 'keyUp:2']);
    expect(typed).toHaveLength((CARD.length + 1) * 3);
    expect(typed.slice(-3)).toEqual(['keyDown:Enter', 'char:Enter', 'keyUp:Enter']);
    // What the cashier screen does with a scan (the UI is not part of this test).
    post(api, cashier, { id: 'scan-1', name: 'member-lookup', args: { card: CARD } });
    expect(await api.exited()).toBe(0);
    expect(api.log.some((line) => line.startsWith('smoke: OK'))).toBe(true);
  });

  it('fails (exit 1) when the preload did not expose window.tally', async () => {
    const { api, cashier } = await start({ env: { TALLY_SMOKE: '1' } });
    cashier.contents.javascriptAnswer = false;
    cashier.contents.emitDidFinishLoad();
    expect(await api.exited()).toBe(1);
    expect(api.log).toContain('smoke: FAILED: the preload did not expose window.tally');
  });

  it('fails (exit 1) at its deadline when no member-lookup came back, and (exit 1) without a dialog when the host cannot start', async () => {
    const { api, timers } = await start({ env: { TALLY_SMOKE: '1' } });
    await hostReady(api);
    timers.fireAll();
    expect(await api.exited()).toBe(1);
    expect(api.log.some((line) => line.startsWith('smoke: FAILED after'))).toBe(true);

    const garbage = join(freshDir('garbage'), 'tally.sqlite');
    writeFileSync(garbage, 'not a ledger\n'.repeat(400));
    const broken = await start({ env: { TALLY_SMOKE: '1' }, db: garbage });
    expect(await broken.api.exited()).toBe(1);
    expect(broken.api.errors).toEqual([]);
  });
});

describe('Electron main: a kiosk computer (--kiosk)', () => {
  const KIOSK_FRAME = { url: `${APP_ORIGIN}/index.html#/kiosk`, isMainFrame: true };

  it('opens only the kiosk window, and the real host holds it to the kiosk’s methods', async () => {
    const primary = { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } };
    const second = { id: 2, bounds: { x: 1920, y: 0, width: 1280, height: 1024 } };
    const db = ledgerFile();
    const { api, cashier: kiosk } = await start({ db, argv: ['dist/electron/main/index.js', '--db', db, '--kiosk'], configure: (a) => (a.displayList = { all: [primary, second], primary }) });
    // No cashier, no customer display: one window, the kiosk, in Electron's kiosk mode.
    expect(api.windows).toHaveLength(1);
    expect(kiosk.loaded).toEqual(['app://tally/index.html#/kiosk']);
    expect(kiosk.options).toMatchObject({ kiosk: true, fullscreen: true, webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false } });
    await hostReady(api);
    const checkout = { id: 'k1', name: 'checkout-commit', args: { card: CARD, txnId: 'KIOSK-1', basket: { currency: 'KRW', lines: [{ sku: 'A', quantity: 1, unitPrice: 50_000 }] } } };
    post(api, kiosk, checkout, KIOSK_FRAME);
    expect(await kiosk.contents.waitFor(withId('k1'))).toMatchObject({ type: 'error', id: 'k1', error: { code: 'not-allowed' } });
    // Its page showing another route changes nothing: main tagged the window, not the page.
    post(api, kiosk, { id: 'k2', name: 'adjust', args: { card: CARD, points: 500, reason: 'free points', txnId: 'ADJ-K' } }, CASHIER_FRAME);
    expect(await kiosk.contents.waitFor(withId('k2'))).toMatchObject({ type: 'error', id: 'k2', error: { code: 'not-allowed' } });
    post(api, kiosk, { id: 'k3', name: 'kiosk-member', args: { card: CARD } }, KIOSK_FRAME);
    const member = (await kiosk.contents.waitFor(withId('k3'))) as { type: string; result: { name: string; balance: number; history: unknown[] } };
    expect(member).toMatchObject({ type: 'reply', result: { name: 'K** M****' } });
    // Only the enrolment's welcome bonus: nothing the kiosk tried was booked.
    expect(member.result.history).toHaveLength(1);
  });
});

/**
 * The desktop app's main process, as logic over the Electron seam (electron-api.ts): one instance
 * per user (a second start brings the first window forward), the screens from the app's own
 * protocol with a strict CSP, hardened windows, the terminal host in a utility process with the
 * relay between them, the customer display on a second monitor, start at login as a setting, and
 * a dialog (not a stack trace) when the host cannot start.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { APP_SCHEME, POST_CHANNEL } from './app-origin.js';
import { serveAppRequest } from './app-protocol.js';
import { parseDesktopArgs } from './args.js';
import type { ElectronApi, Timers, WindowApi } from './electron-api.js';
import { HostSupervisor, type SupervisorTimings } from './host-supervisor.js';
import { Relay } from './relay.js';
import { applyStartAtLogin, readSettings, writeSettings } from './settings.js';
import { DEFAULT_SMOKE_CARD, SMOKE_CARD_ENV, SMOKE_ENV, SmokeRun } from './smoke.js';
import { hostFailedText, languageOf, notBuiltText } from './texts.js';
import { allowPermission, allowPermissionCheck, allowRequest, cashierWindow, customerDisplay, customerWindow, harden, kioskWindow, type WindowPlan } from './windows.js';
import type { ConnectionRole } from '../../src/contract/roles.js';

export interface AppPaths {
  /** dist/electron/preload/index.cjs */
  readonly preload: string;
  /** dist/ui/terminal: the screens' files. */
  readonly uiRoot: string;
  /** dist/src/terminal/hosts/electron/utility-entry.js */
  readonly hostEntry: string;
}

/** Where the built app's files are, under the app's root (the checkout, or app.asar when installed). */
export function appPaths(root: string): AppPaths {
  return {
    preload: path.join(root, 'dist', 'electron', 'preload', 'index.cjs'),
    uiRoot: path.join(root, 'dist', 'ui', 'terminal'),
    hostEntry: path.join(root, 'dist', 'src', 'terminal', 'hosts', 'electron', 'utility-entry.js'),
  };
}

export interface DesktopOptions {
  readonly paths: AppPaths;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  readonly homedir: string;
  /** Tally's data folder (bin/data-dir.js), where desktop.json lives beside the default ledger. */
  readonly dataDir: string;
  readonly defaultDb: string;
  /** How the system starts this app again (for start at login). */
  readonly launchCommand: readonly string[];
  readonly timers: Timers;
  readonly now: () => number;
  readonly log: (line: string) => void;
  readonly timings?: Partial<SupervisorTimings>;
}

export interface Desktop {
  readonly db: string;
  readonly relay: Relay;
  readonly supervisor: HostSupervisor;
  /** Tally's windows that are open, the cashier's first. */
  windows(): readonly WindowApi[];
  /** Closes the host, then ends the app with `code`; the same promise for every caller. */
  shutdown(code: number): Promise<void>;
}

/** Runs the app; resolves once it is up (null when another instance runs or the app's files are missing). */
export async function runDesktop(api: ElectronApi, options: DesktopOptions): Promise<Desktop | null> {
  const { log } = options;
  const args = parseDesktopArgs(options.argv);
  if (!api.requestSingleInstanceLock()) {
    log('Tally is already running: its window was brought to the front.');
    api.quit();
    return null;
  }
  // Before ready (Electron's rule): the app's scheme is standard (a real origin) and secure (the camera needs a secure context).
  api.registerAppScheme(APP_SCHEME);
  const open = new Map<number, WindowApi>();
  let cashier: WindowApi | null = null;
  api.onSecondInstance(() => {
    if (cashier === null || cashier.isDestroyed()) return;
    if (cashier.isMinimized()) cashier.restore();
    cashier.show();
    cashier.focus();
  });

  await api.whenReady();
  api.removeMenu();
  const language = languageOf(api.locale());

  const missing = [options.paths.preload, path.join(options.paths.uiRoot, 'index.html'), options.paths.hostEntry].find((file) => !existsSync(file));
  if (missing !== undefined) {
    const text = notBuiltText(language, missing);
    api.showError(text.title, text.body);
    api.exit(1);
    return null;
  }

  let settings = readSettings(options.dataDir, log);
  if (args.startAtLogin !== undefined && args.startAtLogin !== settings.startAtLogin) {
    settings = { ...settings, startAtLogin: args.startAtLogin };
    writeSettings(options.dataDir, settings);
  }
  try {
    applyStartAtLogin(api, settings.startAtLogin, { platform: options.platform, env: options.env, homedir: options.homedir, command: options.launchCommand });
  } catch (error) {
    log(`tally app: could not change start at login: ${error instanceof Error ? error.message : String(error)}`);
  }

  api.handleProtocol(APP_SCHEME, (request) => serveAppRequest(request, options.paths.uiRoot));
  api.setPermissionHandlers(allowPermission, allowPermissionCheck);
  api.filterRequests(allowRequest);
  api.onContentsCreated((contents) => harden(contents, log));

  const db = args.db ?? options.defaultDb;
  let shuttingDown: Promise<void> | null = null;
  const shutdown = (code: number): Promise<void> => {
    shuttingDown ??= (async () => {
      await supervisor.stop('the app is closing');
      api.exit(code);
    })();
    return shuttingDown;
  };

  const smoke =
    options.env[SMOKE_ENV] === '1'
      ? new SmokeRun({ card: options.env[SMOKE_CARD_ENV] ?? DEFAULT_SMOKE_CARD, timers: options.timers, log, finish: (code) => void shutdown(code) })
      : null;

  // The relay and the supervisor refer to each other: the supervisor's events go to the relay, the relay sends through the supervisor.
  let relay: Relay | null = null;
  const supervisor = new HostSupervisor(
    api,
    { entry: options.paths.hostEntry, db, env: options.env, timers: options.timers, now: options.now, log, ...(options.timings ? { timings: options.timings } : {}) },
    {
      onReady: ({ demo, setup }) => log(setup ? `tally app: no terminal database at ${db} yet: the window shows the setup screen` : `tally app: terminal host ready (${db}${demo ? ', DEMO terminal' : ''})`),
      onFailed: (failure) => {
        log(`tally app: the terminal host cannot start: ${failure.code}: ${failure.message}`);
        if (smoke !== null) {
          smoke.fail(`the terminal host cannot start: ${failure.code}: ${failure.message}`);
          return;
        }
        // Shutdown first, so the windows closing below do not end the app as a normal close (exit 0).
        void shutdown(1);
        for (const window of open.values()) if (!window.isDestroyed()) window.close();
        const text = hostFailedText(language, db, failure);
        api.showError(text.title, text.body);
      },
      onDown: ({ reason }) => relay?.hostDown(reason),
      onMessage: (message) => relay?.fromHost(message),
    },
  );
  const theRelay = new Relay(supervisor, log);
  relay = theRelay;
  if (smoke !== null) theRelay.observe((reply) => smoke.observed(reply));
  api.onIpc(POST_CHANNEL, (senderId, frame, message) => theRelay.fromRenderer(senderId, frame, message));

  const show = (plan: WindowPlan, focus: boolean, role: ConnectionRole = 'counter'): WindowApi => {
    const window = api.createWindow(plan.options);
    const id = window.contents.id;
    open.set(id, window);
    theRelay.addWindow(window.contents, role);
    window.onReadyToShow(() => (focus ? window.show() : window.showInactive()));
    window.onClosed(() => {
      open.delete(id);
      theRelay.removeWindow(id);
    });
    window.contents.onRenderProcessGone((reason) => {
      // A crashed page shows nothing: load it again (the host and the ledger are not affected).
      log(`tally app: a window's page stopped (${reason}); loading it again`);
      if (!window.isDestroyed()) void window.loadURL(plan.url).catch((error: unknown) => log(`tally app: could not reload ${plan.url}: ${String(error)}`));
    });
    void window.loadURL(plan.url).catch((error: unknown) => log(`tally app: could not load ${plan.url}: ${String(error)}`));
    return window;
  };

  const devTools = !api.isPackaged;
  if (args.kiosk === true) {
    // A kiosk computer has one window, the kiosk, and no cashier or customer display to open from it.
    cashier = show(kioskWindow(options.paths.preload, devTools), true, 'kiosk');
    cashier.onClosed(() => void shutdown(0));
  } else {
    cashier = show(cashierWindow(options.paths.preload, devTools), true);
    // The counter's app is its cashier window: closing it closes Tally (and the customer display with it).
    cashier.onClosed(() => void shutdown(0));
    smoke?.attach(cashier);
    const display = customerDisplay(api.displays());
    if (display !== null) show(customerWindow(options.paths.preload, devTools, display), false);
  }

  api.onWindowAllClosed(() => void shutdown(0));
  api.onBeforeQuit((event) => {
    // The host closes the ledger (checkpointed) before the app ends; api.exit then skips this event.
    event.preventDefault();
    void shutdown(0);
  });
  supervisor.start();

  return {
    db,
    relay: theRelay,
    supervisor,
    windows: () => [...open.values()],
    shutdown,
  };
}

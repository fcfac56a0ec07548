/**
 * Electron's main script (dist/electron/main/index.js): what `npm start` runs when Electron's
 * binary is installed (bin/start.js), and the installed app's `main` (electron-builder.yml).
 * Wires the real Electron and the real world into runDesktop; everything else is in desktop.ts.
 *
 * Hazard (ESM main): only what runs before the first `await` is guaranteed to run before the app's
 * `ready` event; runDesktop registers the app's scheme before it awaits anything.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { dataDirectory, defaultDatabasePath } from '../../bin/data-dir.js';
import { appPaths, runDesktop } from './desktop.js';
import { realElectron } from './electron-real.js';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

// dist/electron/main/index.js → the app's root: the checkout, or app.asar when installed.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const api = realElectron();
// Started again at login the way it was started now: the AppImage file itself (its mount point
// changes at every start), the installed executable, or Electron with this script in a checkout.
const launchCommand = api.isPackaged ? [process.env['APPIMAGE'] ?? process.execPath] : [process.execPath, fileURLToPath(import.meta.url)];

runDesktop(api, {
  paths: appPaths(root),
  argv: process.argv.slice(1),
  env: process.env,
  platform: process.platform,
  homedir: os.homedir(),
  dataDir: dataDirectory(),
  defaultDb: defaultDatabasePath(),
  launchCommand,
  timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout) },
  now: () => Date.now(),
  log,
}).catch((error: unknown) => {
  // A fault of Tally itself: the person sees a sentence, the log gets the stack.
  log(`tally app: unexpected error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  api.showError('Tally', `Tally stopped because of an unexpected error. Start it from a terminal (npm start) to see the details.\n\nTally가 예기치 않은 오류로 멈췄습니다. 터미널에서 npm start로 시작하면 자세한 내용이 표시됩니다.`);
  api.exit(1);
});

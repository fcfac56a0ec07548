#!/usr/bin/env node
// `npm start`: open Tally in the best way this machine allows.
//   1. the Electron app, when it is built (dist/electron/main/index.js) and Electron's binary is
//      present, or can be fetched once now (npm ci runs with Electron's install script denied);
//   2. else the browser host (dist/src/terminal/hosts/browser-host.js), when it is built;
//   3. else a getting-started text for the `tally` CLI.
// Arguments after `npm start --` are passed to Electron or the browser host.
// Env: TALLY_NO_ELECTRON_DOWNLOAD=1 skips the download attempt.
// Hazard: never `import 'electron'` here: its index.js downloads synchronously, without a timeout.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDatabasePath } from './data-dir.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = path.join(root, 'node_modules', 'electron');
const electronMain = path.join(root, 'dist', 'electron', 'main', 'index.js');
const browserHost = path.join(root, 'dist', 'src', 'terminal', 'hosts', 'browser-host.js');
const DOWNLOAD_TIMEOUT_MS = 60_000;

const args = process.argv.slice(2);

/** The Electron executable if path.txt names an existing file inside node_modules/electron/dist. */
function electronBinary() {
  try {
    const relative = readFileSync(path.join(electronDir, 'path.txt'), 'utf8').trim();
    if (relative === '') return undefined;
    const distDir = path.join(electronDir, 'dist');
    const binary = path.resolve(distDir, relative);
    if (!binary.startsWith(distDir + path.sep)) return undefined;
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs Electron's own install.js once, killed after DOWNLOAD_TIMEOUT_MS.
 * Resolves with undefined on success or a one-line reason; never rejects.
 * @returns {Promise<string | undefined>}
 */
function fetchElectronOnce() {
  const installJs = path.join(electronDir, 'install.js');
  if (!existsSync(installJs)) return Promise.resolve('node_modules/electron is not installed');
  return new Promise((resolve) => {
    const posix = process.platform !== 'win32';
    let stderr = '';
    let settled = false;
    const finish = (reason) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(reason);
    };
    // Own process group on POSIX so a timeout kills the downloader and anything it started.
    const child = spawn(process.execPath, [installJs], {
      cwd: electronDir,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: posix,
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      if (stderr.length < 64_000) stderr += chunk;
    });
    const timer = setTimeout(() => {
      try {
        if (posix && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
      finish(`timed out after ${DOWNLOAD_TIMEOUT_MS / 1000} s`);
    }, DOWNLOAD_TIMEOUT_MS);
    child.on('error', (error) => finish(error.message));
    child.on('close', (code, signal) => {
      if (code === 0) return finish(undefined);
      const firstLine = stderr.split('\n').map((line) => line.trim()).find((line) => line !== '');
      const why = firstLine ?? (signal ? `killed by ${signal}` : `exit code ${code}`);
      finish(why.length > 160 ? `${why.slice(0, 157)}...` : why);
    });
  });
}

/** Runs a child with our stdio, forwards Ctrl-C / SIGTERM to it, and exits with its status. */
function runAndExitWith(command, commandArgs, env = process.env) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', env });
  const forward = (signal) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, forward);
  child.on('error', (error) => {
    console.error(`Could not start ${path.relative(root, command) || command}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/** @returns {Promise<string | undefined>} the Electron binary to use, or undefined (with a line printed why). */
async function electronReady() {
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) {
    console.log('No display (DISPLAY and WAYLAND_DISPLAY are unset): not starting the Electron app.');
    return undefined;
  }
  const present = electronBinary();
  if (present) return present;
  if (process.env['TALLY_NO_ELECTRON_DOWNLOAD']) {
    console.log("Electron's binary is not installed (TALLY_NO_ELECTRON_DOWNLOAD is set, not fetching it).");
    return undefined;
  }
  console.log(`Fetching Electron's binary (once, at most ${DOWNLOAD_TIMEOUT_MS / 1000} s)...`);
  const failure = await fetchElectronOnce();
  const fetched = electronBinary();
  if (fetched) return fetched;
  console.log(
    `Electron's binary could not be downloaded (${failure ?? 'install.js wrote no binary'}); ` +
      'this is expected where its release host is unreachable.',
  );
  return undefined;
}

function printGettingStarted() {
  const rel = (file) => path.relative(root, file).split(path.sep).join('/');
  const why = existsSync(electronMain)
    ? `the Electron app cannot start here and ${rel(browserHost)} is not built`
    : `${rel(electronMain)} and ${rel(browserHost)} are not built; \`npm run build\` builds what exists`;
  console.log(`Tally: no app window to open (${why}).
Meanwhile the \`tally\` command line runs the terminal.

Default database (your user data folder; \`--db <file>\` chooses another):
  ${defaultDatabasePath()}

Create it as a demo terminal, with the example program (it trusts a demo key whose secret is
published with Tally: never for a real store; see the README's Security section):
  npm run tally -- init --demo --program resources/programs/classic-krw.json --store STORE-1 --terminal LANE-1

Then try:
  npm run tally -- member add --card 2900000000018 --name "Kim Minji"
  npm run tally -- checkout --card 2900000000018 --amount 45000 --txn POS-0001
  npm run tally -- balance --card 2900000000018
  npm run tally -- --help`);
}

async function main() {
  if (existsSync(electronMain)) {
    const binary = await electronReady();
    if (binary) {
      if (process.platform === 'linux' && process.getuid?.() === 0 && !args.includes('--no-sandbox')) {
        console.log('Note: Electron refuses to run as root without --no-sandbox (npm start -- --no-sandbox).');
      }
      const env = { ...process.env };
      delete env['ELECTRON_RUN_AS_NODE'];
      runAndExitWith(binary, [electronMain, ...args], env);
      return;
    }
  }
  if (existsSync(browserHost)) {
    console.log(`Starting the browser host (${path.relative(root, browserHost)}).`);
    runAndExitWith(process.execPath, [browserHost, ...args]);
    return;
  }
  printGettingStarted();
}

main().catch((error) => {
  // Nothing above should throw; if it does, still leave the user with something useful.
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  printGettingStarted();
});

/**
 * The module Electron's main process starts with `utilityProcess.fork` (dist/src/terminal/hosts/electron/utility-entry.js):
 * the terminal host, serving the app's windows over the parent port. The ledger's path comes in
 * HOST_DB_ENV. Also runs under `child_process.fork` (a Node IPC channel), which is how it is tested.
 *
 * Its log (faults of Tally, with their stack) is stderr, which Electron passes through to main's.
 */
import { fileURLToPath } from 'node:url';
import { untilSignal } from '../app.js';
import { electronParentPort, HOST_DB_ENV, nodeIpcPort } from './port-protocol.js';
import { runUtilityHost } from './utility-host.js';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const port = electronParentPort(process) ?? nodeIpcPort(process);
if (port === null) {
  log('tally host: utility-entry.js is started by the Tally app (Electron) or by child_process.fork with an IPC channel; to run the host by hand use `tally host`');
  process.exit(2);
}
// dist/src/terminal/hosts/electron/ → the app's root (the checkout, or app.asar when installed).
const programsDir = fileURLToPath(new URL('../../../../../resources/programs', import.meta.url));
const code = await runUtilityHost(port, { db: process.env[HOST_DB_ENV], log, programsDir, signal: untilSignal() });
// The parent port keeps the event loop alive, so the process ends here rather than when idle.
process.exit(code);

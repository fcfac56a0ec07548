#!/usr/bin/env node
// The `tally-server` CLI (`npm run server -- …` or `npx tally-server …`): the central server and its
// administration. The compiled code lives in dist/, built by `npm ci` (the prepare script) or
// `npm run build`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'src', 'server', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('tally-server: not built yet; run `npm run build` (npm ci does it for you)\n');
  process.exit(2);
}
const { runServerCli } = await import(pathToFileURL(entry).href);
const { defaultDataDirectory } = await import(pathToFileURL(path.join(root, 'dist', 'src', 'server', 'cli', 'files.js')).href);
// Output that cannot be delivered (a reader that went away; a full disk under a redirect) is not an
// error of the command: output stops, the exit status stays the command's.
const closed = { stdout: false, stderr: false };
for (const name of ['stdout', 'stderr']) {
  process[name].on('error', () => {
    closed[name] = true;
  });
}
const write = (name, text) => {
  if (!closed[name]) process[name].write(text.endsWith('\n') ? text : `${text}\n`);
};
const code = await runServerCli(process.argv.slice(2), {
  stdout: (text) => write('stdout', text),
  stderr: (text) => write('stderr', text),
  defaultDataDir: defaultDataDirectory(),
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;

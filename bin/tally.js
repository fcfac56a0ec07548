#!/usr/bin/env node
// The `tally` CLI (`npm run tally -- …` or `npx tally …`). The compiled code lives in dist/,
// built by `npm ci` (the prepare script) or `npm run build`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defaultDatabasePath } from './data-dir.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'src', 'terminal', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('tally: not built yet; run `npm run build` (npm ci does it for you)\n');
  process.exit(2);
}
const { runCli } = await import(pathToFileURL(entry).href);
// Output that cannot be delivered (a reader that went away: `tally … | head -c1`; a full disk under a
// redirect) is not an error of the command, which may already have committed: output stops, the
// exit status stays the command's.
const closed = { stdout: false, stderr: false };
for (const name of ['stdout', 'stderr']) {
  process[name].on('error', () => {
    closed[name] = true;
  });
}
const write = (name, text) => {
  if (!closed[name]) process[name].write(text.endsWith('\n') ? text : `${text}\n`);
};
const code = await runCli(process.argv.slice(2), {
  stdout: (text) => write('stdout', text),
  stderr: (text) => write('stderr', text),
  defaultDatabasePath: defaultDatabasePath(),
  cwd: process.cwd(),
  env: process.env,
  // PINs come on standard input (never on the command line, where other users and shell history see them).
  readStdin: async () => {
    if (process.stdin.isTTY) process.stderr.write('(type it, then Enter and Ctrl-D)\n');
    const chunks = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      size += chunk.length;
      if (size > 4096) break;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8').slice(0, 4096);
  },
});
process.exitCode = code;

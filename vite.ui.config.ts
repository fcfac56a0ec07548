/**
 * Builds the terminal's screens (src/ui/terminal) into dist/ui/terminal: index.html and hashed
 * assets, with relative URLs so the same files load from the browser host's HTTP server and from
 * disk in Electron. `npm run build` (and `prepare`) run it after `tsc -b`, which type-checks the UI;
 * `npm test` runs it before the tests.
 *
 * CSP: the output must run under `script-src 'self'; style-src 'self'`: no inline script (the
 * module-preload polyfill is off: Chromium and Electron preload modules natively) and no asset
 * inlined as a data: URL.
 *
 * The build also leaves a digest of the sources it was made from (dist/ui/terminal.sources), so
 * tests can refuse to drive a build older than the code (tests/support/browser-host.ts).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** What the screens are built from: the UI and the layers it may import, and this file. */
const SOURCE_DIRS = ['src/ui', 'src/core', 'src/contract'];

/** A digest of every source file the build may read (tests are not part of it). */
export function uiSourceDigest(root = fromRoot('./')): string {
  const hash = createHash('sha256');
  const files: string[] = [join(root, 'vite.ui.config.ts')];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!/\.test\.tsx?$/.test(entry.name)) files.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) walk(join(root, dir));
  for (const file of files.sort()) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

export const UI_SOURCES_STAMP = fromRoot('./dist/ui/terminal.sources');

export default defineConfig({
  root: fromRoot('./src/ui/terminal/'),
  base: './',
  publicDir: false,
  logLevel: 'warn',
  clearScreen: false,
  // JSX through Vite's built-in Oxc transform: React 19's automatic runtime, no plugin.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: fromRoot('./dist/ui/terminal/'),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
    // Chromium of Electron 45 and Debian's: no down-levelling needed.
    target: 'chrome120',
  },
  plugins: [
    {
      name: 'tally-ui-sources-stamp',
      apply: 'build',
      closeBundle() {
        writeFileSync(UI_SOURCES_STAMP, `${uiSourceDigest()}\n`);
      },
    },
  ],
});

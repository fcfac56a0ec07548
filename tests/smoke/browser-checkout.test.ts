/**
 * One checkout end to end on the Node.js line under test: the browser host (what `npm start` runs
 * where Electron cannot) serving the built cashier screen to headless Chromium, over a real SQLite
 * ledger made with the CLI. A card typed in, the amount, Enter (preview), Enter (confirm); the host
 * books it, and the ledger says so after a clean stop.
 *
 * The screens are built by `npm run build` once its script runs `vite build` (directly or through
 * `npm run build:ui`). From then on a build without dist/src/terminal/hosts/browser-host.js and
 * dist/ui/terminal/index.html fails here. Before that, `npm start` has no window to open and must say
 * how to run the terminal from the CLI instead, which is what this test then checks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { launchChromium } from '../support/browser.js';
import { startPrinting, type Exit } from '../support/host-process.js';
import { CLI_ENV, REPO, tempDir } from '../support/ledger-fixture.js';
import { realCounter } from '../support/real-counter.js';

const BROWSER_HOST = join(REPO, 'dist', 'src', 'terminal', 'hosts', 'browser-host.js');
const SCREENS = join(REPO, 'dist', 'ui', 'terminal', 'index.html');
const CARD = '2900000000018';

const { dir, cleanup } = tempDir('tally-smoke-browser-');
afterAll(cleanup);
const { tally, ok } = realCounter(dir);

const packageJson = z.object({ scripts: z.record(z.string(), z.string()) });

/** Whether `npm run build` builds the screens: its script, or one it runs with `npm run`, runs `vite build`. */
function buildMakesScreens(): boolean {
  const { scripts } = packageJson.parse(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')));
  const queue = ['build'];
  const seen = new Set<string>();
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const script = scripts[name] ?? '';
    if (/\bvite\s+build\b/.test(script)) return true;
    for (const run of script.matchAll(/\bnpm run ([\w:.-]+)/g)) queue.push(run[1]!);
  }
  return false;
}

const ui = { promised: buildMakesScreens(), browserHost: existsSync(BROWSER_HOST), screens: existsSync(SCREENS) };

describe('the browser host in headless Chromium', () => {
  it('is built whenever package.json builds the screens', () => {
    if (ui.promised) expect(ui, 'package.json builds the screens, but the build left them out').toEqual({ promised: true, browserHost: true, screens: true });
    // Screens the build does not make are left over from another build: never test those.
    else expect(ui.screens, `${SCREENS} exists but package.json's build does not make it`).toBe(false);
  });

  it('serves a checkout (until the screens are built: npm start explains the CLI)', async () => {
    if (!ui.browserHost || !ui.screens) {
      expect(ui.promised).toBe(false);
      const env: NodeJS.ProcessEnv = { ...CLI_ENV, TALLY_NO_ELECTRON_DOWNLOAD: '1' };
      delete env['DISPLAY'];
      delete env['WAYLAND_DISPLAY'];
      const start = spawnSync(process.execPath, [join(REPO, 'bin', 'start.js')], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
      expect({ status: start.status, stderr: start.stderr }).toEqual({ status: 0, stderr: '' });
      expect(start.stdout).toMatch(/^Tally: no app window to open/m);
      expect(start.stdout).toContain('npm run tally -- init --demo --program resources/programs/classic-krw.json');
      return;
    }

    const db = join(dir, 'lane-1.sqlite');
    expect(tally(db, ['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'STORE-1', '--terminal', 'LANE-1']).status).toBe(0);
    const before = ok<{ balance: number }>(db, ['member', 'add', '--card', CARD, '--name', 'Kim Minji']).balance;

    const host = await startPrinting([BROWSER_HOST, '--db', db], /Open (http:\/\/127\.0\.0\.1:\d+\/#secret=[A-Za-z0-9_-]+)/, { cwd: dir });
    let browser: Browser | undefined;
    const pageErrors: string[] = [];
    let shownBalance: string;
    let shownTxn: string;
    let exit: Exit;
    try {
      browser = await launchChromium();
      const page = await browser.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(host.printed[1]!);
      await page.locator('[data-screen="waiting"]').waitFor();
      // The card typed by hand: what a scan delivers, without judging a keyboard wedge's timing here.
      await page.locator('#manual-card').fill(CARD);
      await page.locator('#manual-card').press('Enter');
      await page.locator('#amount:focus').waitFor();
      await page.keyboard.type('45000');
      await page.keyboard.press('Enter');
      await page.locator('[data-screen="preview"]').waitFor();
      await page.keyboard.press('Enter');
      await page.locator('[data-screen="result"]').waitFor();
      shownBalance = await page.locator('[data-testid="result-balance"]').innerText();
      shownTxn = await page.locator('[data-testid="result-txn"]').innerText();
    } finally {
      await browser?.close();
      exit = await host.stop();
    }
    expect(exit.code, exit.stderr).toBe(0);
    expect(pageErrors).toEqual([]);

    // What the screen showed is what the ledger booked.
    const after = ok<{ balance: number }>(db, ['balance', '--card', CARD]).balance;
    expect(after).toBeGreaterThan(before);
    expect(shownBalance.replace(/\D/g, '')).toBe(String(after));
    const history = ok<{ entries: readonly { posTxnId: string | null; kind: string }[] }>(db, ['history', '--card', CARD]);
    expect(history.entries.some((entry) => entry.posTxnId === shownTxn.trim() && entry.kind === 'earn')).toBe(true);
    expect(ok<{ ok: boolean }>(db, ['verify']).ok).toBe(true);
  });
});

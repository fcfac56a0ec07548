/**
 * The cashier's camera button (F10) for real: headless Chromium with its fake camera playing a Y4M
 * clip of a member's QR code (issued by `tally qr issue` with the demo program key), the browser
 * host on a real SQLite file, and the code the camera reads going through the same scan path as a
 * scanner's: the member is shown. Without a camera (Chromium with no fake device) the panel says
 * what to do; that panel is captured in English and Korean and checked with axe-core.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { assertUiBuilt, startBrowserHost, type RunningBrowserHost } from '../support/browser-host.js';
import { REPO, tempDir } from '../support/ledger-fixture.js';
import { cameraFrame, y4m } from '../support/qr-images.js';
import { CashierPage } from './pages/cashier-page.js';
import { tallyAt } from '../support/counter-cli.js';

const KIM = '2900000000315'; // EAN-13 with its check digit

const { dir, cleanup } = tempDir('tally-camera-e2e-');
const db = join(dir, 'camera.sqlite');

let host: RunningBrowserHost;
let browser: Browser;
let cashier: CashierPage;

const tally = tallyAt(db, dir);

beforeAll(async () => {
  assertUiBuilt();
  tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'plus-membership-charity.json'), '--store', 'STORE-4', '--terminal', 'LANE-3']);
  tally(['member', 'add', '--card', KIM, '--name', 'Kim Minji']);
  const { token } = JSON.parse(tally(['qr', 'issue', '--card', KIM, '--signing-key', join(REPO, 'resources', 'keys', 'demo-program-signing-key.json'), '--json'])) as { token: string };
  // The code held up in slightly different light each frame, as a phone in a hand gives.
  const frames = [0, 1, 2, 3].map((i) => cameraFrame(token, { moduleSize: 4, angle: 6 + i, center: [0.5 + i * 0.01, 0.5], noise: 4, seed: i + 1 }));
  const clip = join(dir, 'member-qr.y4m');
  writeFileSync(clip, y4m(frames, 10));
  host = await startBrowserHost({ db, cwd: dir });
  browser = await launchChromium({ args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${clip}`] });
  cashier = await CashierPage.open(browser, host.url);
}, 120_000);

afterAll(async () => {
  await cashier?.close();
  await browser?.close();
  await host?.stop();
  cleanup();
});

describe('the camera button on the cashier screen', () => {
  it("F10 opens the camera; the member's QR code it reads shows the member, as a scan would", async () => {
    expect(await cashier.page.getByTestId('key-camera').isEnabled()).toBe(true);
    await cashier.press('F10');
    await cashier.page.locator('[data-screen="camera"]').waitFor();
    await cashier.amountForm().waitFor({ timeout: 60_000 });
    expect(await cashier.memberName()).toBe('K** M****');
    expect(await cashier.memberBalance()).toBe((JSON.parse(tally(['balance', '--card', KIM, '--json'])) as { balance: number }).balance);
    expect(await cashier.cspViolations()).toEqual([]);
  });

  it('without a camera the panel says so and what to do; Esc goes back to waiting', async () => {
    const plain = await launchChromium();
    try {
      const page = await CashierPage.open(plain, host.url);
      try {
        await page.press('F10');
        await page.page.locator('[data-screen="camera"][data-state="not-found"]').waitFor();
        await page.page.getByText('No camera found').waitFor();
        expect(await page.capture('camera-none')).toEqual([]);
        await page.press('Escape');
        await page.waiting().waitFor();
      } finally {
        await page.close();
      }
    } finally {
      await plain.close();
    }
  });
});

/**
 * The first start end to end: the real browser host (what `npm start` runs) on an EMPTY data folder,
 * headless Chromium on the address it printed. The page opens the setup screen; the demo path needs
 * only the manager's PIN typed (twice); the host creates the demo store and serves the terminal on
 * the same connection, and the page moves on to the cashier screen, where a demo member's card
 * checks out. Screens in English and Korean under .ci/artifacts/screens/, checked with axe-core.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { assertUiBuilt, startBrowserHost, type RunningBrowserHost } from '../support/browser-host.js';
import { CLI_ENV, REPO, tempDir } from '../support/ledger-fixture.js';
import { SetupPage } from './pages/setup-page.js';

/** A member of the demo store (src/terminal/setup/demo-store.ts). */
const DEMO_CARD = '2900000000018';

const { dir, cleanup } = tempDir('tally-setup-e2e-');
const folder = join(dir, 'data');
const db = join(folder, 'tally.sqlite');

let host: RunningBrowserHost;
let browser: Browser;
let setup: SetupPage;
let startedAt = 0;
const a11y: string[] = [];

beforeAll(async () => {
  assertUiBuilt();
  browser = await launchChromium();
  startedAt = Date.now();
  host = await startBrowserHost({ db, cwd: dir });
  setup = await SetupPage.open(browser, host.url);
}, 120_000);

afterAll(async () => {
  await setup?.cashier.close();
  await browser?.close();
  await host?.stop();
  cleanup();
});

describe('first start in Chromium: setup demo, then the cashier screen', () => {
  it('shows the demo path prefilled: the example programs, DEMO-1 / LANE-1, a demo store, a manager', async () => {
    expect(existsSync(folder) ? readdirSync(folder) : []).toEqual([]);
    expect(await setup.programs()).toEqual(['classic-krw', 'plus-membership-charity', 'sporting-goods-usd']);
    expect(await setup.value('setup-store')).toBe('DEMO-1');
    expect(await setup.value('setup-terminal')).toBe('LANE-1');
    expect(await setup.value('setup-zone')).toBe('Asia/Seoul');
    expect(await setup.value('setup-manager-id')).toBe('manager');
    expect(await setup.seedChecked()).toBe(true);
    expect(await setup.cashier.focusedId()).toBe('setup-pin');
    a11y.push(...(await setup.cashier.capture('setup')));
  });

  it('two different PINs are refused at the field; a weak PIN is refused by the host and creates nothing', async () => {
    await setup.typePinsAndSubmit('4827', '4828');
    await setup.pinMismatch().waitFor();
    await setup.cashier.page.locator('#setup-pin').fill('');
    await setup.cashier.page.locator('#setup-pin').focus();
    await setup.typePinsAndSubmit('1234');
    await setup.cashier.error('invalid-input').waitFor();
    expect(existsSync(db)).toBe(false);
    a11y.push(...(await setup.cashier.capture('setup-error')));
  });

  it('a good PIN sets the demo store up and opens the cashier screen, where a demo card checks out', async () => {
    const cashier = setup.cashier;
    await cashier.page.locator('#setup-pin').fill('');
    await cashier.page.locator('#setup-pin').focus();
    await setup.typePinsAndSubmit('4827');
    await cashier.waiting().waitFor({ timeout: 60_000 });
    expect(setup.hash()).toBe('#/cashier');
    await expect(cashier.page.getByTestId('identity').innerText()).resolves.toContain('store DEMO-1');
    await cashier.scan(DEMO_CARD);
    await cashier.amountForm().waitFor();
    const before = await cashier.memberBalance();
    await cashier.typeSlowly('45000');
    await cashier.press('Enter');
    await cashier.preview().waitFor();
    const earned = await cashier.previewEarned();
    expect(earned).toBeGreaterThan(0);
    await cashier.press('Enter');
    await cashier.result().waitFor();
    const seconds = (Date.now() - startedAt) / 1000;
    expect(await cashier.resultBalance()).toBe(before + earned);
    console.log(`first start to a booked checkout: ${seconds.toFixed(1)} s (host start, setup, scan, checkout)`);
    const balance = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, 'balance', '--card', DEMO_CARD, '--json'], { cwd: dir, encoding: 'utf8', env: CLI_ENV });
    expect((JSON.parse(balance.stdout) as { balance: number }).balance).toBe(before + earned);
    expect(await cashier.cspViolations()).toEqual([]);
  });

  it('no screen has a serious or critical accessibility problem', () => {
    expect(a11y).toEqual([]);
  });
});

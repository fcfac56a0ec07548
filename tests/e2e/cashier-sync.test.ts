/**
 * The cashier screen of a terminal enrolled with a real server (a `tally-server` process; its
 * program is in US dollars): the status bar follows the host's `sync-state` pushes. Online at
 * start; the server stopped, a checkout still books, and the screen says since when the terminal
 * is offline and how many entries wait; the server back, the next checkout sends them, and it says
 * online again.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { assertUiBuilt, startBrowserHost, type RunningBrowserHost } from '../support/browser-host.js';
import { SyncWorld } from '../support/sync-world.js';
import { CashierPage } from './pages/cashier-page.js';

let world: SyncWorld;
let host: RunningBrowserHost;
let browser: Browser;
let cashier: CashierPage;
const a11y: string[] = [];

beforeAll(async () => {
  assertUiBuilt();
  world = await SyncWorld.start({ label: 'ui-sync', terminals: 1 });
  host = await startBrowserHost({ db: world.terminals[0]!.db, cwd: world.dir });
  browser = await launchChromium();
  cashier = await CashierPage.open(browser, host.url);
}, 120_000);

afterAll(async () => {
  await cashier?.close();
  await browser?.close();
  await host?.stop();
  await world?.close();
});

describe('the sync state on the cashier screen', () => {
  it('says online, then offline since when with the entries waiting while the server is away, then online again', async () => {
    const sync = cashier.page.getByTestId('sync-state');
    await sync.getByText('Online', { exact: true }).waitFor({ timeout: 30_000 });

    const card = world.newCard();
    const enrolled = await world.tally(world.terminals[0]!.db, ['member', 'add', '--card', card, '--name', 'Alex Morgan']);
    expect(enrolled.status).toBe(0);
    const port = world.serverPort();
    await world.server.stop();

    // The counter does not need the server: the checkout books, and its run of sync fails.
    await cashier.scan(card);
    await cashier.amountForm().waitFor();
    await cashier.typeSlowly('19.99');
    await cashier.press('Enter');
    await cashier.preview().waitFor();
    await cashier.page.getByTestId('preview-amount-due').getByText('$19.99').waitFor();
    await cashier.press('Enter');
    await cashier.result().waitFor();
    await sync.getByText(/^Offline since .+ · Waiting to sync: [1-9]\d*$/).waitFor({ timeout: 30_000 });
    a11y.push(...(await cashier.capture('sync-offline')));

    // The server back: the next booking sends everything at once (the host's backoff would, later).
    await world.startServer(String(port));
    await cashier.scan(card);
    await cashier.amountForm().waitFor();
    await cashier.typeSlowly('5');
    await cashier.press('Enter');
    await cashier.preview().waitFor();
    await cashier.press('Enter');
    await cashier.result().waitFor();
    await sync.getByText('Online', { exact: true }).waitFor({ timeout: 60_000 });
    expect(await sync.innerText()).not.toMatch(/Waiting to sync/);
  });

  it('had no serious or critical accessibility violation', () => {
    expect(a11y).toEqual([]);
  });
});

/**
 * The setup screen's real-store path against a real chain server (a `tally-server` process): the
 * browser host on an EMPTY data folder, headless Chromium on it. A member is enrolled at another
 * terminal (LANE-1, through the CLI) and synced to the server; head office issues a one-time code
 * for LANE-2. On the setup screen, a wrong code and a server out of reach are refused with what they
 * mean (the translated server messages) and create nothing; the right code enrols the terminal, the
 * page moves on to the cashier screen as STORE-12 / LANE-2, and the member from LANE-1 is served
 * there. Screens in English and Korean under .ci/artifacts/screens/, checked with axe-core.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { assertUiBuilt, startBrowserHost, type RunningBrowserHost } from '../support/browser-host.js';
import { STORE, SyncWorld } from '../support/sync-world.js';
import { SetupPage } from './pages/setup-page.js';

let world: SyncWorld;
let host: RunningBrowserHost;
let browser: Browser;
let setup: SetupPage;
let db: string;
let card: string;
const a11y: string[] = [];

/** A loopback port nothing listens on (taken, then let go). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  assertUiBuilt();
  world = await SyncWorld.start({ label: 'ui-setup-enrol', terminals: 1 });
  card = world.newCard();
  const lane1 = world.terminals[0]!.db;
  const added = await world.tally(lane1, ['member', 'add', '--card', card, '--name', 'Jordan Lee']);
  expect(added.status, added.stderr).toBe(0);
  const synced = await world.tally(lane1, ['sync']);
  expect(synced.status, synced.stderr).toBe(0);
  db = join(world.dir, 'LANE-2', 'data', 'tally.sqlite');
  host = await startBrowserHost({ db, cwd: world.dir });
  browser = await launchChromium();
  setup = await SetupPage.open(browser, host.url);
}, 120_000);

afterAll(async () => {
  await setup?.cashier.close();
  await browser?.close();
  await host?.stop();
  await world?.close();
});

describe('setup screen: a real store enrolled with the chain’s server', () => {
  it('offers the server path: its address and a one-time code, then the first manager', async () => {
    await setup.choosePath('server');
    expect(await setup.form().locator('#setup-store').count()).toBe(0);
    a11y.push(...(await setup.cashier.capture('setup-server')));
  });

  it('a code head office never issued is refused with what the server’s refusal means, and nothing is created', async () => {
    // A code of the right shape that head office never issued (one it did, with its last character changed).
    const { code } = world.admin<{ code: string }>('terminal', 'code', '--store', STORE, '--terminal', 'LANE-9');
    const wrong = `${code.slice(0, -1)}${code.endsWith('A') ? 'B' : 'A'}`;
    await setup.fillServer(world.server.url, wrong);
    await setup.fillPinsAndSubmit('4827');
    const refusal = await setup.refusal();
    expect(refusal.code).toBe('proof-refused');
    expect(refusal.message).toMatch(/^The server refused this terminal: the enrolment code is wrong/);
    expect(existsSync(db)).toBe(false);
    a11y.push(...(await setup.cashier.capture('setup-server-refused')));
  });

  it('a server out of reach is said as such (the link, not the disk), and nothing is created', async () => {
    await setup.idle();
    await setup.fillServer(`http://127.0.0.1:${await closedPort()}`, 'whatever');
    await setup.fillPinsAndSubmit('4827');
    await setup.form().locator('[data-error-code="io-error"]').waitFor();
    expect((await setup.refusal()).message).toMatch(/^The server cannot be reached/);
    expect(existsSync(db)).toBe(false);
  });

  it('the right code enrols LANE-2, the cashier screen opens, and it serves the member enrolled at LANE-1', async () => {
    await setup.idle();
    const { code } = world.admin<{ code: string }>('terminal', 'code', '--store', STORE, '--terminal', 'LANE-2');
    await setup.fillServer(world.server.url, code);
    await setup.fillPinsAndSubmit('4827');
    const cashier = setup.cashier;
    await cashier.waiting().waitFor({ timeout: 60_000 });
    expect(setup.hash()).toBe('#/cashier');
    const identity = await cashier.page.getByTestId('identity').innerText();
    expect(identity).toContain(`store ${STORE}`);
    expect(identity).toContain('terminal LANE-2');
    await cashier.scan(card);
    await cashier.amountForm().waitFor({ timeout: 30_000 });
    // Jordan Lee, partly masked as at any counter.
    expect(await cashier.memberName()).toBe('J***** L**');
    expect(await cashier.cspViolations()).toEqual([]);
  });

  it('no screen has a serious or critical accessibility problem', () => {
    expect(a11y).toEqual([]);
  });
});

/**
 * The setup screen's other real-store path: no server yet, a program file signed by head office,
 * chosen with the browser's file picker (the host never opens a path a page names), and the key
 * that verifies it. Head office's side is the real CLI (`tally keys generate`, `tally program
 * sign`). Without a file the screen says so at the field; a key that did not sign the file is
 * refused by the host (nothing created); the right key sets up a terminal that is not a demo, and
 * the cashier screen opens on it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { assertUiBuilt, startBrowserHost, type RunningBrowserHost } from '../support/browser-host.js';
import { CLI_ENV, REPO, tempDir } from '../support/ledger-fixture.js';
import { SetupPage } from './pages/setup-page.js';

const { dir, cleanup } = tempDir('tally-setup-program-e2e-');
const db = join(dir, 'data', 'tally.sqlite');
const signed = join(dir, 'program.signed.json');

let host: RunningBrowserHost;
let browser: Browser;
let setup: SetupPage;
let key: { id: string; publicKey: string };
let otherKey: { id: string; publicKey: string };
const a11y: string[] = [];

function tally(args: string[]): void {
  const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', join(dir, 'hq.sqlite'), ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV });
  if (run.status !== 0) throw new Error(`tally ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
}

beforeAll(async () => {
  assertUiBuilt();
  tally(['keys', 'generate', '--id', 'hq-2026', '--out', join(dir, 'hq-key.json')]);
  tally(['keys', 'generate', '--id', 'hq-2026', '--out', join(dir, 'other-key.json')]);
  // Head office's program: the Korean example with its own member-QR key instead of the published demo one.
  tally(['keys', 'generate', '--id', 'qr-2026', '--out', join(dir, 'qr-key.json')]);
  const qr = JSON.parse(readFileSync(join(dir, 'qr-key.json'), 'utf8')) as { id: string; publicKey: string };
  const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'classic-krw.json'), 'utf8')) as { cardCodes: { verifyKeys: unknown[] } };
  program.cardCodes.verifyKeys = [{ id: qr.id, publicKey: qr.publicKey }];
  writeFileSync(join(dir, 'program.json'), JSON.stringify(program));
  tally(['program', 'sign', '--program', join(dir, 'program.json'), '--signing-key', join(dir, 'hq-key.json'), '--out', signed]);
  key = JSON.parse(readFileSync(join(dir, 'hq-key.json'), 'utf8')) as typeof key;
  otherKey = JSON.parse(readFileSync(join(dir, 'other-key.json'), 'utf8')) as typeof otherKey;
  browser = await launchChromium();
  host = await startBrowserHost({ db, cwd: dir });
  setup = await SetupPage.open(browser, host.url);
}, 120_000);

afterAll(async () => {
  await setup?.cashier.close();
  await browser?.close();
  await host?.stop();
  cleanup();
});

describe('setup screen: a real store from a signed program file', () => {
  it('says at the field when no file was chosen', async () => {
    await setup.choosePath('program');
    const page = setup.cashier.page;
    await page.locator('#setup-key-id').fill(key.id);
    await page.locator('#setup-public-key').fill(key.publicKey);
    await page.locator('#setup-store').fill('S1');
    await page.locator('#setup-terminal').fill('LANE-1');
    await page.locator('#setup-zone').fill('Asia/Seoul');
    await setup.fillPinsAndSubmit('4827');
    await page.getByTestId('setup-file-problem').getByText('Choose the program file first.').waitFor();
    expect(existsSync(db)).toBe(false);
    a11y.push(...(await setup.cashier.capture('setup-program')));
  });

  it('a key that did not sign the file is refused by the host, and nothing is created', async () => {
    const page = setup.cashier.page;
    await page.locator('#setup-program-file').setInputFiles(signed);
    await page.locator('#setup-public-key').fill(otherKey.publicKey);
    await setup.fillPinsAndSubmit('4827');
    const refusal = await setup.refusal();
    expect(refusal).toMatchObject({ code: 'untrusted-program', message: 'The program is not signed by a key this terminal trusts. Ask head office.' });
    // Refused for the key it was given, not for a published demo key.
    expect(await setup.form().locator('.notice-details').textContent()).not.toMatch(/demo/i);
    expect(existsSync(db)).toBe(false);
  });

  it('the right key sets up a real (not demo) terminal and opens the cashier screen', async () => {
    const page = setup.cashier.page;
    await setup.idle();
    await page.locator('#setup-public-key').fill(key.publicKey);
    await setup.fillPinsAndSubmit('4827');
    await setup.cashier.waiting().waitFor({ timeout: 60_000 });
    const identity = await page.getByTestId('identity').innerText();
    expect(identity).toContain('store S1');
    expect(identity).toContain('terminal LANE-1');
    // No DEMO badge: this terminal trusts only head office's key.
    expect(await page.locator('.demo-badge').count()).toBe(0);
    const ledger = new Database(db, { readonly: true });
    try {
      expect(ledger.prepare('SELECT store_id, terminal_id, time_zone, demo FROM terminal').get()).toEqual({ store_id: 'S1', terminal_id: 'LANE-1', time_zone: 'Asia/Seoul', demo: 0 });
    } finally {
      ledger.close();
    }
  });

  it('no screen has a serious or critical accessibility problem', () => {
    expect(a11y).toEqual([]);
  });
});

/**
 * Two counter functions that need the sporting-goods example program (USD): "referred by" at
 * enrolment (the referrer's card on the enrolment form; the host books their referral bonus with the
 * new member, in the same request) and a Gold member's own triple-points day used on a basket (F3 in
 * the preview). The real browser host on a real SQLite file, headless Chromium; each new panel is
 * captured in English and Korean and checked with axe-core.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { assertUiBuilt, startBrowserHost, type RunningBrowserHost } from '../support/browser-host.js';
import { CLI_ENV, REPO, tempDir } from '../support/ledger-fixture.js';
import { CashierPage } from './pages/cashier-page.js';
import { tallyAt } from '../support/counter-cli.js';

function card(twelve: string): string {
  const sum = [...twelve].reduce((total, digit, i) => total + Number(digit) * (i % 2 === 0 ? 1 : 3), 0);
  return `${twelve}${(10 - (sum % 10)) % 10}`;
}

const REFERRER = card('290000000021');
const GOLD = card('290000000022');
const FRIEND = card('290000000023');
const OTHER = card('290000000024');
const STRANGER = card('290000000029');

const { dir, cleanup } = tempDir('tally-referral-e2e-');
const db = join(dir, 'sports.sqlite');

let host: RunningBrowserHost;
let browser: Browser;
let cashier: CashierPage;
const a11y: string[] = [];

const tally = tallyAt(db, dir);

function ledgerBalance(code: string): number {
  return (JSON.parse(tally(['balance', '--card', code, '--json'])) as { balance: number }).balance;
}

function isMember(code: string): boolean {
  return spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, 'balance', '--card', code], { cwd: dir, encoding: 'utf8', env: CLI_ENV }).status === 0;
}

async function capture(name: string): Promise<void> {
  a11y.push(...(await cashier.capture(name)));
}

beforeAll(async () => {
  assertUiBuilt();
  tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'sporting-goods-usd.json'), '--store', 'STORE-3', '--terminal', 'LANE-2']);
  tally(['member', 'add', '--card', REFERRER, '--name', 'Kim Minji']);
  tally(['member', 'add', '--card', GOLD, '--name', 'Lee Jiwoo']);
  // $600 this year: Gold ($500 and up), whose members choose one triple-points day a year.
  tally(['checkout', '--card', GOLD, '--amount', '60000', '--txn', 'POS-GOLD-1']);
  host = await startBrowserHost({ db, cwd: dir });
  browser = await launchChromium();
  cashier = await CashierPage.open(browser, host.url);
}, 120_000);

afterAll(async () => {
  await cashier?.close();
  await browser?.close();
  await host?.stop();
  cleanup();
});

describe('referred-by at enrolment and the member-chosen bonus day, in Chromium against the browser host', () => {
  it("an enrolment that names the referrer's card credits the referrer's referral bonus", async () => {
    const before = ledgerBalance(REFERRER);
    await cashier.scan(FRIEND);
    await cashier.unknownCard().waitFor();
    await cashier.press('Enter');
    await cashier.enrolForm().waitFor();
    await cashier.typeSlowly('Park Seojun');
    await cashier.page.locator('#enrol-referred-by').fill(REFERRER);
    await capture('enrol-referral');
    await cashier.page.locator('#enrol-referred-by').press('Enter');
    await cashier.amountForm().waitFor();
    await cashier.page.getByTestId('referral-notice').getByText('250 points').waitFor();
    expect(ledgerBalance(REFERRER)).toBe(before + 250);
    expect(ledgerBalance(FRIEND)).toBe(100);
  });

  it("an unknown referrer's card is refused with a message, and nobody is enrolled", async () => {
    const before = ledgerBalance(REFERRER);
    await cashier.press('Escape');
    await cashier.waiting().waitFor();
    await cashier.scan(OTHER);
    await cashier.unknownCard().waitFor();
    await cashier.press('Enter');
    await cashier.enrolForm().waitFor();
    await cashier.typeSlowly('Choi Yuna');
    await cashier.page.locator('#enrol-referred-by').fill(STRANGER);
    await cashier.page.locator('#enrol-referred-by').press('Enter');
    await cashier.error('unknown-card').waitFor();
    await cashier.enrolForm().waitFor();
    expect(isMember(OTHER)).toBe(false);
    expect(ledgerBalance(REFERRER)).toBe(before);
  });

  it("a Gold member's triple-points day is used on the basket with F3, booked once; then it says it is used up", async () => {
    await cashier.press('Escape');
    await cashier.press('Escape');
    await cashier.waiting().waitFor();
    const before = ledgerBalance(GOLD);
    await cashier.scan(GOLD);
    await cashier.amountForm().waitFor();
    await cashier.typeSlowly('100.00');
    await cashier.press('Enter');
    await cashier.preview().waitFor();
    const plain = await cashier.previewEarned();
    await cashier.page.getByTestId('bonus-days').waitFor();
    await cashier.press('F3');
    await cashier.page.locator('#bonus-day-gold-3x-day:checked').waitFor();
    const tripled = await cashier.previewEarned();
    expect(tripled).toBeGreaterThan(plain);
    await capture('preview-bonus-day');
    await cashier.press('Enter');
    await cashier.result().waitFor();
    expect(await cashier.resultEarned()).toBe(tripled);
    expect(ledgerBalance(GOLD)).toBe(before + tripled);

    await cashier.scan(GOLD);
    await cashier.amountForm().waitFor();
    await cashier.typeSlowly('100.00');
    await cashier.press('Enter');
    await cashier.preview().waitFor();
    await cashier.page.locator('#bonus-day-gold-3x-day:disabled').waitFor();
    await cashier.page.getByText('0 left this year').waitFor();
  });

  it('no new panel had a serious or critical accessibility violation, in either language, nor a CSP violation', async () => {
    expect(a11y).toEqual([]);
    expect(await cashier.cspViolations()).toEqual([]);
  });
});

/**
 * The customer display and the kiosk end to end: the real browser host (a child process, what
 * `npm start` runs) on a real SQLite file made with the `tally` CLI, headless Chromium as the
 * cashier, the customer display beside it and a kiosk on its own address (the kiosk's secret).
 * The display follows the cashier's checkout; the kiosk shows a scanned member and goes back to
 * "Scan your card"; the kiosk's connection is refused everything a cashier or manager may do, and
 * the ledger does not change. Each screen in English and Korean under .ci/artifacts/screens/,
 * checked with axe-core. The tests run in order, like a morning at the store.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { assertUiBuilt, startBrowserHost, type RunningBrowserHost } from '../support/browser-host.js';
import { dumpLedger } from '../support/host-client.js';
import { CLI_ENV, REPO, tempDir } from '../support/ledger-fixture.js';
import { CashierPage } from './pages/cashier-page.js';
import { CustomerPage } from './pages/customer-page.js';
import { KioskPage } from './pages/kiosk-page.js';

const KIM = '2900000000018';
const STRANGER = '2900000000995';
/** src/ui/terminal/kiosk/use-kiosk.ts KIOSK_IDLE_MS. */
const KIOSK_IDLE_MS = 30_000;

const { dir, cleanup } = tempDir('tally-customer-kiosk-e2e-');
const db = join(dir, 'lane.sqlite');
const secret = randomBytes(32).toString('base64url');

let host: RunningBrowserHost;
let browser: Browser;
let cashier: CashierPage;
let display: CustomerPage;
let kiosk: KioskPage;
const a11y: string[] = [];

function tally(args: string[], now?: Date): string {
  const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, ...(now ? ['--now', now.toISOString()] : []), ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV });
  if (run.status !== 0) throw new Error(`tally ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  return run.stdout;
}

interface Summary {
  readonly balance: number;
  readonly expiringSoon: readonly { readonly points: number }[];
}

function ledgerMember(): Summary {
  return JSON.parse(tally(['balance', '--card', KIM, '--json'])) as Summary;
}

beforeAll(async () => {
  assertUiBuilt();
  // Points earned a little under a year ago expire within days (sporting-goods-usd: 12 months), so
  // the kiosk has points expiring soon to show.
  const earlier = new Date();
  earlier.setUTCMonth(earlier.getUTCMonth() - 12);
  earlier.setUTCDate(earlier.getUTCDate() + 10);
  tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'sporting-goods-usd.json'), '--store', 'STORE-1', '--terminal', 'LANE-1'], new Date(earlier.getTime() - 2 * 3_600_000));
  tally(['member', 'add', '--card', KIM, '--name', 'Kim Minji', '--phone', '010-1234-5678'], new Date(earlier.getTime() - 3_600_000));
  tally(['checkout', '--card', KIM, '--amount', '4500', '--txn', 'POS-OLD'], earlier);
  host = await startBrowserHost({ db, cwd: dir, secret });
  browser = await launchChromium();
  cashier = await CashierPage.open(browser, host.url);
  display = await CustomerPage.open(browser, host.customerUrl);
}, 120_000);

afterAll(async () => {
  await kiosk?.close();
  await display?.close();
  await cashier?.close();
  await browser?.close();
  await host?.stop();
  cleanup();
});

describe('the customer display follows the cashier', () => {
  it('welcomes between customers', async () => {
    await display.waitFor('idle');
    a11y.push(...(await display.capture('customer-idle')));
  });

  it('shows the scanned member: the name partly masked, never the phone; balance and tier', async () => {
    const before = ledgerMember();
    await cashier.scan(KIM);
    await cashier.amountForm().waitFor();
    await display.waitFor('member');
    expect(await display.greeting()).toBe('Hello, K** M****');
    expect(await display.balance()).toBe(before.balance);
    expect(await display.tier()).toMatch(/^Tier: /);
    const shown = await display.allText();
    for (const secretText of ['Minji', '010', '1234', KIM]) expect(shown, secretText).not.toContain(secretText);
    a11y.push(...(await display.capture('customer-member')));
  });

  it('shows what the basket earns as the cashier previews it, then thanks with the new balance once booked', async () => {
    const before = ledgerMember();
    await cashier.typeSlowly('120.00');
    await cashier.press('Enter');
    await cashier.preview().waitFor();
    const earned = await cashier.previewEarned();
    await display.waitFor('preview');
    expect(await display.earn()).toBe(earned);
    expect(await display.amountDue()).toBe('$120.00');
    expect(await display.balanceAfter()).toBe(before.balance + earned);
    a11y.push(...(await display.capture('customer-preview')));

    await cashier.press('Enter');
    await cashier.result().waitFor();
    await display.waitFor('thanks');
    const after = ledgerMember();
    expect(after.balance).toBe(before.balance + earned);
    expect(await display.balance()).toBe(after.balance);
    expect(await display.earnedLine()).toBe(`You earned ${earned} points.`);
    a11y.push(...(await display.capture('customer-thanks')));

    await cashier.press('Escape');
    await cashier.waiting().waitFor();
    await display.waitFor('idle');
  });
});

describe('the kiosk', () => {
  it('opens on its own address, holding the kiosk’s secret, never the counter’s', async () => {
    kiosk = await KioskPage.open(browser, host.kioskUrl);
    expect(host.kioskSecret).not.toBe(secret);
    expect(await kiosk.secretItHolds()).toBe(host.kioskSecret);
    a11y.push(...(await kiosk.capture('kiosk-waiting')));
  });

  it('shows a scanned member’s balance, latest entries and points expiring, then asks for the next card', async () => {
    const member = ledgerMember();
    expect(member.expiringSoon.length).toBeGreaterThan(0);
    await kiosk.scan(KIM);
    await kiosk.member().waitFor();
    expect(await kiosk.name()).toBe('Hello, K** M****');
    expect(await kiosk.balance()).toBe(member.balance);
    const history = await kiosk.history();
    // The welcome bonus, the checkout of a year ago and today's: every point the member has.
    expect(history.reduce((sum, row) => sum + row.points, 0)).toBe(member.balance);
    expect(new Set(history.map((row) => row.what))).toEqual(new Set(['Earned']));
    const expiring = await kiosk.expiring();
    expect(expiring).toHaveLength(member.expiringSoon.length);
    expect(expiring[0]).toContain(`${member.expiringSoon[0]!.points} points on `);
    expect(await kiosk.page.locator('body').innerText()).not.toContain('010');
    a11y.push(...(await kiosk.capture('kiosk-member')));

    // Nobody touches it: back to "Scan your card", and the member's figures are gone.
    await kiosk.idleFor(KIOSK_IDLE_MS);
    await kiosk.waiting().waitFor();
    expect(await kiosk.member().count()).toBe(0);
  });

  it('says so for a card it does not know, and Esc asks for the next card', async () => {
    await kiosk.scan(STRANGER);
    await kiosk.refused('unknown-card').waitFor();
    a11y.push(...(await kiosk.capture('kiosk-unknown-card')));
    await kiosk.page.keyboard.press('Escape');
    await kiosk.waiting().waitFor();
  });

  it('stays the kiosk when another screen’s address is typed, also after a reload', async () => {
    await kiosk.typeAddressFragment('#/cashier');
    await kiosk.typeAddressFragment(`#/manager&secret=${'x'.repeat(43)}`);
    await kiosk.waiting().waitFor();
    await kiosk.page.reload();
    await kiosk.waiting().waitFor();
    expect(await kiosk.page.locator('[data-screen="waiting"], [data-screen="manager"]').count()).toBe(0);
    expect(await kiosk.secretItHolds()).toBe(host.kioskSecret);
  });

  it('its connection is refused checkout, adjust, member search, manager and printer methods (not-allowed), and nothing changes', async () => {
    const ledgerBefore = dumpLedger(db);
    const balanceBefore = ledgerMember().balance;
    const basket = { currency: 'USD', lines: [{ sku: 'AMOUNT', quantity: 1, unitPrice: 50_000 }] };
    const replies = await kiosk.tryMethods([
      { name: 'checkout-commit', args: { card: KIM, txnId: 'KIOSK-1', basket } },
      { name: 'adjust', args: { card: KIM, points: 5000, reason: 'free points please', txnId: 'ADJ-KIOSK' } },
      { name: 'member-search', args: { query: 'Kim' } },
      { name: 'member-lookup', args: { card: KIM } },
      { name: 'manager-status', args: {} },
      { name: 'manager-add', args: { managerId: 'kiosk', name: 'Kiosk', pin: '482913' } },
      { name: 'manager-login', args: { managerId: 'kiosk', pin: '482913' } },
      { name: 'printer-save', args: { id: 'p', transport: { kind: 'tcp', host: '127.0.0.1', port: 9100 }, profileId: 'epson-tm-80-42', language: 'en' } },
      { name: 'printer-test', args: {} },
      { name: 'customer-view-show', args: { view: { state: 'idle' } } },
      { name: 'kiosk-member', args: { card: KIM } },
    ]);
    expect(replies.filter((r) => r.name !== 'kiosk-member')).toEqual(
      ['checkout-commit', 'adjust', 'member-search', 'member-lookup', 'manager-status', 'manager-add', 'manager-login', 'printer-save', 'printer-test', 'customer-view-show'].map((name) => ({ name, type: 'error', code: 'not-allowed' })),
    );
    expect(replies.find((r) => r.name === 'kiosk-member')).toEqual({ name: 'kiosk-member', type: 'reply', code: null });
    expect(dumpLedger(db)).toBe(ledgerBefore);
    expect(ledgerMember().balance).toBe(balanceBefore);
    expect(tally(['manager', 'list'])).not.toContain('kiosk');
  });

  it('no screen had a serious or critical accessibility violation, in either language, nor a CSP violation', async () => {
    expect(a11y).toEqual([]);
    expect(await display.screen.cspViolations()).toEqual([]);
    expect(await kiosk.screen.cspViolations()).toEqual([]);
  });
});

/**
 * The cashier screen end to end: the real browser host (a child process, what `npm start` runs) on
 * a real SQLite file made with the `tally` CLI, a TCP receipt printer emulator on loopback added
 * with `tally printer add`, and headless Chromium typing as a keyboard-wedge scanner and as a
 * cashier. Every screen state is captured in English and Korean under .ci/artifacts/screens/ and
 * checked with axe-core (no serious or critical violation).
 *
 * The tests run in order, like a shift at the counter; each says what it starts from.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { assertUiBuilt, startBrowserHost, type RunningBrowserHost } from '../support/browser-host.js';
import { REPO, tempDir } from '../support/ledger-fixture.js';
import { TcpPrinterEmulator } from '../support/printer-emulator.js';
import { CashierPage } from './pages/cashier-page.js';
import { tallyAt, eventually as waitUntil } from '../support/counter-cli.js';

/** An in-store EAN-13 card (prefix 29) with its check digit. */
function card(twelve: string): string {
  const sum = [...twelve].reduce((total, digit, i) => total + Number(digit) * (i % 2 === 0 ? 1 : 3), 0);
  return `${twelve}${(10 - (sum % 10)) % 10}`;
}

const KIM = card('290000000001');
const LEE = card('290000000002');
const NEW = card('290000000003');
const LEE_PIN = '7392';

const { dir, cleanup } = tempDir('tally-cashier-e2e-');
const db = join(dir, 'lane.sqlite');
// Fixed for this run, so a restarted host lets the open page back in (TALLY_HOST_SECRET).
const secret = randomBytes(32).toString('base64url');

let printer: TcpPrinterEmulator;
let host: RunningBrowserHost;
let browser: Browser;
let cashier: CashierPage;
const a11y: string[] = [];

const tally = tallyAt(db, dir);

function ledgerBalance(code: string): number {
  return (JSON.parse(tally(['balance', '--card', code, '--json'])) as { balance: number }).balance;
}

function printedText(): string {
  return printer.decodePrinted().lines.join('\n');
}

/** Waits for a condition outside the page (the printer, the ledger), checking every 100 ms; a timeout says what the test saw. */
const eventually = (what: string, condition: () => boolean, timeoutMs = 45_000): Promise<void> =>
  waitUntil(what, condition, { timeoutMs, explain: () => `the print queue:\n${tally(['print', 'queue'])}\nthe printer has printed:\n${printedText()}\nthe host's log (last 3,000 characters):\n${host.stderr().slice(-3000)}` });

async function capture(name: string): Promise<void> {
  a11y.push(...(await cashier.capture(name)));
}

beforeAll(async () => {
  assertUiBuilt();
  tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'STORE-1', '--terminal', 'LANE-1']);
  printer = await TcpPrinterEmulator.start('ready');
  // A generous answer time: on a loaded machine a status answer may take a while, and a timed-out
  // status is a different "waiting" from the out-of-paper one the test looks for.
  tally(['printer', 'add', '--id', 'receipt', '--tcp', `${printer.host}:${printer.port}`, '--profile', 'epson-tm-80-42', '--slip-lang', 'en', '--timeout', '5000']);
  tally(['member', 'add', '--card', KIM, '--name', 'Kim Minji']);
  tally(['member', 'add', '--card', LEE, '--name', 'Lee Jiwoo', '--pin-stdin'], `${LEE_PIN}\n`);
  tally(['adjust', '--card', LEE, '--points', '2000', '--reason', 'opening balance for the e2e run', '--id', 'ADJ-E2E-1']);
  host = await startBrowserHost({ db, cwd: dir, secret });
  browser = await launchChromium();
  cashier = await CashierPage.open(browser, host.url);
}, 120_000);

afterAll(async () => {
  await cashier?.close();
  await browser?.close();
  await host?.stop();
  await printer?.close();
  cleanup();
});

describe('the cashier screen in Chromium, against the browser host', () => {
  it('waits for a scan, connected, in English, with no field focused and nothing the page policy refused', async () => {
    expect(await cashier.language()).toBe('en');
    await cashier.connection('open').waitFor();
    await cashier.page.getByText('Scan a member card').waitFor();
    expect(await cashier.focusedId()).toBe('waiting-title');
    await expect(cashier.page.getByTestId('identity').innerText()).resolves.toContain('store STORE-1');
    await capture('waiting');
    expect(await cashier.cspViolations()).toEqual([]);
  });

  it('a card scanned as a keyboard-wedge burst shows the member: name partly masked, balance; the amount field has the focus', async () => {
    await cashier.scan(KIM);
    await cashier.amountForm().waitFor();
    expect(await cashier.memberName()).toBe('K** M****');
    expect(await cashier.memberBalance()).toBe(100);
    expect(await cashier.focusedId()).toBe('amount');
    await capture('member');
  });

  it('a plain checkout is digits, Enter, Enter: booked, the slip printed with its points, the ledger changed', async () => {
    await cashier.typeSlowly('45000');
    await cashier.press('Enter');
    await cashier.preview().waitFor();
    const earned = await cashier.previewEarned();
    expect(earned).toBeGreaterThanOrEqual(45); // 1 point per ₩1,000 (twice that on a Wednesday)
    expect(await cashier.previewBalanceAfter()).toBe(100 + earned);
    await capture('preview');
    await cashier.press('Enter');
    await cashier.result().waitFor();
    expect(await cashier.resultEarned()).toBe(earned);
    expect(await cashier.resultBalance()).toBe(100 + earned);
    expect(ledgerBalance(KIM)).toBe(100 + earned);
    const txn = await cashier.resultTxn();
    expect(txn).toMatch(/^UI-[0-9a-f]{16}$/);
    await capture('result');
    await eventually('the slip on the printer', () => printedText().includes(txn));
    expect(printedText()).toMatch(new RegExp(`Points earned\\s+\\+?${earned}\\b`));
  });

  it('a burst while a field has the focus is a scan: the next customer, and none of its digits typed into the field', async () => {
    for (let attempt = 1; ; attempt++) {
      await cashier.scan(KIM);
      await cashier.amountForm().waitFor();
      await cashier.typeSlowly('45');
      expect(await cashier.amountValue()).toBe('45');
      await cashier.resetRecords();
      const fast = await cashier.burst(LEE);
      if (fast) break;
      if (attempt === 5) throw new Error('the page never received the burst at scanner speed');
      await cashier.reload();
    }
    await cashier.page.getByTestId('member-name').getByText('L** J****').waitFor();
    expect(await cashier.memberBalance()).toBe(2100);
    expect(await cashier.typedIntoFields()).toBe('');
    expect(await cashier.amountValue()).toBe('');
  });

  it("redeems points as money with the member's PIN; a wrong PIN is refused with a message and books nothing", async () => {
    await cashier.typeSlowly('45000');
    await cashier.press('Enter');
    await cashier.preview().waitFor();
    await cashier.choosePointsAsMoney();
    const redeemed = await cashier.previewRedeemed();
    // Points pay at most half the basket (₩22,500), in steps of 100, from the member's 2,100.
    expect(redeemed).toBe(2100);
    await cashier.memberTypesPin('1111');
    await cashier.press('Enter');
    await cashier.error('proof-refused').waitFor();
    expect(ledgerBalance(LEE)).toBe(2100);
    await capture('error-wrong-pin');
    await cashier.memberTypesPin(LEE_PIN);
    await capture('preview-redeem');
    await cashier.press('Enter');
    await cashier.result().waitFor();
    expect(await cashier.resultRedeemed()).toBe(2100);
    const earned = await cashier.resultEarned();
    expect(await cashier.resultBalance()).toBe(earned);
    expect(ledgerBalance(LEE)).toBe(earned);
  });

  it('an unknown card says so and offers enrolment (Enter); the enrolled member checks out at once', async () => {
    await cashier.press('Escape');
    await cashier.waiting().waitFor();
    await cashier.scan(NEW);
    await cashier.unknownCard().waitFor();
    await cashier.page.getByText('Card not recognised').waitFor();
    await capture('unknown-card');
    const started = Date.now();
    await cashier.press('Enter');
    await cashier.enrolForm().waitFor();
    expect(await cashier.focusedId()).toBe('enrol-name');
    await capture('enrol');
    await cashier.typeSlowly('Park Seojun');
    await cashier.press('Tab');
    await cashier.typeSlowly('010-1234-5678');
    await cashier.press('Enter');
    await cashier.amountForm().waitFor();
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await cashier.memberName()).toBe('P*** S*****');
    expect(await cashier.memberBalance()).toBe(100);
    await cashier.page.getByText('Welcome bonus: 100 points').waitFor();
    await cashier.typeSlowly('12000');
    await cashier.press('Enter');
    await cashier.preview().waitFor();
    await cashier.press('Enter');
    await cashier.result().waitFor();
    const earned = await cashier.resultEarned();
    expect(await cashier.resultBalance()).toBe(100 + earned);
    expect(ledgerBalance(NEW)).toBe(100 + earned);
  });

  it('with the printer out of paper the slip is kept, and it prints when the paper is back', async () => {
    // Slips print in order: everything queued so far first, so this checkout's slip is the one that waits.
    await eventually('the earlier slips printed', () => !/\b(pending|waiting)\b/.test(tally(['print', 'queue'])));
    printer.setState('paper-out');
    await cashier.scan(KIM);
    await cashier.amountForm().waitFor();
    await cashier.typeSlowly('8000');
    await cashier.press('Enter');
    await cashier.preview().waitFor();
    await cashier.press('Enter');
    await cashier.result().waitFor();
    const txn = await cashier.resultTxn();
    // The host tried, found no paper, and kept the slip queued. (Generous: should a status request
    // time out on a loaded machine first, the job waits for its retry: 1 s, 2 s, 4 s … up to 30 s.)
    await eventually('the slip waiting for paper', () => /waiting: .*paper/i.test(tally(['print', 'queue']).split('\n').find((line) => line.includes(txn)) ?? ''), 90_000);
    expect(printedText()).not.toContain(txn);
    printer.setState('ready');
    await eventually('the kept slip printed', () => printedText().includes(txn), 90_000);
  }, 240_000);

  it('F2 switches to Korean (remembered after a reload) and back', async () => {
    await cashier.press('Escape');
    await cashier.waiting().waitFor();
    expect(await cashier.switchLanguage()).toBe('ko');
    await cashier.page.getByText('회원 카드를 스캔하세요').waitFor();
    await cashier.page.getByRole('button', { name: 'English F2' }).waitFor();
    await cashier.reload();
    expect(await cashier.language()).toBe('ko');
    await cashier.page.getByText('회원 카드를 스캔하세요').waitFor();
    expect(await cashier.switchLanguage()).toBe('en');
    await cashier.page.getByText('Scan a member card').waitFor();
  });

  it('says the host is not reachable while it is stopped, and reconnects by itself when it is back', async () => {
    const port = host.port;
    expect(await host.stop()).toBe(0);
    await cashier.connectionNotice('unreachable').waitFor();
    await cashier.page.getByText('Terminal host not reachable').first().waitFor();
    await capture('host-unreachable');
    host = await startBrowserHost({ db, cwd: dir, port, secret });
    await cashier.connection('open').waitFor({ timeout: 30_000 });
    expect(await cashier.connectionNotice('unreachable').count()).toBe(0);
    await cashier.scan(KIM);
    await cashier.amountForm().waitFor();
    expect(await cashier.memberBalance()).toBe(ledgerBalance(KIM));
  });

  it('a host restarted with a new secret is not let in by the old one; its new address pasted into the tab connects', async () => {
    const port = host.port;
    await host.stop();
    await cashier.connectionNotice('unreachable').waitFor();
    host = await startBrowserHost({ db, cwd: dir, port });
    expect(host.secret).not.toBe(secret);
    await cashier.connectionNotice('unauthorised').waitFor({ timeout: 30_000 });
    await cashier.connectionNotice('unauthorised').getByText('Open the address the terminal host printed').waitFor();
    // Only the fragment differs: the page notices, keeps the new secret and starts again with it.
    await cashier.page.goto(host.url);
    await cashier.connection('open').waitFor({ timeout: 30_000 });
    await cashier.waiting().waitFor();
    expect(await cashier.page.evaluate('location.hash')).toBe('#/cashier');
  });

  it('a page opened without the secret says how to get in; the address switches to another screen and back', async () => {
    const stranger = await CashierPage.openAt(browser, `http://127.0.0.1:${host.port}/`);
    try {
      await stranger.connectionNotice('unauthorised').waitFor();
      await stranger.page.getByText('#secret=').waitFor();
      a11y.push(...(await stranger.capture('not-connected')));
      expect(await stranger.cspViolations()).toEqual([]);
    } finally {
      await stranger.close();
    }
    // The manager screen (tests/e2e/manager.test.ts): this terminal has no manager yet.
    await cashier.page.goto(`http://127.0.0.1:${host.port}/#/manager`);
    await cashier.page.locator('[data-screen="manager-first"]').waitFor();
    await cashier.page.goto(`http://127.0.0.1:${host.port}/#/cashier`);
    await cashier.waiting().waitFor();
  });

  it('no screen had a serious or critical accessibility violation, in either language, nor a CSP violation', async () => {
    expect(a11y).toEqual([]);
    expect(await cashier.cspViolations()).toEqual([]);
  });
});

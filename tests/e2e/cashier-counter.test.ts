/**
 * The cashier's other counter functions end to end, against the real browser host on a real SQLite
 * file, with a TCP receipt printer emulator on loopback: a return by the original transaction (F4),
 * a reprint of the counter's last slip (F9), an action bonus (F6), a paid membership sale (F7), a
 * donation with the member's PIN (F8), a scan pushed by the host (`tally scan`, as a serial scanner's
 * would be) and a bank card it refused, and the printer offline said on screen (slips kept). Each new
 * panel is captured in English and Korean and checked with axe-core.
 *
 * The program is the USD example with memberships and charities. The tests run in order, like a
 * shift at the counter; each says what it starts from.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { assertUiBuilt, startBrowserHost, type RunningBrowserHost } from '../support/browser-host.js';
import { CLI_ENV, REPO, tempDir } from '../support/ledger-fixture.js';
import { TcpPrinterEmulator } from '../support/printer-emulator.js';
import { CashierPage } from './pages/cashier-page.js';
import { tallyAt, eventually as waitUntil } from '../support/counter-cli.js';

/** An in-store EAN-13 card (prefix 29) with its check digit. */
function card(twelve: string): string {
  const sum = [...twelve].reduce((total, digit, i) => total + Number(digit) * (i % 2 === 0 ? 1 : 3), 0);
  return `${twelve}${(10 - (sum % 10)) % 10}`;
}

const KIM = card('290000000011');
const LEE = card('290000000012');
const KIM_PIN = '5831';
/** A Visa test number: the host's parser refuses it as a bank card and never sends its digits on. */
const BANK_CARD = '4111111111111111';

const { dir, cleanup } = tempDir('tally-counter-e2e-');
const db = join(dir, 'counter.sqlite');

let printer: TcpPrinterEmulator;
let host: RunningBrowserHost;
let browser: Browser;
let cashier: CashierPage;
const a11y: string[] = [];

function run(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV, ...(input !== undefined ? { input } : {}) });
}

const tally = tallyAt(db, dir);

function ledgerBalance(code: string): number {
  return (JSON.parse(tally(['balance', '--card', code, '--json'])) as { balance: number }).balance;
}

function printedText(): string {
  return printer.decodePrinted().lines.join('\n');
}

function timesPrinted(txn: string): number {
  return printedText().split(txn).length - 1;
}

/** Waits for a condition outside the page (the printer, the ledger), checking every 100 ms; a timeout says what the test saw. */
const eventually = (what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> =>
  waitUntil(what, condition, { timeoutMs, explain: () => `the print queue:\n${tally(['print', 'queue'])}\nthe printer has printed:\n${printedText()}` });

async function capture(name: string): Promise<void> {
  a11y.push(...(await cashier.capture(name)));
}

beforeAll(async () => {
  assertUiBuilt();
  tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'plus-membership-charity.json'), '--store', 'STORE-2', '--terminal', 'LANE-7']);
  printer = await TcpPrinterEmulator.start('ready');
  tally(['printer', 'add', '--id', 'receipt', '--tcp', `${printer.host}:${printer.port}`, '--profile', 'epson-tm-80-42', '--slip-lang', 'en', '--timeout', '5000']);
  tally(['member', 'add', '--card', KIM, '--name', 'Kim Minji', '--pin-stdin'], `${KIM_PIN}\n`);
  tally(['member', 'add', '--card', LEE, '--name', 'Lee Jiwoo']);
  host = await startBrowserHost({ db, cwd: dir });
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

describe('the cashier counter functions in Chromium, against the browser host', () => {
  let sale = '';
  let earned = 0;
  let returnId = '';

  it('a return by the original transaction (F4) takes back the points the sale earned, in the ledger, and prints its slip', async () => {
    const before = ledgerBalance(KIM);
    await cashier.scan(KIM);
    await cashier.amountForm().waitFor();
    await cashier.typeSlowly('45.00');
    await cashier.press('Enter');
    await cashier.preview().waitFor();
    await cashier.press('Enter');
    await cashier.result().waitFor();
    sale = await cashier.resultTxn();
    earned = await cashier.resultEarned();
    expect(earned).toBe(45); // 1 point per $1
    expect(ledgerBalance(KIM)).toBe(before + earned);

    await cashier.press('F4');
    await cashier.returnForm().waitFor();
    expect(await cashier.focusedId()).toBe('return-original');
    await cashier.typeSlowly(sale);
    await capture('return');
    // No amount: the whole sale comes back.
    await cashier.press('Enter');
    await cashier.returnDone().waitFor();
    expect(await cashier.returnTaken()).toBe(earned);
    expect(await cashier.returnBalance()).toBe(before);
    expect(ledgerBalance(KIM)).toBe(before);
    const history = tally(['history', '--card', KIM, '--json']);
    expect(history).toContain(sale);
    returnId = await cashier.returnTxn();
    expect(returnId).toMatch(/^RT-[0-9a-f]{16}$/);
    await capture('return-done');
    await eventually('the return slip on the printer', () => printedText().includes(returnId));
  });

  it('a return of an unknown transaction is refused with a message and books nothing', async () => {
    const before = ledgerBalance(KIM);
    await cashier.press('F4');
    await cashier.returnForm().waitFor();
    await cashier.typeSlowly('UI-0000000000000000');
    await cashier.press('Enter');
    await cashier.error('unknown-transaction').waitFor();
    expect(ledgerBalance(KIM)).toBe(before);
  });

  it("F9 prints the counter's last slip (the return) again", async () => {
    await cashier.press('Escape');
    await cashier.waiting().waitFor();
    await eventually('the return slip printed once', () => timesPrinted(returnId) === 1);
    await cashier.press('F9');
    await cashier.reprintNotice().getByText(returnId).waitFor();
    await eventually('the return slip printed a second time', () => timesPrinted(returnId) === 2);
  });

  it('an action bonus (F6) is credited once; the second time it is refused as over its limit', async () => {
    const before = ledgerBalance(KIM);
    await cashier.scan(KIM);
    await cashier.amountForm().waitFor();
    await cashier.press('F6');
    await cashier.extraForm('action').waitFor();
    expect(await cashier.focusedId()).toBe('action-newsletter');
    await capture('action');
    await cashier.press('Enter');
    await cashier.extraDone('action').waitFor();
    expect(await cashier.extraDoneLine()).toContain('Newsletter signup: +50 points');
    expect(await cashier.extraDoneBalance()).toBe(before + 50);
    expect(ledgerBalance(KIM)).toBe(before + 50);
    await capture('action-done');
    const txn = await cashier.extraDoneTxn();
    await eventually('the action slip on the printer', () => printedText().includes(txn));
    await cashier.press('F6');
    await cashier.extraForm('action').waitFor();
    await cashier.press('Enter');
    await cashier.error('limit-reached').waitFor();
    expect(ledgerBalance(KIM)).toBe(before + 50);
  });

  it('a paid membership (F7) is sold at its price in dollars and shows on the member', async () => {
    await cashier.press('Escape');
    await cashier.amountForm().waitFor();
    await cashier.press('F7');
    await cashier.extraForm('membership').waitFor();
    await cashier.page.getByText('Plus (monthly): $5.99 (a month)').waitFor();
    await capture('membership');
    await cashier.press('Enter');
    await cashier.extraDone('membership').waitFor();
    expect(await cashier.extraDoneLine()).toMatch(/^Plus \(monthly\) sold for \$5\.99, valid until /);
    const member = JSON.parse(tally(['member', 'show', '--card', KIM, '--json'])) as { membership: { planId: string } | null };
    expect(member.membership?.planId).toBe('plus-monthly');
    await cashier.page.getByTestId('member-panel').getByText('Plus (monthly)').first().waitFor();
  });

  it("a donation (F8) with the member's PIN gives the points to the charity; without a PIN it is refused", async () => {
    const before = ledgerBalance(KIM);
    await cashier.press('F8');
    await cashier.extraForm('donation').waitFor();
    expect(await cashier.focusedId()).toBe('donation-charity');
    await cashier.press('Tab');
    await cashier.typeSlowly('100');
    await cashier.press('Enter');
    await cashier.error('proof-required').waitFor();
    expect(ledgerBalance(KIM)).toBe(before);
    await cashier.page.locator('#donation-pin').fill(KIM_PIN);
    await capture('donation');
    await cashier.page.locator('#donation-pin').press('Enter');
    await cashier.extraDone('donation').waitFor();
    expect(await cashier.extraDoneLine()).toBe('100 points donated to Community Food Bank');
    expect(ledgerBalance(KIM)).toBe(before - 100);
    expect(await cashier.extraDoneBalance()).toBe(before - 100);
  });

  it('a scan the host pushes (tally scan, as a serial scanner) shows the member; a bank card is refused on screen', async () => {
    await cashier.press('Escape');
    await cashier.press('Escape');
    await cashier.waiting().waitFor();
    tally(['scan', LEE]);
    await cashier.page.getByTestId('member-name').getByText('L** J****').waitFor();
    expect(await cashier.memberBalance()).toBe(ledgerBalance(LEE));
    // The CLI says the host refused it (exit status not 0); the screen says why, without the number.
    run(['scan', BANK_CARD]);
    await cashier.scanRefused('bank-card').getByText('That is a bank card').waitFor();
    expect(await cashier.page.locator('body').innerText()).not.toContain('4111');
    await capture('scan-refused');
  });

  it('with the printer offline the screen says so and that slips are kept; they print when it is back', async () => {
    await eventually('every earlier slip printed', () => !/\b(pending|waiting)\b/.test(tally(['print', 'queue'])));
    // Gone from the network: no new connection, and the open one (kept between slips) cut.
    await printer.refuseConnections();
    printer.dropConnections();
    const before = ledgerBalance(LEE);
    await cashier.press('F6');
    await cashier.extraForm('action').waitFor();
    await cashier.press('Enter');
    await cashier.extraDone('action').waitFor();
    expect(ledgerBalance(LEE)).toBe(before + 50);
    const txn = await cashier.extraDoneTxn();
    await cashier.printerState('offline').getByText('Printer receipt is offline').waitFor({ timeout: 90_000 });
    await cashier.printerState('offline').getByText('Slips kept').waitFor();
    await capture('printer-offline');
    expect(printedText()).not.toContain(txn);
    await printer.acceptConnections();
    await eventually('the kept slip printed', () => printedText().includes(txn), 90_000);
    await cashier.anyPrinterTrouble().waitFor({ state: 'detached', timeout: 30_000 });
  }, 240_000);

  it('no new panel had a serious or critical accessibility violation, in either language, nor a CSP violation', async () => {
    expect(a11y).toEqual([]);
    expect(await cashier.cspViolations()).toEqual([]);
  });
});

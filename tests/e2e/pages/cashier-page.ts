/**
 * Page object of the cashier screen (src/ui/terminal/cashier) for the e2e suite: what a cashier
 * does (scan, type an amount, Enter, choose a redemption, enrol) and what they read, so the tests
 * say what happens at the counter, not which element holds it.
 *
 * The page is instrumented from outside (an init script, which the page's Content-Security-Policy
 * does not apply to): it records every keydown's timestamp, so a scan can be judged only when its
 * keys really arrived at scanner speed (see tests/e2e/wedge.test.ts on a loaded machine); every
 * text a field received by native typing (`beforeinput`); and every CSP violation.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { REPO } from '../../support/ledger-fixture.js';

/** The wedge detector's default: the most time between two keys of a scanner's burst. */
const MAX_INTER_KEY_MS = 40;
const SCAN_ATTEMPTS = 5;
const TIMEOUT = 20_000;

export const SCREENS_DIR = join(REPO, '.ci', 'artifacts', 'screens');

const AXE_SOURCE = readFileSync(join(REPO, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

const INSTRUMENT = `
  window.__tally = { keys: [], typed: [], csp: [] };
  window.addEventListener('keydown', (e) => window.__tally.keys.push({ key: e.key, time: e.timeStamp }), true);
  document.addEventListener('beforeinput', (e) => window.__tally.typed.push({ data: e.data, id: e.target && e.target.id }), true);
  document.addEventListener('securitypolicyviolation', (e) => window.__tally.csp.push(e.violatedDirective + ' ' + e.blockedURI));
`;

interface Instrumented {
  readonly keys: { key: string; time: number }[];
  readonly typed: { data: string | null; id: string | null }[];
  readonly csp: string[];
}

export type Lang = 'en' | 'ko';

export class CashierPage {
  private constructor(
    readonly page: Page,
    readonly context: BrowserContext,
  ) {}

  /** A fresh browser context (its own storage) on the address the browser host printed, waiting for a scan. */
  static async open(browser: Browser, url: string): Promise<CashierPage> {
    const cashier = await CashierPage.openAt(browser, url);
    await cashier.waiting().waitFor({ timeout: TIMEOUT });
    return cashier;
  }

  /** A fresh browser context on any address, whatever it shows. */
  static async openAt(browser: Browser, url: string): Promise<CashierPage> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    await context.addInitScript({ content: INSTRUMENT });
    const page = await context.newPage();
    await page.goto(url);
    return new CashierPage(page, context);
  }

  async close(): Promise<void> {
    await this.context.close();
  }

  // ---- where the screen is

  waiting(): Locator {
    return this.page.locator('[data-screen="waiting"]');
  }
  amountForm(): Locator {
    return this.page.locator('[data-screen="amount"]');
  }
  preview(): Locator {
    return this.page.locator('[data-screen="preview"]');
  }
  result(): Locator {
    return this.page.locator('[data-screen="result"]');
  }
  unknownCard(): Locator {
    return this.page.locator('[data-screen="unknown-card"]');
  }
  enrolForm(): Locator {
    return this.page.locator('[data-screen="enrol"]');
  }
  error(code?: string): Locator {
    return this.page.locator(code ? `[role="alert"][data-error-code="${code}"]` : '[role="alert"][data-error-code]');
  }
  connectionNotice(state: 'unreachable' | 'unauthorised'): Locator {
    return this.page.locator(`[data-testid="connection-notice"][data-state="${state}"]`);
  }
  connection(state: 'open' | 'unreachable' | 'connecting' | 'unauthorised'): Locator {
    return this.page.locator(`[data-testid="connection-state"][data-state="${state}"]`);
  }

  private async text(testId: string): Promise<string> {
    const locator = this.page.getByTestId(testId);
    await locator.waitFor({ timeout: TIMEOUT });
    return (await locator.innerText()).trim();
  }

  /** A figure as shown ("+1,234", "−400", "2,100") as a number. */
  private async figure(testId: string): Promise<number> {
    const text = await this.text(testId);
    const n = Number(text.replace(/[,\s+]/g, '').replace(/^[−-]/, '-'));
    if (!Number.isInteger(n)) throw new Error(`${testId} shows "${text}", not a whole number`);
    return Math.abs(n);
  }

  memberName(): Promise<string> {
    return this.text('member-name');
  }
  memberBalance(): Promise<number> {
    return this.figure('member-balance');
  }
  previewEarned(): Promise<number> {
    return this.figure('preview-earned');
  }
  previewRedeemed(): Promise<number> {
    return this.figure('preview-redeemed');
  }
  previewBalanceAfter(): Promise<number> {
    return this.figure('preview-balance-after');
  }
  resultEarned(): Promise<number> {
    return this.figure('result-earned');
  }
  resultRedeemed(): Promise<number> {
    return this.figure('result-redeemed');
  }
  resultBalance(): Promise<number> {
    return this.figure('result-balance');
  }
  resultTxn(): Promise<string> {
    return this.text('result-txn');
  }

  // ---- what the cashier does

  private instrumented(): Promise<Instrumented> {
    return this.page.evaluate('window.__tally') as Promise<Instrumented>;
  }

  /** Forgets what was recorded so far (keys, typed text). */
  async resetRecords(): Promise<void> {
    await this.page.evaluate('window.__tally.keys.length = 0; window.__tally.typed.length = 0');
  }

  /**
   * A keyboard-wedge burst: the code at scanner speed (5 ms a key) and Enter. Resolves with whether
   * the keys reached the page at scanner speed (a stalled machine can space them out).
   */
  async burst(code: string): Promise<boolean> {
    await this.page.evaluate('window.__tally.keys.length = 0');
    await this.page.keyboard.type(code, { delay: 5 });
    await this.page.keyboard.press('Enter');
    const { keys } = await this.instrumented();
    const burst = keys.slice(-(code.length + 1));
    if (burst.length !== code.length + 1) throw new Error(`the page saw ${burst.length} keydowns of ${code.length + 1}`);
    let gap = 0;
    for (let i = 1; i < burst.length; i++) gap = Math.max(gap, burst[i]!.time - burst[i - 1]!.time);
    return gap <= MAX_INTER_KEY_MS;
  }

  /**
   * Scans a card from where no field has the focus (waiting, or a booked checkout). A burst that did
   * not arrive at scanner speed is not judged: the page is reloaded (back to waiting; a scan books
   * nothing) and the burst is sent again, a few times at most.
   */
  async scan(code: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (await this.burst(code)) return;
      if (attempt === SCAN_ATTEMPTS) throw new Error(`${SCAN_ATTEMPTS} bursts, and the page never received the keys at scanner speed`);
      await this.reload();
    }
  }

  async reload(): Promise<void> {
    await this.page.reload();
    await this.waiting().waitFor({ timeout: TIMEOUT });
  }

  /** Types like a person (120 ms a key, far from a scanner's pace). */
  async typeSlowly(text: string): Promise<void> {
    await this.page.keyboard.type(text, { delay: 120 });
  }

  async press(key: string): Promise<void> {
    await this.page.keyboard.press(key);
  }

  /** The text native typing put into fields since the records were reset. */
  async typedIntoFields(): Promise<string> {
    return (await this.instrumented()).typed.map((t) => t.data ?? '').join('');
  }

  async focusedId(): Promise<string> {
    return (await this.page.evaluate('document.activeElement ? document.activeElement.id : ""')) as string;
  }

  async amountValue(): Promise<string> {
    return this.page.locator('#amount').inputValue();
  }

  /** Chooses how points are used on the previewed basket, and waits for the new quote. */
  async choosePointsAsMoney(): Promise<void> {
    // A click, not check(): the radio turns on once the host has quoted the choice, not at the click.
    await this.page.locator('#redeem-points-choice').click();
    await this.page.getByTestId('preview-redeemed').waitFor({ timeout: TIMEOUT });
  }

  /** The member types their PIN into the focused PIN field (filled at once: a PIN is no scan). */
  async memberTypesPin(pin: string): Promise<void> {
    const field = this.page.locator('#proof-pin');
    await field.waitFor({ timeout: TIMEOUT });
    if ((await this.focusedId()) !== 'proof-pin') throw new Error('the PIN field does not have the focus');
    await field.fill(pin);
  }

  async cspViolations(): Promise<string[]> {
    return (await this.instrumented()).csp;
  }

  async language(): Promise<Lang> {
    return (await this.page.evaluate('document.documentElement.lang')) as Lang;
  }

  /** F2, and waits for the page to be in the other language. */
  async switchLanguage(): Promise<Lang> {
    const next: Lang = (await this.language()) === 'en' ? 'ko' : 'en';
    await this.page.keyboard.press('F2');
    // A locator, not waitForFunction('…'): a string predicate is eval'd in the page, which its CSP refuses.
    await this.page.locator(`html[lang="${next}"]`).waitFor({ state: 'attached', timeout: TIMEOUT });
    return next;
  }

  // ---- evidence

  /** Serious or critical axe-core violations on the page as it is (none expected). */
  async accessibilityProblems(): Promise<string[]> {
    // Evaluated, not added as a <script>: the page's CSP (rightly) refuses inline scripts.
    if (!(await this.page.evaluate('typeof window.axe !== "undefined"'))) await this.page.evaluate(AXE_SOURCE);
    const violations = (await this.page.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) })))')) as {
      id: string;
      impact: string | null;
      help: string;
      nodes: string[];
    }[];
    return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.join(', ')})`);
  }

  /**
   * The screen as it is, in English and in Korean: a screenshot of each under
   * .ci/artifacts/screens/, and axe-core's serious or critical violations of each (returned).
   * Leaves the page in the language it found it in.
   */
  async capture(name: string): Promise<string[]> {
    mkdirSync(SCREENS_DIR, { recursive: true });
    const problems: string[] = [];
    const first = await this.language();
    for (const lang of [first, first === 'en' ? 'ko' : 'en'] as const) {
      if ((await this.language()) !== lang) await this.switchLanguage();
      await this.page.screenshot({ path: join(SCREENS_DIR, `${name}-${lang}.png`), fullPage: true });
      problems.push(...(await this.accessibilityProblems()).map((p) => `${name} (${lang}): ${p}`));
    }
    if ((await this.language()) !== first) await this.switchLanguage();
    return problems;
  }
  // ---- the counter's other functions (src/ui/terminal/cashier/counter-keys.tsx): returns, reprints, the member's extras, device states

  returnForm(): Locator {
    return this.page.locator('[data-screen="return"]');
  }
  returnDone(): Locator {
    return this.page.locator('[data-screen="return-done"]');
  }
  /** The form of an action bonus, a membership sale or a donation. */
  extraForm(kind: 'action' | 'membership' | 'donation'): Locator {
    return this.page.locator(`[data-screen="${kind}"]`);
  }
  extraDone(kind: 'action' | 'membership' | 'donation'): Locator {
    return this.page.locator(`[data-screen="extra-done"][data-kind="${kind}"]`);
  }
  reprintNotice(): Locator {
    return this.page.getByTestId('reprint-notice');
  }
  printerState(state: string): Locator {
    return this.page.locator(`[data-testid="printer-state"][data-state="${state}"]`);
  }
  anyPrinterTrouble(): Locator {
    return this.page.getByTestId('printer-state');
  }
  scanRefused(reason: string): Locator {
    return this.page.locator(`[data-testid="scan-refused"][data-reason="${reason}"]`);
  }
  returnTaken(): Promise<number> {
    return this.figure('return-taken');
  }
  returnTxn(): Promise<string> {
    return this.text('return-txn');
  }
  returnBalance(): Promise<number> {
    return this.figure('return-balance');
  }
  extraDoneBalance(): Promise<number> {
    return this.figure('extra-done-balance');
  }
  extraDoneLine(): Promise<string> {
    return this.text('extra-done-line');
  }
  extraDoneTxn(): Promise<string> {
    return this.text('extra-done-txn');
  }
}

/**
 * Page object of the first-start setup screen (src/ui/terminal/setup): what a newcomer reads and
 * types (the example programs offered, the prefilled ids, the manager's PIN twice), and the cashier
 * screen it opens on. Evidence (screenshots, axe-core) comes from CashierPage on the same page.
 */
import type { Browser, Locator } from 'playwright-core';
import { CashierPage } from './cashier-page.js';

const TIMEOUT = 30_000;

export class SetupPage {
  private constructor(readonly cashier: CashierPage) {}

  /** A fresh browser context on the address a first-start host printed, showing the setup form. */
  static async open(browser: Browser, url: string): Promise<SetupPage> {
    const setup = new SetupPage(await CashierPage.openAt(browser, url));
    await setup.form().waitFor({ timeout: TIMEOUT });
    return setup;
  }

  form(): Locator {
    return this.cashier.page.locator('[data-screen="setup"]');
  }

  /** The example programs offered, as their option values (resources/programs file names). */
  programs(): Promise<string[]> {
    return this.cashier.page.locator('#setup-program option').evaluateAll((options) => options.map((o) => o.getAttribute('value') ?? ''));
  }

  value(id: 'setup-store' | 'setup-terminal' | 'setup-zone' | 'setup-manager-id'): Promise<string> {
    return this.cashier.page.locator(`#${id}`).inputValue();
  }

  seedChecked(): Promise<boolean> {
    return this.cashier.page.locator('#setup-seed').isChecked();
  }

  /** Types the manager's PIN in both PIN fields (focus starts in the first) and presses Enter. */
  async typePinsAndSubmit(pin: string, again = pin): Promise<void> {
    const page = this.cashier.page;
    await page.keyboard.type(pin);
    await page.locator('#setup-pin-again').fill(again);
    await page.keyboard.press('Enter');
  }

  /** The address's screen part, `#/cashier` once the setup opened the cashier screen. */
  hash(): string {
    return new URL(this.cashier.page.url()).hash;
  }

  pinMismatch(): Locator {
    return this.cashier.page.locator('#setup-pin-mismatch');
  }

  /** Picks one of the setup paths (demo, the chain's server, a program file). */
  async choosePath(path: 'demo' | 'server' | 'program'): Promise<void> {
    await this.cashier.page.locator(`#setup-path-${path}`).check();
    await this.cashier.page.locator(`[data-screen="setup"][data-path="${path}"]`).waitFor({ timeout: TIMEOUT });
  }

  /** The server path: its address and one-time code. */
  async fillServer(url: string, code: string): Promise<void> {
    await this.cashier.page.locator('#setup-server').fill(url);
    await this.cashier.page.locator('#setup-code').fill(code);
  }

  /** Fills both PIN fields and presses Enter in the second (wherever the focus was). */
  async fillPinsAndSubmit(pin: string): Promise<void> {
    const page = this.cashier.page;
    await page.locator('#setup-pin').fill(pin);
    await page.locator('#setup-pin-again').fill(pin);
    await page.locator('#setup-pin-again').press('Enter');
  }

  /** The refusal shown under the form: its code and its translated message. */
  async refusal(): Promise<{ code: string | null; message: string }> {
    const notice = this.form().locator('[data-error-code]');
    await notice.waitFor({ timeout: TIMEOUT });
    return { code: await notice.getAttribute('data-error-code'), message: (await notice.locator('.notice-message').innerText()).trim() };
  }

  /** Waits until the form is no longer busy (after a refusal, ready to submit again). */
  async idle(): Promise<void> {
    await this.form().locator('button[type="submit"][aria-busy="false"]').waitFor({ timeout: TIMEOUT });
  }
}

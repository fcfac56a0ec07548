/**
 * Page object of the customer display (src/ui/terminal/customer): what the customer reads across
 * the counter. Built on the cashier page's browser context (its instrumentation, screenshots in
 * both languages and axe-core checks), on the address the host printed for the display.
 */
import type { Browser, Locator } from 'playwright-core';
import { CashierPage } from './cashier-page.js';

const TIMEOUT = 20_000;

export type CustomerState = 'idle' | 'member' | 'preview' | 'thanks';

export class CustomerPage {
  private constructor(readonly screen: CashierPage) {}

  /** A fresh browser context on the display's address, showing its welcome. */
  static async open(browser: Browser, url: string): Promise<CustomerPage> {
    const display = new CustomerPage(await CashierPage.openAt(browser, url));
    await display.showing('idle').waitFor({ timeout: TIMEOUT });
    return display;
  }

  async close(): Promise<void> {
    await this.screen.close();
  }

  /** The display in a state. */
  showing(state: CustomerState): Locator {
    return this.screen.page.locator(`[data-screen="customer"][data-state="${state}"]`);
  }

  /** Waits until the display shows `state`. */
  async waitFor(state: CustomerState): Promise<void> {
    await this.showing(state).waitFor({ timeout: TIMEOUT });
  }

  private async text(testId: string): Promise<string> {
    const locator = this.screen.page.getByTestId(testId);
    await locator.waitFor({ timeout: TIMEOUT });
    return (await locator.innerText()).trim();
  }

  private async figure(testId: string): Promise<number> {
    const text = await this.text(testId);
    const n = Number(text.replace(/[,\s+]/g, ''));
    if (!Number.isInteger(n)) throw new Error(`${testId} shows "${text}", not a whole number`);
    return n;
  }

  greeting(): Promise<string> {
    return this.text('customer-name');
  }
  balance(): Promise<number> {
    return this.figure('customer-balance');
  }
  earn(): Promise<number> {
    return this.figure('customer-earn');
  }
  balanceAfter(): Promise<number> {
    return this.figure('customer-balance-after');
  }
  amountDue(): Promise<string> {
    return this.text('customer-amount-due');
  }
  earnedLine(): Promise<string> {
    return this.text('customer-earned');
  }
  tier(): Promise<string> {
    return this.text('customer-tier');
  }
  /** Everything the display shows, as text (to check what it must never show). */
  async allText(): Promise<string> {
    return this.screen.page.locator('body').innerText();
  }

  capture(name: string): Promise<string[]> {
    return this.screen.capture(name);
  }
}

/**
 * Page object of the manager screen (src/ui/terminal/manager) for the e2e suite: what a manager does
 * (add the first manager, log in, find a member, adjust points, log out) and what they read. The
 * page itself, its instrumentation, screenshots and axe-core checks are the cashier page object's
 * (tests/e2e/pages/cashier-page.ts): one browser page, seen through the manager's actions.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { CashierPage } from './cashier-page.js';

const TIMEOUT = 20_000;

export class ManagerPage {
  private constructor(private readonly base: CashierPage) {}

  /** A fresh browser context on `#/manager` of the browser host whose printed address is `hostUrl`. */
  static async open(browser: Browser, hostUrl: string): Promise<ManagerPage> {
    const m = /^(http:\/\/127\.0\.0\.1:\d+\/)#secret=(.+)$/.exec(hostUrl);
    if (!m) throw new Error(`not a browser host address: ${hostUrl}`);
    const manager = new ManagerPage(await CashierPage.openAt(browser, `${m[1]}#/manager&secret=${m[2]}`));
    await manager.page.locator('[data-screen="manager-first"], [data-screen="manager-login"]').first().waitFor({ timeout: TIMEOUT });
    return manager;
  }

  get page(): Page {
    return this.base.page;
  }

  async close(): Promise<void> {
    await this.base.close();
  }

  // ---- where the screen is

  firstManagerForm(): Locator {
    return this.page.locator('[data-screen="manager-first"]');
  }
  loginForm(): Locator {
    return this.page.locator('[data-screen="manager-login"]');
  }
  memberSearch(): Locator {
    return this.page.locator('[data-screen="manager-members"]');
  }
  memberPage(): Locator {
    return this.page.locator('[data-screen="manager-member"]');
  }
  loginNotice(): Locator {
    return this.page.getByTestId('manager-login-notice');
  }
  wrongPin(): Locator {
    return this.page.getByTestId('manager-wrong-pin');
  }
  connection(state: 'open' | 'unreachable'): Locator {
    return this.base.connection(state);
  }

  // ---- what a manager does

  async addFirstManager(id: string, name: string, pin: string): Promise<void> {
    await this.page.locator('#first-manager-id').fill(id);
    await this.page.locator('#first-manager-name').fill(name);
    await this.page.locator('#first-manager-pin').fill(pin);
    await this.page.keyboard.press('Enter');
    await this.loginForm().waitFor({ timeout: TIMEOUT });
  }

  /** Types the id (if not already there) and the PIN, then Enter. */
  async logIn(id: string, pin: string): Promise<void> {
    await this.page.locator('#manager-id').fill(id);
    await this.page.locator('#manager-pin').fill(pin);
    await this.page.keyboard.press('Enter');
  }

  async managerIdValue(): Promise<string> {
    return this.page.locator('#manager-id').inputValue();
  }
  async pinValue(): Promise<string> {
    return this.page.locator('#manager-pin').inputValue();
  }
  async pinFieldType(): Promise<string | null> {
    return this.page.locator('#manager-pin').getAttribute('type');
  }

  async identity(): Promise<string> {
    const locator = this.page.getByTestId('manager-identity');
    await locator.waitFor({ timeout: TIMEOUT });
    return (await locator.innerText()).trim();
  }

  async search(query: string): Promise<void> {
    await this.page.locator('#member-query').fill(query);
    await this.page.keyboard.press('Enter');
  }

  /** The search's result buttons, once the list is there. */
  async results(): Promise<string[]> {
    await this.page.getByTestId('member-results').waitFor({ timeout: TIMEOUT });
    return (await this.page.getByTestId('member-results').getByRole('button').allInnerTexts()).map((text) => text.trim());
  }

  async openResult(index: number): Promise<void> {
    await this.page.getByTestId('member-results').getByRole('button').nth(index).click();
    await this.memberPage().waitFor({ timeout: TIMEOUT });
  }

  async memberBalance(): Promise<number> {
    const text = (await this.page.getByTestId('manager-member-balance').innerText()).trim();
    const n = Number(text.replace(/[,\s]/g, ''));
    if (!Number.isInteger(n)) throw new Error(`the balance shows "${text}", not a whole number`);
    return n;
  }

  /** Books an adjustment and returns the POS transaction id the screen shows for it. */
  async adjust(points: string, reason: string): Promise<string> {
    await this.page.locator('#adjust-points').fill(points);
    await this.page.locator('#adjust-reason').fill(reason);
    await this.page.keyboard.press('Enter');
    const booked = this.page.getByTestId('adjust-booked');
    await booked.waitFor({ timeout: TIMEOUT });
    const txn = await booked.getAttribute('data-txn');
    if (txn === null) throw new Error('the booked adjustment names no transaction');
    return txn;
  }

  async adjustedText(): Promise<string> {
    return (await this.page.getByTestId('adjust-booked').innerText()).trim();
  }

  async openDashboard(): Promise<void> {
    await this.page.getByRole('button', { name: /^(Dashboard|대시보드)$/ }).click();
    await this.page.locator('[data-screen="manager-dashboard"]').waitFor({ timeout: TIMEOUT });
  }

  /** A dashboard figure ("1,234 points held by …" reads as its first number). */
  async dashboardFigure(name: 'enrolled' | 'issued' | 'redeemed' | 'liability'): Promise<number> {
    const text = (await this.page.getByTestId(`dashboard-${name}`).innerText()).trim();
    const m = /^[\d,]+/.exec(text);
    if (!m) throw new Error(`dashboard-${name} shows "${text}", not a number`);
    return Number(m[0].replace(/,/g, ''));
  }

  /** The chart's days, as its data table lists them (one row per day). */
  async dashboardDays(): Promise<string[]> {
    return this.page.getByTestId('dashboard-table').locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-day') ?? ''));
  }

  async chartBars(): Promise<number> {
    return this.page.getByTestId('points-chart').locator('rect').count();
  }

  async logOut(): Promise<void> {
    await this.page.getByRole('button', { name: /^(Log out|로그아웃)$/ }).click();
    await this.loginForm().waitFor({ timeout: TIMEOUT });
  }

  // ---- evidence (the cashier page object's)

  capture(name: string): Promise<string[]> {
    return this.base.capture(name);
  }
  cspViolations(): Promise<string[]> {
    return this.base.cspViolations();
  }
  focusedId(): Promise<string> {
    return this.base.focusedId();
  }
}

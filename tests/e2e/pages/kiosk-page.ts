/**
 * Page object of the kiosk (src/ui/terminal/kiosk): a customer scans their own card and reads it.
 * Its browser context has Playwright's clock installed (the one thing faked: time flows normally
 * until the test jumps it forward), so "back to Scan your card after a while" is checked without
 * waiting for it. Built on the cashier page's context (instrumentation, screenshots, axe-core).
 */
import type { Browser, Locator } from 'playwright-core';
import { CashierPage } from './cashier-page.js';

const TIMEOUT = 20_000;
const SCAN_ATTEMPTS = 5;

export class KioskPage {
  private constructor(readonly screen: CashierPage) {}

  /** A fresh browser context with a controllable clock, on the kiosk's address, waiting for a card. */
  static async open(browser: Browser, url: string): Promise<KioskPage> {
    const screen = await CashierPage.openAt(browser, 'about:blank');
    await screen.context.clock.install();
    await screen.page.goto(url);
    const kiosk = new KioskPage(screen);
    await kiosk.waiting().waitFor({ timeout: TIMEOUT });
    return kiosk;
  }

  get page() {
    return this.screen.page;
  }

  async close(): Promise<void> {
    await this.screen.close();
  }

  waiting(): Locator {
    return this.page.locator('[data-screen="kiosk-waiting"]');
  }
  member(): Locator {
    return this.page.locator('[data-screen="kiosk-member"]');
  }
  refused(code?: string): Locator {
    return this.page.locator(code ? `[data-screen="kiosk-refused"] [data-error-code="${code}"]` : '[data-screen="kiosk-refused"]');
  }

  /** A card scanned at the kiosk's scanner (a keyboard-wedge burst); sent again after a reload if the keys came too slowly to be a scan. */
  async scan(code: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (await this.screen.burst(code)) return;
      if (attempt === SCAN_ATTEMPTS) throw new Error(`${SCAN_ATTEMPTS} bursts, and the kiosk never received the keys at scanner speed`);
      await this.page.reload();
      await this.waiting().waitFor({ timeout: TIMEOUT });
    }
  }

  /** Time passes at the kiosk (nobody touches it). */
  async idleFor(ms: number): Promise<void> {
    await this.page.clock.fastForward(ms);
  }

  private async text(testId: string): Promise<string> {
    const locator = this.page.getByTestId(testId);
    await locator.waitFor({ timeout: TIMEOUT });
    return (await locator.innerText()).trim();
  }

  name(): Promise<string> {
    return this.text('kiosk-name');
  }
  async balance(): Promise<number> {
    const text = await this.text('kiosk-balance');
    const n = Number(text.replace(/[,\s]/g, ''));
    if (!Number.isInteger(n)) throw new Error(`the balance shows "${text}"`);
    return n;
  }
  /** The history table's rows: what (in the screen's words) and the signed points. */
  async history(): Promise<{ what: string; points: number }[]> {
    await this.page.getByTestId('kiosk-history').waitFor({ timeout: TIMEOUT });
    const rows = await this.page.getByTestId('kiosk-history').locator('tbody tr').all();
    const out: { what: string; points: number }[] = [];
    for (const row of rows) {
      const cells = await row.locator('td').allInnerTexts();
      out.push({ what: cells[1]!.trim(), points: Number(cells[2]!.replace(/[,\s+]/g, '').replace(/^−/, '-')) });
    }
    return out;
  }
  async expiring(): Promise<string[]> {
    await this.page.getByTestId('kiosk-expiring').waitFor({ timeout: TIMEOUT });
    return this.page.getByTestId('kiosk-expiring').locator('li').allInnerTexts();
  }

  /** The address bar's fragment changed by hand (a customer typing another screen's address). */
  async typeAddressFragment(fragment: string): Promise<void> {
    await this.page.evaluate(`window.location.hash = ${JSON.stringify(fragment)}`);
  }

  /** What the page's own connection holds: the secret it keeps for this tab. */
  async secretItHolds(): Promise<string | null> {
    return (await this.page.evaluate("sessionStorage.getItem('tally.host-secret')")) as string | null;
  }

  /**
   * From inside the kiosk page, with the secret the page holds: one request per method on a socket
   * of its own, as a customer with the browser's developer tools could send them. The replies' codes.
   */
  async tryMethods(requests: readonly { readonly name: string; readonly args: unknown }[]): Promise<{ name: string; type: string; code: string | null }[]> {
    const script = `new Promise((resolve, reject) => {
      const requests = ${JSON.stringify(requests)};
      const socket = new WebSocket('ws://' + location.host + '/?secret=' + encodeURIComponent(sessionStorage.getItem('tally.host-secret')));
      const replies = [];
      socket.onerror = () => reject(new Error('socket error'));
      socket.onmessage = (event) => {
        const m = JSON.parse(event.data);
        if (m.type === 'push') return;
        replies.push({ name: requests[Number(m.id)].name, type: m.type, code: m.error ? m.error.code : null });
        if (replies.length === requests.length) { socket.close(); resolve(replies); }
      };
      socket.onopen = () => requests.forEach((r, i) => socket.send(JSON.stringify({ id: String(i), name: r.name, args: r.args })));
    })`;
    return (await this.page.evaluate(script)) as { name: string; type: string; code: string | null }[];
  }

  capture(name: string): Promise<string[]> {
    return this.screen.capture(name);
  }
}

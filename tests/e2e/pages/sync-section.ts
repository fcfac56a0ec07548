/**
 * Page object of the manager screen's "Sync" section (src/ui/terminal/manager/sync-panel.tsx and
 * eod-report.tsx), on a ManagerPage already logged in: what a manager reads (online or offline,
 * entries waiting, the progress bar while a sync runs, the end-of-day report) and does ("Sync now",
 * "Run end of day").
 */
import type { Locator } from 'playwright-core';
import type { ManagerPage } from './manager-page.js';

const TIMEOUT = 60_000;

export interface EodRow {
  readonly figure: string;
  readonly terminal: string;
  readonly server: string;
  readonly differs: boolean;
}

export class SyncSection {
  constructor(private readonly manager: ManagerPage) {}

  async open(): Promise<void> {
    await this.manager.page.getByRole('button', { name: /^(Sync|동기화)$/ }).click();
    await this.section().waitFor({ timeout: TIMEOUT });
  }

  section(): Locator {
    return this.manager.page.locator('[data-screen="manager-sync"]');
  }

  /** "Online", "Offline since …" (as shown). */
  link(): Locator {
    return this.manager.page.getByTestId('sync-link');
  }

  async unsynced(): Promise<number> {
    const text = (await this.manager.page.getByTestId('sync-unsynced').innerText()).trim();
    const n = Number(text.replace(/[,\s]/g, ''));
    if (!Number.isInteger(n)) throw new Error(`sync-unsynced shows "${text}", not a whole number`);
    return n;
  }

  /**
   * From now on, records every state of the progress bar the page shows (its aria-valuenow, and
   * "gone" when it leaves), whatever the timing: an observer in the page, not polling.
   */
  async recordProgress(): Promise<void> {
    await this.manager.page.evaluate(`(() => {
      const seen = [];
      window.__syncProgress = seen;
      const note = () => {
        const bar = document.querySelector('[data-screen="manager-sync"] [role="progressbar"]');
        const value = bar === null ? 'gone' : [bar.getAttribute('aria-valuemin'), bar.getAttribute('aria-valuenow'), bar.getAttribute('aria-valuemax')].join('/');
        if (seen[seen.length - 1] !== value) seen.push(value);
      };
      note();
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
    })()`);
  }

  /** What recordProgress saw: "min/now/max" per state of the bar, "gone" while there was none. */
  async progressSeen(): Promise<string[]> {
    return (await this.manager.page.evaluate('window.__syncProgress ?? []')) as string[];
  }

  /** Presses "Sync now"; resolves once the screen says what the sync did, or its refusal. */
  async syncNow(): Promise<'done' | 'refused'> {
    const page = this.manager.page;
    await page.getByTestId('sync-now').click();
    const done = page.getByTestId('sync-done');
    const refused = this.section().locator('[data-error-code]');
    await done.or(refused).first().waitFor({ timeout: TIMEOUT });
    return (await done.count()) > 0 ? 'done' : 'refused';
  }

  refusal(): Locator {
    return this.section().locator('[data-error-code]');
  }

  async refusalMessage(): Promise<string> {
    return (await this.refusal().locator('.notice-message').innerText()).trim();
  }

  async endOfDay(): Promise<void> {
    await this.manager.page.getByTestId('eod-run').click();
    await this.manager.page.getByTestId('eod-report').waitFor({ timeout: TIMEOUT });
  }

  async eodStatus(): Promise<string | null> {
    return this.manager.page.getByTestId('eod-report').getAttribute('data-status');
  }

  async eodStatusText(): Promise<string> {
    return (await this.manager.page.getByTestId('eod-status').innerText()).trim();
  }

  /** The report's rows: each figure's raw value here and on the server, and whether it is marked as differing. */
  async eodRows(): Promise<EodRow[]> {
    return this.manager.page.getByTestId('eod-table').locator('tbody tr').evaluateAll((rows) =>
      rows.map((row) => ({
        figure: row.getAttribute('data-figure') ?? '',
        terminal: row.getAttribute('data-terminal') ?? '',
        server: row.getAttribute('data-server') ?? '',
        differs: row.querySelector('[data-testid="eod-mismatch"]') !== null,
      })),
    );
  }

  async eodText(testId: 'eod-backup' | 'eod-slip'): Promise<string> {
    return (await this.manager.page.getByTestId(testId).innerText()).trim();
  }
}

/**
 * Keyboard wedge in a real browser: headless Chromium types into tests/e2e/pages/wedge.html, which
 * runs the compiled detector (dist/) the way the cashier and kiosk screens will. Keys arrive as
 * trusted keydown events, with the browser's own timestamps.
 *
 * Timing on a loaded machine: Playwright's `delay: 5` usually gives 6–10 ms between keydowns, but a
 * busy 2-core machine can stall one past 40 ms, and then the run says nothing about the detector.
 * The page records every keydown's timestamp; a scanner-speed run whose keys did not actually
 * arrive at scanner speed is repeated (a few times at most), never judged. Human-speed runs cannot
 * be sped up by load, so they need no such check.
 */
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDistMatchesSource, launchChromium, REPO, serveStatic, type StaticServer } from '../support/browser.js';
import { AZERTY_SCANNER_ON_US_PC, US_SCANNER_ON_AZERTY_PC, type LayoutFixture } from './wedge-fixtures.js';

type LogEntry = { readonly type: 'scan'; readonly text: string } | { readonly type: 'keys'; readonly keys: readonly string[] };
interface Keydown {
  readonly key: string;
  readonly time: number;
}
interface Outcome {
  readonly log: readonly LogEntry[];
  readonly keydowns: readonly Keydown[];
}

const GS = '\u001d';
const EAN = '2012345678903';
/** The detector's default: the most time between two keys of a scanner's burst. */
const MAX_INTER_KEY_MS = 40;
const ATTEMPTS = 5;

let server: StaticServer | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  // The page imports the compiled detector: never test a build older than the source.
  assertDistMatchesSource(['src/core/wedge/detector.ts', 'src/core/wedge/layouts.ts']);
  server = await serveStatic(REPO);
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page (a fresh detector) with options in the query string. */
async function open(query = ''): Promise<void> {
  pageErrors.length = 0;
  await page.goto(`${server!.url}tests/e2e/pages/wedge.html${query}`);
  try {
    await page.waitForFunction('document.documentElement.dataset.wedgeReady === "true"', undefined, { timeout: 5_000 });
  } catch (error) {
    throw new Error(`the wedge page did not start: ${pageErrors.join('; ') || String(error)}`, { cause: error });
  }
}

/** Waits until the detector holds nothing (a silent burst is settled by the page's timer). */
async function outcome(): Promise<Outcome> {
  await page.waitForFunction('!window.wedgeHolding()', undefined, { timeout: 5_000 });
  const [log, keydowns] = (await page.evaluate('[window.wedgeLog, window.wedgeKeydowns]')) as [LogEntry[], Keydown[]];
  return { log, keydowns };
}

/** The longest gap between consecutive keydowns from index `from` to `to` (exclusive). */
function maxGap(keydowns: readonly Keydown[], from = 0, to = keydowns.length): number {
  let gap = 0;
  for (let i = from + 1; i < to; i++) gap = Math.max(gap, keydowns[i]!.time - keydowns[i - 1]!.time);
  return gap;
}

/**
 * Opens the page and runs `act`, again if the keydowns of the `bursts` (index ranges, end exclusive)
 * did not reach the page at scanner speed (see the top of the file).
 */
async function atScannerSpeed(
  query: string,
  act: () => Promise<void>,
  bursts: (keydowns: readonly Keydown[]) => ReadonlyArray<readonly [from: number, to: number]> = (k) => [[0, k.length]],
): Promise<Outcome> {
  for (let attempt = 1; ; attempt++) {
    await open(query);
    await act();
    const result = await outcome();
    const gap = Math.max(...bursts(result.keydowns).map(([from, to]) => maxGap(result.keydowns, from, to)));
    if (gap <= MAX_INTER_KEY_MS) return result;
    if (attempt === ATTEMPTS) throw new Error(`${ATTEMPTS} attempts, and the browser never received the keys at scanner speed (last: ${gap.toFixed(1)} ms between two keys)`);
    console.warn(`wedge e2e: keys arrived ${gap.toFixed(1)} ms apart (machine busy); typing again`);
  }
}

const releasedKeys = (log: readonly LogEntry[]): string[] => log.flatMap((e) => (e.type === 'keys' ? e.keys : []));
const scans = (log: readonly LogEntry[]): string[] => log.flatMap((e) => (e.type === 'scan' ? [e.text] : []));

describe('keyboard wedge in Chromium', () => {
  it('a code typed at scanner speed (5 ms) and Enter is exactly one scan; nothing reaches the screen', async () => {
    const { log, keydowns } = await atScannerSpeed('', async () => {
      await page.keyboard.type(EAN, { delay: 5 });
      await page.keyboard.press('Enter');
    });
    expect(keydowns).toHaveLength(EAN.length + 1);
    expect(log).toEqual([{ type: 'scan', text: EAN }]);
    expect(await page.locator('#scans li').allTextContents()).toEqual([EAN]);
    expect(await page.locator('#keys li').count()).toBe(0);
  });

  it('the same code at human speed (120 ms) is no scan: every key is released to the screen, in order', async () => {
    await open();
    await page.keyboard.type(EAN, { delay: 120 });
    await page.keyboard.press('Enter');
    const { log, keydowns } = await outcome();
    expect(keydowns.slice(1).every((k, i) => k.time - keydowns[i]!.time > MAX_INTER_KEY_MS)).toBe(true);
    expect(scans(log)).toEqual([]);
    expect(releasedKeys(log).join('')).toBe(EAN);
    // Each key on its own (the next one came too late to join it); the Enter was never held.
    expect(log.every((e) => e.type === 'keys' && e.keys.length === 1)).toBe(true);
    expect(await page.locator('#keys li').count()).toBe(EAN.length);
  });

  it('typing fast in the text field: the field gets every character, nothing is held, nothing is a scan', async () => {
    await open();
    await page.focus('#field');
    await page.keyboard.type(EAN, { delay: 5 });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(150); // longer than the silence that would end a burst
    const { log, keydowns } = await outcome();
    expect(keydowns).toHaveLength(EAN.length + 1);
    expect(await page.inputValue('#field')).toBe(EAN);
    expect(log).toEqual([]);
  });

  it('a GS1 code with an AIM prefix and GS separators (Ctrl+] and Alt+0029) keeps them in the text', async () => {
    const { log } = await atScannerSpeed('', async () => {
      await page.keyboard.type(']C1010950110153000310ABC123', { delay: 5 });
      await page.keyboard.press('Control+]');
      await page.keyboard.type('21XYZ', { delay: 5 });
      await page.keyboard.down('Alt');
      for (const digit of '0029') await page.keyboard.press(`Numpad${digit}`);
      await page.keyboard.up('Alt');
      await page.keyboard.type('17261231', { delay: 5 });
      await page.keyboard.press('Enter');
    });
    expect(log).toEqual([{ type: 'scan', text: `]C1010950110153000310ABC123${GS}21XYZ${GS}17261231` }]);
  });

  it("a person's key, a pause, a scan, then a person's key at once: the scan alone is a scan, in order", async () => {
    const { log } = await atScannerSpeed(
      '',
      async () => {
        await page.keyboard.press('x');
        await page.waitForTimeout(150);
        await page.keyboard.type(EAN, { delay: 5 });
        await page.keyboard.press('Enter');
        await page.keyboard.press('y');
      },
      () => [[1, 1 + EAN.length + 1]], // the code and its Enter; the person's keys are slow on purpose
    );
    expect(log).toEqual([
      { type: 'keys', keys: ['x'] },
      { type: 'scan', text: EAN },
      { type: 'keys', keys: ['y'] },
    ]);
  });

  it('minLength, prefix and suffix come from the page options', async () => {
    const { log } = await atScannerSpeed('?minLength=6&prefix=%23%23&suffix=%25', async () => {
      await page.keyboard.type('##12345', { delay: 5 }); // too short once the prefix is stripped
      await page.keyboard.press('Enter');
      await page.waitForTimeout(150);
      await page.keyboard.type('##123456%', { delay: 5 });
      await page.keyboard.press('Enter');
    }, (k) => [[0, 8], [8, k.length]]);
    expect(log).toEqual([
      { type: 'keys', keys: [...'##12345'] },
      { type: 'scan', text: '123456' },
    ]);
  });
});

describe('keyboard layouts (trusted key events through CDP)', () => {
  const SHIFT = 8;
  const CTRL = 2;
  const ALT = 1;

  /** Sends a fixture's keys as a scanner would: Shift pressed around shifted keys, then Enter. */
  async function scanFixture(cdp: CDPSession, fixture: LayoutFixture): Promise<void> {
    const send = (type: 'keyDown' | 'keyUp', key: string, code: string, modifiers: number, text = ''): Promise<unknown> =>
      cdp.send('Input.dispatchKeyEvent', { type, key, code, modifiers, ...(type === 'keyDown' && text !== '' ? { text, unmodifiedText: text } : {}) });
    for (const k of fixture.keys) {
      const modifiers = (k.shiftKey === true ? SHIFT : 0) | (k.ctrlKey === true ? CTRL : 0) | (k.altKey === true ? ALT : 0);
      if (k.shiftKey === true) await send('keyDown', 'Shift', 'ShiftLeft', SHIFT);
      await send('keyDown', k.key, k.code, modifiers, k.key);
      await send('keyUp', k.key, k.code, modifiers);
      if (k.shiftKey === true) await send('keyUp', 'Shift', 'ShiftLeft', 0);
    }
    await send('keyDown', 'Enter', 'Enter', 0, '\r');
    await send('keyUp', 'Enter', 'Enter', 0);
  }

  let cdp: CDPSession;
  beforeAll(async () => {
    cdp = await page.context().newCDPSession(page);
  });
  afterAll(async () => {
    await cdp.detach();
  });

  it("a US-layout scanner on a French AZERTY PC: key '&' code 'Digit1' reads '1' with layout=us", async () => {
    const { log, keydowns } = await atScannerSpeed('?layout=us', () => scanFixture(cdp, US_SCANNER_ON_AZERTY_PC));
    expect(keydowns.slice(0, 4).map((k) => k.key)).toEqual(['$', 'Shift', 'E', 'à']); // what the page was told
    expect(log).toEqual([{ type: 'scan', text: US_SCANNER_ON_AZERTY_PC.text }]);
  });

  it('the same scanner read by `key` gives the French nonsense (why the layout option exists)', async () => {
    const { log } = await atScannerSpeed('', () => scanFixture(cdp, US_SCANNER_ON_AZERTY_PC));
    expect(log).toEqual([{ type: 'scan', text: '$Eà&é"\'(-è_çà)QAZW?,m!:' }]);
  });

  it("an AZERTY-emulating scanner on a US PC: Shift+Digit1 reads '1' with layout=azerty", async () => {
    const { log } = await atScannerSpeed('?layout=azerty', () => scanFixture(cdp, AZERTY_SCANNER_ON_US_PC));
    expect(log).toEqual([{ type: 'scan', text: AZERTY_SCANNER_ON_US_PC.text }]);
  });
});

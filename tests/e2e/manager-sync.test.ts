/**
 * The manager screen's "Sync" section on a terminal enrolled with a real server (a `tally-server`
 * process) in headless Chromium, against the real browser host, with a loopback TCP printer:
 *  - online at first; the server stopped, entries booked at the counter wait, and "Sync now" says
 *    why it could not sync (translated) and that the terminal is offline with entries waiting;
 *  - the server back, "Sync now" shows its progress bar (role=progressbar, 0–100) and ends online
 *    with nothing waiting;
 *  - end of day shows every figure beside the server's, all agreeing, confirmed, backed up, and
 *    its slip comes out of the printer.
 * Screens in English and Korean under .ci/artifacts/screens/, checked with axe-core.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { assertUiBuilt, startBrowserHost, type RunningBrowserHost } from '../support/browser-host.js';
import { TcpPrinterEmulator } from '../support/printer-emulator.js';
import { SyncWorld } from '../support/sync-world.js';
import { ManagerPage } from './pages/manager-page.js';
import { SyncSection } from './pages/sync-section.js';
import { eventually as waitUntil } from '../support/counter-cli.js';

let world: SyncWorld;
let printer: TcpPrinterEmulator;
let host: RunningBrowserHost;
let browser: Browser;
let manager: ManagerPage;
let sync: SyncSection;
const a11y: string[] = [];
const SALES = 3;

async function tally(args: string[]): Promise<void> {
  const run = await world.tally(world.terminals[0]!.db, args);
  if (run.status !== 0) throw new Error(`tally ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
}

/** Waits for a condition outside the page (the printer, the ledger), checking every 100 ms; a timeout says what the test saw. */
const eventually = (what: string, condition: () => boolean, timeoutMs = 45_000): Promise<void> =>
  waitUntil(what, condition, { timeoutMs, explain: () => `the printer has printed:\n${printer.decodePrinted().lines.join('\n')}` });

beforeAll(async () => {
  assertUiBuilt();
  world = await SyncWorld.start({ label: 'ui-manager-sync', terminals: 1 });
  printer = await TcpPrinterEmulator.start('ready');
  await tally(['printer', 'add', '--id', 'receipt', '--tcp', `${printer.host}:${printer.port}`, '--profile', 'epson-tm-80-42', '--slip-lang', 'en', '--timeout', '5000']);
  host = await startBrowserHost({ db: world.terminals[0]!.db, cwd: world.dir });
  browser = await launchChromium();
  manager = await ManagerPage.open(browser, host.url);
  await manager.addFirstManager('boss', 'Dana Boss', '4827');
  await manager.logIn('boss', '4827');
  await manager.identity();
  sync = new SyncSection(manager);
}, 120_000);

afterAll(async () => {
  await manager?.close();
  await browser?.close();
  await host?.stop();
  await printer?.close();
  await world?.close();
});

describe('sync and end of day on the manager screen', () => {
  it('says online with nothing waiting once the host has synced', async () => {
    await sync.open();
    await sync.link().getByText('Online', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await sync.unsynced()).toBe(0);
    a11y.push(...(await manager.capture('manager-sync')));
  });

  it('the server away: entries booked at the counter wait, and "Sync now" says why and that the terminal is offline', async () => {
    await world.server.stop();
    const card = world.newCard();
    await tally(['member', 'add', '--card', card, '--name', 'Alex Morgan']);
    for (let i = 1; i <= SALES; i += 1) await tally(['checkout', '--card', card, '--amount', String(1000 * i), '--txn', `EOD-POS-${i}`]);
    expect(await sync.syncNow()).toBe('refused');
    expect(await sync.refusal().getAttribute('data-error-code')).toBe('io-error');
    // The link, not the disk: the server's meaning of the code.
    expect(await sync.refusalMessage()).toBe('The server cannot be reached. Nothing was lost: the entries wait on this terminal. Check the network and try again.');
    await sync.link().getByText(/^Offline since /).waitFor({ timeout: 30_000 });
    expect(await sync.unsynced()).toBeGreaterThan(0);
    a11y.push(...(await manager.capture('manager-sync-offline')));
  });

  it('the server back: "Sync now" shows its progress bar, then online with nothing waiting', async () => {
    await world.startServer(String(world.serverPort()));
    await sync.recordProgress();
    expect(await sync.syncNow()).toBe('done');
    await sync.link().getByText('Online', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await sync.unsynced()).toBe(0);
    const seen = await sync.progressSeen();
    // The bar came while the sync ran (0 to 100, its value moving forward only) and went when it ended.
    const bars = seen.filter((s) => s !== 'gone');
    expect(bars.length).toBeGreaterThan(0);
    expect(bars.every((s) => /^0\/\d{1,3}\/100$/.test(s))).toBe(true);
    const values = bars.map((s) => Number(s.split('/')[1]));
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe('gone');
    expect(world.pending(world.terminals[0]!)).toBe(0);
  });

  it('end of day shows each figure beside the server’s, all agreeing, confirmed; its slip prints', async () => {
    await sync.endOfDay();
    expect(await sync.eodStatus()).toBe('confirmed');
    expect(await sync.eodStatusText()).toBe('Confirmed by the server: every figure agrees.');
    const rows = await sync.eodRows();
    const figures = rows.filter((r) => r.figure !== 'unsynced');
    expect(figures.length).toBe(13);
    for (const row of figures) {
      expect(row.server, row.figure).toBe(row.terminal);
      expect(row.differs, row.figure).toBe(false);
    }
    expect(rows.find((r) => r.figure === 'sales')?.terminal).toBe(String(SALES));
    expect(rows.find((r) => r.figure === 'membersEnrolled')?.terminal).toBe('1');
    expect(rows.find((r) => r.figure === 'unsynced')?.terminal).toBe('0');
    expect(await sync.eodText('eod-backup')).toMatch(/^Backup written: .+\.sqlite$/);
    expect(await sync.eodText('eod-slip')).toBe('The report’s slip is queued on printer receipt.');
    a11y.push(...(await manager.capture('manager-eod')));
    await eventually('the end-of-day slip on the printer', () => /End of day \d{4}-\d{2}-\d{2}/.test(printer.decodePrinted().lines.join('\n')));
    expect(printer.decodePrinted().lines.join('\n')).toContain('Confirmed by the server');
    expect(await manager.cspViolations()).toEqual([]);
  });

  it('had no serious or critical accessibility violation', () => {
    expect(a11y).toEqual([]);
  });
});

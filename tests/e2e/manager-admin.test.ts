/**
 * The manager screen's admin sections end to end: the real browser host (a child process) on a real
 * SQLite file made with the `tally` CLI, a loopback TCP receipt printer emulator, and headless
 * Chromium as two managers. Managers: a second one added, locked after 5 wrong PINs, unlocked by a
 * new PIN the first sets, then retired. Devices: a TCP printer added on the screen prints its test
 * slip; a scan test shows the next pushed scan; the print queue reprints a slip. A member's history
 * shows an adjustment; details and PIN changed; a member erased. The program: a new version's diff,
 * installed and in force (terminal-info); refusals through the translated error map. Every new
 * screen is captured in English and Korean under .ci/artifacts/screens/ and checked with axe-core.
 *
 * The tests run in order; each says what it starts from.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { assertUiBuilt, startBrowserHost, type RunningBrowserHost } from '../support/browser-host.js';
import { connect, until } from '../support/host-client.js';
import { REPO, tempDir } from '../support/ledger-fixture.js';
import { TcpPrinterEmulator } from '../support/printer-emulator.js';
import { ManagerAdminPage } from './pages/manager-admin-page.js';
import { ManagerPage } from './pages/manager-page.js';
import { tallyAt, eventually as waitUntil } from '../support/counter-cli.js';

/** An in-store EAN-13 card (prefix 29) with its check digit. */
function card(twelve: string): string {
  const sum = [...twelve].reduce((total, digit, i) => total + Number(digit) * (i % 2 === 0 ? 1 : 3), 0);
  return `${twelve}${(10 - (sum % 10)) % 10}`;
}

const KIM = card('290000000011');
const LEE = card('290000000028');
const HAN = { id: 'M-HAN', name: 'Han Seoyeon', pin: '482913' };
const PARK = { id: 'M-PARK', name: 'Park Jisoo', pin: '731942', newPin: '264810' };
const PROGRAM = join(REPO, 'resources', 'programs', 'classic-krw.json');

const { dir, cleanup } = tempDir('tally-manager-admin-e2e-');
const db = join(dir, 'lane.sqlite');
const secret = randomBytes(32).toString('base64url');

let host: RunningBrowserHost;
let browser: Browser;
let printer: TcpPrinterEmulator;
let han: ManagerPage;
let admin: ManagerAdminPage;
let park: ManagerPage | undefined;
/** The adjustment booked on Kim's page, reprinted later from the queue. */
let adjustmentTxn = '';
const a11y: string[] = [];

const tally = tallyAt(db, dir);

/** A query on the terminal's SQLite file itself, read-only (the host keeps it open meanwhile). */
function readLedger<T>(read: (file: Database.Database) => T): T {
  const file = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return read(file);
  } finally {
    file.close();
  }
}

function memberRow(name: string): { id: string; phone: string | null; pin_hash: string | null; erased_at: number | null } {
  const row = readLedger((file) => file.prepare('SELECT id, phone, pin_hash, erased_at FROM members WHERE id = (SELECT member_id FROM card_codes WHERE code = ?)').get(name));
  if (!row) throw new Error(`no member with card ${name}`);
  return row as { id: string; phone: string | null; pin_hash: string | null; erased_at: number | null };
}

function printedText(): string {
  return printer.decodePrinted().lines.join('\n');
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** Waits for a condition outside the page (the printer, the ledger), checking every 100 ms; a timeout says what the test saw. */
const eventually = (what: string, condition: () => boolean, timeoutMs = 45_000): Promise<void> =>
  waitUntil(what, condition, { timeoutMs, explain: () => `the print queue:\n${tally(['print', 'queue'])}\nthe printer has printed:\n${printedText()}` });

/** One request to the host over its own socket (outside the page), without a session. */
async function hostCall(name: string, args: Record<string, unknown>): Promise<unknown> {
  const client = await connect(host.socketUrl);
  try {
    client.send({ id: 'one', name, args });
    const reply = await until(client, (message: unknown) => ((message as { id?: unknown }).id === 'one' ? (message as { type: string; result?: unknown; error?: unknown }) : undefined));
    if (reply.type !== 'reply') throw new Error(`${name} refused: ${JSON.stringify(reply.error)}`);
    return reply.result;
  } finally {
    client.close();
  }
}

async function capture(page: ManagerPage, name: string): Promise<void> {
  a11y.push(...(await page.capture(name)));
}

beforeAll(async () => {
  assertUiBuilt();
  tally(['init', '--demo', '--program', PROGRAM, '--store', 'STORE-1', '--terminal', 'LANE-1']);
  tally(['member', 'add', '--card', KIM, '--name', 'Kim Minji', '--phone', '010-5555-1234']);
  tally(['member', 'add', '--card', LEE, '--name', 'Lee Jiwoo', '--phone', '010-7777-9876']);
  printer = await TcpPrinterEmulator.start('ready');
  host = await startBrowserHost({ db, cwd: dir, secret });
  browser = await launchChromium();
  han = await ManagerPage.open(browser, host.url);
  admin = new ManagerAdminPage(han);
}, 120_000);

afterAll(async () => {
  await park?.close();
  await han?.close();
  await browser?.close();
  await host?.stop();
  await printer?.close();
  cleanup();
});

describe('the manager screen’s admin sections in Chromium, against the browser host', () => {
  it('the first manager logs in and adds a second one under Managers', async () => {
    await han.addFirstManager(HAN.id, HAN.name, HAN.pin);
    await han.logIn(HAN.id, HAN.pin);
    await han.memberSearch().waitFor();
    await admin.openManagers();
    expect(await admin.managerState(HAN.id)).toBe('active');
    await admin.addManager(PARK.id, PARK.name, PARK.pin);
    expect(await admin.managerState(PARK.id)).toBe('active');
    expect(readLedger((file) => file.prepare('SELECT id FROM managers ORDER BY id').pluck().all())).toEqual([HAN.id, PARK.id]);
    await capture(han, 'manager-managers');
  });

  it('five wrong PINs lock a manager; another manager sets a new PIN, which unlocks them, and they log in with it', async () => {
    park = await ManagerPage.open(browser, host.url);
    await park.loginForm().waitFor();
    for (const left of [4, 3, 2, 1]) {
      await park.logIn(PARK.id, '000000');
      await park.wrongPin().getByText(`${left} tries left`).waitFor();
    }
    await park.logIn(PARK.id, '000000');
    await park.page.getByTestId('manager-locked').waitFor();
    // Locked means locked: the right PIN is refused too.
    await park.logIn(PARK.id, PARK.pin);
    await park.page.getByTestId('manager-locked').waitFor();
    expect(await park.page.getByTestId('manager-identity').count()).toBe(0);
    await capture(park, 'manager-login-locked');

    // The list is asked again when the section opens again.
    await admin.openMembers();
    await admin.openManagers();
    expect(await admin.managerState(PARK.id)).toBe('locked');
    await capture(han, 'manager-managers-locked');
    await admin.setManagerPin(PARK.id, PARK.newPin);
    await admin.waitForManagerState(PARK.id, 'active');

    await park.logIn(PARK.id, PARK.pin);
    await park.wrongPin().getByText('4 tries left').waitFor();
    await park.logIn(PARK.id, PARK.newPin);
    expect(await park.identity()).toBe(`Logged in as ${PARK.name} (${PARK.id})`);
  });

  it('a TCP printer added on the Devices screen prints its test slip on the printer, and shows as ready', async () => {
    await admin.openDevices();
    await han.page.getByText('No printer yet').waitFor();
    await admin.addTcpPrinter('receipt', printer.host, printer.port, 'epson-tm-80-42');
    const saved = readLedger((file) => file.prepare('SELECT transport, profile, enabled FROM printers WHERE id = ?').get('receipt')) as { transport: string; profile: string; enabled: number };
    expect(JSON.parse(saved.transport)).toMatchObject({ kind: 'tcp', host: printer.host, port: printer.port });
    expect(saved).toMatchObject({ profile: 'epson-tm-80-42', enabled: 1 });
    const job = await admin.testPrinter('receipt');
    expect(job).toBeGreaterThan(0);
    await eventually('the test slip on the printer', () => printedText().includes('Tally Test') || printedText().includes('TEST-'));
    await admin.printerCondition('receipt', 'ready');
    await capture(han, 'manager-devices');
  });

  it('the scan test shows the next code the host pushes', async () => {
    await admin.startScanTest();
    await hostCall('scan-arrived', { code: KIM });
    expect(await admin.scanTestResult()).toContain(KIM);
  });

  it("a member's history shows an adjustment as the newest entry; details and PIN are changed by the manager", async () => {
    await admin.openMembers();
    await han.search('Kim');
    await han.results();
    await han.openResult(0);
    await admin.history();
    adjustmentTxn = await han.adjust('250', 'goodwill: coffee machine broken');
    await admin.waitForNewestHistory('adjustment-credit');
    const [newest] = await admin.history();
    expect(newest?.points).toBe(250);
    expect(newest?.text).toContain(adjustmentTxn);
    expect(newest?.text).toContain('Manager adjustment (added)');
    await capture(han, 'manager-member-history');

    await admin.editDetails({ phone: '010-2222-3333' });
    expect(memberRow(KIM).phone).toBe('010-2222-3333');
    expect(memberRow(KIM).pin_hash).toBeNull();
    await admin.resetMemberPin('5831');
    expect(memberRow(KIM).pin_hash).not.toBeNull();
    // The adjustment's slip printed on the printer added above.
    await eventually('the adjustment slip on the printer', () => printedText().includes(adjustmentTxn));
  });

  it('a slip reprinted from the print queue prints again', async () => {
    await admin.openDevices();
    await admin.queueRow(adjustmentTxn).waitFor();
    await capture(han, 'manager-print-queue');
    const before = occurrences(printedText(), adjustmentTxn);
    expect(before).toBeGreaterThanOrEqual(1);
    const job = await admin.reprint(adjustmentTxn);
    expect(job).toBeGreaterThan(0);
    await eventually('the reprint on the printer', () => occurrences(printedText(), adjustmentTxn) > before);
    // The queue marks the job printed just after the printer took its bytes: ask again until it says so.
    const printed = han.page.locator(`[data-testid="print-queue"] tr[data-job="${job}"][data-state="printed"]`);
    const deadline = Date.now() + 45_000;
    while ((await printed.count()) === 0) {
      if (Date.now() > deadline) throw new Error(`job ${job} never showed as printed; the print queue:\n${tally(['print', 'queue'])}`);
      await admin.refreshQueue();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('a member erased after a confirmation with a reason: the page says so, and the ledger has no personal data left', async () => {
    await admin.openMembers();
    await han.search('Lee');
    await han.results();
    await han.openResult(0);
    const { id } = memberRow(LEE);
    await admin.askToErase('member asked for erasure at the counter');
    expect(await han.focusedId()).toBe('member-erase-confirm');
    await capture(han, 'manager-member-erase');
    await admin.confirmErase();
    const row = readLedger((file) => file.prepare('SELECT name, phone, erased_at FROM members WHERE id = ?').get(id)) as { name: string | null; phone: string | null; erased_at: number | null };
    expect(row).toEqual({ name: null, phone: null, erased_at: expect.any(Number) as number });
    expect(readLedger((file) => file.prepare('SELECT count(*) FROM card_codes WHERE member_id = ?').pluck().get(id))).toBe(0);
    await capture(han, 'manager-member-erased');
  });

  it('a new program version shows its diff, is installed, and is in force; a refused file says why in the screen’s words', async () => {
    const file = JSON.parse(readFileSync(PROGRAM, 'utf8')) as { version: number; earn: { rate: { per: number } } };
    const next = join(dir, 'classic-krw-v2.json');
    writeFileSync(next, JSON.stringify({ ...file, version: file.version + 1, earn: { ...file.earn, rate: { ...file.earn.rate, per: 500 } } }, null, 2));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ ...file, version: 'two' }));

    await admin.openProgram();
    expect(await admin.programVersion()).toBe(file.version);
    await admin.pickProgramFile(broken);
    expect(await admin.refusal()).toEqual({ code: 'invalid-program', text: 'The loyalty program is not valid. Ask a manager to check it.' });
    expect(await han.page.getByTestId('program-diff').count()).toBe(0);

    await admin.pickProgramFile(next);
    expect(await admin.programDiff()).toEqual(['changed earn.rate.per', 'changed version']);
    await capture(han, 'manager-program-diff');
    expect(await admin.installProgram()).toBe(`Version ${file.version + 1} is in force (was ${file.version}).`);
    await admin.waitForProgramVersion(file.version + 1);
    expect(await admin.programVersion()).toBe(file.version + 1);
    const info = (await hostCall('terminal-info', {})) as { program: { version: number } };
    expect(info.program.version).toBe(file.version + 1);
    await capture(han, 'manager-program');

    // The same file again: the host refuses it (not newer), through the translated error map.
    await admin.pickProgramFile(next);
    expect(await admin.programDiff()).toEqual([]);
    await han.page.getByTestId('program-diff').getByRole('button').click();
    expect(await admin.refusal()).toEqual({ code: 'invalid-program', text: 'The loyalty program is not valid. Ask a manager to check it.' });
    expect(await admin.programVersion()).toBe(file.version + 1);
  });

  it('a retired manager can no longer log in', async () => {
    await admin.openManagers();
    await admin.retireManager(PARK.id);
    await admin.waitForManagerState(PARK.id, 'retired');
    await park?.logOut();
    await park?.logIn(PARK.id, PARK.newPin);
    await park?.page.locator('[data-screen="manager-login"] [data-error-code="proof-refused"]').waitFor();
  });

  it('no new screen had a serious or critical accessibility violation, in either language, nor a CSP violation', async () => {
    expect(a11y).toEqual([]);
    expect(await han.cspViolations()).toEqual([]);
  });
});

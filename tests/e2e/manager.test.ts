/**
 * The manager screen end to end: the real browser host (a child process) on a real SQLite file made
 * with the `tally` CLI, and headless Chromium as a manager. A terminal without managers offers to
 * add the first; then a login (a wrong PIN says how many tries are left), a member found by name, an
 * adjustment booked in the manager's name (`manager:ID` on the ledger), and the end of the session
 * (logout; a restarted host no longer knows the token) back at the login. Every screen is captured
 * in English and Korean under .ci/artifacts/screens/ and checked with axe-core.
 *
 * The tests run in order; each says what it starts from.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { assertUiBuilt, startBrowserHost, type RunningBrowserHost } from '../support/browser-host.js';
import { connect, until } from '../support/host-client.js';
import { REPO, tempDir } from '../support/ledger-fixture.js';
import { ManagerPage } from './pages/manager-page.js';
import { tallyAt } from '../support/counter-cli.js';

/** An in-store EAN-13 card (prefix 29) with its check digit. */
function card(twelve: string): string {
  const sum = [...twelve].reduce((total, digit, i) => total + Number(digit) * (i % 2 === 0 ? 1 : 3), 0);
  return `${twelve}${(10 - (sum % 10)) % 10}`;
}

const KIM = card('290000000011');
const MANAGER = { id: 'M-HAN', name: 'Han Seoyeon', pin: '482913' };

const { dir, cleanup } = tempDir('tally-manager-e2e-');
const db = join(dir, 'lane.sqlite');
// Fixed for this run, so a restarted host lets the open page back in (TALLY_HOST_SECRET).
const secret = randomBytes(32).toString('base64url');

let host: RunningBrowserHost;
let browser: Browser;
let manager: ManagerPage;
const a11y: string[] = [];

const tally = tallyAt(db, dir);

function ledgerBalance(code: string): number {
  return (JSON.parse(tally(['balance', '--card', code, '--json'])) as { balance: number }).balance;
}

/** A query on the terminal's SQLite file itself, read-only (the host keeps it open meanwhile). */
function readLedger<T>(read: (file: Database.Database) => T): T {
  const file = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return read(file);
  } finally {
    file.close();
  }
}

/** Who the ledger says authorised a POS transaction (its `cashier`). */
function cashierOf(txnId: string): string | null {
  const row = readLedger((file) => file.prepare('SELECT cashier FROM transactions WHERE txn_id = ?').get(txnId) as { cashier: string | null } | undefined);
  if (!row) throw new Error(`no transaction ${txnId} in the ledger`);
  return row.cashier;
}

function managerIds(): string[] {
  return readLedger((file) => (file.prepare('SELECT id FROM managers ORDER BY id').all() as { id: string }[]).map((row) => row.id));
}

interface Figures {
  readonly days: readonly { readonly day: string; readonly figures: { readonly membersEnrolled: number; readonly pointsIssued: number; readonly pointsRedeemed: number } }[];
  readonly liability: { readonly points: number };
}

/** terminal-figures asked of the host over its own socket, in a session of the manager's. */
async function terminalFigures(): Promise<Figures> {
  const client = await connect(host.socketUrl);
  try {
    const reply = (id: string) => (message: unknown) => ((message as { id?: unknown }).id === id ? (message as { type: string; result?: unknown; error?: unknown }) : undefined);
    client.send({ id: 'login', name: 'manager-login', args: { managerId: MANAGER.id, pin: MANAGER.pin } });
    const login = await until(client, reply('login'));
    if (login.type !== 'reply') throw new Error(`manager-login refused: ${JSON.stringify(login.error)}`);
    client.send({ id: 'figures', name: 'terminal-figures', args: { days: 30 }, session: (login.result as { session: string }).session });
    const figures = await until(client, reply('figures'));
    if (figures.type !== 'reply') throw new Error(`terminal-figures refused: ${JSON.stringify(figures.error)}`);
    return figures.result as Figures;
  } finally {
    client.close();
  }
}

async function capture(name: string): Promise<void> {
  a11y.push(...(await manager.capture(name)));
}

beforeAll(async () => {
  assertUiBuilt();
  tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'STORE-1', '--terminal', 'LANE-1']);
  tally(['member', 'add', '--card', KIM, '--name', 'Kim Minji', '--phone', '010-5555-1234']);
  host = await startBrowserHost({ db, cwd: dir, secret });
  browser = await launchChromium();
  manager = await ManagerPage.open(browser, host.url);
}, 120_000);

afterAll(async () => {
  await manager?.close();
  await browser?.close();
  await host?.stop();
  cleanup();
});

describe('the manager screen in Chromium, against the browser host', () => {
  it('a terminal without managers says to set one up first; the first is added without a session', async () => {
    await manager.firstManagerForm().waitFor();
    await manager.page.getByText('Set up a manager first').waitFor();
    expect(await manager.focusedId()).toBe('first-manager-title');
    await capture('manager-first');
    await manager.addFirstManager(MANAGER.id, MANAGER.name, MANAGER.pin);
    await manager.loginNotice().getByText(`Manager ${MANAGER.id} added`).waitFor();
    expect(await manager.managerIdValue()).toBe(MANAGER.id);
    expect(managerIds()).toEqual([MANAGER.id]);
    expect(await manager.cspViolations()).toEqual([]);
  });

  it('a wrong PIN is refused with the tries left, in a masked field that is emptied', async () => {
    expect(await manager.pinFieldType()).toBe('password');
    await manager.logIn(MANAGER.id, '000000');
    await manager.wrongPin().getByText('4 tries left').waitFor();
    expect(await manager.pinValue()).toBe('');
    await capture('manager-login-wrong-pin');
    await manager.logIn(MANAGER.id, '111111');
    await manager.wrongPin().getByText('3 tries left').waitFor();
  });

  it('the right PIN logs in', async () => {
    await manager.logIn(MANAGER.id, MANAGER.pin);
    expect(await manager.identity()).toBe(`Logged in as ${MANAGER.name} (${MANAGER.id})`);
    await manager.memberSearch().waitFor();
    await capture('manager-members');
  });

  it("a member found by name shows their balance; an adjustment with a reason is booked in the manager's name", async () => {
    await manager.search('Kim');
    const results = await manager.results();
    expect(results).toHaveLength(1);
    expect(results[0]).toContain('Kim Minji');
    expect(results[0]).toContain(KIM);
    await manager.openResult(0);
    const before = ledgerBalance(KIM);
    expect(await manager.memberBalance()).toBe(before);
    const txn = await manager.adjust('250', 'goodwill: coffee machine broken');
    expect(await manager.memberBalance()).toBe(before + 250);
    expect(await manager.adjustedText()).toContain(`New balance: ${(before + 250).toLocaleString('en-US')} points`);
    expect(ledgerBalance(KIM)).toBe(before + 250);
    expect(cashierOf(txn)).toBe(`manager:${MANAGER.id}`);
    await capture('manager-member-adjusted');
  });

  it('an adjustment the screen cannot read is refused there, and nothing is booked', async () => {
    const balance = ledgerBalance(KIM);
    await manager.page.locator('#adjust-points').fill('12.5');
    await manager.page.locator('#adjust-reason').fill('typo');
    await manager.page.keyboard.press('Enter');
    await manager.page.getByText('Type a whole number of points other than zero').waitFor();
    expect(ledgerBalance(KIM)).toBe(balance);
  });

  it('the dashboard shows the figures terminal-figures gives, as a chart with a data table', async () => {
    await manager.openDashboard();
    const figures = await terminalFigures();
    const total = (pick: (d: Figures['days'][number]['figures']) => number): number => figures.days.reduce((sum, d) => sum + pick(d.figures), 0);
    expect(figures.days).toHaveLength(30);
    expect(await manager.dashboardDays()).toEqual(figures.days.map((d) => d.day));
    expect(await manager.chartBars()).toBe(60);
    expect(await manager.dashboardFigure('enrolled')).toBe(total((d) => d.membersEnrolled));
    expect(total((d) => d.membersEnrolled)).toBe(1);
    expect(await manager.dashboardFigure('issued')).toBe(total((d) => d.pointsIssued));
    expect(await manager.dashboardFigure('redeemed')).toBe(total((d) => d.pointsRedeemed));
    expect(await manager.dashboardFigure('liability')).toBe(figures.liability.points);
    expect(figures.liability.points).toBe(ledgerBalance(KIM));
    await capture('manager-dashboard');
  });

  it('logging out returns to the login and forgets the session', async () => {
    await manager.logOut();
    await manager.loginNotice().getByText('Logged out.').waitFor();
    await manager.logIn(MANAGER.id, MANAGER.pin);
    await manager.memberSearch().waitFor();
  });

  it('a host restarted meanwhile no longer knows the session: the next request ends it, back at the login, saying so', async () => {
    const port = host.port;
    expect(await host.stop()).toBe(0);
    await manager.connection('unreachable').waitFor();
    host = await startBrowserHost({ db, cwd: dir, port, secret });
    await manager.connection('open').waitFor({ timeout: 30_000 });
    await manager.search('Kim');
    await manager.loginForm().waitFor();
    await manager.loginNotice().getByText('Your manager session ended').waitFor();
    await capture('manager-session-ended');
  });

  it('no screen had a serious or critical accessibility violation, in either language, nor a CSP violation', async () => {
    expect(a11y).toEqual([]);
    expect(await manager.cspViolations()).toEqual([]);
  });
});

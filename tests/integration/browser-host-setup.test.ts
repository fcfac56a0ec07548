/**
 * The browser host's first start, as a real child process (what `npm start` runs) on an empty data
 * folder: it serves the screens and the setup contract, refuses every other method with
 * `not-initialised`, leaves no file behind a refused setup, and after a demo setup serves the
 * terminal on the same connection and secret (a `host-ready` push), with a ledger that verifies.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertUiBuilt, startBrowserHost } from '../support/browser-host.js';
import { connect, until } from '../support/host-client.js';
import { CLI_ENV, REPO, tempDir } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-browser-setup-');
afterAll(cleanup);

const manager = { managerId: 'M-PARK', name: 'Park Jiwoo', pin: '4827' };

describe('the browser host without a ledger (first start)', () => {
  beforeAll(() => assertUiBuilt());

  it('serves setup-status and setup-create only, then the terminal on the same connection', async () => {
    const folder = join(dir, 'fresh');
    const db = join(folder, 'tally.sqlite');
    const running = await startBrowserHost({ db, cwd: dir });
    try {
      expect(running.stderr()).toContain('no terminal database');
      const page = await connect(running.socketUrl, { origin: `http://127.0.0.1:${running.port}` });
      const status = await page.request(1, 'setup-status', {});
      expect(status).toMatchObject({ type: 'reply', id: 1, result: { configured: false, timeZone: expect.any(String) } });
      const programs = (status as { result: { examplePrograms: { id: string; currency: string }[] } }).result.examplePrograms;
      expect(programs.map((p) => p.id)).toEqual(['classic-krw', 'plus-membership-charity', 'sporting-goods-usd']);

      expect(await page.request(2, 'member-lookup', { card: '2900000000018' })).toMatchObject({ type: 'error', id: 2, error: { code: 'not-initialised' } });
      expect(await page.request(3, 'checkout-commit', {})).toMatchObject({ type: 'error', id: 3, error: { code: 'not-initialised' } });
      expect(await page.request(4, 'setup-create', { mode: 'demo', program: 'classic-krw' })).toMatchObject({ type: 'error', id: 4, error: { code: 'invalid-input' } });

      const demo = { mode: 'demo', program: 'classic-krw', storeId: 'DEMO-1', terminalId: 'LANE-1', manager };
      expect(await page.request(5, 'setup-create', { ...demo, manager: { ...manager, pin: '1234' } })).toMatchObject({ type: 'error', id: 5, error: { code: 'invalid-input', message: expect.stringContaining("manager's PIN") } });
      expect(existsSync(folder) ? readdirSync(folder) : []).toEqual([]);

      page.send({ id: 6, name: 'setup-create', args: demo });
      const pushed = await until(page, (m) => ((m as { name?: string }).name === 'host-ready' ? m : undefined));
      expect(pushed).toEqual({ type: 'push', name: 'host-ready', data: { terminalId: 'LANE-1' } });
      const created = await until(page, (m) => ((m as { id?: unknown }).id === 6 ? m : undefined));
      expect(created).toMatchObject({ type: 'reply', result: { storeId: 'DEMO-1', terminalId: 'LANE-1', demo: true, managerId: 'M-PARK', seeded: { members: 8 } } });

      // The same socket, no reconnect: the terminal's own methods answer now.
      expect(await page.request(7, 'member-lookup', { card: '2900000000018' })).toMatchObject({ type: 'reply', id: 7, result: { cards: ['2900000000018'], name: 'Kim Minji' } });
      expect(await page.request(8, 'setup-status', {})).toMatchObject({ type: 'reply', result: { configured: true } });
      expect(await page.request(9, 'setup-create', demo)).toMatchObject({ type: 'error', error: { code: 'already-initialised' } });
      page.close();
    } finally {
      expect(await running.stop()).toBe(0);
    }
    expect(running.stderr()).toMatch(/terminal host stopped \(SIGTERM\); the ledger is checkpointed and closed/);
    const verify = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, 'verify'], { cwd: dir, encoding: 'utf8', env: CLI_ENV });
    expect(verify.stdout).toMatch(/^Ledger OK: 8 members/);
  });

  it('stops cleanly before any setup, leaving no file', async () => {
    const folder = join(dir, 'untouched');
    const running = await startBrowserHost({ db: join(folder, 'tally.sqlite'), cwd: dir });
    expect(await running.stop()).toBe(0);
    expect(existsSync(folder) ? readdirSync(folder) : []).toEqual([]);
  });
});

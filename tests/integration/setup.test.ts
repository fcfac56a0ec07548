/**
 * A terminal's first start from the setup screen's arguments: a DEMO terminal from each example
 * program with a demo store (verified, with its first manager), a terminal enrolled with a real
 * server process, and every refusal leaving no file behind.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { LoyaltyService } from '../../src/terminal/loyalty-service.js';
import { demoCard, DEMO_MEMBER_PIN } from '../../src/terminal/setup/demo-store.js';
import { examplePrograms, setupTerminal } from '../../src/terminal/setup/setup.js';
import { ManagerRoster } from '../../src/terminal/trust/managers.js';
import { REPO, tempDir } from '../support/ledger-fixture.js';
import { serverCliJson, startServer } from '../support/server-process.js';

const { dir, cleanup } = tempDir('tally-setup-');
afterAll(cleanup);

const programsDir = join(REPO, 'resources', 'programs');
const manager = { managerId: 'M-PARK', name: 'Park Jisoo', pin: '402913' };
const NOW = Date.parse('2026-12-07T05:00:00Z');
const options = { programsDir, now: () => NOW };

describe('setup', () => {
  it('lists the example programs', () => {
    expect(examplePrograms(programsDir).map((p) => p.id).sort()).toEqual(['classic-krw', 'plus-membership-charity', 'sporting-goods-usd']);
    expect(examplePrograms(join(dir, 'nowhere'))).toEqual([]);
  });

  for (const program of ['classic-krw', 'sporting-goods-usd', 'plus-membership-charity']) {
    it(`makes a DEMO terminal from ${program} with a demo store that verifies, and its first manager`, async () => {
      const db = join(dir, program, 'lane.sqlite');
      const outcome = await setupTerminal(db, { mode: 'demo', program, storeId: 'DEMO-1', terminalId: 'LANE-1', manager }, options);
      expect(outcome).toMatchObject({ storeId: 'DEMO-1', terminalId: 'LANE-1', demo: true, managerId: 'M-PARK', seeded: { members: 8 } });
      expect(outcome.seeded.checkouts).toBeGreaterThan(30);
      const ledger = Ledger.open(db);
      try {
        const service = new LoyaltyService(ledger, { clock: () => NOW, wallClock: () => NOW });
        expect(service.verify()).toMatchObject({ ok: true });
        expect(service.member(demoCard(1))).toMatchObject({ name: 'Kim Minji' });
        expect(service.member(demoCard(1)).balance).toBeGreaterThan(0);
        expect(new ManagerRoster(ledger).list()).toMatchObject([{ id: 'M-PARK', name: 'Park Jisoo', locked: false }]);
        // Two weeks of sales, none after now; and a sale can be booked at once with the real clock.
        const last = ledger.db.prepare('SELECT max(booked_at) FROM transfers').pluck().get() as number;
        expect(last).toBeLessThanOrEqual(NOW);
        expect(last).toBeGreaterThan(NOW - 86_400_000);
        expect(service.checkout({ card: demoCard(2), txnId: 'POS-1', basket: service.amountBasket(program === 'classic-krw' ? 30_000 : 3_000) })).toMatchObject({ replayed: false });
      } finally {
        ledger.close();
      }
    });
  }

  it('is deterministic: the same program and time give the same demo store', async () => {
    const balances = async (name: string) => {
      const db = join(dir, name, 'lane.sqlite');
      await setupTerminal(db, { mode: 'demo', program: 'classic-krw', storeId: 'DEMO-1', terminalId: 'LANE-1', manager }, options);
      const ledger = Ledger.open(db, { readonly: true });
      try {
        return ledger.db.prepare(`SELECT balance FROM accounts WHERE kind = 'member-points' ORDER BY balance`).pluck().all();
      } finally {
        ledger.close();
      }
    };
    expect(await balances('same-a')).toEqual(await balances('same-b'));
    expect(DEMO_MEMBER_PIN).toMatch(/^\d{4}$/);
  });

  it('refuses a weak manager PIN, an unknown program, an unsigned program for a real store, and an existing terminal, leaving no file', async () => {
    const db = join(dir, 'refused', 'lane.sqlite');
    const demo = { mode: 'demo' as const, program: 'classic-krw', storeId: 'DEMO-1', terminalId: 'LANE-1', manager };
    await expect(setupTerminal(db, { ...demo, manager: { ...manager, pin: '1111' } }, options)).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining("manager's PIN") });
    await expect(setupTerminal(db, { ...demo, program: 'no-such-program' }, options)).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(setupTerminal(db, { ...demo, timeZone: 'Mars/Olympus' }, options)).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(setupTerminal(db, { ...demo, storeId: 'no spaces' }, options)).rejects.toMatchObject({ code: 'invalid-input' });
    const unsigned = readFileSync(join(programsDir, 'classic-krw.json'), 'utf8');
    await expect(
      setupTerminal(db, { mode: 'program', document: unsigned, programKeys: [{ id: 'hq-2026', publicKey: 'A'.repeat(43) }], storeId: 'S1', terminalId: 'LANE-1', manager }, options),
    ).rejects.toMatchObject({ code: 'untrusted-program' });
    expect(existsSync(join(dir, 'refused')) ? readdirSync(join(dir, 'refused')) : []).toEqual([]);
    await setupTerminal(db, { ...demo, seed: false }, options);
    await expect(setupTerminal(db, demo, options)).rejects.toMatchObject({ code: 'already-initialised' });
  });

  it('enrols with a real server process and its one-time code; a used code leaves nothing behind', async () => {
    const data = join(dir, 'server-data');
    const program = JSON.parse(readFileSync(join(programsDir, 'sporting-goods-usd.json'), 'utf8')) as { cardCodes: { verifyKeys: unknown[] } };
    program.cardCodes.verifyKeys = [];
    writeFileSync(join(dir, 'program.json'), JSON.stringify(program));
    serverCliJson(['--data', data, 'init', '--program', join(dir, 'program.json')]);
    serverCliJson(['--data', data, 'store', 'create', '--id', 'STORE-12', '--name', 'Downtown', '--time-zone', 'America/New_York']);
    const server = await startServer(['--data', data, '--port', '0']);
    try {
      const { code } = serverCliJson<{ code: string }>(['--data', data, 'terminal', 'code', '--store', 'STORE-12', '--terminal', 'LANE-7']);
      const db = join(dir, 'enrolled', 'lane.sqlite');
      const outcome = await setupTerminal(db, { mode: 'server', serverUrl: server.url, code, manager }, { programsDir, now: Date.now });
      expect(outcome).toMatchObject({ storeId: 'STORE-12', terminalId: 'LANE-7', timeZone: 'America/New_York', demo: false, seeded: { members: 0, checkouts: 0 } });
      const again = join(dir, 'enrolled-again', 'lane.sqlite');
      await expect(setupTerminal(again, { mode: 'server', serverUrl: server.url, code, manager }, { programsDir, now: Date.now })).rejects.toBeInstanceOf(Error);
      expect(existsSync(again)).toBe(false);
    } finally {
      await server.stop();
    }
  });
});

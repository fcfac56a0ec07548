/**
 * `tally host` on the Node.js line under test: a real process on loopback, a real `ws` client with the
 * secret it printed, a lookup and a checkout over the contract, and a clean stop on SIGTERM that
 * leaves a ledger which verifies.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../support/host-client.js';
import { startTallyHost } from '../support/host-process.js';
import { REPO, stripNotices, tempDir } from '../support/ledger-fixture.js';
import { realCounter } from '../support/real-counter.js';

const { dir, cleanup } = tempDir('tally-smoke-host-');
afterAll(cleanup);

const { tally, ok } = realCounter(dir);
const CARD = '2900000000018';
const basket = (amount: number) => ({ currency: 'KRW', lines: [{ sku: 'AMOUNT', quantity: 1, unitPrice: amount }] });

describe('the terminal host', () => {
  it('starts, serves a lookup and a checkout, and stops cleanly on SIGTERM', async () => {
    const db = join(dir, 'lane-1.sqlite');
    expect(tally(db, ['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'STORE-1', '--terminal', 'LANE-1']).status).toBe(0);
    const enrolled = ok<{ balance: number }>(db, ['member', 'add', '--card', CARD, '--name', 'Kim Minji']);

    const host = await startTallyHost(db, [], { cwd: dir });
    try {
      const client = await connect(host.url);
      expect(await client.request(1, 'member-lookup', { card: CARD })).toMatchObject({ type: 'reply', id: 1, result: { name: 'Kim Minji', balance: enrolled.balance } });
      const sale = (await client.request(2, 'checkout-commit', { card: CARD, txnId: 'POS-HOST-1', basket: basket(45_000) })) as { type: string; result: { earned: number; balance: number } };
      expect(sale).toMatchObject({ type: 'reply', result: { replayed: false } });
      expect(sale.result.earned).toBeGreaterThan(0);
      expect(sale.result.balance).toBe(enrolled.balance + sale.result.earned);

      const stopped = host.stop('SIGTERM');
      expect(await client.next()).toMatchObject({ type: 'push', name: 'host-closing' });
      expect(await client.closed).toBe(1001);
      const exit = await stopped;
      expect(exit.code, exit.stderr).toBe(0);
      expect(exit.stderr).toMatch(/terminal host stopped \(SIGTERM\)/);
      // Nothing else on stderr: no warning of this Node, no error of the host.
      expect(stripNotices(exit.stderr).split('\n').filter((l) => l !== '' && !l.startsWith('tally: terminal host stopped (SIGTERM)'))).toEqual([]);

      expect(ok<{ balance: number }>(db, ['balance', '--card', CARD]).balance).toBe(sale.result.balance);
      expect(ok<{ ok: boolean }>(db, ['verify']).ok).toBe(true);
    } finally {
      await host.stop('SIGKILL');
    }
  });
});

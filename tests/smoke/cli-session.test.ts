/**
 * A counter's session through the real `bin/tally.js` on the Node.js line under test: a demo
 * terminal with the example program, a member, a checkout, the balance, verify, a backup that opens
 * and verifies, and the scanner listing (serialport and node-hid built for this Node). Nothing but
 * the demo notice may appear on stderr: a deprecation warning of a newer Node fails the run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../support/ledger-fixture.js';
import { realCounter } from '../support/real-counter.js';

const { dir, cleanup } = tempDir('tally-smoke-cli-');
afterAll(cleanup);

const { tally, ok } = realCounter(dir);
const db = join(dir, 'lane-1.sqlite');
const CARD = '2900000000018';

interface Booked {
  readonly memberId: string;
  readonly balance: number;
  readonly replayed: boolean;
}
interface Checkout extends Booked {
  readonly earned: number;
  readonly amountDue: number;
  readonly currency: string;
}
interface Verified {
  readonly ok: boolean;
  readonly problems: readonly unknown[];
  readonly counts: { readonly members: number; readonly transfers: number };
}

describe('a CLI session', () => {
  it('initialises a demo terminal with the example program', () => {
    const init = tally(db, ['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'STORE-1', '--terminal', 'LANE-1']);
    expect(init.error).toBe('');
    expect(init.status).toBe(0);
    expect(init.stdout).toMatch(/^Initialised .*lane-1\.sqlite: store STORE-1, terminal LANE-1, Asia\/Seoul, program classic-krw v1 \(KRW\), DEMO terminal$/m);
  });

  it('enrols a member, books a checkout and reads the balance back', () => {
    const enrolled = ok<Booked & { welcomePoints: number }>(db, ['member', 'add', '--card', CARD, '--name', 'Kim Minji']);
    expect(enrolled).toMatchObject({ replayed: false, balance: enrolled.welcomePoints });
    const sale = ok<Checkout>(db, ['checkout', '--card', CARD, '--amount', '45000', '--txn', 'POS-0001']);
    expect(sale).toMatchObject({ memberId: enrolled.memberId, replayed: false, amountDue: 45_000, currency: 'KRW' });
    expect(sale.earned).toBeGreaterThan(0);
    expect(sale.balance).toBe(enrolled.balance + sale.earned);
    // The same POS transaction again changes nothing.
    expect(ok<Checkout>(db, ['checkout', '--card', CARD, '--amount', '45000', '--txn', 'POS-0001'])).toMatchObject({ replayed: true, balance: sale.balance });
    expect(ok<{ balance: number; name: string }>(db, ['balance', '--card', CARD])).toMatchObject({ balance: sale.balance, name: 'Kim Minji' });
  });

  it('verifies the ledger', () => {
    expect(ok<Verified>(db, ['verify'])).toMatchObject({ ok: true, problems: [], counts: { members: 1, transfers: 3 } });
  });

  it('backs up to a new file that opens, verifies and holds the same balance', () => {
    const copy = join(dir, 'backup.sqlite');
    expect(ok<{ backup: string }>(db, ['backup', '--to', copy]).backup).toBe(copy);
    expect(existsSync(copy)).toBe(true);
    expect(ok<Verified>(copy, ['verify'])).toMatchObject({ ok: true, counts: { members: 1, transfers: 3 } });
    expect(ok<{ balance: number }>(copy, ['balance', '--card', CARD]).balance).toBe(ok<{ balance: number }>(db, ['balance', '--card', CARD]).balance);
  });

  it('lists scanners with serialport and node-hid loaded', () => {
    // A native module built for another ABI would show here as a problem of the listing.
    const listed = ok<{ serial: unknown[]; hid: unknown[]; problems: unknown[] }>(db, ['scanner', 'list']);
    expect(listed.problems).toEqual([]);
    expect(Array.isArray(listed.serial) && Array.isArray(listed.hid)).toBe(true);
  });
});

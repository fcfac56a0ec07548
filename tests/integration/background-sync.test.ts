/**
 * The background sync a terminal host runs, against a real server process: it syncs at start and
 * then every interval; with the server down it fails quietly and backs off (exponential, full
 * jitter, capped); nudged after a sale it syncs at once; back online it catches up; "online" is a
 * success within the last few seconds. Timers and jitter are driven by the test (the edge of the
 * world); the server, the sockets and the ledger are real.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { pendingCount } from '../../src/terminal/ledger/outbox.js';
import { LoyaltyService } from '../../src/terminal/loyalty-service.js';
import { BackgroundSync } from '../../src/terminal/sync/background.js';
import { syncNow } from '../../src/terminal/sync/sync.js';
import { FileSecretStore, secretsDirFor } from '../../src/terminal/trust/secret-store.js';
import { REPO, tempDir } from '../support/ledger-fixture.js';
import { serverCliJson, startServer, type ServerProcess } from '../support/server-process.js';

const { dir, cleanup } = tempDir('tally-bg-');
const data = join(dir, 'server-data');
const db = join(dir, 'lane', 'ledger.sqlite');
let server: ServerProcess;

beforeAll(async () => {
  const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'sporting-goods-usd.json'), 'utf8')) as { cardCodes: { verifyKeys: unknown[] } };
  program.cardCodes.verifyKeys = [];
  writeFileSync(join(dir, 'program.json'), JSON.stringify(program));
  serverCliJson(['--data', data, 'init', '--program', join(dir, 'program.json')]);
  serverCliJson(['--data', data, 'store', 'create', '--id', 'S1', '--name', 'One', '--time-zone', 'UTC']);
  server = await startServer(['--data', data, '--port', '0']);
  const code = serverCliJson<{ code: string }>(['--data', data, 'terminal', 'code', '--store', 'S1', '--terminal', 'T1']).code;
  const env = { ...process.env };
  delete env['TALLY_ALLOW_CLOCK_OVERRIDE'];
  const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, 'enrol', '--server', server.url, '--code', code], { encoding: 'utf8', env });
  expect(run.status, run.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  cleanup();
});

describe('background sync', () => {
  it('syncs at start and on nudges, backs off while the server is down, and catches up when it is back', async () => {
    const ledger = Ledger.open(db);
    const service = new LoyaltyService(ledger);
    const timers: { fn: () => void; ms: number }[] = [];
    let now = Date.now();
    let finished: (() => void) | null = null;
    const runs: boolean[] = [];
    const bg = new BackgroundSync(ledger, new FileSecretStore(secretsDirFor(db)), {
      now: () => now,
      setTimer: (fn, ms) => {
        const t = { fn, ms };
        timers.push(t);
        return t;
      },
      clearTimer: (t) => {
        const i = timers.indexOf(t as { fn: () => void; ms: number });
        if (i >= 0) timers.splice(i, 1);
      },
      random: () => 0.5,
      intervalMs: 30_000,
      baseBackoffMs: 2_000,
      maxBackoffMs: 16_000,
      onlineForMs: 10_000,
      onRun: (r) => {
        runs.push(r.ok);
        finished?.();
      },
    });
    /** Fires the one pending timer and waits for its run. */
    const fire = async (): Promise<number> => {
      expect(timers).toHaveLength(1);
      const t = timers.shift()!;
      const done = new Promise<void>((resolve) => (finished = resolve));
      t.fn();
      await done;
      return t.ms;
    };
    try {
      service.enrol({ cards: ['2900000000018'] });
      bg.start();
      expect(await fire()).toBe(0);
      expect(runs).toEqual([true]);
      expect(pendingCount(ledger.db)).toBe(0);
      expect(bg.status()).toMatchObject({ online: true, failures: 0, lastError: null, nextRunAt: now + 30_000 });
      expect(timers[0]!.ms).toBe(30_000);
      now += 11_000;
      expect(bg.status().online).toBe(false);

      // The server goes away: a sale nudges a sync, which fails quietly and backs off.
      const port = new URL(server.url).port;
      await server.stop();
      service.checkout({ card: '2900000000018', txnId: 'POS-1', basket: service.amountBasket(10_000) });
      bg.nudge();
      expect(await fire()).toBe(0);
      expect(bg.status()).toMatchObject({ online: false, failures: 1 });
      expect(bg.status().lastError).toMatch(/cannot be reached/);
      // Full jitter (0.5 here) over 2 s, 4 s, 8 s, then the 16 s cap.
      const waits: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        waits.push(timers[0]!.ms);
        await fire();
      }
      expect(waits).toEqual([1_000, 2_000, 4_000, 8_000]);
      expect(timers[0]!.ms).toBe(8_000);
      expect(pendingCount(ledger.db)).toBeGreaterThan(0);

      // Back: the next run catches up and the interval resumes.
      server = await startServer(['--data', data, '--port', port]);
      await fire();
      expect(bg.status()).toMatchObject({ online: true, failures: 0, lastError: null });
      expect(pendingCount(ledger.db)).toBe(0);
      expect(timers[0]!.ms).toBe(30_000);
      expect(serverCliJson<{ balance: number }>(['--data', data, 'member', 'show', '--card', '2900000000018']).balance).toBe(ledger.balance(ledger.memberIdForCard('2900000000018')!));
      await bg.stop();
      expect(timers).toHaveLength(0);
      expect(bg.status().nextRunAt).toBeNull();
    } finally {
      await bg.stop();
      ledger.close();
    }
  });

  it('splits a push whose baskets would exceed the server body limit into several (a batch of big baskets never stalls)', async () => {
    const ledger = Ledger.open(db);
    const service = new LoyaltyService(ledger);
    try {
      // 400 sales of 60-line baskets: over 4 MiB as one batch of 1,000 entries.
      const lines = Array.from({ length: 60 }, (_, i) => ({ sku: `SKU-${String(i).padStart(4, '0')}-WITH-A-LONGER-NAME`, quantity: 1, unitPrice: 1000, category: 'apparel' }));
      service.enrol({ cards: ['2900000000025'] });
      for (let i = 0; i < 400; i += 1) service.checkout({ card: '2900000000025', txnId: `BIG-${i}`, basket: { currency: 'USD', lines } });
      const pending = pendingCount(ledger.db);
      expect(pending).toBeGreaterThan(1000);
      const outcome = await syncNow(ledger, new FileSecretStore(secretsDirFor(db)), { now: Date.now });
      expect(outcome.push).toMatchObject({ remaining: 0, acknowledged: pending });
      expect(pendingCount(ledger.db)).toBe(0);
    } finally {
      ledger.close();
    }
  });

  it('runs on demand in the place of the scheduled run; a failure right after a success says offline at once (it said online for a while)', async () => {
    const ledger = Ledger.open(db);
    const service = new LoyaltyService(ledger);
    const timers: { fn: () => void; ms: number }[] = [];
    const progress: string[] = [];
    const bg = new BackgroundSync(ledger, new FileSecretStore(secretsDirFor(db)), {
      setTimer: (fn, ms) => {
        const t = { fn, ms };
        timers.push(t);
        return t;
      },
      clearTimer: (t) => {
        const i = timers.indexOf(t as { fn: () => void; ms: number });
        if (i >= 0) timers.splice(i, 1);
      },
      random: () => 0.5,
      onlineForMs: 600_000,
      onProgress: (p) => progress.push(p === null ? 'end' : `${p.step}:${p.percent}`),
    });
    try {
      bg.start();
      // Asked for before the first timer fired: it runs instead, and the next one is the interval's.
      service.enrol({ cards: ['2900000000032'] });
      const outcome = await bg.runNow();
      expect(outcome.push.remaining).toBe(0);
      expect(outcome.push.acknowledged).toBeGreaterThan(0);
      expect(timers.map((t) => t.ms)).toEqual([30_000]);
      expect(progress[0]).toBe('push:0');
      expect(progress).toContain('push:100');
      expect(progress.at(-1)).toBe('end');
      expect(bg.status()).toMatchObject({ online: true, failures: 0 });

      const port = new URL(server.url).port;
      await server.stop();
      try {
        service.checkout({ card: '2900000000032', txnId: 'NOW-1', basket: service.amountBasket(2_000) });
        await expect(bg.runNow()).rejects.toMatchObject({ code: 'io-error' });
        // The last success was a moment ago, well within onlineForMs: still not online.
        expect(bg.status()).toMatchObject({ online: false, failures: 1 });
        expect(timers.map((t) => t.ms)).toEqual([1_000]);
      } finally {
        server = await startServer(['--data', data, '--port', port]);
      }
      const back = await bg.runNow();
      expect(back.push.remaining).toBe(0);
      expect(bg.status()).toMatchObject({ online: true, failures: 0 });
      await bg.stop();
      await expect(bg.runNow()).rejects.toMatchObject({ code: 'busy' });
    } finally {
      await bg.stop();
      ledger.close();
    }
  });
});

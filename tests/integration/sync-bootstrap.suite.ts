/**
 * A new terminal's first sync as one stream (GET /v1/bootstrap), end to end with real processes on
 * loopback — `tally-server` on the given store, terminals run by the real `tally` CLI — run on both
 * stores (sync-bootstrap.test.ts, sync-bootstrap-postgres.test.ts):
 *
 * - the same chain pulled by a terminal that bootstraps and then pulls pages, and by one that pulls
 *   only pages (`tally sync --paged`), gives the same rows, table by table: members (one enrolled
 *   at another store, whose phone and e-mail are withheld), cards, accounts and balances,
 *   transactions, transfers, lots with their remainders, draws (a member who spent and returned),
 *   events; both terminals carry the id of a terminal whose own entries the server holds, which
 *   neither gets back;
 * - `kill -9` in the middle of the load leaves the ledger empty, without a cursor and with every
 *   index, and the next sync loads it whole.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanSync } from '../support/sync-scenarios.js';
import { seededRandom } from '../support/fault-proxy.js';
import { finished, spawnTally, STORE, SyncWorld, type Terminal } from '../support/sync-world.js';

const OTHER_STORE = 'STORE-34';

/** Every row of the tables a pull writes, in key order (card codes without the time this terminal added them). */
const TABLES: readonly (readonly [string, string])[] = [
  ['members', 'SELECT * FROM members ORDER BY id'],
  ['card_codes', 'SELECT code, member_id FROM card_codes ORDER BY code'],
  ['accounts', 'SELECT * FROM accounts ORDER BY id'],
  ['transactions', 'SELECT * FROM transactions ORDER BY id'],
  ['transfers', 'SELECT * FROM transfers ORDER BY id'],
  ['lots', 'SELECT * FROM lots ORDER BY id'],
  ['lot_draws', 'SELECT * FROM lot_draws ORDER BY transfer_id, lot_id'],
  ['events', 'SELECT * FROM events ORDER BY id'],
  ['outbox', 'SELECT * FROM outbox ORDER BY id'],
];

function read<T>(db: string, fn: (sqlite: Database.Database) => T): T {
  const sqlite = new Database(db, { readonly: true });
  try {
    return fn(sqlite);
  } finally {
    sqlite.close();
  }
}

const tables = (db: string): Record<string, unknown[]> => read(db, (s) => Object.fromEntries(TABLES.map(([name, sql]) => [name, s.prepare(sql).all()])));
const schema = (db: string): unknown[] => read(db, (s) => s.prepare(`SELECT type, name, sql FROM sqlite_schema ORDER BY type, name`).all());

export function syncBootstrapSuite(label: string, databaseUrl: () => Promise<string | undefined>): void {
  describe(`a new terminal's first sync as one stream (${label})`, () => {
    let world: SyncWorld;
    let other: Terminal;

    /** A ledger enrolled as `terminalId` of `store` (a second enrolment of an id replaces the first one's credential). */
    async function enrolAs(store: string, terminalId: string, folder: string): Promise<Terminal> {
      const { code } = world.admin<{ code: string }>('terminal', 'code', '--store', store, '--terminal', terminalId);
      const db = join(world.dir, folder, 'ledger.sqlite');
      const run = await world.tally(db, ['enrol', '--server', world.proxy.url, '--code', code]);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      return { id: terminalId, db, cards: [], sales: [], next: 0 };
    }

    async function ok(terminal: Terminal, args: readonly string[]): Promise<string> {
      const run = await world.tally(terminal.db, args);
      expect(run.stderr, `${args.join(' ')}: ${run.stdout}`).toBe('');
      expect(run.status).toBe(0);
      return run.stdout;
    }

    /**
     * Syncs until the terminal holds every transfer the server holds but its own terminal id's. On
     * PostgreSQL a pull hands out only what committed below the oldest transaction still running in
     * the whole cluster (other test files write meanwhile): a sync can end before the newest pushes
     * are handed out. It waits for that fact; it times nothing.
     */
    async function syncUntilComplete(terminal: Terminal, args: readonly string[]): Promise<string> {
      const first = await ok(terminal, args);
      for (let attempt = 0; ; attempt += 1) {
        const expected = (await world.serverRows()).transfers.filter((t) => t.terminalId !== terminal.id).length;
        if (read(terminal.db, (s) => s.prepare('SELECT count(*) FROM transfers WHERE terminal_id <> ?').pluck().get(terminal.id)) === expected) return first;
        if (attempt >= 100) throw new Error(`${terminal.id} never got the server's ${expected} transfers`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await ok(terminal, ['sync']);
      }
    }

    /** Another store's counter: a member with contact details who earns, spends online (a hold) and returns part of a sale. */
    async function otherStoreBooks(n: number): Promise<void> {
      const card = world.newCard();
      await ok(other, ['member', 'add', '--card', card, '--name', `Kim ${n}`, '--phone', `010-5555-00${n}0`, '--email', `kim${n}@example.kr`]);
      await ok(other, ['checkout', '--card', card, '--amount', '60000', '--txn', `O-${n}-1`]);
      // On the server first: a spend at an enrolled counter holds the points there.
      await cleanSync(world, other);
      await ok(other, ['checkout', '--card', card, '--amount', '2000', '--txn', `O-${n}-2`, '--reward', 'ten-off', '--checked-by', 'Lee']);
      await ok(other, ['return', '--txn', `O-${n}-1`, '--return-id', `O-${n}-R`, '--amount', '10000']);
      await cleanSync(world, other);
    }

    beforeAll(async () => {
      const url = await databaseUrl();
      world = await SyncWorld.start({ label: `sync-bootstrap-${label}`, terminals: 2, ...(url ? { databaseUrl: url } : {}) });
      world.admin('store', 'create', '--id', OTHER_STORE, '--name', 'Airport', '--time-zone', 'America/New_York');
      other = await enrolAs(OTHER_STORE, 'OTHER-1', 'other-1');
      const [lane1, lane2] = world.terminals as [Terminal, Terminal];
      const random = seededRandom(label === 'SQLite' ? 11 : 12);
      for (let i = 0; i < 25; i += 1) await world.book(lane1, random);
      for (let i = 0; i < 10; i += 1) await world.book(lane2, random);
      // Enough for the stream to take a moment (the kill test needs a middle to land in): 250 members, 2,500 sales.
      world.bulkSales(lane1, 2500);
      await cleanSync(world, lane1);
      await cleanSync(world, lane2);
      await otherStoreBooks(1);
    }, 240_000);

    afterAll(async () => {
      await world?.close();
    });

    it('gives, with the pages that follow it, exactly the rows a paged first pull gives', async () => {
      // Enrolled as LANE-2, whose own entries the server holds: neither path brings them back.
      const boot = await enrolAs(STORE, 'LANE-2', 'boot');
      const first = await syncUntilComplete(boot, ['sync']);
      expect(first).toMatch(/Pulling changes from the server…/);
      expect(first).toMatch(/\(100%\)/);
      // More booked elsewhere after the bootstrap: the bootstrapped terminal gets it from its cursor on.
      const random = seededRandom(label === 'SQLite' ? 21 : 22);
      for (let i = 0; i < 10; i += 1) await world.book(world.terminals[0]!, random);
      await cleanSync(world, world.terminals[0]!);
      await otherStoreBooks(2);
      await syncUntilComplete(boot, ['sync']);

      const paged = await enrolAs(STORE, 'LANE-2', 'paged');
      await syncUntilComplete(paged, ['sync', '--paged']);

      const booted = tables(boot.db);
      const pulled = tables(paged.db);
      for (const [name] of TABLES) expect(booted[name], name).toEqual(pulled[name]);
      expect(schema(boot.db)).toEqual(schema(paged.db));

      // What the comparison covers: another store's members without contact details, spends and returns, LANE-2's own entries left out.
      read(boot.db, (s) => {
        const kim = s.prepare(`SELECT phone, email, contact_withheld, pulled FROM members WHERE name = 'Kim 1'`).get();
        expect(kim).toEqual({ phone: null, email: null, contact_withheld: 1, pulled: 1 });
        expect(s.prepare('SELECT count(*) FROM lot_draws').pluck().get()).toBeGreaterThan(0);
        expect(s.prepare(`SELECT count(*) FROM transactions WHERE kind = 'return'`).pluck().get()).toBeGreaterThan(0);
        expect(s.prepare(`SELECT count(*) FROM transfers WHERE terminal_id = 'LANE-2' AND store_id = ?`).pluck().get(STORE)).toBe(0);
        expect(s.prepare(`SELECT count(*) FROM transfers WHERE terminal_id = 'LANE-1'`).pluck().get()).toBeGreaterThan(2500);
        expect(s.prepare('SELECT pull_cursor IS NOT NULL AND pull_complete_at IS NOT NULL FROM sync_state').pluck().get()).toBe(1);
      });
      const check = await world.tally(boot.db, ['verify']);
      expect(check.stdout).toMatch(/^Ledger OK: /);
    }, 240_000);

    it('leaves the ledger empty, without a cursor and with every index, when killed in the middle of the load; the next sync loads it whole', async () => {
      const fresh = await enrolAs(STORE, 'FRESH-1', 'fresh');
      const before = schema(fresh.db);
      const child = spawnTally(fresh.db, ['sync'], world.dir);
      const run = finished(child);
      // Killed as soon as it reports loading progress (a chunk is in, the end is not).
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (chunk: Buffer | string) => {
          out += chunk.toString();
          if (/Pulling changes from the server…\n.*\(\d+%\)/.test(out)) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.once('exit', () => reject(new Error(`tally sync ended before it was killed: ${out}`)));
      });
      expect((await run).signal).toBe('SIGKILL');
      read(fresh.db, (s) => {
        expect(s.pragma('integrity_check', { simple: true })).toBe('ok');
        for (const table of ['members', 'card_codes', 'transactions', 'transfers', 'lots', 'events']) expect(s.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBe(0);
        expect(s.prepare('SELECT pull_cursor FROM sync_state').pluck().get()).toBeNull();
        expect(s.prepare('SELECT count(*) FROM pull_applying').pluck().get()).toBe(0);
      });
      expect(schema(fresh.db)).toEqual(before);

      const again = await syncUntilComplete(fresh, ['sync']);
      expect(again).toMatch(/\(100%\)/);
      const server = await world.serverRows();
      read(fresh.db, (s) => {
        expect(s.prepare('SELECT count(*) FROM members').pluck().get()).toBe(server.members.length);
        expect(s.prepare('SELECT count(*) FROM transfers').pluck().get()).toBe(server.transfers.length);
        expect(s.pragma('foreign_key_check')).toEqual([]);
      });
      expect((await world.tally(fresh.db, ['verify'])).stdout).toMatch(/^Ledger OK: /);
    }, 240_000);
  });
}

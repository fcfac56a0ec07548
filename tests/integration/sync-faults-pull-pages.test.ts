/**
 * Convergence across terminals, with no fault at all: one terminal pushes what it booked for
 * members it enrolled, another syncs, and must get everything. The embedded store's pull pages
 * count change rows (2000 by default); three pushes of 250 sales to new members each (about 850
 * changes a push) put the end of the other terminal's first page inside the third push, whose member
 * records the store writes after their transactions and transfers. The page must still be one
 * the terminal can apply: a page it refuses is the same page at the next sync, so the terminal
 * would never finish a sync again. (`tally sync --paged`: a new terminal's first sync is otherwise
 * one bootstrap stream, see sync-bootstrap.suite.ts.)
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanSync } from '../support/sync-scenarios.js';
import { SyncWorld } from '../support/sync-world.js';

let world: SyncWorld;

beforeAll(async () => {
  world = await SyncWorld.start({ label: 'sync-pull-pages', terminals: 2 });
}, 60_000);

afterAll(async () => {
  await world?.close();
});

describe('pulling what another terminal pushed', () => {
  it('gets past a page that ends inside a push that enrolled members', async () => {
    const [pulling, pushing] = world.terminals as [NonNullable<(typeof world.terminals)[0]>, NonNullable<(typeof world.terminals)[1]>];
    for (let push = 0; push < 3; push += 1) {
      world.bulkSales(pushing, 250);
      await cleanSync(world, pushing);
    }
    // In pages (an empty terminal would otherwise load everything as one bootstrap stream, with no page to cut).
    const paged = await world.tally(pulling.db, ['sync', '--paged']);
    expect(paged.stderr).toBe('');
    expect(paged.status).toBe(0);
    // It has them all now: every member the other terminal enrolled, every transfer it booked.
    const booked = world.booked(pushing);
    const pulled = new Database(pulling.db, { readonly: true });
    try {
      expect(pulled.prepare('SELECT count(*) FROM members').pluck().get()).toBe(75);
      expect(pulled.prepare('SELECT count(*) FROM transfers WHERE terminal_id = ?').pluck().get(pushing.id)).toBe(booked.transfers.length);
    } finally {
      pulled.close();
    }
  });
});

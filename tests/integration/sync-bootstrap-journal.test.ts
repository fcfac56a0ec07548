/**
 * How a new terminal's first sync reaches the disk (Ledger.bulkLoad), with a real HTTP server on
 * loopback sending the stream and, for the crash, a real process killed with SIGKILL:
 *
 * - alone with its file, the load runs with a rollback journal (the new pages go straight into the
 *   file) and the ledger is in WAL mode again after it;
 * - with another connection open on the file, the load runs in the WAL, as before, and loads the same;
 * - a load killed after it has written pages into the file (its page cache spilled) leaves a hot
 *   journal: while it ran no other connection could read the file, and afterwards a read-only open
 *   (`tally verify`) and a writing one alike find the ledger as it was before the load — empty, no
 *   cursor, every index — and the next sync loads it.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { verifyLedger } from '../../src/terminal/ledger/verify.js';
import { bootstrapPull } from '../../src/terminal/sync/bootstrap.js';
import { SyncClient } from '../../src/terminal/sync/client.js';
import { newLedger, REPO, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-bootstrap-journal-');
const CREDENTIAL = `tly_${'a'.repeat(43)}`;
const CHUNK = 2000;

/** Members the server's stream holds; `stall`: it never sends its end line (the load cannot finish). */
let stream: { members: number; stall: boolean } = { members: 0, stall: false };
let server: Server;
let url: string;

/** Member `i`: a long name, so that a few hundred thousand of them fill far more than the load's page cache. */
const member = (i: number): unknown[] => [`m-${String(i).padStart(9, '0')}`, 1, `Member ${i} `.padEnd(200, 'x'), null, null, null, false, 1, 'LANE-9', null, null, null, 1, [`C${i}`], true];

/** Writes the stream's lines as the socket takes them (a slow reader holds the writer back). */
async function serve(response: ServerResponse, members: number, stall: boolean): Promise<void> {
  const counts = { members, transactions: 0, transfers: 0, events: 0 };
  const write = (line: string): Promise<void> | undefined => (response.write(`${line}\n`) ? undefined : new Promise((resolve) => response.once('drain', resolve)));
  await write(JSON.stringify({ bootstrap: 1, cursor: '42', latest: '42', counts }));
  for (let start = 0; start < members && !response.destroyed; start += CHUNK) {
    const rows = Array.from({ length: Math.min(CHUNK, members - start) }, (_, k) => member(start + k));
    await write(JSON.stringify({ members: rows }));
  }
  if (!stall) response.end(`${JSON.stringify({ end: true, counts })}\n`);
}

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url?.startsWith('/v1/bootstrap') !== true) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not-found","message":"no"}}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    response.on('error', () => undefined);
    void serve(response, stream.members, stream.stall);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 20_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  cleanup();
});

let n = 0;
/** A new ledger that has never pulled, closed: its path. */
function emptyLedgerFile(): string {
  n += 1;
  const path = join(dir, `l${n}.sqlite`);
  const { ledger } = newLedger(path, 'classic-krw', testClock('2026-05-01T02:00:00Z'));
  ledger.transaction(() => ledger.db.prepare('INSERT INTO sync_state (singleton, server_url, enrolled_at) VALUES (1, ?, 1)').run(url));
  ledger.close();
  return path;
}

const schemaOf = (db: Database.Database): unknown[] => db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY type, name').all();

/** Loads the stream into the ledger at `path`, noting the journal mode its connection had while the load ran. */
async function load(path: string): Promise<{ members: number; modes: Set<string>; pageSize: number }> {
  const ledger = Ledger.open(path);
  try {
    const modes = new Set<string>();
    const report = await bootstrapPull(ledger, new SyncClient({ baseUrl: url, credential: CREDENTIAL }), {
      now: () => 1,
      own: false,
      onProgress: () => modes.add(ledger.db.pragma('journal_mode', { simple: true }) as string),
    });
    expect(ledger.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(verifyLedger(ledger.db).ok).toBe(true);
    expect(ledger.db.pragma('integrity_check', { simple: true })).toBe('ok');
    return { members: report.members, modes, pageSize: ledger.db.pragma('page_size', { simple: true }) as number };
  } finally {
    ledger.close();
  }
}

describe("a new terminal's first sync on disk", () => {
  it('runs with a rollback journal when the ledger has the file to itself, in pages of 16 KiB, and leaves it in WAL mode', async () => {
    stream = { members: 5000, stall: false };
    const path = emptyLedgerFile();
    const before = new Database(path, { readonly: true });
    const schema = schemaOf(before);
    expect(before.pragma('page_size', { simple: true })).toBe(4096);
    before.close();
    const loaded = await load(path);
    expect(loaded).toEqual({ members: 5000, modes: new Set(['delete']), pageSize: 16_384 });
    // Every index and trigger the load set aside is back as it was.
    const after = new Database(path, { readonly: true });
    try {
      expect(schemaOf(after)).toEqual(schema);
    } finally {
      after.close();
    }
    expect(existsSync(`${path}-journal`)).toBe(false);
  });

  it('runs in the WAL, and loads the same, while another connection has the file open', async () => {
    stream = { members: 5000, stall: false };
    const path = emptyLedgerFile();
    const other = new Database(path, { readonly: true });
    try {
      expect(other.prepare('SELECT count(*) FROM members').pluck().get()).toBe(0);
      const loaded = await load(path);
      // SQLite fixes a WAL file's page size: it stays.
      expect(loaded).toEqual({ members: 5000, modes: new Set(['wal']), pageSize: 4096 });
      expect(other.prepare('SELECT count(*) FROM members').pluck().get()).toBe(5000);
    } finally {
      other.close();
    }
  });

  it('killed after writing into the file, leaves a journal that the next open rolls back: the ledger is as before, and loads', async () => {
    stream = { members: 600_000, stall: true };
    const path = emptyLedgerFile();
    const sizeBefore = statSync(path).size;
    const before = ((db) => {
      try {
        return schemaOf(db);
      } finally {
        db.close();
      }
    })(new Database(path, { readonly: true }));

    const script = `const { Ledger } = await import(${JSON.stringify(pathToFileURL(join(REPO, 'dist', 'src', 'terminal', 'ledger', 'ledger.js')).href)});
      const { SyncClient } = await import(${JSON.stringify(pathToFileURL(join(REPO, 'dist', 'src', 'terminal', 'sync', 'client.js')).href)});
      const { bootstrapPull } = await import(${JSON.stringify(pathToFileURL(join(REPO, 'dist', 'src', 'terminal', 'sync', 'bootstrap.js')).href)});
      const ledger = Ledger.open(process.argv[1]);
      await bootstrapPull(ledger, new SyncClient({ baseUrl: process.argv[2], credential: ${JSON.stringify(CREDENTIAL)} }), { now: () => 1, own: false });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, path, url], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    // Waits for the fact, not for a time: pages written into the file beyond its committed size, a journal beside it.
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the loading process ended before it was killed: ${stderr}`);
      if (statSync(path).size > sizeBefore + 16 * 1024 * 1024 && existsSync(`${path}-journal`)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // While it runs no other connection reads the file (it holds it exclusively once its cache spilled).
    const reader = new Database(path, { readonly: true, timeout: 100 });
    let refused: unknown;
    try {
      reader.prepare('SELECT count(*) FROM members').pluck().get();
    } catch (error) {
      refused = (error as { code?: unknown }).code;
    } finally {
      reader.close();
    }
    expect(refused).toBe('SQLITE_BUSY');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(statSync(`${path}-journal`).size).toBeGreaterThan(0);

    // A read-only open (tally verify) first has the interrupted load rolled back, then reads the ledger as it was.
    const readonly = Ledger.open(path, { readonly: true, check: 'full' });
    try {
      expect(existsSync(`${path}-journal`)).toBe(false);
      expect(verifyLedger(readonly.db).ok).toBe(true);
      for (const table of ['members', 'card_codes', 'accounts WHERE member_id IS NOT NULL', 'pull_applying']) expect(readonly.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBe(0);
      expect(readonly.db.prepare('SELECT pull_cursor FROM sync_state').pluck().get()).toBeNull();
      expect(schemaOf(readonly.db)).toEqual(before);
      // The pages the load wrote are gone: the file is its committed pages, which the load's first
      // step (its own committed VACUUM) made 16 KiB each.
      const pageSize = readonly.db.pragma('page_size', { simple: true }) as number;
      expect(pageSize).toBe(16_384);
      expect(statSync(path).size).toBe(pageSize * (readonly.db.pragma('page_count', { simple: true }) as number));
      expect(statSync(path).size).toBeLessThan(sizeBefore + 4 * 1024 * 1024);
    } finally {
      readonly.close();
    }

    stream = { members: 5000, stall: false };
    expect(await load(path)).toEqual({ members: 5000, modes: new Set(['delete']), pageSize: 16_384 });
  }, 120_000);
});

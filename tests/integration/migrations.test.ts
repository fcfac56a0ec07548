/**
 * Schema versions: the migration list itself (contiguous, one module and one test per version),
 * what `openDatabase` sets on a new file, that an up-to-date file is opened without migrating or
 * backing up, that an older file is backed up and then migrated to the same schema a new file gets,
 * that all pending migrations run in one transaction (a failure keeps none of them), and that a
 * file from a newer Tally is refused in every mode without a byte written.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { TallyError } from '../../src/core/errors.js';
import { openDatabase, type OpenMode } from '../../src/terminal/ledger/database.js';
import { LATEST_VERSION, MIGRATIONS } from '../../src/terminal/ledger/migrations/index.js';
import type { Migration } from '../../src/terminal/ledger/migrations/types.js';
import { REPO, tempDir } from '../support/ledger-fixture.js';

const { dir: root, cleanup } = tempDir('tally-migrations-');
afterAll(cleanup);
const MIGRATIONS_DIR = join(REPO, 'src', 'terminal', 'ledger', 'migrations');

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A new folder with one file path in it: anything else that appears there was made by the code under test. */
function freshPath(): { folder: string; path: string } {
  const folder = mkdtempSync(join(root, 'case-'));
  return { folder, path: join(folder, 'ledger.sqlite') };
}

function userTables(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
  } finally {
    db.close();
  }
}

function userVersion(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

/** Everything in the WAL moved into the main file, so the file alone is the database. */
function settle(path: string): void {
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  expect(existsSync(`${path}-wal`)).toBe(false);
}

/** The schema as SQLite stores it: what migrating must make identical to creating. */
function schema(path: string): { type: string; name: string; sql: string | null }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`).all() as { type: string; name: string; sql: string | null }[];
  } finally {
    db.close();
  }
}

/** A file as an older Tally left it: WAL, migrations 1..version applied, at that user_version. */
function fileAtVersion(path: string, version: number, extra = ''): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.transaction(() => {
    for (const migration of MIGRATIONS.filter((m) => m.version <= version)) migration.up(db);
    db.pragma(`user_version = ${version}`);
  })();
  db.exec(extra);
  db.close();
  settle(path);
  expect(userVersion(path)).toBe(version);
}

/** Schema objects (not triggers: those have their own namespace) that the newest migration adds. */
function addedByNewestMigration(): string[] {
  const older = freshPath().path;
  if (LATEST_VERSION > 1) fileAtVersion(older, LATEST_VERSION - 1);
  else versionZeroFile(older);
  const newer = freshPath().path;
  openDatabase(newer, { mode: 'create' }).close();
  const before = new Set(schema(older).map((o) => o.name));
  return schema(newer)
    .filter((o) => o.type !== 'trigger' && !before.has(o.name))
    .map((o) => o.name);
}

const SOME_DATA = `
  INSERT INTO terminal (singleton, store_id, terminal_id, time_zone, program_id, program_version, epoch, next_seq, created_at)
    VALUES (1, 'S1', 'T1', 'America/Los_Angeles', 'plus-membership', 1, 1, 1, 1000);
  INSERT INTO members (id, name, marketing_consent, enrolled_at, enrolled_by, version, updated_at) VALUES ('m1', 'Kim Minji', 0, 1000, 'T1', 1, 1000);
`;

function someData(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return [db.prepare('SELECT * FROM terminal').all(), db.prepare('SELECT * FROM members').all()];
  } finally {
    db.close();
  }
}

/** A valid SQLite file at schema version 0: a header, an empty schema, nothing of Tally's. */
function versionZeroFile(path: string, setup = ''): void {
  const db = new Database(path);
  db.exec(`CREATE TABLE scratch (x INTEGER); DROP TABLE scratch; ${setup}`);
  db.close();
  expect(statSync(path).size).toBeGreaterThan(0);
  expect(userVersion(path)).toBe(0);
}

describe('the migration list', () => {
  it('runs 1..N without gaps, with unique versions and descriptions, and N is LATEST_VERSION', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions.length).toBeGreaterThan(0);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(versions.length);
    const descriptions = MIGRATIONS.map((m) => m.description.trim());
    expect(descriptions.every((d) => d.length >= 10)).toBe(true);
    expect(new Set(descriptions).size).toBe(descriptions.length);
  });

  it('has one module per version, named after it, each with its own test', async () => {
    const files = readdirSync(MIGRATIONS_DIR);
    const modules = files.filter((f) => /^\d{4}-[a-z0-9-]+\.ts$/.test(f) && !f.endsWith('.test.ts')).sort();
    expect(modules.map((f) => Number(f.slice(0, 4)))).toEqual(MIGRATIONS.map((m) => m.version));
    for (const file of modules) {
      expect(files, `${file} needs a test beside it`).toContain(file.replace(/\.ts$/, '.test.ts'));
      const exported = Object.values((await import(pathToFileURL(join(MIGRATIONS_DIR, file)).href)) as Record<string, unknown>);
      const migration = exported.find((value): value is Migration => typeof value === 'object' && value !== null && 'version' in value && 'up' in value);
      expect(migration?.version, file).toBe(Number(file.slice(0, 4)));
      expect(MIGRATIONS).toContain(migration);
    }
  });
});

describe('openDatabase', () => {
  it('creates a file at the latest version, in WAL with synchronous=FULL and foreign keys on', () => {
    const { folder, path } = freshPath();
    const db = openDatabase(path, { mode: 'create' });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      db.close();
    }
    // WAL is a property of the file: another connection sees it too.
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    expect(userTables(path)).toEqual(['accounts', 'card_codes', 'events', 'held_spends', 'lot_draws', 'lots', 'managers', 'members', 'offline_grants', 'offline_spends', 'outbox', 'print_jobs', 'printers', 'programs', 'pull_applying', 'scanners', 'spend_codes', 'sync_state', 'terminal', 'terminal_credentials', 'transactions', 'transfers', 'transfers_kept_elsewhere']);
    // A new file has nothing to back up.
    expect(readdirSync(folder).filter((f) => f.includes('.bak'))).toEqual([]);
  });

  it('opens an up-to-date file without migrating or backing it up', () => {
    const { folder, path } = freshPath();
    openDatabase(path, { mode: 'create' }).close();
    settle(path);
    const before = { sha: sha256(path), size: statSync(path).size };
    for (const mode of ['existing', 'create'] as const) {
      const db = openDatabase(path, { mode, busyTimeoutMs: 250 });
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
        expect(db.pragma('synchronous', { simple: true })).toBe(2);
        expect(db.pragma('busy_timeout', { simple: true })).toBe(250);
      } finally {
        db.close();
      }
      expect({ sha: sha256(path), size: statSync(path).size }, `mode ${mode}`).toEqual(before);
      expect(readdirSync(folder), `mode ${mode}`).toEqual(['ledger.sqlite']);
    }
  });

  it('migrates an empty version-0 file when creating, with no backup (there is nothing to keep)', () => {
    const { folder, path } = freshPath();
    versionZeroFile(path);
    const db = openDatabase(path, { mode: 'create' });
    db.close();
    expect(userVersion(path)).toBe(LATEST_VERSION);
    expect(userTables(path)).toContain('transfers');
    expect(readdirSync(folder).filter((f) => f.includes('.bak'))).toEqual([]);
  });

  it('migrates a zero-byte file when creating', () => {
    const { path } = freshPath();
    writeFileSync(path, '');
    openDatabase(path, { mode: 'create' }).close();
    expect(userVersion(path)).toBe(LATEST_VERSION);
  });

  it('refuses a version-0 file unless creating, and leaves it as it was', () => {
    const { folder, path } = freshPath();
    versionZeroFile(path);
    const before = sha256(path);
    for (const mode of ['existing', 'readonly'] as const) {
      let error: unknown;
      try {
        openDatabase(path, { mode }).close();
      } catch (caught) {
        error = caught;
      }
      expect(error, `mode ${mode}`).toBeInstanceOf(TallyError);
      expect((error as TallyError).code).toBe('not-initialised');
      expect((error as TallyError).message).toContain(path);
    }
    expect(sha256(path)).toBe(before);
    expect(userVersion(path)).toBe(0);
    expect(readdirSync(folder).filter((f) => f.includes('.bak'))).toEqual([]);
  });

  it('runs all pending migrations in one transaction: a migration that fails leaves nothing of any of them', () => {
    const { path } = freshPath();
    // A stray table in the way: migration 0001 creates `terminal` first, then fails on `members`.
    versionZeroFile(path, `CREATE TABLE members (x INTEGER); INSERT INTO members VALUES (42);`);
    expect(() => openDatabase(path, { mode: 'create' })).toThrow(/upgrading the schema to version 1 .* failed: table members already exists\. Nothing was changed/);
    expect(userVersion(path)).toBe(0);
    expect(userTables(path)).toEqual(['members']);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT x FROM members').pluck().all()).toEqual([42]);
    db.close();
  });

  it('runs all pending migrations in one transaction: when the newest fails, none of the earlier ones is kept', () => {
    const [taken] = addedByNewestMigration();
    expect(taken).toBeDefined();
    const { path } = freshPath();
    // Something already has the name the newest migration needs, so it fails after all the others ran.
    versionZeroFile(path, `CREATE VIEW "${taken!}" AS SELECT 1 AS x;`);
    expect(() => openDatabase(path, { mode: 'create' })).toThrow(/already/);
    expect(userVersion(path)).toBe(0);
    expect(schema(path).map((o) => `${o.type} ${o.name}`)).toEqual([`view ${taken!}`]);
  });

  for (let from = 1; from < LATEST_VERSION; from += 1) {
    it(`backs up a version-${from} file, then migrates it to version ${LATEST_VERSION} with the schema a new file gets`, () => {
      const { folder, path } = freshPath();
      fileAtVersion(path, from, SOME_DATA);
      const data = someData(path);
      const schemaBefore = schema(path);
      const db = openDatabase(path, { mode: 'existing' });
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      } finally {
        db.close();
      }
      const backups = readdirSync(folder).filter((f) => f.endsWith('.bak'));
      expect(backups).toHaveLength(1);
      expect(backups[0]).toMatch(new RegExp(`^ledger\\.sqlite\\.v${from}-\\d{13}\\.bak$`));
      const backup = join(folder, backups[0]!);
      // The backup is the file as it was: its version, its schema, its rows.
      expect(userVersion(backup)).toBe(from);
      expect(schema(backup)).toEqual(schemaBefore);
      expect(someData(backup)).toEqual(data);
      // The migrated file keeps its rows (with any columns later versions added) and has exactly a new file's schema.
      expect(someData(path)).toMatchObject(data as object);
      const fresh = freshPath().path;
      openDatabase(fresh, { mode: 'create' }).close();
      expect(schema(path)).toEqual(schema(fresh));
    });

    it(`leaves a version-${from} file at its version, backup beside it, when its migration fails`, () => {
      const [taken] = addedByNewestMigration();
      const { folder, path } = freshPath();
      fileAtVersion(path, from, `${SOME_DATA} CREATE VIEW "${taken!}" AS SELECT 1 AS x;`);
      const schemaBefore = schema(path);
      const data = someData(path);
      expect(() => openDatabase(path, { mode: 'existing' })).toThrow(/already/);
      expect(userVersion(path)).toBe(from);
      expect(schema(path)).toEqual(schemaBefore);
      expect(someData(path)).toEqual(data);
      expect(readdirSync(folder).filter((f) => f.endsWith('.bak'))).toHaveLength(1);
    });
  }

  for (const mode of ['create', 'existing', 'readonly'] as const satisfies readonly OpenMode[]) {
    it(`refuses a file from a newer Tally (version ${LATEST_VERSION + 1}) in ${mode} mode without writing`, () => {
      const { path } = freshPath();
      openDatabase(path, { mode: 'create' }).close();
      const raw = new Database(path);
      raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
      raw.close();
      settle(path);
      const before = { sha: sha256(path), size: statSync(path).size };
      let error: unknown;
      try {
        openDatabase(path, { mode }).close();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TallyError);
      expect((error as TallyError).code).toBe('database-newer');
      expect((error as TallyError).message).toBe(
        `${path} was written by a newer Tally (schema ${LATEST_VERSION + 1}; this one knows up to ${LATEST_VERSION}). Update Tally; the file was left untouched.`,
      );
      expect({ sha: sha256(path), size: statSync(path).size }).toEqual(before);
      expect(userVersion(path)).toBe(LATEST_VERSION + 1);
    });
  }
});

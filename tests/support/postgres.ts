/**
 * A real PostgreSQL for the server-store tests, on loopback, with a fresh database per test file.
 *
 * - `TALLY_TEST_DATABASE_URL` set: that server is used; the URL's role must be allowed to create
 *   databases (a fresh one is made next to the URL's database and dropped afterwards).
 * - Otherwise (CI and this machine: Debian, run as root, `apt-get install postgresql`): Debian's
 *   cluster (the newest installed, normally 15/main) is started with `pg_ctlcluster` if it is down,
 *   a role `tally_test` (password `tally_test`, CREATEDB) is made through `psql` as the `postgres`
 *   user, and the database is created as that role over TCP on 127.0.0.1.
 *
 * Anything that goes wrong throws an Error saying what to do: a test that needs PostgreSQL fails,
 * it is never skipped. The cluster is left running (other test files may be using it).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import pg from 'pg';

export interface TestDatabase {
  /** postgres://… of the fresh database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database (close every pool on it first). */
  drop(): Promise<void>;
}

const ROLE = 'tally_test';
const HOW_TO =
  'The server-store tests need PostgreSQL: run them as root on Debian with the `postgresql` package installed ' +
  '(see /work/shared/RECIPES.md), or set TALLY_TEST_DATABASE_URL=postgres://user:password@host:port/db for a role that may create databases.';

function fail(what: string, cause?: unknown): never {
  const detail = cause instanceof Error ? `: ${cause.message}` : cause === undefined ? '' : `: ${String(cause)}`;
  throw new Error(`PostgreSQL for tests: ${what}${detail}\n${HOW_TO}`);
}

function uniqueName(label: string): string {
  const clean = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
  return `tally_test_${clean}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The database name is made here from [a-z0-9_] only, so quoting it is enough. */
const quoteIdent = (name: string): string => `"${name}"`;

async function createOn(adminUrl: string, label: string): Promise<TestDatabase> {
  const name = uniqueName(label);
  try {
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  } catch (error) {
    fail(`could not create a test database through ${redact(adminUrl)}`, error);
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)).then(() => undefined),
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

interface Cluster {
  readonly version: string;
  readonly name: string;
  readonly port: number;
  readonly online: boolean;
  readonly log: string;
}

function clusters(): Cluster[] {
  let out: string;
  try {
    out = execFileSync('pg_lsclusters', ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    return fail('pg_lsclusters did not run (is the postgresql package installed?)', error);
  }
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 6 && /^\d+$/.test(f[0] ?? '') && /^\d+$/.test(f[2] ?? ''))
    .map((f) => ({ version: f[0] ?? '', name: f[1] ?? '', port: Number(f[2]), online: (f[3] ?? '').startsWith('online'), log: f[6] ?? '' }));
}

function newestCluster(): Cluster {
  const all = clusters();
  if (all.length === 0) fail('no PostgreSQL cluster is installed (pg_lsclusters lists none)');
  return all.sort((a, b) => Number(b.version) - Number(a.version) || (a.name === 'main' ? -1 : 1))[0] as Cluster;
}

function logTail(path: string): string {
  try {
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-8).join('\n') : '';
  } catch {
    return '';
  }
}

async function ensureRunning(cluster: Cluster): Promise<Cluster> {
  if (cluster.online) return cluster;
  let startError: unknown;
  try {
    execFileSync('pg_ctlcluster', [cluster.version, cluster.name, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (error) {
    // Another test file may be starting it at this very moment ("already running", a pid file):
    // wait for it to come up before giving up.
    startError = error;
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const now = clusters().find((c) => c.version === cluster.version && c.name === cluster.name);
    if (now?.online) return now;
    if (startError === undefined || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const stderr = (startError as { stderr?: unknown } | undefined)?.stderr;
  return fail(
    `could not start cluster ${cluster.version}/${cluster.name} with pg_ctlcluster${typeof stderr === 'string' && stderr ? `: ${stderr.trim()}` : ''}\n${logTail(cluster.log)}`,
    startError,
  );
}

/** psql as the database superuser (peer authentication on the local socket). */
function psqlAsPostgres(port: number, sql: string): void {
  const asPostgres = userInfo().username === 'postgres';
  const [command, args] = asPostgres
    ? ['psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-p', String(port), '-c', sql]]
    : ['runuser', ['-u', 'postgres', '--', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-p', String(port), '-c', sql]];
  try {
    execFileSync(command, args as string[], { cwd: '/', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    fail(`psql as postgres failed${typeof stderr === 'string' && stderr ? `: ${stderr.trim()}` : ''}`, error);
  }
}

async function waitForConnections(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await withClient(url, (c) => c.query('SELECT 1'));
      return;
    } catch (error) {
      // 57P03: the database system is starting up.
      if (Date.now() > deadline) fail(`the server did not accept connections at ${redact(url)} within 30 s`, error);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** A fresh, empty database for one test file; call `drop()` in afterAll. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const given = process.env['TALLY_TEST_DATABASE_URL'];
  if (given) return createOn(given, label);

  const user = userInfo().username;
  if (process.getuid?.() !== 0 && user !== 'postgres') fail(`this process runs as ${user}, not root or postgres, so it cannot start Debian's cluster`);
  const cluster = await ensureRunning(newestCluster());
  ensureRole(cluster.port);
  const adminUrl = `postgres://${ROLE}:${ROLE}@127.0.0.1:${cluster.port}/postgres`;
  await waitForConnections(adminUrl);
  return createOn(adminUrl, label);
}

/** The tests' role; idempotent, and safe when several test files do it at once. */
function ensureRole(port: number): void {
  psqlAsPostgres(
    port,
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN
         CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${ROLE}';
       END IF;
     EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
     END $$;`,
  );
}

export interface SmallDiskDatabase extends TestDatabase {
  /** Fills the file system under the database's tablespace to its last page. */
  fill(): void;
  /** Frees what `fill` took. */
  free(): void;
}

/**
 * A fresh database whose tablespace lives on a small tmpfs (`sizeMb`), for a full disk on the
 * server's PostgreSQL: the tables and indexes are there, the write-ahead log stays on the cluster's
 * own disk (a full WAL disk stops PostgreSQL itself, which is no test of Tally). Needs Debian's
 * local cluster and root (a tablespace is made by a superuser, and the mount must be one the
 * cluster sees); with TALLY_TEST_DATABASE_URL it fails saying so. `drop()` removes the database,
 * the tablespace and the mount.
 */
export async function createSmallDiskDatabase(label: string, sizeMb: number): Promise<SmallDiskDatabase> {
  if (process.env['TALLY_TEST_DATABASE_URL']) fail('a full-disk test needs the local Debian cluster (a tablespace on a tmpfs); unset TALLY_TEST_DATABASE_URL and run as root');
  if (process.getuid?.() !== 0) fail('a full-disk test mounts a tmpfs for a tablespace: run it as root');
  const cluster = await ensureRunning(newestCluster());
  const name = uniqueName(label);
  const mount = `/tmp/${name}-disk`;
  const run = (command: string, args: readonly string[]): string => execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  run('mkdir', ['-p', mount]);
  run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0755`, 'tmpfs', mount]);
  const space = `${mount}/pg`;
  try {
    run('mkdir', [space]);
    run('chown', ['postgres:postgres', space]);
    ensureRole(cluster.port);
    psqlAsPostgres(cluster.port, `CREATE TABLESPACE ${quoteIdent(name)} LOCATION '${space}'`);
    psqlAsPostgres(cluster.port, `CREATE DATABASE ${quoteIdent(name)} OWNER ${ROLE} TABLESPACE ${quoteIdent(name)}`);
  } catch (error) {
    // Nothing left behind: no tablespace pointing into a mount that is gone, no mount.
    try {
      psqlAsPostgres(cluster.port, `DROP TABLESPACE IF EXISTS ${quoteIdent(name)}`);
    } finally {
      run('umount', [mount]);
      run('rmdir', [mount]);
    }
    throw error;
  }
  const url = `postgres://${ROLE}:${ROLE}@127.0.0.1:${cluster.port}/${name}`;
  await waitForConnections(url);
  return {
    url,
    name,
    fill: () => {
      execFileSync('sh', ['-c', `dd if=/dev/zero of=${mount}/filler bs=64k 2>/dev/null; dd if=/dev/zero of=${mount}/filler-pages bs=4k 2>/dev/null; true`]);
    },
    free: () => {
      run('rm', ['-f', `${mount}/filler`, `${mount}/filler-pages`]);
    },
    drop: async () => {
      psqlAsPostgres(cluster.port, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      psqlAsPostgres(cluster.port, `DROP TABLESPACE IF EXISTS ${quoteIdent(name)}`);
      run('umount', [mount]);
      run('rmdir', [mount]);
    },
  };
}

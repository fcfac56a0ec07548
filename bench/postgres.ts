/**
 * A real PostgreSQL for the benchmarks, on loopback, with a fresh database per use. The same recipe
 * as the tests' helper (tests/support/postgres.ts; benchmarks do not import from tests/), but a
 * benchmark reports instead of failing: when no PostgreSQL can be had, `benchDatabase` answers why,
 * and the caller prints an info row.
 *
 * - `TALLY_BENCH_DATABASE_URL` set: that server, whose role must be allowed to create databases.
 * - Otherwise (Debian, run as root, `apt-get install postgresql`): the newest installed cluster is
 *   started with `pg_ctlcluster` if it is down, a role `tally_bench` (CREATEDB) is made through
 *   `psql` as the `postgres` user, and databases are created as that role over TCP on 127.0.0.1.
 * The cluster is left running.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import pg from 'pg';

export interface BenchDatabase {
  /** postgres://… of the fresh database. */
  readonly url: string;
  /** Drops the database (close every pool on it first). */
  drop(): Promise<void>;
}

export type PostgresAvailability = { readonly ok: true; readonly adminUrl: string; readonly server: string } | { readonly ok: false; readonly reason: string };

const ROLE = 'tally_bench';

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function run(command: string, args: readonly string[]): string {
  return execFileSync(command, [...args], { cwd: '/', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

function stderrOf(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  if (typeof stderr === 'string' && stderr.trim() !== '') return stderr.trim().split('\n')[0]!;
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

interface Cluster {
  readonly version: string;
  readonly name: string;
  readonly port: number;
  readonly online: boolean;
}

function clusters(): Cluster[] {
  return run('pg_lsclusters', ['-h'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 6 && /^\d+$/.test(f[0] ?? '') && /^\d+$/.test(f[2] ?? ''))
    .map((f) => ({ version: f[0] ?? '', name: f[1] ?? '', port: Number(f[2]), online: (f[3] ?? '').startsWith('online') }));
}

async function waitForConnections(url: string): Promise<string | null> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await withClient(url, (c) => c.query('SELECT 1'));
      return null;
    } catch (error) {
      if (Date.now() > deadline) return `no connection within 30 s (${stderrOf(error)})`;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

let availability: Promise<PostgresAvailability> | undefined;

async function findPostgres(): Promise<PostgresAvailability> {
  const given = process.env['TALLY_BENCH_DATABASE_URL'];
  if (given) {
    const problem = await waitForConnections(given);
    return problem ? { ok: false, reason: `TALLY_BENCH_DATABASE_URL: ${problem}` } : { ok: true, adminUrl: given, server: 'TALLY_BENCH_DATABASE_URL' };
  }
  if (process.getuid?.() !== 0 && userInfo().username !== 'postgres') return { ok: false, reason: 'not root, so Debian\'s cluster cannot be started (or set TALLY_BENCH_DATABASE_URL)' };
  let cluster: Cluster | undefined;
  try {
    cluster = clusters().sort((a, b) => Number(b.version) - Number(a.version) || (a.name === 'main' ? -1 : 1))[0];
  } catch (error) {
    return { ok: false, reason: `pg_lsclusters did not run (is the postgresql package installed?): ${stderrOf(error)}` };
  }
  if (!cluster) return { ok: false, reason: 'no PostgreSQL cluster is installed (apt-get install postgresql)' };
  if (!cluster.online) {
    try {
      run('pg_ctlcluster', [cluster.version, cluster.name, 'start']);
    } catch (error) {
      // Someone else may be starting it right now: the connection wait below decides.
      if (!clusters().find((c) => c.version === cluster.version && c.name === cluster.name)?.online) return { ok: false, reason: `pg_ctlcluster ${cluster.version} ${cluster.name} start failed: ${stderrOf(error)}` };
    }
  }
  try {
    const psql = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-p', String(cluster.port), '-c'];
    const sql = `DO $$ BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${ROLE}'; END IF;
     EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
     END $$;`;
    if (userInfo().username === 'postgres') run('psql', [...psql, sql]);
    else run('runuser', ['-u', 'postgres', '--', 'psql', ...psql, sql]);
  } catch (error) {
    return { ok: false, reason: `could not make the role ${ROLE}: ${stderrOf(error)}` };
  }
  const adminUrl = `postgres://${ROLE}:${ROLE}@127.0.0.1:${cluster.port}/postgres`;
  const problem = await waitForConnections(adminUrl);
  return problem ? { ok: false, reason: problem } : { ok: true, adminUrl, server: `PostgreSQL ${cluster.version}/${cluster.name} on 127.0.0.1:${cluster.port}` };
}

/** Whether PostgreSQL can be used, and how (asked once per run). */
export function postgresAvailability(): Promise<PostgresAvailability> {
  availability ??= findPostgres();
  return availability;
}

/** A fresh, empty database next to the admin URL's. */
export async function benchDatabase(adminUrl: string, label: string): Promise<BenchDatabase> {
  const name = `tally_bench_${label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30)}_${process.pid}_${randomBytes(3).toString('hex')}`;
  // The name is made here from [a-z0-9_] only, so quoting it is enough.
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined) };
}

/** A server setting as the server reports it (for the benchmark's header: synchronous_commit, fsync…). */
export async function postgresSetting(url: string, name: string): Promise<string> {
  return withClient(url, async (c) => {
    const result = await c.query<{ setting: string }>('SELECT current_setting($1) AS setting', [name]);
    return result.rows[0]?.setting ?? '?';
  });
}

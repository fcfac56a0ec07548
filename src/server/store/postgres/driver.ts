/**
 * The server's one door to `pg` (imported here only). A pool of connections; bigint columns come
 * back as strings and are converted (and range-checked) where rows are read (../rows.ts), so no
 * process-wide type parser is changed under other users of `pg`.
 */
import pg from 'pg';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

export interface PgOptions {
  readonly connectionString: string;
  /** Connections in the pool (default 10). */
  readonly max?: number;
}

export function openPgPool(options: PgOptions): PgPool {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10, connectionTimeoutMillis: 10_000 });
  // An idle client's error (the server restarted) must not crash the process: the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError ? error.code : undefined;
}

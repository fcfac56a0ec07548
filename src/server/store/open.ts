/**
 * Opens the server's store from one location string, as the CLI and the HTTP server are configured:
 * a `postgres://` / `postgresql://` URL is PostgreSQL, anything else a SQLite file path. The schema
 * is brought up to date before the store is returned.
 */
import { openPostgresServerStore } from './postgres/postgres-store.js';
import { openSqliteServerStore } from './sqlite/sqlite-store.js';
import type { ServerStore } from './store.js';

export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export async function openServerStore(location: string): Promise<ServerStore> {
  return isPostgresLocation(location) ? openPostgresServerStore({ connectionString: location }) : openSqliteServerStore(location);
}

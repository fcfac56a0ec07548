/**
 * Which store the server uses: PostgreSQL when DATABASE_URL is a postgres:// URL, otherwise the
 * embedded SQLite file in the data folder (nothing to install). Opening migrates.
 */
import { TallyError } from '../../core/errors.js';
import { isPostgresLocation, openServerStore as openStoreAt } from '../store/open.js';
import type { ServerStore } from '../store/store.js';
import { ensureDataFolder, sqlitePath } from './files.js';

export type StoreTarget = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string };

export function storeTarget(dataDir: string, env: Readonly<Record<string, string | undefined>>): StoreTarget {
  const url = env['DATABASE_URL']?.trim();
  if (url === undefined || url === '') return { kind: 'sqlite', path: sqlitePath(dataDir) };
  if (!isPostgresLocation(url)) {
    throw new TallyError('invalid-input', 'DATABASE_URL must be a postgres:// URL (PostgreSQL); unset it to use the embedded SQLite store');
  }
  return { kind: 'postgres', url };
}

/** For messages: the SQLite file, or the PostgreSQL URL without its password. */
export function describeTarget(target: StoreTarget): string {
  if (target.kind === 'sqlite') return `sqlite ${target.path}`;
  try {
    const url = new URL(target.url);
    url.password = '';
    url.search = '';
    return `postgresql ${url.toString()}`;
  } catch {
    return 'postgresql (DATABASE_URL)';
  }
}

export async function openServerStore(target: StoreTarget, dataDir: string): Promise<ServerStore> {
  if (target.kind === 'sqlite') ensureDataFolder(dataDir);
  return openStoreAt(target.kind === 'sqlite' ? target.path : target.url);
}

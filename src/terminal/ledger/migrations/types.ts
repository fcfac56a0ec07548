import type { SqliteDatabase } from '../sqlite.js';

/** One schema version. `up` runs inside the migration transaction; it must not commit or vacuum. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  up(db: SqliteDatabase): void;
}

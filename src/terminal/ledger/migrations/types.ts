import type { SqliteDatabase } from '../sqlite.js';

/** One schema version. `up` runs inside the migration transaction; it must not commit or vacuum. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  up(db: SqliteDatabase): void;
  /**
   * Rebuilds a table other tables reference (SQLite's documented procedure for a change ALTER
   * TABLE cannot make): foreign keys are off for the upgrade's transaction and checked in full
   * before it commits.
   */
  readonly foreignKeysOff?: boolean;
}

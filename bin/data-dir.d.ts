// Types for bin/data-dir.js (plain JavaScript so it runs without a build).

export interface DataDirectoryOptions {
  readonly platform?: NodeJS.Platform;
  readonly env?: NodeJS.ProcessEnv;
  readonly homedir?: string;
}

export declare const DATABASE_FILE_NAME: 'tally.sqlite';

/** The user's per-platform data folder for Tally (see data-dir.js). */
export declare function dataDirectory(options?: DataDirectoryOptions): string;

/** `<dataDirectory()>/tally.sqlite`: the database used when no `--db` is given. */
export declare function defaultDatabasePath(options?: DataDirectoryOptions): string;

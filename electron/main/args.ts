/**
 * The desktop app's own command-line options (`npm start -- --db FILE`, or the installed app's
 * shortcut). Everything else on the command line is left alone: Chromium and Electron switches
 * (`--no-sandbox`, `--enable-logging`…) and the main script's path in development.
 */
export interface DesktopArgs {
  /** `--db FILE` or `--db=FILE`: the ledger; default: the data folder's tally.sqlite, as for the CLI. */
  readonly db?: string;
  /** `--start-at-login` / `--no-start-at-login`: changes the saved setting. */
  readonly startAtLogin?: boolean;
  /** `--kiosk`: this computer is a self-service kiosk: its one window is the kiosk, which may only look up a member. */
  readonly kiosk?: boolean;
}

export function parseDesktopArgs(argv: readonly string[]): DesktopArgs {
  let db: string | undefined;
  let startAtLogin: boolean | undefined;
  let kiosk = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--db') {
      const next = argv[i + 1];
      if (next !== undefined && next !== '' && !next.startsWith('--')) {
        db = next;
        i += 1;
      }
    } else if (arg.startsWith('--db=') && arg.length > '--db='.length) {
      db = arg.slice('--db='.length);
    } else if (arg === '--start-at-login') {
      startAtLogin = true;
    } else if (arg === '--no-start-at-login') {
      startAtLogin = false;
    } else if (arg === '--kiosk') {
      kiosk = true;
    }
  }
  return { ...(db !== undefined ? { db } : {}), ...(startAtLogin !== undefined ? { startAtLogin } : {}), ...(kiosk ? { kiosk } : {}) };
}

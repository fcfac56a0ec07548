/**
 * The desktop app's own settings (today one: start at login, off by default), in
 * `<data folder>/desktop.json` beside the ledger, and the start-at-login switch itself:
 * `app.setLoginItemSettings` on Windows and macOS; on Linux, where Electron has no such call, an
 * XDG autostart entry (`~/.config/autostart/tally.desktop`), which desktop sessions start at login.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ElectronApi } from './electron-api.js';

export const SETTINGS_FILE_NAME = 'desktop.json';

const settingsSchema = z.strictObject({
  startAtLogin: z.boolean().default(false),
});
export type DesktopSettings = z.output<typeof settingsSchema>;

export const DEFAULT_SETTINGS: DesktopSettings = { startAtLogin: false };

/** The settings in `dataDir`; defaults when there is no file, and (with a log line) when it cannot be read. */
export function readSettings(dataDir: string, log: (line: string) => void): DesktopSettings {
  const file = path.join(dataDir, SETTINGS_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') log(`tally app: could not read ${file} (${(error as Error).message}); using the default settings`);
    return DEFAULT_SETTINGS;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    log(`tally app: ${file} is not JSON; using the default settings`);
    return DEFAULT_SETTINGS;
  }
  const parsed = settingsSchema.safeParse(value);
  if (!parsed.success) {
    log(`tally app: ${file} is not valid (${parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ')}); using the default settings`);
    return DEFAULT_SETTINGS;
  }
  return parsed.data;
}

/** Writes the settings atomically (a reader never sees half a file). */
export function writeSettings(dataDir: string, settings: DesktopSettings): void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, SETTINGS_FILE_NAME);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

/** The folder of XDG autostart entries: `$XDG_CONFIG_HOME/autostart`, or `~/.config/autostart` (a relative XDG_CONFIG_HOME is ignored, as the spec says). */
export function autostartDirectory(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg !== undefined && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(homedir, '.config');
  return path.posix.join(base, 'autostart');
}

/** One argument of a desktop entry's Exec key, quoted as the Desktop Entry Specification asks. */
export function quoteExecArgument(arg: string): string {
  // `%` starts a field code (%f, %u…) anywhere in Exec, quoted or not: a literal one is `%%`.
  const text = arg.replace(/%/g, '%%');
  if (text !== '' && !/[\s"'\\`$<>|&;*?#()~]/.test(text)) return text;
  return `"${text.replace(/[\\"`$]/g, (ch) => `\\${ch}`)}"`;
}

/** The autostart entry that starts `command` (the app's executable and its arguments) at login. */
export function autostartEntry(command: readonly string[]): string {
  // In the file, a backslash is itself escaped once more (the spec's string escaping comes first).
  const exec = command.map(quoteExecArgument).join(' ').replace(/\\/g, '\\\\');
  return ['[Desktop Entry]', 'Type=Application', 'Name=Tally', 'Comment=Tally loyalty terminal', `Exec=${exec}`, 'Terminal=false', 'X-GNOME-Autostart-enabled=true', ''].join('\n');
}

export interface LoginItemContext {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  /** How this app is started again: the executable, and the main script when run from a checkout. */
  readonly command: readonly string[];
}

/** Makes the system start Tally at login, or stop doing so. */
export function applyStartAtLogin(api: Pick<ElectronApi, 'setLoginItem'>, enabled: boolean, context: LoginItemContext): void {
  if (context.platform === 'win32' || context.platform === 'darwin') {
    api.setLoginItem(enabled);
    return;
  }
  const file = path.posix.join(autostartDirectory(context.env, context.homedir), 'tally.desktop');
  if (!enabled) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(path.posix.dirname(file), { recursive: true });
  writeFileSync(file, autostartEntry(context.command), { mode: 0o644 });
}

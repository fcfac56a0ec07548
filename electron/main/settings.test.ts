// The desktop settings file and the start-at-login switch, on real files in a temp folder.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDesktopArgs } from './args.js';
import { applyStartAtLogin, autostartDirectory, autostartEntry, quoteExecArgument, readSettings, SETTINGS_FILE_NAME, writeSettings } from './settings.js';

const base = mkdtempSync(path.join(tmpdir(), 'tally-desktop-settings-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  n += 1;
  const dir = path.join(base, `case-${n}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

describe('desktop settings', () => {
  it('starts at login only when asked (off by default), and keeps what was written', () => {
    const dir = fresh();
    const log: string[] = [];
    expect(readSettings(dir, (l) => log.push(l))).toEqual({ startAtLogin: false });
    writeSettings(dir, { startAtLogin: true });
    expect(readSettings(dir, (l) => log.push(l))).toEqual({ startAtLogin: true });
    expect(log).toEqual([]);
  });

  it('falls back to the defaults, with a line saying why, for a file it cannot use', () => {
    for (const [text, why] of [
      ['{', 'is not JSON'],
      ['{"startAtLogin":"yes"}', 'startAtLogin'],
      ['{"startAtLogin":true,"evil":1}', 'is not valid'],
    ] as const) {
      const dir = fresh();
      writeFileSync(path.join(dir, SETTINGS_FILE_NAME), text);
      const log: string[] = [];
      expect(readSettings(dir, (l) => log.push(l))).toEqual({ startAtLogin: false });
      expect(log.join('\n')).toContain(why);
    }
  });

  it('uses the login items of Windows and macOS', () => {
    const calls: boolean[] = [];
    for (const platform of ['win32', 'darwin'] as const) {
      applyStartAtLogin({ setLoginItem: (open) => calls.push(open) }, true, { platform, env: {}, homedir: fresh(), command: ['C:\\Tally\\Tally.exe'] });
    }
    expect(calls).toEqual([true, true]);
  });

  it('writes and removes an XDG autostart entry on Linux', () => {
    const home = fresh();
    const context = { platform: 'linux' as const, env: {}, homedir: home, command: ['/home/kim/Apps/Tally 1.0.AppImage'] };
    const file = path.join(home, '.config', 'autostart', 'tally.desktop');
    const calls: boolean[] = [];
    applyStartAtLogin({ setLoginItem: (open) => calls.push(open) }, true, context);
    const entry = readFileSync(file, 'utf8');
    expect(entry).toContain('[Desktop Entry]');
    expect(entry).toContain('Exec="/home/kim/Apps/Tally 1.0.AppImage"');
    applyStartAtLogin({ setLoginItem: (open) => calls.push(open) }, false, context);
    expect(existsSync(file)).toBe(false);
    // Off again when already off: nothing to remove, no error.
    applyStartAtLogin({ setLoginItem: (open) => calls.push(open) }, false, context);
    expect(calls).toEqual([]);
    expect(autostartDirectory({ XDG_CONFIG_HOME: '/cfg' }, home)).toBe('/cfg/autostart');
    expect(autostartDirectory({ XDG_CONFIG_HOME: 'relative' }, home)).toBe(path.join(home, '.config', 'autostart'));
  });

  it('quotes Exec arguments as the Desktop Entry Specification asks', () => {
    expect(quoteExecArgument('/usr/bin/tally')).toBe('/usr/bin/tally');
    expect(quoteExecArgument('/a b/x')).toBe('"/a b/x"');
    expect(quoteExecArgument('$HOME`x`"q"')).toBe('"\\$HOME\\`x\\`\\"q\\""');
    expect(quoteExecArgument('100%')).toBe('100%%');
    expect(quoteExecArgument('')).toBe('""');
    // A backslash is escaped for the quoting, then again for the file's string escaping.
    expect(autostartEntry(['/a\\b c'])).toContain('Exec="/a\\\\\\\\b c"');
  });
});

describe('desktop command line', () => {
  it('reads --db and the start-at-login switches, and leaves Chromium switches alone', () => {
    expect(parseDesktopArgs(['dist/electron/main/index.js', '--db', '/data/lane.sqlite', '--no-sandbox'])).toEqual({ db: '/data/lane.sqlite' });
    expect(parseDesktopArgs(['--db=/x.sqlite', '--start-at-login'])).toEqual({ db: '/x.sqlite', startAtLogin: true });
    expect(parseDesktopArgs(['--start-at-login', '--no-start-at-login'])).toEqual({ startAtLogin: false });
    expect(parseDesktopArgs(['--db', '--enable-logging'])).toEqual({});
    expect(parseDesktopArgs(['--db='])).toEqual({});
    expect(parseDesktopArgs([])).toEqual({});
  });
});

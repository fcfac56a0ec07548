/**
 * The real `tally` as a counter runs it: a child process with the real clock (no `--now`, the
 * override not even allowed), its stderr stripped of the demo notices.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO, stripNotices } from './ledger-fixture.js';

const TALLY = join(REPO, 'bin', 'tally.js');

export interface CounterRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly error: string;
}

export function realCounter(cwd: string): {
  tally(db: string, args: readonly string[]): CounterRun;
  /** `--json` output of a command that must succeed with nothing on stderr. */
  ok<T>(db: string, args: readonly string[]): T;
} {
  const tally = (db: string, args: readonly string[]): CounterRun => {
    const env = { ...process.env };
    delete env['TALLY_ALLOW_CLOCK_OVERRIDE'];
    const run = spawnSync(process.execPath, [TALLY, '--db', db, ...args], { cwd, encoding: 'utf8', env, timeout: 60_000 });
    return { status: run.status, stdout: run.stdout, error: stripNotices(run.stderr) };
  };
  return {
    tally,
    ok<T>(db: string, args: readonly string[]): T {
      const run = tally(db, ['--json', ...args]);
      expect(run.error, run.stdout).toBe('');
      expect(run.status).toBe(0);
      return JSON.parse(run.stdout) as T;
    },
  };
}

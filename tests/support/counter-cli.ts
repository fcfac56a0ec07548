/**
 * What the e2e suites share beside the browser host: the `tally` CLI on the same ledger (a real
 * process; the host and the CLI share the file), and waiting for a condition the screen cannot
 * show (a slip printed, a queue line) without sleeping a fixed time.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI_ENV, REPO } from './ledger-fixture.js';

/** `tally --db DB …` in `cwd`: its stdout, or an error carrying its exit code and stderr. */
export function tallyAt(db: string, cwd: string): (args: readonly string[], input?: string) => string {
  return (args, input) => {
    const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, ...args], { cwd, encoding: 'utf8', env: CLI_ENV, ...(input !== undefined ? { input } : {}) });
    if (run.status !== 0) throw new Error(`tally ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
    return run.stdout;
  };
}

/** Polls `condition` every 100 ms; after `timeoutMs` fails naming `what`, with `explain()` (the test's view of its world) appended. */
export async function eventually(what: string, condition: () => boolean, options: { readonly timeoutMs?: number; readonly explain?: () => string } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 45_000);
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${options.explain ? `; ${options.explain()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

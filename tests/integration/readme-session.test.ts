/**
 * The README's counter session must work exactly as printed: every `$ npx tally …` line runs the
 * real CLI (compiled, as `npx tally` would) against a fresh database, and its output must match the
 * README line by line. Only member ids (UUIDv7, random by design) are compared by shape.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NOTICE_LINE, REPO, tempDir } from '../support/ledger-fixture.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

interface Step {
  readonly command: string;
  readonly expected: string[];
}

function sessionSteps(): Step[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const block = /<!-- session:start -->\n```console\n([\s\S]*?)```\n<!-- session:end -->/.exec(readme);
  if (!block?.[1]) throw new Error('README has no session block between <!-- session:start --> and <!-- session:end -->');
  const steps: Step[] = [];
  for (const line of block[1].trimEnd().split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] });
    else steps.at(-1)?.expected.push(line);
  }
  return steps;
}

const { dir, cleanup } = tempDir('tally-readme-');
afterAll(cleanup);

describe('README session', () => {
  const steps = sessionSteps();

  it('covers init, enrolment, checkout, return and verify', () => {
    const commands = steps.map((s) => s.command).join('\n');
    for (const verb of [' init ', ' member add ', ' checkout ', ' return ', ' verify']) expect(commands).toContain(verb);
    expect(existsSync(join(REPO, 'dist', 'src', 'terminal', 'cli', 'main.js'))).toBe(true);
  });

  it('prints exactly what the README shows', () => {
    symlinkSync(join(REPO, 'resources'), join(dir, 'resources'));
    // The session pins the clock, which only an environment that allows it may do (`export` in the README).
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env['TALLY_ALLOW_CLOCK_OVERRIDE'];
    for (const step of steps) {
      const exported = /^export ([A-Z_]+)=(\S+)$/.exec(step.command);
      if (exported) {
        env[exported[1]!] = exported[2]!;
        continue;
      }
      expect(step.command.startsWith('npx tally ')).toBe(true);
      const command = step.command.replace(/^npx tally /, `node ${JSON.stringify(join(REPO, 'bin', 'tally.js'))} `);
      const run = spawnSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8', env });
      // On stderr only what the README says every command prints here: the pinned clock and the demo terminal.
      const stderr = run.stderr.trimEnd().split('\n');
      expect(stderr.every((line) => NOTICE_LINE.test(line)), run.stderr).toBe(true);
      expect(stderr.some((line) => line.startsWith('tally: clock overridden'))).toBe(step.command.includes(' --now '));
      expect(stderr.some((line) => line.startsWith('tally: DEMO terminal'))).toBe(true);
      expect({ command: step.command, status: run.status }).toEqual({ command: step.command, status: 0 });
      const actual = run.stdout.trimEnd().split('\n').map((l) => l.replace(UUID, '<uuid>'));
      expect(actual).toEqual(step.expected.map((l) => l.replace(UUID, '<uuid>')));
    }
  });
});

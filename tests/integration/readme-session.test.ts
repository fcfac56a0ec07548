/**
 * The README's counter session must work exactly as printed: every `$ npx tally …` line runs the
 * real CLI (compiled, as `npx tally` would) against a fresh database, and its output must match the
 * README line by line. Only member ids (UUIDv7, random by design) are compared by shape.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../support/ledger-fixture.js';

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
    for (const step of steps) {
      expect(step.command.startsWith('npx tally ')).toBe(true);
      const command = step.command.replace(/^npx tally /, `node ${JSON.stringify(join(REPO, 'bin', 'tally.js'))} `);
      const run = spawnSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect({ command: step.command, status: run.status, stderr: run.stderr }).toEqual({ command: step.command, status: 0, stderr: '' });
      const actual = run.stdout.trimEnd().split('\n').map((l) => l.replace(UUID, '<uuid>'));
      expect(actual).toEqual(step.expected.map((l) => l.replace(UUID, '<uuid>')));
    }
  });
});

/**
 * The last line of .ci/run (`.ci/summarize.mjs`): the main run's and every smoke run's vitest JSON
 * report counted the same way, and a red part never summed up as "0 failed" — a smoke run that
 * stopped before its suite, or a test file that could not load, counts as a failure.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-ci-summary-');
afterAll(cleanup);

interface Input {
  readonly label: string;
  readonly report: string;
  readonly status: number;
  readonly missing: string;
}

function report(name: string, content: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

function summarize(inputs: readonly Input[]): string[] {
  const run = spawnSync(process.execPath, [join(REPO, '.ci', 'summarize.mjs')], { input: inputs.map((i) => JSON.stringify(i)).join('\n'), encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout.trimEnd().split('\n');
}

const green = (passed: number) => ({ numPassedTests: passed, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [{ status: 'passed', assertionResults: [] }] });

describe('the CI summary line', () => {
  it('adds the smoke runs to the main run', () => {
    const lines = summarize([
      { label: 'npm test', report: report('main.json', green(800)), status: 0, missing: 'no main report' },
      { label: 'smoke Node 22', report: report('s22.json', green(10)), status: 0, missing: 'no smoke report' },
      { label: 'smoke Node 24', report: report('s24.json', green(10)), status: 0, missing: 'no smoke report' },
    ]);
    expect(lines).toEqual(['npm test: 800 passed, 0 failed', 'smoke Node 22: 10 passed, 0 failed', 'smoke Node 24: 10 passed, 0 failed', '820 passed, 0 failed']);
  });

  it('counts failed smoke tests, a smoke file that did not load, and a smoke run with no report', () => {
    const failing = { numPassedTests: 8, numFailedTests: 2, numPendingTests: 0, numTodoTests: 0, testResults: [{ status: 'failed', assertionResults: [{ status: 'failed' }] }] };
    const broken = { numPassedTests: 9, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [{ status: 'failed', assertionResults: [] }] };
    const lines = summarize([
      { label: 'npm test', report: report('main2.json', green(800)), status: 0, missing: 'no main report' },
      { label: 'smoke Node 22', report: report('s22-failing.json', failing), status: 1, missing: 'no smoke report' },
      { label: 'smoke Node 24', report: report('s24-broken.json', broken), status: 1, missing: 'no smoke report' },
      { label: 'smoke Node 26', report: join(dir, 'never-written.json'), status: 1, missing: 'npm ci failed; see .ci/smoke-node26.log' },
    ]);
    expect(lines.at(-1)).toBe('817 passed, 4 failed (smoke Node 24: 1 test file(s) failed to run; smoke Node 26: npm ci failed; see .ci/smoke-node26.log)');
    expect(lines).toContain('smoke Node 26: no test report');
  });

  it('says when a run failed with no failed test, and counts skipped tests', () => {
    const skipped = { ...green(5), numPendingTests: 1 };
    const lines = summarize([{ label: 'smoke Node 22', report: report('skipped.json', skipped), status: 1, missing: 'no smoke report' }]);
    expect(lines.at(-1)).toBe('5 passed, 0 failed, 1 skipped (smoke Node 22 exited with status 1: see the log)');
  });
});

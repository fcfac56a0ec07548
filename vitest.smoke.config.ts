import { defineConfig } from 'vitest/config';

// The smoke suite (.ci/smoke-node.sh NODE_MAJOR): the CLI, the terminal host, the server and one
// browser checkout, run with another Node.js line in a copy of the project built for it. `npm test`
// does not run it (vitest.config.ts includes no tests/smoke/). TALLY_SMOKE_REPORT (set by the
// script) adds the JSON report that .ci/run counts.
const reportFile = process.env['TALLY_SMOKE_REPORT'];
const reporters: Array<string | [string, Record<string, unknown>]> = reportFile ? ['default', ['json', { outputFile: reportFile }]] : ['default'];

export default defineConfig({
  test: {
    include: ['tests/smoke/**/*.test.ts'],
    // Child processes, not worker threads: native modules (better-sqlite3) load once per process.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters,
  },
});

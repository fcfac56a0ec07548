import { configDefaults, defineConfig } from 'vitest/config';

// TALLY_CI_REPORT=1 (set by .ci/run) adds a JSON report that .ci/run turns into its summary line.
const reporters: Array<string | [string, Record<string, unknown>]> = process.env['TALLY_CI_REPORT']
  ? ['default', ['json', { outputFile: '.ci/vitest-report.json' }]]
  : ['default'];

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'electron/**/*.test.ts', 'tests/**/*.test.ts'],
    // tests/smoke/ runs on other Node.js lines, in a copy built for them (.ci/smoke-node.sh, vitest.smoke.config.ts).
    exclude: [...configDefaults.exclude, 'tests/smoke/**'],
    // Child processes, not worker threads: native modules (better-sqlite3) load once per process.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters,
  },
});

/**
 * Regression (Node 24.19+): better-sqlite3 12 derives its statements from `node::ObjectWrap`, whose
 * header since Node 24.19.0 removes an environment cleanup hook in the destructor; a statement the
 * garbage collector frees where no Node environment is current then aborts the whole process
 * (`Assertion failed: (env) != nullptr`, nodejs/node#65446) — `tally-server init` died that way,
 * mid-command, in 4 runs of 5. An ES module that prepares and drops many statements through each
 * door (terminal and server) aborts every time on such a build; it must run to the end here.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/ledger-fixture.js';

const CHURN = `
const [terminal, server] = await Promise.all([import(process.argv[1]), import(process.argv[2])]);
for (const db of [terminal.openSqlite(':memory:'), server.openServerSqlite(':memory:')]) {
  let garbage = [];
  for (let i = 0; i < 20000; i += 1) {
    db.prepare(\`SELECT \${i % 50}\`).get();
    garbage.push({ i, text: 'x'.repeat(100) });
    if (garbage.length > 1000) garbage = [];
  }
  db.close();
}
console.log('ok');
`;

describe('better-sqlite3 built for this Node', () => {
  it('survives the garbage collector freeing thousands of statements', () => {
    const doors = ['dist/src/terminal/ledger/sqlite.js', 'dist/src/server/store/sqlite/driver.js'].map((file) => pathToFileURL(join(REPO, file)).href);
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', CHURN, ...doors], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: run.status, signal: run.signal, stderr: run.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(run.stdout).toBe('ok\n');
  });
});

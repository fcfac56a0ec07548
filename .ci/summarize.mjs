// The last line of .ci/run: `N passed, M failed`, counting every vitest JSON report the same way
// (the main `npm test` run and each smoke run). Reads one JSON object per line on stdin:
//   {"label": "npm test", "report": ".ci/vitest-report.json", "status": 0, "missing": "what a missing report means"}
// and prints one line per input, then the summary line. `status` is the exit status of the command
// that should have written the report.
import { readFileSync } from 'node:fs';

const inputs = readFileSync(0, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line));

const total = { passed: 0, failed: 0, skipped: 0 };
const notes = [];
for (const input of inputs) {
  let report;
  try {
    report = JSON.parse(readFileSync(input.report, 'utf8'));
  } catch {
    // No report (or a broken one): the run is red even though no test said so.
    total.failed += 1;
    notes.push(`${input.label}: ${input.missing}`);
    console.log(`${input.label}: no test report`);
    continue;
  }
  const passed = report.numPassedTests ?? 0;
  // A test file that fails to load (syntax error, failing top-level import) has no failed tests;
  // count each such file as one failure so the summary never says "0 failed" for a red run.
  const brokenFiles = (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'),
  );
  const failed = (report.numFailedTests ?? 0) + brokenFiles.length;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  total.passed += passed;
  total.failed += failed;
  total.skipped += skipped;
  if (brokenFiles.length > 0) notes.push(`${input.label}: ${brokenFiles.length} test file(s) failed to run`);
  if (failed === 0 && input.status !== 0) notes.push(`${input.label} exited with status ${input.status}: see the log`);
  console.log(`${input.label}: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
}

let line = `${total.passed} passed, ${total.failed} failed`;
if (total.skipped > 0) line += `, ${total.skipped} skipped`;
if (notes.length > 0) line += ` (${notes.join('; ')})`;
console.log(line);

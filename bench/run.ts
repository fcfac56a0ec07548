/**
 * `npm run bench`: runs each benchmark in turn and prints one plain table of figures against their
 * targets. A benchmark reports; it is not a test — the exit code is 0 even when a target is missed
 * (it is non-zero only if a benchmark could not run at all).
 *
 * Usage: node dist/bench/run.js [checkout] [lookup] [serial] [qr] [receipt-encode] [receipt-print] [sync-push] [sync-load] [sync-pull] [host-memory] [ui-scan]   (default: all),
 *        or built first: npm run bench -- lookup
 * Env: TALLY_BENCH_CHECKOUTS (5000), TALLY_BENCH_CHECKOUT_MEMBERS (1000), TALLY_BENCH_WARMUP (500), TALLY_BENCH_HISTORY (500),
 *      TALLY_BENCH_MEMBERS (1000000), TALLY_BENCH_LOOKUPS (10000), TALLY_BENCH_DIR (OS temp dir),
 *      TALLY_BENCH_FULL_OPENS (3: opens of the member file with the full check), TALLY_BENCH_OPENS (50: cheap opens),
 *      TALLY_BENCH_SERIAL_SCANS (1000), TALLY_BENCH_SERIAL_MEMBERS (10000),
 *      TALLY_BENCH_QR_FRAMES (24), TALLY_BENCH_QR_ROUNDS (8),
 *      TALLY_BENCH_SLIPS (2000), TALLY_BENCH_SLIP_WARMUP (200),
 *      TALLY_BENCH_PUSH_ENTRIES (100000: outbox rows pushed by one terminal), TALLY_BENCH_PUSH_BATCH (1000: items per push),
 *      TALLY_BENCH_LOAD_TERMINALS (50), TALLY_BENCH_LOAD_ENTRIES (2000: outbox rows per terminal), TALLY_BENCH_LOAD_BATCH (100: items per push),
 *      TALLY_BENCH_SYNC_STORES (sqlite,postgres), TALLY_BENCH_SERVER_PROFILE (a folder: the sync benchmarks' server writes a CPU profile there),
 *      TALLY_BENCH_PULL_MEMBERS (1000000: members pulled into a new terminal), TALLY_BENCH_PULL_CHECKOUTS (0: checkouts per member after its enrolment),
 *      TALLY_BENCH_PULL_LIMIT (entries per page; default: the terminal's own), TALLY_BENCH_PULL_PROFILE (a folder: the pulling terminal writes a CPU profile there),
 *      TALLY_BENCH_PULL_REBUILD (1: rebuild the cached server data of sync-pull),
 *      TALLY_BENCH_HOST_CHECKOUTS (10000), TALLY_BENCH_HOST_MEMBERS (1000),
 *      TALLY_BENCH_UI_SCANS (200), TALLY_BENCH_UI_MEMBERS (1000), TALLY_BENCH_UI_STARTS (5),
 *      TALLY_BENCH_DATABASE_URL (a PostgreSQL whose role may create databases; default: Debian's cluster, started as root).
 */
import { cpus } from 'node:os';
import { runCheckoutBench } from './checkout.js';
import { log, type BenchResult } from './lib.js';
import { runLookupBench } from './lookup.js';
import { runQrBench } from './qr.js';
import { runReceiptEncodeBench } from './receipt-encode.js';
import { runReceiptPrintBench } from './receipt-print.js';
import { runSerialBench } from './serial.js';
import { runSyncLoadBench } from './sync-load.js';
import { runSyncPushBench } from './sync-push.js';
import { runUiScanBench } from './ui-scan.js';

const BENCHMARKS: Readonly<Record<string, () => BenchResult[] | Promise<BenchResult[]>>> = {
  checkout: () => runCheckoutBench(),
  lookup: () => runLookupBench(),
  serial: () => runSerialBench(),
  qr: () => runQrBench(),
  'receipt-encode': () => runReceiptEncodeBench(),
  'receipt-print': () => runReceiptPrintBench(),
  'sync-push': () => runSyncPushBench(),
  'sync-load': () => runSyncLoadBench(),
  'sync-pull': async () => (await import('./sync-pull.js')).runSyncPullBench(),
  'host-memory': async () => (await import('./host-memory.js')).runHostMemoryBench(),
  'ui-scan': () => runUiScanBench(),
};

function table(results: readonly BenchResult[]): string {
  const rows = [['benchmark', 'figure', 'target', 'result'], ...results.map((r) => [r.name, r.figure, r.target || '—', r.pass === null ? 'info' : r.pass ? 'PASS' : 'MISS'])];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: readonly string[]): string => row.map((cell, c) => (c === 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    log(`Unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const names = asked.length > 0 ? asked : Object.keys(BENCHMARKS);
  const cpu = cpus();
  log(`Tally benchmarks — Node ${process.version}, ${process.platform}/${process.arch}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}`);
  log();
  const results: BenchResult[] = [];
  const started = Date.now();
  for (const name of names) results.push(...(await BENCHMARKS[name]!()));
  log(table(results));
  const missed = results.filter((r) => r.pass === false);
  log();
  log(missed.length === 0 ? `All ${results.filter((r) => r.pass !== null).length} targets met.` : `MISSED ${missed.length} target(s): ${missed.map((r) => `${r.name} (${r.figure}, target ${r.target})`).join('; ')}`);
  log(`Total time ${((Date.now() - started) / 1000).toFixed(1)} s. (A missed target does not fail the run: benchmarks report, tests decide.)`);
}

await main();

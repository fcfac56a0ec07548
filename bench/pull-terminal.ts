/**
 * The terminal side of the pull benchmark, in a process of its own so that its peak RSS is the
 * terminal's alone (the server runs in another child, the benchmark's fixture and bookkeeping in the
 * parent). Not a benchmark by itself: bench/sync-pull.ts starts it with one JSON argument and reads
 * one JSON line back from stdout.
 *
 * It does what a new counter does: `enrolTerminal` with a one-time code (an empty ledger, the
 * program and the credential from the server), then `syncNow` — the health check, an empty push and
 * the pull of every page, each applied in its own durable SQLite transaction with its cursor.
 */
import { performance } from 'node:perf_hooks';
import { Ledger } from '../src/terminal/ledger/ledger.js';
import { SyncClient } from '../src/terminal/sync/client.js';
import { enrolTerminal } from '../src/terminal/sync/enrol.js';
import { syncNow, syncSettings } from '../src/terminal/sync/sync.js';
import { FileSecretStore, secretsDirFor } from '../src/terminal/trust/secret-store.js';

export interface PullTerminalArgs {
  readonly serverUrl: string;
  readonly code: string;
  readonly dbPath: string;
  /** Entries per page asked of the server; absent: the terminal's own default. */
  readonly limit?: number;
  /** Pages only, no bootstrap stream (`tally sync --paged`): the first sync as it was before. */
  readonly paged?: boolean;
}

export interface PullTerminalResult {
  readonly enrolSeconds: number;
  /** From the start of the sync until the last page is applied. */
  readonly seconds: number;
  /** Of which this process's event loop was idle: waiting for the server (the next page is asked for while one is applied). */
  readonly idleSeconds: number;
  /** CPU time of this process during the sync (user + system), seconds. */
  readonly cpuSeconds: number;
  readonly pages: number;
  readonly entries: number;
  readonly members: number;
  readonly transfers: number;
  readonly cardConflicts: number;
  /** The largest page (or the bootstrap stream), in bytes of JSON. */
  readonly largestPageBytes: number;
  readonly bytes: number;
  /** Peak resident set of this process, bytes (getrusage ru_maxrss). */
  readonly maxRss: number;
}

/** The real client, counting the bytes the server sent. */
class CountingClient extends SyncClient {
  bytes = 0;
  largest = 0;

  constructor(baseUrl: string, credential: string) {
    super({
      baseUrl,
      credential,
      timeoutMs: 120_000,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const length = response.headers.get('content-length');
        if (length !== null || !response.body) {
          this.bytes += Number(length ?? 0);
          this.largest = Math.max(this.largest, Number(length ?? 0));
          return response;
        }
        // A stream (the first sync's bootstrap): counted as it passes.
        let streamed = 0;
        const counted = response.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform: (chunk, controller) => {
              streamed += chunk.byteLength;
              this.bytes += chunk.byteLength;
              controller.enqueue(chunk);
            },
            flush: () => {
              this.largest = Math.max(this.largest, streamed);
            },
          }),
        );
        return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
      },
    });
  }
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as PullTerminalArgs;
  const enrolStarted = process.hrtime.bigint();
  await enrolTerminal({ dbPath: args.dbPath, serverUrl: args.serverUrl, code: args.code, now: Date.now() });
  const enrolSeconds = Number(process.hrtime.bigint() - enrolStarted) / 1e9;

  const ledger = Ledger.open(args.dbPath);
  try {
    const secrets = new FileSecretStore(secretsDirFor(args.dbPath));
    const settings = syncSettings(ledger, secrets);
    const client = new CountingClient(settings.serverUrl, settings.credential);
    let reported = 0;
    const loop = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const outcome = await syncNow(ledger, secrets, {
      now: Date.now,
      client,
      ...(args.limit !== undefined ? { pullLimit: args.limit } : {}),
      ...(args.paged === true ? { bootstrap: false } : {}),
      onPullProgress: (p) => {
        // Progress on stderr every tenth, so a long run shows it is moving.
        if (p.percent >= reported + 10) {
          reported = p.percent - (p.percent % 10);
          process.stderr.write(`pull ${p.percent}% (${p.pages} pages, ${p.entries} entries, ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s)\n`);
        }
      },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    const result: PullTerminalResult = {
      enrolSeconds,
      seconds,
      idleSeconds: performance.eventLoopUtilization(loop).idle / 1000,
      cpuSeconds: (used.user + used.system) / 1e6,
      pages: outcome.pull.pages,
      entries: outcome.pull.entries,
      members: outcome.pull.members,
      transfers: outcome.pull.transfers,
      cardConflicts: outcome.pull.cardConflicts.length,
      largestPageBytes: client.largest,
      bytes: client.bytes,
      maxRss: process.resourceUsage().maxRSS * 1024,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    ledger.close();
  }
}

await main();

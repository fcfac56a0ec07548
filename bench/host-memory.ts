/**
 * The terminal host's memory over a long day: 10,000 checkouts through the host's handler map (the
 * door every screen uses), each slip printed by the host's own print worker to a loopback TCP
 * printer that answers its status like a ready Epson, against the same host after a warm-up of
 * 1,000 checkouts in the same run (its baseline). A host left running for months must not grow with the checkouts it served:
 * the target is that the JavaScript heap after a full GC grows by less than 16 MiB from the 1,000th
 * checkout to the last, and that the process stays under 250 MiB resident.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { statusAnswers } from '../src/core/escpos/status.js';
import { TerminalHost } from '../src/terminal/hosts/app.js';
import { Ledger } from '../src/terminal/ledger/ledger.js';
import { LoyaltyService } from '../src/terminal/loyalty-service.js';
import { benchClock, cardCode, count, envInt, filesystemOf, log, mib, programText, randomInt, rss, seededRandom, tempDir, type BenchResult } from './lib.js';

const HEAP_GROWTH_TARGET = 16 * 1024 * 1024;
const RSS_TARGET = 250 * 1024 * 1024;

/** A printer on loopback that swallows slips and answers every status request (DLE EOT n) as ready. */
async function readyPrinter(): Promise<{ server: Server; port: number; bytes: () => number }> {
  const answers = statusAnswers({});
  let received = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let tail: number[] = [];
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // A request may be split across chunks: keep the last two bytes.
      const bytes = [...tail, ...chunk];
      for (let i = 0; i + 2 < bytes.length + 0; i++) {
        if (bytes[i] === 0x10 && bytes[i + 1] === 0x04 && i + 2 < bytes.length) {
          const n = bytes[i + 2]!;
          if (n >= 1 && n <= 4) socket.write(Uint8Array.of(answers[n - 1]!));
        }
      }
      tail = bytes.slice(-2);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, bytes: () => received };
}

/** A full collection, so that the heap figure is what is kept, not what is waiting to be collected. */
function collectedHeap(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export async function runHostMemoryBench(): Promise<BenchResult[]> {
  const checkouts = envInt('TALLY_BENCH_HOST_CHECKOUTS', 10_000);
  const members = envInt('TALLY_BENCH_HOST_MEMBERS', 1_000);
  const warmup = Math.min(1_000, Math.floor(checkouts / 10));
  const temp = tempDir('tally-bench-host-');
  const printer = await readyPrinter();
  const clock = benchClock();
  try {
    const path = join(temp.dir, 'host.db');
    const ledger = Ledger.init(path, { storeId: 'S1', terminalId: 'T1', timeZone: 'Asia/Seoul', programText: programText('classic-krw'), programSource: 'classic-krw.json', now: clock(), demo: true });
    const service = new LoyaltyService(ledger, { clock });
    for (let i = 0; i < members; i++) service.enrol({ cards: [cardCode(i)] });
    ledger.close();

    const host = TerminalHost.open({ db: path, clock, log: (line) => log(`  host: ${line}`) });
    host.start({ intervalMs: 60_000 });
    let id = 0;
    const call = async (name: string, args: unknown): Promise<unknown> => {
      const reply = await host.handlers.handle({ id: ++id, name, args });
      if (reply.type === 'error') throw new Error(`${name}: ${reply.error.code}: ${reply.error.message}`);
      return reply.result;
    };
    await call('printer-save', { id: 'receipt', transport: { kind: 'tcp', host: '127.0.0.1', port: printer.port, timeoutMs: 2000 }, profileId: 'epson-tm-80-42', language: 'en' });

    const random = seededRandom(20261207);
    const checkout = (n: number) =>
      call('checkout-commit', { card: cardCode(randomInt(random, 0, members - 1)), txnId: `POS-${n}`, basket: { currency: 'KRW', lines: [{ sku: 'A', quantity: 1, unitPrice: randomInt(random, 10, 900) * 100 }] } });

    log(`Host memory: ${count(checkouts)} checkouts through the handler map, ${count(members)} members, slips to a loopback TCP printer; ${filesystemOf(temp.dir)}`);
    for (let n = 1; n <= warmup; n++) await checkout(n);
    const idleHeap = collectedHeap();
    const idleRss = rss();
    const samples: { at: number; heap: number; rss: number }[] = [];
    const started = Date.now();
    for (let n = warmup + 1; n <= checkouts; n++) {
      await checkout(n);
      if (n % 1_000 === 0 || n === checkouts) samples.push({ at: n, heap: collectedHeap(), rss: rss() });
    }
    const seconds = (Date.now() - started) / 1000;
    // Slips print beside the checkouts; a real counter books about one a minute, the worker keeps up with far more.
    const printed = host.ledger.db.prepare(`SELECT count(*) FROM print_jobs WHERE state = 'printed'`).pluck().get() as number;
    await host.close();
    const last = samples.at(-1)!;
    const peakRss = Math.max(idleRss, ...samples.map((s) => s.rss));
    const growth = last.heap - idleHeap;
    for (const s of samples) log(`  after ${count(s.at)}: heap ${mib(s.heap)} (after GC), RSS ${mib(s.rss)}`);
    log(`  ${count(checkouts - warmup)} checkouts in ${seconds.toFixed(1)} s (${count((checkouts - warmup) / seconds)}/s); meanwhile the print worker printed ${count(printed)} slips (${mib(printer.bytes())} to the printer), the rest stay queued`);
    log();
    return [
      { name: 'host memory: heap growth', figure: `${mib(growth)} (${mib(idleHeap)} after ${count(warmup)} → ${mib(last.heap)} after ${count(checkouts)})`, target: `< ${mib(HEAP_GROWTH_TARGET)}`, pass: growth < HEAP_GROWTH_TARGET },
      { name: 'host memory: peak RSS', figure: mib(peakRss), target: `< ${mib(RSS_TARGET)}`, pass: peakRss < RSS_TARGET },
      { name: 'host memory: checkouts/s through the host', figure: `${count((checkouts - warmup) / seconds)}/s (${count(printed)} slips printed meanwhile)`, target: '', pass: null },
    ];
  } finally {
    printer.server.close();
    temp.cleanup();
  }
}

/**
 * Last byte into the serial port → parsed scan event → member looked up: p50/p99 over 1,000 scans
 * (target: p99 < 5 ms beyond the framing timeout).
 *
 * Real parts: a socat pseudo-terminal pair, SerialScanner with the real serialport bindings on one
 * end, a ledger file with TALLY_BENCH_SERIAL_MEMBERS members (bulk-loaded like bench/lookup.ts, then
 * opened the way the terminal opens it). Each scan writes one card code plus its suffix into the
 * scanner end with one synchronous write; the clock starts just before that write (so the write
 * itself is counted) and stops when `service.parseCard` has accepted the code and
 * `ledger.memberIdForCard` has returned the member's id. One scan at a time, as at a counter.
 *
 * Two framings: CR suffix (the code ends with its last byte), and no suffix with a 30 ms inter-byte
 * timeout, where every scan necessarily waits the timeout; that run reports its figures with the
 * timeout subtracted, as the target says.
 */
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { memberAccount, memberSpendAccount } from '../src/core/ledger-model.js';
import type { ScanEvent } from '../src/terminal/devices/scan-event.js';
import type { FramingOptions } from '../src/terminal/devices/serial/framer.js';
import { SerialScanner } from '../src/terminal/devices/serial/serial-scanner.js';
import { SocatPair, socatAvailable } from '../src/terminal/devices/serial/socat-pair.js';
import { Ledger } from '../src/terminal/ledger/ledger.js';
import { LoyaltyService } from '../src/terminal/loyalty-service.js';
import { benchClock, cardCode, count, envInt, fakeUuidV7, latency, log, ms, programText, randomInt, seededRandom, tempDir, type BenchResult, type Latency } from './lib.js';

const SEED = 3_000_000;
const WARMUP = 50;
const TARGET_MS = 5;

export interface SerialBenchOptions {
  readonly scans: number;
  readonly members: number;
}

export function serialOptions(): SerialBenchOptions {
  return { scans: envInt('TALLY_BENCH_SERIAL_SCANS', 1_000), members: envInt('TALLY_BENCH_SERIAL_MEMBERS', 10_000) };
}

function bulkLoad(ledger: Ledger, members: number, at: number): void {
  const db = ledger.db;
  const random = seededRandom(SEED);
  const insertMember = db.prepare(
    `INSERT INTO members (id, name, phone, email, birthday, marketing_consent, enrolled_at, enrolled_by, version, updated_at)
     VALUES (?, ?, NULL, NULL, NULL, 0, ?, ?, 1, ?)`,
  );
  const insertCard = db.prepare('INSERT INTO card_codes (code, member_id, added_at) VALUES (?, ?, ?)');
  const insertAccount = db.prepare('INSERT INTO accounts (id, kind, unit, member_id) VALUES (?, ?, ?, ?)');
  const terminalId = ledger.terminal.terminalId;
  db.transaction(() => {
    for (let i = 0; i < members; i += 1) {
      const id = fakeUuidV7(at + i, random);
      insertMember.run(id, `Member ${i}`, at + i, terminalId, at + i);
      insertCard.run(cardCode(i), id, at + i);
      insertAccount.run(memberAccount(id), 'member-points', 'points', id);
      insertAccount.run(memberSpendAccount(id), 'member-spend', 'money', id);
    }
  }).immediate();
}

interface Run {
  readonly label: string;
  readonly framing: string;
  /** Write of the last byte → member id found. */
  readonly total: Latency;
  /** Write of the last byte → scan event delivered (port, framer). */
  readonly toEvent: Latency;
  /** Scan event → member id found (parseCard + ledger lookup). */
  readonly lookup: Latency;
}

async function measure(label: string, framing: FramingOptions, suffix: string, pair: SocatPair, service: LoyaltyService, ledger: Ledger, cards: readonly string[]): Promise<Run> {
  const scanner = new SerialScanner({ id: 'bench', path: pair.appPath, baudRate: 115200, framing });
  let pending: { code: string; resolve: (times: { event: bigint; found: bigint }) => void; reject: (error: Error) => void } | null = null;
  scanner.events.on('error', (error) => pending?.reject(new Error(`${error.code}: ${error.message}`)));
  scanner.events.on('data', (scan: ScanEvent) => {
    const event = process.hrtime.bigint();
    const waiting = pending;
    if (!waiting) return;
    const parsed = service.parseCard(scan.text);
    const memberId = parsed.ok && parsed.kind === 'card' ? ledger.memberIdForCard(parsed.code) : undefined;
    const found = process.hrtime.bigint();
    pending = null;
    if (memberId === undefined || scan.text !== waiting.code) waiting.reject(new Error(`scan ${JSON.stringify(scan.text)} (expected ${waiting.code}) found no member`));
    else waiting.resolve({ event, found });
  });
  await scanner.start();
  const fd = pair.writerFd;
  const total = new BigUint64Array(cards.length - WARMUP);
  const toEvent = new BigUint64Array(cards.length - WARMUP);
  const lookup = new BigUint64Array(cards.length - WARMUP);
  try {
    for (let i = 0; i < cards.length; i += 1) {
      const code = cards[i]!;
      const bytes = Buffer.from(`${code}${suffix}`, 'latin1');
      const done = new Promise<{ event: bigint; found: bigint }>((resolve, reject) => {
        pending = { code, resolve, reject };
      });
      const t0 = process.hrtime.bigint();
      writeSync(fd, bytes);
      const { event, found } = await done;
      if (i >= WARMUP) {
        total[i - WARMUP] = found - t0;
        toEvent[i - WARMUP] = event - t0;
        lookup[i - WARMUP] = found - event;
      }
    }
  } finally {
    await scanner.close();
  }
  return { label, framing: scanner.framingDescription, total: latency(total), toEvent: latency(toEvent), lookup: latency(lookup) };
}

const shifted = (l: Latency, byMs: number): Latency => ({ count: l.count, p50: l.p50 - byMs, p99: l.p99 - byMs, max: l.max - byMs, mean: l.mean - byMs });

function print(run: Run, beyond: number): void {
  const t = shifted(run.total, beyond);
  const what = beyond > 0 ? ` beyond the ${beyond} ms timeout` : '';
  log(`   ${run.label}: ${run.framing}`);
  log(`     last byte → member found${what}: p50 ${ms(t.p50)}, p99 ${ms(t.p99)}, max ${ms(t.max)}, mean ${ms(t.mean)} → ${t.p99 < TARGET_MS ? 'meets' : 'MISSES'} p99 < ${TARGET_MS} ms${what}`);
  if (beyond > 0) log(`     (measured, timeout included: p50 ${ms(run.total.p50)}, p99 ${ms(run.total.p99)}, max ${ms(run.total.max)})`);
  log(`     of which last byte → scan event: p50 ${ms(run.toEvent.p50)}, p99 ${ms(run.toEvent.p99)}; scan event → member (parseCard + lookup): p50 ${ms(run.lookup.p50)}, p99 ${ms(run.lookup.p99)}`);
}

export async function runSerialBench(options: SerialBenchOptions = serialOptions()): Promise<BenchResult[]> {
  const { scans, members } = options;
  log(`== serial: last byte into the port → scan event → member looked up, ${count(scans)} scans among ${count(members)} members`);
  if (!socatAvailable()) {
    log('   SKIPPED: socat is not installed (apt-get install socat); this benchmark needs a pseudo-terminal pair');
    log();
    return [{ name: 'serial: skipped (socat missing)', figure: '—', target: `p99 < ${TARGET_MS} ms`, pass: null }];
  }
  const temp = tempDir('tally-bench-serial-');
  let ledger: Ledger | undefined;
  let pair: SocatPair | undefined;
  try {
    const clock = benchClock();
    const path = join(temp.dir, 'serial.db');
    ledger = Ledger.init(path, { demo: true, storeId: 'S1', terminalId: 'T1', timeZone: 'Asia/Seoul', programText: programText('classic-krw'), programSource: 'classic-krw.json', now: clock() });
    ledger.db.pragma('synchronous = OFF');
    bulkLoad(ledger, members, clock() - 365 * 86_400_000);
    ledger.db.pragma('synchronous = FULL');
    ledger.close();
    ledger = Ledger.open(path);
    const service = new LoyaltyService(ledger, { clock });
    pair = await SocatPair.start(temp.dir, 'bench');
    log(`   socat pty pair in ${temp.dir}; SerialScanner at 115200 baud (a pty ignores it); one scan at a time, ${WARMUP} warm-up scans not counted`);

    const random = seededRandom(SEED + 1);
    const pick = (): string[] => Array.from({ length: scans + WARMUP }, () => cardCode(randomInt(random, 0, members - 1)));
    const cr = await measure('CR suffix', { suffix: 'cr' }, '\r', pair, service, ledger, pick());
    print(cr, 0);
    const timeoutMs = 30;
    const none = await measure('no suffix', { suffix: 'none', interByteTimeoutMs: timeoutMs }, '', pair, service, ledger, pick());
    print(none, timeoutMs);
    log();
    const beyond = shifted(none.total, timeoutMs);
    return [
      { name: 'serial CR: last byte → member p50', figure: ms(cr.total.p50), target: '', pass: null },
      { name: 'serial CR: last byte → member p99', figure: ms(cr.total.p99), target: `< ${TARGET_MS} ms`, pass: cr.total.p99 < TARGET_MS },
      { name: 'serial CR: last byte → member max', figure: ms(cr.total.max), target: '', pass: null },
      { name: 'serial no suffix: beyond 30 ms timeout p50', figure: ms(beyond.p50), target: '', pass: null },
      { name: 'serial no suffix: beyond 30 ms timeout p99', figure: ms(beyond.p99), target: `< ${TARGET_MS} ms`, pass: beyond.p99 < TARGET_MS },
      { name: 'serial no suffix: beyond 30 ms timeout max', figure: ms(beyond.max), target: '', pass: null },
    ];
  } finally {
    await pair?.close();
    ledger?.close();
    temp.cleanup();
  }
}

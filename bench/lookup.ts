/**
 * Member lookup by card code at 1,000,000 members.
 *
 * The file is built with the real schema (`Ledger.init`) and bulk-inserted members, card codes and
 * their two accounts, in big transactions with synchronous=OFF for the load only (enrolling a
 * million members one durable commit at a time would take most of an hour). Then the file is
 * closed and opened again, both ways a ledger is opened (issue 8 §6): with the full check
 * (`integrity_check` + `foreign_key_check`, what a host does at start, `tally verify`, and a CLI
 * command after an unclean shutdown or once a day) and with the cheap one a plain CLI command gets
 * on a cleanly closed file checked within the day (`check: 'auto'`; the bench fails if the open
 * did not take the cheap path). quick_check is timed once too, to show it is no cheap check (it
 * still reads every page). Then random lookups go through the real code paths:
 * `ledger.memberIdForCard(code)` and `service.member(card)` (the full summary a cashier sees).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { memberAccount, memberSpendAccount } from '../src/core/ledger-model.js';
import { Ledger } from '../src/terminal/ledger/ledger.js';
import { LoyaltyService } from '../src/terminal/loyalty-service.js';
import { benchClock, cardCode, count, envInt, fakeUuidV7, filesystemOf, latency, log, mib, ms, programText, randomInt, rss, seededRandom, tempDir, type BenchResult } from './lib.js';

const SEED = 1_000_000;
const BATCH = 50_000;

export interface LookupBenchOptions {
  readonly members: number;
  readonly lookups: number;
  /** Opens with the full check (seconds each on 1,000,000 members). */
  readonly fullOpens: number;
  /** Cheap opens, writable and read-only each. */
  readonly cheapOpens: number;
}

export function lookupOptions(): LookupBenchOptions {
  return {
    members: envInt('TALLY_BENCH_MEMBERS', 1_000_000),
    lookups: envInt('TALLY_BENCH_LOOKUPS', 10_000),
    fullOpens: envInt('TALLY_BENCH_FULL_OPENS', 3),
    cheapOpens: envInt('TALLY_BENCH_OPENS', 50),
  };
}

/** The cheap open's target on the 1,000,000-member file: well under what a person notices. */
const CHEAP_OPEN_TARGET_MS = 50;

interface OpenTimes {
  readonly open: BigUint64Array;
  readonly close: BigUint64Array;
}

/**
 * Opens and closes the file `times` times as asked, timing both; every open must have checked what
 * `expected` says. A writable one then writes (an empty transaction, untimed) as a command that
 * books does: that write registers the open and records a full check it ran, and the close takes
 * the registration out again.
 */
function timeOpens(path: string, times: number, options: Parameters<typeof Ledger.open>[1], expected: 'full' | 'quick' | 'cheap'): OpenTimes {
  const open = new BigUint64Array(times);
  const close = new BigUint64Array(times);
  for (let i = 0; i < times; i += 1) {
    const t0 = process.hrtime.bigint();
    const ledger = Ledger.open(path, options);
    open[i] = process.hrtime.bigint() - t0;
    const check = ledger.openCheck?.check;
    if (options?.readonly !== true) ledger.transaction(() => undefined);
    const t1 = process.hrtime.bigint();
    ledger.close();
    close[i] = process.hrtime.bigint() - t1;
    if (check !== expected) throw new Error(`open ${i + 1} ran the ${String(check)} check, not the ${expected} one (${ledger.openCheck?.reason ?? 'no reason'})`);
  }
  return { open, close };
}

function fileSize(path: string): number {
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      total += statSync(`${path}${suffix}`).size;
    } catch {
      // not there: nothing to add
    }
  }
  return total;
}

/** Bulk-loads `members` members, one card code and two accounts each, into an initialised ledger file. */
function bulkLoad(ledger: Ledger, members: number, enrolledFrom: number): void {
  const db = ledger.db;
  const random = seededRandom(SEED);
  const insertMember = db.prepare(
    `INSERT INTO members (id, name, phone, email, birthday, marketing_consent, enrolled_at, enrolled_by, version, updated_at)
     VALUES (?, ?, ?, NULL, ?, ?, ?, ?, 1, ?)`,
  );
  const insertCard = db.prepare('INSERT INTO card_codes (code, member_id, added_at) VALUES (?, ?, ?)');
  const insertAccount = db.prepare('INSERT INTO accounts (id, kind, unit, member_id) VALUES (?, ?, ?, ?)');
  const terminalId = ledger.terminal.terminalId;
  // Enrolments spread evenly over three years before the bench clock: ids are time-ordered like real UUIDv7s.
  const step = Math.max(1, Math.floor((3 * 365 * 86_400_000) / members));
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      const at = enrolledFrom + i * step;
      const id = fakeUuidV7(at, random);
      const birthday = random() < 0.5 ? `--${String(randomInt(random, 1, 12)).padStart(2, '0')}-${String(randomInt(random, 1, 28)).padStart(2, '0')}` : null;
      insertMember.run(id, `Member ${i}`, `010-${String(randomInt(random, 0, 9999)).padStart(4, '0')}-${String(randomInt(random, 0, 9999)).padStart(4, '0')}`, birthday, i % 3 === 0 ? 1 : 0, at, terminalId, at);
      insertCard.run(cardCode(i), id, at);
      insertAccount.run(memberAccount(id), 'member-points', 'points', id);
      insertAccount.run(memberSpendAccount(id), 'member-spend', 'money', id);
    }
  });
  for (let from = 0; from < members; from += BATCH) batch.immediate(from, Math.min(members, from + BATCH));
}

export function runLookupBench(options: LookupBenchOptions = lookupOptions()): BenchResult[] {
  const { members, lookups } = options;
  const temp = tempDir('tally-bench-lookup-');
  const path = join(temp.dir, 'lookup.db');
  let ledger: Ledger | undefined;
  try {
    log(`== lookup: ${count(lookups)} random card lookups among ${count(members)} members`);
    log(`   file in ${temp.dir} on ${filesystemOf(temp.dir)}`);
    const clock = benchClock();
    const rssBefore = rss();
    const started = process.hrtime.bigint();
    ledger = Ledger.init(path, { demo: true, storeId: 'S1', terminalId: 'T1', timeZone: 'Asia/Seoul', programText: programText('classic-krw'), programSource: 'classic-krw.json', now: clock() });
    ledger.db.pragma('synchronous = OFF');
    log(`   bulk load: members + card_codes + 2 accounts each, ${count(BATCH)} members per transaction, PRAGMA synchronous=OFF during the load only`);
    bulkLoad(ledger, members, clock() - 3 * 365 * 86_400_000);
    ledger.db.pragma('synchronous = FULL');
    ledger.db.pragma('wal_checkpoint(TRUNCATE)');
    const synchronous = ledger.db.pragma('synchronous', { simple: true }) as number;
    const buildNs = process.hrtime.bigint() - started;
    log(`   built in ${ms(Number(buildNs) / 1e6)} (${count(members / (Number(buildNs) / 1e9))} members/s); synchronous set back to ${synchronous === 2 ? 'FULL' : `${synchronous} (NOT FULL)`}; WAL checkpointed`);
    const rows = ledger.db.prepare('SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM card_codes), (SELECT count(*) FROM accounts)').raw().get() as [number, number, number];
    log(`   rows: members ${count(rows[0])}, card_codes ${count(rows[1])}, accounts ${count(rows[2])} (no transfers: the summary below is for members without history)`);
    ledger.close();
    ledger = undefined;
    const size = fileSize(path);
    log(`   file size: ${mib(size)} (${(size / members).toFixed(0)} B per member)`);

    // Both ways a ledger is opened. The first full open records the check (with its write), which is
    // what lets the 'auto' opens after it be cheap (the file was built by Ledger.init, never checked).
    const full = latency(timeOpens(path, options.fullOpens, { check: 'full' }, 'full').open);
    log(`   Ledger.open, full check (integrity_check + foreign_key_check): p50 ${ms(full.p50)}, max ${ms(full.max)} (${options.fullOpens} opens)`);
    const quick = latency(timeOpens(path, 1, { check: 'quick' }, 'quick').open);
    log(`   Ledger.open with quick_check + foreign_key_check instead: ${ms(quick.p50)} (still every page: no cheap check)`);
    const cheapTimes = timeOpens(path, options.cheapOpens, { check: 'auto' }, 'cheap');
    const cheap = latency(cheapTimes.open);
    const cheapClose = latency(cheapTimes.close);
    log(`   Ledger.open 'auto', writable (cleanly closed, checked today: cheap): p50 ${ms(cheap.p50)}, p99 ${ms(cheap.p99)}; close after a write (unregisters, last checkpoint): p50 ${ms(cheapClose.p50)} (${options.cheapOpens} opens)`);
    const cheapReader = latency(timeOpens(path, options.cheapOpens, { check: 'auto', readonly: true }, 'cheap').open);
    log(`   Ledger.open 'auto', read-only: p50 ${ms(cheapReader.p50)}, p99 ${ms(cheapReader.p99)}`);
    const ratio = full.p50 / cheap.p50;
    log(`   full ÷ cheap open (p50): ${ratio.toFixed(0)}×`);

    ledger = Ledger.open(path, { check: 'auto' });
    log(`   synchronous=${String(ledger.db.pragma('synchronous', { simple: true }))} (2 = FULL) after a cheap open`);
    const service = new LoyaltyService(ledger, { clock });

    const random = seededRandom(SEED + 1);
    const cards = Array.from({ length: lookups }, () => cardCode(randomInt(random, 0, members - 1)));
    const idSamples = new BigUint64Array(lookups);
    for (let i = 0; i < lookups; i += 1) {
      const code = cards[i]!;
      const t0 = process.hrtime.bigint();
      const id = ledger.memberIdForCard(code);
      idSamples[i] = process.hrtime.bigint() - t0;
      if (id === undefined) throw new Error(`card ${code} was not found`);
    }
    const idLatency = latency(idSamples);
    log(`   ledger.memberIdForCard: p50 ${ms(idLatency.p50)}, p99 ${ms(idLatency.p99)}, max ${ms(idLatency.max)}, mean ${ms(idLatency.mean)}`);

    const summaryCards = Array.from({ length: lookups }, () => cardCode(randomInt(random, 0, members - 1)));
    const summarySamples = new BigUint64Array(lookups);
    for (let i = 0; i < lookups; i += 1) {
      const card = summaryCards[i]!;
      const t0 = process.hrtime.bigint();
      const summary = service.member(card);
      summarySamples[i] = process.hrtime.bigint() - t0;
      if (summary.cards[0] !== card) throw new Error(`card ${card} gave the wrong member`);
    }
    const summaryLatency = latency(summarySamples);
    log(`   service.member (full summary): p50 ${ms(summaryLatency.p50)}, p99 ${ms(summaryLatency.p99)}, max ${ms(summaryLatency.max)}, mean ${ms(summaryLatency.mean)}`);
    const rssAfter = rss();
    log(`   RSS: ${mib(rssBefore)} before the build, ${mib(rssAfter)} after the lookups`);
    log();
    return [
      { name: `lookup: build ${count(members)} members`, figure: ms(Number(buildNs) / 1e6), target: '', pass: null },
      { name: 'lookup: file size', figure: mib(size), target: '', pass: null },
      { name: 'lookup: Ledger.open, full check (p50)', figure: ms(full.p50), target: '', pass: null },
      { name: 'lookup: Ledger.open, quick_check instead', figure: ms(quick.p50), target: '', pass: null },
      { name: "lookup: Ledger.open 'auto', clean file (cheap) p50", figure: ms(cheap.p50), target: `< ${CHEAP_OPEN_TARGET_MS} ms`, pass: cheap.p50 < CHEAP_OPEN_TARGET_MS },
      { name: "lookup: Ledger.open 'auto', clean file (cheap) p99", figure: ms(cheap.p99), target: '', pass: null },
      { name: "lookup: Ledger.open 'auto', read-only (cheap) p50", figure: ms(cheapReader.p50), target: `< ${CHEAP_OPEN_TARGET_MS} ms`, pass: cheapReader.p50 < CHEAP_OPEN_TARGET_MS },
      { name: 'lookup: full ÷ cheap open', figure: `${ratio.toFixed(0)}×`, target: '', pass: null },
      { name: 'lookup: memberIdForCard p50', figure: ms(idLatency.p50), target: '', pass: null },
      { name: 'lookup: memberIdForCard p99', figure: ms(idLatency.p99), target: '< 0.5 ms', pass: idLatency.p99 < 0.5 },
      { name: 'lookup: service.member p50', figure: ms(summaryLatency.p50), target: '', pass: null },
      { name: 'lookup: service.member p99', figure: ms(summaryLatency.p99), target: '< 0.5 ms', pass: summaryLatency.p99 < 0.5 },
      { name: 'lookup: RSS after lookups', figure: mib(rssAfter), target: '', pass: null },
    ];
  } finally {
    ledger?.close();
    temp.cleanup();
  }
}

/** Real ledger files in a temp folder, with a controllable clock and deterministic ids, for tests. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { LoyaltyService } from '../../src/terminal/loyalty-service.js';

export const REPO = join(import.meta.dirname, '..', '..');

export function programText(name: 'classic-krw' | 'sporting-goods-usd' | 'plus-membership-charity'): string {
  return readFileSync(join(REPO, 'resources', 'programs', `${name}.json`), 'utf8');
}

export function tempDir(prefix = 'tally-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Clock {
  now: number;
  readonly read: () => number;
  advanceDays(days: number): void;
}

export function testClock(startIso: string): Clock {
  const clock: Clock = {
    now: Date.parse(startIso),
    read: () => clock.now,
    advanceDays(days: number) {
      clock.now += days * 86_400_000;
    },
  };
  return clock;
}

/** UUIDv7-shaped ids from a counter: deterministic runs that still look like real ids. */
export function counterIds(): () => string {
  let n = 0;
  return () => {
    n += 1;
    const hex = n.toString(16).padStart(12, '0');
    return `01900000-0000-7000-8000-${hex}`;
  };
}

export function newLedger(
  path: string,
  program: Parameters<typeof programText>[0],
  clock: Clock,
  options: { storeId?: string; terminalId?: string; timeZone?: string; ids?: () => string; demo?: boolean } = {},
): { ledger: Ledger; service: LoyaltyService } {
  // The example programs trust the published demo key: only a demo terminal takes them.
  const ledger = Ledger.init(path, {
    demo: options.demo ?? true,
    storeId: options.storeId ?? 'S1',
    terminalId: options.terminalId ?? 'T1',
    timeZone: options.timeZone ?? 'Asia/Seoul',
    programText: programText(program),
    programSource: `${program}.json`,
    now: clock.read(),
  });
  // The test clock stands in for the real one too (a mock at the edge of the world).
  return { ledger, service: new LoyaltyService(ledger, { clock: clock.read, wallClock: clock.read, newId: options.ids ?? counterIds() }) };
}

/** The environment CLI tests run the real `tally` in: `--now` is allowed (tests pin the clock). */
export const CLI_ENV: NodeJS.ProcessEnv = { ...process.env, TALLY_ALLOW_CLOCK_OVERRIDE: '1' };

/** What `tally` says on stderr besides errors: the overridden clock, and that a terminal is a demo. */
export const NOTICE_LINE = /^tally: (clock overridden: .*|DEMO terminal — .*)$/;

/** stderr without those notices (what a test compares). */
export function stripNotices(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !NOTICE_LINE.test(line))
    .join('\n');
}

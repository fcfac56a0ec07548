/**
 * Line noise must not flood the host's log (issue 8 §5). A loose cable or a wrong baud rate turns
 * every CR/LF in the noise into a frame, and every frame into an error event: 72 KiB of random
 * bytes made about 550 of them, each a log line and a line in `scanner watch`. Errors that bad
 * input produces per frame (or per HID report) are now summarised: the first of each kind in full,
 * then one count per window ("… 543 more garbled reads in the last 10 s — …").
 *
 * First the rule itself on a scanner driven by injected timers (tests/support/fake-timers.ts, each
 * `fireAll()` closes the open windows) and a hand-moved clock; then the real thing: 72 KiB of
 * seeded noise written into a socat pseudo-terminal pair read by the real serialport bindings,
 * every counted error accounted for against the pure framer, and a member code sent afterwards
 * still arriving.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../src/core/card-code/base64url.js';
import { issueMemberToken, newMemberRef, newTokenId, signingKeyFrom } from '../../src/core/card-code/member-qr.js';
import { cardCodeRules, parseCardCode } from '../../src/core/card-code/parse.js';
import { BaseScanner, type DeviceError, type ScannerEnvironment } from '../../src/terminal/devices/device.js';
import type { RepeatKind } from '../../src/terminal/devices/repeated-errors.js';
import { Framer, type Frame } from '../../src/terminal/devices/serial/framer.js';
import { SerialScanner } from '../../src/terminal/devices/serial/serial-scanner.js';
import { SocatPair, socatAvailable } from '../../src/terminal/devices/serial/socat-pair.js';
import { record, waitFor } from '../support/device-events.js';
import { FakeTimers } from '../support/fake-timers.js';
import { REPO, tempDir } from '../support/ledger-fixture.js';
import { seededRandom } from '../support/qr-images.js';

const HAVE_SOCAT = socatAvailable();
if (!HAVE_SOCAT) console.warn('socat is not installed (apt-get install socat): the serial noise test on a real pair is skipped');

const GARBLED: RepeatKind = { kind: 'test:garbled', what: 'garbled reads', advice: "check the scanner's baud rate and cable" };
const INCOMPLETE: RepeatKind = { kind: 'test:incomplete', what: 'incomplete scans' };

/** A scanner whose transport is the test: it reports errors as a serial line with noise would. */
class LineScanner extends BaseScanner {
  constructor(environment: ScannerEnvironment) {
    super('line-1', 'serial', environment);
  }
  protected doOpen(): Promise<void> {
    return Promise.resolve();
  }
  protected doClose(): Promise<void> {
    return Promise.resolve();
  }
  garbled(times = 1, kind: RepeatKind = GARBLED): void {
    for (let i = 0; i < times; i += 1) this.fail('garbage', `line-1: a ${12 + i}-byte read with control bytes (0x00) is not a scan — check the scanner's baud rate and cable`, kind);
  }
  unplug(): void {
    this.fail('unplugged', 'line-1 was unplugged');
    this.lost('unplugged');
  }
  scan(text: string): void {
    this.deliver({ text, raw: new TextEncoder().encode(text), symbology: 'unknown', aimId: null, source: 'serial', deviceId: this.id, time: 0 });
  }
}

function rig(): { scanner: LineScanner; timers: FakeTimers; errors: DeviceError[]; clock: { now: number } } {
  const timers = new FakeTimers();
  const clock = { now: 1_000_000 };
  const scanner = new LineScanner({ timers, clock: () => clock.now });
  const errors: DeviceError[] = [];
  scanner.events.on('error', (e) => errors.push(e));
  return { scanner, timers, errors, clock };
}

describe('repeated errors are summarised (injected timers)', () => {
  it('the first is reported in full, the repeats become one summary when the window closes', async () => {
    const { scanner, timers, errors, clock } = rig();
    await scanner.start();
    scanner.garbled(544);
    expect(errors).toEqual([{ code: 'garbage', message: "line-1: a 12-byte read with control bytes (0x00) is not a scan — check the scanner's baud rate and cable", deviceId: 'line-1' }]);
    clock.now += 10_000;
    timers.fireAll();
    expect(errors).toHaveLength(2);
    expect(errors[1]).toEqual({ code: 'garbage', message: "line-1: 543 more garbled reads in the last 10 s — check the scanner's baud rate and cable", deviceId: 'line-1', repeated: 543 });
    await scanner.close();
  });

  it('noise that goes on makes one summary per window; a quiet window ends the run and the next error is reported in full', async () => {
    const { scanner, timers, errors, clock } = rig();
    await scanner.start();
    scanner.garbled(1);
    for (let window = 0; window < 6; window += 1) {
      scanner.garbled(100);
      clock.now += 10_000;
      timers.fireAll();
    }
    // 601 errors: the first, then six summaries of 100.
    expect(errors.map((e) => e.repeated ?? 'full')).toEqual(['full', 100, 100, 100, 100, 100, 100]);
    // A window with no repeats: the line is clean, nothing to say, and the run is over.
    clock.now += 10_000;
    timers.fireAll();
    expect(errors).toHaveLength(7);
    expect(timers.pending.size).toBe(0);
    scanner.garbled(1);
    expect(errors).toHaveLength(8);
    expect(errors[7]!.repeated).toBeUndefined();
    await scanner.close();
  });

  it('each kind has its own run; good scans in between do not restart one (noise frames some junk as scans)', async () => {
    const { scanner, timers, errors, clock } = rig();
    const scans: string[] = [];
    scanner.events.on('data', (s) => scans.push(s.text));
    await scanner.start();
    scanner.garbled(3);
    scanner.garbled(2, INCOMPLETE);
    scanner.scan('x');
    scanner.garbled(3);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('12-byte read'), expect.stringContaining('12-byte read')]);
    clock.now += 2_500;
    timers.fireAll();
    expect(errors.slice(2)).toEqual([
      { code: 'garbage', message: "line-1: 5 more garbled reads in the last 2.5 s — check the scanner's baud rate and cable", deviceId: 'line-1', repeated: 5 },
      { code: 'garbage', message: 'line-1: 1 more incomplete scans in the last 2.5 s', deviceId: 'line-1', repeated: 1 },
    ]);
    expect(scans).toEqual(['x']);
    await scanner.close();
  });

  it('an unplug or a close reports what was counted first, and leaves no timer behind', async () => {
    const { scanner, timers, errors, clock } = rig();
    await scanner.start();
    scanner.garbled(40);
    clock.now += 1_200;
    scanner.unplug();
    expect(errors.map((e) => [e.code, e.repeated ?? 'full'])).toEqual([['garbage', 'full'], ['garbage', 39], ['unplugged', 'full']]);
    expect(errors[1]!.message).toBe("line-1: 39 more garbled reads in the last 1.2 s — check the scanner's baud rate and cable");
    expect(timers.pending.size).toBe(0);

    await scanner.start();
    scanner.garbled(5);
    await scanner.close();
    expect(errors.map((e) => e.repeated ?? 'full').slice(3)).toEqual(['full', 4]);
    expect(timers.pending.size).toBe(0);
  });

  it('memory is bounded whatever kinds a transport invents: past 16 kinds they share one count', async () => {
    const { scanner, timers, errors, clock } = rig();
    await scanner.start();
    for (let i = 0; i < 200; i += 1) scanner.garbled(3, { kind: `test:kind-${i}`, what: `reads of kind ${i}` });
    // One timer per open run: 16 kinds and the shared one.
    expect(timers.pending.size).toBe(17);
    expect(errors).toHaveLength(17);
    clock.now += 10_000;
    timers.fireAll();
    const summaries = errors.filter((e) => e.repeated !== undefined);
    expect(summaries).toHaveLength(17);
    // Nothing is lost: every error is either reported in full or counted in a summary.
    expect(errors.length - summaries.length + summaries.reduce((n, e) => n + e.repeated!, 0)).toBe(600);
    expect(summaries.at(-1)!.message).toBe('line-1: 551 more device errors of other kinds in the last 10 s');
    await scanner.close();
  });
});

// ---- the real thing ------------------------------------------------------------------------------

const NOISE_BYTES = 72 * 1024;
/** Random bytes, seeded: every run sends the same noise. */
function lineNoise(length: number, seed: number): Buffer {
  const random = seededRandom(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
}

/** A generous stale time: a loaded machine must not see a pause inside the noise and split a frame. */
const FRAMING = { staleAfterMs: 2_000 } as const;

/** What the pure framer makes of the noise on its own: the count the scanner's errors must add up to. */
function framesOf(bytes: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  const timers = new FakeTimers();
  const framer = new Framer(FRAMING, (frame) => frames.push(frame), { clock: () => 0, timers });
  framer.push(bytes);
  timers.fireAll(); // the stale tail (bytes after the last CR/LF) is dropped after a pause
  return frames;
}

const demo = JSON.parse(readFileSync(join(REPO, 'resources/keys/demo-program-signing-key.json'), 'utf8')) as { id: string; secretKey: string; publicKey: string };
const NOW = Date.now();
const MEMBER_CODE = issueMemberToken(signingKeyFrom(demo.id, fromBase64Url(demo.secretKey)!), {
  scope: 'identify',
  memberRef: newMemberRef(new Uint8Array(createHash('sha256').update('noise-member').digest().subarray(0, 12))),
  tokenId: newTokenId(new Uint8Array(8).fill(7)),
  expiresAt: NOW + 30 * 86_400_000,
});
const RULES = cardCodeRules({ rules: [{ type: 'member-qr', id: 'member-qr' }], verifyKeys: [{ id: demo.id, publicKey: demo.publicKey }] });

describe.skipIf(!HAVE_SOCAT)('72 KiB of line noise on a real serial pair (socat)', () => {
  const temp = tempDir('tally-serial-noise-');
  let pair: SocatPair;

  beforeAll(async () => {
    pair = await SocatPair.start(temp.dir, 'noise');
  });

  afterAll(async () => {
    await pair?.close();
    temp.cleanup();
  });

  it('makes a handful of error events, not one per frame, and a member code sent afterwards arrives', async () => {
    const noise = lineNoise(NOISE_BYTES, 8);
    const expected = framesOf(noise);
    const expectedErrors = expected.filter((f) => f.kind === 'error');
    const junkScans = expected.filter((f) => f.kind === 'code').length;
    // The noise is what a bad line sends: hundreds of frames, almost all with control bytes in them.
    expect(expectedErrors.length).toBeGreaterThan(500);

    // A short window so the test does not wait 10 s for the summary; the rule is the same.
    const scanner = new SerialScanner({ id: 'counter-1', path: pair.appPath, framing: FRAMING, repeatWindowMs: 1_500 });
    const got = record(scanner);
    await scanner.start();
    try {
      await pair.write(noise);
      // Every frame of the noise is accounted for: reported in full or counted into a summary.
      const accounted = (): number => got.errors.reduce((n, e) => n + (e.repeated ?? 1), 0);
      await waitFor('every noise frame to be reported or counted', () => accounted() >= expectedErrors.length && got.scans.length >= junkScans, 20_000);
      expect(accounted()).toBe(expectedErrors.length);

      // A cashier scans a member's code afterwards: it arrives, whole, and is accepted.
      await pair.write(`${MEMBER_CODE}\r`);
      const scan = await waitFor('the member code', () => got.scans.find((s) => s.text === MEMBER_CODE));
      expect(parseCardCode({ text: scan.text, symbology: 'qr' }, RULES, NOW)).toMatchObject({ ok: true, kind: 'token', scope: 'identify' });
    } finally {
      await scanner.close();
    }

    console.info(`72 KiB of line noise: ${expectedErrors.length} bad frames, ${got.errors.length} error events (${got.errors.filter((e) => e.repeated !== undefined).length} summaries), ${junkScans} junk frames delivered as scans`);
    // Bounded: one error in full and at most a summary or two per kind, instead of one per frame.
    expect(got.errors.length).toBeLessThanOrEqual(6);
    const summaries = got.errors.filter((e) => e.repeated !== undefined);
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(summaries[0]!.message).toMatch(/^counter-1: \d+ more garbled reads \(control bytes: line noise or a wrong baud rate\) in the last \d+(\.\d)? s — check the scanner's baud rate and cable$/);
    // Messages say counts and control bytes, never the bytes' text.
    for (const error of got.errors) expect(error.message).toMatch(/^[\x20-\x7e—]+$/);
    expect(got.scans.at(-1)!.text).toBe(MEMBER_CODE);
  });
});

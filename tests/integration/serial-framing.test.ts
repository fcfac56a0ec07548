/**
 * Serial framing through real parts: a socat pseudo-terminal pair, the real serialport bindings
 * opening one end, and bytes written into the other end as a scanner would send them. (The pure
 * framer's edge cases, with a hand-driven clock, are in src/terminal/devices/serial/framer.test.ts.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../src/core/card-code/check-digits.js';
import type { FramingOptions } from '../../src/terminal/devices/serial/framer.js';
import { SerialScanner } from '../../src/terminal/devices/serial/serial-scanner.js';
import { SocatPair, socatAvailable } from '../../src/terminal/devices/serial/socat-pair.js';
import { tempDir } from '../support/ledger-fixture.js';
import { type Recorded, record, waitFor } from '../support/device-events.js';

const HAVE_SOCAT = socatAvailable();
if (!HAVE_SOCAT) console.warn('socat is not installed (apt-get install socat): the serial port tests are skipped');

const CARD = withCheckDigit('290000000001', 'gs1-mod10');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const text = (raw: Uint8Array): string => Buffer.from(raw).toString('latin1');

describe.skipIf(!HAVE_SOCAT)('serial framing on a socat pseudo-terminal pair', () => {
  const temp = tempDir('tally-serial-framing-');
  let pair: SocatPair;
  let scanner: SerialScanner | null = null;

  beforeAll(async () => {
    pair = await SocatPair.start(temp.dir, 'scan');
  });

  afterEach(async () => {
    await scanner?.close();
    scanner = null;
  });

  afterAll(async () => {
    await pair?.close();
    temp.cleanup();
  });

  async function open(framing: FramingOptions = {}, baudRate = 9600): Promise<{ scanner: SerialScanner; got: Recorded }> {
    scanner = new SerialScanner({ id: 'counter-1', path: pair.appPath, baudRate, framing });
    const got = record(scanner);
    await scanner.start();
    expect(scanner.state).toBe('enabled');
    return { scanner, got };
  }

  it('CR, LF and CRLF all end a code; a CRLF leaves no LF on the next code', async () => {
    const { got } = await open();
    const before = Date.now();
    await pair.write(`${CARD}\r`);
    await pair.write(`${CARD}\n`);
    await pair.write(`${CARD}\r\n${CARD}\r\n`);
    await waitFor('4 scans', () => got.scans.length >= 4);
    await sleep(50);
    expect(got.scans.map((s) => s.text)).toEqual([CARD, CARD, CARD, CARD]);
    expect(got.errors).toEqual([]);
    const first = got.scans[0]!;
    expect(first).toMatchObject({ source: 'serial', deviceId: 'counter-1', aimId: null, symbology: 'unknown' });
    expect(text(first.raw)).toBe(`${CARD}\r`);
    expect(first.time).toBeGreaterThanOrEqual(before);
    expect(first.time).toBeLessThanOrEqual(Date.now());
  });

  it("suffix 'cr' with a scanner that sends CRLF: still clean codes", async () => {
    const { got } = await open({ suffix: 'cr' });
    await pair.write(`A1\r\nB2\r\nC3\r\n`);
    await waitFor('3 scans', () => got.scans.length >= 3);
    expect(got.scans.map((s) => s.text)).toEqual(['A1', 'B2', 'C3']);
  });

  it("suffixes 'lf' and 'crlf' at 115200 baud", async () => {
    const { got, scanner: lf } = await open({ suffix: 'lf' }, 115200);
    await pair.write(`${CARD}\r\nX9\n`);
    await waitFor('2 scans', () => got.scans.length >= 2);
    expect(got.scans.map((s) => s.text)).toEqual([CARD, 'X9']);
    await lf.close();
    const second = await open({ suffix: 'crlf' });
    await pair.write(`${CARD}\r\n`);
    await waitFor('1 scan', () => second.got.scans.length >= 1);
    expect(second.got.scans[0]!.text).toBe(CARD);
  });

  it('no suffix: the inter-byte timeout ends a code, time is its last byte', async () => {
    const { got } = await open({ suffix: 'none', interByteTimeoutMs: 30 });
    const wrote = Date.now();
    await pair.write(CARD);
    const scan = await waitFor('a scan', () => got.scans[0]);
    const delivered = Date.now();
    expect(scan.text).toBe(CARD);
    expect(text(scan.raw)).toBe(CARD);
    // Stamped when the bytes came, not when the timeout fired ~30 ms later.
    expect(scan.time).toBeGreaterThanOrEqual(wrote);
    expect(delivered - scan.time).toBeGreaterThanOrEqual(29);
    await sleep(100);
    await pair.write('NEXT1');
    await waitFor('a second scan', () => got.scans[1]);
    expect(got.scans.map((s) => s.text)).toEqual([CARD, 'NEXT1']);
  });

  it('no suffix: a code sent in two parts a little apart is still one code', async () => {
    // A generous timeout: on a loaded machine the gap between the two writes can stretch.
    const { got } = await open({ suffix: 'none', interByteTimeoutMs: 300 });
    await pair.write(CARD.slice(0, 6));
    await sleep(20);
    await pair.write(CARD.slice(6));
    await waitFor('a scan', () => got.scans[0]);
    await sleep(400);
    expect(got.scans.map((s) => s.text)).toEqual([CARD]);
  });

  it('strips a configured prefix (STX) and keeps it in the raw bytes', async () => {
    const { got } = await open({ prefix: '\x02' });
    await pair.write(`\x02${CARD}\r`);
    const scan = await waitFor('a scan', () => got.scans[0]);
    expect(scan.text).toBe(CARD);
    expect(text(scan.raw)).toBe(`\x02${CARD}\r`);
  });

  it('splits an AIM symbology identifier (prefix first, then AIM, as scanners send them)', async () => {
    const { got } = await open({ prefix: 'S:' });
    await pair.write(`S:]E0${CARD}\r]Q1hello\r`);
    await waitFor('2 scans', () => got.scans.length >= 2);
    expect(got.scans[0]).toMatchObject({ text: `]E0${CARD}`, aimId: ']E0', symbology: 'ean-upc' });
    expect(got.scans[1]).toMatchObject({ text: ']Q1hello', aimId: ']Q1', symbology: 'qr' });
  });

  it('keeps GS (0x1D) inside a GS1-128 code', async () => {
    const { got } = await open();
    const gs1 = ']C10109501101530003\x1d10ABC123\x1d21XYZ';
    await pair.write(`${gs1}\r`);
    const scan = await waitFor('a scan', () => got.scans[0]);
    expect(scan).toMatchObject({ text: gs1, aimId: ']C1', symbology: 'gs1-128' });
    expect(got.errors).toEqual([]);
  });

  it('garbage bytes then a good code: a garbage error, then the code', async () => {
    const { got } = await open({ staleAfterMs: 150 });
    await pair.write(Uint8Array.from([0x00, 0xff, 0x13, 0x00, 0x0d]));
    await pair.write(`${CARD}\r`);
    await waitFor('a scan', () => got.scans[0]);
    expect(got.errors.map((e) => e.code)).toEqual(['garbage']);
    expect(got.scans.map((s) => s.text)).toEqual([CARD]);
    // Noise with no end at all (a cable wiggled): dropped after 150 ms of silence.
    await pair.write(Uint8Array.from([0x00, 0x00, 0x1b]));
    await waitFor('a second garbage error', () => got.errors.length >= 2);
    await pair.write(`${CARD}\r`);
    await waitFor('a second scan', () => got.scans.length >= 2);
    expect(got.errors.map((e) => e.code)).toEqual(['garbage', 'garbage']);
    expect(got.scans.map((s) => s.text)).toEqual([CARD, CARD]);
  });

  it('a 64 KiB line with no suffix: one overflow error, a bounded buffer, and the next code is read', async () => {
    // A long stale time: a loaded machine must not see a pause inside the 64 KiB line.
    const { scanner: s, got } = await open({ staleAfterMs: 1_000 });
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, s.pendingBytes)), 1);
    try {
      await pair.write(Buffer.alloc(64 * 1024, 0x41));
      await waitFor('the overflow error', () => got.errors.find((e) => e.code === 'overflow'));
      // After a pause the line is over: framing starts clean.
      await sleep(1_300);
      await pair.write(`${CARD}\r`);
      await waitFor('the next scan', () => got.scans[0]);
    } finally {
      clearInterval(sample);
    }
    expect(peak).toBeLessThanOrEqual(4096);
    expect(s.pendingBytes).toBe(0);
    expect(got.errors.map((e) => e.code)).toEqual(['overflow']);
    expect(got.errors[0]!.message).toMatch(/4096 bytes/);
    expect(got.scans.map((scan) => scan.text)).toEqual([CARD]);
  });

  it('a 64 KiB line that does end in CR: overflow, then the very next code', async () => {
    const { got } = await open();
    await pair.write(Buffer.concat([Buffer.alloc(64 * 1024, 0x42), Buffer.from(`\r${CARD}\r`, 'latin1')]));
    await waitFor('the next scan', () => got.scans[0]);
    expect(got.errors.map((e) => e.code)).toEqual(['overflow']);
    expect(got.scans.map((scan) => scan.text)).toEqual([CARD]);
  });

  it('a burst of 1,000 scans back to back: all arrive, in order, none merged or split', async () => {
    const { got } = await open();
    const codes = Array.from({ length: 1000 }, (_, i) => withCheckDigit(`29${String(i).padStart(10, '0')}`, 'gs1-mod10'));
    await pair.write(codes.map((c) => `${c}\r\n`).join(''));
    await waitFor('1,000 scans', () => got.scans.length >= 1000, 20_000);
    await sleep(50);
    expect(got.scans.length).toBe(1000);
    expect(got.scans.map((s) => s.text)).toEqual(codes);
    expect(got.errors).toEqual([]);
    // Times never go backwards.
    expect(got.scans.every((s, i) => i === 0 || s.time >= got.scans[i - 1]!.time)).toBe(true);
  });

  it('a disabled scanner drops reads; enabled again, it delivers', async () => {
    const { scanner: s, got } = await open();
    await s.disable();
    await pair.write(`${CARD}\r`);
    await sleep(100);
    expect(got.scans).toEqual([]);
    await s.enable();
    await pair.write(`${CARD}\r`);
    await waitFor('a scan', () => got.scans[0]);
    expect(got.scans.length).toBe(1);
  });

  it('refuses non-standard baud rates and a missing path up front', () => {
    expect(() => new SerialScanner({ id: 'x', path: pair.appPath, baudRate: 12345 })).toThrow(/standard rate/);
    expect(() => new SerialScanner({ id: 'x' })).toThrow(/path or a USB match/);
    expect(() => new SerialScanner({ id: 'x', path: pair.appPath, framing: { suffix: 'none', interByteTimeoutMs: -1 } })).toThrow(/interByteTimeoutMs/);
  });
});

/**
 * The serial framer on its own: bytes in, frames out, with a hand-driven clock and timers (no
 * port, no waiting). The same cases run through real pseudo-terminals in
 * tests/integration/serial-framing.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Timers } from '../supervisor.js';
import { Framer, resolveFraming, type Frame, type FramingOptions } from './framer.js';

/** A clock and timers that move only when the test says so. */
class ManualTime implements Timers {
  now = 1_000;
  private next = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get timers(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }
}

function setup(options: FramingOptions = {}): { framer: Framer; frames: Frame[]; time: ManualTime; push: (data: string | number[]) => void; texts: () => string[] } {
  const time = new ManualTime();
  const frames: Frame[] = [];
  const framer = new Framer(options, (frame) => frames.push(frame), { clock: () => time.now, timers: time });
  const push = (data: string | number[]): void => framer.push(typeof data === 'string' ? Buffer.from(data, 'latin1') : Uint8Array.from(data));
  const texts = (): string[] => frames.map((f) => (f.kind === 'code' ? f.text : `!${f.code}`));
  return { framer, frames, time, push, texts };
}

const CARD = '2900000000017';

describe('suffixes', () => {
  it('any (the default): CR, LF and CRLF all end a code, and a CRLF leaves no LF on the next code', () => {
    const { push, texts } = setup();
    push(`${CARD}\r${CARD}\n${CARD}\r\n${CARD}\r\n`);
    push('ABC\r');
    push('\nDEF\r');
    push('\n');
    expect(texts()).toEqual([CARD, CARD, CARD, CARD, 'ABC', 'DEF']);
  });

  it('cr: a CRLF scanner on a CR setting still gives clean codes', () => {
    const { push, texts } = setup({ suffix: 'cr' });
    push('A1\r\nB2\r\nC3\r');
    expect(texts()).toEqual(['A1', 'B2', 'C3']);
  });

  it('lf and crlf: the CR before the LF is trimmed', () => {
    for (const suffix of ['lf', 'crlf'] as const) {
      const { push, texts } = setup({ suffix });
      push('A1\r\nB2\n');
      expect(texts()).toEqual(['A1', 'B2']);
    }
  });

  it('lf: a CR alone does not end a code; a CR inside one makes it garbage', () => {
    const { push, texts } = setup({ suffix: 'lf' });
    push('A1\rB2\n');
    expect(texts()).toEqual(['!garbage']);
  });

  it('a code split over many chunks, byte by byte, is one code with the time of its last byte', () => {
    const { push, frames, time } = setup();
    for (const c of `${CARD}\r`) {
      push(c);
      time.advance(1);
    }
    expect(frames).toHaveLength(1);
    const frame = frames[0]!;
    expect(frame.kind === 'code' && frame.text).toBe(CARD);
    expect(frame.time).toBe(1_000 + CARD.length);
    expect(Buffer.from(frame.raw).toString('latin1')).toBe(`${CARD}\r`);
  });
});

describe('no suffix: inter-byte timeout', () => {
  it('a code ends after the timeout with no byte, timed at its last byte', () => {
    const { push, frames, time, texts } = setup({ suffix: 'none', interByteTimeoutMs: 30 });
    push(CARD.slice(0, 5));
    time.advance(20);
    push(CARD.slice(5));
    time.advance(29);
    expect(frames).toHaveLength(0);
    time.advance(1);
    expect(texts()).toEqual([CARD]);
    expect(frames[0]!.time).toBe(1_020);
    push('X1');
    time.advance(30);
    expect(texts()).toEqual([CARD, 'X1']);
  });

  it('stray CR/LF around a code are trimmed', () => {
    const { push, time, texts } = setup({ suffix: 'none' });
    push('\r\nABC\r\n');
    time.advance(30);
    expect(texts()).toEqual(['ABC']);
  });
});

describe('prefix, AIM and GS1', () => {
  it('strips a configured prefix (a control byte such as STX too), keeps raw bytes', () => {
    const { push, frames, texts } = setup({ prefix: '\x02' });
    push(`\x02${CARD}\r`);
    push(`${CARD}\r`); // a code without the prefix is still taken
    expect(texts()).toEqual([CARD, CARD]);
    expect(Buffer.from(frames[0]!.raw).toString('latin1')).toBe(`\x02${CARD}\r`);
  });

  it('a text prefix is stripped only at the start', () => {
    const { push, texts } = setup({ prefix: 'SCN:' });
    push('SCN:AB SCN:C\r');
    expect(texts()).toEqual(['AB SCN:C']);
  });

  it('leaves an AIM identifier in front (the scanner adapter splits it) and keeps GS inside a GS1 code', () => {
    const { push, texts } = setup();
    push(`]E0${CARD}\r]C101095011010209171719050810ABCD1234\x1d2110\r`);
    expect(texts()).toEqual([`]E0${CARD}`, ']C101095011010209171719050810ABCD1234\x1d2110']);
  });

  it('decodes UTF-8 (and invalid UTF-8 leniently)', () => {
    const { push, texts } = setup();
    push([...Buffer.from('회원-7\r'), 0xff, 0xfe, 0x41, 0x0d]);
    expect(texts()).toEqual(['회원-7', '\ufffd\ufffdA']);
  });
});

describe('garbage', () => {
  it('a frame with NUL or other control bytes is a garbage error, then the next code is read', () => {
    const { push, frames, texts } = setup();
    push([0x00, 0x13, 0x41, 0x1b, 0x0d]);
    push(`${CARD}\r`);
    expect(texts()).toEqual(['!garbage', CARD]);
    const error = frames[0]!;
    expect(error.kind === 'error' && error.message).toMatch(/0x00 0x13 0x1b/);
  });

  it('noise with no end is dropped after staleAfterMs of silence, so the next code is clean', () => {
    const { push, time, texts, framer } = setup({ staleAfterMs: 200 });
    push([0x00, 0xff, 0x07]);
    time.advance(199);
    expect(texts()).toEqual([]);
    time.advance(1);
    expect(texts()).toEqual(['!garbage']);
    expect(framer.pending).toBe(0);
    push(`${CARD}\r`);
    expect(texts()).toEqual(['!garbage', CARD]);
  });

  it('an incomplete clean code with no suffix is dropped with a hint about the suffix setting', () => {
    const { push, time, frames } = setup({ staleAfterMs: 100 });
    push(CARD);
    time.advance(100);
    expect(frames[0]!.kind === 'error' && frames[0]!.message).toMatch(/suffix setting/);
    expect(frames[0]!.kind === 'error' && frames[0]!.message).not.toContain(CARD);
  });

  it('a line of only a prefix and a suffix reports nothing; empty lines are skipped', () => {
    const { push, texts } = setup({ prefix: '\x02' });
    push('\x02\r\r\n\n\r');
    expect(texts()).toEqual([]);
  });
});

describe('overflow: bounded memory', () => {
  it('64 KiB with no suffix: one overflow error, never more than maxLength held, resync at the next CR', () => {
    const { push, framer, texts } = setup({ maxLength: 4096 });
    const line = Buffer.alloc(64 * 1024, 0x41);
    let peak = 0;
    for (let i = 0; i < line.length; i += 1000) {
      push([...line.subarray(i, i + 1000)]);
      peak = Math.max(peak, framer.pending);
    }
    expect(peak).toBeLessThanOrEqual(4096);
    expect(texts()).toEqual(['!overflow']);
    push(`TAIL\r${CARD}\r`); // the rest of the long line, then a good code
    expect(texts()).toEqual(['!overflow', CARD]);
  });

  it('resyncs after a pause when the long run never ends', () => {
    const { push, time, texts } = setup({ maxLength: 16, staleAfterMs: 50 });
    push('X'.repeat(100));
    time.advance(50);
    push(`${CARD}\r`);
    expect(texts()).toEqual(['!overflow', CARD]);
  });

  it('no suffix: an over-long run is dropped until a pause', () => {
    const { push, time, texts } = setup({ suffix: 'none', maxLength: 16, interByteTimeoutMs: 30 });
    push('Y'.repeat(40));
    time.advance(10);
    push('Y'.repeat(40));
    time.advance(30);
    push(CARD);
    time.advance(30);
    expect(texts()).toEqual(['!overflow', CARD]);
  });

  it('a code of exactly maxLength bytes is accepted', () => {
    const { push, texts } = setup({ maxLength: 16 });
    push(`${'7'.repeat(16)}\r`);
    expect(texts()).toEqual(['7'.repeat(16)]);
  });
});

describe('timers and reset', () => {
  it('holds no timer once every code has ended; reset drops a partial code silently', () => {
    const { push, time, framer, texts } = setup();
    push(`${CARD}\r`);
    expect(time.timers).toBe(0);
    push('2900');
    expect(time.timers).toBe(1);
    framer.reset();
    expect(time.timers).toBe(0);
    push(`${CARD}\r`);
    expect(texts()).toEqual([CARD, CARD]);
  });

  it('1,000 codes back to back in odd-sized chunks: all, in order, none merged or split', () => {
    const { push, texts } = setup();
    const codes = Array.from({ length: 1000 }, (_, i) => `C${String(i).padStart(6, '0')}`);
    const stream = Buffer.from(codes.map((c, i) => `${c}${i % 3 === 0 ? '\r\n' : i % 3 === 1 ? '\r' : '\n'}`).join(''), 'latin1');
    for (let i = 0; i < stream.length; i += 37) push([...stream.subarray(i, i + 37)]);
    expect(texts()).toEqual(codes);
  });
});

describe('options', () => {
  it('refuses nonsense from a config file', () => {
    expect(() => resolveFraming({ suffix: 'tab' as never })).toThrow(/suffix/);
    expect(() => resolveFraming({ interByteTimeoutMs: 0 })).toThrow(/interByteTimeoutMs/);
    expect(() => resolveFraming({ maxLength: 1.5 })).toThrow(/maxLength/);
    expect(() => resolveFraming({ prefix: 'A\r' })).toThrow(/CR or LF/);
    expect(resolveFraming()).toMatchObject({ suffix: 'any', maxLength: 4096, interByteTimeoutMs: 30 });
  });
});

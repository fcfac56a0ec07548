/**
 * Serial framing: bytes from a scanner in, one frame per code out. Pure: no serialport here (the
 * port adapter is serial-scanner.ts), and time comes from an injected clock and timers, so every
 * rule below is unit-testable without a port and without waiting.
 *
 * How a code ends (`suffix`):
 * - 'any' (the default): CR, LF or CRLF. A CRLF scanner's LF arrives as an empty line and is skipped,
 *   so it never leads the next code (the classic `ReadlineParser('\r')` bug).
 * - 'cr' / 'lf': only that byte ends a code; the other one is trimmed where it can only be left-over
 *   framing (at either end of a code).
 * - 'crlf': LF ends a code and the CR before it is trimmed (a lone LF is accepted too).
 * - 'none': scanners configured without a suffix. A code ends when no byte came for
 *   `interByteTimeoutMs` (30 ms by default; at 9600 baud a byte takes ~1 ms, and USB-CDC scanners
 *   send a code in one transfer), so every scan is that much later than with a suffix.
 *
 * Hazards handled here rather than in each caller:
 * - Bounded memory: at most `maxLength` bytes are ever held. A longer run with no end is dropped
 *   with one 'overflow' error, then everything is discarded until the next end of a code (a suffix
 *   byte, or in 'none' mode a pause), where framing starts again clean.
 * - A partial code with no suffix (a cable pulled mid-scan, noise at power-up, a scanner set to the
 *   wrong suffix) must not poison the next scan: after `staleAfterMs` of silence it is dropped with
 *   an error, so the next code starts clean.
 * - Control bytes (NUL, STX, ESC…, DEL) other than GS (0x1D, the GS1 separator) and CR/LF framing
 *   cannot be in a scan: the frame becomes a 'garbage' error (wrong baud rate, line noise), never
 *   a code. Invalid UTF-8 is decoded leniently (U+FFFD); the card parser refuses such text anyway.
 * - Error messages never repeat the bytes' text (it may be a bank card's stripe); they give counts
 *   and the offending control bytes in hex.
 */
import type { Timers } from '../supervisor.js';

export type Suffix = 'cr' | 'lf' | 'crlf' | 'any' | 'none';

export const SUFFIXES: readonly Suffix[] = ['any', 'cr', 'lf', 'crlf', 'none'];

export interface FramingOptions {
  /** How a code ends; 'any' (CR, LF or CRLF) by default. */
  readonly suffix?: Suffix;
  /** 'none' only: a code ends after this many ms without a byte. Default 30. */
  readonly interByteTimeoutMs?: number;
  /** A prefix the scanner is configured to send before each code (e.g. "\x02" or "SCN:"): stripped when present. */
  readonly prefix?: string;
  /** The longest code accepted, in bytes (prefix and framing bytes count). Default 4096. */
  readonly maxLength?: number;
  /** Suffix modes: an unfinished code is dropped after this many ms of silence. Default 500. */
  readonly staleAfterMs?: number;
}

export interface ResolvedFraming {
  readonly suffix: Suffix;
  readonly interByteTimeoutMs: number;
  readonly prefix: Uint8Array;
  readonly maxLength: number;
  readonly staleAfterMs: number;
}

export const DEFAULT_FRAMING: ResolvedFraming = {
  suffix: 'any',
  interByteTimeoutMs: 30,
  prefix: new Uint8Array(0),
  maxLength: 4096,
  staleAfterMs: 500,
};

export type FrameErrorCode = 'overflow' | 'garbage';

/**
 * Which rule dropped the bytes: stable per kind (never per occurrence), so the scanner can count
 * repeats of one kind — line noise makes one error frame per CR/LF it contains.
 * - `control-bytes`: a framed read with control bytes in it (noise, wrong baud rate);
 * - `noise`: bytes with control bytes and no end, dropped after `staleAfterMs` of silence;
 * - `incomplete`: printable bytes with no end (a wrong suffix setting, a cable pulled mid-scan);
 * - `overflow`: more than `maxLength` bytes with no end.
 */
export type FrameProblem = 'control-bytes' | 'noise' | 'incomplete' | 'overflow';

export type Frame =
  | {
      readonly kind: 'code';
      /** The decoded code, prefix and suffix removed (an AIM identifier is still in front). */
      readonly text: string;
      /** The frame's bytes as received: prefix, code and the byte that ended it. */
      readonly raw: Uint8Array;
      /** When the last byte of the code arrived (clock ms). */
      readonly time: number;
    }
  | {
      readonly kind: 'error';
      readonly code: FrameErrorCode;
      readonly problem: FrameProblem;
      readonly message: string;
      /** The start of what was dropped (at most 64 bytes): for support, never shown to a cashier. */
      readonly raw: Uint8Array;
      readonly time: number;
    };

const CR = 0x0d;
const LF = 0x0a;
const GS = 0x1d;
const DEL = 0x7f;
const RAW_SAMPLE = 64;

const isLineByte = (b: number): boolean => b === CR || b === LF;
const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;

function integerIn(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`framing: ${name} must be a whole number from ${min} to ${max} (got ${String(value)})`);
  return value;
}

/** Checks framing options (from a config file) and fills in defaults; throws RangeError on nonsense. */
export function resolveFraming(options: FramingOptions = {}): ResolvedFraming {
  const suffix = options.suffix ?? DEFAULT_FRAMING.suffix;
  if (!SUFFIXES.includes(suffix)) throw new RangeError(`framing: suffix must be one of ${SUFFIXES.join(', ')} (got ${String(suffix)})`);
  const prefix = new TextEncoder().encode(options.prefix ?? '');
  if (prefix.length > 16) throw new RangeError('framing: prefix must be at most 16 bytes');
  if (prefix.some(isLineByte)) throw new RangeError('framing: prefix cannot contain CR or LF (they end a code)');
  const maxLength = integerIn('maxLength', options.maxLength, DEFAULT_FRAMING.maxLength, 16, 1 << 20);
  if (prefix.length >= maxLength) throw new RangeError('framing: prefix must be shorter than maxLength');
  return {
    suffix,
    prefix,
    maxLength,
    interByteTimeoutMs: integerIn('interByteTimeoutMs', options.interByteTimeoutMs, DEFAULT_FRAMING.interByteTimeoutMs, 1, 10_000),
    staleAfterMs: integerIn('staleAfterMs', options.staleAfterMs, DEFAULT_FRAMING.staleAfterMs, 1, 600_000),
  };
}

export function describeFraming(framing: ResolvedFraming): string {
  const end = framing.suffix === 'none' ? `no suffix, ${framing.interByteTimeoutMs} ms inter-byte timeout` : `suffix ${framing.suffix === 'any' ? 'CR, LF or CRLF' : framing.suffix.toUpperCase()}`;
  return `${end}${framing.prefix.length > 0 ? `, prefix of ${framing.prefix.length} byte(s) stripped` : ''}, at most ${framing.maxLength} bytes`;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface FramerEnvironment {
  /** Epoch ms; Date.now by default. */
  readonly clock?: () => number;
  readonly timers?: Timers;
}

export class Framer {
  readonly framing: ResolvedFraming;
  private readonly clock: () => number;
  private readonly timers: Timers;
  /** The one buffer a scanner ever uses: preallocated, never grown. */
  private readonly buffer: Uint8Array;
  private length = 0;
  /** After an overflow: dropping bytes until the next end of a code. */
  private discarding = false;
  private lastByteAt = 0;
  private timer: unknown = null;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  private readonly ends: (b: number) => boolean;

  constructor(
    options: FramingOptions,
    private readonly onFrame: (frame: Frame) => void,
    environment: FramerEnvironment = {},
  ) {
    this.framing = resolveFraming(options);
    this.clock = environment.clock ?? Date.now;
    this.timers = environment.timers ?? realTimers;
    this.buffer = new Uint8Array(this.framing.maxLength);
    const suffix = this.framing.suffix;
    this.ends = suffix === 'any' ? isLineByte : suffix === 'cr' ? (b) => b === CR : suffix === 'none' ? () => false : (b) => b === LF;
  }

  /** Bytes held for an unfinished code: never more than `maxLength`. */
  get pending(): number {
    return this.length;
  }

  /** Feeds one chunk as it came from the port; frames are reported synchronously through `onFrame`. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const now = this.clock();
    this.lastByteAt = now;
    const { maxLength } = this.framing;
    for (let i = 0; i < chunk.length; i += 1) {
      const b = chunk[i]!;
      if (this.ends(b)) {
        if (this.discarding) this.discarding = false;
        else if (this.length > 0) this.finish(now, b);
        // else: an empty line, e.g. the LF of a CRLF scanner after the CR ended the code.
        continue;
      }
      if (this.discarding) continue;
      // Left-over framing before a code (the LF of CRLF when only CR ends codes) is not part of it.
      if (this.length === 0 && isLineByte(b)) continue;
      if (this.length === maxLength) {
        this.overflow(now);
        continue;
      }
      this.buffer[this.length] = b;
      this.length += 1;
    }
    this.arm();
  }

  /** Drops an unfinished code without a report (the port was closed or reopened). */
  reset(): void {
    this.length = 0;
    this.discarding = false;
    this.disarm();
  }

  private overflow(now: number): void {
    const sample = this.buffer.slice(0, RAW_SAMPLE);
    const { maxLength, suffix } = this.framing;
    this.length = 0;
    this.discarding = true;
    const how = suffix === 'none' ? 'before a pause' : 'with no CR/LF suffix';
    this.onFrame({
      kind: 'error',
      code: 'overflow',
      problem: 'overflow',
      message: `a scan longer than ${maxLength} bytes ${how} was dropped — check the scanner's suffix setting; reading resumes at the next code`,
      raw: sample,
      time: now,
    });
  }

  /** Keeps the one timer a framer needs: the inter-byte timeout ('none') or the stale-code timeout. */
  private arm(): void {
    this.disarm();
    if (this.length === 0 && !this.discarding) return;
    const ms = this.framing.suffix === 'none' ? this.framing.interByteTimeoutMs : this.framing.staleAfterMs;
    this.timer = this.timers.setTimeout(() => this.silence(), ms);
  }

  private disarm(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private silence(): void {
    this.timer = null;
    if (this.discarding) {
      // The over-long run has ended: framing starts clean with the next byte.
      this.discarding = false;
      return;
    }
    if (this.length === 0) return;
    if (this.framing.suffix === 'none') {
      this.finish(this.lastByteAt, null);
      return;
    }
    const sample = this.buffer.slice(0, Math.min(this.length, RAW_SAMPLE));
    const count = this.length;
    this.length = 0;
    const bad = this.controlBytes(0, count);
    this.onFrame({
      kind: 'error',
      code: 'garbage',
      problem: bad.length > 0 ? 'noise' : 'incomplete',
      message:
        bad.length > 0
          ? `${count} bytes of line noise (control bytes ${bad.join(' ')}) with no end were dropped — check the scanner's baud rate and cable`
          : `an incomplete scan (${count} bytes, no CR/LF suffix within ${this.framing.staleAfterMs} ms) was dropped — check the scanner's suffix setting, then scan again`,
      raw: sample,
      time: this.lastByteAt,
    });
  }

  /** Up to four distinct control bytes in buffer[start, end), as hex. */
  private controlBytes(start: number, end: number): string[] {
    const found = new Set<string>();
    for (let i = start; i < end && found.size < 4; i += 1) {
      const b = this.buffer[i]!;
      if ((b < 0x20 && b !== GS) || b === DEL) found.add(hex(b));
    }
    return [...found];
  }

  private finish(time: number, terminator: number | null): void {
    const length = this.length;
    this.length = 0;
    const raw = new Uint8Array(length + (terminator === null ? 0 : 1));
    raw.set(this.buffer.subarray(0, length));
    if (terminator !== null) raw[length] = terminator;

    let start = 0;
    let end = length;
    const prefix = this.framing.prefix;
    if (prefix.length > 0 && length >= prefix.length && prefix.every((b, i) => this.buffer[i] === b)) start = prefix.length;
    // CR of a CRLF in 'lf'/'crlf' mode, or stray framing around the code: trimmed.
    while (end > start && isLineByte(this.buffer[end - 1]!)) end -= 1;
    while (start < end && isLineByte(this.buffer[start]!)) start += 1;
    if (start === end) return; // a prefix and a suffix with nothing between: no read

    for (let i = start; i < end; i += 1) {
      const b = this.buffer[i]!;
      if ((b < 0x20 && b !== GS) || b === DEL) {
        this.onFrame({
          kind: 'error',
          code: 'garbage',
          problem: 'control-bytes',
          message: `a ${end - start}-byte read with control bytes (${this.controlBytes(start, end).join(' ')}) is not a scan — check the scanner's baud rate and cable`,
          raw: raw.slice(0, RAW_SAMPLE),
          time,
        });
        return;
      }
    }
    this.onFrame({ kind: 'code', text: this.decoder.decode(this.buffer.subarray(start, end)), raw, time });
  }
}

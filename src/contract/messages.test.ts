import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { REJECTION_MESSAGES } from '../core/card-code/parse.js';
import { checkoutArgs } from './commands.js';
import { setupArgs } from './setup.js';
import { ENVELOPE_ERROR_CODES, ERROR_CODES, isMethodName, METHODS, parseRequest, pushedEventSchema, replySchema, type PushedEvent } from './messages.js';

describe('contract messages', () => {
  it('reads a request and refuses anything else as malformed, keeping a readable id', () => {
    expect(parseRequest({ id: 'r1', name: 'verify', args: {} })).toEqual({ ok: true, request: { id: 'r1', name: 'verify', args: {} } });
    // `args` is required (`{}` for a method that takes none): a request without it is not one.
    expect(parseRequest({ id: 7, name: 'verify' })).toMatchObject({ ok: false, reply: { id: 7, error: { code: 'malformed' } } });
    for (const [value, id] of [[null, null], ['text', null], [{ id: 3 }, 3], [{ id: -1, name: 'verify', args: {} }, null], [{ id: 'x', name: 'verify', args: {}, more: 1 }, 'x'], [{ id: 'y'.repeat(65), name: 'verify', args: {} }, null]] as const) {
      const parsed = parseRequest(value);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.reply).toMatchObject({ type: 'error', id, error: { code: 'malformed' } });
    }
  });

  it('uses the command schemas of commands.ts, not copies', () => {
    expect(METHODS['checkout-commit']).toBe(checkoutArgs);
    expect(isMethodName('checkout-commit')).toBe(true);
    expect(isMethodName('toString')).toBe(false);
  });

  it('lists every error code once, envelope codes included', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of [...ENVELOPE_ERROR_CODES, 'unknown-card', 'io-error']) expect(ERROR_CODES).toContain(code);
    expect(replySchema.safeParse({ type: 'error', id: 1, error: { code: 'no-such-code', message: '' } }).success).toBe(false);
  });
});

describe('pushed events', () => {
  const scan = { source: 'serial', device: 'counter', code: ']E02900000000018', shown: '…0018', refused: null, at: 1_770_000_000_000 };

  it('has a schema for every event the host pushes, and the same shapes as the PushedEvent type', () => {
    // Each way round: what the schema accepts is a PushedEvent, and every PushedEvent passes the schema's shape.
    expectTypeOf<z.output<typeof pushedEventSchema>>().toExtend<PushedEvent>();
    expectTypeOf<PushedEvent>().toExtend<z.output<typeof pushedEventSchema>>();
    expectTypeOf<PushedEvent['name']>().toEqualTypeOf<z.output<typeof pushedEventSchema>['name']>();
    for (const event of [
      { type: 'push', name: 'host-closing', data: { reason: 'stopped by SIGTERM' } },
      { type: 'push', name: 'scan', data: scan },
      { type: 'push', name: 'scan', data: { ...scan, source: 'cli', device: null, code: null, shown: '(16 digits, not shown)', refused: 'bank-card' } },
      { type: 'push', name: 'scanner-state', data: { device: 'counter', state: 'disconnected', message: 'counter on /dev/ttyACM0 was unplugged' } },
      { type: 'push', name: 'printer-state', data: { printer: 'receipt', state: 'out-of-paper', message: 'Printer out of paper — load paper', waiting: 2 } },
    ]) {
      expect(pushedEventSchema.safeParse(event).success, event.name).toBe(true);
    }
  });

  it('refuses what a host of this version never sends', () => {
    for (const data of [
      { ...scan, source: 'wedge' },
      { ...scan, refused: 'not-a-reason' },
      { ...scan, code: '' },
      { ...scan, pan: '4111111111111111' },
      { ...scan, at: 1.5 },
    ]) {
      expect(pushedEventSchema.safeParse({ type: 'push', name: 'scan', data }).success, JSON.stringify(data)).toBe(false);
    }
    expect(pushedEventSchema.safeParse({ type: 'push', name: 'scanner-state', data: { device: 'counter', state: 'reconnecting', message: null } }).success).toBe(false);
    expect(pushedEventSchema.safeParse({ type: 'push', name: 'printer-state', data: { printer: 'receipt', state: 'ready', message: null, waiting: -1 } }).success).toBe(false);
    expect(pushedEventSchema.safeParse({ type: 'push', name: 'printer-state', data: { printer: 'receipt', state: 'jammed', message: null, waiting: 0 } }).success).toBe(false);
    expect(pushedEventSchema.safeParse({ type: 'push', name: 'scanner-states', data: {} }).success).toBe(false);
  });

  it("names a refused scan by the parser's reasons, each with words in English and Korean", () => {
    for (const reason of Object.keys(REJECTION_MESSAGES)) {
      expect(pushedEventSchema.safeParse({ type: 'push', name: 'scan', data: { ...scan, code: null, refused: reason } }).success, reason).toBe(true);
    }
  });

  it('takes a scan from outside as a method with the card-code schema, and device-states with no arguments', () => {
    expect(METHODS['scan-arrived'].safeParse({ code: '2900000000018' }).success).toBe(true);
    expect(METHODS['scan-arrived'].safeParse({ code: '' }).success).toBe(false);
    expect(METHODS['scan-arrived'].safeParse({ code: 'x'.repeat(4097) }).success).toBe(false);
    expect(METHODS['scan-arrived'].safeParse({ code: '1', source: 'serial' }).success).toBe(false);
    expect(METHODS['device-states'].safeParse({}).success).toBe(true);
    expect(METHODS['device-states'].safeParse({ all: true }).success).toBe(false);
  });

  it('takes the first start as setup-create with setup.ts’s schema, and pushes host-ready with the terminal id', () => {
    expect(METHODS['setup-create']).toBe(setupArgs);
    expect(METHODS['setup-status'].safeParse({}).success).toBe(true);
    expect(pushedEventSchema.safeParse({ type: 'push', name: 'host-ready', data: { terminalId: 'LANE-1' } }).success).toBe(true);
    expect(pushedEventSchema.safeParse({ type: 'push', name: 'host-ready', data: {} }).success).toBe(false);
  });
});

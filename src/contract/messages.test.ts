import { describe, expect, it } from 'vitest';
import { checkoutArgs } from './commands.js';
import { ENVELOPE_ERROR_CODES, ERROR_CODES, isMethodName, METHODS, parseRequest, replySchema } from './messages.js';

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

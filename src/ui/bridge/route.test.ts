import { describe, expect, it } from 'vitest';
import { parseHash } from './route.js';

describe('the page address fragment', () => {
  it('reads the secret the browser host printed, and the screen', () => {
    expect(parseHash('#secret=abc_DEF-123')).toEqual({ screen: 'cashier', secret: 'abc_DEF-123' });
    expect(parseHash('#/customer&secret=abc')).toEqual({ screen: 'customer', secret: 'abc' });
    expect(parseHash('#/manager')).toEqual({ screen: 'manager', secret: null });
    expect(parseHash('')).toEqual({ screen: 'cashier', secret: null });
  });

  it('falls back to the cashier screen for a screen it does not know, and to no secret for a broken one', () => {
    expect(parseHash('#/admin').screen).toBe('cashier');
    expect(parseHash('#/constructor').screen).toBe('cashier');
    expect(parseHash('#secret=%E0%A4%A').secret).toBeNull();
  });
});

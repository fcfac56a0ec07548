// The customer display's view model: the minimum, and a name only as the cashier's screen masks it.
import { describe, expect, it } from 'vitest';
import { maskName } from '../core/receipt/slip.js';
import { customerViewSchema, isMaskedName } from './customer-view.js';
import { KIOSK_METHODS, roleMayCall, roleMayHear } from './roles.js';
import { METHOD_NAMES } from './messages.js';

describe('customer view', () => {
  it('takes every name maskName makes, Latin and Hangul, and no name as it was typed', () => {
    for (const name of ['Kim Minji', '김민지', '이지', 'Lee Ji-woo', 'Ann', 'José María Pérez', '남궁 민수']) {
      expect(isMaskedName(maskName(name)), name).toBe(true);
      expect(isMaskedName(name), name).toBe(false);
    }
    // A one-letter word has nothing to hide.
    expect(isMaskedName('J K***')).toBe(true);
  });

  it('has no field for a phone, an e-mail, a card or a member id', () => {
    const member = { name: 'K** M****', balance: 100, tier: null };
    expect(customerViewSchema.safeParse({ state: 'member', member }).success).toBe(true);
    for (const extra of [{ phone: '010-1234-5678' }, { email: 'a@b.c' }, { card: '2900000000018' }, { memberId: 'm1' }]) {
      expect(customerViewSchema.safeParse({ state: 'member', member: { ...member, ...extra } }).success, JSON.stringify(extra)).toBe(false);
      expect(customerViewSchema.safeParse({ state: 'member', member, ...extra }).success, JSON.stringify(extra)).toBe(false);
    }
    expect(customerViewSchema.safeParse({ state: 'idle', member }).success).toBe(false);
    expect(customerViewSchema.safeParse({ state: 'preview', member, amountDue: 1.5, earn: 1, redeem: 0, balanceAfter: 101 }).success).toBe(false);
  });
});

describe('connection roles', () => {
  it('lets a kiosk call only its look-up and terminal-info, and hear only what every screen must', () => {
    expect([...KIOSK_METHODS].sort()).toEqual(['kiosk-member', 'terminal-info']);
    for (const name of METHOD_NAMES) {
      expect(roleMayCall('kiosk', name), name).toBe(name === 'kiosk-member' || name === 'terminal-info');
      expect(roleMayCall('counter', name), name).toBe(true);
    }
    expect(roleMayCall('kiosk', 'constructor')).toBe(false);
    for (const push of ['scan', 'customer-view', 'printer-state', 'scanner-state', 'sync-state']) expect(roleMayHear('kiosk', push), push).toBe(false);
    for (const push of ['host-closing', 'host-ready']) expect(roleMayHear('kiosk', push), push).toBe(true);
    expect(roleMayHear('counter', 'customer-view')).toBe(true);
  });
});

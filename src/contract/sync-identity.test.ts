/**
 * The entry identities are stored as hashes on the server: their text must never change. They are
 * written with keys pre-sorted for speed; these properties hold them to `canonicalJson` of the
 * fields they name, for any text (quotes, escapes, astral characters) and any integer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../core/canonical-json.js';
import type { SyncEvent, SyncTransaction, SyncTransfer } from './sync.js';
import { eventIdentity, transactionIdentity, transferIdentity } from './sync-identity.js';

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
const int = fc.oneof(fc.integer(), fc.maxSafeInteger());

describe('entry identities', () => {
  it('a transfer: member, kind, unit, amount, accounts and business key, as canonical JSON', () => {
    fc.assert(
      fc.property(text, text, fc.constantFrom('points' as const, 'money' as const), int, text, text, text, (memberId, kind, unit, amount, debitAccount, creditAccount, businessKey) => {
        const t = { memberId, kind, unit, amount, debitAccount, creditAccount, businessKey } as SyncTransfer;
        expect(transferIdentity(t)).toBe(canonicalJson({ memberId, kind, unit, amount, debit: debitAccount, credit: creditAccount, businessKey }));
      }),
    );
  });

  it('a transaction: store, terminal, kind, POS id, member and request hash, as canonical JSON', () => {
    fc.assert(
      fc.property(text, text, fc.constantFrom('checkout' as const, 'return' as const), text, text, text, (storeId, terminalId, kind, txnId, memberId, requestHash) => {
        const t = { storeId, terminalId, kind, txnId, memberId, requestHash } as SyncTransaction;
        expect(transactionIdentity(t)).toBe(canonicalJson({ storeId, terminalId, kind, txnId, memberId, requestHash }));
      }),
    );
  });

  it('an event: member, kind, period and business key, as canonical JSON', () => {
    fc.assert(
      fc.property(text, text, text, text, (memberId, kind, period, businessKey) => {
        const e = { memberId, kind, period, businessKey } as SyncEvent;
        expect(eventIdentity(e)).toBe(canonicalJson({ memberId, kind, period, businessKey }));
      }),
    );
  });

  it('keeps the texts the server has stored hashes of', () => {
    const t = { memberId: 'm1', kind: 'earn', unit: 'points', amount: 12, debitAccount: 'issuance', creditAccount: 'member:m1', businessKey: 't:S1:T1:P1:earn' } as SyncTransfer;
    expect(transferIdentity(t)).toBe('{"amount":12,"businessKey":"t:S1:T1:P1:earn","credit":"member:m1","debit":"issuance","kind":"earn","memberId":"m1","unit":"points"}');
  });
});

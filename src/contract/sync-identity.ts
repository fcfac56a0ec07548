/**
 * What makes two copies of a synced entry "the same": the server answers `exists` when an entry
 * it already holds (by id, or by business key) has the same identity, and `exists_with_different`
 * otherwise. The identity leaves out what legitimately differs between two bookings of the same
 * thing — the epoch and sequence number, the times, the POS id of a time-driven entry — so that a
 * once-only entry booked again after a restore (same deterministic id, a new epoch and time) is
 * recognised, while anything that changes what was owed (member, kind, amount, accounts) is not.
 */
import { canonicalJson } from '../core/canonical-json.js';
import type { SyncEvent, SyncMember, SyncTransaction, SyncTransfer } from './sync.js';

/*
 * The three entry identities below are written with their keys already in canonical (sorted) order
 * and plain JSON.stringify: the same text `canonicalJson` gives (their values are strings and
 * numbers), at a fraction of the cost — a push hashes every item, and canonicalJson's replacer was
 * a third of the server's time per batch. sync-identity.test.ts holds them to canonicalJson.
 */

export function transferIdentity(t: SyncTransfer): string {
  return JSON.stringify({ amount: t.amount, businessKey: t.businessKey, credit: t.creditAccount, debit: t.debitAccount, kind: t.kind, memberId: t.memberId, unit: t.unit });
}

export function transactionIdentity(t: SyncTransaction): string {
  return JSON.stringify({ kind: t.kind, memberId: t.memberId, requestHash: t.requestHash, storeId: t.storeId, terminalId: t.terminalId, txnId: t.txnId });
}

export function eventIdentity(e: SyncEvent): string {
  return JSON.stringify({ businessKey: e.businessKey, kind: e.kind, memberId: e.memberId, period: e.period });
}

/** A member version is one snapshot: the same (id, version) must carry the same record. */
export function memberIdentity(m: SyncMember): string {
  return canonicalJson(m);
}

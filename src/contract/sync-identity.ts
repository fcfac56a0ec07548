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

export function transferIdentity(t: SyncTransfer): string {
  return canonicalJson({ memberId: t.memberId, kind: t.kind, unit: t.unit, amount: t.amount, debit: t.debitAccount, credit: t.creditAccount, businessKey: t.businessKey });
}

export function transactionIdentity(t: SyncTransaction): string {
  return canonicalJson({ storeId: t.storeId, terminalId: t.terminalId, kind: t.kind, txnId: t.txnId, memberId: t.memberId, requestHash: t.requestHash });
}

export function eventIdentity(e: SyncEvent): string {
  return canonicalJson({ memberId: e.memberId, kind: e.kind, period: e.period, businessKey: e.businessKey });
}

/** A member version is one snapshot: the same (id, version) must carry the same record. */
export function memberIdentity(m: SyncMember): string {
  return canonicalJson(m);
}

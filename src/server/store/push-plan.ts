/**
 * What both stores do the same way when a terminal pushes: sort the items by entity and hash their
 * identities, refuse items of another store or terminal, check the sequence rule, decide member
 * versions, and phrase the answers and alerts. The adapters only read and write rows, so SQLite and
 * PostgreSQL cannot drift apart on what `ok`, `exists` and `exists_with_different` mean.
 */
import { hash } from 'node:crypto';
import { TallyError } from '../../core/errors.js';
import type { PushStatus, SyncEvent, SyncMember, SyncTransaction, SyncTransfer } from '../../contract/sync.js';
import { compareMemberSnapshots } from '../../contract/member-order.js';
import { eventIdentity, memberIdentity, transactionIdentity, transferIdentity } from '../../contract/sync-identity.js';
import { memberOfAccount } from './accounts.js';
import type { PushBatch, PushItemResult } from './store.js';

/**
 * The stored form of an identity (src/contract/sync-identity.ts): SHA-256 of its canonical text.
 * Hazard: rows keep the hash computed when they arrived, so a change to what an identity contains
 * needs a migration that recomputes `identity_hash` (or every resend would look different).
 */
export function identityHash(identity: string): Buffer {
  // The one-shot form: a push hashes every item, and a Hash object per item cost twice as much.
  return hash('sha256', identity, 'buffer');
}

export interface Indexed<T> {
  /** Position in `batch.items`: where its answer goes. */
  readonly index: number;
  readonly item: T;
  readonly identity: Buffer;
}

export interface SortedBatch {
  readonly transfers: readonly Indexed<SyncTransfer>[];
  readonly transactions: readonly Indexed<SyncTransaction>[];
  readonly events: readonly Indexed<SyncEvent>[];
  readonly members: readonly Indexed<SyncMember>[];
}

function mismatch(batch: PushBatch, what: string): never {
  throw new TallyError('invalid-input', `push from ${batch.storeId}/${batch.terminalId}: ${what}`, { storeId: batch.storeId, terminalId: batch.terminalId });
}

/**
 * Splits a batch by entity. An item naming another store or terminal is the caller's bug (the HTTP
 * layer checks it before calling): it throws before anything is read or written. A member's
 * `enrolledBy` is only information — any terminal of the program may push a member version.
 */
export function sortBatch(batch: PushBatch): SortedBatch {
  const transfers: Indexed<SyncTransfer>[] = [];
  const transactions: Indexed<SyncTransaction>[] = [];
  const events: Indexed<SyncEvent>[] = [];
  const members: Indexed<SyncMember>[] = [];
  batch.items.forEach((entry, index) => {
    switch (entry.entity) {
      case 'transfer': {
        const t = entry.transfer;
        if (t.storeId !== batch.storeId || t.terminalId !== batch.terminalId) mismatch(batch, `transfer ${t.id} was booked by ${t.storeId}/${t.terminalId}`);
        transfers.push({ index, item: t, identity: identityHash(transferIdentity(t)) });
        break;
      }
      case 'transaction': {
        const t = entry.transaction;
        if (t.storeId !== batch.storeId || t.terminalId !== batch.terminalId) mismatch(batch, `transaction ${t.id} was recorded by ${t.storeId}/${t.terminalId}`);
        transactions.push({ index, item: t, identity: identityHash(transactionIdentity(t)) });
        break;
      }
      case 'event': {
        const e = entry.event;
        if (e.terminalId !== batch.terminalId) mismatch(batch, `event ${e.id} was booked by terminal ${e.terminalId}`);
        events.push({ index, item: e, identity: identityHash(eventIdentity(e)) });
        break;
      }
      case 'member':
        members.push({ index, item: entry.member, identity: identityHash(memberIdentity(entry.member)) });
        break;
    }
  });
  return { transfers, transactions, events, members };
}

/** Why the batch does not continue the stored sequence, or null when it does. */
export function sequenceProblem(batch: PushBatch, transfers: readonly Indexed<SyncTransfer>[], lastSeq: number): string | null {
  let expected = batch.fromSeq;
  for (const { item: t } of transfers) {
    if (t.epoch !== batch.epoch) return `transfer ${t.id} belongs to epoch ${t.epoch}, the batch to epoch ${batch.epoch}`;
    if (t.seq !== expected) return `transfer ${t.id} has sequence number ${t.seq}, expected ${expected}: the batch must number its transfers from ${batch.fromSeq} without a gap`;
    expected += 1;
  }
  if (batch.fromSeq !== lastSeq + 1) {
    return `the batch starts at sequence number ${batch.fromSeq}, but the server holds up to ${lastSeq} for ${batch.storeId}/${batch.terminalId} epoch ${batch.epoch}: send from ${lastSeq + 1}`;
  }
  return null;
}

/** The new last seq of the batch's epoch once it is applied. */
export function newLastSeq(batch: PushBatch, transfers: readonly Indexed<SyncTransfer>[], lastSeq: number): number {
  return transfers.length === 0 ? lastSeq : batch.fromSeq + transfers.length - 1;
}

export interface NewAlert {
  /** The item that raised it: alerts are stored in item order whatever order the adapter worked in. */
  readonly itemIndex: number;
  readonly kind: 'exists_with_different' | 'lot-conflict' | 'card-conflict' | 'member-concurrent-edit';
  readonly storeId: string;
  readonly terminalId: string;
  readonly entity: string;
  readonly entityId: string;
  /** Never personal data: ids, versions, amounts and keys only (alerts outlive an erasure). */
  readonly detail: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

/** An entry the store already holds, found by the incoming item's id or its business key. */
export interface HeldEntry {
  readonly id: string;
  /** The business key as one string, built the same way for held rows and incoming items. */
  readonly key: string;
  readonly identity: Buffer;
}

export interface Incoming {
  readonly id: string;
  readonly key: string;
  readonly identity: Buffer;
}

export const transactionKey = (t: { readonly storeId: string; readonly terminalId: string; readonly kind: string; readonly txnId: string }): string =>
  JSON.stringify([t.storeId, t.terminalId, t.kind, t.txnId]);

/**
 * The answer for an item that was not inserted because its id or business key is taken: the entry
 * holding its id wins over one holding only its key (an id names one booking; a key may be shared
 * by a legitimate rebooking with a new id, which is still the same entry if the identities agree).
 */
export function resolveHeld(incoming: Incoming, held: readonly HeldEntry[], what: string): { status: 'exists' | 'exists_with_different'; held: HeldEntry; matchedBy: 'id' | 'business key' } {
  const byId = held.find((h) => h.id === incoming.id);
  const match = byId ?? held.find((h) => h.key === incoming.key);
  // An insert refused by a unique key always leaves a row to find (nothing is ever deleted).
  if (!match) throw new Error(`${what} ${incoming.id}: not inserted, yet no entry holds its id or business key`);
  return { status: match.identity.equals(incoming.identity) ? 'exists' : 'exists_with_different', held: match, matchedBy: byId ? 'id' : 'business key' };
}

export function transferAlertDetail(t: SyncTransfer, held: HeldEntry, matchedBy: string): Record<string, unknown> {
  return {
    matchedBy,
    heldId: held.id,
    incoming: { id: t.id, memberId: t.memberId, kind: t.kind, unit: t.unit, amount: t.amount, debitAccount: t.debitAccount, creditAccount: t.creditAccount, businessKey: t.businessKey, epoch: t.epoch, seq: t.seq },
  };
}

export function transactionAlertDetail(t: SyncTransaction, held: HeldEntry, matchedBy: string): Record<string, unknown> {
  return { matchedBy, heldId: held.id, incoming: { id: t.id, memberId: t.memberId, kind: t.kind, txnId: t.txnId, requestHash: t.requestHash } };
}

export function eventAlertDetail(e: SyncEvent, held: HeldEntry, matchedBy: string): Record<string, unknown> {
  return { matchedBy, heldId: held.id, incoming: { id: e.id, memberId: e.memberId, kind: e.kind, period: e.period, businessKey: e.businessKey } };
}

export function alert(batch: PushBatch, itemIndex: number, kind: NewAlert['kind'], entity: string, entityId: string, detail: Readonly<Record<string, unknown>>): NewAlert {
  return { itemIndex, kind, storeId: batch.storeId, terminalId: batch.terminalId, entity, entityId, detail, createdAt: batch.now };
}

export interface StoredMemberVersion {
  readonly version: number;
  readonly identity: Buffer;
  readonly erased: boolean;
  readonly updatedAt: number;
}

export interface MemberPlan {
  readonly statuses: ReadonlyMap<number, PushStatus>;
  /** The record to store per member this batch changes (its highest new version), sorted by id. */
  readonly writes: readonly Indexed<SyncMember>[];
  readonly alerts: readonly NewAlert[];
}

/**
 * Member snapshots, decided in item order against what is stored (and what earlier items of the
 * batch made current) by `compareMemberSnapshots`: the same snapshot → `exists`; one that wins →
 * `ok` (replaces); one that loses → `exists` (an older or a superseded snapshot, which the pushing
 * terminal replaces with the kept one on its next pull). Two different snapshots of the same
 * version are two counters' concurrent edits: one is kept by the order, never merged field by
 * field, and a `member-concurrent-edit` alert tells a manager which (no personal data in it).
 */
export function planMembers(batch: PushBatch, members: readonly Indexed<SyncMember>[], stored: ReadonlyMap<string, StoredMemberVersion>): MemberPlan {
  const statuses = new Map<number, PushStatus>();
  const current = new Map<string, StoredMemberVersion & { readonly write: Indexed<SyncMember> | null }>();
  for (const [id, v] of stored) current.set(id, { ...v, write: null });
  const alerts: NewAlert[] = [];
  for (const entry of members) {
    const m = entry.item;
    const held = current.get(m.id);
    const incoming = { version: m.version, identity: entry.identity, erased: m.erasedAt !== null, updatedAt: m.updatedAt };
    const order = held ? compareMemberSnapshots(incoming, held) : 1;
    if (held && order !== 0 && m.version === held.version) {
      alerts.push(alert(batch, entry.index, 'member-concurrent-edit', 'member', m.id, { version: m.version, kept: order > 0 ? 'incoming' : 'held', erased: incoming.erased || held.erased }));
    }
    if (order > 0) {
      statuses.set(entry.index, 'ok');
      current.set(m.id, { ...incoming, write: entry });
    } else {
      statuses.set(entry.index, 'exists');
    }
  }
  const writes = [...current.values()].flatMap((c) => (c.write ? [c.write] : [])).sort((a, b) => (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0));
  return { statuses, writes, alerts };
}

/** Alerts in the order of the items that raised them (stable for several per item). */
export function inItemOrder(alerts: readonly NewAlert[]): NewAlert[] {
  return [...alerts].sort((a, b) => a.itemIndex - b.itemIndex);
}

/** A member record's card codes without repeats, in their order. */
export function distinctCards(m: SyncMember): string[] {
  return [...new Set(m.cards)];
}

/** A transfer's lot draws with repeated lots merged (the table holds one row per transfer and lot). */
export function mergedDraws(t: SyncTransfer): { readonly lotId: string; readonly points: number }[] {
  const byLot = new Map<string, number>();
  for (const d of t.lotsDrawn) byLot.set(d.lotId, (byLot.get(d.lotId) ?? 0) + d.points);
  return [...byLot].map(([lotId, points]) => ({ lotId, points }));
}

export interface BalanceDelta {
  readonly memberId: string;
  readonly account: string;
  readonly delta: number;
}

/**
 * What the applied transfers change in member accounts (`member:` points, `member-spend:` money),
 * one row per account, sorted so concurrent pushes lock balance rows in the same order.
 */
export function balanceDeltas(applied: readonly SyncTransfer[]): BalanceDelta[] {
  const deltas = new Map<string, number>();
  for (const t of applied) {
    if (memberOfAccount(t.creditAccount) !== null) deltas.set(t.creditAccount, (deltas.get(t.creditAccount) ?? 0) + t.amount);
    if (memberOfAccount(t.debitAccount) !== null) deltas.set(t.debitAccount, (deltas.get(t.debitAccount) ?? 0) - t.amount);
  }
  return [...deltas]
    .map(([account, delta]) => ({ memberId: memberOfAccount(account) ?? account, account, delta }))
    .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
}

/** The answers in item order; every item must have been decided. */
export function results(batch: PushBatch, statuses: readonly (PushStatus | undefined)[]): PushItemResult[] {
  return batch.items.map((entry, i) => {
    const status = statuses[i];
    if (status === undefined) throw new Error(`push: item ${i} (${entry.entity}) was never decided`);
    switch (entry.entity) {
      case 'transfer':
        return { entity: 'transfer', id: entry.transfer.id, status };
      case 'transaction':
        return { entity: 'transaction', id: entry.transaction.id, status };
      case 'event':
        return { entity: 'event', id: entry.event.id, status };
      case 'member':
        return { entity: 'member', id: entry.member.id, version: entry.member.version, status };
    }
  });
}

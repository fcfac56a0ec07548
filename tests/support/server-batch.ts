/**
 * Push items built by hand, valid per src/contract/sync.ts: a member enrolled at a counter with
 * their welcome points (member version, transfer, transaction) and an event, for HTTP tests of the
 * server. Ids are UUIDv7-shaped and fixed per `tag`, so a test can resend or vary one on purpose.
 */
import { createHash } from 'node:crypto';
import type { PushItem, PushRequest, SyncEvent, SyncMember, SyncTransaction, SyncTransfer } from '../../src/contract/sync.js';

export const T0 = Date.parse('2026-03-02T03:00:00Z');

function uuid(tag: string, n: number): string {
  const hex = createHash('sha256').update(`${tag}:${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface Place {
  readonly storeId: string;
  readonly terminalId: string;
}

export function memberItem(memberId: string, place: Place, version = 1, name = 'Lee Seo-yeon'): PushItem {
  const member: SyncMember = {
    id: memberId,
    version,
    name,
    phone: null,
    email: null,
    birthday: null,
    marketingConsent: false,
    enrolledAt: T0,
    enrolledBy: place.terminalId,
    qrRef: null,
    pinHash: null,
    erasedAt: null,
    updatedAt: T0 + version,
    cards: ['2900000000018'],
  };
  return { entity: 'member', member };
}

/** The welcome bonus: points from issuance into the member's account, one lot. */
export function welcomeTransfer(memberId: string, place: Place, epoch: number, seq: number, points = 100, tag = 'welcome'): PushItem {
  const id = uuid(`${tag}:${memberId}`, 1);
  const transfer: SyncTransfer = {
    id,
    storeId: place.storeId,
    terminalId: place.terminalId,
    epoch,
    seq,
    kind: 'welcome',
    unit: 'points',
    amount: points,
    debitAccount: 'issuance',
    creditAccount: `member:${memberId}`,
    memberId,
    businessKey: `welcome:${memberId}`,
    periodKind: null,
    period: null,
    transactionId: uuid(`enrol:${memberId}`, 1),
    posTxnId: null,
    cashier: 'kim',
    moneyAmount: null,
    currency: 'KRW',
    programId: 'classic-krw',
    programVersion: 1,
    earnRatePoints: null,
    earnRatePer: null,
    effectiveAt: T0,
    bookedAt: T0,
    localTime: '2026-03-02T12:00:00+09:00',
    detail: {},
    lotsGranted: [{ id: uuid(`lot:${memberId}`, 1), points, earnedAt: T0, expiresAt: null }],
    lotsDrawn: [],
  };
  return { entity: 'transfer', transfer };
}

export function enrolmentTransaction(memberId: string, place: Place, requestHash = 'a'.repeat(64)): PushItem {
  const transaction: SyncTransaction = {
    id: uuid(`enrol:${memberId}`, 1),
    storeId: place.storeId,
    terminalId: place.terminalId,
    kind: 'enrolment',
    txnId: `enrol-${memberId}`,
    memberId,
    originalId: null,
    requestHash,
    request: { cards: ['0018'], consent: false },
    record: {},
    result: { memberId },
    cashier: 'kim',
    createdAt: T0,
  };
  return { entity: 'transaction', transaction };
}

export function enrolledEvent(memberId: string, place: Place): PushItem {
  const event: SyncEvent = {
    id: uuid(`event:${memberId}`, 1),
    memberId,
    kind: 'member-enrolled',
    period: '2026-03-02',
    businessKey: `member-enrolled:${memberId}`,
    terminalId: place.terminalId,
    detail: {},
    bookedAt: T0,
  };
  return { entity: 'event', event };
}

/** A member's enrolment as one batch: member, welcome transfer (the batch's only seq), transaction, event. */
export function enrolmentBatch(memberId: string, place: Place, epoch: number, seq: number): PushRequest {
  return { epoch, fromSeq: seq, items: [memberItem(memberId, place), welcomeTransfer(memberId, place, epoch, seq), enrolmentTransaction(memberId, place), enrolledEvent(memberId, place)] };
}

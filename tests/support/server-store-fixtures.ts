/**
 * Builders for the server-store tests: push items as a terminal would send them (ids, business
 * keys, lots as src/core makes them: a credit's lots are `<transfer id>:<n>`, a time-driven entry's
 * id is derived from its key) and a fake terminal that numbers its transfers per epoch.
 */
import { randomUUID } from 'node:crypto';
import type { PushItem, SyncEvent, SyncMember, SyncTransaction, SyncTransfer } from '../../src/contract/sync.js';
import { deterministicUuid } from '../../src/core/ids.js';
import { ACCOUNTS, memberAccount, memberSpendAccount, periodKeyText, transactionKeyText } from '../../src/core/ledger-model.js';
import type { Row } from '../../src/server/store/rows.js';
import type { PushBatch, ServerStore } from '../../src/server/store/store.js';

/** Both adapters expose `query` for tests (raw rows; SQLite needs RETURNING on writes). */
export type TestStore = ServerStore & { query(sql: string): Promise<Row[]> };

export const T0 = Date.UTC(2025, 5, 1, 9, 0, 0);

export const TABLES = [
  'stores',
  'programs',
  'terminals',
  'enrolment_codes',
  'terminal_sequences',
  'resent_transfers',
  'members',
  'member_cards',
  'card_index',
  'transfers',
  'lots',
  'lot_draws',
  'transactions',
  'events',
  'member_balances',
  'alerts',
  'holds',
  'hold_lots',
  'offline_grants',
  'offline_spends',
] as const;

/** Row counts of every table: equal before and after means nothing was written. */
export async function rowCounts(store: TestStore): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await store.query(`SELECT count(*) AS n FROM ${table}`);
    counts[table] = Number(row?.['n']);
  }
  return counts;
}

export function memberRecord(id: string, version: number, overrides: Partial<SyncMember> = {}): SyncMember {
  return {
    id,
    version,
    name: `Member ${id} v${version}`,
    phone: null,
    email: null,
    birthday: '1990-04-02',
    marketingConsent: false,
    enrolledAt: T0,
    enrolledBy: 't1',
    qrRef: null,
    pinHash: null,
    erasedAt: null,
    updatedAt: T0 + version,
    cards: [`card-${id}`],
    ...overrides,
  };
}

type TransferSpec = Partial<SyncTransfer> & Pick<SyncTransfer, 'memberId' | 'kind' | 'amount' | 'debitAccount' | 'creditAccount'>;

/**
 * A terminal of one store, booking in one epoch at a time: every transfer it makes takes the next
 * seq; `batch` packs items with the `fromSeq` of their first transfer.
 */
export class FakeTerminal {
  private nextSeq = 1;
  private unsent = 1;
  private txnCounter = 0;
  epoch: number;

  constructor(
    readonly storeId: string,
    readonly terminalId: string,
    epoch = 1,
  ) {
    this.epoch = epoch;
  }

  /** A restore: a new epoch, numbering from 1 again. */
  restore(epoch: number): void {
    this.epoch = epoch;
    this.nextSeq = 1;
    this.unsent = 1;
  }

  newTxnId(): string {
    this.txnCounter += 1;
    return `${this.terminalId}-${this.txnCounter}`;
  }

  transfer(spec: TransferSpec): SyncTransfer {
    const id = spec.id ?? randomUUID();
    const posTxnId = spec.posTxnId ?? (spec.periodKind ? null : this.newTxnId());
    const t: SyncTransfer = {
      id,
      storeId: this.storeId,
      terminalId: this.terminalId,
      unit: 'points',
      businessKey: spec.businessKey ?? transactionKeyText(this.storeId, this.terminalId, posTxnId ?? '', spec.kind),
      periodKind: null,
      period: null,
      transactionId: null,
      posTxnId,
      cashier: null,
      moneyAmount: null,
      currency: 'KRW',
      programId: 'classic',
      programVersion: 1,
      earnRatePoints: null,
      earnRatePer: null,
      effectiveAt: T0,
      bookedAt: T0,
      localTime: '2025-06-01T18:00:00+09:00',
      detail: {},
      lotsGranted: [],
      lotsDrawn: [],
      ...spec,
      // A copy of another transfer (`{ ...earlier, amount: 2 }`) still takes this terminal's next seq.
      epoch: this.epoch,
      seq: this.nextSeq,
    };
    this.nextSeq += 1;
    return t;
  }

  earn(memberId: string, points: number, spec: Partial<SyncTransfer> = {}): SyncTransfer {
    const id = spec.id ?? randomUUID();
    return this.transfer({
      memberId,
      kind: 'earn',
      amount: points,
      debitAccount: ACCOUNTS.issuance,
      creditAccount: memberAccount(memberId),
      lotsGranted: [{ id: `${id}:0`, points, earnedAt: T0, expiresAt: null }],
      ...spec,
      id,
    });
  }

  redeem(memberId: string, draws: readonly { lotId: string; points: number }[], spec: Partial<SyncTransfer> = {}): SyncTransfer {
    const amount = draws.reduce((s, d) => s + d.points, 0);
    return this.transfer({ memberId, kind: 'redeem', amount, debitAccount: memberAccount(memberId), creditAccount: ACCOUNTS.redeemed, lotsDrawn: [...draws], ...spec });
  }

  spend(memberId: string, money: number): SyncTransfer {
    return this.transfer({ memberId, kind: 'qualifying-spend', unit: 'money', amount: money, debitAccount: ACCOUNTS.sales, creditAccount: memberSpendAccount(memberId), moneyAmount: money });
  }

  /** A time-driven credit: id and lots derived from (member, kind, period), as every terminal derives them. */
  birthday(memberId: string, year: string, points = 500): SyncTransfer {
    const businessKey = periodKeyText(memberId, 'birthday', year);
    const id = deterministicUuid(businessKey);
    return this.transfer({
      id,
      memberId,
      kind: 'birthday',
      amount: points,
      debitAccount: ACCOUNTS.issuance,
      creditAccount: memberAccount(memberId),
      businessKey,
      periodKind: 'birthday',
      period: year,
      posTxnId: null,
      lotsGranted: [{ id: `${id}:0`, points, earnedAt: Date.UTC(Number(year), 3, 2), expiresAt: null }],
    });
  }

  transaction(memberId: string, spec: Partial<SyncTransaction> = {}): SyncTransaction {
    return {
      id: randomUUID(),
      storeId: this.storeId,
      terminalId: this.terminalId,
      kind: 'checkout',
      txnId: this.newTxnId(),
      memberId,
      originalId: null,
      requestHash: 'a'.repeat(64),
      request: { amount: 1000 },
      record: { lines: 1 },
      result: { earned: 10 },
      cashier: 'c1',
      createdAt: T0,
      ...spec,
    };
  }

  event(memberId: string, period: string, spec: Partial<SyncEvent> = {}): SyncEvent {
    const businessKey = periodKeyText(memberId, 'tier-review', period);
    return { id: deterministicUuid(businessKey), memberId, kind: 'tier-review', period, businessKey, terminalId: this.terminalId, detail: { tier: 'gold' }, bookedAt: T0, ...spec };
  }

  /** Packs items into a batch continuing this terminal's sequence (or from `fromSeq`). */
  batch(items: readonly PushItem[], options: { fromSeq?: number; now?: number } = {}): PushBatch {
    const firstTransfer = items.find((i) => i.entity === 'transfer');
    const fromSeq = options.fromSeq ?? (firstTransfer?.entity === 'transfer' ? firstTransfer.transfer.seq : this.unsent);
    const count = items.filter((i) => i.entity === 'transfer').length;
    this.unsent = Math.max(this.unsent, fromSeq + count);
    return { storeId: this.storeId, terminalId: this.terminalId, epoch: this.epoch, fromSeq, items, now: options.now ?? T0 + 60_000 };
  }
}

export const item = {
  transfer: (transfer: SyncTransfer): PushItem => ({ entity: 'transfer', transfer }),
  transaction: (transaction: SyncTransaction): PushItem => ({ entity: 'transaction', transaction }),
  event: (event: SyncEvent): PushItem => ({ entity: 'event', event }),
  member: (member: SyncMember): PushItem => ({ entity: 'member', member }),
};

/** A unique prefix per test so tests sharing one database never see each other's rows. */
let counter = 0;
export function uniquePrefix(label: string): string {
  counter += 1;
  return `${label}${counter}${randomUUID().slice(0, 4)}-`;
}

/**
 * The outbox read path builds push items in SQL (json_object) for speed. These tests hold it to
 * the contract: every kind of entry a counter books, read row by row into plain objects the
 * obvious way (the reference below), equals what `pendingItems` makes, and passes the push schema
 * the server validates with; batches fold a member's repeated rows; a lot named outside the
 * `<transfer id>:<n>` rule is still sent.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pushItemSchema, type PushItem, type SyncTransfer } from '../../contract/sync.js';
import { newLedger, tempDir, testClock } from '../../../tests/support/ledger-fixture.js';
import { acknowledge, pendingCount, pendingItems } from './outbox.js';
import type { SqliteDatabase } from './sqlite.js';

const { dir, cleanup } = tempDir('tally-outbox-');
afterAll(cleanup);

type Row = Record<string, unknown>;

/** The reference: each entry read into an object field by field, as the contract names them. */
function referenceItem(db: SqliteDatabase, entity: string, id: string): PushItem {
  const get = (sql: string, ...params: unknown[]): Row => db.prepare(sql).get(...params) as Row;
  const all = (sql: string, ...params: unknown[]): Row[] => db.prepare(sql).all(...params) as Row[];
  switch (entity) {
    case 'transfer': {
      const t = get('SELECT * FROM transfers WHERE id = ?', id);
      return {
        entity: 'transfer',
        transfer: {
          id: t['id'],
          storeId: t['store_id'],
          terminalId: t['terminal_id'],
          epoch: t['epoch'],
          seq: t['seq'],
          kind: t['kind'],
          unit: t['unit'],
          amount: t['amount'],
          debitAccount: t['debit_account'],
          creditAccount: t['credit_account'],
          memberId: t['member_id'],
          businessKey: t['business_key'],
          periodKind: t['period_kind'],
          period: t['period'],
          transactionId: t['transaction_id'],
          posTxnId: t['pos_txn_id'],
          cashier: t['cashier'],
          moneyAmount: t['money_amount'],
          currency: t['currency'],
          programId: t['program_id'],
          programVersion: t['program_version'],
          earnRatePoints: t['earn_rate_points'],
          earnRatePer: t['earn_rate_per'],
          effectiveAt: t['effective_at'],
          bookedAt: t['booked_at'],
          localTime: t['local_time'],
          detail: JSON.parse(t['detail'] as string) as Record<string, unknown>,
          lotsGranted: all('SELECT id, points, earned_at, expires_at FROM lots WHERE transfer_id = ? ORDER BY rowid', id).map((l) => ({ id: l['id'], points: l['points'], earnedAt: l['earned_at'], expiresAt: l['expires_at'] })),
          lotsDrawn: all('SELECT lot_id, points FROM lot_draws WHERE transfer_id = ? ORDER BY lot_id', id).map((d) => ({ lotId: d['lot_id'], points: d['points'] })),
        } as SyncTransfer,
      };
    }
    case 'transaction': {
      const t = get('SELECT * FROM transactions WHERE id = ?', id);
      return {
        entity: 'transaction',
        transaction: {
          id: t['id'] as string,
          storeId: t['store_id'] as string,
          terminalId: t['terminal_id'] as string,
          kind: t['kind'] as 'checkout',
          txnId: t['txn_id'] as string,
          memberId: t['member_id'] as string,
          originalId: t['original_id'] as string | null,
          requestHash: t['request_hash'] as string,
          request: JSON.parse(t['request'] as string) as unknown,
          record: JSON.parse(t['record'] as string) as unknown,
          result: JSON.parse(t['result'] as string) as unknown,
          cashier: t['cashier'] as string | null,
          createdAt: t['created_at'] as number,
        },
      };
    }
    case 'event': {
      const e = get('SELECT * FROM events WHERE id = ?', id);
      return {
        entity: 'event',
        event: {
          id: e['id'] as string,
          memberId: e['member_id'] as string,
          kind: e['kind'] as string,
          period: e['period'] as string,
          businessKey: e['business_key'] as string,
          terminalId: e['terminal_id'] as string,
          detail: JSON.parse(e['detail'] as string) as Record<string, unknown>,
          bookedAt: e['booked_at'] as number,
        },
      };
    }
    default: {
      const m = get('SELECT * FROM members WHERE id = ?', id);
      return {
        entity: 'member',
        member: {
          id: m['id'] as string,
          version: m['version'] as number,
          name: m['name'] as string | null,
          phone: m['phone'] as string | null,
          email: m['email'] as string | null,
          birthday: m['birthday'] as string | null,
          marketingConsent: m['marketing_consent'] === 1,
          enrolledAt: m['enrolled_at'] as number,
          enrolledBy: m['enrolled_by'] as string,
          qrRef: m['qr_ref'] as string | null,
          pinHash: m['pin_hash'] as string | null,
          erasedAt: m['erased_at'] as number | null,
          updatedAt: m['updated_at'] as number,
          cards: db.prepare('SELECT code FROM card_codes WHERE member_id = ? ORDER BY added_at, code').pluck().all(id) as string[],
        },
      };
    }
  }
}

/** A counter's day and a year-end: every entity and most transfer kinds, with awkward text. */
function bookEverything(path: string): ReturnType<typeof newLedger> {
  const clock = testClock('2025-11-20T15:00:00Z');
  const booked = newLedger(path, 'sporting-goods-usd', clock, { timeZone: 'America/New_York' });
  const { service } = booked;
  service.enrol({ cards: ['2900000000018'], name: 'Kim "Minji" 김민지 \\ 😀', phone: '+1 555 0100', email: 'minji@example.com', birthday: '1994-11-20', marketingConsent: true });
  service.enrol({ cards: ['2900000000025'], cashier: 'lee' });
  service.checkout({ card: '2900000000018', txnId: 'POS-1', basket: service.amountBasket(45_000), cashier: 'lee' });
  service.checkout({ card: '2900000000025', txnId: 'POS-2', basket: service.amountBasket(9_999) });
  service.checkout({ card: '2900000000018', txnId: 'POS-3', basket: service.amountBasket(20_000), redeem: { rewardId: 'ten-off' }, proof: { cashier: 'lee' } });
  service.returnSale({ originalTxnId: 'POS-1', returnId: 'RET-1', amount: 15_000 });
  service.returnSale({ originalTxnId: 'POS-3', returnId: 'RET-3', all: true });
  service.action({ card: '2900000000025', actionId: 'newsletter' });
  service.adjust({ card: '2900000000025', points: 42, reason: 'goodwill: "late" delivery', txnId: 'ADJ-1' });
  service.updateMember({ card: '2900000000025', name: 'Park', addCards: ['2900000000032'] });
  clock.advanceDays(45);
  service.runPeriodic();
  service.eraseMember({ card: '2900000000025', reason: 'asked to be forgotten', by: 'manager' });
  return booked;
}

describe('the outbox read path', () => {
  it('makes, for every kind of entry, the item the reference reads, valid for the server', () => {
    const { ledger } = bookEverything(join(dir, 'all.sqlite'));
    try {
      const db = ledger.db;
      const rows = db.prepare('SELECT id, entity, entity_id FROM outbox WHERE acked_at IS NULL ORDER BY id').all() as { id: number; entity: string; entity_id: string }[];
      const entities = new Set(rows.map((r) => r.entity));
      expect([...entities].sort()).toEqual(['event', 'member', 'transaction', 'transfer']);
      const items = pendingItems(db, 1000);
      // Members appear once (at their first row), with every one of their rows to acknowledge.
      const firstRows = rows.filter((r, i) => r.entity !== 'member' || rows.findIndex((o) => o.entity === 'member' && o.entity_id === r.entity_id) === i);
      expect(items.map((p) => p.outboxIds[0])).toEqual(firstRows.map((r) => r.id));
      expect(items.flatMap((p) => p.outboxIds).sort((a, b) => a - b)).toEqual(rows.map((r) => r.id));
      for (const [i, p] of items.entries()) {
        const row = firstRows[i]!;
        expect(p.item).toEqual(referenceItem(db, row.entity, row.entity_id));
        expect(pushItemSchema.parse(p.item)).toEqual(p.item);
        if (p.item.entity === 'transfer') expect([p.epoch, p.seq]).toEqual([p.item.transfer.epoch, p.item.transfer.seq]);
        else expect([p.epoch, p.seq]).toEqual([null, null]);
      }
      const transfers = items.flatMap((p) => (p.item.entity === 'transfer' ? [p.item.transfer] : []));
      expect(transfers.some((t) => t.lotsGranted.length > 0) && transfers.some((t) => t.lotsDrawn.length > 0)).toBe(true);
    } finally {
      ledger.close();
    }
  });

  it('reads in batches: the same items, each once, until every row is acknowledged', () => {
    const { ledger } = bookEverything(join(dir, 'batches.sqlite'));
    try {
      const db = ledger.db;
      const all = pendingItems(db, 1000).map((p) => p.item);
      const seen: PushItem[] = [];
      for (let round = 0; pendingCount(db) > 0; round += 1) {
        expect(round).toBeLessThan(100);
        const batch = pendingItems(db, 3);
        expect(batch.length).toBeGreaterThan(0);
        expect(batch.length).toBeLessThanOrEqual(3);
        seen.push(...batch.map((p) => p.item));
        acknowledge(db, batch.flatMap((p) => p.outboxIds), Date.now());
      }
      expect(pendingItems(db, 3)).toEqual([]);
      // A member's later row beyond a batch is sent again with that member's current record.
      const key = (i: PushItem): string => `${i.entity}:${i.entity === 'transfer' ? i.transfer.id : i.entity === 'transaction' ? i.transaction.id : i.entity === 'event' ? i.event.id : i.member.id}`;
      expect([...new Set(seen.map(key))].sort()).toEqual([...new Set(all.map(key))].sort());
    } finally {
      ledger.close();
    }
  });

  it('reads ahead from a batch cut anywhere exactly as a read after acknowledging that batch would', () => {
    const { ledger } = bookEverything(join(dir, 'ahead.sqlite'));
    try {
      const db = ledger.db;
      const all = pendingItems(db, 1000);
      expect(all.some((p) => p.outboxIds.length > 1)).toBe(true);
      for (let cut = 1; cut <= all.length; cut += 1) {
        const batch = all.slice(0, cut);
        const ahead = pendingItems(db, 4, { after: batch.at(-1)!.outboxIds[0]!, skip: new Set(batch.flatMap((p) => p.outboxIds)) });
        db.exec('SAVEPOINT fresh');
        try {
          acknowledge(db, batch.flatMap((p) => p.outboxIds), Date.now());
          expect(ahead).toEqual(pendingItems(db, 4));
        } finally {
          db.exec('ROLLBACK TO fresh');
          db.exec('RELEASE fresh');
        }
      }
    } finally {
      ledger.close();
    }
  });

  it('says what each item adds to a push body, at least its JSON', () => {
    const { ledger } = bookEverything(join(dir, 'bytes.sqlite'));
    try {
      for (const p of pendingItems(ledger.db, 1000)) {
        const json = Buffer.byteLength(JSON.stringify(p.item));
        expect(p.bytes).toBeGreaterThanOrEqual(json);
        expect(p.bytes).toBeLessThan(json + 100);
      }
    } finally {
      ledger.close();
    }
  });

  it('still sends the lots of a credit whose lots are named outside the <transfer id>:<n> rule', () => {
    const { ledger } = bookEverything(join(dir, 'odd-lots.sqlite'));
    try {
      const db = ledger.db;
      const earn = db.prepare(`SELECT * FROM transfers WHERE kind = 'earn' ORDER BY seq LIMIT 1`).get() as Row;
      const { epoch, next_seq: seq } = db.prepare('SELECT epoch, next_seq FROM terminal WHERE singleton = 1').get() as { epoch: number; next_seq: number };
      const id = '01900000-0000-7000-8000-0000000f0001';
      db.transaction(() => {
        const copy = { ...earn, id, epoch, seq, business_key: `${String(earn['business_key'])}:copy` };
        const columns = Object.keys(copy);
        db.prepare(`INSERT INTO transfers (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`).run(copy);
        db.prepare('INSERT INTO lots (id, member_id, transfer_id, points, remaining, earned_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, NULL)').run('a-lot-named-otherwise', earn['member_id'], id, earn['amount'], earn['amount'], earn['booked_at']);
        db.prepare('UPDATE terminal SET next_seq = ? WHERE singleton = 1').run(seq + 1);
        db.prepare(`INSERT INTO outbox (entity, entity_id, entity_version, created_at) VALUES ('transfer', ?, NULL, ?)`).run(id, earn['booked_at']);
      })();
      const item = pendingItems(db, 1000).find((p) => p.item.entity === 'transfer' && p.item.transfer.id === id)?.item;
      expect(item).toEqual(referenceItem(db, 'transfer', id));
      expect(item?.entity === 'transfer' && item.transfer.lotsGranted.map((l) => l.id)).toEqual(['a-lot-named-otherwise']);
    } finally {
      ledger.close();
    }
  });
});

/**
 * The terminal's push is pipelined: while the server applies a batch, the terminal acknowledges the
 * batch before it and reads the next one. Against the real server (in this process, on loopback,
 * embedded store), in small batches so that there are many: every outbox row is acknowledged once
 * and only after the server's answer, batches stop at an epoch boundary (a restored ledger), a
 * member's repeated rows fold into one item, and a lost answer loses nothing.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushRequest } from '../../src/contract/sync.js';
import { TallyError } from '../../src/core/errors.js';
import { buildServer } from '../../src/server/http/app.js';
import { credentialHash, enrolmentCodeHash, newCredential, newEnrolmentCode } from '../../src/server/credentials.js';
import { openSqliteServerStore, type SqliteServerStore } from '../../src/server/store/sqlite/sqlite-store.js';
import { restoreLedger } from '../../src/terminal/ledger/files.js';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { pendingCount } from '../../src/terminal/ledger/outbox.js';
import { SyncClient, type PushAnswer } from '../../src/terminal/sync/client.js';
import { pushOutbox } from '../../src/terminal/sync/push.js';
import { LoyaltyService } from '../../src/terminal/loyalty-service.js';
import { certifyTerminalKey, publicKeyOf, signingKeyFrom } from '../../src/core/card-code/member-qr.js';
import { newLedger, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-push-pipeline-');
let store: SqliteServerStore;
let app: FastifyInstance;
let url: string;
let credential: string;

/** The real client, keeping every request it sent and, on request, losing one answer. */
class WatchedClient extends SyncClient {
  readonly sent: PushRequest[] = [];
  loseAnswerOf: number | undefined;

  override async push(request: PushRequest): Promise<PushAnswer> {
    this.sent.push(request);
    const answer = await super.push(request);
    if (this.sent.length === this.loseAnswerOf) throw new TallyError('io-error', 'the answer was lost', { retryable: true });
    return answer;
  }
}

beforeAll(async () => {
  store = await openSqliteServerStore(join(dir, 'server.sqlite'));
  const now = Date.now();
  await store.createStore({ id: 'S1', name: 'Store', timeZone: 'America/New_York', createdAt: now });
  const codeHash = enrolmentCodeHash(newEnrolmentCode());
  await store.createEnrolmentCode(codeHash, { storeId: 'S1', terminalId: 'T1', expiresAt: now + 60_000, usedAt: null });
  const issuer = signingKeyFrom('qr', new Uint8Array(32).fill(1));
  const key = signingKeyFrom('t1', new Uint8Array(32).fill(2));
  credential = newCredential();
  const certificate = certifyTerminalKey(issuer, { terminalKeyId: key.id, storeId: 'S1', terminalId: 'T1', terminalPublicKey: publicKeyOf(key.secretKey), expiresAt: now + 86_400_000 });
  expect(await store.useEnrolmentCode(codeHash, { credentialHash: credentialHash(credential), keyId: key.id, certificate, now })).toMatchObject({ ok: true });
  app = buildServer({ store, keys: () => undefined });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  cleanup();
});

/** Outbox rows acknowledged, per row id. */
function ackedRows(ledger: Ledger): Map<number, number | null> {
  return new Map((ledger.db.prepare('SELECT id, acked_at FROM outbox').raw().all() as [number, number | null][]).map(([id, at]) => [id, at]));
}

describe('the pipelined push', () => {
  it('sends everything once, in sequence, across a restore, folding repeated member rows; a lost answer is resent and loses nothing', async () => {
    const clock = testClock(new Date().toISOString());
    const first = join(dir, 'lane.sqlite');
    const { ledger, service } = newLedger(first, 'sporting-goods-usd', clock, { storeId: 'S1', terminalId: 'T1', timeZone: 'America/New_York' });
    const cards = ['2900000000018', '2900000000025', '2900000000032'];
    for (const card of cards) service.enrol({ cards: [card] });
    for (let i = 0; i < 12; i += 1) service.checkout({ card: cards[i % 3]!, txnId: `A-${i}`, basket: service.amountBasket(1_000 + i * 100) });
    // A member's record changes twice: three outbox rows, one item.
    service.updateMember({ card: cards[0]!, name: 'Kim' });
    service.updateMember({ card: cards[0]!, name: 'Kim Minji' });
    const backup = join(dir, 'lane-backup.sqlite');
    service.backup(backup);
    ledger.close();

    // Put the backup in service: a new epoch, and what the backup lacks booked again in it.
    const restored = join(dir, 'lane-restored.sqlite');
    restoreLedger(backup, restored, Date.now());
    const lane = Ledger.open(restored);
    try {
      const again = new LoyaltyService(lane, { clock: clock.read, wallClock: clock.read });
      for (let i = 0; i < 9; i += 1) again.checkout({ card: cards[i % 3]!, txnId: `B-${i}`, basket: service.amountBasket(2_000 + i * 100) });
      const epochs = lane.db.prepare('SELECT DISTINCT epoch FROM transfers ORDER BY epoch').pluck().all() as number[];
      expect(epochs).toHaveLength(2);
      const total = pendingCount(lane.db);

      // The fourth answer is lost on the way back: the push stops, nothing of that batch is acknowledged.
      const lossy = new WatchedClient({ baseUrl: url, credential });
      lossy.loseAnswerOf = 4;
      const progress: number[] = [];
      await expect(pushOutbox(lane, lossy, { now: Date.now, batchSize: 5, onProgress: (p) => progress.push(p.acknowledged) })).rejects.toThrow(/the answer was lost/);
      const lostBatch = lossy.sent[3]!;
      const lostIds = new Set(lostBatch.items.map((i) => (i.entity === 'transfer' ? i.transfer.id : i.entity === 'transaction' ? i.transaction.id : i.entity === 'member' ? i.member.id : i.event.id)));
      const pendingAfterLoss = lane.db.prepare('SELECT entity_id FROM outbox WHERE acked_at IS NULL').pluck().all() as string[];
      for (const id of lostIds) expect(pendingAfterLoss).toContain(id);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));

      const client = new WatchedClient({ baseUrl: url, credential });
      const report = await pushOutbox(lane, client, { now: Date.now, batchSize: 5 });
      expect(report).toMatchObject({ remaining: 0, conflicts: [] });
      expect([...ackedRows(lane).values()].every((at) => at !== null)).toBe(true);
      expect(total).toBe(ackedRows(lane).size);

      // Every batch: one epoch, its transfers numbered on from fromSeq without a gap.
      for (const request of [...lossy.sent, ...client.sent]) {
        const seqs = request.items.flatMap((i) => (i.entity === 'transfer' ? [i.transfer] : []));
        expect(seqs.every((t) => t.epoch === request.epoch)).toBe(true);
        expect(seqs.map((t) => t.seq)).toEqual(seqs.map((_t, k) => request.fromSeq + k));
      }
      // The changed member went as one item per batch it was read in, with its latest record.
      const memberItems = [...lossy.sent, ...client.sent].flatMap((r) => r.items.flatMap((i) => (i.entity === 'member' ? [i.member] : [])));
      expect(memberItems.filter((m) => m.name === 'Kim Minji').length).toBeGreaterThan(0);
      expect(memberItems.some((m) => m.name === 'Kim')).toBe(false);

      // The server holds what the terminal booked, per epoch, and the same balances.
      const held = await store.lastSeqs('S1', 'T1');
      const onTerminal = lane.db.prepare('SELECT epoch, max(seq) AS lastSeq FROM transfers GROUP BY epoch ORDER BY epoch').all();
      expect(held).toEqual(onTerminal);
      for (const card of cards) {
        const memberId = (await store.memberIdForCard(card))!;
        const balance = lane.db.prepare('SELECT balance FROM accounts WHERE id = ?').pluck().get(`member:${memberId}`) as number;
        expect((await store.member(memberId))?.balance).toBe(balance);
      }
      expect((await store.verify()).ok).toBe(true);
    } finally {
      lane.close();
    }
  });
});

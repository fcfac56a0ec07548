/**
 * Pushing the outbox: oldest first, one (terminal, epoch) per batch, each batch continuing the
 * server's sequence for that epoch. Rows are acknowledged only from the server's answer, so a lost
 * answer means a resend: the server answers `exists` for what it already has, or, for transfers it
 * already holds by sequence number, says so through its `lastSeq` and they are acknowledged
 * without being sent again.
 */
import { MAX_PUSH_ITEMS, type PushItem } from '../../contract/sync.js';
import { TallyError } from '../../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { acknowledge, pendingCount, pendingItems, type PendingRow } from '../ledger/outbox.js';
import type { SyncClient } from './client.js';

export interface PushProgress {
  readonly acknowledged: number;
  /** Rows pending when the push started (new commits meanwhile are pushed too). */
  readonly total: number;
}

export interface PushReport extends PushProgress {
  /** Entries the server holds with another identity: acknowledged (the server raised an alert), listed for the manager. */
  readonly conflicts: readonly { readonly entity: PushItem['entity']; readonly id: string }[];
  readonly remaining: number;
}

function itemKey(item: PushItem): string {
  switch (item.entity) {
    case 'transfer':
      return `transfer:${item.transfer.id}`;
    case 'transaction':
      return `transaction:${item.transaction.id}`;
    case 'event':
      return `event:${item.event.id}`;
    case 'member':
      return `member:${item.member.id}`;
  }
}

/**
 * The batch after `batch` (the pending rows after its last one), read while the server applies
 * `batch`: reading costs the terminal about as long as a tenth of the server's work, and would
 * otherwise be spent with the server idle. Undefined if it cannot be read now (the loop reads again).
 */
async function readNext(db: Ledger['db'], batchSize: number, batch: readonly PendingRow[]): Promise<PendingRow[] | undefined> {
  // The read blocks this thread for milliseconds: let the request go out first.
  await new Promise((resolve) => setImmediate(resolve));
  try {
    return pendingItems(db, batchSize, Math.max(...batch.flatMap((p) => p.outboxIds)));
  } catch {
    return undefined;
  }
}

export async function pushOutbox(ledger: Ledger, client: SyncClient, options: { readonly now: () => number; readonly batchSize?: number; readonly onProgress?: (progress: PushProgress) => void }): Promise<PushReport> {
  const db = ledger.db;
  const batchSize = Math.min(options.batchSize ?? MAX_PUSH_ITEMS, MAX_PUSH_ITEMS);
  const total = pendingCount(db);
  const server = await client.sequences();
  const conflicts: { entity: PushItem['entity']; id: string }[] = [];
  let acknowledged = 0;
  const ack = (rows: readonly PendingRow[]): void => {
    const ids = rows.flatMap((r) => r.outboxIds);
    acknowledge(db, ids, options.now());
    acknowledged += ids.length;
    options.onProgress?.({ acknowledged, total });
  };
  let readAhead: PendingRow[] | undefined;
  for (;;) {
    const pending = readAhead ?? pendingItems(db, batchSize);
    readAhead = undefined;
    if (pending.length === 0) break;
    // Transfers the server already holds (its answer to an earlier push was lost): nothing to resend.
    const held = pending.filter((p) => p.epoch !== null && p.seq !== null && p.seq <= (server.get(p.epoch) ?? 0));
    if (held.length > 0) {
      ack(held);
      continue;
    }
    const epoch = pending.find((p) => p.epoch !== null)?.epoch ?? ledger.sequence().epoch;
    const batch: PendingRow[] = [];
    for (const p of pending) {
      if (p.epoch !== null && p.epoch !== epoch) break;
      batch.push(p);
    }
    const fromSeq = batch.find((p) => p.seq !== null)?.seq ?? (server.get(epoch) ?? 0) + 1;
    const sending = client.push({ epoch, fromSeq, items: batch.map((p) => p.item) });
    // Handled here and awaited below: a refusal arriving while the next batch is read is not "unhandled".
    sending.catch(() => undefined);
    const next = batch.length === pending.length ? await readNext(db, batchSize, batch) : undefined;
    const answer = await sending;
    if (!answer.ok) {
      server.set(epoch, answer.lastSeq);
      // The server already holds some of this batch (an earlier answer was lost): the loop acknowledges them.
      if (answer.lastSeq >= fromSeq) continue;
      // Else the server lacks entries before this batch: a gap no resend can close.
      throw new TallyError(
        'ledger-invariant',
        `The server holds entries up to ${answer.lastSeq} of epoch ${epoch}, but this terminal's next one is ${fromSeq}: the sequence has a gap; nothing was lost, nothing more is sent until support looks`,
      );
    }
    server.set(epoch, answer.response.lastSeq);
    const answered = new Map(answer.response.results.map((r) => [`${r.entity}:${r.id}`, r.status]));
    const done = batch.filter((p) => answered.has(itemKey(p.item)));
    for (const p of done) {
      if (answered.get(itemKey(p.item)) === 'exists_with_different') {
        const [entity, ...rest] = itemKey(p.item).split(':') as [PushItem['entity'], ...string[]];
        conflicts.push({ entity, id: rest.join(':') });
      }
    }
    if (done.length === 0) throw new TallyError('io-error', 'The server answered a push without naming any of its entries: nothing was acknowledged');
    ack(done);
    // Every row up to the batch's last is acknowledged now, so the rows after it are exactly what a fresh read would give.
    if (next && done.length === batch.length) readAhead = next;
  }
  return { acknowledged, total, conflicts, remaining: pendingCount(db) };
}

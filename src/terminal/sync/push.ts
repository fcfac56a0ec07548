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
 * The batch after `batch`, read while the server applies `batch`: reading costs the terminal about
 * a tenth of the server's work on a batch, and would otherwise be spent with the server idle. It is
 * what a read after acknowledging `batch` would give: the rows after its last item's, less the rows
 * its members fold in (a batch cut short by an epoch or by size leaves the rest of what was read
 * for this read). Undefined if it cannot be read now (the loop reads again).
 */
function readNext(db: Ledger['db'], batchSize: number, batch: readonly PendingRow[]): PendingRow[] | undefined {
  const last = batch.at(-1);
  if (!last) return undefined;
  try {
    return pendingItems(db, batchSize, { after: last.outboxIds[0]!, skip: new Set(batch.flatMap((p) => p.outboxIds)) });
  } catch {
    return undefined;
  }
}

/** A push body stays well under the server's 4 MiB limit (the rest of the batch goes in the next one). */
const MAX_PUSH_BYTES = 3 * 1024 * 1024;

export async function pushOutbox(ledger: Ledger, client: SyncClient, options: { readonly now: () => number; readonly batchSize?: number; readonly onProgress?: (progress: PushProgress) => void }): Promise<PushReport> {
  const db = ledger.db;
  const batchSize = Math.min(options.batchSize ?? MAX_PUSH_ITEMS, MAX_PUSH_ITEMS);
  const total = pendingCount(db);
  const server = await client.sequences();
  const conflicts: { entity: PushItem['entity']; id: string }[] = [];
  let acknowledged = 0;
  // Held spends the server counted against their fallback budget (their hold had lapsed), from its answers.
  const counted = new Set<string>();
  const ack = (rows: readonly PendingRow[]): void => {
    const ids = rows.flatMap((r) => r.outboxIds);
    const now = options.now();
    // With their outbox rows, the held spends among them are settled by the same answer: from then
    // on only those the server counted take room in the terminal's offline budget, as on the server.
    const transactions = rows.flatMap((r) => (r.item.entity === 'transaction' ? [r.item.transaction.id] : []));
    ledger.transaction(() => {
      acknowledge(db, ids, now);
      if (transactions.length > 0) ledger.settleHeldSpends(transactions, counted, now);
    });
    acknowledged += ids.length;
    options.onProgress?.({ acknowledged, total });
  };
  // Pipelined: while the server applies a batch, the terminal acknowledges the one before (when
  // the next batch was read ahead) and reads the next. Rows are still acknowledged only from the
  // server's answer, and before any read that could see them again.
  let readAhead: PendingRow[] | undefined;
  let unacknowledged: PendingRow[] | undefined;
  const ackDeferred = (): void => {
    const rows = unacknowledged;
    unacknowledged = undefined;
    if (rows) ack(rows);
  };
  for (;;) {
    const pending = readAhead ?? pendingItems(db, batchSize);
    readAhead = undefined;
    if (pending.length === 0) break;
    // Transfers the server already holds (its answer to an earlier push was lost): nothing to resend.
    const held = pending.filter((p) => p.epoch !== null && p.seq !== null && p.seq <= (server.get(p.epoch) ?? 0));
    if (held.length > 0) {
      ackDeferred();
      ack(held);
      continue;
    }
    const epoch = pending.find((p) => p.epoch !== null)?.epoch ?? ledger.sequence().epoch;
    const batch: PendingRow[] = [];
    let bytes = 0;
    for (const p of pending) {
      if (p.epoch !== null && p.epoch !== epoch) break;
      // Under the server's body limit whatever the baskets (a transaction carries its basket and can
      // be large): each entry counts what it adds to the body, known from reading it.
      if (batch.length > 0 && bytes + p.bytes > MAX_PUSH_BYTES) break;
      bytes += p.bytes;
      batch.push(p);
    }
    const fromSeq = batch.find((p) => p.seq !== null)?.seq ?? (server.get(epoch) ?? 0) + 1;
    const sending = client.push({ epoch, fromSeq, items: batch.map((p) => p.item) });
    // Handled here and awaited below: a refusal arriving while the terminal writes or reads is not "unhandled".
    sending.catch(() => undefined);
    // Both block this thread for milliseconds: let the request go out first.
    await new Promise((resolve) => setImmediate(resolve));
    ackDeferred();
    const next = readNext(db, batchSize, batch);
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
    for (const id of answer.response.countedHolds ?? []) counted.add(id);
    const answered = new Map(answer.response.results.map((r) => [`${r.entity}:${r.id}`, r.status]));
    const done = batch.filter((p) => answered.has(itemKey(p.item)));
    for (const p of done) {
      if (answered.get(itemKey(p.item)) === 'exists_with_different') {
        const [entity, ...rest] = itemKey(p.item).split(':') as [PushItem['entity'], ...string[]];
        conflicts.push({ entity, id: rest.join(':') });
      }
    }
    if (done.length === 0) throw new TallyError('io-error', 'The server answered a push without naming any of its entries: nothing was acknowledged');
    // With every item answered, the rows after the batch's last are exactly what a read after
    // acknowledging it would give: the next batch goes out at once, and this one is acknowledged
    // while it is on its way.
    if (next && done.length === batch.length) {
      readAhead = next;
      unacknowledged = done;
    } else {
      ack(done);
    }
  }
  ackDeferred();
  return { acknowledged, total, conflicts, remaining: pendingCount(db) };
}

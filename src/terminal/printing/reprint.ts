/**
 * The slip of an earlier transaction, for a reprint or a preview: the one queued for it, or rebuilt
 * from what the ledger recorded. The member's current summary comes from the caller (printing does
 * not depend on the service that computes it).
 */
import type { MemberSummary } from '../../contract/member-summary.js';
import { TallyError } from '../../core/errors.js';
import type { PlannedTransfer } from '../../core/ledger-model.js';
import type { SlipData } from '../../core/receipt/slip.js';
import type { Ledger, TransactionKind } from '../ledger/ledger.js';
import type { Printing } from './printing.js';
import { slipFromCommand } from './slip-data.js';

/** The slip a reprint prints: the one queued for the transaction, or rebuilt from what the ledger recorded. */
export function slipForTransaction(ledger: Ledger, summary: (memberId: string) => MemberSummary, printing: Printing, kind: TransactionKind, txnId: string, terminalId: string | undefined): { slip: SlipData; transactionId: string } {
  const transaction = ledger.findTransaction(kind, txnId, terminalId);
  if (!transaction) throw new TallyError('unknown-transaction', `No ${kind} ${txnId} on this terminal${terminalId ? ` (${terminalId})` : ''}`);
  const queued = printing.queue.latestForTransaction(transaction.id);
  // A reprint's QR code is made now, from the real clock: never one that outlives today's.
  if (queued) return { slip: printing.withMemberQr(queued.slip), transactionId: transaction.id };
  // Never printed (no printer then): the same slip from the booked transfers, with today's balance.
  const transfers = (ledger.db.prepare('SELECT kind, amount, detail FROM transfers WHERE transaction_id = ? ORDER BY seq').all(transaction.id) as { kind: string; amount: number; detail: string }[]).map(
    (t) => ({ kind: t.kind, amount: t.amount, detail: JSON.parse(t.detail) as Record<string, unknown> }) as unknown as PlannedTransfer,
  );
  const { storeId, terminalId: terminal, demo } = ledger.terminal;
  const slip = slipFromCommand({
    kind,
    txnId,
    at: transaction.createdAt,
    storeId,
    terminalId: terminal,
    demo,
    currency: ledger.program.currency,
    member: summary(transaction.memberId),
    transfers,
    result: transaction.result as Record<string, unknown>,
  });
  return { slip: printing.withMemberQr(slip), transactionId: transaction.id };
}


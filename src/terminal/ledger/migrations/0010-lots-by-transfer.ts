import type { Migration } from './types.js';

/**
 * Lots by the transfer that opened them: a push reads each transfer's lots, and verify and pulled
 * pages join on it; without this index each of those scanned every lot of the ledger.
 */
export const migration0010: Migration = {
  version: 10,
  description: 'lots by transfer: an index for sync and verify',
  up(db) {
    db.exec('CREATE INDEX lots_transfer_id ON lots (transfer_id)');
  },
};

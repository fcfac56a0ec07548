import type { Migration } from './types.js';

/**
 * Every command loads which time-driven entries a member already has (their period keys). Without
 * an index that walks all the member's transfers: measured 0.3 ms for a regular with 1,000
 * checkouts, 8 µs with it.
 */
export const migration0002: Migration = {
  version: 2,
  description: 'index of time-driven transfers by member and period key',
  up(db) {
    db.exec('CREATE INDEX transfers_member_id_period_kind_period ON transfers (member_id, period_kind, period) WHERE period IS NOT NULL');
  },
};

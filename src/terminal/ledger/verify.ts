/**
 * `verify` recomputes the ledger from its transfers and checks every invariant, naming each
 * problem precisely: cached balances, balanced units, the gap-free sequence per (terminal, epoch),
 * lots against balances and transfers, deterministic ids of time-driven entries, and the outbox.
 */
import { deterministicUuid } from '../../core/ids.js';
import { accountUnit, periodKeyText } from '../../core/ledger-model.js';
import type { SqliteDatabase } from './sqlite.js';

export interface VerifyReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly counts: { readonly members: number; readonly transfers: number; readonly lots: number; readonly outboxPending: number };
}

const LIMIT = 50;

export function verifyLedger(db: SqliteDatabase): VerifyReport {
  const problems: string[] = [];
  const report = (rows: readonly unknown[], describe: (row: never) => string): void => {
    for (const row of rows.slice(0, LIMIT)) problems.push(describe(row as never));
    if (rows.length > LIMIT) problems.push(`… and ${rows.length - LIMIT} more like the last`);
  };
  const all = <T>(sql: string): T[] => db.prepare(sql).all() as T[];

  // Cached balances against a recomputation from transfers.
  report(
    all<{ id: string; balance: number; computed: number }>(`
      SELECT a.id, a.balance, coalesce(c.total, 0) - coalesce(d.total, 0) AS computed
      FROM accounts a
      LEFT JOIN (SELECT credit_account AS id, sum(amount) AS total FROM transfers GROUP BY credit_account) c ON c.id = a.id
      LEFT JOIN (SELECT debit_account AS id, sum(amount) AS total FROM transfers GROUP BY debit_account) d ON d.id = a.id
      WHERE a.balance <> coalesce(c.total, 0) - coalesce(d.total, 0)`),
    (r: { id: string; balance: number; computed: number }) => `account ${r.id}: cached balance ${r.balance}, transfers say ${r.computed}`,
  );
  report(
    // Below zero only through another counter's spending pulled from the server (two counters spent
    // the same points offline); this terminal never books a member below zero itself.
    all<{ id: string; balance: number }>(
      `SELECT a.id, a.balance FROM accounts a WHERE a.kind = 'member-points' AND a.balance < 0
       AND NOT EXISTS (SELECT 1 FROM transfers t WHERE t.debit_account = a.id AND t.pulled = 1)`,
    ),
    (r: { id: string; balance: number }) => `account ${r.id}: negative balance ${r.balance}`,
  );
  // Debits equal credits: every unit's balances sum to zero.
  report(
    all<{ unit: string; total: number }>(`SELECT unit, sum(balance) AS total FROM accounts GROUP BY unit HAVING sum(balance) <> 0`),
    (r: { unit: string; total: number }) => `${r.unit}: account balances add up to ${r.total}, not 0 (debits and credits differ)`,
  );
  // Each transfer moves one unit between two accounts of that unit.
  const accounts = new Map(all<{ id: string; unit: string }>('SELECT id, unit FROM accounts').map((a) => [a.id, a.unit]));
  for (const [id, unit] of accounts) if (accountUnit(id) !== unit) problems.push(`account ${id}: unit ${unit}, expected ${accountUnit(id)}`);
  report(
    all<{ id: string; unit: string; debit_account: string; credit_account: string }>('SELECT id, unit, debit_account, credit_account FROM transfers').filter(
      (t) => accounts.get(t.debit_account) !== t.unit || accounts.get(t.credit_account) !== t.unit,
    ),
    (t: { id: string; unit: string; debit_account: string; credit_account: string }) => `transfer ${t.id}: moves ${t.unit} between ${t.debit_account} and ${t.credit_account} of another unit`,
  );

  // A gap-free sequence per (terminal, epoch), starting at 1.
  report(
    all<{ terminal_id: string; epoch: number; n: number; lo: number; hi: number }>(`
      SELECT terminal_id, epoch, count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM transfers
      -- This terminal's own bookings. Its entries pulled back after a restore may leave holes: where
      -- the server kept another counter's copy of a once-only entry (same id), that copy came back.
      WHERE (store_id, terminal_id) = (SELECT store_id, terminal_id FROM terminal) AND pulled = 0
      GROUP BY terminal_id, epoch HAVING min(seq) <> 1 OR max(seq) <> count(*)`),
    (r: { terminal_id: string; epoch: number; n: number; lo: number; hi: number }) =>
      `terminal ${r.terminal_id} epoch ${r.epoch}: ${r.n} transfers numbered ${r.lo}…${r.hi}, the sequence has gaps`,
  );
  const terminal = db.prepare('SELECT terminal_id, epoch, next_seq FROM terminal WHERE singleton = 1').get() as { terminal_id: string; epoch: number; next_seq: number } | undefined;
  if (terminal) {
    const last = db.prepare('SELECT coalesce(max(seq), 0) FROM transfers WHERE terminal_id = ? AND epoch = ?').pluck().get(terminal.terminal_id, terminal.epoch) as number;
    if (terminal.next_seq !== last + 1) problems.push(`terminal ${terminal.terminal_id}: next sequence number is ${terminal.next_seq}, expected ${last + 1}`);
  }

  // Lots: remaining = points − draws; open lots add up to the member's balance; transfers match their lots.
  report(
    all<{ id: string; remaining: number; computed: number }>(`
      SELECT l.id, l.remaining, l.points - coalesce(sum(d.points), 0) AS computed
      FROM lots l LEFT JOIN lot_draws d ON d.lot_id = l.id GROUP BY l.id HAVING l.remaining <> l.points - coalesce(sum(d.points), 0)`),
    (r: { id: string; remaining: number; computed: number }) => `lot ${r.id}: remaining ${r.remaining}, draws say ${r.computed}`,
  );
  report(
    all<{ id: string; balance: number; lots: number }>(`
      SELECT a.id, a.balance, coalesce(l.lots, 0) AS lots
      FROM accounts a LEFT JOIN (SELECT member_id, sum(remaining) AS lots FROM lots GROUP BY member_id) l ON l.member_id = a.member_id
      WHERE a.kind = 'member-points' AND a.balance <> coalesce(l.lots, 0)`),
    (r: { id: string; balance: number; lots: number }) => `account ${r.id}: balance ${r.balance} but open lots hold ${r.lots}`,
  );
  report(
    all<{ id: string; amount: number; granted: number }>(`
      SELECT t.id, t.amount, coalesce(sum(l.points), 0) AS granted FROM transfers t LEFT JOIN lots l ON l.transfer_id = t.id
      WHERE t.credit_account LIKE 'member:%' GROUP BY t.id HAVING t.amount <> coalesce(sum(l.points), 0)`),
    (r: { id: string; amount: number; granted: number }) => `transfer ${r.id}: credits ${r.amount} points but opened lots of ${r.granted}`,
  );
  report(
    all<{ id: string; amount: number; drawn: number }>(`
      SELECT t.id, t.amount, coalesce(sum(d.points), 0) AS drawn FROM transfers t LEFT JOIN lot_draws d ON d.transfer_id = t.id
      WHERE t.debit_account LIKE 'member:%' GROUP BY t.id HAVING t.amount <> coalesce(sum(d.points), 0)`),
    (r: { id: string; amount: number; drawn: number }) => `transfer ${r.id}: debits ${r.amount} points but drew ${r.drawn} from lots`,
  );
  report(
    all<{ lot_id: string; transfer_id: string }>(`
      SELECT d.lot_id, d.transfer_id FROM lot_draws d JOIN lots l ON l.id = d.lot_id JOIN transfers t ON t.id = d.transfer_id
      WHERE t.debit_account <> 'member:' || l.member_id`),
    (r: { lot_id: string; transfer_id: string }) => `lot ${r.lot_id}: drawn by transfer ${r.transfer_id}, which does not debit the lot's member`,
  );
  report(
    all<{ id: string }>(`SELECT l.id FROM lots l JOIN transfers t ON t.id = l.transfer_id WHERE t.credit_account <> 'member:' || l.member_id`),
    (r: { id: string }) => `lot ${r.id}: opened by a transfer that does not credit the lot's member`,
  );

  // Time-driven entries carry the id their business key determines, everywhere.
  const periodic = all<{ id: string; member_id: string; period_kind: string; period: string }>('SELECT id, member_id, period_kind, period FROM transfers WHERE period IS NOT NULL');
  report(
    periodic.filter((t) => t.id !== deterministicUuid(periodKeyText(t.member_id, t.period_kind, t.period))),
    (t: { id: string; period_kind: string; period: string }) => `transfer ${t.id}: id does not match its key ${t.period_kind}@${t.period}`,
  );

  // Outbox: every booked row has one, and no row points at nothing.
  for (const [entity, table] of [
    ['transfer', 'transfers'],
    ['transaction', 'transactions'],
    ['event', 'events'],
    ['member', 'members'],
  ] as const) {
    report(
      all<{ entity_id: string }>(`SELECT o.entity_id FROM outbox o WHERE o.entity = '${entity}' AND NOT EXISTS (SELECT 1 FROM ${table} x WHERE x.id = o.entity_id)`),
      (r: { entity_id: string }) => `outbox: row for ${entity} ${r.entity_id}, which does not exist`,
    );
    report(
      // Rows pulled from the server are there already (a pulled member changed here has one since).
      all<{ id: string }>(
        `SELECT x.id FROM ${table} x WHERE x.pulled = 0 AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.entity = '${entity}' AND o.entity_id = x.id)`,
      ),
      (r: { id: string }) => `${entity} ${r.id}: has no outbox row, it would never reach the server`,
    );
  }

  const count = (sql: string): number => db.prepare(sql).pluck().get() as number;
  return {
    ok: problems.length === 0,
    problems,
    counts: {
      members: count('SELECT count(*) FROM members'),
      transfers: count('SELECT count(*) FROM transfers'),
      lots: count('SELECT count(*) FROM lots'),
      outboxPending: count('SELECT count(*) FROM outbox WHERE acked_at IS NULL'),
    },
  };
}

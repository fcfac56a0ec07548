/**
 * The ledger checks behind `verify()`, written once in SQL both stores run (only portable SQL:
 * `substr`, `||`, `CASE`, `FULL OUTER JOIN`, grouped aggregates). Program-wide accounts (issuance,
 * redeemed, a store's risk account, …) are never kept as balance rows — one hot row every push would
 * contend on — so they are computed here by aggregating the journal.
 */
import { MONEY_PROGRAM_ACCOUNTS } from '../../core/ledger-model.js';
import { int, intOrNull, text, type Row } from './rows.js';

export interface VerifyCheck {
  readonly sql: string;
  readonly describe: (row: Row) => string;
  /** What it finds is an overdraft (allowed, bounded, reported), not a broken invariant. */
  readonly overdraft?: boolean;
}

/** At most this many problems are named per check. */
export const VERIFY_LIMIT = 50;

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const isSpend = (col: string): string => `substr(${col}, 1, 13) = 'member-spend:'`;
const isMember = (col: string): string => `(substr(${col}, 1, 7) = 'member:' OR ${isSpend(col)})`;
const unitOf = (col: string): string => `CASE WHEN ${isSpend(col)} OR ${col} IN (${MONEY_PROGRAM_ACCOUNTS.map(quote).join(', ')}) THEN 'money' ELSE 'points' END`;

const journal = (where: (col: string) => string): string => `
  SELECT credit_account AS account, amount AS delta FROM transfers WHERE ${where('credit_account')}
  UNION ALL
  SELECT debit_account AS account, -amount AS delta FROM transfers WHERE ${where('debit_account')}`;

const allSequenceRows = `SELECT store_id, terminal_id, epoch, seq FROM transfers UNION ALL SELECT store_id, terminal_id, epoch, seq FROM resent_transfers`;

export const VERIFY_CHECKS: readonly VerifyCheck[] = [
  {
    // Each transfer moves one unit between two accounts of that unit.
    sql: `SELECT member_id, id, unit, debit_account, credit_account FROM transfers WHERE unit <> ${unitOf('debit_account')} OR unit <> ${unitOf('credit_account')}`,
    describe: (r) => `transfer ${text(r, 'id')} (member ${text(r, 'member_id')}): moves ${text(r, 'unit')} between ${text(r, 'debit_account')} and ${text(r, 'credit_account')}, accounts of another unit`,
  },
  {
    // Every unit balances: all accounts' balances (credits − debits, from the journal) add up to 0.
    sql: `SELECT unit, sum(balance) AS total FROM (
            SELECT ${unitOf('account')} AS unit, sum(delta) AS balance FROM (${journal(() => '1 = 1')}) j GROUP BY account
          ) a GROUP BY unit HAVING sum(balance) <> 0`,
    describe: (r) => `${text(r, 'unit')}: account balances add up to ${int(r, 'total')}, not 0 (debits and credits differ)`,
  },
  {
    // Cached member balances equal the journal. One pass over both (a UNION, not a FULL JOIN against
    // an aggregate, which SQLite runs as a nested scan: 13 s at 100,000 transfers instead of 0.1 s).
    sql: `SELECT account, sum(cached) AS cached, sum(delta) AS journal FROM (
            SELECT account, balance AS cached, NULL AS delta FROM member_balances
            UNION ALL
            SELECT account, NULL AS cached, delta FROM (${journal(isMember)}) j
          ) x GROUP BY account HAVING coalesce(sum(cached), 0) <> coalesce(sum(delta), 0)`,
    describe: (r) => `account ${text(r, 'account')}: cached balance ${intOrNull(r, 'cached') ?? 'none'}, transfers say ${intOrNull(r, 'journal') ?? 0}`,
  },
  {
    // Per (terminal, epoch): the transfers held plus the seqs used by resends are exactly 1 … last_seq.
    sql: `SELECT s.store_id, s.terminal_id, s.epoch, s.last_seq, count(x.seq) AS n, count(DISTINCT x.seq) AS distinct_n, min(x.seq) AS lo, max(x.seq) AS hi
          FROM terminal_sequences s
          LEFT JOIN (${allSequenceRows}) x ON x.store_id = s.store_id AND x.terminal_id = s.terminal_id AND x.epoch = s.epoch
          GROUP BY s.store_id, s.terminal_id, s.epoch, s.last_seq
          HAVING count(x.seq) <> s.last_seq OR count(DISTINCT x.seq) <> s.last_seq OR coalesce(min(x.seq), 1) <> 1 OR coalesce(max(x.seq), 0) <> s.last_seq`,
    describe: (r) =>
      `terminal ${text(r, 'store_id')}/${text(r, 'terminal_id')} epoch ${int(r, 'epoch')}: last seq ${int(r, 'last_seq')}, but ${int(r, 'n')} seqs held ` +
      `(${int(r, 'distinct_n')} distinct, ${intOrNull(r, 'lo') ?? '-'}…${intOrNull(r, 'hi') ?? '-'}): the sequence has gaps or repeats`,
  },
  {
    sql: `SELECT DISTINCT x.store_id, x.terminal_id, x.epoch FROM (${allSequenceRows}) x
          LEFT JOIN terminal_sequences s ON s.store_id = x.store_id AND s.terminal_id = x.terminal_id AND s.epoch = x.epoch
          WHERE s.epoch IS NULL`,
    describe: (r) => `terminal ${text(r, 'store_id')}/${text(r, 'terminal_id')} epoch ${int(r, 'epoch')}: transfers held but no sequence recorded`,
  },
  {
    sql: `SELECT l.member_id, l.id, l.remaining, l.points - coalesce(d.drawn, 0) AS computed FROM lots l
          LEFT JOIN (SELECT member_id, lot_id, sum(points) AS drawn FROM lot_draws GROUP BY member_id, lot_id) d ON d.member_id = l.member_id AND d.lot_id = l.id
          WHERE l.remaining <> l.points - coalesce(d.drawn, 0)`,
    describe: (r) => `lot ${text(r, 'id')} (member ${text(r, 'member_id')}): remaining ${int(r, 'remaining')}, draws say ${int(r, 'computed')}`,
  },
  {
    // Two terminals offline may draw the same points; the server keeps both draws and says so. Not
    // a broken invariant: the risk the offline budgets bound (tally-server risk), listed apart.
    overdraft: true,
    sql: `SELECT member_id, id, remaining FROM lots WHERE remaining < 0`,
    describe: (r) => `lot ${text(r, 'id')} (member ${text(r, 'member_id')}): overdrawn by ${-int(r, 'remaining')} points`,
  },
  {
    sql: `SELECT d.member_id, d.lot_id, d.transfer_id FROM lot_draws d LEFT JOIN lots l ON l.member_id = d.member_id AND l.id = d.lot_id WHERE l.id IS NULL`,
    describe: (r) => `transfer ${text(r, 'transfer_id')}: draws from lot ${text(r, 'lot_id')} of member ${text(r, 'member_id')}, which the server does not hold (yet)`,
  },
  {
    sql: `SELECT t.member_id, t.id, t.amount, coalesce(g.granted, 0) AS granted FROM transfers t
          LEFT JOIN (SELECT member_id, transfer_id, sum(points) AS granted FROM lots GROUP BY member_id, transfer_id) g ON g.member_id = t.member_id AND g.transfer_id = t.id
          WHERE t.credit_account = 'member:' || t.member_id AND t.amount <> coalesce(g.granted, 0)`,
    describe: (r) => `transfer ${text(r, 'id')} (member ${text(r, 'member_id')}): credits ${int(r, 'amount')} points but opened lots of ${int(r, 'granted')}`,
  },
  {
    sql: `SELECT l.member_id, l.id, l.transfer_id FROM lots l LEFT JOIN transfers t ON t.member_id = l.member_id AND t.id = l.transfer_id
          WHERE t.id IS NULL OR t.credit_account <> 'member:' || l.member_id`,
    describe: (r) => `lot ${text(r, 'id')} (member ${text(r, 'member_id')}): opened by transfer ${text(r, 'transfer_id')}, which does not credit the member's points`,
  },
  {
    sql: `SELECT t.member_id, t.id, t.amount, coalesce(d.drawn, 0) AS drawn FROM transfers t
          LEFT JOIN (SELECT member_id, transfer_id, sum(points) AS drawn FROM lot_draws GROUP BY member_id, transfer_id) d ON d.member_id = t.member_id AND d.transfer_id = t.id
          WHERE t.debit_account = 'member:' || t.member_id AND t.amount <> coalesce(d.drawn, 0)`,
    describe: (r) => `transfer ${text(r, 'id')} (member ${text(r, 'member_id')}): debits ${int(r, 'amount')} points but drew ${int(r, 'drawn')} from lots`,
  },
  {
    sql: `SELECT d.member_id, d.lot_id, d.transfer_id FROM lot_draws d LEFT JOIN transfers t ON t.member_id = d.member_id AND t.id = d.transfer_id
          WHERE t.id IS NULL OR t.debit_account <> 'member:' || d.member_id`,
    describe: (r) => `lot ${text(r, 'lot_id')} (member ${text(r, 'member_id')}): drawn by transfer ${text(r, 'transfer_id')}, which does not debit the member's points`,
  },
  {
    sql: `SELECT b.member_id, b.balance, coalesce(l.open_points, 0) AS open_points FROM member_balances b
          LEFT JOIN (SELECT member_id, sum(remaining) AS open_points FROM lots GROUP BY member_id) l ON l.member_id = b.member_id
          WHERE b.account = 'member:' || b.member_id AND b.balance <> coalesce(l.open_points, 0)`,
    describe: (r) => `member ${text(r, 'member_id')}: balance ${int(r, 'balance')} but open lots hold ${int(r, 'open_points')}`,
  },
];

/** Each check's SQL, limited so a badly broken ledger names a readable number of problems. */
export const VERIFY_QUERIES: readonly string[] = VERIFY_CHECKS.map((c) => `${c.sql}\nLIMIT ${VERIFY_LIMIT + 1}`);

/** The problems named by the rows each of VERIFY_QUERIES returned (in the same order). */
export function verifyReport(rowsPerCheck: readonly (readonly Row[])[]): { ok: boolean; problems: string[]; overdrafts: string[] } {
  const problems: string[] = [];
  const overdrafts: string[] = [];
  VERIFY_CHECKS.forEach((check, i) => {
    const rows = rowsPerCheck[i] ?? [];
    const into = check.overdraft === true ? overdrafts : problems;
    for (const row of rows.slice(0, VERIFY_LIMIT)) into.push(check.describe(row));
    if (rows.length > VERIFY_LIMIT) into.push('… and more like the last');
  });
  return { ok: problems.length === 0, problems, overdrafts };
}

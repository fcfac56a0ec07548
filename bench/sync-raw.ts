/**
 * The raw baseline of the push benchmark: the rows a push left in the server's database, read back
 * and written into a fresh database of the same kind and schema (the store's own migrations: same
 * keys, indexes and triggers, same durability settings) by plain multi-row INSERTs, one transaction
 * per push batch holding exactly that batch's rows — no HTTP, no JSON, no validation, no hashing,
 * no exists-checks. Member balances are added per batch with one multi-row upsert (what any writer
 * of these rows must do), the terminal's sequence row is moved once per batch.
 *
 * The benchmark alternates: a block of pushes, then the same block's rows raw (bench/sync-push.ts),
 * so both see the same disk and machine (fsync latency and other load drift by tens of percent over
 * a minute on a shared machine). `RawSide.read` (untimed) fetches a block's rows from the server's
 * database; `RawSide.write` writes them and is what the baseline's clock measures.
 */
import pg from 'pg';
import { openServerSqlite, type SqliteDatabase, type SqliteStatement } from '../src/server/store/sqlite/driver.js';

export interface TableRows {
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
  /** `ON CONFLICT …` clause (an upsert), or none: a plain INSERT. */
  readonly conflict?: string;
}

/** One push batch's rows, in the order the push writes them. */
export type RawBatch = readonly TableRows[];

/** What one push batch carried (ids per entity), recorded from the terminal's requests. */
export interface BatchKeys {
  readonly transfers: readonly string[];
  readonly transactions: readonly string[];
  readonly events: readonly string[];
  readonly members: readonly string[];
}

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** The member-keyed tables a push writes. */
export const PUSHED_TABLES = ['transactions', 'transfers', 'lots', 'lot_draws', 'events', 'members', 'member_cards', 'card_index'] as const;
export type PushedTable = (typeof PUSHED_TABLES)[number];
export type PushedTables = Readonly<Record<PushedTable, Table>>;

/** Which column ties a table's rows to a batch item, and which of the batch's ids it holds. */
const KEY: Readonly<Record<PushedTable, { readonly column: string; readonly ids: keyof BatchKeys }>> = {
  transactions: { column: 'id', ids: 'transactions' },
  transfers: { column: 'id', ids: 'transfers' },
  lots: { column: 'transfer_id', ids: 'transfers' },
  lot_draws: { column: 'transfer_id', ids: 'transfers' },
  events: { column: 'id', ids: 'events' },
  members: { column: 'member_id', ids: 'members' },
  member_cards: { column: 'member_id', ids: 'members' },
  card_index: { column: 'member_id', ids: 'members' },
};

function index(table: Table, column: string): Map<string, (readonly unknown[])[]> {
  const at = table.columns.indexOf(column);
  if (at < 0) throw new Error(`no column ${column}`);
  const map = new Map<string, (readonly unknown[])[]>();
  for (const row of table.rows) {
    const key = String(row[at]);
    const list = map.get(key);
    if (list) list.push(row);
    else map.set(key, [row]);
  }
  return map;
}

const MEMBER_ACCOUNT = /^member(-spend)?:/;

/**
 * Turns blocks of pushed rows into raw transactions, one per push batch. A member pushed in several
 * batches (a later version) is written once, in the first.
 */
export class RawPlanner {
  private readonly seenMembers = new Set<string>();

  constructor(private readonly place: { readonly storeId: string; readonly terminalId: string; readonly epoch: number }) {}

  plan(pushed: PushedTables, batches: readonly BatchKeys[], now: number): { readonly batches: RawBatch[]; readonly rows: number } {
    const byKey = Object.fromEntries(PUSHED_TABLES.map((t) => [t, index(pushed[t], KEY[t].column)])) as Record<PushedTable, Map<string, (readonly unknown[])[]>>;
    const col = (name: string): number => pushed.transfers.columns.indexOf(name);
    const [tAmount, tDebit, tCredit, tSeq] = [col('amount'), col('debit_account'), col('credit_account'), col('seq')];
    let rows = 0;
    const plan = batches.map((b): RawBatch => {
      const pick = (table: PushedTable, keys: readonly string[]): TableRows => ({ table, columns: pushed[table].columns, rows: keys.flatMap((k) => byKey[table].get(k) ?? []) });
      const members = b.members.filter((m) => !this.seenMembers.has(m));
      for (const m of members) this.seenMembers.add(m);
      const transfers = pick('transfers', b.transfers);
      const deltas = new Map<string, number>();
      let lastSeq = 0;
      for (const t of transfers.rows) {
        const amount = Number(t[tAmount]);
        const debit = String(t[tDebit]);
        const credit = String(t[tCredit]);
        if (MEMBER_ACCOUNT.test(credit)) deltas.set(credit, (deltas.get(credit) ?? 0) + amount);
        if (MEMBER_ACCOUNT.test(debit)) deltas.set(debit, (deltas.get(debit) ?? 0) - amount);
        lastSeq = Math.max(lastSeq, Number(t[tSeq]));
      }
      const balances = [...deltas].sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0)).map(([account, delta]) => [account.replace(MEMBER_ACCOUNT, ''), account, delta] as const);
      const batch: TableRows[] = [
        pick('transactions', b.transactions),
        transfers,
        pick('lots', b.transfers),
        pick('lot_draws', b.transfers),
        { table: 'member_balances', columns: ['member_id', 'account', 'balance'], rows: balances, conflict: 'ON CONFLICT (member_id, account) DO UPDATE SET balance = member_balances.balance + excluded.balance' },
        pick('events', b.events),
        pick('members', members),
        pick('member_cards', members),
        pick('card_index', members),
        {
          table: 'terminal_sequences',
          columns: ['store_id', 'terminal_id', 'epoch', 'last_seq', 'updated_at'],
          rows: lastSeq > 0 ? [[this.place.storeId, this.place.terminalId, this.place.epoch, lastSeq, now]] : [],
          conflict: 'ON CONFLICT (store_id, terminal_id, epoch) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at',
        },
      ].filter((t) => t.rows.length > 0);
      rows += batch.reduce((s, t) => s + t.rows.length, 0);
      return batch;
    });
    return { batches: plan, rows };
  }
}

function insertSql(t: TableRows, count: number, placeholder: (n: number) => string): string {
  const width = t.columns.length;
  const values = Array.from({ length: count }, (_, r) => `(${t.columns.map((_c, c) => placeholder(r * width + c + 1)).join(', ')})`).join(', ');
  return `INSERT INTO ${t.table} (${t.columns.join(', ')}) VALUES ${values}${t.conflict ? ` ${t.conflict}` : ''}`;
}

/** SQLite's bound-parameter limit (SQLITE_MAX_VARIABLE_NUMBER, 32,766 since 3.32). */
const SQLITE_MAX_PARAMS = 32_766;
/** PostgreSQL's bind message carries at most 65,535 parameters. */
const PG_MAX_PARAMS = 65_535;
const MAX_ROWS_PER_STATEMENT = 500;

function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

const idsOf = (batches: readonly BatchKeys[], which: keyof BatchKeys): string[] => [...new Set(batches.flatMap((b) => b[which]))];

export interface RawSide {
  /** The rows the push left on the server for these batches (untimed). */
  read(batches: readonly BatchKeys[]): Promise<PushedTables>;
  /** Writes the plan into the raw database, one transaction per batch; the time of the writes alone, in ns. */
  write(plan: readonly RawBatch[]): Promise<bigint>;
  close(): Promise<void>;
}

/** Reads the server's SQLite file (WAL: beside the running server) and writes a migrated raw file with the same driver and pragmas. */
export function sqliteRawSide(serverPath: string, rawPath: string): RawSide {
  const server = openServerSqlite(serverPath);
  const raw: SqliteDatabase = openServerSqlite(rawPath);
  const cache = new Map<string, SqliteStatement>();
  const stmt = (t: TableRows, count: number): SqliteStatement => {
    const key = `${t.table}:${count}`;
    let s = cache.get(key);
    if (!s) {
      s = raw.prepare(insertSql(t, count, () => '?'));
      cache.set(key, s);
    }
    return s;
  };
  const parts = (t: TableRows): (readonly unknown[])[][] => chunks(t.rows, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(SQLITE_MAX_PARAMS / t.columns.length)));
  const write = raw.transaction((batch: RawBatch) => {
    for (const t of batch) for (const part of parts(t)) stmt(t, part.length).run(part.flat());
  });
  return {
    async read(batches) {
      return Object.fromEntries(
        PUSHED_TABLES.map((table) => {
          const s = server.prepare(`SELECT * FROM ${table} WHERE ${KEY[table].column} IN (SELECT value FROM json_each(?))`).raw();
          return [table, { columns: s.columns().map((c) => c.name), rows: s.all(JSON.stringify(idsOf(batches, KEY[table].ids))) as unknown[][] }];
        }),
      ) as unknown as PushedTables;
    },
    async write(plan) {
      // Statements are prepared before the clock starts: preparing is not writing.
      for (const batch of plan) for (const t of batch) for (const part of parts(t)) stmt(t, part.length);
      const started = process.hrtime.bigint();
      for (const batch of plan) write.immediate(batch);
      return process.hrtime.bigint() - started;
    },
    async close() {
      server.close();
      raw.close();
    },
  };
}

/** Reads the server's PostgreSQL database and writes a migrated raw one, over one connection each. */
export async function postgresRawSide(serverUrl: string, rawUrl: string): Promise<RawSide> {
  const server = new pg.Client({ connectionString: serverUrl });
  const raw = new pg.Client({ connectionString: rawUrl });
  await server.connect();
  await raw.connect();
  const columns = new Map<string, { readonly names: string[]; readonly select: string }>();
  for (const table of PUSHED_TABLES) {
    // Columns the database fills itself (defaults: change stamps) are left to it, as the push leaves them.
    const cols = await server.query<{ column_name: string; udt_name: string }>(
      'SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_default IS NULL ORDER BY ordinal_position',
      [table],
    );
    // JSON as its text: it goes back in as the same text.
    columns.set(table, { names: cols.rows.map((c) => c.column_name), select: cols.rows.map((c) => (c.udt_name === 'jsonb' ? `${c.column_name}::text` : c.column_name)).join(', ') });
  }
  return {
    async read(batches) {
      const out: Record<string, Table> = {};
      for (const table of PUSHED_TABLES) {
        const c = columns.get(table)!;
        const result = await server.query({ text: `SELECT ${c.select} FROM ${table} WHERE ${KEY[table].column} = ANY($1::text[])`, values: [idsOf(batches, KEY[table].ids)], rowMode: 'array' });
        out[table] = { columns: c.names, rows: result.rows as unknown[][] };
      }
      return out as unknown as PushedTables;
    },
    async write(plan) {
      const started = process.hrtime.bigint();
      for (const batch of plan) {
        await raw.query('BEGIN');
        for (const t of batch) {
          for (const part of chunks(t.rows, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(PG_MAX_PARAMS / t.columns.length)))) {
            // Named: parsed and planned once per shape, as an application's prepared statement would be.
            await raw.query({ name: `raw-${t.table}-${part.length}`, text: insertSql(t, part.length, (n) => `$${n}`), values: part.flat() });
          }
        }
        await raw.query('COMMIT');
      }
      return process.hrtime.bigint() - started;
    },
    async close() {
      await server.end();
      await raw.end();
    },
  };
}

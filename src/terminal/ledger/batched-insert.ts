/**
 * Many rows per INSERT statement, for a bulk load (./bootstrap.ts). Binding, stepping and resetting
 * a statement, and the result object better-sqlite3 makes for it, cost about as much as writing a
 * small row: a statement that carries fifty rows pays that once for the fifty.
 *
 * The caller gives one row's VALUES term (`(?, ?, 1)`; an expression may use a value twice, when
 * the caller binds it twice) and the statement around the VALUES list. Rows keep their order, and a
 * conflict clause acts on each row as it would for a statement per row; what the caller learns is
 * how many rows the statements changed, not which. (Not `INSERT … SELECT … FROM (VALUES …)`: SQLite
 * keeps a statement journal for that form even for one row, which costs more than it saves.)
 */
import type { SqliteDatabase, SqliteStatement } from './sqlite.js';

/** What one statement did: it carried `rows` rows, `changes` of them went in, the last with rowid `lastRowid`. */
export interface BatchWritten {
  readonly rows: number;
  readonly changes: number;
  readonly lastRowid: number;
}

export class BatchedInsert {
  private readonly values: unknown[] = [];
  private readonly columns: number;
  private pending = 0;
  private changed = 0;
  private readonly statements = new Map<number, SqliteStatement>();

  /**
   * `row` is one row's VALUES term, `sql(values)` the whole statement around a list of them; the
   * values `rowsPerStatement` rows bind must stay below SQLite's limit (32,766). `onWrite`, when
   * given, hears of each statement as soon as it ran (before `add` or `flush` returns), for a caller
   * that must know which of its rows went in (in a rowid table new rows take the rowids up to
   * `lastRowid`, in order).
   */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly row: string,
    private readonly sql: (values: string) => string,
    private readonly rowsPerStatement: number,
    private readonly onWrite?: (written: BatchWritten) => void,
  ) {
    this.columns = row.split('?').length - 1;
    if (this.columns * rowsPerStatement > 32_766) throw new Error(`${rowsPerStatement} rows of ${this.columns} values are more than one statement may bind`);
  }

  /** Queues one row (its values in the order of the row term's `?`s); a full batch is written at once. */
  add(...values: unknown[]): void {
    if (values.length !== this.columns) throw new Error(`${values.length} values for a row of ${this.columns}`);
    for (const value of values) this.values.push(value);
    this.pending += 1;
    if (this.pending === this.rowsPerStatement) this.write();
  }

  /** Writes what is queued; returns how many rows changed since the last call. */
  flush(): number {
    if (this.pending > 0) this.write();
    const changed = this.changed;
    this.changed = 0;
    return changed;
  }

  private write(): void {
    const rows = this.pending;
    const result = this.statement(rows).run(this.values);
    this.changed += result.changes;
    this.values.length = 0;
    this.pending = 0;
    this.onWrite?.({ rows, changes: result.changes, lastRowid: Number(result.lastInsertRowid) });
  }

  private statement(rows: number): SqliteStatement {
    let statement = this.statements.get(rows);
    if (!statement) {
      statement = this.db.prepare(this.sql(Array.from({ length: rows }, () => this.row).join(', ')));
      this.statements.set(rows, statement);
    }
    return statement;
  }
}

/**
 * Reading database rows without trusting them: each value is checked against the type the column
 * should hold, so a schema drift fails loudly at the boundary instead of spreading `unknown`.
 * PostgreSQL hands `bigint` and `numeric` (sums) back as strings; they are converted here, and
 * refused if they do not fit a JavaScript safe integer.
 */

export type Row = Readonly<Record<string, unknown>>;

function fail(column: string, expected: string, value: unknown): never {
  throw new TypeError(`database column ${column}: expected ${expected}, got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value)}`);
}

export function text(row: Row, column: string): string {
  const v = row[column];
  return typeof v === 'string' ? v : fail(column, 'text', v);
}

export function textOrNull(row: Row, column: string): string | null {
  const v = row[column];
  return v === null ? null : text(row, column);
}

const INTEGER = /^-?\d+$/;

export function int(row: Row, column: string): number {
  const v = row[column];
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'string' && INTEGER.test(v)) n = Number(v);
  else return fail(column, 'an integer', v);
  return Number.isSafeInteger(n) ? n : fail(column, 'a safe integer', v);
}

export function intOrNull(row: Row, column: string): number | null {
  return row[column] === null ? null : int(row, column);
}

export function bytes(row: Row, column: string): Buffer {
  const v = row[column];
  return Buffer.isBuffer(v) ? v : v instanceof Uint8Array ? Buffer.from(v) : fail(column, 'bytes', v);
}

/** A JSON column, read as text on both stores (PostgreSQL queries select `jsonb_column::text`). */
export function json(row: Row, column: string): unknown {
  return JSON.parse(text(row, column)) as unknown;
}

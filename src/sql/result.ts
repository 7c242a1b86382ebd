/**
 * A query's answer, column by column, with each column's type as the engine
 * declared it (not guessed from the values): the same query gives the same schema
 * every run, a 0-row answer keeps its columns, and two columns may share a name
 * (`SELECT a, a`). Renderers read it; nothing turns it into row objects.
 */
import type { Table, Vector } from 'apache-arrow';
import type { ColumnSpec } from '../extensions/contract.js';

/**
 * - int32: number; int64, int128: bigint; float64: number;
 * - decimal: exact decimal text (precision and scale on the column);
 * - bool; string; timestamp: Date (UTC); date: Date at UTC midnight;
 * - json: JSON text; bigint: an exact integer of any size as a bigint (js tables
 *   whose integers outgrow 64 bits; Arrow output writes them as decimal text);
 * - text: a value the engine has no closer type for here (intervals, times, blobs), as text;
 * - null: every value is NULL.
 */
export type ResultType = 'int32' | 'int64' | 'int128' | 'float64' | 'decimal' | 'bool' | 'string' | 'timestamp' | 'date' | 'json' | 'bigint' | 'text' | 'null';

export interface ResultColumn {
  name: string;
  type: ResultType;
  /** The engine's own name for the type (DOUBLE, DECIMAL(18,3), VARCHAR[], …), for describe and errors. */
  sqlType: string;
  precision?: number;
  scale?: number;
  /** One value per row; null is NULL. */
  values: ArrayLike<unknown>;
}

export interface ResultTable {
  columns: ResultColumn[];
  rowCount: number;
  /** The collected Arrow table it was read from, column for column (`SELECT * FROM <one table>`): -f arrow writes its buffers. */
  arrow?: Table;
}

/** A column's value at a row, with NULL as null (never undefined). */
export function valueAt(column: ResultColumn, row: number): unknown {
  const v = column.values[row];
  return v === undefined ? null : v;
}

/** Field metadata key set by tables/from-payload.ts: the kind of value a column holds. */
const KIND_KEY = 'probing.kind';

const TYPE_OF_KIND: Record<string, { type: ResultType; sqlType: string }> = {
  int: { type: 'int64', sqlType: 'BIGINT' },
  float: { type: 'float64', sqlType: 'DOUBLE' },
  bool: { type: 'bool', sqlType: 'BOOLEAN' },
  string: { type: 'string', sqlType: 'VARCHAR' },
  bigint: { type: 'bigint', sqlType: 'HUGEINT' },
  timestamp: { type: 'timestamp', sqlType: 'TIMESTAMP WITH TIME ZONE' },
  json: { type: 'json', sqlType: 'JSON' },
  null: { type: 'null', sqlType: 'NULL' },
};

/** Declared column types as the DuckDB engine loads them, so that SELECT * and SELECT col agree. */
const TYPE_OF_DECLARED: Record<ColumnSpec['type'], { type: ResultType; sqlType: string }> = {
  integer: { type: 'int64', sqlType: 'BIGINT' },
  float: { type: 'float64', sqlType: 'DOUBLE' },
  boolean: { type: 'bool', sqlType: 'BOOLEAN' },
  string: { type: 'string', sqlType: 'VARCHAR' },
  bigint: { type: 'int128', sqlType: 'HUGEINT' },
  timestamp: { type: 'timestamp', sqlType: 'TIMESTAMP WITH TIME ZONE' },
  json: { type: 'json', sqlType: 'JSON' },
  null: { type: 'null', sqlType: 'NULL' },
};

function columnValues(vector: Vector, kind: string, type: ResultType): unknown[] {
  const out = new Array<unknown>(vector.length);
  for (let i = 0; i < out.length; i++) {
    const v = vector.get(i) as unknown;
    if (v === null || v === undefined) out[i] = null;
    else if (type === 'timestamp') out[i] = new Date(Number(v));
    else if (type === 'int64' || type === 'int128' || type === 'bigint') out[i] = typeof v === 'bigint' ? v : BigInt(v as number | string);
    else if (type === 'float64') out[i] = Number(v);
    else if (type === 'string' && kind !== 'string') out[i] = String(v);
    else if (type === 'json' && kind !== 'json') out[i] = JSON.stringify(typeof v === 'bigint' ? String(v) : v);
    else out[i] = v;
  }
  return out;
}

/**
 * A collected table as it is (`SELECT * FROM <one table>` needs no engine), typed
 * as the DuckDB engine would load it: declared columns by their declaration,
 * the others by the kind of their values.
 */
export function resultFromArrow(table: Table, declared?: readonly ColumnSpec[]): ResultTable {
  const columns = table.schema.fields.map((field, i): ResultColumn => {
    const kind = field.metadata.get(KIND_KEY) ?? 'string';
    const spec = declared?.find((c) => c.name === field.name);
    const { type, sqlType } = spec ? TYPE_OF_DECLARED[spec.type] : (TYPE_OF_KIND[kind] ?? TYPE_OF_KIND.string!);
    // made when a text format reads them: -f arrow writes the Arrow buffers instead
    let values: unknown[] | undefined;
    return {
      name: field.name,
      type,
      sqlType,
      get values() {
        return (values ??= columnValues(table.getChildAt(i)!, kind, type));
      },
    };
  });
  return { columns, rowCount: table.numRows, arrow: table };
}

const TYPE_OF_VALUES: Record<string, ResultType> = { int: 'int32', float: 'float64', bool: 'bool', string: 'string', bigint: 'bigint', timestamp: 'timestamp', json: 'json', null: 'null' };

/**
 * Rows made in the CLI (a heap snapshot's classes, say) as a result; each column's
 * type is that of its values (`kindOfValues`), objects become JSON text.
 */
export function resultFromRows(rows: readonly Record<string, unknown>[], names: readonly string[], kindOfValues: (values: readonly unknown[]) => string): ResultTable {
  const columns = names.map((name): ResultColumn => {
    const raw = rows.map((r) => (r[name] === undefined ? null : r[name]));
    const type = TYPE_OF_VALUES[kindOfValues(raw)] ?? 'json';
    const values = type === 'json' ? raw.map((v) => (v === null ? null : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)))) : raw;
    return { name, type, sqlType: type, values };
  });
  return { columns, rowCount: rows.length };
}

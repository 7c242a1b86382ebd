/**
 * Query results (plain row objects from alasql) → an Arrow table with exact types:
 * integers stay integers, bigints Int64, Dates timestamps, objects JSON text, and
 * undefined (alasql's outer-join gaps) NULL.
 */
import type { Table, Vector } from 'apache-arrow';
import { Bool, Float64, Int32, Int64, Null, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import type { ColumnKind } from '../target/columns.js';
import { tableOf } from './from-payload.js';

/** Column names of result rows: the union of keys in first-seen order. */
export function columnNames(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

export function kindOfValues(values: readonly unknown[]): ColumnKind {
  let kind: ColumnKind | undefined;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const k: ColumnKind =
      typeof v === 'number' ? (Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? 'int' : 'float')
      : typeof v === 'boolean' ? 'bool'
      : typeof v === 'bigint' ? 'bigint'
      : typeof v === 'string' ? 'string'
      : v instanceof Date ? 'timestamp'
      : 'json';
    if (kind === undefined) kind = k;
    else if (kind !== k) kind = (kind === 'int' && k === 'float') || (kind === 'float' && k === 'int') ? 'float' : (kind === 'int' && k === 'bigint') || (kind === 'bigint' && k === 'int') ? 'bigint' : 'json';
  }
  return kind ?? 'null';
}

function vector(values: unknown[], kind: ColumnKind): Vector {
  const clean = values.map((v) => (v === undefined ? null : v));
  switch (kind) {
    case 'int':
      // integers beyond 32 bits stay integers (kind int), held in a Float64 vector exactly
      return vectorFromArray(clean as (number | null)[], (clean as (number | null)[]).every((v) => v === null || (v | 0) === v) ? new Int32() : new Float64());
    case 'float':
      return vectorFromArray(clean as (number | null)[], new Float64());
    case 'bool':
      return vectorFromArray(clean as (boolean | null)[], new Bool());
    case 'bigint': {
      // Int64 holds it exactly, or it becomes decimal text: never a wrapped-around number.
      const big = clean.map((v) => (v === null ? null : BigInt(v as bigint | number)));
      const fits = big.every((v) => v === null || (v >= -(2n ** 63n) && v < 2n ** 63n));
      return fits ? vectorFromArray(big, new Int64()) : vectorFromArray(big.map((v) => (v === null ? null : String(v))), new Utf8());
    }
    case 'timestamp':
      return vectorFromArray(clean.map((v) => (v === null ? null : (v as Date).getTime())), new TimestampMillisecond());
    case 'string':
      return vectorFromArray(clean as (string | null)[], new Utf8());
    case 'json':
      return vectorFromArray(clean.map((v) => (v === null ? null : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)))), new Utf8());
    case 'null':
      return vectorFromArray(clean, new Null());
  }
}

export function tableFromRows(rows: readonly Record<string, unknown>[], names = columnNames(rows)): Table {
  return tableOf(
    names.map((name) => {
      const values = rows.map((row) => row[name]);
      const kind = kindOfValues(values);
      return { name, kind, vector: vector(values, kind) };
    }),
    rows.length,
  );
}

/**
 * An Arrow table → plain row objects, the form alasql queries fastest (it is
 * 4–5× slower over Arrow's row proxies). Values keep their meaning: NULL stays
 * null, a timestamp becomes a Date, a bigint stays a bigint, a json column becomes
 * objects again (so that `payload->user->id` works).
 */
import type { DataType as DataTypeClass, Table, Vector } from 'apache-arrow';
import { DataType } from 'apache-arrow';

import { KIND_KEY } from './from-payload.js';

function values(vector: Vector, kind: string | undefined): unknown[] {
  const out = new Array<unknown>(vector.length);
  const type = vector.type as DataTypeClass;
  const plainNumbers = (DataType.isInt(type) || DataType.isFloat(type)) && vector.nullCount === 0 && kind !== 'bigint';
  if (plainNumbers) {
    const array = vector.toArray() as ArrayLike<number>;
    for (let i = 0; i < out.length; i++) out[i] = array[i];
    return out;
  }
  for (let i = 0; i < out.length; i++) {
    const v = vector.get(i);
    if (v === null || v === undefined) out[i] = null;
    else if (kind === 'timestamp' || DataType.isTimestamp(type) || DataType.isDate(type)) out[i] = new Date(v as number);
    else if (kind === 'json') out[i] = JSON.parse(v as string);
    else if (kind === 'bigint') out[i] = typeof v === 'bigint' ? v : BigInt(v as string);
    else out[i] = v;
  }
  return out;
}

export function rowsFromTable(table: Table): Record<string, unknown>[] {
  const names = table.schema.fields.map((f) => f.name);
  const columns = table.schema.fields.map((f, i) => values(table.getChildAt(i)!, f.metadata.get(KIND_KEY)));
  const rows = new Array<Record<string, unknown>>(table.numRows);
  for (let r = 0; r < table.numRows; r++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) row[names[c]!] = columns[c]![r];
    rows[r] = row;
  }
  return rows;
}

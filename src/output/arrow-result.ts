/**
 * A typed result → an Arrow table whose schema follows the engine's column types,
 * never the values: the same query writes the same schema every run, also with
 * no rows. INTEGER → Int32, BIGINT → Int64, HUGEINT → Decimal128(38, 0), DECIMAL(p, s)
 * → Decimal128(p, s), DOUBLE → Float64, timestamps → Timestamp(ms, UTC), DATE →
 * Date(day), JSON → Utf8 tagged with the canonical `arrow.json` extension type.
 */
import type { Data, DataType, Table, Vector } from 'apache-arrow';
import { Bool, DateDay, Decimal, Field, Float64, Int32, Int64, Null, RecordBatch, Schema, Struct, Table as TableClass, TimestampMillisecond, Utf8, makeData, makeVector, vectorFromArray } from 'apache-arrow';
import { valueAt, type ResultColumn, type ResultTable } from '../sql/result.js';
import { utf8Vector } from '../tables/from-payload.js';


/** Exact integers as Decimal128: 16 bytes per value, little-endian two's complement. */
function decimalVector(values: Array<bigint | null>, precision: number, scale: number): Vector {
  const words = new BigUint64Array(values.length * 2);
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) {
      nullCount++;
      return;
    }
    nullBitmap[i >> 3]! |= 1 << (i & 7);
    words[2 * i] = BigInt.asUintN(64, v);
    words[2 * i + 1] = BigInt.asUintN(64, v >> 64n);
  });
  const type = new Decimal(scale, precision, 128);
  return makeVector(makeData({ type, length: values.length, nullCount, nullBitmap, data: new Uint32Array(words.buffer) }));
}

/** "-12.50" with scale 2 → -1250n. */
function scaled(text: string, scale: number): bigint {
  const [whole = '0', fraction = ''] = text.split('.');
  return BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
}

/** A fixed-width vector written by hand from the values (vectorFromArray costs seconds per million). */
function fixedVector<T extends Int32Array | BigInt64Array | Float64Array>(values: readonly unknown[], type: DataType, Storage: { new (n: number): T }, set: (out: T, i: number, v: unknown) => void, perValue = 1): Vector {
  const out = new Storage(values.length * perValue);
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) nullCount++;
    else {
      nullBitmap[i >> 3]! |= 1 << (i & 7);
      set(out, i, v);
    }
  }
  return makeVector(makeData({ type, length: values.length, nullCount, ...(nullCount > 0 ? { nullBitmap } : {}), data: out } as never) as Data);
}

/** Milliseconds as int64 through two 32-bit halves. */
function setMillis(out: Int32Array, i: number, v: unknown): void {
  const ms = (v as Date).getTime();
  out[2 * i] = ms % 0x1_0000_0000 | 0;
  out[2 * i + 1] = Math.floor(ms / 0x1_0000_0000);
}

function vectorOf(column: ResultColumn, rows: number): { vector: Vector; metadata?: Map<string, string> } {
  const values = Array.from({ length: rows }, (_, r) => valueAt(column, r));
  switch (column.type) {
    case 'int32':
      return { vector: fixedVector(values, new Int32(), Int32Array, (out, i, v) => (out[i] = v as number)) };
    case 'int64':
      return { vector: fixedVector(values, new Int64(), BigInt64Array, (out, i, v) => (out[i] = v as bigint)) };
    case 'int128':
      return { vector: decimalVector(values as Array<bigint | null>, 38, 0) };
    case 'decimal': {
      const scale = column.scale ?? 0;
      return { vector: decimalVector(values.map((v) => (v === null ? null : scaled(v as string, scale))), column.precision ?? 38, scale) };
    }
    case 'float64':
      return { vector: fixedVector(values, new Float64(), Float64Array, (out, i, v) => (out[i] = v as number)) };
    case 'bool':
      return { vector: vectorFromArray(values as Array<boolean | null>, new Bool()) };
    case 'timestamp':
      return { vector: fixedVector(values, new TimestampMillisecond('UTC'), Int32Array, (out, i, v) => setMillis(out, i, v), 2) };
    case 'date':
      return { vector: vectorFromArray(values.map((v) => (v === null ? null : (v as Date).getTime())), new DateDay()) };
    case 'json':
      return { vector: utf8Vector(values as Array<string | null>, rows), metadata: JSON_METADATA() };
    case 'bigint': {
      // any size (js tables): Int64 where every value fits, exact decimal text otherwise
      const fits = values.every((v) => v === null || ((v as bigint) >= -(2n ** 63n) && (v as bigint) < 2n ** 63n));
      return { vector: fits ? vectorFromArray(values as Array<bigint | null>, new Int64()) : vectorFromArray(values.map((v) => (v === null ? null : String(v))), new Utf8()) };
    }
    case 'null':
      return { vector: vectorFromArray(values, new Null()) };
    case 'string':
    case 'text':
      return { vector: utf8Vector(values.map((v) => (v === null ? null : String(v))), rows) };
  }
}

/**
 * A column of the collected Arrow table, retyped to what the column's type writes
 * without a pass over JavaScript values: the same buffers where the layout agrees.
 */
function fromCollected(column: ResultColumn, source: Vector): { vector: Vector; metadata?: Map<string, string> } | undefined {
  const data = source.data.length === 1 ? source.data[0]! : undefined;
  if (!data || data.offset !== 0) return undefined;
  const like = (type: DataType, values: ArrayBufferView) =>
    makeVector(makeData({ type, length: data.length, nullCount: data.nullCount, ...(data.nullCount > 0 ? { nullBitmap: data.nullBitmap } : {}), data: values } as never) as Data);
  const storage = source.type as DataType;
  switch (column.type) {
    case 'int64':
      if (storage instanceof Int64) return { vector: source };
      if (storage instanceof Int32 || storage instanceof Float64) {
        // two 32-bit halves per value, no BigInt per value
        const from = data.values as Int32Array | Float64Array;
        const words = new Int32Array(from.length * 2);
        for (let i = 0; i < from.length; i++) {
          const v = from[i]!;
          words[2 * i] = v % 0x1_0000_0000 | 0;
          words[2 * i + 1] = Math.floor(v / 0x1_0000_0000);
        }
        return { vector: like(new Int64(), words) };
      }
      return undefined;
    case 'float64':
      return storage instanceof Float64 ? { vector: source } : undefined;
    case 'bool':
      return storage instanceof Bool ? { vector: source } : undefined;
    case 'string':
      return { vector: source };
    case 'timestamp':
      return storage instanceof TimestampMillisecond ? { vector: like(new TimestampMillisecond('UTC'), data.values as Int32Array) } : undefined;
    case 'json':
      return storage instanceof Utf8 ? { vector: source, metadata: JSON_METADATA() } : undefined;
    default:
      return undefined;
  }
}

const JSON_METADATA = () => new Map([['ARROW:extension:name', 'arrow.json'], ['ARROW:extension:metadata', '']]);

export function arrowTable(result: ResultTable): Table {
  const built = result.columns.map((c, i) => {
    const collected = result.arrow ? fromCollected(c, result.arrow.getChildAt(i)!) : undefined;
    return { column: c, ...(collected ?? vectorOf(c, result.rowCount)) };
  });
  // names may repeat (SELECT a, a): build the schema by position, not from a name → vector map
  const fields = built.map(({ column, vector, metadata }) => new Field(column.name, vector.type as DataType, true, metadata));
  const data = makeData({ type: new Struct(fields), length: result.rowCount, nullCount: 0, children: built.map(({ vector }) => vector.data[0]!) });
  return new TableClass([new RecordBatch(new Schema(fields), data)]);
}

/**
 * Collected Arrow tables → DuckDB tables, column by column: each Arrow vector is
 * copied into DuckDB's data chunks (2048 rows) as raw bytes where the layouts
 * agree (doubles, 64-bit integers, validity bitmaps), converted in one pass over a
 * typed array where they do not (int32 → BIGINT, ms → µs), and per value only for
 * strings. No row objects are made.
 *
 * Types: declared columns keep their declared type whatever the values are
 * (integer → BIGINT, so a query's result type is the same every run); columns of
 * js tables get the type of their values' kind, unified across targets.
 * Integers beyond 128 bits have no exact DuckDB type: such a column becomes VARCHAR
 * (exact digits, but compared and sorted as text — docs/sql.md says so).
 */
import type { Data, Table, Vector } from 'apache-arrow';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSpec } from '../../extensions/contract.js';
import { SqlError } from '../errors.js';
import type { DuckDB } from './duckdb-module.js';

/** Field metadata key set by tables/from-payload.ts. */
const KIND_KEY = 'probing.kind';
/** Schema metadata key set by tables/from-payload.ts (not imported: that module loads Arrow). */
const SKIPPED_KEY = 'probing.skipped';

type Kind = 'int' | 'float' | 'bool' | 'string' | 'bigint' | 'hugeint' | 'text' | 'timestamp' | 'json' | 'null';

const SQL_TYPE: Record<Kind, string> = {
  int: 'BIGINT',
  float: 'DOUBLE',
  bool: 'BOOLEAN',
  string: 'VARCHAR',
  bigint: 'BIGINT',
  hugeint: 'HUGEINT',
  text: 'VARCHAR',
  timestamp: 'TIMESTAMPTZ',
  json: 'JSON',
  null: '"NULL"',
};

const DECLARED: Record<ColumnSpec['type'], Kind> = {
  integer: 'int',
  float: 'float',
  boolean: 'bool',
  string: 'string',
  bigint: 'hugeint',
  timestamp: 'timestamp',
  json: 'json',
  null: 'null',
};

const CHUNK = 2048;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT128_MIN = -(2n ** 127n);
const INT128_MAX = 2n ** 127n - 1n;

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const KINDS: readonly string[] = ['int', 'float', 'bool', 'string', 'bigint', 'timestamp', 'json', 'null'];

function kindOf(metadataKind: string | undefined): Kind {
  return metadataKind !== undefined && KINDS.includes(metadataKind) ? (metadataKind as Kind) : 'string';
}

/** The narrowest exact integer type for a bigint column's values. */
function integerKind(vectors: readonly Vector[]): Kind {
  let kind: Kind = 'bigint';
  for (const v of vectors) {
    for (let i = 0; i < v.length; i++) {
      const x = v.get(i) as bigint | string | null;
      if (x === null) continue;
      const b = typeof x === 'bigint' ? x : BigInt(x);
      if (b < INT128_MIN || b > INT128_MAX) return 'text';
      if (b < INT64_MIN || b > INT64_MAX) kind = 'hugeint';
    }
  }
  return kind;
}

/** One kind for values of two kinds; json where no exact common type exists. */
function unify(a: Kind, b: Kind): Kind {
  if (a === b || b === 'null') return a;
  if (a === 'null') return b;
  const pair = new Set([a, b]);
  if (pair.has('int') && pair.has('float')) return 'float';
  if (pair.has('int') && pair.has('bigint')) return 'bigint';
  return 'json';
}

interface Column {
  name: string;
  kind: Kind;
  /** Per part: its vector, or undefined when that part lacks the column. */
  sources: Array<{ vector: Vector; kind: Kind } | undefined>;
}

/** The columns of a table over all its parts (targets), in first-seen order. */
function columnsOf(label: string, parts: readonly Table[], declared: readonly ColumnSpec[] | undefined): Column[] {
  const columns: Column[] = [];
  const byName = new Map<string, Column>();
  parts.forEach((part, p) => {
    part.schema.fields.forEach((field, i) => {
      const key = field.name.toLowerCase();
      let column = byName.get(key);
      if (column && column.sources[p]) {
        throw new SqlError('DUPLICATE_COLUMN', `${label} has two columns named "${column.name}" and "${field.name}": SQL names ignore case`, {
          hint: 'rename one in the expression, e.g. js.`rows.map(({ ID, ...r }) => ({ ...r, ID2: ID }))`',
        });
      }
      if (!column) {
        column = { name: field.name, kind: 'null', sources: new Array(parts.length).fill(undefined) };
        byName.set(key, column);
        columns.push(column);
      }
      const vector = part.getChildAt(i)!;
      const kind = kindOf(field.metadata.get(KIND_KEY));
      column.sources[p] = { vector, kind };
      column.kind = unify(column.kind, kind);
    });
  });
  for (const column of columns) {
    const spec = declared?.find((c) => c.name.toLowerCase() === column.name.toLowerCase());
    if (spec) column.kind = DECLARED[spec.type];
    if (column.kind === 'bigint') column.kind = integerKind(column.sources.flatMap((s) => (s && s.kind === 'bigint' ? [s.vector] : [])));
  }
  return columns;
}

/** CREATE TABLE text for the columns (a table of no columns gets one the query cannot name). */
function createTable(name: string, columns: readonly Column[]): string {
  const defs = columns.map((c) => `${quoteIdentifier(c.name)} ${SQL_TYPE[c.kind]}`);
  if (defs.length === 0) defs.push('"probing: no columns read" BOOLEAN');
  return `CREATE TABLE ${quoteIdentifier(name)} (${defs.join(', ')})`;
}

/** Empty tables of the declared schemas, to bind a query before attaching. */
export async function createDeclaredTables(connection: DuckDBConnection, tables: ReadonlyArray<{ name: string; columns: readonly ColumnSpec[] }>): Promise<void> {
  for (const t of tables) {
    const columns = t.columns.map((c) => ({ name: c.name, kind: DECLARED[c.type], sources: [] }));
    await connection.run(createTable(t.name, columns));
  }
}

/** Values of one part's column as the column's DuckDB type, ready to copy chunk by chunk. */
interface Filler {
  /** Writes rows [from, from + n) of the part into the DuckDB vector. */
  fill(target: unknown, from: number, n: number): void;
}

function validityOf(data: Data, rows: number): Uint8Array | undefined {
  if (data.nullCount === 0 || !data.nullBitmap) return undefined;
  if (data.offset % 8 === 0) return data.nullBitmap.subarray(data.offset / 8);
  const bits = new Uint8Array(Math.ceil(rows / 8));
  for (let i = 0; i < rows; i++) if (data.getValid(i)) bits[i >> 3]! |= 1 << (i & 7);
  return bits;
}

/** Integers as little-endian int64 words, written through two 32-bit halves (no BigInt per value). */
function int64Words(values: ArrayLike<number>, label: string): BigInt64Array {
  const out = new BigInt64Array(values.length);
  const halves = new Int32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v)) {
      if (Number.isNaN(v)) continue;
      throw new SqlError('NOT_AN_INTEGER', `${label} is declared as integers but holds ${v}`, { hint: 'report this table to its provider' });
    }
    halves[2 * i] = v % 0x1_0000_0000 | 0;
    halves[2 * i + 1] = Math.floor(v / 0x1_0000_0000);
  }
  return out;
}

function filler(duck: DuckDB, source: { vector: Vector; kind: Kind } | undefined, kind: Kind, label: string): Filler {
  const b = duck.bindings;
  // a part whose values are all NULL (Arrow's Null type: no validity bitmap, every row
  // "valid" to a reader that looks for one) is NULL in whatever the column's type is
  if (!source || kind === 'null' || source.kind === 'null') {
    return {
      fill(target, _from, n) {
        b.vector_ensure_validity_writable(target as never);
        const zero = new Uint8Array(Math.ceil(n / 8));
        b.copy_data_to_vector_validity(target as never, 0, zero.buffer, 0, zero.byteLength);
      },
    };
  }
  const { vector } = source;
  const data = vector.data.length === 1 ? vector.data[0]! : null;
  const rows = vector.length;
  const validity = data ? validityOf(data, rows) : undefined;
  const valid = (i: number) => (data ? !validity || (validity[i >> 3]! & (1 << (i & 7))) !== 0 : vector.isValid(i));
  const withValidity = (copy: (target: unknown, from: number, n: number) => void): Filler => ({
    fill(target, from, n) {
      copy(target, from, n);
      if (!validity && (!data || data.nullCount === 0)) return;
      b.vector_ensure_validity_writable(target as never);
      let bits: Uint8Array;
      if (validity && from % 8 === 0) {
        bits = new Uint8Array(Math.ceil(n / 8));
        bits.set(validity.subarray(from / 8, from / 8 + bits.length));
      } else {
        bits = new Uint8Array(Math.ceil(n / 8));
        for (let i = 0; i < n; i++) if (valid(from + i)) bits[i >> 3]! |= 1 << (i & 7);
      }
      b.copy_data_to_vector_validity(target as never, 0, bits.buffer as ArrayBuffer, bits.byteOffset, bits.byteLength);
    },
  });
  const fixed = (bytes: ArrayBufferView, width: number) =>
    withValidity((target, from, n) => b.copy_data_to_vector(target as never, 0, bytes.buffer as ArrayBuffer, bytes.byteOffset + from * width, n * width));
  const perValue = (write: (target: unknown, row: number, at: number) => void) =>
    withValidity((target, from, n) => {
      for (let i = 0; i < n; i++) if (valid(from + i)) write(target, from + i, i);
    });
  // the buffers as they are (no slice offset to honour)
  const flat = data && data.offset === 0 && source.kind !== 'string';

  switch (kind) {
    case 'float': {
      if (flat && source.kind === 'float') return fixed(data.values as Float64Array, 8);
      const values = Float64Array.from({ length: rows }, (_, i) => Number(vector.get(i) ?? 0));
      return fixed(values, 8);
    }
    case 'int':
    case 'bigint': {
      if (flat && (source.kind === 'int' || source.kind === 'float')) return fixed(int64Words(data.values as Int32Array | Float64Array, label), 8);
      if (flat && data.values instanceof BigInt64Array) return fixed(data.values, 8);
      const values = new BigInt64Array(rows);
      for (let i = 0; i < rows; i++) if (valid(i)) values[i] = BigInt(vector.get(i) as bigint | number | string);
      return fixed(values, 8);
    }
    case 'hugeint': {
      const values = new BigUint64Array(rows * 2);
      for (let i = 0; i < rows; i++) {
        if (!valid(i)) continue;
        const v = BigInt(vector.get(i) as bigint | number | string);
        if (v < INT128_MIN || v > INT128_MAX) throw new SqlError('INTEGER_TOO_LARGE', `${label} holds ${v}, beyond the 128 bits of HUGEINT`, { hint: 'read it with js.`…` as text: String(x)' });
        values[2 * i] = BigInt.asUintN(64, v);
        values[2 * i + 1] = BigInt.asUintN(64, v >> 64n);
      }
      return fixed(values, 16);
    }
    case 'bool': {
      const values = new Uint8Array(rows);
      if (flat && source.kind === 'bool') {
        // Arrow packs a bit per row, DuckDB keeps a byte
        const bits = data.values as Uint8Array;
        const offset = data.offset;
        for (let i = 0; i < rows; i++) values[i] = (bits[(i + offset) >> 3]! >> ((i + offset) & 7)) & 1;
      } else for (let i = 0; i < rows; i++) values[i] = vector.get(i) ? 1 : 0;
      return fixed(values, 1);
    }
    case 'timestamp': {
      // milliseconds → microseconds, through two 32-bit halves (no BigInt per value)
      const micros = new Float64Array(rows);
      if (flat && source.kind === 'timestamp' && data.values instanceof Int32Array) {
        const halves = data.values;
        for (let i = 0; i < rows; i++) micros[i] = (halves[2 * i + 1]! * 0x1_0000_0000 + (halves[2 * i]! >>> 0)) * 1000;
      } else if (flat && source.kind === 'timestamp' && data.values instanceof BigInt64Array) {
        const ms = data.values;
        for (let i = 0; i < rows; i++) micros[i] = Number(ms[i]!) * 1000;
      } else for (let i = 0; i < rows; i++) if (valid(i)) micros[i] = Math.round(Number(vector.get(i)) * 1000);
      return fixed(int64Words(micros, label), 8);
    }
    case 'string':
    case 'text':
    case 'json': {
      const bytes = utf8Bytes(data, source.kind, kind === 'json');
      if (bytes) return perValue((target, row, at) => b.vector_assign_string_element_len(target as never, at, bytes(row)));
      const toText = textOf(source.kind, kind === 'json');
      return perValue((target, row, at) => b.vector_assign_string_element(target as never, at, toText(vector.get(row))));
    }
  }
}

/**
 * Text already in Arrow's UTF-8 buffers, handed over as byte slices (no string
 * made per row); a dictionary's values are decoded once. Undefined where the text
 * has to be made (other kinds, or a string that must become a JSON string).
 */
function utf8Bytes(data: Data | null, from: Kind, json: boolean): ((row: number) => Uint8Array) | undefined {
  if (!data || !(from === 'json' || (from === 'string' && !json))) return undefined;
  const slices = (d: Data) => {
    const offsets = d.valueOffsets as Int32Array | undefined;
    const buffer = d.values as Uint8Array | undefined;
    if (!offsets || !(buffer instanceof Uint8Array)) return undefined;
    return (i: number) => buffer.subarray(offsets[d.offset + i]!, offsets[d.offset + i + 1]!);
  };
  if (data.dictionary) {
    const dictionary = data.dictionary.data[0];
    const slice = dictionary && data.dictionary.data.length === 1 ? slices(dictionary) : undefined;
    if (!slice) return undefined;
    const entries = Array.from({ length: data.dictionary.length }, (_, i) => slice(i));
    const indices = data.values as Int32Array;
    return (row) => entries[indices[data.offset + row]!]!;
  }
  return slices(data);
}

/** How a value of one kind is written into a text column (json: as JSON text). */
function textOf(from: Kind, json: boolean): (v: unknown) => string {
  if (from === 'json' || (from === 'string' && !json)) return (v) => v as string;
  if (from === 'timestamp') return (v) => (json ? JSON.stringify(new Date(Number(v)).toISOString()) : new Date(Number(v)).toISOString());
  // a bigint's digits are a valid, exact JSON number
  if (from === 'bigint' || !json) return (v) => String(v);
  return (v) => JSON.stringify(v);
}

/** What a loaded table holds: its columns, and those the target left out (not read by the query). */
export interface Loaded {
  columns: string[];
  skipped: string[];
}

/** Creates the table and appends every part's rows. */
export async function loadTable(duck: DuckDB, connection: DuckDBConnection, name: string, label: string, parts: readonly Table[], declared: readonly ColumnSpec[] | undefined): Promise<Loaded> {
  const columns = columnsOf(label, parts, declared);
  const skipped = new Set<string>();
  for (const part of parts) for (const n of JSON.parse(part.schema.metadata.get(SKIPPED_KEY) ?? '[]') as string[]) skipped.add(n);
  await connection.run(createTable(name, columns));
  const appender = await connection.createAppender(name);
  try {
    const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
    const chunk = duck.api.DuckDBDataChunk.create(types);
    parts.forEach((part, p) => {
      const fillers = columns.map((c) => filler(duck, c.sources[p], c.kind, `${label} column "${c.name}"`));
      for (let from = 0; from < part.numRows; from += CHUNK) {
        const n = Math.min(CHUNK, part.numRows - from);
        chunk.reset();
        fillers.forEach((f, c) => f.fill(duck.bindings.data_chunk_get_vector(chunk.chunk, c), from, n));
        if (columns.length === 0) {
          const target = duck.bindings.data_chunk_get_vector(chunk.chunk, 0);
          duck.bindings.vector_ensure_validity_writable(target);
          const zero = new Uint8Array(Math.ceil(n / 8));
          duck.bindings.copy_data_to_vector_validity(target, 0, zero.buffer, 0, zero.byteLength);
        }
        chunk.rowCount = n;
        appender.appendDataChunk(chunk);
      }
    });
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return { columns: columns.map((c) => c.name), skipped: [...skipped] };
}

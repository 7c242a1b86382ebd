/**
 * DuckDB's result → a ResultTable, column by column, each column typed by what
 * DuckDB declared: integers stay exact (BIGINT and HUGEINT as bigint), decimals
 * as exact text, timestamps as UTC Dates, JSON as JSON text, nested values
 * (lists, structs, maps) as JSON text.
 */
import type { DuckDBDataChunk, DuckDBMaterializedResult, DuckDBType } from '@duckdb/node-api';
import type { ResultColumn, ResultType } from '../result.js';
import { toJsonText } from '../../output/cells.js';
import type { DuckDB } from './duckdb-module.js';

type Convert = (value: unknown) => unknown;

interface Reading {
  type: ResultType;
  precision?: number;
  scale?: number;
  /** From the vector's item (getItem); absent: from the JS converter's value. */
  item?: Convert;
  js?: Convert;
}

const same: Convert = (v) => v;
const toBigInt: Convert = (v) => BigInt(v as number | bigint);
const text: Convert = (v) => String(v);

function reading(duck: DuckDB, type: DuckDBType): Reading {
  const id = duck.api.DuckDBTypeId;
  switch (type.typeId) {
    case id.BOOLEAN:
      return { type: 'bool', item: same };
    case id.TINYINT:
    case id.SMALLINT:
    case id.INTEGER:
    case id.UTINYINT:
    case id.USMALLINT:
      return { type: 'int32', item: same };
    case id.UINTEGER:
    case id.BIGINT:
      return { type: 'int64', item: toBigInt };
    case id.UBIGINT:
    case id.HUGEINT:
      return { type: 'int128', item: toBigInt };
    case id.UHUGEINT:
    case id.BIGNUM:
      return { type: 'bigint', item: toBigInt };
    case id.FLOAT:
    case id.DOUBLE:
      return { type: 'float64', item: same };
    case id.DECIMAL: {
      const t = type as unknown as { width: number; scale: number };
      return { type: 'decimal', precision: t.width, scale: t.scale, item: text };
    }
    case id.VARCHAR:
      return { type: type.alias === 'JSON' ? 'json' : 'string', item: same };
    case id.ENUM:
    case id.UUID:
      return { type: 'string', item: text };
    case id.TIMESTAMP:
    case id.TIMESTAMP_TZ:
    case id.TIMESTAMP_S:
    case id.TIMESTAMP_MS:
    case id.TIMESTAMP_NS:
      return { type: 'timestamp', js: same };
    case id.DATE:
      return { type: 'date', js: same };
    case id.LIST:
    case id.STRUCT:
    case id.MAP:
    case id.ARRAY:
    case id.UNION:
    case id.VARIANT:
      return { type: 'json', js: (v) => toJsonText(v) };
    case id.SQLNULL:
      return { type: 'null', item: () => null };
    default:
      return { type: 'text', item: text };
  }
}

/** Fixed-width types read straight from the vector's bytes: the typed-array view and its width. */
function rawView(duck: DuckDB, type: DuckDBType): { width: number; view: (bytes: Uint8Array, n: number) => ArrayLike<number | bigint> } | undefined {
  const id = duck.api.DuckDBTypeId;
  const over = <T>(View: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number }) => ({
    width: View.BYTES_PER_ELEMENT,
    // copied: the bytes belong to the chunk, and may be unaligned
    view: (bytes: Uint8Array, n: number) => new View(bytes.slice(0, n * View.BYTES_PER_ELEMENT).buffer, 0, n) as unknown as ArrayLike<number | bigint>,
  });
  switch (type.typeId) {
    case id.INTEGER:
      return over(Int32Array);
    case id.SMALLINT:
      return over(Int16Array);
    case id.TINYINT:
      return over(Int8Array);
    case id.BIGINT:
      return over(BigInt64Array);
    case id.DOUBLE:
      return over(Float64Array);
    case id.FLOAT:
      return over(Float32Array);
    case id.BOOLEAN:
      return over(Uint8Array);
    default:
      return undefined;
  }
}

export async function readResult(duck: DuckDB, result: DuckDBMaterializedResult): Promise<{ columns: ResultColumn[]; rowCount: number }> {
  const names = result.columnNames();
  const types = result.columnTypes();
  const chunks: DuckDBDataChunk[] = await result.fetchAllChunks();
  const rowCount = chunks.reduce((n, c) => n + c.rowCount, 0);
  const columns = names.map((name, c): ResultColumn => {
    const how = reading(duck, types[c]!);
    const values = new Array<unknown>(rowCount);
    let row = 0;
    for (const chunk of chunks) {
      const raw = rawView(duck, types[c]!);
      if (raw) {
        // the bytes and the validity mask of the chunk's vector, without a value object per row
        const vector = duck.bindings.data_chunk_get_vector(chunk.chunk, c);
        const items = raw.view(duck.bindings.vector_get_data(vector, chunk.rowCount * raw.width), chunk.rowCount);
        const mask = duck.bindings.vector_get_validity(vector, Math.ceil(chunk.rowCount / 64) * 8);
        const bool = how.type === 'bool';
        for (let i = 0; i < chunk.rowCount; i++) {
          const valid = !mask || mask.length === 0 || (mask[i >> 3]! & (1 << (i & 7))) !== 0;
          values[row++] = !valid ? null : bool ? items[i] !== 0 : how.item === toBigInt ? BigInt(items[i]!) : items[i];
        }
      } else if (how.js) {
        const converted = chunk.convertColumnValues(c, duck.api.JSDuckDBValueConverter);
        for (const v of converted) values[row++] = v === null ? null : how.js(v);
      } else {
        const vector = chunk.getColumnVector(c);
        for (let i = 0; i < chunk.rowCount; i++) {
          const v = vector.getItem(i);
          values[row++] = v === null ? null : how.item!(v);
        }
      }
    }
    return {
      name,
      type: how.type,
      sqlType: types[c]!.toString(),
      ...(how.precision === undefined ? {} : { precision: how.precision, scale: how.scale! }),
      values,
    };
  });
  return { columns, rowCount };
}

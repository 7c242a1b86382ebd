/**
 * -f parquet: the typed result, written by DuckDB into the one path the user named.
 *
 * A separate step of ours, after the user's SQL has run in its locked-down database:
 * a second database holds only the result, may write only one file (allowed_paths,
 * external access otherwise off, settings locked), and writes it beside the named path
 * under a temporary name that is then renamed into place — a reader of shared storage
 * sees the old file or the whole new one, never half of one.
 *
 * Types follow the result's, as -f arrow writes them: INTEGER, BIGINT, DOUBLE, BOOLEAN,
 * VARCHAR, TIMESTAMP or TIMESTAMP WITH TIME ZONE (as the engine typed it; to the
 * millisecond, as the result holds it), DATE, DECIMAL(p, s), JSON; HUGEINT and UBIGINT
 * become DECIMAL(38, 0) (Parquet has no 128-bit integer, and DuckDB would write a DOUBLE:
 * inexact), or VARCHAR when a value has more than 38 digits. What was cut is written into
 * the file's key/value metadata (probing.truncated), so that the file says it too.
 */
import { randomBytes } from 'node:crypto';
import { lstat, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { DuckDBAppender } from '@duckdb/node-api';
import { FileError, UsageError } from '../errors.js';
import { valueAt, type ResultColumn, type ResultTable } from '../sql/result.js';
import { loadDuckDB, type DuckDB } from '../sql/engines/duckdb-module.js';
import { holdOpen } from '../run/exit-guard.js';
import { quoteIdentifier } from '../sql/engines/duckdb-load.js';

const DECIMAL_MAX = 10n ** 38n;

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** "-12.50" with scale 2 → -1250n. */
function scaled(text: string, scale: number): bigint {
  const [whole = '0', fraction = ''] = text.split('.');
  return BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
}

type Append = (appender: DuckDBAppender, value: unknown) => void;

/** The column's type in the file, and how one value is appended. */
function layout(duck: DuckDB, column: ResultColumn, rows: number): { sqlType: string; append: Append } {
  const { decimalValue, timestampTZValue, timestampValue, dateValue } = duck.api;
  switch (column.type) {
    case 'int32':
      return { sqlType: 'INTEGER', append: (a, v) => a.appendInteger(v as number) };
    case 'int64':
      return { sqlType: 'BIGINT', append: (a, v) => a.appendBigInt(v as bigint) };
    case 'int128':
    case 'bigint': {
      // HUGEINT reaches 1.7e38, past DECIMAL(38,0): a column with a value beyond it is VARCHAR
      let fits = true;
      for (let r = 0; r < rows && fits; r++) {
        const v = valueAt(column, r) as bigint | null;
        fits = v === null || (v > -DECIMAL_MAX && v < DECIMAL_MAX);
      }
      return fits ? { sqlType: 'DECIMAL(38,0)', append: (a, v) => a.appendDecimal(decimalValue(v as bigint, 38, 0)) } : { sqlType: 'VARCHAR', append: (a, v) => a.appendVarchar(String(v)) };
    }
    case 'decimal': {
      const precision = column.precision ?? 38;
      const scale = column.scale ?? 0;
      return { sqlType: `DECIMAL(${precision},${scale})`, append: (a, v) => a.appendDecimal(decimalValue(scaled(v as string, scale), precision, scale)) };
    }
    case 'float64':
      return { sqlType: 'DOUBLE', append: (a, v) => a.appendDouble(v as number) };
    case 'bool':
      return { sqlType: 'BOOLEAN', append: (a, v) => a.appendBoolean(v as boolean) };
    case 'timestamp': {
      // with or without a time zone, as the engine typed it (both are held as an instant, UTC)
      const zoned = /TIME ZONE|TZ/i.test(column.sqlType) || column.sqlType === '';
      const micros = (v: unknown) => {
        const ms = (v as Date).getTime();
        if (!Number.isFinite(ms)) throw new UsageError('PARQUET_VALUE', `${column.name} holds a timestamp Parquet cannot hold (${String(v)})`, { hint: 'filter it out, or cast the column to VARCHAR in the query' });
        return BigInt(ms) * 1000n;
      };
      return zoned
        ? { sqlType: 'TIMESTAMPTZ', append: (a, v) => a.appendTimestampTZ(timestampTZValue(micros(v))) }
        : { sqlType: 'TIMESTAMP', append: (a, v) => a.appendTimestamp(timestampValue(micros(v))) };
    }
    case 'date':
      return { sqlType: 'DATE', append: (a, v) => a.appendDate(dateValue(Math.floor((v as Date).getTime() / 86_400_000))) };
    case 'json':
      return { sqlType: 'JSON', append: (a, v) => a.appendVarchar(v as string) };
    case 'null':
      return { sqlType: 'INTEGER', append: (a) => a.appendNull() };
    case 'string':
    case 'text':
      return { sqlType: 'VARCHAR', append: (a, v) => a.appendVarchar(String(v)) };
  }
}

/** Column names made unique (SELECT a, a → a, a_2): a Parquet file's columns are named. */
function uniqueNames(columns: readonly ResultColumn[]): string[] {
  const used = new Set(columns.map((c) => c.name.toLowerCase()));
  const seen = new Set<string>();
  return columns.map((c) => {
    const key = c.name.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      return c.name;
    }
    let name = c.name;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${c.name}_${n}`;
    used.add(name.toLowerCase());
    return name;
  });
}

/** DuckDB, which writes the file; refused with the alternatives where it cannot load. */
export function parquetDuckDB(): Promise<DuckDB> {
  return loadDuckDB().catch((error: unknown) => {
    throw new UsageError('PARQUET_NEEDS_DUCKDB', `-f parquet is written by DuckDB, which cannot load here: ${(error as Error).message}`, { hint: 'use -f arrow (an Arrow IPC file that DuckDB, Spark and Trino read too) or -f csv' });
  });
}

export async function writeParquet(table: ResultTable, path: string, truncated: readonly object[] = []): Promise<void> {
  const duck = await parquetDuckDB();
  const target = resolve(path);
  // the file is replaced by a rename: what -o names must be a file (a symlink, a FIFO or a
  // device would be replaced, not written through)
  const existing = await lstat(target).catch(() => undefined);
  if (existing && !existing.isFile()) {
    throw new UsageError('PARQUET_NOT_A_FILE', `-o ${path} is ${existing.isDirectory() ? 'a directory' : existing.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; -f parquet writes a new file and renames it into place`, { hint: 'name a regular file (or a path that does not exist yet)' });
  }
  const temporary = join(dirname(target), `.${basename(target)}.probing-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  // removed on every way out, Ctrl-C included
  const forget = holdOpen(() => rm(temporary, { force: true }));
  const instance = await duck.api.DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', allow_community_extensions: 'false' });
  const connection = await instance.connect();
  try {
    await connection.run(`SET allowed_paths = [${literal(temporary)}]`);
    await connection.run('SET enable_external_access = false');
    await connection.run("SET TimeZone = 'UTC'");
    await connection.run('SET lock_configuration = true');
    const names = uniqueNames(table.columns);
    const layouts = table.columns.map((c) => layout(duck, c, table.rowCount));
    await connection.run(`CREATE TABLE result (${names.map((n, i) => `${quoteIdentifier(n)} ${layouts[i]!.sqlType}`).join(', ')})`);
    const appender = await connection.createAppender('result');
    for (let r = 0; r < table.rowCount; r++) {
      for (let c = 0; c < table.columns.length; c++) {
        const v = valueAt(table.columns[c]!, r);
        if (v === null) appender.appendNull();
        else layouts[c]!.append(appender, v);
      }
      appender.endRow();
    }
    appender.closeSync();
    const metadata = truncated.length > 0 ? `, KV_METADATA {'probing.truncated': ${literal(JSON.stringify(truncated))}}` : '';
    await connection.run(`COPY result TO ${literal(temporary)} (FORMAT parquet, USE_TMP_FILE false${metadata})`);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof UsageError) throw error;
    throw new FileError('PARQUET_WRITE', `cannot write ${path}: ${(error as Error).message}`, { hint: 'choose a path you can write to with -o', cause: error });
  } finally {
    connection.closeSync();
    instance.closeSync();
    forget();
  }
}

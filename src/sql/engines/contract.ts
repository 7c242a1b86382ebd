/**
 * One engine contract, two engines: DuckDB (the default: right SQL by construction)
 * and alasql (pure JavaScript, for where DuckDB's native module cannot load). The
 * caller picks one through engines/index.ts; nothing else branches on which.
 */
import type { Table } from 'apache-arrow';
import type { ColumnSpec, Constraints, FunctionSpec } from '../../extensions/contract.js';
import type { ResultTable } from '../result.js';

export type EngineName = 'duckdb' | 'alasql';

/** The memory a query may use unless --memory-limit says otherwise. */
export const DEFAULT_MEMORY_LIMIT = '1GB';

/** A table the query reads, as the planner named it ("_t0", …). */
export interface TableDeclaration {
  /** The name in the rewritten SQL. */
  name: string;
  /** The reference as the user wrote it (js.`…`, process.memory), for messages. */
  label: string;
  /** Declared columns (built-in and extension tables); absent when they come from the data (js.`…`). */
  columns?: readonly ColumnSpec[];
}

/** What the engine found in the SQL without any data. */
export interface CheckedQuery {
  /** Per table name: what its provider may narrow at the source (projection, equalities, limit). */
  constraints: Map<string, Constraints>;
  /**
   * True when every table was bound against its declared columns: unknown names
   * have already been refused, before anything was attached.
   */
  bound: boolean;
}

export interface EngineInput {
  /** The SQL with table references rewritten to the declared names. */
  sql: string;
  /** Maps an offset in `sql` to one in the user's SQL, for error positions. */
  original: (offset: number) => number;
  /** The user's SQL as written. */
  text: string;
  /** Each table's data: one Arrow table per target (their union is the table). */
  tables: ReadonlyArray<TableDeclaration & { parts: readonly Table[] }>;
  /** Extension SQL functions the query calls. */
  functions: ReadonlyMap<string, FunctionSpec>;
  /** The engine gives up (and says so) after this long. */
  timeoutMs: number;
  /** Bytes the engine may use, e.g. "1GB". */
  memoryLimit: string;
}

export interface Engine {
  readonly name: EngineName;
  /**
   * Parses and checks the SQL: exactly one read-only SELECT, no file, network,
   * settings or inline code; names that do not exist in declared tables refused.
   * Throws SqlError with the position in the user's SQL.
   */
  check(sql: string, original: (offset: number) => number, text: string, tables: readonly TableDeclaration[]): Promise<CheckedQuery>;
  /** Runs a checked query over the collected tables. */
  run(input: EngineInput): Promise<ResultTable>;
  /** Closes what the engine keeps between queries (DuckDB: an emptied database), when no more follow. */
  release?(): void;
}

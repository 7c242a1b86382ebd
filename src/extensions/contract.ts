/**
 * The extension contract: everything a query can see is provided through these
 * plain, typed objects. Built-in namespaces use it today; extensions loaded into
 * the CLI, out-of-process programs and HTTP functions will plug into the same one.
 */
import type { Table } from 'apache-arrow';
import type { Attachment } from '../attach/attach.js';

export type ColumnType = 'integer' | 'float' | 'boolean' | 'string' | 'bigint' | 'timestamp' | 'json' | 'null';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  doc: string;
}

/** What the query lets a provider narrow down at the source (it may ignore it: results stay correct). */
export interface Constraints {
  /** At most this many rows are needed (a LIMIT with nothing that filters, sorts or groups before it). */
  limit?: number;
  /** `column = literal` conditions that every row must meet (the query checks them again). */
  equals?: Record<string, string | number | boolean>;
  /**
   * Only these columns are read by the query; absent: all of them. Names match
   * without regard to case, as SQL identifiers do. An empty list: none
   * (`SELECT count(*)`), only the number of rows.
   */
  columns?: readonly string[];
}

/** Settings of the command that providers may honour. */
export interface Flags {
  /** Show values of environment variables whose names look secret. */
  showSecrets: boolean;
}

export interface Limits {
  maxRows: number;
  maxBytes: number;
  timeoutMs: number;
}

export interface GenerateContext {
  attachment: Attachment;
  constraints: Constraints;
  limits: Limits;
  flags: Flags;
  /** The extension's own options and state (built-ins get an empty one). */
  extension?: ExtensionContext;
}

/** What every extension gets from probing. */
export interface ExtensionContext {
  /** Current option values (defaults overridden by `probing ext set`). */
  options: Readonly<Record<string, string | number | boolean>>;
  /** Persistent key/value state, written atomically. */
  state: KeyValueState;
  /** A directory of its own for runtime files. */
  dir: string;
}

export interface KeyValueState {
  get(key: string): unknown;
  put(key: string, value: unknown): void;
  delete(key: string): void;
  /** Adds `by` (default 1) to a numeric value and returns the new value. */
  increment(key: string, by?: number): number;
}

export interface OptionSpec {
  key: string;
  help: string;
  default: string | number | boolean;
}

export interface CallSpec {
  name: string;
  description: string;
  /** Parameter names with their help; values arrive as strings (key=value on the command line). */
  params?: Readonly<Record<string, string>>;
  invoke(ctx: CallContext, args: Readonly<Record<string, string>>): Promise<unknown>;
}

export interface CallContext {
  /** Present when the call was made against a target. */
  attachment?: Attachment;
  extension: ExtensionContext;
}

/** A SQL function (scalar); async functions are resolved before the query runs. */
export interface FunctionSpec {
  name: string;
  description: string;
  call(args: unknown[]): Promise<unknown>;
}

export interface Truncation {
  /**
   * rows/bytes: cut by --max-rows/--max-bytes; overwritten: the ring overwrote rows while
   * they were read; cells: values of `column` cut at `limit` characters; threw: reading the
   * value threw part-way (a Proxy, a getter), `message` says what.
   */
  reason: 'rows' | 'bytes' | 'overwritten' | 'cells' | 'threw';
  message?: string;
  /** Rows there were in all, when known (for cells: values cut). */
  total: number | null;
  column?: string;
  limit?: number;
}

export interface Generated {
  table: Table;
  truncated?: Truncation;
  /** Values cut at the longest string a cell keeps, by column: how many, and the limit. */
  clipped?: { columns: Record<string, number>; limit: number };
}

/** What an extension's generate may return: an Arrow table, or plain rows (shaped to the declared columns). */
export type GenerateResult = Generated | Table | Record<string, unknown>[];

/** A table: its schema is data, its generator is code, its docs come from the same declaration. */
export interface TableSource {
  name: string;
  description: string;
  /** Which constraints it applies at the source (documented in the catalog). */
  pushdown?: readonly string[];
  /** Declared columns; absent for tables whose columns come from the data (js.`…`). */
  columns?: readonly ColumnSpec[];
  /** Answered in the CLI without a target (the catalog): `generate` gets no attachment. */
  local?: boolean;
  generate(ctx: GenerateContext): Promise<Generated>;
}

export interface Namespace {
  name: string;
  description: string;
  /** Static tables. */
  tables?: readonly TableSource[];
  /** Dynamic tables, built on demand from the name (or, for ns.`…`, the quoted text). */
  resolve?(name: string, quoted: boolean): TableSource | undefined;
}

/** The extension API version this probing speaks. */
export const API_VERSION = 1;

export interface Extension {
  name: string;
  version?: string;
  /** The API version it was written for (default 1). */
  apiVersion?: number;
  description: string;
  namespaces: readonly Namespace[];
  options?: readonly OptionSpec[];
  calls?: readonly CallSpec[];
  functions?: readonly FunctionSpec[];
  /** Calls known only at run time (out-of-process extensions ask their program). */
  resolveCall?(name: string): Promise<CallSpec | undefined>;
  /** Everything the extension says about itself, where that takes asking it. */
  describe?(): Promise<unknown>;
}

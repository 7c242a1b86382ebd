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
}

export interface Truncation {
  /** rows/bytes: cut by --max-rows/--max-bytes; overwritten: the ring overwrote rows while they were read. */
  reason: 'rows' | 'bytes' | 'overwritten';
  /** Rows there were in all, when known. */
  total: number | null;
}

export interface Generated {
  table: Table;
  truncated?: Truncation;
}

/** A table: its schema is data, its generator is code, its docs come from the same declaration. */
export interface TableSource {
  name: string;
  description: string;
  /** Which constraints it applies at the source (documented in the catalog). */
  pushdown?: readonly string[];
  /** Declared columns; absent for tables whose columns come from the data (js.`…`). */
  columns?: readonly ColumnSpec[];
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

export interface Extension {
  name: string;
  version?: string;
  description: string;
  namespaces: readonly Namespace[];
}

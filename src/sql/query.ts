/**
 * The path of a query: find the table references, let the engine check the
 * statement (before anything is attached), collect each table from its provider
 * as Arrow — only the columns the query reads — and run the SQL in the engine.
 */
import type { Table } from 'apache-arrow';
import type { Attachment } from '../attach/attach.js';
import type { ColumnSpec, Constraints, Flags, FunctionSpec, Limits, TableSource, Truncation } from '../extensions/contract.js';
import type { Registry } from '../extensions/registry.js';
import { SqlError } from './errors.js';
import { findReferences, inTablePosition, loadParserFor, type TableReference } from './references.js';
import { DEFAULT_MEMORY_LIMIT, type Engine, type EngineName } from './engines/contract.js';
import type { ResultTable } from './result.js';

export interface QueryResult {
  table: ResultTable;
  /** Tables whose rows were cut by --max-rows or --max-bytes. */
  truncated: Array<{ table: string; rows: number; target?: string } & Truncation>;
}

export interface Plan {
  /** The SQL with each table reference replaced by a placeholder name ("_t0", …). */
  sql: string;
  /** An offset in `sql` → the offset in the user's SQL (inside a placeholder: where the reference starts). */
  original: (offset: number) => number;
  tables: Array<{ name: string; ref: TableReference }>;
}

/** Rewrites table references to "_t0", "_t1", … (the same reference twice is one table). */
export function plan(sql: string, registry: Registry): Plan {
  const refs = findReferences(sql).filter((ref) => registry.hasNamespace(ref.namespace) || inTablePosition(sql, ref));
  const names = new Map<string, string>();
  const tables: Plan['tables'] = [];
  // [offset in the rewritten SQL, offset in the user's, length of a placeholder there (0: verbatim text)]
  const marks: Array<[number, number, number]> = [[0, 0, 0]];
  let out = '';
  let at = 0;
  for (const ref of refs) {
    const key = `${ref.namespace}\u0000${ref.quoted}\u0000${ref.name}`;
    let name = names.get(key);
    if (!name) {
      name = `_t${names.size}`;
      names.set(key, name);
      tables.push({ name, ref });
    }
    out += sql.slice(at, ref.start);
    const placeholder = `"${name}"`;
    marks.push([out.length, ref.start, placeholder.length]);
    out += placeholder;
    marks.push([out.length, ref.end, 0]);
    at = ref.end;
  }
  out += sql.slice(at);
  const original = (offset: number): number => {
    let mark = marks[0]!;
    for (const m of marks) if (m[0] <= offset) mark = m;
    return mark[2] > 0 ? mark[1] : mark[1] + (offset - mark[0]);
  };
  return { sql: out, original, tables };
}

export interface PreparedTable {
  name: string;
  ref: TableReference;
  source: TableSource;
  /** What its provider may narrow at the source. */
  constraints: Constraints;
}

export interface PreparedQuery {
  /** The user's SQL. */
  text: string;
  sql: string;
  original: (offset: number) => number;
  /** Extension SQL functions the query calls. */
  functions: Map<string, FunctionSpec>;
  tables: PreparedTable[];
  /** `SELECT * FROM <one table>` of one target: the table is the answer, no SQL engine needed. */
  direct: boolean;
  /** False when every table is answered in the CLI (the catalog) or there is none (SELECT 1 + 1). */
  needsTarget: boolean;
  engine: Engine | undefined;
  /** Rows carry _target, _pid and _host first (a query over many targets). */
  tagged: boolean;
  /** Said once on stderr: e.g. that the engine fell back to alasql, and why. */
  notice?: string;
}

export interface PrepareOptions {
  engine?: EngineName;
  /** The rows will carry _target, _pid and _host (a query over many targets). */
  tagged?: boolean;
}

const DIRECT = /^\s*select\s+\*\s+from\s+"_t0"\s*;?\s*$/i;

/** The columns every row of a query over many targets carries first. */
export const TAG_COLUMNS: readonly ColumnSpec[] = [
  { name: '_target', type: 'string', doc: 'the target as it was named' },
  { name: '_pid', type: 'integer', doc: 'its process id' },
  { name: '_host', type: 'string', doc: 'its host' },
];

/**
 * Everything that can be checked without the target: references, the engine's
 * parse and checks, the tables' providers, and — for tables with declared
 * columns — every name the query uses. Bad SQL is refused before anything is attached.
 */
export async function prepareQuery(text: string, registry: Registry, options: PrepareOptions = {}): Promise<PreparedQuery> {
  await loadParserFor(text);
  const planned = plan(text, registry);
  const resolved = planned.tables.map(({ name, ref }) => ({ name, ref, source: registry.resolve(ref.namespace, ref.name, ref.quoted) }));
  const needsTarget = resolved.some((t) => !t.source.local);
  const tagged = options.tagged === true;
  const base = { text, sql: planned.sql, original: planned.original, needsTarget, tagged };
  if (resolved.length === 1 && DIRECT.test(planned.sql) && !tagged) {
    return { ...base, tables: resolved.map((t) => ({ ...t, constraints: {} })), direct: true, functions: new Map(), engine: undefined };
  }
  const { loadEngine } = await import('./engines/index.js');
  const { engine, notice } = await loadEngine(options.engine);
  const functions = new Map<string, FunctionSpec>();
  for (const [name, { fn }] of registry.functions()) if (new RegExp(`(^|[^A-Za-z0-9_.$"])${name}\\s*\\(`, 'i').test(planned.sql)) functions.set(name, fn);
  const checked = await engine.check(planned.sql, planned.original, text, declarations(resolved, tagged));
  return {
    ...base,
    tables: resolved.map((t) => ({ ...t, constraints: constraintsFor(checked.constraints.get(t.name) ?? {}, tagged) })),
    direct: false,
    functions,
    engine,
    ...(notice ? { notice } : {}),
  };
}

function declarations(tables: ReadonlyArray<{ name: string; ref: TableReference; source: TableSource }>, tagged: boolean) {
  return tables.map((t) => ({ name: t.name, label: t.ref.text, ...(t.source.columns ? { columns: tagged ? [...TAG_COLUMNS, ...t.source.columns] : t.source.columns } : {}) }));
}

/** The tags are added in the CLI: the provider is not asked for them. */
function constraintsFor(constraints: Constraints, tagged: boolean): Constraints {
  if (!tagged || !constraints.columns) return constraints;
  const tags = new Set(TAG_COLUMNS.map((c) => c.name));
  return { ...constraints, columns: constraints.columns.filter((c) => !tags.has(c.toLowerCase())) };
}

export interface Collected {
  /** Each table the query reads, as Arrow, by placeholder name. */
  tables: Map<string, Table>;
  truncated: QueryResult['truncated'];
}

/** Reads every table the query uses from one target; `tags` become the first columns (_target, _pid, _host). */
export async function collectTables(attachment: Attachment | undefined, prepared: PreparedQuery, limits: Limits, flags: Flags, tags?: { _target: string; _pid: number; _host: string }): Promise<Collected> {
  const collected: Collected = { tables: new Map(), truncated: [] };
  for (const { name, ref, source, constraints } of prepared.tables) {
    if (!attachment && !source.local) throw new SqlError('NEEDS_TARGET', `${ref.text} is read from a target process`, { hint: 'name one: probing <pid> query "…"' });
    const generated = await source.generate({ attachment: attachment as Attachment, constraints, limits, flags });
    const target = tags ? { target: tags._target } : {};
    if (generated.truncated) collected.truncated.push({ table: ref.text, rows: generated.table.numRows, ...generated.truncated, ...target });
    for (const [column, cells] of Object.entries(generated.clipped?.columns ?? {})) {
      collected.truncated.push({ table: ref.text, rows: generated.table.numRows, reason: 'cells', total: cells, column, limit: generated.clipped!.limit, ...target });
    }
    collected.tables.set(name, tags ? await tagged(generated.table as Table, tags) : (generated.table as Table));
  }
  return collected;
}

async function tagged(table: Table, tags: { _target: string; _pid: number; _host: string }): Promise<Table> {
  const [{ Arrow }, { tableOf, KIND_KEY }] = await Promise.all([import('../tables/arrow.js'), import('../tables/from-payload.js')]);
  const rows = table.numRows;
  const constant = (value: string | number, kind: 'string' | 'int') =>
    Arrow.vectorFromArray(new Array(rows).fill(value), kind === 'int' ? new Arrow.Int32() : new Arrow.Dictionary(new Arrow.Utf8(), new Arrow.Int32()));
  return tableOf(
    [
      { name: '_target', kind: 'string', vector: constant(tags._target, 'string') },
      { name: '_pid', kind: 'int', vector: constant(tags._pid, 'int') },
      { name: '_host', kind: 'string', vector: constant(tags._host, 'string') },
      ...table.schema.fields.map((f, i) => ({ name: f.name, kind: f.metadata.get(KIND_KEY) ?? 'string', vector: table.getChildAt(i)! })),
    ],
    rows,
    table.schema.metadata,
  );
}

/** A tagged table with another _target (a remote target, named as the user named its host). */
export async function retagged(table: Table, target: string): Promise<Table> {
  const [{ Arrow }, { tableOf, KIND_KEY }] = await Promise.all([import('../tables/arrow.js'), import('../tables/from-payload.js')]);
  const rows = table.numRows;
  // a dictionary id of its own: the table read from IPC keeps the ids it was written with, and a schema's must differ
  const ids = table.schema.fields.map((f) => (f.type as { id?: unknown }).id).filter((id): id is number => typeof id === 'number');
  const type = new Arrow.Dictionary(new Arrow.Utf8(), new Arrow.Int32(), Math.max(-1, ...ids) + 1);
  return tableOf(
    table.schema.fields.map((f, i) => ({
      name: f.name,
      kind: f.metadata.get(KIND_KEY) ?? 'string',
      vector: f.name === '_target' && i === 0 ? Arrow.vectorFromArray(new Array(rows).fill(target), type) : table.getChildAt(i)!,
    })),
    rows,
    table.schema.metadata,
  );
}

export interface RunOptions {
  timeoutMs: number;
  /** DuckDB's memory_limit, e.g. "1GB". */
  memoryLimit?: string;
}

/** Runs the SQL over tables collected from one or many targets. */
export async function answer(prepared: PreparedQuery, parts: readonly Collected[], options: RunOptions): Promise<QueryResult> {
  const truncated = parts.flatMap((p) => p.truncated);
  if (prepared.direct) {
    const { resultFromArrow } = await import('./result.js');
    return { table: resultFromArrow(parts[0]!.tables.get(prepared.tables[0]!.name)!, prepared.tables[0]!.source.columns), truncated };
  }
  const table = await prepared.engine!.run({
    sql: prepared.sql,
    original: prepared.original,
    text: prepared.text,
    tables: declarations(prepared.tables, prepared.tagged).map((d) => ({
      ...d,
      parts: parts.map((p) => p.tables.get(d.name)!),
    })),
    functions: prepared.functions,
    timeoutMs: options.timeoutMs,
    memoryLimit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
  });
  return { table, truncated };
}

export async function runQuery(attachment: Attachment | undefined, prepared: PreparedQuery, limits: Limits, flags: Flags = { showSecrets: false }, options: Partial<RunOptions> = {}): Promise<QueryResult> {
  return answer(prepared, [await collectTables(attachment, prepared, limits, flags)], { timeoutMs: options.timeoutMs ?? limits.timeoutMs, ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}) });
}

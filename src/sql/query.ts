/**
 * The path of a query: find the table references, check the statement, collect
 * each table from its provider (as Arrow), run the SQL, return rows.
 */
import type { Table } from 'apache-arrow';
import type { Attachment } from '../attach/attach.js';
import type { Constraints, Flags, FunctionSpec, Limits, TableSource, Truncation } from '../extensions/contract.js';
import type { Registry } from '../extensions/registry.js';
import { SqlError } from './errors.js';
import { guard } from './guard.js';
import { loadAlasql, runWithFunctions } from './engine.js';
import { bracketSilentKeywords, findReferences, inTablePosition, type TableReference } from './references.js';
import { pushdown } from './pushdown.js';

export interface QueryResult {
  rows: Record<string, unknown>[];
  columns: string[];
  /** Tables whose rows were cut by --max-rows or --max-bytes. */
  truncated: Array<{ table: string; rows: number } & Truncation>;
}

/** Same length, same line breaks: positions in errors still point into the user's SQL. */
function placeholder(name: string, text: string): string {
  const padding = text.slice(name.length).replace(/[^\n]/g, ' ');
  return name + padding;
}

export interface Plan {
  sql: string;
  tables: Array<{ name: string; ref: TableReference }>;
}

/** Rewrites table references to t0, t1, … (the same reference twice is one table). */
export function plan(sql: string, registry: Registry): Plan {
  const refs = findReferences(sql).filter((ref) => registry.hasNamespace(ref.namespace) || inTablePosition(sql, ref));
  const names = new Map<string, string>();
  const tables: Plan['tables'] = [];
  let out = '';
  let at = 0;
  for (const ref of refs) {
    const key = `${ref.namespace}\u0000${ref.quoted}\u0000${ref.name}`;
    let name = names.get(key);
    if (!name) {
      name = `t${names.size}`;
      names.set(key, name);
      tables.push({ name, ref });
    }
    out += bracketSilentKeywords(sql.slice(at, ref.start)) + placeholder(`[${name}]`, ref.text);
    at = ref.end;
  }
  return { sql: out + bracketSilentKeywords(sql.slice(at)), tables };
}

export interface PreparedQuery {
  sql: string;
  /** Extension SQL functions the query calls. */
  functions: Map<string, FunctionSpec>;
  tables: Array<{ name: string; ref: TableReference; source: TableSource }>;
  constraints: Constraints;
  /** `SELECT * FROM <one table>`: the table is the answer, no SQL engine needed. */
  direct: boolean;
}

const DIRECT = /^\s*select\s+\*\s+from\s+\[t0\]\s*;?\s*$/i;

/**
 * Everything that can be checked without the target: references, the guard, the
 * tables' providers. Bad SQL is refused before anything is attached.
 */
export async function prepareQuery(sql: string, registry: Registry): Promise<PreparedQuery> {
  const planned = plan(sql, registry);
  if (planned.tables.length === 1 && DIRECT.test(planned.sql)) {
    const [{ name, ref }] = planned.tables as [Plan['tables'][number]];
    return { sql: planned.sql, tables: [{ name, ref, source: registry.resolve(ref.namespace, ref.name, ref.quoted) }], constraints: {}, direct: true, functions: new Map() };
  }
  const alasql = await loadAlasql();
  const { ast } = guard(alasql, planned.sql, sql);
  if (planned.tables.length === 0) {
    throw new SqlError('NO_TABLE', 'the query reads no probing table', { hint: 'read from a table, e.g. SELECT * FROM js.`process.versions`' });
  }
  const tables = planned.tables.map(({ name, ref }) => ({ name, ref, source: registry.resolve(ref.namespace, ref.name, ref.quoted) }));
  const functions = new Map<string, FunctionSpec>();
  for (const [name, { fn }] of registry.functions()) if (new RegExp(`(^|[^A-Za-z0-9_.$])${name}\\s*\\(`, 'i').test(planned.sql)) functions.set(name, fn);
  return { sql: planned.sql, tables, constraints: pushdown(ast, tables.length), direct: false, functions };
}

export interface Collected {
  tables: Map<string, Record<string, unknown>[]>;
  /** Column names per table, in order (an empty table still has them). */
  columns: Map<string, string[]>;
  truncated: QueryResult['truncated'];
}

/** Reads every table the query uses from one target; `tags` are added to each row (_target, _pid…). */
export async function collectTables(attachment: Attachment, prepared: PreparedQuery, limits: Limits, flags: Flags, tags?: Record<string, unknown>): Promise<Collected> {
  const { rowsFromTable } = await import('../tables/to-rows.js');
  const collected: Collected = { tables: new Map(), columns: new Map(), truncated: [] };
  for (const { name, ref, source } of prepared.tables) {
    const generated = await source.generate({ attachment, constraints: prepared.constraints, limits, flags });
    if (generated.truncated) collected.truncated.push({ table: ref.text, rows: generated.table.numRows, ...generated.truncated, ...(tags ? { target: tags._target as string } : {}) });
    let rows = rowsFromTable(generated.table as Table);
    const columns = generated.table.schema.fields.map((f) => f.name);
    if (tags) {
      rows = rows.map((row) => ({ ...tags, ...row }));
      columns.unshift(...Object.keys(tags));
    }
    collected.tables.set(name, rows);
    collected.columns.set(name, columns);
  }
  return collected;
}

/** Runs the SQL over tables collected from one or many targets. */
export async function answer(prepared: PreparedQuery, parts: readonly Collected[]): Promise<QueryResult> {
  const tables = new Map<string, Record<string, unknown>[]>();
  for (const { name } of prepared.tables) tables.set(name, parts.flatMap((p) => p.tables.get(name) ?? []));
  const truncated = parts.flatMap((p) => p.truncated);
  if (prepared.direct) {
    const name = prepared.tables[0]!.name;
    return { rows: tables.get(name)!, columns: parts.find((p) => p.columns.has(name))?.columns.get(name) ?? [], truncated };
  }
  const { columnNames } = await import('../tables/from-rows.js');
  const rows = await runWithFunctions(await loadAlasql(), prepared.sql, tables, prepared.functions);
  return { rows, columns: columnNames(rows), truncated };
}

export async function runQuery(attachment: Attachment, prepared: PreparedQuery, limits: Limits, flags: Flags = { showSecrets: false }): Promise<QueryResult> {
  return answer(prepared, [await collectTables(attachment, prepared, limits, flags)]);
}

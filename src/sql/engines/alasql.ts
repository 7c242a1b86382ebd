/**
 * The alasql engine: pure JavaScript, for where DuckDB's native module cannot
 * load. It accepts a smaller SQL than DuckDB and refuses, with a reason that names
 * --engine duckdb, whatever it cannot answer right: the text is rewritten
 * (alasql-rewrite), parsed and whitelisted (alasql-guard), bound against the
 * tables' columns (alasql-bind) and run by alasql over a tree of our own making
 * (alasql-exec), in a throw-away alasql database deleted afterwards (any alasql
 * database can read any other's tables).
 *
 * alasql has no column types: the result's types come from its values (a column
 * with no value but NULL takes the type the binder worked out), so unlike DuckDB's
 * they can differ between two runs of one query over different data.
 */
import alasqlModule from 'alasql';
import type { Table } from 'apache-arrow';
import type { AlaSQL } from 'alasql';
import type { ColumnType, Constraints, FunctionSpec } from '../../extensions/contract.js';
import { ProbingError } from '../../errors.js';
import { SqlError } from '../errors.js';
import type { ResultColumn, ResultTable, ResultType } from '../result.js';
import { bind, type TableInfo } from './alasql-bind.js';
import { runQuery, install, withRuntime, type Runtime } from './alasql-exec.js';
import { jsonText, LAZY_FUNCTIONS, SCALAR_FUNCTIONS, type Type } from './alasql-functions.js';
import { parseQuery } from './alasql-guard.js';
import { children, outputOf, type ColumnInfo, type Expr, type Query } from './alasql-plan.js';
import { rewrite } from './alasql-rewrite.js';
import type { Value } from './alasql-values.js';
import type { CheckedQuery, Engine, EngineInput, TableDeclaration } from './contract.js';
import { parseSize } from '../../units.js';

let loaded: AlaSQL | undefined;

/** alasql is compiled into this engine's chunk of the bundle (scripts/bundle.mjs); set up on first use. */
function loadAlasql(): AlaSQL {
  if (!loaded) {
    loaded = alasqlModule as unknown as AlaSQL;
    install(loaded);
  }
  return loaded;
}

const TYPE_OF_DECLARED: Record<ColumnType, Type> = { integer: 'int', float: 'float', boolean: 'bool', string: 'string', bigint: 'int', timestamp: 'timestamp', json: 'json', null: 'null' };
const TYPE_OF_KIND: Record<string, Type> = { int: 'int', float: 'float', bool: 'bool', string: 'string', bigint: 'int', timestamp: 'timestamp', json: 'json', null: 'null' };
const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Field metadata key set by tables/from-payload.ts: the kind of value a column holds. */
const KIND_KEY = 'probing.kind';

/** A column's type from its kind, or from its Arrow type where no kind was set. */
function typeOfField(field: Table['schema']['fields'][number]): Type {
  const kind = field.metadata.get(KIND_KEY);
  if (kind !== undefined) return TYPE_OF_KIND[kind] ?? 'any';
  const arrow = String(field.type);
  if (/^u?int/i.test(arrow)) return 'int';
  if (/^float/i.test(arrow)) return 'float';
  if (/^bool/i.test(arrow)) return 'bool';
  if (/^(utf8|largeutf8|dictionary<.*utf8>)/i.test(arrow)) return 'string';
  if (/^(timestamp|date)/i.test(arrow)) return 'timestamp';
  if (/^null/i.test(arrow)) return 'null';
  return 'any';
}

function declared(tables: readonly TableDeclaration[]): TableInfo[] {
  return tables.map((t) => ({
    name: t.name,
    label: t.label,
    columns: t.columns?.map((c, i): ColumnInfo => ({ name: c.name, key: SAFE_KEY.test(c.name) ? c.name : `k${i}`, type: TYPE_OF_DECLARED[c.type] ?? 'any' })),
  }));
}

/** How many times each collected table is read, anywhere in the query (subqueries, WITH). */
function tableUses(root: Query): Map<string, number> {
  const uses = new Map<string, number>();
  const queries: Query[] = [root];
  const seen = new Set<Query>();
  while (queries.length > 0) {
    const q = queries.pop()!;
    if (seen.has(q)) continue;
    seen.add(q);
    if (q.kind === 'set') {
      queries.push(q.left, q.right);
      continue;
    }
    const exprs: Expr[] = [...q.items.map((i) => i.expr), ...q.hidden, ...q.group];
    for (const s of q.sources) {
      if (s.table) uses.set(s.table, (uses.get(s.table) ?? 0) + 1);
      if (s.query) queries.push(s.query);
      if (s.on) exprs.push(s.on);
    }
    if (q.where) exprs.push(q.where);
    if (q.having) exprs.push(q.having);
    while (exprs.length > 0) {
      const e = exprs.pop()!;
      if (e.k === 'sub') queries.push(e.query);
      exprs.push(...children(e));
    }
  }
  return uses;
}

/**
 * What a provider may narrow: the columns read; and for a table read once by a
 * lone SELECT, `column = constant` on declared columns of the constant's type and
 * a LIMIT that nothing filters, groups, sorts or computes before.
 */
function constraintsOf(query: Query, reads: Map<string, Set<string> | undefined>, tables: readonly TableDeclaration[]): Map<string, Constraints> {
  const out = new Map<string, Constraints>();
  for (const [table, columns] of reads) out.set(table, columns ? { columns: [...columns] } : {});
  if (query.kind !== 'select' || query.sources.length !== 1 || !query.sources[0]!.table) return out;
  const source = query.sources[0]!;
  if (tableUses(query).get(source.table!) !== 1) return out;
  const declared = tables.find((t) => t.name === source.table)?.columns;
  const c = out.get(source.table!)!;
  const equals: Record<string, string | number | boolean> = {};
  const conjuncts: Expr[] = [];
  const split = (e: Expr) => (e.k === 'and' ? e.args.forEach(split) : conjuncts.push(e));
  if (query.where) split(query.where);
  for (const e of conjuncts) {
    if (e.k !== 'cmp' || e.op !== '=') continue;
    const [a, b] = e.args[0].k === 'col' ? e.args : [e.args[1], e.args[0]];
    if (a.k !== 'col' || a.scope !== query || b.k !== 'lit') continue;
    const column = declared?.find((d) => d.name === a.column.name);
    const v = b.value;
    const fits = (typeof v === 'string' && column?.type === 'string') || (typeof v === 'number' && (column?.type === 'integer' || column?.type === 'float')) || (typeof v === 'boolean' && column?.type === 'boolean');
    if (fits) equals[column!.name] = v as string | number | boolean;
  }
  if (Object.keys(equals).length > 0) c.equals = equals;
  const plain = !query.where && !query.grouped && !query.distinct && query.order.length === 0 && query.items.every((i) => i.expr.k === 'col' || i.expr.k === 'lit');
  if (plain && query.limit !== undefined) c.limit = query.limit + query.offset;
  return out;
}

/** Errors of the engine itself (not of the query) still reach the user as SQL errors that say so. */
async function engineErrors<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (error) {
    if (error instanceof ProbingError) throw error;
    throw new SqlError('SQL_ENGINE', `the alasql engine failed on this query: ${(error as Error)?.message ?? String(error)}`, {
      hint: 'simplify the query, or run with --engine duckdb where DuckDB is installed',
      cause: error,
    });
  }
}

function check(sql: string, original: (offset: number) => number, text: string, tables: readonly TableDeclaration[]): Promise<CheckedQuery> {
  return engineErrors(async () => checkQuery(sql, original, text, tables));
}

function checkQuery(sql: string, original: (offset: number) => number, text: string, tables: readonly TableDeclaration[]): CheckedQuery {
  const alasql = loadAlasql();
  const rw = rewrite(sql, original, text);
  const parsed = parseQuery(alasql, rw);
  const { query, reads } = bind(parsed, rw, declared(tables), undefined);
  return { constraints: constraintsOf(query, reads, tables), bound: tables.every((t) => t.columns !== undefined) };
}

interface Loaded {
  info: TableInfo;
  rows: Record<string, unknown>[];
}

const numbers = new Set<Type>(['int', 'float']);

/** The type of a column whose parts (one per target) say `a` and `b`. */
function merge(a: Type, b: Type): Type {
  if (a === b || b === 'null') return a;
  if (a === 'null') return b;
  return numbers.has(a) && numbers.has(b) ? 'float' : 'any';
}

/** The union of a table's parts (one per target): a column missing from a part is NULL there. */
async function load(table: TableDeclaration & { parts: readonly Table[] }): Promise<Loaded> {
  const { rowsFromTable } = await import('../../tables/to-rows.js');
  const names: string[] = [];
  const kinds = new Map<string, Type>();
  for (const part of table.parts) {
    for (const field of part.schema.fields) {
      const before = kinds.get(field.name);
      if (before === undefined) names.push(field.name);
      kinds.set(field.name, before === undefined ? typeOfField(field) : merge(before, typeOfField(field)));
    }
  }
  // a declared number type decides between integer and real (2.0 arrives as an integer)
  for (const spec of table.columns ?? []) {
    const declaredType = TYPE_OF_DECLARED[spec.type];
    const found = kinds.get(spec.name);
    if (found !== undefined && (found === 'null' || (numbers.has(found) && numbers.has(declaredType)))) kinds.set(spec.name, declaredType);
  }
  if (names.includes('__proto__')) throw new SqlError('SQL_UNSUPPORTED', `${table.label} has a column named __proto__, which the alasql engine cannot read`, { hint: 'run with --engine duckdb where DuckDB is installed' });
  const safe = names.every((n) => SAFE_KEY.test(n));
  const columns = names.map((name, i): ColumnInfo => ({ name, key: safe ? name : `k${i}`, type: kinds.get(name)! }));
  const same = table.parts.every((p) => p.schema.fields.length === names.length);
  let rows: Record<string, unknown>[] = [];
  for (const part of table.parts) {
    const partRows = rowsFromTable(part);
    if (safe && same) {
      rows = rows.length === 0 ? partRows : rows.concat(partRows);
      continue;
    }
    for (const r of partRows) {
      const row: Record<string, unknown> = {};
      for (const c of columns) row[c.key] = Object.hasOwn(r, c.name) ? r[c.name] : null;
      rows.push(row);
    }
  }
  return { info: { name: table.name, label: table.label, columns }, rows };
}

/** "1GB", "512 MiB" → bytes (1 GB when it cannot be read). */
const RESULT_TYPES: Record<string, { type: ResultType; sqlType: string }> = {
  int: { type: 'int32', sqlType: 'INTEGER' },
  float: { type: 'float64', sqlType: 'DOUBLE' },
  bool: { type: 'bool', sqlType: 'BOOLEAN' },
  string: { type: 'string', sqlType: 'VARCHAR' },
  bigint: { type: 'bigint', sqlType: 'BIGINT' },
  timestamp: { type: 'timestamp', sqlType: 'TIMESTAMP WITH TIME ZONE' },
  json: { type: 'json', sqlType: 'JSON' },
  null: { type: 'null', sqlType: 'NULL' },
};

function resultColumn(name: string, values: Value[], type: Type): ResultColumn {
  const present = values.filter((v) => v !== null && v !== undefined);
  // a number beyond 2^53 is a REAL one even when it has no fraction; an integer column's are safe or bigints
  const kinds = new Set(present.map((v) => (typeof v === 'bigint' ? 'bigint' : typeof v === 'number' ? (Number.isSafeInteger(v) && type !== 'float' ? 'integer' : 'real') : typeof v === 'object' ? (v instanceof Date ? 'timestamp' : 'json') : typeof v)));
  let out: unknown[] = values;
  let kind: string;
  if (type === 'json') {
    // a json column and json_extract hold parsed values: the result is their JSON text
    kind = 'json';
    out = values.map((v) => (v === null || v === undefined ? null : jsonText(v)));
  } else if (kinds.size === 0) kind = type === 'int' || type === 'float' || type === 'bool' || type === 'string' || type === 'timestamp' ? type : 'null';
  else if ([...kinds].every((k) => k === 'bigint' || k === 'integer')) {
    kind = kinds.has('bigint') || present.some((v) => (v as number) > 2147483647 || (v as number) < -2147483648) ? 'bigint' : 'int';
    if (kind === 'bigint') out = values.map((v) => (typeof v === 'number' ? BigInt(v) : v));
  } else if ([...kinds].every((k) => k === 'bigint' || k === 'integer' || k === 'real')) {
    kind = 'float';
    out = values.map((v) => (typeof v === 'bigint' ? Number(v) : v));
  } else if (kinds.size === 1) {
    const [k] = kinds;
    kind = k === 'boolean' ? 'bool' : k!;
    if (kind === 'json') out = values.map((v) => (v === null || v === undefined ? null : jsonText(v)));
  } else {
    throw new SqlError('SQL_TYPE', `the result column "${name}" mixes ${[...kinds].join(' and ')} values`, { hint: 'CAST the values to one type' });
  }
  const { type: resultType, sqlType } = RESULT_TYPES[kind]!;
  return { name, type: resultType, sqlType, values: out.map((v) => (v === undefined ? null : v)) };
}

interface Asked {
  name: string;
  key: string;
  args: Value[];
}

/**
 * Extension functions are asynchronous (an HTTP call, say) and alasql calls
 * functions synchronously: a first run records the arguments each is called with
 * (answering NULL), the calls are made, and the query runs again with the answers —
 * until a run asks for nothing new (a function whose answer feeds a WHERE can
 * reveal new arguments).
 */
function run(input: EngineInput): Promise<ResultTable> {
  return engineErrors(() => runQueryInput(input));
}

async function runQueryInput(input: EngineInput): Promise<ResultTable> {
  const alasql = loadAlasql();
  const rw = rewrite(input.sql, input.original, input.text);
  const parsed = parseQuery(alasql, rw);
  const specs = new Map<string, FunctionSpec>([...input.functions].map(([name, spec]) => [name.toLowerCase(), spec]));
  for (const name of specs.keys()) {
    if (SCALAR_FUNCTIONS.has(name) || LAZY_FUNCTIONS.has(name) || ['count', 'sum', 'avg', 'min', 'max'].includes(name)) {
      throw new SqlError('FUNCTION_CLASH', `${name}() is already a function of the SQL engine`, { hint: 'rename it in the extension' });
    }
  }
  const tables = await Promise.all(input.tables.map(load));
  const { query } = bind(parsed, rw, tables.map((t) => t.info), new Set(specs.keys()));
  const types = outputOf(query).map((i) => i.expr.type);

  const Database = (alasql as unknown as { Database: new () => { databaseid: string; tables: Record<string, unknown> } }).Database;
  const TableClass = (alasql as unknown as { Table: new (init: { data: unknown[] }) => unknown }).Table;
  const db = new Database();
  const deadline = Date.now() + input.timeoutMs;
  try {
    // names of our own: a declared name is only data here (`__proto__` would break db.tables)
    const tableNames = new Map(tables.map((t, i) => [t.info.name, `__t${i}`]));
    tables.forEach((t, i) => (db.tables[`__t${i}`] = new TableClass({ data: t.rows })));
    const answers = new Map<string, unknown>();
    for (let round = 0; round < 6; round++) {
      const asked = new Map<string, Asked>();
      const rt: Runtime = {
        alasql, db, params: {}, deadline, timeoutMs: input.timeoutMs,
        // alasql has no memory limit to set: the rows a query keeps are counted instead (see alasql-exec)
        rowBudget: Math.max(100_000, Math.floor((parseSize(input.memoryLimit) ?? 2 ** 30) / 200)),
        ext(name, args) {
          const key = `${name}\u0000${JSON.stringify(args, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
          if (answers.has(key)) return answers.get(key) as Value;
          asked.set(key, { name, key, args });
          return null;
        },
        ticks: 0, kept: 0, constants: 0, tables: 0, materialized: new Map(), tableNames, compiled: new Map(), subs: [], subIds: new Map(),
      };
      let rows: ReturnType<typeof runQuery> | undefined;
      try {
        rows = withRuntime(rt, () => runQuery(rt, query));
      } catch (error) {
        // a NULL standing in for an answer not yet known may have caused it: ask, then run again
        if (asked.size === 0) throw error instanceof ProbingError ? error : runtimeError(error);
      }
      if (asked.size === 0 && rows) {
        const columns = rows.names.map((name, c) => resultColumn(name, rows!.rows.map((r) => r[c]!), types[c] ?? 'any'));
        return { columns, rowCount: rows.rows.length };
      }
      if (round === 5) break;
      const pending = [...asked.values()];
      // at most 8 calls in flight
      for (let i = 0; i < pending.length; i += 8) {
        await Promise.all(pending.slice(i, i + 8).map(async ({ name, key, args }) => answers.set(key, sqlValue(name, await callFunction(specs.get(name)!, name, args)))));
      }
    }
    throw new SqlError('FUNCTION_ROUNDS', 'the query kept asking its functions new questions after 5 rounds', { hint: 'simplify how function results feed the WHERE clause' });
  } finally {
    delete (alasql as unknown as { databases: Record<string, unknown> }).databases[db.databaseid];
  }
}

async function callFunction(spec: FunctionSpec, name: string, args: Value[]): Promise<unknown> {
  try {
    return await spec.call(args);
  } catch (error) {
    if (error instanceof ProbingError) throw error;
    throw new SqlError('FUNCTION_FAILED', `${name}() failed: ${(error as Error)?.message ?? String(error)}`, { hint: 'check the extension that provides it', cause: error });
  }
}

/** An extension function's answer as a value SQL can hold. */
function sqlValue(name: string, v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (['number', 'bigint', 'string', 'boolean'].includes(typeof v) || v instanceof Date) return v as Value;
  if (typeof v === 'object') return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))) as Value;
  throw new SqlError('FUNCTION_FAILED', `${name}() answered a ${typeof v}, which SQL cannot hold`, { hint: 'check the extension that provides it' });
}

function runtimeError(error: unknown): SqlError {
  return new SqlError('SQL_RUNTIME', `the query failed while running: ${(error as Error).message}`, {
    hint: 'a value may not fit the operation: guard it with a CASE, a CAST or a WHERE; or run with --engine duckdb',
    cause: error,
  });
}

/** The alasql engine (see the top of this file). */
export const alasqlEngine: Engine = { name: 'alasql', check, run };

/**
 * Runs a bound query with alasql. alasql does what it does right — walking the
 * tables and joins (with its hash index for equi-joins), filtering, grouping and
 * calling aggregates — over a tree built from the plan (alasql-compile), in which
 * every expression is a call into the helpers below: its own operators and
 * functions never run. The rest is done here, where alasql answers wrongly:
 * DISTINCT, ORDER BY (alasql sorts 0, '' and NULL as equal), LIMIT/OFFSET,
 * UNION/EXCEPT/INTERSECT, subqueries, and group keys (alasql joins values with
 * a backtick, so NULL and 'null' fall into one group).
 *
 * Time: alasql runs synchronously and cannot be interrupted, so every row that
 * reaches a WHERE, every pair a join tries and every sort checks the clock: past
 * `timeoutMs` the query stops with an error. Memory cannot be bounded (alasql
 * has no limit): the rows a query keeps are counted instead, against a budget
 * derived from --memory-limit at roughly 200 bytes a row.
 */
import type { AlaSQL } from 'alasql';
import { TimeoutError } from '../../errors.js';
import { SqlError } from '../errors.js';
import { aggregate, cast, SCALAR_FUNCTIONS, type AggregateName, type CastType, type SumMode } from './alasql-functions.js';
import { Compiler, outerParam, type Yy } from './alasql-compile.js';
import { outputOf, type Expr, type Query, type SelectPlan, type Source } from './alasql-plan.js';
import { and, arithFloat, arithInt, bool, cmp, compareValues, concatOp, holds, inList, joinKey, like, negate, not, or, tupleKey, type Arith, type Value } from './alasql-values.js';

type Statement = (params: Record<string, unknown>) => unknown;
interface Database {
  databaseid: string;
  tables: Record<string, unknown>;
}

export interface Rows {
  names: string[];
  rows: Value[][];
}

/** Everything one run needs; the helpers reach it through `active` while alasql runs (synchronously). */
export interface Runtime {
  alasql: AlaSQL;
  db: Database;
  params: Record<string, unknown>;
  deadline: number;
  timeoutMs: number;
  rowBudget: number;
  /** Extension functions: the answer, or null while it is being asked. */
  ext(name: string, args: Value[]): Value;
  ticks: number;
  kept: number;
  constants: number;
  tables: number;
  materialized: Map<Query, string>;
  /** The collected tables by declared name → their names in the alasql database. */
  tableNames: ReadonlyMap<string, string>;
  compiled: Map<SelectPlan, Statement>;
  subs: Array<{ query: Query; outer: Expr[]; cache: Map<string, Rows> }>;
  subIds: Map<Query, number>;
}

let active: Runtime | undefined;

function tick(rt: Runtime): void {
  if ((++rt.ticks & 4095) === 0 && Date.now() > rt.deadline) {
    throw new TimeoutError('QUERY_TIMEOUT', `the query ran longer than ${rt.timeoutMs} ms in the SQL engine and was stopped`, {
      hint: 'raise --timeout, or narrow the query (a join without a condition multiplies the rows of its tables)',
    });
  }
}

/** What compiled expressions call, as alasql.fn.__probing.… */
const helpers = {
  row(v: Value, keep: boolean): boolean {
    const rt = active!;
    tick(rt);
    const pass = holds(v, 'WHERE');
    if (pass && keep && ++rt.kept > rt.rowBudget) {
      throw new SqlError('SQL_MEMORY', `the query would keep more than ${rt.rowBudget} rows in memory`, {
        hint: 'raise --memory-limit, filter with WHERE, or run with --engine duckdb where DuckDB is installed',
      });
    }
    return pass;
  },
  on(v: Value): boolean {
    tick(active!);
    return holds(v, 'JOIN … ON');
  },
  holds,
  nn: (v: Value) => (v === undefined ? null : v),
  cmp,
  not,
  and,
  or,
  bool,
  arith: (op: Arith, int: boolean, a: Value, b: Value) => (int ? arithInt(op, a, b) : arithFloat(op, a, b)),
  neg: negate,
  concat: concatOp,
  like: (negated: boolean, s: Value, p: Value, e?: Value) => {
    const r = like(s, p, e ?? null);
    return negated ? not(r) : r;
  },
  is(v: Value, what: 'null' | 'true' | 'false', negated: boolean): boolean {
    const r = what === 'null' ? v === null || v === undefined : v === (what === 'true');
    return negated ? !r : r;
  },
  same(negated: boolean, a: Value, b: Value): boolean {
    const r = a === null || a === undefined || b === null || b === undefined ? (a === null || a === undefined) === (b === null || b === undefined) : cmp('=', a, b) === true;
    return negated ? !r : r;
  },
  inList: (negated: boolean, v: Value, list: Value[]) => {
    const r = inList(v, list);
    return negated ? not(r) : r;
  },
  coalesce(...thunks: Array<() => Value>): Value {
    for (const t of thunks) {
      const v = t();
      if (v !== null && v !== undefined) return v;
    }
    return null;
  },
  fn: (name: string, ...args: Value[]) => SCALAR_FUNCTIONS.get(name)!.call(...args),
  cast: (v: Value, to: CastType, int: boolean) => cast(v, to, int),
  key: (values: Value[]) => joinKey(values),
  group: (values: Value[]) => tupleKey(values),
  ext: (name: string, args: Value[]) => active!.ext(name, args),
  sub(id: number, mode: 'scalar' | 'exists' | 'in', negated: boolean, left: Value, owned: Array<[string, Value]>): Value {
    const rt = active!;
    for (const [name, v] of owned) rt.params[name] = v;
    const s = rt.subs[id]!;
    // one run per distinct set of outer values (one in all for an uncorrelated subquery)
    let key: string | undefined;
    try {
      key = tupleKey(s.outer.map((e) => rt.params[outerParam(e)] as Value));
    } catch {
      key = undefined;
    }
    let rows = key === undefined ? undefined : s.cache.get(key);
    if (!rows) {
      rows = runQuery(rt, s.query);
      if (key !== undefined) s.cache.set(key, rows);
    }
    if (mode === 'exists') return rows.rows.length > 0;
    if (mode === 'scalar') {
      if (rows.rows.length > 1) {
        throw new SqlError('SQL_RUNTIME', `a subquery used as a value returned ${rows.rows.length} rows`, { hint: 'make it return one row: add a WHERE, an aggregate or LIMIT 1' });
      }
      return rows.rows[0]?.[0] ?? null;
    }
    const r = inList(left, rows.rows.map((r) => r[0]!));
    return negated ? not(r) : r;
  },
};

const AGGREGATE_NAMES: AggregateName[] = ['count', 'countstar', 'sum', 'avg', 'min', 'max'];

let installed: AlaSQL | undefined;
/** Registers the helpers and aggregates once; they are pure and hold no data between runs. */
export function install(alasql: AlaSQL): void {
  if (installed === alasql) return;
  const a = alasql as unknown as { fn: Record<string, unknown>; aggr: Record<string, unknown> };
  a.fn.__probing = helpers;
  for (const name of AGGREGATE_NAMES) {
    for (const mode of ['i', 'f', 'a'] as SumMode[]) {
      a.aggr[`__probing_${name}_${mode}`] = aggregate(name, mode, false);
      a.aggr[`__probing_${name}_${mode}_d`] = aggregate(name, mode, true);
    }
  }
  installed = alasql;
}

// ---- running

function materialize(rt: Runtime, q: Query): string {
  let name = rt.materialized.get(q);
  if (name) return name;
  const result = runQuery(rt, q);
  const rows = result.rows.map((r) => {
    const o: Record<string, Value> = {};
    r.forEach((v, i) => (o[`k${i}`] = v));
    return o;
  });
  name = `__m${rt.tables++}`;
  const Table = (rt.alasql as unknown as { Table: new (init: { data: unknown[] }) => unknown }).Table;
  rt.db.tables[name] = new Table({ data: rows });
  rt.materialized.set(q, name);
  return name;
}

function runSelect(rt: Runtime, select: SelectPlan): Value[][] {
  let statement = rt.compiled.get(select);
  if (!statement) {
    const names = new Map<Source, string>();
    for (const s of select.sources) names.set(s, s.query ? materialize(rt, s.query) : rt.tableNames.get(s.table!)!);
    const yy = (rt.alasql as unknown as { yy: Yy }).yy;
    const ast = new Compiler(rt, yy, select).build(names) as { compile(databaseid: string): Statement };
    statement = ast.compile(rt.db.databaseid);
    rt.compiled.set(select, statement);
  }
  const width = select.items.length + select.hidden.length;
  // the row budget counts the rows of statements still running (a finished one's rows are its caller's)
  const kept = rt.kept;
  const objects = statement(rt.params) as Array<Record<string, Value>>;
  rt.kept = kept;
  const rows = new Array<Value[]>(objects.length);
  for (let r = 0; r < objects.length; r++) {
    const o = objects[r]!;
    const row = new Array<Value>(width);
    for (let c = 0; c < width; c++) {
      const v = o[`__c${c}`];
      row[c] = v === undefined ? null : v;
    }
    rows[r] = row;
  }
  return rows;
}

function distinct(rows: Value[][], width: number): Value[][] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = tupleKey(r.slice(0, width));
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function checkClock(rt: Runtime): void {
  rt.ticks |= 4095;
  tick(rt);
}

/** ORDER BY: SQL's order (NULLs last unless NULLS FIRST); with a LIMIT, only the first `keep` rows are kept in order. */
function sortRows(rt: Runtime, rows: Value[][], order: Query['order'], keep: number | undefined): Value[][] {
  if (order.length === 0) return rows;
  if (keep === 0) return [];
  checkClock(rt);
  const nil = (v: Value) => v === null || v === undefined;
  const compare = (a: Value[], b: Value[]) => {
    for (const o of order) {
      const x = a[o.index];
      const y = b[o.index];
      if (nil(x) || nil(y)) {
        if (nil(x) && nil(y)) continue;
        return nil(x) === o.nullsFirst ? -1 : 1;
      }
      const c = compareValues(x, y, 'order');
      if (c !== 0) return o.desc ? -c : c;
    }
    return 0;
  };
  if (keep === undefined || keep * 8 > rows.length) return rows.sort(compare);
  // the first `keep` rows, kept sorted (stable: a later row never passes an equal one)
  const best: Value[][] = [];
  for (const row of rows) {
    if (best.length === keep && compare(row, best[keep - 1]!) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(row, best[mid]!) < 0) hi = mid;
      else lo = mid + 1;
    }
    best.splice(lo, 0, row);
    if (best.length > keep) best.pop();
  }
  return best;
}

/** Runs a query to rows (arrays in output order). */
export function runQuery(rt: Runtime, q: Query): Rows {
  const names = outputOf(q).map((i) => i.name);
  const width = names.length;
  let rows: Value[][];
  if (q.kind === 'select') {
    rows = runSelect(rt, q);
    if (q.distinct) rows = distinct(rows, width);
  } else {
    const left = runQuery(rt, q.left).rows;
    const right = runQuery(rt, q.right).rows;
    if (q.op === 'union') rows = q.all ? left.concat(right) : distinct(left.concat(right), width);
    else {
      const other = new Set(right.map((r) => tupleKey(r)));
      rows = distinct(left, width).filter((r) => other.has(tupleKey(r)) === (q.op === 'intersect'));
    }
  }
  rows = sortRows(rt, rows, q.order, q.limit === undefined ? undefined : q.offset + q.limit);
  if (q.offset > 0 || q.limit !== undefined) rows = rows.slice(q.offset, q.limit === undefined ? undefined : q.offset + q.limit);
  if (rows.some((r) => r.length !== width)) rows = rows.map((r) => r.slice(0, width));
  return { names, rows };
}

/** Runs with `rt` active; the helpers see it until the query returns or throws. */
export function withRuntime<T>(rt: Runtime, f: () => T): T {
  const before = active;
  active = rt;
  try {
    return f();
  } finally {
    active = before;
  }
}


/**
 * The shapes of generated SELECTs: plain (with joins, WHERE, a total order,
 * LIMIT/OFFSET), grouped (aggregates, GROUP BY, HAVING, over no rows), DISTINCT,
 * set operations, derived tables and CTEs, window functions, and ambiguous names.
 */
import { aggregate } from './aggregates.js';
import { columnRef, expr, type ExprContext, type Focus, type Scope, type ScopeColumn } from './expressions.js';
import { fromClause, scopeOf, type Generator } from './from.js';
import { predicate, subqueryPredicate } from './predicates.js';
import type { Rng } from './prng.js';
import type { ColumnType } from './tables.js';

export interface Shape {
  sql: string;
  ordered: boolean;
  expectError?: boolean;
}

interface Item {
  sql: string;
  type: ColumnType | 'bool';
}

function context(g: Generator, scope: Scope, focus: Focus, extra: Partial<ExprContext> = {}): ExprContext {
  return { rng: g.rng, scope, mode: 'row', groupKeys: [], focus, subqueries: 0, sub: g.sub, correlate: false, ...extra };
}

const TYPES: ReadonlyArray<readonly [ColumnType, number]> = [['int', 4], ['real', 2], ['text', 3]];

function items(ctx: ExprContext, count: number, depth: number, bools = 0.1): Item[] {
  return Array.from({ length: count }, () => (ctx.rng.chance(bools) ? { sql: predicate(ctx, 1), type: 'bool' as const } : expr(ctx, ctx.rng.weighted(TYPES), depth)));
}

function selectList(list: readonly Item[]): string {
  return list.map((it, i) => `${it.sql} AS c${i + 1}`).join(', ');
}

/** ORDER BY every output column (by alias or position), each with its direction and NULLS FIRST/LAST: a total order. */
function orderBy(rng: Rng, count: number, positions = false): string {
  const keys = Array.from({ length: count }, (_, i) => `${positions || rng.chance(0.5) ? i + 1 : `c${i + 1}`} ${rng.pick(['ASC', 'DESC'])} NULLS ${rng.pick(['FIRST', 'LAST'])}`);
  return ` ORDER BY ${rng.sample(keys, keys.length).join(', ')}`;
}

function limit(rng: Rng): string {
  const n = rng.weighted([[0, 1], [1, 3], [rng.int(2, 10), 6]] as const);
  return ` LIMIT ${n}${rng.chance(0.4) ? ` OFFSET ${rng.int(0, 6)}` : ''}`;
}

function whereClause(conditions: readonly string[]): string {
  return conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
}

/** A plain SELECT: some tables, a select list, an optional WHERE, maybe a total order. */
export function plain(g: Generator, options: { tables: number; style?: 'inner' | 'outer'; focus: Focus; count: [number, number]; depth: number; where: number; order: number; limit?: boolean; subqueries?: number; correlate?: boolean; star?: number }): Shape {
  const { rng } = g;
  const from = fromClause(g, options.tables, options.style ?? 'inner');
  const ctx = context(g, from.scope, options.focus, { subqueries: options.subqueries ?? 0, correlate: options.correlate ?? false });
  const conditions = [...from.where];
  // a subquery kind has one for sure, a correlated one a correlated one
  if (options.subqueries) conditions.push(subqueryPredicate(ctx, 1));
  if (rng.chance(options.where)) conditions.push(predicate({ ...ctx, focus: options.focus === 'predicate' ? 'predicate' : 'any' }, rng.int(1, 3)));
  if (rng.chance(options.star ?? 0)) {
    const star = rng.chance(0.6) ? '*' : `${rng.pick(from.scope.columns).alias}.*`;
    // SELECT * FROM <one table>: the path that bypasses the engine
    const bare = options.tables === 1 && conditions.length === 0 && rng.chance(0.5);
    return { sql: bare ? `SELECT * FROM ${from.sql.replace(/ AS \w+$/, '')}` : `SELECT ${star} FROM ${from.sql}${whereClause(conditions)}`, ordered: false };
  }
  const list = items(ctx, rng.int(...options.count), options.depth);
  const ordered = options.limit === true || rng.chance(options.order);
  const tail = ordered ? orderBy(rng, list.length) + (options.limit ? limit(rng) : '') : '';
  return { sql: `SELECT ${selectList(list)} FROM ${from.sql}${whereClause(conditions)}${tail}`, ordered };
}

/** Aggregates with or without GROUP BY, with HAVING, over groups and over no rows. */
export function grouped(g: Generator, grouping: boolean): Shape {
  const { rng } = g;
  const from = fromClause(g, rng.chance(0.25) ? 2 : 1, rng.chance(0.2) ? 'outer' : 'inner');
  const row = context(g, from.scope, 'any');
  const conditions = [...from.where];
  if (rng.chance(0.5)) conditions.push(predicate(row, rng.int(1, 2)));
  // over no rows now and then
  if (rng.chance(0.12)) conditions.push(rng.pick(['FALSE', `${columnRef(row, rng.pick(from.scope.columns.filter((c) => c.type !== 'text').concat(from.scope.columns)))} IS NULL AND FALSE`]));
  const keys: ScopeColumn[] = grouping ? rng.sample(from.scope.columns, rng.int(1, Math.min(2, from.scope.columns.length))) : [];
  const group = context(g, from.scope, 'any', { mode: 'group', groupKeys: keys });
  const list: Item[] = [
    ...keys.filter(() => rng.chance(0.8)).map((k) => ({ sql: columnRef(row, k), type: k.type })),
    ...Array.from({ length: rng.int(1, 3) }, () => (rng.chance(0.75) ? aggregate(group, rng.weighted(TYPES)) : expr(group, rng.weighted(TYPES), 1))),
  ];
  const groupBy = grouping ? ` GROUP BY ${keys.map((k) => columnRef(row, k)).join(', ')}` : '';
  const having = grouping && rng.chance(0.4) ? ` HAVING ${predicate(group, 1)}` : '';
  const ordered = rng.chance(grouping ? 0.3 : 0);
  const tail = ordered ? orderBy(rng, list.length) + (rng.chance(0.4) ? limit(rng) : '') : '';
  return { sql: `SELECT ${selectList(list)} FROM ${from.sql}${whereClause(conditions)}${groupBy}${having}${tail}`, ordered };
}

export function distinct(g: Generator): Shape {
  const { rng } = g;
  const from = fromClause(g, rng.chance(0.3) ? 2 : 1, 'inner');
  const ctx = context(g, from.scope, 'any');
  const conditions = [...from.where];
  if (rng.chance(0.3)) conditions.push(predicate(ctx, 1));
  const list = items(ctx, rng.int(1, 3), rng.int(0, 1), 0.15);
  const ordered = rng.chance(0.3);
  const tail = ordered ? orderBy(rng, list.length, true) + (rng.chance(0.5) ? limit(rng) : '') : '';
  return { sql: `SELECT DISTINCT ${selectList(list)} FROM ${from.sql}${whereClause(conditions)}${tail}`, ordered };
}

/** Two or three SELECTs of the same column types under UNION [ALL], EXCEPT, INTERSECT. */
export function setOperation(g: Generator): Shape {
  const { rng } = g;
  const types = Array.from({ length: rng.int(1, 3) }, () => rng.weighted(TYPES));
  const branch = (alias: boolean) => {
    const from = fromClause(g, 1, 'inner');
    const ctx = context(g, from.scope, 'any');
    const list = types.map((t) => expr(ctx, t, rng.int(0, 1)));
    const where = rng.chance(0.5) ? ` WHERE ${predicate(ctx, 1)}` : '';
    return `SELECT ${alias ? selectList(list) : list.map((e) => e.sql).join(', ')} FROM ${from.sql}${where}`;
  };
  const ops = ['UNION', 'UNION ALL', 'EXCEPT', 'INTERSECT'];
  // INTERSECT binds tighter than UNION and EXCEPT in DuckDB (the standard), not in SQLite (left to right): it only comes first
  const first = rng.pick(ops);
  const second = rng.chance(0.3) ? rng.pick(ops.filter((o) => o !== 'INTERSECT')) : undefined;
  let sql = `${branch(true)} ${first} ${branch(false)}`;
  if (second) sql += ` ${second} ${branch(false)}`;
  const ordered = rng.chance(0.35);
  if (ordered) sql += orderBy(rng, types.length, true) + (rng.chance(0.5) ? limit(rng) : '');
  return { sql, ordered };
}

/** A query over a derived table or a CTE that groups, joined with a table now and then. */
export function derived(g: Generator): Shape {
  const { rng } = g;
  const inner = fromClause(g, 1, 'inner');
  const row = context(g, inner.scope, 'any');
  const key = rng.pick(inner.scope.columns);
  const group = context(g, inner.scope, 'any', { mode: 'group', groupKeys: [key] });
  const cols = [
    { name: 'g', sql: columnRef(row, key), type: key.type },
    ...Array.from({ length: rng.int(1, 2) }, (_, i) => {
      const a = aggregate(group, rng.weighted(TYPES));
      return { name: `m${i + 1}`, sql: a.sql, type: a.type };
    }),
  ];
  const where = rng.chance(0.4) ? ` WHERE ${predicate(row, 1)}` : '';
  const body = `SELECT ${cols.map((c) => `${c.sql} AS ${c.name}`).join(', ')} FROM ${inner.sql}${where} GROUP BY ${columnRef(row, key)}`;
  const cte = rng.chance(0.4);
  const d = { alias: 'd1', columns: cols.map((c) => ({ name: c.name, type: c.type })) };
  let from = cte ? 'cte1 AS d1' : `(${body}) AS d1`;
  let scope = scopeOf([d]);
  if (rng.chance(0.4)) {
    const other = rng.pick(g.db.tables);
    const partner = other.columns.find((c) => c.type === key.type && c.type !== 'real');
    if (partner) {
      from += ` ${rng.pick(['JOIN', 'LEFT JOIN'])} {${other.name}} AS ${other.name} ON d1.g = ${other.name}.${partner.name}`;
      scope = scopeOf([d, { alias: other.name, columns: other.columns }]);
    }
  }
  const ctx = context(g, scope, 'any');
  const list = items(ctx, rng.int(1, 3), 1);
  const outerWhere = rng.chance(0.4) ? ` WHERE ${predicate(ctx, 1)}` : '';
  const ordered = rng.chance(0.3);
  const tail = ordered ? orderBy(rng, list.length) : '';
  return { sql: `${cte ? `WITH cte1 AS (${body}) ` : ''}SELECT ${selectList(list)} FROM ${from}${outerWhere}${tail}`, ordered };
}

/** An unqualified name that two joined tables share: every engine must refuse it. */
export function ambiguous(g: Generator): Shape | undefined {
  const { rng } = g;
  const from = fromClause(g, rng.int(2, 3), 'inner');
  const shared = [...from.scope.names].filter(([, n]) => n > 1).map(([name]) => name);
  if (shared.length === 0) return undefined;
  const name = rng.pick(shared);
  const ctx = context(g, from.scope, 'any');
  const others = items(ctx, rng.int(0, 1), 0);
  const list = rng.chance(0.7) ? [{ sql: name, type: 'int' as const }, ...others] : [...others, { sql: `count(${name})`, type: 'int' as const }];
  const where = rng.chance(0.3) ? [...from.where, `${name} IS NOT NULL`] : from.where;
  return { sql: `SELECT ${selectList(list)} FROM ${from.sql}${whereClause(where)}`, ordered: false, expectError: true };
}

/**
 * Window functions whose answer is determined: aggregates over whole partitions or
 * over an ORDER BY with its peers (the default RANGE frame), rank and dense_rank,
 * and row_number and lag only under an order by every column of the table (rows
 * that tie there are identical, so which one comes first does not show).
 */
export function windowFunctions(g: Generator): Shape {
  const { rng } = g;
  const from = fromClause(g, 1, 'inner');
  const ctx = context(g, from.scope, 'any');
  const cols = from.scope.columns;
  const ref = (c: ScopeColumn) => columnRef(ctx, c);
  const sort = (c: ScopeColumn) => `${ref(c)} ${rng.pick(['ASC', 'DESC'])} NULLS ${rng.pick(['FIRST', 'LAST'])}`;
  const partition = () => (rng.chance(0.8) ? `PARTITION BY ${rng.sample(cols, rng.int(1, 2)).map(ref).join(', ')}` : '');
  const over = (order: string) => `OVER (${[partition(), order].filter(Boolean).join(' ')})`;
  const total = () => `ORDER BY ${rng.sample(cols, cols.length).map(sort).join(', ')}`;
  const numeric = cols.filter((c) => c.type !== 'text');
  const windowed = (): Item => {
    switch (rng.int(0, 4)) {
      case 0: {
        const fn = numeric.length > 0 ? rng.pick(['count(*)', `sum(${ref(rng.pick(numeric))})`, `avg(${ref(rng.pick(numeric))})`, `min(${ref(rng.pick(cols))})`, `max(${ref(rng.pick(cols))})`]) : `count(${ref(rng.pick(cols))})`;
        return { sql: `${fn} ${over('')}`, type: 'real' };
      }
      case 1: {
        const fn = numeric.length > 0 ? rng.pick(['count(*)', `sum(${ref(rng.pick(numeric))})`, `max(${ref(rng.pick(cols))})`]) : 'count(*)';
        return { sql: `${fn} ${over(`ORDER BY ${sort(rng.pick(cols))}`)}`, type: 'real' };
      }
      case 2:
        return { sql: `${rng.pick(['rank()', 'dense_rank()'])} ${over(`ORDER BY ${rng.sample(cols, rng.int(1, 2)).map(sort).join(', ')}`)}`, type: 'int' };
      case 3:
        return { sql: `row_number() ${over(total())}`, type: 'int' };
      default:
        return { sql: `${rng.pick(['lag', 'lead'])}(${ref(rng.pick(cols))}) ${over(total())}`, type: 'real' };
    }
  };
  const list: Item[] = [...rng.sample(cols, rng.int(0, 2)).map((c) => ({ sql: ref(c), type: c.type })), ...Array.from({ length: rng.int(1, 2) }, windowed)];
  const where = rng.chance(0.3) ? ` WHERE ${predicate(ctx, 1)}` : '';
  return { sql: `SELECT ${selectList(list)} FROM ${from.sql}${where}`, ordered: false };
}

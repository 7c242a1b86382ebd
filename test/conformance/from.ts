/**
 * FROM clauses of 1–6 tables (self-joins included) and the subqueries that
 * expressions may contain. Each join step is estimated from the data (rows × rows
 * × the share of row pairs whose join columns match), so that joins stay within a
 * few thousand rows and mostly keep some rows down a chain.
 */
import { aggregate } from './aggregates.js';
import { columnRef, expr, type ExprContext, type Scope, type ScopeColumn, type Subqueries } from './expressions.js';
import { predicate } from './predicates.js';
import type { Rng } from './prng.js';
import { matchShare, rowCount, type ColumnType, type Database, type TableData } from './tables.js';

/** Rows a join may grow to (estimated). */
const MAX_JOIN_ROWS = 3000;

export type JoinStyle = 'inner' | 'outer';

export interface From {
  sql: string;
  scope: Scope;
  /** Conditions of comma joins, for the WHERE clause. */
  where: string[];
  /** Estimated rows. */
  rows: number;
}

export interface Generator {
  rng: Rng;
  db: Database;
  sub: Subqueries;
}

/** The scope of some tables under their aliases. */
export function scopeOf(entries: ReadonlyArray<{ alias: string; columns: ReadonlyArray<{ name: string; type: ColumnType }>; table?: TableData }>, outer?: Scope): Scope {
  const columns = entries.flatMap((e) =>
    e.columns.map((c, i): ScopeColumn => ({ alias: e.alias, name: c.name, type: c.type, ...(e.table ? { values: e.table.rows.map((r) => r[i]!) } : {}) })),
  );
  const names = new Map<string, number>();
  for (const c of columns) names.set(c.name, (names.get(c.name) ?? 0) + 1);
  return { columns, names, ...(outer ? { outer } : {}) };
}

function pickTables(g: Generator, count: number, prefix: string): Array<{ alias: string; table: TableData }> {
  const out: Array<{ alias: string; table: TableData }> = [];
  const uses = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    let table = g.rng.pick(g.db.tables);
    // an empty table empties an inner join: in a join, mostly another one
    if (table.empty && count > 1 && g.rng.chance(0.7)) table = g.rng.pick(g.db.tables);
    const n = (uses.get(table.name) ?? 0) + 1;
    uses.set(table.name, n);
    const alias = prefix === 't' ? (n === 1 ? table.name : `${table.name}_${n}`) : `${prefix}${i + 1}`;
    out.push({ alias, table });
  }
  return out;
}

/** `{t3} AS t3 JOIN {t1} AS t1 ON …`: `prefix` 't' names aliases after their tables, others number them (q1_1, …) so that subqueries never shadow. */
export function fromClause(g: Generator, count: number, style: JoinStyle, prefix = 't', outer?: Scope): From {
  const { rng } = g;
  const picked = pickTables(g, count, prefix);
  const full = scopeOf(picked.map((p) => ({ alias: p.alias, columns: p.table.columns, table: p.table })), outer);
  const commas = style === 'inner' && rng.chance(0.3);
  const item = (p: { alias: string; table: TableData }) => `{${p.table.name}} AS ${p.alias}`;
  let sql = item(picked[0]!);
  let rows = rowCount(picked[0]!.table);
  const where: string[] = [];
  const used = [picked[0]!];
  for (const next of picked.slice(1)) {
    const visible = scopeOf(used.concat(next).map((p) => ({ alias: p.alias, columns: p.table.columns, table: p.table })), outer);
    const ctx: ExprContext = { rng, scope: { ...visible, names: full.names }, mode: 'row', groupKeys: [], focus: 'any', subqueries: 0, sub: g.sub, correlate: false };
    const nextRows = rowCount(next.table);
    // equality candidates between the new table and the ones before it, with the rows each would give
    const candidates: Array<{ left: ScopeColumn; right: ScopeColumn; rows: number; selectivity: number }> = [];
    for (const right of next.table.columns) {
      if (right.type === 'real') continue;
      for (const p of used) {
        for (const left of p.table.columns) {
          if (left.type !== right.type) continue;
          const selectivity = matchShare(p.table, left.name, next.table, right.name);
          candidates.push({ left: { alias: p.alias, ...left }, right: { alias: next.alias, ...right }, rows: Math.ceil(rows * nextRows * selectivity), selectivity });
        }
      }
    }
    // pairs that match some rows, mostly (a join to nothing now and then)
    const fitting = candidates.filter((c) => c.rows <= MAX_JOIN_ROWS && (c.selectivity > 0 || rng.chance(0.1)));
    // mostly a pair that keeps rows flowing down a chain of joins, and a shared name when there is one
    const flowing = fitting.filter((c) => c.rows >= 2);
    const pool = flowing.length > 0 && rng.chance(0.85) ? flowing : fitting;
    const shared = pool.filter((c) => c.left.name === c.right.name);
    const chosen = pool.length === 0 ? undefined : rng.chance(0.6) && shared.length > 0 ? rng.pick(shared) : rng.pick(pool);
    if (!chosen && rows * Math.max(nextRows, 1) > 400) break;
    let condition = chosen ? `${columnRef(ctx, chosen.left)} = ${columnRef(ctx, chosen.right)}` : undefined;
    if (condition && rng.chance(0.2)) condition += ` AND ${predicate(ctx, 1)}`;
    const outerJoin = style === 'outer' && rng.chance(0.75);
    if (commas) {
      sql += `, ${item(next)}`;
      if (condition) where.push(condition);
    } else if (!condition) {
      sql += ` CROSS JOIN ${item(next)}`;
    } else {
      const kind = outerJoin ? rng.weighted([['LEFT JOIN', 6], ['LEFT OUTER JOIN', 1], ['RIGHT JOIN', 1], ['FULL JOIN', 1]] as const) : rng.pick(['JOIN', 'INNER JOIN']);
      sql += ` ${kind} ${item(next)} ON ${condition}`;
    }
    rows = chosen ? Math.max(chosen.rows, outerJoin ? rows + nextRows : 0) : rows * nextRows;
    used.push(next);
  }
  // the scope is what was joined (a join may have stopped early)
  const scope = scopeOf(used.map((p) => ({ alias: p.alias, columns: p.table.columns, table: p.table })), outer);
  return { sql, scope, where, rows };
}

/** How deep the subquery being generated is nested (generation is synchronous): q1_… in the query, q2_… inside those. */
let level = 0;

/** A correlation `inner = outer` between columns of the same type, when there is one. */
function correlation(rng: Rng, inner: Scope, outer: Scope, ctx: ExprContext): string | undefined {
  const pairs = inner.columns.flatMap((i) => outer.columns.filter((o) => o.type === i.type && o.type !== 'real').map((o) => [i, o] as const));
  if (pairs.length === 0) return undefined;
  const sameName = pairs.filter(([i, o]) => i.name === o.name);
  const [i, o] = rng.chance(0.6) && sameName.length > 0 ? rng.pick(sameName) : rng.pick(pairs);
  return `${columnRef(ctx, i)} ${rng.chance(0.85) ? '=' : rng.pick(['<', '>', '<>'])} ${o.alias}.${o.name}`;
}

/** The FROM and WHERE of a subquery; correlated with the enclosing query when asked (or now and then). */
function subqueryBody(g: Generator, ctx: ExprContext, needsWhere: boolean): { from: string; inner: ExprContext } {
  const { rng } = g;
  level++;
  try {
    const from = fromClause(g, rng.chance(0.2) ? 2 : 1, 'inner', `q${level}_`, ctx.scope);
    const inner: ExprContext = { ...ctx, scope: from.scope, mode: 'row', groupKeys: [], subqueries: ctx.subqueries - 1, focus: 'any' };
    const conditions = [...from.where];
    if (ctx.correlate || rng.chance(0.3)) {
      const c = correlation(rng, from.scope, ctx.scope, inner);
      if (c) conditions.push(c);
    }
    if (rng.chance(needsWhere ? 0.5 : 0.35)) conditions.push(predicate({ ...inner, subqueries: 0 }, 1));
    return { from: from.sql + (conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''), inner };
  } finally {
    level--;
  }
}

export function makeSubqueries(g: () => Generator): Subqueries {
  return {
    scalar(ctx, type) {
      const { from, inner } = subqueryBody(g(), ctx, false);
      return `(SELECT ${aggregate({ ...inner, mode: 'group' }, type).sql} FROM ${from})`;
    },
    column(ctx, type) {
      const { from, inner } = subqueryBody(g(), ctx, false);
      return `(SELECT ${ctx.rng.chance(0.2) ? 'DISTINCT ' : ''}${expr({ ...inner, subqueries: 0 }, type, ctx.rng.int(0, 1)).sql} FROM ${from})`;
    },
    exists(ctx) {
      const { from, inner } = subqueryBody(g(), ctx, true);
      const what = ctx.rng.pick(['1', '*', expr({ ...inner, subqueries: 0 }, 'int', 0).sql]);
      return `(SELECT ${what} FROM ${from})`;
    },
  };
}

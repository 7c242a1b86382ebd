/**
 * Typed value expressions (integer, real, text) over a scope of columns, written
 * so that they mean the same in DuckDB's SQL and in SQLite's. What the two
 * dialects answer differently is not generated (see normalise.ts, "Not generated").
 */
import type { Rng } from './prng.js';
import { aggregate } from './aggregates.js';
import { literal, q, realLiteral } from './literals.js';
import { predicate } from './predicates.js';
import { INT_BOUND, type ColumnType, type Value } from './tables.js';

export type ExprType = ColumnType | 'bool';

export interface ScopeColumn {
  /** The table's alias in the FROM clause. */
  alias: string;
  name: string;
  type: ColumnType;
  /** The values the column holds (a table's column; not a derived table's), for literals that match some rows. */
  values?: readonly Value[];
}

export interface Scope {
  /** Columns an expression here may read. */
  columns: ScopeColumn[];
  /** Every column name of the FROM clause, with how many tables have it: a name is written unqualified only when it is unique. */
  names: Map<string, number>;
  /** The enclosing query's scope, for correlated subqueries (always read qualified). */
  outer?: Scope;
}

export interface Expr {
  sql: string;
  type: ColumnType;
  /** Integers: the largest absolute value it can take (DuckDB's INTEGER overflows past 2^31). */
  bound: number;
  /** Reals: DuckDB types it DECIMAL (built from literals), whose width a product of products can overflow. */
  exact: boolean;
}

export type Focus = 'any' | 'arith' | 'string' | 'case' | 'predicate';

/** Builds the subqueries an expression may contain (generate.ts, which knows the tables). */
export interface Subqueries {
  /** `(SELECT agg(…) FROM …)`: exactly one row. */
  scalar(ctx: ExprContext, type: ColumnType): string;
  /** `(SELECT e FROM …)`: one column of this type, any number of rows (NULLs among them). */
  column(ctx: ExprContext, type: ColumnType): string;
  /** `(SELECT … FROM … WHERE …)`, usually correlated. */
  exists(ctx: ExprContext): string;
}

export interface ExprContext {
  rng: Rng;
  scope: Scope;
  /** row: the columns of a row; group: group keys, aggregates and literals only. */
  mode: 'row' | 'group';
  groupKeys: ScopeColumn[];
  focus: Focus;
  /** How many levels of subqueries may still nest. */
  subqueries: number;
  sub: Subqueries;
  /** Prefer correlated subqueries. */
  correlate: boolean;
}

/** A column as written here: unqualified when its name is unique in the FROM clause (half the time), else alias.name. */
export function columnRef(ctx: ExprContext, col: ScopeColumn): string {
  const unique = ctx.scope.names.get(col.name) === 1 && ctx.scope.columns.includes(col);
  return unique && ctx.rng.chance(0.5) ? col.name : `${col.alias}.${col.name}`;
}

/** Columns of this type that an expression here may read bare. */
function leaves(ctx: ExprContext, type: ColumnType): ScopeColumn[] {
  const cols = ctx.mode === 'group' ? ctx.groupKeys : ctx.scope.columns;
  return cols.filter((c) => c.type === type);
}

const leaf = (sql: string, type: ColumnType, bound = INT_BOUND, exact = false): Expr => ({ sql, type, bound, exact });

/** A value expression of this type; `depth` bounds its nesting. */
export function expr(ctx: ExprContext, type: ColumnType, depth: number): Expr {
  const { rng } = ctx;
  const cols = leaves(ctx, type);
  const weights = compoundWeight(ctx.focus, type);
  if (depth <= 0 || !rng.chance(weights)) {
    if (ctx.mode === 'group' && (cols.length === 0 || rng.chance(0.6))) return aggregate(ctx, type);
    if (cols.length > 0 && rng.chance(0.85)) return leaf(columnRef(ctx, rng.pick(cols)), type);
    if (rng.chance(0.08)) return leaf('NULL', type, 0);
    return type === 'real' ? leaf(realLiteral(rng), type, 0, true) : leaf(literal(rng, type), type, 20);
  }
  if (ctx.mode === 'row' && ctx.subqueries > 0 && rng.chance(0.06)) return leaf(ctx.sub.scalar(ctx, type), type, 40 * INT_BOUND);
  switch (type) {
    case 'int':
      return intExpr(ctx, depth - 1);
    case 'real':
      return realExpr(ctx, depth - 1);
    case 'text':
      return textExpr(ctx, depth - 1);
  }
}

function compoundWeight(focus: Focus, type: ColumnType): number {
  if (focus === 'arith') return type === 'text' ? 0.2 : 0.7;
  if (focus === 'string') return type === 'text' ? 0.7 : 0.3;
  if (focus === 'case') return 0.6;
  return 0.4;
}

/** CASE, coalesce and nullif: the same for every type. */
function conditional(ctx: ExprContext, type: ColumnType, depth: number): Expr {
  const { rng } = ctx;
  const a = expr(ctx, type, depth);
  const b = expr(ctx, type, depth);
  const bound = Math.max(a.bound, b.bound);
  const exact = a.exact && b.exact;
  switch (rng.int(0, 3)) {
    case 0: {
      const whens = Array.from({ length: rng.int(1, 2) }, () => ` WHEN ${predicate(ctx, depth)} THEN ${expr(ctx, type, depth).sql}`).join('');
      return { sql: `CASE${whens} WHEN ${predicate(ctx, depth)} THEN ${a.sql}${rng.chance(0.8) ? ` ELSE ${b.sql}` : ''} END`, type, bound, exact };
    }
    case 1: {
      // the simple form: CASE e WHEN v THEN …
      const subject = expr(ctx, type, depth);
      const whens = Array.from({ length: rng.int(1, 3) }, () => ` WHEN ${literal(rng, type)} THEN ${expr(ctx, type, depth).sql}`).join('');
      return { sql: `CASE ${subject.sql}${whens}${rng.chance(0.7) ? ` ELSE ${a.sql}` : ''} END`, type, bound, exact };
    }
    case 2:
      return { sql: `coalesce(${a.sql}, ${b.sql})`, type, bound, exact };
    default:
      return { sql: `nullif(${a.sql}, ${b.sql})`, type, bound: a.bound, exact: a.exact };
  }
}

function intExpr(ctx: ExprContext, depth: number): Expr {
  const { rng } = ctx;
  const focus = ctx.focus;
  const choice = rng.weighted([
    ['arith', focus === 'arith' ? 6 : 3],
    ['divide', focus === 'arith' ? 3 : 1],
    ['unary', 1],
    ['length', focus === 'string' ? 4 : 1],
    ['cast', focus === 'case' ? 3 : 1],
    ['conditional', focus === 'case' ? 4 : 1],
  ] as const);
  switch (choice) {
    case 'arith': {
      const a = expr(ctx, 'int', depth);
      const b = expr(ctx, 'int', depth);
      const op = a.bound * b.bound <= 1_000_000 ? rng.pick(['+', '-', '*']) : rng.pick(['+', '-']);
      return { sql: `(${a.sql} ${op} ${b.sql})`, type: 'int', bound: op === '*' ? a.bound * b.bound : a.bound + b.bound, exact: false };
    }
    case 'divide': {
      // integer division and remainder, truncated toward zero in both; by zero: NULL in both
      const a = expr(ctx, 'int', depth);
      const b = expr(ctx, 'int', depth);
      return { sql: `(${a.sql} ${rng.pick(['/', '%'])} ${b.sql})`, type: 'int', bound: a.bound, exact: false };
    }
    case 'unary': {
      const a = expr(ctx, 'int', depth);
      return { sql: rng.chance(0.5) ? `abs(${a.sql})` : `(-(${a.sql}))`, type: 'int', bound: a.bound, exact: false };
    }
    case 'length': {
      const t = expr(ctx, 'text', depth);
      return rng.chance(0.7) ? leaf(`length(${t.sql})`, 'int', 40) : leaf(`instr(${t.sql}, ${q(rng.pick(['a', 'b', 'l', ' ', 'ab']))})`, 'int', 40);
    }
    case 'cast':
      // a truth value as 0/1; an integer written as text and read back
      if (rng.chance(0.5)) return leaf(`CAST((${predicate(ctx, depth)}) AS INTEGER)`, 'int', 1);
      const inner = expr(ctx, 'int', depth);
      return { ...inner, sql: `CAST(CAST(${inner.sql} AS TEXT) AS INTEGER)` };
    case 'conditional':
      return conditional(ctx, 'int', depth);
  }
}

function realExpr(ctx: ExprContext, depth: number): Expr {
  const { rng } = ctx;
  const choice = rng.weighted([
    ['arith', ctx.focus === 'arith' ? 6 : 3],
    ['divide', ctx.focus === 'arith' ? 2 : 1],
    ['unary', 1],
    ['cast', ctx.focus === 'case' ? 3 : 1],
    ['conditional', ctx.focus === 'case' ? 4 : 1],
  ] as const);
  const num = () => (rng.chance(0.6) ? expr(ctx, 'real', depth) : expr(ctx, 'int', depth));
  switch (choice) {
    case 'arith': {
      const a = expr(ctx, 'real', depth);
      const b = num();
      const exactA = a.exact;
      const exactB = b.type === 'real' ? b.exact : true;
      const op = exactA && exactB ? rng.pick(['+', '-']) : rng.pick(['+', '-', '*']);
      const [l, r] = rng.chance(0.5) ? [a, b] : [b, a];
      return { sql: `(${l.sql} ${op} ${r.sql})`, type: 'real', bound: 0, exact: exactA && exactB };
    }
    case 'divide': {
      // a real quotient (DuckDB: DOUBLE); by zero: NULL in both
      const a = expr(ctx, 'real', depth);
      const b = num();
      return rng.chance(0.5) ? leaf(`(${a.sql} / ${b.sql})`, 'real', 0) : leaf(`(${b.sql} / ${a.sql})`, 'real', 0);
    }
    case 'unary': {
      const a = expr(ctx, 'real', depth);
      return { sql: rng.chance(0.5) ? `abs(${a.sql})` : `(-(${a.sql}))`, type: 'real', bound: 0, exact: a.exact };
    }
    case 'cast':
      return leaf(`CAST(${expr(ctx, 'int', depth).sql} AS DOUBLE)`, 'real', 0);
    case 'conditional':
      return conditional(ctx, 'real', depth);
  }
}

function textExpr(ctx: ExprContext, depth: number): Expr {
  const { rng } = ctx;
  const choice = rng.weighted([
    ['case', ctx.focus === 'string' ? 3 : 1],
    ['trim', ctx.focus === 'string' ? 2 : 1],
    ['substr', ctx.focus === 'string' ? 3 : 1],
    ['replace', ctx.focus === 'string' ? 2 : 1],
    ['concat', ctx.focus === 'string' ? 3 : 1],
    ['cast', ctx.focus === 'case' ? 3 : 1],
    ['conditional', ctx.focus === 'case' ? 4 : 1],
  ] as const);
  const t = () => expr(ctx, 'text', depth);
  switch (choice) {
    case 'case':
      return leaf(`${rng.pick(['upper', 'lower'])}(${t().sql})`, 'text');
    case 'trim':
      return leaf(`${rng.pick(['trim', 'ltrim', 'rtrim'])}(${t().sql})`, 'text');
    case 'substr': {
      // start ≥ 1 and length ≥ 0: both dialects count from 1 there (they differ below it)
      const start = rng.int(1, 4);
      return leaf(rng.chance(0.7) ? `substr(${t().sql}, ${start}, ${rng.int(0, 3)})` : `substr(${t().sql}, ${start})`, 'text');
    }
    case 'replace':
      return leaf(`replace(${t().sql}, ${q(rng.pick(['a', 'b', 'ab', ' ', 'l']))}, ${q(rng.pick(['', 'x', 'AB', '-']))})`, 'text');
    case 'concat': {
      // text || text, or text || integer (integers print alike in both; reals do not)
      const right = rng.chance(0.3) ? expr(ctx, 'int', depth).sql : t().sql;
      return leaf(rng.chance(0.5) ? `(${t().sql} || ${right})` : `(${right} || ${t().sql})`, 'text');
    }
    case 'cast':
      return leaf(`CAST(${expr(ctx, 'int', depth).sql} AS TEXT)`, 'text');
    case 'conditional':
      return conditional(ctx, 'text', depth);
  }
}

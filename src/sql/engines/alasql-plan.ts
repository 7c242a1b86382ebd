/**
 * The bound form of a query on the alasql engine: every name resolved to a
 * column of a table in scope (or an output column), every expression typed, and
 * each construct turned into one whose meaning the executor controls. The
 * executor compiles this, never the parsed tree.
 */
import type { AggregateName, CastType, SumMode, Type } from './alasql-functions.js';
import type { Arith, Value } from './alasql-values.js';

export interface ColumnInfo {
  /** As the table names it. */
  name: string;
  /** The property of the row objects alasql reads (a safe identifier). */
  key: string;
  type: Type;
}

export interface Source {
  /** alasql's alias for it: s0, s1, … (unique in the query). */
  alias: string;
  /** For messages: the table as written, or its alias. */
  label: string;
  /** Lower-case names that qualify its columns (its alias, or the table's name). */
  names: string[];
  /** Undefined when not known before the data arrives (js.`…` tables, in check). */
  columns: ColumnInfo[] | undefined;
  /** A collected table (its declared name, "_t0") … */
  table?: string;
  /** … or a derived table / CTE, run before the query that reads it. */
  query?: Query;
  join: 'from' | 'inner' | 'left' | 'cross';
  on?: Expr;
}

export type Expr = (
  | { k: 'lit'; value: Value }
  | { k: 'col'; source: Source; scope: SelectPlan; column: ColumnInfo }
  | { k: 'cmp'; op: '<' | '<=' | '>' | '>=' | '=' | '<>'; args: [Expr, Expr] }
  | { k: 'arith'; op: Arith; int: boolean; args: [Expr, Expr] }
  | { k: 'neg'; args: [Expr] }
  | { k: 'concat'; ints: [boolean, boolean]; args: [Expr, Expr] }
  | { k: 'like'; negate: boolean; args: Expr[] }
  | { k: 'not'; args: [Expr] }
  | { k: 'and' | 'or'; args: [Expr, Expr] }
  | { k: 'is'; what: 'null' | 'true' | 'false'; negate: boolean; args: [Expr] }
  /** a IS NOT DISTINCT FROM b (negate: IS DISTINCT FROM): = with NULL equal to NULL, never NULL itself. */
  | { k: 'same'; negate: boolean; args: [Expr, Expr] }
  | { k: 'in'; negate: boolean; args: Expr[] }
  | { k: 'case'; args: Expr[]; hasElse: boolean }
  | { k: 'coalesce'; args: Expr[] }
  | { k: 'fn'; name: string; args: Expr[] }
  | { k: 'cast'; to: CastType; int: boolean; args: [Expr] }
  | { k: 'agg'; fn: AggregateName; mode: SumMode; distinct: boolean; args: Expr[] }
  | { k: 'gref'; index: number }
  | { k: 'sub'; mode: 'scalar' | 'exists' | 'in'; negate: boolean; query: Query; args: Expr[] }
  | { k: 'ext'; name: string; args: Expr[] }
) & { type: Type };

export interface Item {
  name: string;
  expr: Expr;
}

export interface OrderKey {
  /** Into the items, then the hidden keys. */
  index: number;
  desc: boolean;
  nullsFirst: boolean;
}

export interface SelectPlan {
  kind: 'select';
  parent: SelectPlan | undefined;
  sources: Source[];
  where: Expr | undefined;
  /** GROUP BY expressions; `gref` i stands for group[i] in grouped contexts. */
  group: Expr[];
  /** GROUP BY or an aggregate: the select list, HAVING and ORDER BY read groups. */
  grouped: boolean;
  having: Expr | undefined;
  items: Item[];
  /** A * over a table whose columns are not known yet (check): the items are not all of the output. */
  partial: boolean;
  /** ORDER BY keys that are not output columns. */
  hidden: Expr[];
  distinct: boolean;
  order: OrderKey[];
  limit: number | undefined;
  offset: number;
}

export interface SetPlan {
  kind: 'set';
  op: 'union' | 'except' | 'intersect';
  all: boolean;
  left: Query;
  right: Query;
  order: OrderKey[];
  limit: number | undefined;
  offset: number;
}

export type Query = SelectPlan | SetPlan;

export function outputOf(q: Query): Item[] {
  return q.kind === 'select' ? q.items : outputOf(q.left);
}

/** Whether the output columns are not all known yet (a * over a table known only from its data, in check). */
export function partialOutput(q: Query): boolean {
  return q.kind === 'select' ? q.partial : partialOutput(q.left) || partialOutput(q.right);
}

/** The child expressions of a node (not into subqueries). */
export function children(e: Expr): Expr[] {
  return 'args' in e ? e.args : [];
}

const queryIds = new WeakMap<Query, number>();
let queries = 0;

/** Equal strings for expressions that compute the same thing (GROUP BY matching); a subquery only equals itself. */
export function canon(e: Expr): string {
  switch (e.k) {
    case 'lit':
      return `l:${typeof e.value}:${String(e.value)}`;
    case 'col':
      return `c:${e.source.alias}.${e.column.name}`;
    case 'gref':
      return `g:${e.index}`;
    case 'sub': {
      if (!queryIds.has(e.query)) queryIds.set(e.query, queries++);
      return `q${e.mode}${e.negate}:${queryIds.get(e.query)}(${children(e).map(canon).join(',')})`;
    }
    default: {
      const extra = e.k === 'cmp' || e.k === 'arith' ? e.op : e.k === 'is' ? `${e.what}${e.negate}` : e.k === 'fn' || e.k === 'ext' ? e.name : e.k === 'agg' ? `${e.fn}${e.distinct}` : e.k === 'cast' ? e.to : 'negate' in e ? String(e.negate) : '';
      return `${e.k}${extra}(${children(e).map(canon).join(',')})`;
    }
  }
}

/** The SELECTs of a query (both sides of its set operations) and their own expressions, subqueries not entered. */
export function selectsOf(q: Query): { selects: Set<SelectPlan>; exprs: Expr[] } {
  const selects = new Set<SelectPlan>();
  const exprs: Expr[] = [];
  const queries: Query[] = [q];
  while (queries.length > 0) {
    const cur = queries.pop()!;
    if (cur.kind === 'set') {
      queries.push(cur.left, cur.right);
      continue;
    }
    selects.add(cur);
    for (const s of cur.sources) if (s.on) exprs.push(s.on);
    exprs.push(...cur.items.map((i) => i.expr), ...cur.hidden, ...cur.group);
    if (cur.where) exprs.push(cur.where);
    if (cur.having) exprs.push(cur.having);
  }
  return { selects, exprs };
}

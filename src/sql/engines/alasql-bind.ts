/**
 * Binds a parsed query (the guard's whitelisted tree) into the plan the executor
 * runs: names resolved case-insensitively against the columns of the tables in
 * scope — an unknown one is an error naming the table and close names, where
 * alasql would silently read undefined — every expression typed, and whatever
 * this engine would answer wrongly refused with a reason.
 */
import { closeNames } from '../suggest.js';
import { SqlError, sqlPosition } from '../errors.js';
import { boolean, common, expr, lift, nameOf } from './alasql-expr.js';
import type { Type } from './alasql-functions.js';
import type { AstNode, Parsed } from './alasql-guard.js';
import { canon, children, outputOf, partialOutput, type ColumnInfo, type Expr, type Item, type OrderKey, type Query, type SelectPlan, type Source } from './alasql-plan.js';
import type { Rewritten } from './alasql-rewrite.js';
import type { Value } from './alasql-values.js';

export interface TableInfo {
  /** The declared name ("_t0"). */
  name: string;
  /** As the user wrote it (process.memory). */
  label: string;
  /** Undefined: known only from the data (check mode, js.`…`). */
  columns: ColumnInfo[] | undefined;
}

export interface BindResult {
  query: Query;
  /** Per table: the columns the query reads (lower case); undefined: all of them. */
  reads: Map<string, Set<string> | undefined>;
}

export const DUCKDB = 'run with --engine duckdb where DuckDB is installed';

export interface Env {
  rw: Rewritten;
  /** Each parsed node's kind (from the guard). */
  kinds: WeakMap<object, string>;
  tables: Map<string, TableInfo>;
  ctes: Map<string, { query: Query; name: string }>;
  /** Names of extension functions (lower case); undefined: not known yet (check). */
  functions: ReadonlySet<string> | undefined;
  sources: number;
  /** While binding HAVING: the select list's names, for names no table has. */
  aliases: Item[] | undefined;
  reads: Map<string, Set<string> | undefined>;
}

/** 'select': a grouped query's select list, HAVING or ORDER BY, where aggregates may appear. */
export type Mode = 'row' | 'select';

export function bind({ ast, kinds }: Parsed, rw: Rewritten, tables: readonly TableInfo[], functions: ReadonlySet<string> | undefined): BindResult {
  const env: Env = {
    rw,
    kinds,
    tables: new Map(tables.map((t) => [t.name.toLowerCase(), t])),
    ctes: new Map(),
    functions,
    sources: 0,
    aliases: undefined,
    reads: new Map(tables.map((t) => [t.name, new Set<string>()])),
  };
  const query = bindQuery(ast, env, undefined);
  return { query, reads: env.reads };
}

// ---- helpers

export function kindIn(env: Env, n: unknown): string {
  return (typeof n === 'object' && n !== null && env.kinds.get(n)) || '';
}

export function ident(env: Env, id: unknown): { name: string; at: number } {
  const i = env.rw.identifiers[Number(String(id).slice(3))];
  if (!i) throw new SqlError('SQL_UNSUPPORTED', 'this name is not supported by the alasql engine', { hint: DUCKDB });
  return i;
}

export function literal(env: Env, node: AstNode): { value: Value; type: Type } {
  const l = env.rw.literals[Number(String(node.param).slice(3))]!;
  return { value: l.value, type: l.type };
}

export function error(env: Env, code: string, message: string, hint: string, at?: number): SqlError {
  return new SqlError(code, `${message}${sqlPosition(env.rw.userText, at)}`, { hint, ...(at === undefined ? {} : { position: at }) });
}

export function unsupported(env: Env, what: string, hint = DUCKDB, at?: number): SqlError {
  return error(env, 'SQL_UNSUPPORTED', `${what} is not supported by the alasql engine`, hint, at);
}

// ---- queries

export function bindQuery(ast: AstNode, env: Env, parent: SelectPlan | undefined): Query {
  if (kindIn(env, ast) === 'WithSelect') {
    const saved = new Map(env.ctes);
    try {
      for (const w of ast.withs as AstNode[]) {
        const name = ident(env, w.name);
        const query = bindQuery(w.select as AstNode, env, undefined);
        env.ctes.set(name.name.toLowerCase(), { query, name: name.name });
      }
      return bindQuery(ast.select as AstNode, env, parent);
    } finally {
      env.ctes = saved;
    }
  }
  // A set-operation chain: alasql nests it to the right (a UNION (b EXCEPT c)); SQL reads it from the left.
  const chain: Array<{ op: 'union' | 'except' | 'intersect'; all: boolean; select: AstNode }> = [];
  let cur = ast;
  for (;;) {
    const next = (['union', 'unionall', 'except', 'intersect'] as const).find((k) => cur[k] !== undefined);
    if (!next) break;
    const select = cur[next] as AstNode;
    chain.push({ op: next === 'unionall' ? 'union' : next, all: next === 'unionall', select });
    cur = select;
  }
  if (chain.length === 0) return bindSelect(ast, env, parent, false);
  if (chain.some((c) => c.op === 'intersect') && chain.some((c) => c.op !== 'intersect')) {
    throw unsupported(env, 'INTERSECT mixed with UNION or EXCEPT', 'engines disagree on which goes first: split the query with a WITH');
  }
  let query: Query = bindSelect(ast, env, parent, true);
  const width = outputOf(query).length;
  for (const { op, all, select } of chain) {
    if (select.order || select.limit || select.offset) throw unsupported(env, 'ORDER BY or LIMIT inside a branch of UNION/EXCEPT/INTERSECT', 'put ORDER BY and LIMIT at the end; they apply to the whole result');
    if (op === 'intersect' && all) throw unsupported(env, 'INTERSECT ALL');
    const right = bindSelect(select, env, parent, true);
    if (outputOf(right).length !== width && !partialOutput(query) && !partialOutput(right)) {
      throw error(env, 'SQL_BIND', `each side of ${op.toUpperCase()} must have the same number of columns (${width} and ${outputOf(right).length})`, 'select as many columns on each side');
    }
    outputOf(query).forEach((item, i) => common(env, [item.expr.type, outputOf(right)[i]?.expr.type ?? 'any'], `${op.toUpperCase()} column ${i + 1}`));
    query = { kind: 'set', op, all, left: query, right, order: [], limit: undefined, offset: 0 };
  }
  const set = query as Query & { kind: 'set' };
  const names = outputOf(set).map((i) => i.name.toLowerCase());
  set.order = ((ast.order as AstNode[] | undefined) ?? []).map((o) => {
    const e = o.expression as AstNode;
    let index = -1;
    if (kindIn(env, e) === 'ParamValue' && literal(env, e).type === 'int') index = Number(literal(env, e).value) - 1;
    else if (kindIn(env, e) === 'Column' && e.tableid === undefined) {
      const want = ident(env, e.columnid).name.toLowerCase();
      index = names.indexOf(want);
      if (index !== -1 && names.lastIndexOf(want) !== index) throw error(env, 'SQL_BIND', `ORDER BY ${want} is ambiguous: two result columns have that name`, 'order by position: ORDER BY 1');
    }
    // in check, a * over a table not known yet leaves the names to run
    if ((index < 0 || index >= names.length) && partialOutput(set)) return orderKey(o, 0);
    if (index < 0 || index >= names.length) throw unsupported(env, 'ORDER BY an expression over UNION/EXCEPT/INTERSECT', 'order by a result column: its name or its position (ORDER BY 1)');
    return orderKey(o, index);
  });
  Object.assign(set, limits(env, ast));
  return set;
}

function orderKey(o: AstNode, index: number): OrderKey {
  const desc = o.direction === 'DESC';
  // DuckDB's default: NULLs last, ascending or descending
  return { index, desc, nullsFirst: o.nullsOrder === 'FIRST' };
}

function limits(env: Env, ast: AstNode): { limit: number | undefined; offset: number } {
  const value = (n: unknown, what: string): number | undefined => {
    if (n === undefined) return undefined;
    const node = n as AstNode;
    if (kindIn(env, node) === 'ParamValue') {
      const l = literal(env, node);
      if (l.type === 'int' && typeof l.value === 'number') return l.value;
    }
    throw unsupported(env, `${what} other than a whole number`);
  };
  return { limit: value(ast.limit, 'LIMIT'), offset: value(ast.offset, 'OFFSET') ?? 0 };
}

function addSource(env: Env, scope: SelectPlan, node: AstNode, join: Source['join'], alias: unknown): Source {
  // alasql names a subquery written without AS "default" (a word no user text reaches it as: names become placeholders)
  const unnamed = alias === undefined || (alias === 'default' && (kindIn(env, node) === 'Select' || kindIn(env, node) === 'WithSelect'));
  const as = unnamed ? undefined : ident(env, alias).name;
  const base: Pick<Source, 'alias' | 'join'> = { alias: `s${env.sources++}`, join };
  let source: Source;
  if (kindIn(env, node) === 'Table') {
    const written = ident(env, node.tableid);
    const cte = env.ctes.get(written.name.toLowerCase());
    const table = env.tables.get(written.name.toLowerCase());
    if (cte) {
      source = { ...base, label: as ?? cte.name, names: [(as ?? cte.name).toLowerCase()], query: cte.query, columns: derivedColumns(cte.query) };
    } else if (table) {
      const tail = table.label.split('.').pop()!;
      const names = as ? [as.toLowerCase()] : [table.name.toLowerCase(), table.label.toLowerCase(), ...(/^[\p{L}_][\p{L}\p{N}_]*$/u.test(tail) ? [tail.toLowerCase()] : [])];
      source = { ...base, label: table.label, names, table: table.name, columns: table.columns };
    } else {
      throw error(env, 'UNKNOWN_TABLE', `unknown table ${written.name}`, 'probing tables are named namespace.table, e.g. process.memory; `probing tables` lists them', written.at);
    }
  } else if (kindIn(env, node) === 'Select' || kindIn(env, node) === 'WithSelect') {
    const query = bindQuery(node, env, undefined);
    source = { ...base, label: as ?? 'subquery', names: as ? [as.toLowerCase()] : [], query, columns: derivedColumns(query) };
  } else {
    throw unsupported(env, 'this kind of table (only tables, subqueries and WITH names)');
  }
  scope.sources.push(source);
  return source;
}

function derivedColumns(query: Query): ColumnInfo[] | undefined {
  if (partialOutput(query)) return undefined;
  return outputOf(query).map((item, i) => ({ name: item.name, key: `k${i}`, type: item.expr.type }));
}

function hasAggregate(env: Env, node: unknown): boolean {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop();
    if (!n || typeof n !== 'object') continue;
    if (Array.isArray(n)) {
      stack.push(...(n as unknown[]));
      continue;
    }
    const k = kindIn(env, n);
    if (k === 'AggrValue') return true;
    if (k === 'Select' || k === 'WithSelect' || k === 'ExistsValue') continue;
    stack.push(...Object.values(n as object));
  }
  return false;
}

function bindSelect(ast: AstNode, env: Env, parent: SelectPlan | undefined, inSet: boolean): SelectPlan {
  const scope: SelectPlan = {
    kind: 'select', parent, sources: [], where: undefined, group: [], grouped: false, having: undefined,
    items: [], partial: false, hidden: [], distinct: ast.distinct === true, order: [], limit: undefined, offset: 0,
  };
  const from = (ast.from as AstNode[] | undefined) ?? [];
  from.forEach((f, i) => addSource(env, scope, f, i === 0 ? 'from' : 'cross', f.as));
  // a RIGHT JOIN b ON … as b LEFT JOIN a ON …: only as the first join of one table (else refused)
  let right = false;
  for (const [i, j] of ((ast.joins as AstNode[] | undefined) ?? []).entries()) {
    const node = (j.table ?? j.select) as AstNode;
    if (j.joinmode === 'RIGHT') {
      if (i !== 0 || from.length !== 1 || j.on === undefined) throw unsupported(env, 'RIGHT JOIN other than as the first join of one table', 'write it as a LEFT JOIN with the tables swapped, or run with --engine duckdb where DuckDB is installed');
      right = true;
    }
    const mode = j.joinmode === 'LEFT' || j.joinmode === 'RIGHT' ? 'left' : j.joinmode === 'CROSS' ? 'cross' : 'inner';
    const source = addSource(env, scope, node, mode, j.as ?? (node.as as unknown));
    if (j.on !== undefined) {
      source.on = boolean(env, expr(j.on as AstNode, env, scope, 'row'), 'JOIN … ON');
      // FROM a, b JOIN c ON …: the join binds tighter than the comma, so ON sees b and c, not a
      const hidden = scope.sources.slice(0, from.length - 1);
      const stack = [source.on];
      while (stack.length > 0) {
        const e = stack.pop()!;
        if (e.k === 'col' && hidden.includes(e.source)) {
          throw error(env, 'SQL_BIND', `JOIN … ON cannot read ${e.source.label}: in FROM a, b JOIN c ON …, the join is b JOIN c`, 'write the join as FROM a JOIN b ON … JOIN c ON …, or move the condition to WHERE');
        }
        stack.push(...children(e));
      }
    } else if (mode !== 'cross') throw unsupported(env, 'a JOIN without ON', 'write JOIN … ON …, or CROSS JOIN');
  }
  if (ast.where !== undefined) scope.where = boolean(env, expr((ast.where as AstNode).expression as AstNode, env, scope, 'row'), 'WHERE');

  // the select list, with * expanded
  const columns = ast.columns as AstNode[];
  const pending: Array<{ node: AstNode; name: string } | { star: Source; column: ColumnInfo }> = [];
  for (const c of columns) {
    if (kindIn(env, c) === 'Column' && c.columnid === '*') {
      const table = c.tableid === undefined ? undefined : ident(env, c.tableid);
      const sources = table ? scope.sources.filter((s) => s.names.includes(table.name.toLowerCase())) : scope.sources;
      if (table && sources.length === 0) throw error(env, 'SQL_BIND', `${table.name}.* names no table of this query`, 'qualify with a table name or alias from FROM', table.at);
      if (sources.length === 0) throw error(env, 'SQL_BIND', 'SELECT * needs a FROM', 'name the columns');
      for (const s of sources) {
        if (!s.columns) {
          if (s.table) env.reads.set(s.table, undefined);
          scope.partial = true;
          continue;
        }
        if (s.table) env.reads.set(s.table, undefined);
        for (const column of s.columns) pending.push({ star: s, column });
      }
    } else {
      pending.push({ node: c, name: c.as !== undefined ? ident(env, c.as).name : nameOf(env, c) });
    }
  }
  scope.grouped = ast.group !== undefined || hasAggregate(env, columns) || hasAggregate(env, ast.having) || hasAggregate(env, ast.order);
  if (ast.having !== undefined && !scope.grouped) throw unsupported(env, 'HAVING without GROUP BY or an aggregate', 'use WHERE');
  const aliasOf = (name: string) => pending.filter((p): p is { node: AstNode; name: string } => 'node' in p && p.name.toLowerCase() === name);

  // GROUP BY 1 and GROUP BY alias bind the select-list expression once, so that it matches itself
  const bound = new Map<AstNode, Expr>();
  for (const g of (ast.group as AstNode[] | undefined) ?? []) scope.group.push(groupExpr(g, env, scope, aliasOf, pending, bound));
  if (scope.group.some((g) => g.type === 'json')) throw unsupported(env, 'GROUP BY a JSON column');

  const mode: Mode = scope.grouped ? 'select' : 'row';
  scope.items = pending.map((p): Item => {
    if ('star' in p) {
      const e: Expr = { k: 'col', source: p.star, scope, column: p.column, type: p.column.type };
      return { name: p.column.name, expr: scope.grouped ? lift(env, e, scope) : e };
    }
    const early = bound.get(p.node);
    return { name: p.name, expr: early ? lift(env, early, scope) : expr(p.node, env, scope, mode) };
  });
  if (ast.having !== undefined) {
    env.aliases = scope.items;
    try {
      scope.having = boolean(env, expr(ast.having as AstNode, env, scope, 'select'), 'HAVING');
    } finally {
      env.aliases = undefined;
    }
  }
  if (!inSet) {
    scope.order = ((ast.order as AstNode[] | undefined) ?? []).map((o) => orderKey(o, orderIndex(o.expression as AstNode, env, scope)));
    Object.assign(scope, limits(env, ast));
  }
  if (right) {
    // run as b LEFT JOIN a ON …; the select list (SELECT * included) was bound in the written order
    // (the same objects: the bound columns point at them)
    const [a, b] = scope.sources as [Source, Source];
    a.join = 'left';
    a.on = b.on;
    b.join = 'from';
    delete b.on;
    scope.sources[0] = b;
    scope.sources[1] = a;
  }
  return scope;
}

function groupExpr(g: AstNode, env: Env, scope: SelectPlan, aliasOf: (name: string) => Array<{ node: AstNode; name: string }>, pending: unknown[], bound: Map<AstNode, Expr>): Expr {
  const once = (node: AstNode) => {
    const e = bound.get(node) ?? rowExpr(env, node, scope, 'GROUP BY');
    bound.set(node, e);
    return e;
  };
  // GROUP BY 1, GROUP BY alias (when no column of that name is in scope)
  if (kindIn(env, g) === 'ParamValue' && literal(env, g).type === 'int') {
    const i = Number(literal(env, g).value) - 1;
    const p = pending[i] as { node?: AstNode } | undefined;
    if (!p?.node) throw error(env, 'SQL_BIND', `GROUP BY ${i + 1}: there is no such column in the select list`, 'group by a column name or a position in the select list');
    return once(p.node);
  }
  if (kindIn(env, g) === 'Column' && g.tableid === undefined) {
    const name = ident(env, g.columnid).name.toLowerCase();
    const inScope = scope.sources.some((s) => !s.columns || s.columns.some((c) => c.name.toLowerCase() === name));
    const aliases = aliasOf(name);
    if (!inScope && aliases.length === 1) return once(aliases[0]!.node);
    // SELECT t.a … GROUP BY a: no clash when the select-list name reads the very column the GROUP BY name does
    const column = inScope && aliases.length > 0 ? columnRef(env, scope, g) : undefined;
    const same = (node: AstNode) => {
      if (kindIn(env, node) !== 'Column' || !column) return false;
      const e = columnRef(env, scope, node);
      // key '': a column of a table not known yet (check): run decides
      return canon(e) === canon(column) || (e.k === 'col' && e.column.key === '') || (column.k === 'col' && column.column.key === '');
    };
    const other = aliases.find((a) => !same(a.node));
    if (inScope && other) throw error(env, 'SQL_AMBIGUOUS', `GROUP BY ${name} is both a column and a name in the select list`, 'group by the position of the select-list column (GROUP BY 1), or rename the alias', ident(env, g.columnid).at);
  }
  return rowExpr(env, g, scope, 'GROUP BY');
}

function rowExpr(env: Env, node: AstNode, scope: SelectPlan, where: string): Expr {
  if (hasAggregate(env, node)) throw error(env, 'SQL_BIND', `aggregates are not allowed in ${where}`, 'move the condition to HAVING');
  return expr(node, env, scope, 'row');
}

function orderIndex(e: AstNode, env: Env, scope: SelectPlan): number {
  if (kindIn(env, e) === 'ParamValue' && literal(env, e).type === 'int') {
    const i = Number(literal(env, e).value) - 1;
    if (scope.partial) return 0;
    if (i < 0 || i >= scope.items.length) throw error(env, 'SQL_BIND', `ORDER BY ${i + 1}: the select list has ${scope.items.length} columns`, 'order by a column name or a position in the select list');
    return i;
  }
  if (kindIn(env, e) === 'Column' && e.tableid === undefined) {
    const name = ident(env, e.columnid).name.toLowerCase();
    const matches = scope.items.map((item, i) => (item.name.toLowerCase() === name ? i : -1)).filter((i) => i !== -1);
    if (matches.length > 1 && new Set(matches.map((i) => canon(scope.items[i]!.expr))).size > 1) {
      throw error(env, 'SQL_BIND', `ORDER BY ${name} is ambiguous: the select list has several columns of that name`, 'order by position: ORDER BY 2', ident(env, e.columnid).at);
    }
    if (matches.length > 0) return matches[0]!;
  } else {
    // in an expression, a name that is also a select-list alias means the alias to some engines, the column to others
    for (const name of bareNames(env, e)) {
      const clash = scope.items.find((item) => item.name.toLowerCase() === name.toLowerCase() && !(item.expr.k === 'col' && item.expr.column.name.toLowerCase() === name.toLowerCase()));
      if (clash) throw error(env, 'SQL_AMBIGUOUS', `ORDER BY reads ${name}, which is also a name in the select list`, 'order by the position of the select-list column (ORDER BY 2), or rename the alias');
    }
  }
  const bound = expr(e, env, scope, scope.grouped ? 'select' : 'row');
  const key = canon(bound);
  const same = scope.items.findIndex((item) => canon(item.expr) === key);
  if (same !== -1) return same;
  if (scope.distinct && !scope.partial) throw error(env, 'SQL_BIND', 'for SELECT DISTINCT, ORDER BY expressions must appear in the select list', 'add the expression to the select list');
  scope.hidden.push(bound);
  return scope.items.length + scope.hidden.length - 1;
}

/** Unqualified column names in an expression (not inside subqueries). */
function bareNames(env: Env, n: unknown): string[] {
  const out: string[] = [];
  const stack = [n];
  while (stack.length > 0) {
    const x = stack.pop();
    if (!x || typeof x !== 'object') continue;
    if (Array.isArray(x)) {
      stack.push(...(x as unknown[]));
      continue;
    }
    const k = kindIn(env, x);
    if (k === 'Select' || k === 'WithSelect' || k === 'ExistsValue') continue;
    const node = x as AstNode;
    if (k === 'Column' && node.tableid === undefined && node.columnid !== '*') out.push(ident(env, node.columnid).name);
    stack.push(...Object.values(node));
  }
  return out;
}

// ---- names

export function columnRef(env: Env, scope: SelectPlan, node: AstNode): Expr {
  const column = ident(env, node.columnid);
  const table = node.tableid === undefined ? undefined : ident(env, node.tableid);
  const want = column.name.toLowerCase();
  for (let s: SelectPlan | undefined = scope; s; s = s.parent) {
    const candidates = table ? s.sources.filter((src) => src.names.includes(table.name.toLowerCase())) : s.sources;
    if (table && candidates.length === 0) continue;
    const found: Array<{ source: Source; column: ColumnInfo }> = [];
    let unknown: Source[] = [];
    for (const source of candidates) {
      if (!source.columns) unknown.push(source);
      else for (const c of source.columns) if (c.name.toLowerCase() === want) found.push({ source, column: c });
    }
    if (found.length > 1) {
      throw error(env, 'SQL_BIND', `column "${column.name}" is ambiguous: it is in ${found.map((f) => f.source.label).join(' and ')}`, `qualify it with its table's name or alias: FROM ${found[0]!.source.label} AS x … x.${column.name}`, column.at);
    }
    if (found.length === 1) {
      const { source, column: c } = found[0]!;
      if (unknown.length > 0) {
        // a table whose columns are not known yet might have it too: it must send it, if it has it
        for (const u of unknown) if (u.table) env.reads.get(u.table)?.add(want);
      }
      if (source.table) env.reads.get(source.table)?.add(c.name.toLowerCase());
      return { k: 'col', source, scope: s, column: c, type: c.type };
    }
    if (unknown.length > 0) {
      for (const u of unknown) if (u.table) unknown.length === 1 ? env.reads.get(u.table)?.add(want) : env.reads.set(u.table, undefined);
      // if that table has no such column, the name may belong to an enclosing query: its tables must send it too
      for (let outer = s.parent; outer; outer = outer.parent) {
        for (const src of outer.sources) if (src.table && (!src.columns || src.columns.some((x) => x.name.toLowerCase() === want))) env.reads.get(src.table)?.add(want);
      }
      return { k: 'col', source: unknown[0]!, scope: s, column: { name: column.name, key: '', type: 'any' }, type: 'any' };
    }
    if (table) throw unknownColumn(env, column, candidates);
  }
  if (table) throw error(env, 'SQL_BIND', `${table.name}.${column.name}: no table or alias of this query is named ${table.name}`, 'qualify with a table name or alias from FROM', table.at);
  // HAVING n > 1, n naming a select-list column (only when no table has a column n)
  const named = env.aliases?.filter((item) => item.name.toLowerCase() === want) ?? [];
  if (named.length > 1) throw error(env, 'SQL_BIND', `${column.name} is ambiguous: the select list has several columns of that name`, 'repeat the expression', column.at);
  if (named.length === 1) return named[0]!.expr;
  throw unknownColumn(env, column, scope.sources);
}

function unknownColumn(env: Env, column: { name: string; at: number }, sources: readonly Source[]): SqlError {
  const names = sources.flatMap((s) => s.columns?.map((c) => c.name) ?? []);
  const close = closeNames(column.name, names);
  const where = sources.length === 0 ? '' : ` in ${sources.map((s) => s.label).join(', ')}`;
  const hint =
    close.length > 0 ? `did you mean ${close.map((c) => `"${c}"`).join(' or ')}? \`probing describe <table>\` lists the columns`
    : names.length > 0 ? `the columns are ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}`
    : '`probing describe <table>` lists the columns';
  return error(env, 'UNKNOWN_COLUMN', `unknown column "${column.name}"${where}`, hint, column.at);
}

/**
 * Binding expressions for the alasql engine: each typed, each operator given
 * SQL's meaning (alasql-values), and whatever this engine would answer wrongly
 * refused here with a reason — comparing text with numbers, real numbers as text,
 * division of values of unknown type, functions it does not know.
 */
import { SqlError } from '../errors.js';
import { closeNames } from '../suggest.js';
import { bindQuery, columnRef, error, ident, kindIn, literal, unsupported, type Env, type Mode } from './alasql-bind.js';
import { LAZY_FUNCTIONS, SCALAR_FUNCTIONS, castType, type Type } from './alasql-functions.js';
import type { AstNode } from './alasql-guard.js';
import { canon, children, outputOf, partialOutput, selectsOf, type Expr, type Query, type SelectPlan } from './alasql-plan.js';

const category = (t: Type) => (t === 'int' || t === 'float' ? 'number' : t === 'string' ? 'text' : t === 'bool' ? 'boolean' : t);
const wild = (t: Type) => t === 'null' || t === 'any';
const numeric = (t: Type) => t === 'int' || t === 'float' || wild(t);

function comparable(env: Env, a: Expr, b: Expr, what: string): void {
  if (a.type === 'json' || b.type === 'json') throw unsupported(env, `comparing JSON values (${what})`, 'compare a field: json_extract_string(x, \'$.key\'); or run with --engine duckdb');
  if (wild(a.type) || wild(b.type) || category(a.type) === category(b.type)) return;
  throw error(env, 'SQL_TYPE', `cannot ${what} ${category(a.type)} and ${category(b.type)} values`, 'convert one side with CAST(x AS …)');
}

/** The common type of CASE branches, COALESCE arguments, set-operation columns. */
export function common(env: Env, types: Type[], what: string): Type {
  let out: Type = 'null';
  for (const t of types) {
    if (t === 'null') continue;
    if (out === 'null' || out === t) out = t;
    else if (t === 'any' || out === 'any') out = 'any';
    else if (category(out) === 'number' && category(t) === 'number') out = 'float';
    else throw error(env, 'SQL_TYPE', `${what} mixes ${category(out)} and ${category(t)} values`, 'CAST them to one type');
  }
  return out;
}

export function boolean(env: Env, e: Expr, where: string): Expr {
  if (e.type === 'bool' || wild(e.type)) return e;
  throw error(env, 'SQL_TYPE', `${where} needs a true/false condition, not a ${category(e.type)} value`, 'compare it: x <> 0, x IS NOT NULL, …');
}

/** A DuckDB-like name for an unnamed select-list expression. */
export function nameOf(env: Env, n: AstNode): string {
  const k = kindIn(env, n);
  const name = (id: unknown) => ident(env, id).name;
  const args = (list: unknown) => ((list as AstNode[] | undefined) ?? []).map((a) => nameOf(env, a)).join(', ');
  switch (k) {
    case 'Column':
      return n.columnid === '*' ? '*' : name(n.columnid);
    case 'ParamValue': {
      const l = env.rw.literals[Number(String(n.param).slice(3))]!;
      return l.type === 'string' ? `'${String(l.value).replace(/'/g, "''")}'` : String(l.value);
    }
    case 'LogicValue':
      return n.value ? 'true' : 'false';
    case 'NullValue':
      return 'NULL';
    case 'FuncValue':
      return `${String(n.funcid).toLowerCase()}(${args(n.args)})`;
    case 'AggrValue': {
      const e = n.expression as AstNode;
      if (kindIn(env, e) === 'Column' && e.columnid === '*') return 'count_star()';
      return `${String(n.aggregatorid).toLowerCase()}(${n.distinct ? 'DISTINCT ' : ''}${nameOf(env, e)})`;
    }
    case 'Op':
      if (n.op === '===' || n.op === '!===') return `(${nameOf(env, n.left as AstNode)} IS ${n.op === '===' ? 'NOT ' : ''}DISTINCT FROM ${nameOf(env, n.right as AstNode)})`;
      if (n.op === 'BETWEEN' || n.op === 'NOT BETWEEN') return `(${nameOf(env, n.left as AstNode)} ${n.op} ${nameOf(env, n.right1 as AstNode)} AND ${nameOf(env, n.right2 as AstNode)})`;
      if (Array.isArray(n.right)) return `(${nameOf(env, n.left as AstNode)} ${n.op} (${args(n.right)}))`;
      return `(${nameOf(env, n.left as AstNode)} ${n.op} ${nameOf(env, n.right as AstNode)})`;
    case 'UniOp':
      if (n.op === undefined) return nameOf(env, n.right as AstNode);
      return n.op === 'NOT' ? `(NOT ${nameOf(env, n.right as AstNode)})` : `${String(n.op)}${nameOf(env, n.right as AstNode)}`;
    case 'Convert':
      return `CAST(${nameOf(env, n.expression as AstNode)} AS ${String(n.dbtypeid)})`;
    case 'CaseValue':
      return 'CASE … END';
    case 'ExistsValue':
      return 'EXISTS(…)';
    default:
      return '(SELECT …)';
  }
}

// ---- expressions

/** Replaces GROUP BY expressions with references to them; what is left must not read a row. */
export function lift(env: Env, e: Expr, scope: SelectPlan): Expr {
  const key = canon(e);
  const i = scope.group.findIndex((g) => canon(g) === key);
  if (i !== -1) return { k: 'gref', index: i, type: e.type };
  switch (e.k) {
    case 'col':
      // key '': a column of a table not known yet (check), whose grouping run decides
      if (e.scope !== scope || e.column.key === '') return e;
      throw error(env, 'SQL_BIND', `column "${e.column?.name ?? '?'}" must appear in the GROUP BY clause or be used in an aggregate function`, 'add it to GROUP BY, or wrap it in min(), max(), …');
    case 'agg':
    case 'lit':
    case 'gref':
      return e;
    case 'sub':
      if (reachesInto(e.query, scope)) throw unsupported(env, 'a correlated subquery in a grouped query');
      return e;
    default:
      return { ...e, args: children(e).map((c) => lift(env, c, scope)) } as Expr;
  }
}

/** Whether a query reads columns of `scope` (an enclosing query): it is correlated with it. */
export function reachesInto(q: Query, scope: SelectPlan): boolean {
  const { exprs } = selectsOf(q);
  while (exprs.length > 0) {
    const e = exprs.pop()!;
    if (e.k === 'col' && e.scope === scope) return true;
    if (e.k === 'sub' && reachesInto(e.query, scope)) return true;
    exprs.push(...children(e));
  }
  return false;
}

/** In a grouped query's select list, HAVING and ORDER BY ('select'), the whole expression is lifted onto the groups. */
export function expr(n: AstNode, env: Env, scope: SelectPlan, mode: Mode): Expr {
  const e = rawExpr(n, env, scope, mode);
  return mode === 'select' ? lift(env, e, scope) : e;
}

function sub(env: Env, scope: SelectPlan, ast: AstNode, mode: 'scalar' | 'exists' | 'in', negate: boolean, args: Expr[]): Expr {
  const query = bindQuery(ast, env, scope);
  const out = outputOf(query);
  // in check, a * over a table not known yet leaves the columns to run
  if (mode !== 'exists' && partialOutput(query) && out.length === 0) return { k: 'sub', mode, negate, query, args, type: mode === 'scalar' ? 'any' : 'bool' };
  if (mode !== 'exists' && out.length !== 1) throw error(env, 'SQL_BIND', `a subquery used as a value must return one column, not ${out.length}`, 'select one column in the subquery');
  const type = mode === 'scalar' ? out[0]!.expr.type : 'bool';
  if (mode === 'in') comparable(env, args[0]!, out[0]!.expr, 'compare with IN');
  return { k: 'sub', mode, negate, query, args, type };
}

function rawExpr(n: AstNode, env: Env, scope: SelectPlan, mode: Mode): Expr {
  const row = (x: unknown) => rawExpr(x as AstNode, env, scope, mode);
  switch (kindIn(env, n)) {
    case 'ParamValue': {
      const l = literal(env, n);
      return { k: 'lit', value: l.value, type: l.type };
    }
    case 'LogicValue':
      return { k: 'lit', value: n.value === true, type: 'bool' };
    case 'NullValue':
      return { k: 'lit', value: null, type: 'null' };
    case 'Column':
      if (n.columnid === '*') throw unsupported(env, '* here', 'write count(*) or SELECT *');
      return columnRef(env, scope, n);
    case 'Select':
    case 'WithSelect':
      return sub(env, scope, n, 'scalar', false, []);
    case 'ExistsValue':
      return sub(env, scope, n.value as AstNode, 'exists', false, []);
    case 'UniOp': {
      const a = row(n.right);
      if (n.op === undefined) return a;
      if (n.op === 'NOT') return { k: 'not', args: [boolean(env, a, 'NOT')], type: 'bool' };
      if (!numeric(a.type)) throw error(env, 'SQL_TYPE', `cannot apply ${String(n.op)} to a ${category(a.type)} value`, 'use it on numbers');
      return n.op === '-' ? { k: 'neg', args: [a], type: a.type === 'null' ? 'int' : a.type } : a;
    }
    case 'Op':
      return op(n, env, scope, mode);
    case 'CaseValue': {
      const args: Expr[] = [];
      const subject = n.expression === undefined ? undefined : row(n.expression);
      for (const w of n.whens as AstNode[]) {
        const when = row(w.when);
        if (subject) comparable(env, subject, when, 'compare in CASE');
        args.push(subject ? { k: 'cmp', op: '=', args: [subject, when], type: 'bool' } : boolean(env, when, 'CASE WHEN'), row(w.then));
      }
      const hasElse = n.elses !== undefined;
      if (hasElse) args.push(row(n.elses));
      const results = args.filter((_, i) => i % 2 === 1 || (hasElse && i === args.length - 1));
      return { k: 'case', args, hasElse, type: common(env, results.map((r) => r.type), 'CASE') };
    }
    case 'Convert': {
      const to = castType(String(n.dbtypeid));
      if (!to) throw unsupported(env, `CAST to ${String(n.dbtypeid)}`, 'cast to INTEGER, BIGINT, DOUBLE, VARCHAR or BOOLEAN; or run with --engine duckdb');
      const a = row(n.expression);
      if (to === 'string' && (a.type === 'float' || a.type === 'timestamp' || a.type === 'json')) throw unsupported(env, `CAST of a ${a.type === 'float' ? 'REAL number' : category(a.type)} to text`, 'DuckDB writes 2.0 where JavaScript writes 2: round or CAST to an integer first; or run with --engine duckdb');
      if (a.type === 'json' || a.type === 'timestamp') throw unsupported(env, `CAST of a ${category(a.type)} value`);
      return { k: 'cast', to, int: a.type === 'int', args: [a], type: to === 'int' ? 'int' : to === 'float' ? 'float' : to === 'bool' ? 'bool' : 'string' };
    }
    case 'AggrValue':
      return aggregate(n, env, scope, mode);
    case 'FuncValue':
      return func(n, env, scope, mode);
    default:
      throw unsupported(env, 'this expression');
  }
}

function aggregate(n: AstNode, env: Env, scope: SelectPlan, mode: Mode): Expr {
  if (mode !== 'select') throw error(env, 'SQL_BIND', 'aggregates are not allowed here (WHERE, ON, GROUP BY, or inside another aggregate)', 'filter groups with HAVING');
  const fn = String(n.aggregatorid).toLowerCase() as 'count' | 'sum' | 'avg' | 'min' | 'max';
  const e = n.expression as AstNode;
  if (fn === 'count' && kindIn(env, e) === 'Column' && e.columnid === '*') {
    if (n.distinct) throw unsupported(env, 'count(DISTINCT *)');
    return { k: 'agg', fn: 'countstar', mode: 'i', distinct: false, args: [], type: 'int' };
  }
  const arg = expr(e, env, scope, 'row');
  if (arg.type === 'json') throw unsupported(env, `${fn}() of JSON values`);
  if ((fn === 'sum' || fn === 'avg') && !numeric(arg.type)) throw error(env, 'SQL_TYPE', `${fn}() needs numbers, not ${category(arg.type)} values`, 'sum and average numeric columns');
  const sumMode = arg.type === 'int' || arg.type === 'null' ? 'i' : arg.type === 'float' ? 'f' : 'a';
  const type: Type = fn === 'count' ? 'int' : fn === 'avg' ? 'float' : fn === 'sum' ? (arg.type === 'null' ? 'int' : arg.type) : arg.type;
  return { k: 'agg', fn, mode: sumMode, distinct: n.distinct === true && fn !== 'min' && fn !== 'max', args: [arg], type };
}

function func(n: AstNode, env: Env, scope: SelectPlan, mode: Mode): Expr {
  const written = String(n.funcid);
  const name = written.toLowerCase();
  const at = env.rw.functions.find((f) => f.name === written)?.at;
  const args = ((n.args as AstNode[] | undefined) ?? []).map((a) => rawExpr(a, env, scope, mode));
  if (LAZY_FUNCTIONS.has(name)) {
    if (args.length < 1 || (name === 'ifnull' && args.length !== 2)) throw error(env, 'SQL_BIND', `${name}() takes ${name === 'ifnull' ? 'two arguments' : 'one or more arguments'}`, 'check the arguments', at);
    return { k: 'coalesce', args, type: common(env, args.map((a) => a.type), name) };
  }
  const scalar = SCALAR_FUNCTIONS.get(name);
  if (scalar) {
    const [min, max] = scalar.args;
    if (args.length < min || args.length > max) throw error(env, 'SQL_BIND', `${name}() takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, not ${args.length}`, 'check the arguments', at);
    let type: Type;
    try {
      type = scalar.type(args.map((a) => a.type));
    } catch (e) {
      throw error(env, (e as SqlError).code, (e as SqlError).message, (e as SqlError).hint ?? 'check the arguments', at);
    }
    if (name === 'nullif') comparable(env, args[0]!, args[1]!, 'compare in nullif');
    return { k: 'fn', name, args, type };
  }
  if (env.functions === undefined || env.functions.has(name)) {
    // an extension function (in check, their names are not known yet: run decides)
    return { k: 'ext', name, args, type: 'any' };
  }
  const known = [...SCALAR_FUNCTIONS.keys(), ...LAZY_FUNCTIONS, 'count', 'sum', 'avg', 'min', 'max', ...env.functions];
  const close = closeNames(written, known);
  throw error(env, 'UNKNOWN_FUNCTION', `unknown function ${written}()`, close.length > 0 ? `did you mean ${close.map((c) => `${c}()`).join(' or ')}? (on the alasql engine; --engine duckdb has many more)` : `the alasql engine knows ${known.join(', ')}; --engine duckdb has many more`, at);
}

function op(n: AstNode, env: Env, scope: SelectPlan, mode: Mode): Expr {
  const row = (x: unknown) => rawExpr(x as AstNode, env, scope, mode);
  const o = String(n.op);
  switch (o) {
    case 'AND':
    case 'OR':
      return { k: o === 'AND' ? 'and' : 'or', args: [boolean(env, row(n.left), o), boolean(env, row(n.right), o)], type: 'bool' };
    case 'IS': {
      const a = row(n.left);
      let right = n.right as AstNode;
      let negate = false;
      if (kindIn(env, right) === 'UniOp' && right.op === 'NOT') {
        negate = true;
        right = right.right as AstNode;
      }
      if (kindIn(env, right) === 'NullValue') return { k: 'is', what: 'null', negate, args: [a], type: 'bool' };
      if (kindIn(env, right) === 'LogicValue') return { k: 'is', what: right.value ? 'true' : 'false', negate, args: [boolean(env, a, 'IS TRUE/FALSE')], type: 'bool' };
      throw unsupported(env, 'IS with anything but NULL, TRUE or FALSE', 'write = or IS [NOT] NULL');
    }
    case '===':
    case '!===': {
      const [a, b] = [row(n.left), row(n.right)];
      comparable(env, a, b, 'compare');
      return { k: 'same', negate: o === '!===', args: [a, b], type: 'bool' };
    }
    case 'IN':
    case 'NOT IN': {
      const a = row(n.left);
      if (Array.isArray(n.right)) {
        const list = (n.right as AstNode[]).map(row);
        for (const x of list) comparable(env, a, x, 'compare with IN');
        return { k: 'in', negate: o === 'NOT IN', args: [a, ...list], type: 'bool' };
      }
      return sub(env, scope, n.right as AstNode, 'in', o === 'NOT IN', [a]);
    }
    case 'BETWEEN':
    case 'NOT BETWEEN': {
      const [a, lo, hi] = [row(n.left), row(n.right1), row(n.right2)];
      comparable(env, a, lo, 'compare with BETWEEN');
      comparable(env, a, hi, 'compare with BETWEEN');
      const both: Expr = { k: 'and', args: [{ k: 'cmp', op: '>=', args: [a, lo], type: 'bool' }, { k: 'cmp', op: '<=', args: [a, hi], type: 'bool' }], type: 'bool' };
      return o === 'BETWEEN' ? both : { k: 'not', args: [both], type: 'bool' };
    }
    case 'LIKE':
    case 'NOT LIKE': {
      const args = [row(n.left), row(n.right), ...(n.escape === undefined ? [] : [row(n.escape)])];
      for (const a of args) if (!(a.type === 'string' || wild(a.type))) throw error(env, 'SQL_TYPE', `LIKE needs text, not ${category(a.type)} values`, 'CAST(x AS VARCHAR)');
      return { k: 'like', negate: o === 'NOT LIKE', args, type: 'bool' };
    }
    case '||': {
      const [a, b] = [row(n.left), row(n.right)];
      for (const x of [a, b]) {
        if (x.type === 'float' || x.type === 'timestamp' || x.type === 'json') throw unsupported(env, `|| with a ${x.type === 'float' ? 'REAL number' : category(x.type)}`, 'DuckDB writes 2.0 where JavaScript writes 2: CAST integers, or run with --engine duckdb');
      }
      return { k: 'concat', ints: [a.type === 'int', b.type === 'int'], args: [a, b], type: 'string' };
    }
    case '+':
    case '-':
    case '*':
    case '/':
    case '%': {
      const [a, b] = [row(n.left), row(n.right)];
      for (const x of [a, b]) if (!numeric(x.type)) throw error(env, 'SQL_TYPE', `cannot ${o === '+' ? 'add' : o === '-' ? 'subtract' : o === '*' ? 'multiply' : 'divide'} ${category(x.type)} values`, 'arithmetic works on numbers; text is joined with ||');
      const float = a.type === 'float' || b.type === 'float';
      // in check, a js table's column types are not known yet: run, with them known from the data, decides
      if (o === '/' && !float && (a.type === 'any' || b.type === 'any') && env.functions !== undefined) throw unsupported(env, 'dividing values of unknown type (integer or real division?)', 'CAST(x AS DOUBLE) or CAST(x AS BIGINT) first');
      return { k: 'arith', op: o, int: !float, args: [a, b], type: float ? 'float' : a.type === 'any' || b.type === 'any' ? 'any' : 'int' };
    }
    default: {
      const cmp = o === '!=' ? '<>' : (o as '<' | '<=' | '>' | '>=' | '=' | '<>');
      const [a, b] = [row(n.left), row(n.right)];
      comparable(env, a, b, 'compare');
      return { k: 'cmp', op: cmp, args: [a, b], type: 'bool' };
    }
  }
}

/**
 * alasql compiles SQL into JavaScript, and its SQL reaches much further than a
 * query: inline JavaScript (``…``), `->` method calls (`rss->constructor->constructor`
 * is Function), INTO and file functions (TXT, CSV, … REQUIRE), SELECT VALUE,
 * NEW, parameters, other databases (db0.t), window functions it computes wrongly.
 * After parsing, every node of the whole tree is checked against a whitelist of
 * kinds known to be pure, each with the properties it may carry: the walk keeps
 * its own stack, so no nesting depth hides anything from it. (The executor then
 * builds its own tree from the bound query; nothing of this one is compiled.)
 */
import type { AlaSQL } from 'alasql';
import { SqlError, sqlPosition } from '../errors.js';
import type { Rewritten } from './alasql-rewrite.js';

export type AstNode = Record<string, unknown>;

const FILE_FUNCTIONS = new Set(['TXT', 'CSV', 'TSV', 'TAB', 'JSON', 'XLSX', 'XLS', 'XML', 'FILE', 'HTML', 'ODS', 'GEXF', 'JSONL', 'NDJSON', 'SQLITE', 'REQUIRE', 'LOCALSTORAGE', 'INDEXEDDB', 'LOAD', 'SAVE']);

/** Node kinds (alasql's class names) and the properties each may carry. */
const ALLOWED: Record<string, ReadonlySet<string>> = {
  Select: new Set(['columns', 'from', 'joins', 'where', 'group', 'having', 'order', 'limit', 'offset', 'distinct', 'all', 'union', 'unionall', 'except', 'intersect', 'queries', 'exists', 'as', 'queriesidx']),
  WithSelect: new Set(['withs', 'select', 'queries', 'exists']),
  Table: new Set(['tableid', 'as']),
  Join: new Set(['joinmode', 'table', 'select', 'as', 'on']),
  Column: new Set(['columnid', 'tableid', 'as']),
  Expression: new Set(['expression', 'direction', 'nullsOrder']),
  Op: new Set(['op', 'left', 'right', 'right1', 'right2', 'escape', 'queriesidx', 'as']),
  UniOp: new Set(['op', 'right', 'as']),
  ParamValue: new Set(['param', 'as']),
  LogicValue: new Set(['value', 'as']),
  NullValue: new Set(['as']),
  FuncValue: new Set(['funcid', 'args', 'as']),
  AggrValue: new Set(['aggregatorid', 'expression', 'distinct', 'as']),
  CaseValue: new Set(['expression', 'whens', 'elses', 'as']),
  Convert: new Set(['expression', 'dbtypeid', 'dbsize', 'dbprecision', 'as']),
  ExistsValue: new Set(['value', 'existsidx', 'as']),
  // WITH entries ({ name, select }) and CASE branches ({ when, then })
  Object: new Set(['name', 'select', 'when', 'then']),
};

/** `===` and `!===` are IS NOT DISTINCT FROM and IS DISTINCT FROM, as the rewrite writes them. */
const OPS = new Set(['+', '-', '*', '/', '%', '||', '=', '!=', '<>', '<', '<=', '>', '>=', 'AND', 'OR', 'IN', 'NOT IN', 'LIKE', 'NOT LIKE', 'BETWEEN', 'NOT BETWEEN', 'IS', '===', '!===']);
/** `undefined`: parentheses, kept by alasql as an operator without a name. */
const UNIOPS = new Set(['NOT', '-', '+', undefined]);
const COMPARISONS = new Set(['=', '!=', '<>', '<', '<=', '>', '>=', 'IS', '===', '!===', 'IN', 'NOT IN', 'LIKE', 'NOT LIKE', 'BETWEEN', 'NOT BETWEEN']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const JOINS = new Set(['INNER', 'LEFT', 'CROSS', 'RIGHT']);
const AGGREGATES = new Set(['COUNT', 'SUM', 'AVG', 'MIN', 'MAX']);
/** Names are the rewrite's placeholders: anything else is a keyword alasql read as a name. */
const PLACEHOLDER = /^__i[0-9]+$/;

function unsupported(what: string, hint = 'run with --engine duckdb where DuckDB is installed'): SqlError {
  return new SqlError('SQL_UNSUPPORTED', `${what} is not supported by the alasql engine`, { hint });
}

function inlineJavaScript(): SqlError {
  return new SqlError('INLINE_JAVASCRIPT', 'inline JavaScript (``…``) is not allowed in SQL', {
    hint: 'to evaluate JavaScript in the target, use a table: SELECT * FROM js.`expression`',
  });
}

/** Words SQL reserves: a column of that name needs double quotes. */
const RESERVED = new Set('GROUP ORDER LIMIT OFFSET AS ON JOIN LEFT RIGHT FULL INNER OUTER CROSS AND OR NOT NULL IS IN LIKE BETWEEN CASE WHEN THEN ELSE END DISTINCT ALL UNION EXCEPT INTERSECT EXISTS TRUE FALSE CAST WITH ASC DESC USING NATURAL INTO'.split(' '));

/** alasql's parse error (an excerpt, a caret, 40 expected tokens) → a line and column of the user's SQL. */
function syntaxError(message: string, rewritten: Rewritten): SqlError {
  const lines = message.split('\n');
  const caret = lines.findIndex((l) => /^-*\^$/.test(l));
  const token = /got '([^']+)'/.exec(message)?.[1];
  let offset: number | undefined;
  if (caret >= 1) {
    const shown = lines[caret - 1]!;
    const excerpt = shown.replace(/^\.\.\./, '');
    const past = lines[caret]!.length - 1 - (shown.startsWith('...') ? 3 : 0);
    // alasql's excerpt leaves line breaks out: search with them left out too
    const flat: number[] = [];
    let text = '';
    for (let i = 0; i < rewritten.text.length; i++) {
      if (rewritten.text[i] === '\n') continue;
      flat.push(i);
      text += rewritten.text[i];
    }
    const at = text.indexOf(excerpt);
    if (at !== -1) offset = rewritten.userOffset(flat[at + past] ?? rewritten.text.length);
  }
  const user = rewritten.userText;
  const word = offset === undefined ? undefined : /^(?:[\p{L}\p{N}_$]+|"[^"]*"|\S)/u.exec(user.slice(offset))?.[0];
  const at = token === 'EOF' || (offset !== undefined && user.slice(offset).trim() === '') ? ' at the end of the query' : word ? ` at ${word}` : '';
  // the keyword that was meant as a name is often the word before the error (SELECT order FROM t)
  const before = offset === undefined ? [] : (user.slice(0, offset).match(/[\p{L}_][\p{L}\p{N}_$]*/gu) ?? []);
  const named = [before[before.length - 1], word].find((w) => w !== undefined && RESERVED.has(w.toUpperCase()));
  return new SqlError('SQL_SYNTAX', `syntax error${at}${sqlPosition(user, offset)}`, {
    hint: named ? `if ${named.toLowerCase()} is a name, write it in double quotes: "${named.toLowerCase()}"; else check the SQL near the ^` : 'check the SQL near the ^',
    ...(offset === undefined ? {} : { position: offset }),
  });
}

export interface Parsed {
  ast: AstNode;
  /** Each node's kind (alasql's class name; its constructors are anonymous functions). */
  kinds: WeakMap<object, string>;
}

/** Parses the rewritten text: exactly one SELECT (or WITH … SELECT), every node whitelisted. */
export function parseQuery(alasql: AlaSQL, rewritten: Rewritten): Parsed {
  let ast: { statements?: unknown[] };
  try {
    ast = alasql.parse(rewritten.text) as unknown as { statements?: unknown[] };
  } catch (error) {
    throw syntaxError((error as Error).message, rewritten);
  }
  const statements = ast.statements ?? [];
  if (statements.length !== 1) {
    throw new SqlError('MULTIPLE_STATEMENTS', `one statement at a time: this text has ${statements.length}`, { hint: 'remove the semicolon-separated statements after the first' });
  }
  const yy = (alasql as unknown as { yy: Record<string, unknown> }).yy;
  const kinds = new Map<unknown, string>(Object.entries(yy).map(([name, ctor]) => [ctor, name]));
  kinds.set(Object, 'Object');
  const statement = statements[0] as AstNode;
  const kind = kinds.get((statement as object).constructor);
  if (kind !== 'Select' && kind !== 'WithSelect') {
    throw new SqlError('NOT_SELECT', `only SELECT queries are allowed, not ${kind ? kind.toUpperCase() : 'this statement'}`, {
      hint: 'probing reads live data; it never creates, changes or deletes anything through SQL',
    });
  }
  try {
    return { ast: statement, kinds: guardTree(statement, kinds, rewritten) };
  } catch (error) {
    throw located(error, rewritten);
  }
}

/** The tree has no positions: a refusal points at the first word that says what was refused. */
function located(error: unknown, rw: Rewritten): unknown {
  if (!(error instanceof SqlError) || error.position !== undefined) return error;
  const word = { SELECT_INTO: 'INTO', WINDOW_FUNCTION: 'OVER', FILE_FUNCTION: /^(\w+)\(/.exec(error.message)?.[1] }[error.code];
  if (!word) return error;
  const at = new RegExp(`(?<![\\p{L}\\p{N}_$])${word}(?![\\p{L}\\p{N}_$])`, 'iu').exec(rw.userText)?.index;
  if (at === undefined) return error;
  return new SqlError(error.code, `${error.message}${sqlPosition(rw.userText, at)}`, { ...(error.hint === undefined ? {} : { hint: error.hint }), position: at });
}

/** Nodes nested deeper than this are refused: binding and compiling them recurse. */
const MAX_DEPTH = 600;

function guardTree(root: unknown, kinds: Map<unknown, string>, rewritten: Rewritten): WeakMap<object, string> {
  const found = new WeakMap<object, string>();
  const stack: unknown[] = [root];
  const depths: number[] = [0];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const node = stack.pop();
    const depth = depths.pop()!;
    if (node === null || node === undefined || typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') continue;
    if (typeof node !== 'object') throw unsupported(`a ${typeof node} in the query`);
    if (seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      if (Object.getPrototypeOf(node) !== Array.prototype) throw unsupported('this construct');
      for (const child of node as unknown[]) {
        stack.push(child);
        depths.push(depth);
      }
      continue;
    }
    if (depth > MAX_DEPTH) {
      throw new SqlError('SQL_TOO_DEEP', `the query nests more than ${MAX_DEPTH} levels deep, more than the alasql engine takes`, { hint: 'write it flatter, or run with --engine duckdb where DuckDB is installed' });
    }
    const kind = kinds.get(Object.getPrototypeOf(node)?.constructor);
    const n = node as AstNode;
    checkNode(kind, n, rewritten, kinds);
    found.set(n, kind!);
    const allowed = ALLOWED[kind!]!;
    for (const key of Object.keys(n)) {
      if (!allowed.has(key)) {
        if (n[key] === undefined || n[key] === false) continue;
        throw refusedProperty(kind!, key, n);
      }
      stack.push(n[key]);
      depths.push(depth + 1);
    }
  }
  return found;
}

function refusedProperty(kind: string, key: string, n: AstNode): SqlError {
  if (key === 'into') return new SqlError('SELECT_INTO', 'SELECT … INTO is not allowed: queries only read', { hint: 'use --format and -o <file> to save results' });
  if (key === 'modifier') return new SqlError('SQL_UNSUPPORTED', `SELECT ${String(n.modifier)} is not SQL: alasql's result modifiers are not allowed`, { hint: 'write a plain SELECT' });
  if (key === 'over') return windowFunction();
  if (key === 'newid') return new SqlError('NEW_OBJECT', 'NEW is not allowed in SQL', { hint: 'write a plain SELECT' });
  if (key === 'databaseid') return new SqlError('OTHER_DATABASE', 'names of the form database.table are not probing tables', { hint: 'read from namespace.table, e.g. process.memory' });
  if (key === 'using' || key === 'natural') return unsupported('JOIN … USING and NATURAL JOIN', 'write the condition: JOIN b ON a.id = b.id');
  if (key === 'allsome') return unsupported('= ANY (…) and = ALL (…)', 'write x IN (SELECT …), or EXISTS');
  if (key === 'nocase') return unsupported('COLLATE');
  if (key === 'top') return unsupported('TOP', 'write LIMIT n');
  return unsupported(`${kind}.${key} (this construct)`);
}

function windowFunction(): SqlError {
  return new SqlError('WINDOW_FUNCTION', 'window functions (… OVER (…)) are not supported by the alasql engine: it computes them wrongly', {
    hint: 'use GROUP BY, or a join with a grouped subquery; or run with --engine duckdb where DuckDB is installed',
  });
}

function ambiguous(example: string): SqlError {
  return new SqlError('SQL_AMBIGUOUS', `write parentheses around ${example}: SQL engines group these operators differently, and alasql differs from both`, {
    hint: 'e.g. (a = b) IN (…), a || (b + 1), NOT (x BETWEEN 1 AND 2)',
  });
}

/**
 * alasql groups some operators unlike SQL: NOT a IN (…) as (NOT a) IN (…),
 * a BETWEEN 1 AND 2 = b as a BETWEEN 1 AND (2 = b), a = b IS NULL as
 * a = (b IS NULL); and DuckDB and SQLite disagree on a || b + c. Unparenthesized
 * mixes of these are refused (parentheses reach alasql's tree as an operator
 * without a name, so they are seen here).
 */
function checkGrouping(n: AstNode, kinds: Map<unknown, string>): void {
  const shown = (o: unknown) => (o === '===' ? 'IS NOT DISTINCT FROM' : o === '!===' ? 'IS DISTINCT FROM' : String(o));
  const op = String(n.op);
  const operands = [n.left, Array.isArray(n.right) ? undefined : n.right, n.right1, n.right2, n.escape];
  for (const c of operands) {
    if (c === undefined || c === null || typeof c !== 'object') continue;
    const kind = kinds.get(Object.getPrototypeOf(c)?.constructor);
    const child = c as AstNode;
    if (COMPARISONS.has(op)) {
      if (kind === 'Op' && COMPARISONS.has(String(child.op))) throw ambiguous(`${shown(child.op)} inside ${shown(op)}`);
      const isNot = op === 'IS' && c === n.right && kind === 'UniOp' && child.op === 'NOT';
      if (kind === 'UniOp' && child.op === 'NOT' && !isNot) throw ambiguous(`NOT … ${shown(op)}`);
    }
    if (op === '||' && ((kind === 'Op' && ARITHMETIC.has(String(child.op))) || (kind === 'UniOp' && (child.op === '-' || child.op === '+')))) throw ambiguous(`${String(child.op)} inside ||`);
    if (ARITHMETIC.has(op) && kind === 'Op' && child.op === '||') throw ambiguous(`|| inside ${op}`);
  }
}

function checkNode(kind: string | undefined, n: AstNode, rewritten: Rewritten, kinds: Map<unknown, string>): void {
  const name = (v: unknown) => typeof v === 'string' && PLACEHOLDER.test(v);
  switch (kind) {
    case undefined:
      throw unsupported('this construct');
    case 'JavaScript':
      throw inlineJavaScript();
    case 'Over':
      throw windowFunction();
    case 'ParamValue':
      if (typeof n.param !== 'string' || !/^__l[0-9]+$/.test(n.param) || Number(n.param.slice(3)) >= rewritten.literals.length) {
        throw new SqlError('PARAMETER', 'parameters are not allowed in probing queries', { hint: 'write the value into the SQL' });
      }
      return;
    case 'FromData':
    case 'VarValue':
      throw new SqlError('PARAMETER', 'parameters and variables are not allowed in probing queries', { hint: 'write the value into the SQL' });
    case 'Table':
      if (n.databaseid !== undefined) throw refusedProperty(kind, 'databaseid', n);
      if (!name(n.tableid)) throw unsupported(`a table named ${String(n.tableid)}`);
      return;
    case 'Column':
      if (n.databaseid !== undefined) throw refusedProperty(kind, 'databaseid', n);
      if (!(name(n.columnid) || n.columnid === '*') || !(n.tableid === undefined || name(n.tableid))) throw unsupported(`the name ${String(n.columnid)}`, 'names that are SQL keywords go in double quotes: "order"');
      if (n.as !== undefined && !name(n.as)) throw unsupported(`the alias ${String(n.as)}`);
      return;
    case 'FuncValue':
      if (n.newid) throw refusedProperty(kind, 'newid', n);
      if (n.over) throw windowFunction();
      if (typeof n.funcid !== 'string' || !/^[\p{L}_][\p{L}\p{N}_$]*$/u.test(n.funcid)) throw unsupported('this function call');
      if (FILE_FUNCTIONS.has(n.funcid.toUpperCase())) {
        throw new SqlError('FILE_FUNCTION', `${n.funcid.toUpperCase()}() is not allowed: SQL may not read or write files`, { hint: 'query live tables only; use -o <file> to save results' });
      }
      return;
    case 'AggrValue':
      if (n.over) throw windowFunction();
      if (typeof n.aggregatorid !== 'string' || !AGGREGATES.has(n.aggregatorid)) throw unsupported(`the aggregate ${String(n.funcid ?? n.aggregatorid).toLowerCase()}()`, 'count, sum, avg, min and max are supported; or run with --engine duckdb');
      return;
    case 'Op':
      if (typeof n.op !== 'string' || !OPS.has(n.op)) throw unsupported(`the operator ${String(n.op)}`);
      checkGrouping(n, kinds);
      return;
    case 'UniOp':
      if (!(n.op === undefined || (typeof n.op === 'string' && UNIOPS.has(n.op)))) throw unsupported(`the operator ${String(n.op)}`);
      if ((n.op === '-' || n.op === '+') && kinds.get(Object.getPrototypeOf(n.right)?.constructor) === 'Op' && (n.right as AstNode).op === '||') throw ambiguous(`|| after ${String(n.op)}`);
      return;
    case 'Join':
      if (n.using !== undefined || n.natural) throw refusedProperty(kind, 'using', n);
      if (typeof n.joinmode !== 'string' || !JOINS.has(n.joinmode)) {
        throw unsupported(`${String(n.joinmode)} JOIN`, 'write it as a LEFT JOIN with the tables swapped, or run with --engine duckdb');
      }
      return;
    case 'Select':
      if (n.into !== undefined) throw refusedProperty(kind, 'into', n);
      if (n.modifier !== undefined) throw refusedProperty(kind, 'modifier', n);
      return;
    case 'Convert':
      if (typeof n.dbtypeid !== 'string') throw unsupported('this CAST');
      return;
    default:
      if (!(kind in ALLOWED)) throw unsupported(kind === 'Object' ? 'this construct' : `${kind} (this construct)`);
  }
}

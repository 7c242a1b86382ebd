/**
 * Reads DuckDB's own parse of a query (json_serialize_sql) to decide, without
 * data: what to refuse that the parser accepts as a SELECT, which columns each
 * table must supply (projection pushed into the target), and which equalities and
 * LIMIT a provider may apply at the source. Every decision errs toward reading
 * more: a column the query might need is always kept.
 */
import type { Constraints } from '../../extensions/contract.js';
import { SqlError, sqlPosition } from '../errors.js';
import type { TableDeclaration } from './contract.js';

/** A node of DuckDB's serialized parse tree. */
export type AstNode = { [key: string]: unknown };

/** An offset DuckDB uses for "no location". */
const NO_LOCATION = 2 ** 63;

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every node under `root`, depth-first, without recursion (no depth limit). */
function* nodes(root: unknown): Generator<AstNode> {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
    } else if (isNode(value)) {
      yield value;
      for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
}

/**
 * Table functions a query may call: they compute rows from their arguments. Every
 * other one reads files, settings or SQL text (read_csv, glob, query, …); DuckDB's
 * sandbox stops those too, but refusing them here does it before anything is attached.
 */
const TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest', 'json_each', 'json_tree']);

/** From-clause kinds whose columns this analysis follows; any other reads every column. */
const PLAIN_FROM = new Set(['BASE_TABLE', 'JOIN', 'SUBQUERY', 'EMPTY', 'EXPRESSION_LIST', 'TABLE_FUNCTION']);

export interface Position {
  /** The rewritten SQL, whose offsets DuckDB reports. */
  sql: string;
  /** The user's SQL. */
  text: string;
  original: (offset: number) => number;
}

function at(position: Position, location: unknown): string {
  return typeof location === 'number' && location < NO_LOCATION ? sqlPosition(position.text, position.original(location)) : '';
}

/** a->b->c as the names it is made of: ['a', 'b', 'c']. */
function arrowChain(node: unknown): string[] {
  if (!isNode(node)) return [];
  if (node.class === 'LAMBDA') return [...arrowChain(node.lhs), ...arrowChain(node.expr)];
  if (node.class === 'COLUMN_REF' && Array.isArray(node.column_names)) return [(node.column_names as string[]).join('.')];
  if (node.class === 'CONSTANT' && isNode(node.value)) return [String(node.value.value)];
  return ['…'];
}

/** Refuses what DuckDB's parser calls a SELECT but a probing query must not be. */
export function refuse(statement: AstNode, position: Position): void {
  // x -> y is a lambda where a list function takes one; elsewhere DuckDB reads it as JSON access
  const lambdas = new Set<AstNode>();
  for (const node of nodes(statement)) {
    if (node.class === 'FUNCTION' && Array.isArray(node.children)) for (const c of node.children as AstNode[]) if (c.class === 'LAMBDA') lambdas.add(c);
    if (node.class === 'LAMBDA' && !lambdas.has(node) && isNode(node.expr) && node.expr.class !== 'CONSTANT') {
      // payload->user takes the value of a column "user" as the key: silently NULL, or worse
      const [base = 'value', ...path] = arrowChain(node);
      const written = [base, ...path].join('->');
      throw new SqlError('JSON_ARROW', `${written} reads ${path.length === 1 ? 'the column' : 'columns'} ${path.join(', ')} as ${path.length === 1 ? 'the key' : 'keys'}${at(position, node.query_location)}`, {
        hint: `nested values are JSON: write ${base}->>'$.${path.join('.')}' for text, ${base}->'$.${path.join('.')}' for JSON`,
      });
    }
    if (node.type === 'SHOW_REF') {
      throw new SqlError('NOT_SELECT', 'DESCRIBE, SUMMARIZE and SHOW are not allowed in probing queries', {
        hint: 'see a table\'s columns with `probing describe <table>`; compute summaries with SELECT',
      });
    }
    if (node.type === 'TABLE_FUNCTION' && isNode(node.function) && !TABLE_FUNCTIONS.has(String(node.function.function_name).toLowerCase())) {
      throw new SqlError('TABLE_FUNCTION', `${String(node.function.function_name)}() is not allowed in probing queries${at(position, node.query_location)}`, {
        hint: `probing queries read live tables (probing tables lists them); the table functions allowed are ${[...TABLE_FUNCTIONS].join(', ')}`,
      });
    }
    // DuckDB reads [name] as a one-element list: a query written for brackets-as-names would silently change meaning.
    if (node.class === 'FUNCTION' && node.function_name === 'list_value' && Array.isArray(node.children) && node.children.length === 1) {
      const child = node.children[0] as AstNode;
      if (child.class === 'COLUMN_REF' && Array.isArray(child.column_names) && typeof child.query_location === 'number') {
        const before = position.sql.slice(0, child.query_location).replace(/\s+$/, '');
        if (before.endsWith('[')) {
          const name = (child.column_names as string[]).join('.');
          throw new SqlError('BRACKET_NAME', `[${name}] is a list in SQL, not a name${at(position, child.query_location - 1)}`, {
            hint: `use double quotes for a name that needs quoting: "${name}" (a one-element list is list_value(${name}))`,
          });
        }
      }
    }
  }
}

/** Which columns of each table the query may read; undefined: all of them. */
function readColumns(statement: AstNode, tables: readonly TableDeclaration[]): Map<string, readonly string[] | undefined> {
  const names = new Set<string>();
  const tableNames = new Set<string>(tables.map((t) => t.name.toLowerCase()));
  let all = false;
  const singles: string[] = [];
  for (const node of nodes(statement)) {
    if (node.class === 'STAR') all = true;
    else if (node.class === 'COLUMN_REF' && Array.isArray(node.column_names)) {
      for (const n of node.column_names as string[]) names.add(n.toLowerCase());
      if (node.column_names.length === 1) singles.push(String(node.column_names[0]).toLowerCase());
    }
    if (Array.isArray(node.using_columns)) for (const n of node.using_columns as string[]) names.add(n.toLowerCase());
    if (node.ref_type === 'NATURAL' || node.ref_type === 'POSITIONAL') all = true;
    if (typeof node.type === 'string' && 'from_table' in node && isNode(node.from_table) && !PLAIN_FROM.has(String(node.from_table.type))) all = true;
    if (node.type === 'BASE_TABLE' && typeof node.alias === 'string' && node.alias !== '') tableNames.add(node.alias.toLowerCase());
  }
  // a table's name or alias used as a value is the whole row (SELECT t FROM … t)
  if (singles.some((n) => tableNames.has(n))) all = true;
  const out = new Map<string, readonly string[] | undefined>();
  for (const table of tables) {
    if (all) out.set(table.name, undefined);
    else if (table.columns) out.set(table.name, table.columns.filter((c) => names.has(c.name.toLowerCase())).map((c) => c.name));
    else out.set(table.name, [...names]);
  }
  return out;
}

function constantValue(node: AstNode): string | number | boolean | undefined {
  if (node.class !== 'CONSTANT' || !isNode(node.value) || node.value.is_null) return undefined;
  const type = isNode(node.value.type) ? node.value.type.id : undefined;
  const value = node.value.value;
  if (type === 'VARCHAR' && typeof value === 'string') return value;
  if ((type === 'INTEGER' || type === 'BIGINT') && typeof value === 'number') return value;
  if (type === 'BOOLEAN' && typeof value === 'boolean') return value;
  return undefined;
}

/** `column = constant` conjuncts at the top of a single table's WHERE, for declared columns of a matching type. */
function equalities(where: unknown, table: TableDeclaration, alias: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  const visit = (node: unknown): void => {
    if (!isNode(node)) return;
    if (node.type === 'CONJUNCTION_AND' && Array.isArray(node.children)) return node.children.forEach(visit);
    if (node.type !== 'COMPARE_EQUAL' || !isNode(node.left) || !isNode(node.right)) return;
    const [ref, constant] = node.left.class === 'COLUMN_REF' ? [node.left, node.right] : [node.right, node.left];
    const path = ref.column_names as string[] | undefined;
    if (ref.class !== 'COLUMN_REF' || !path || path.length > 2) return;
    if (path.length === 2 && path[0]!.toLowerCase() !== alias) return;
    const column = table.columns?.find((c) => c.name.toLowerCase() === path[path.length - 1]!.toLowerCase());
    const value = constantValue(constant);
    if (!column || value === undefined) return;
    const fits = (typeof value === 'string' && column.type === 'string') || (typeof value === 'number' && (column.type === 'integer' || column.type === 'float')) || (typeof value === 'boolean' && column.type === 'boolean');
    if (fits) out[column.name] = value;
  };
  visit(where);
  return out;
}

/**
 * A LIMIT a single table may apply at the source: nothing filters, groups, sorts,
 * de-duplicates or computes before it (the select list holds only columns and constants).
 */
function sourceLimit(select: AstNode): number | undefined {
  const modifiers = (select.modifiers as AstNode[] | undefined) ?? [];
  if (select.where_clause || select.having || select.qualify || select.sample) return undefined;
  if (Array.isArray(select.group_expressions) && select.group_expressions.length > 0) return undefined;
  if (modifiers.some((m) => m.type !== 'LIMIT_MODIFIER')) return undefined;
  const plain = ((select.select_list as AstNode[] | undefined) ?? []).every((e) => e.class === 'COLUMN_REF' || e.class === 'STAR' || e.class === 'CONSTANT');
  const limit = modifiers.find((m) => m.type === 'LIMIT_MODIFIER');
  if (!plain || !limit || !isNode(limit.limit)) return undefined;
  const count = constantValue(limit.limit);
  const offset = limit.offset === null || limit.offset === undefined ? 0 : isNode(limit.offset) ? constantValue(limit.offset) : undefined;
  return typeof count === 'number' && typeof offset === 'number' && count >= 0 && offset >= 0 ? count + offset : undefined;
}

/** What each table's provider may narrow at the source. */
export function constraintsOf(statement: AstNode, tables: readonly TableDeclaration[]): Map<string, Constraints> {
  const columns = readColumns(statement, tables);
  const out = new Map<string, Constraints>();
  for (const table of tables) {
    const read = columns.get(table.name);
    out.set(table.name, read === undefined ? {} : { columns: read });
  }
  const select = statement.node as AstNode;
  const from = isNode(select) ? select.from_table : undefined;
  const single =
    tables.length === 1 && isNode(select) && select.type === 'SELECT_NODE' && isNode(from) && from.type === 'BASE_TABLE' && from.table_name === tables[0]!.name && ((select.cte_map as { map?: unknown[] } | undefined)?.map ?? []).length === 0 &&
    // read once: a subquery over the same table must see all of it
    [...nodes(statement)].filter((n) => n.type === 'BASE_TABLE').length === 1;
  if (single) {
    const table = tables[0]!;
    const constraints = out.get(table.name)!;
    const alias = String(from.alias || from.table_name).toLowerCase();
    const equals = equalities(select.where_clause, table, alias);
    if (Object.keys(equals).length > 0) constraints.equals = equals;
    const limit = sourceLimit(select);
    if (limit !== undefined) constraints.limit = limit;
  }
  return out;
}

/**
 * Whether the query changes its connection beyond its own tables: setseed() seeds random()
 * for the queries after it. Such a database is not kept for the next query.
 */
export function changesSession(statement: AstNode): boolean {
  for (const node of nodes(statement)) if (node.class === 'FUNCTION' && String(node.function_name).toLowerCase() === 'setseed') return true;
  return false;
}

/**
 * Names DuckDB answers itself (the database user, catalog or schema) where no
 * column has them: `SELECT user FROM t` would print "duckdb" for a table without a
 * user column. Such a name must be a column (or an alias) of the query.
 */
const SPECIAL_NAMES = new Set(['user', 'current_user', 'session_user', 'current_role', 'current_catalog', 'current_schema']);

export function refuseSpecialNames(statement: AstNode, columns: readonly string[], labels: readonly string[], position: Position): void {
  const known = new Set(columns.map((c) => c.toLowerCase()));
  for (const node of nodes(statement)) {
    if (typeof node.alias === 'string' && node.alias !== '') known.add(node.alias.toLowerCase());
    for (const key of ['column_name_alias', 'aliases']) if (Array.isArray(node[key])) for (const a of node[key] as unknown[]) if (typeof a === 'string') known.add(a.toLowerCase());
  }
  for (const node of nodes(statement)) {
    if (node.class !== 'COLUMN_REF' || !Array.isArray(node.column_names) || node.column_names.length !== 1) continue;
    const name = String(node.column_names[0]);
    if (SPECIAL_NAMES.has(name.toLowerCase()) && !known.has(name.toLowerCase())) {
      throw new SqlError('UNKNOWN_COLUMN', `unknown column "${name}"${labels.length === 1 ? ` in ${labels[0]}` : ''}${at(position, node.query_location)}`, {
        hint: `no table of this query has a column "${name}" (DuckDB would answer its own ${name.replace(/^(current|session)_/, '')} instead); \`probing describe <table>\` lists the columns`,
      });
    }
  }
}

/**
 * DuckDB's errors (asked for as JSON: errors_as_json) → probing's SQL errors:
 * the table placeholders named as the user wrote them, the position shown as a
 * line, a column and a caret in the user's SQL, "did you mean" as the hint.
 */
import { SqlError, sqlPosition } from '../errors.js';
import { closeNames } from '../suggest.js';
import type { Position } from './duckdb-ast.js';

interface DuckDBErrorInfo {
  exception_type?: string;
  exception_message?: string;
  error_subtype?: string;
  position?: string;
  name?: string;
  candidates?: string;
  type?: string;
}

export interface ErrorContext extends Position {
  /** Placeholder name → the reference as written. */
  labels: ReadonlyMap<string, string>;
  /** Placeholder name → every column the table has (also those the query's projection left in the target). */
  columns: Map<string, string[]>;
}

/** The hint for an unknown column: the closest real names, or the table's columns. */
function columnHint(name: string, ctx: ErrorContext, candidates: string | undefined): string {
  const all = [...new Set([...ctx.columns.values()].flat())];
  const close = closeNames(name, all).map((c) => `"${c}"`);
  if (close.length > 0) return `did you mean ${close.join(' or ')}?`;
  if (all.length > 0) return `the columns are ${all.slice(0, 12).map((c) => `"${c}"`).join(', ')}${all.length > 12 ? ', …' : ''}`;
  if (candidates && ctx.columns.size === 0) return `did you mean ${candidates.split(',').map((c) => `"${c}"`).join(' or ')}?`;
  return '`probing describe <table>` lists the columns of a built-in table';
}

export function parseErrorInfo(message: string): DuckDBErrorInfo {
  const json = message.slice(message.indexOf('{'));
  try {
    return JSON.parse(json) as DuckDBErrorInfo;
  } catch {
    return { exception_message: message };
  }
}

/** Placeholders ("_t0") → the references they stand for (js.`…`). */
function named(text: string, labels: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [name, label] of labels) out = out.replace(new RegExp(`"?\\b${name}\\b"?`, 'g'), label);
  return out;
}

export function engineError(info: DuckDBErrorInfo, ctx: ErrorContext): SqlError {
  const raw = info.exception_message ?? 'unknown error';
  const [first = raw, ...rest] = raw.split('\n');
  const offset = info.position === undefined ? undefined : ctx.original(Number(info.position));
  const where = sqlPosition(ctx.text, offset);
  const suggestion = rest.find((l) => /^(Did you mean|Candidate)/.test(l));
  const type = info.exception_type ?? '';
  const position = offset === undefined ? {} : { position: offset };
  if (type === 'Parser') {
    const near = /at or near "([A-Za-z_]+)"/.exec(first)?.[1];
    const hint = near ? `if ${near.toLowerCase()} is meant as a name, it is an SQL keyword there: write it in double quotes, "${near.toLowerCase()}"` : 'check the SQL near the ^';
    return new SqlError('SQL_SYNTAX', `syntax error: ${named(first, ctx.labels)}${where}`, { hint, ...position });
  }
  if (info.error_subtype === 'COLUMN_NOT_FOUND') {
    const tables = [...ctx.labels.values()];
    const inWhat = tables.length === 1 ? ` in ${tables[0]}` : '';
    return new SqlError('UNKNOWN_COLUMN', `unknown column "${info.name ?? ''}"${inWhat}${where}`, {
      hint: columnHint(info.name ?? '', ctx, info.candidates),
      ...position,
    });
  }
  if (info.error_subtype === 'MISSING_ENTRY' && info.type === 'Table') {
    return new SqlError('UNKNOWN_TABLE', `unknown table ${info.name ?? ''}${where}`, { hint: 'probing tables are named namespace.table, e.g. process.memory; `probing tables` lists them', ...position });
  }
  if (info.error_subtype === 'MISSING_ENTRY' && /Function/.test(info.type ?? '')) {
    return new SqlError('UNKNOWN_FUNCTION', `unknown function ${info.name ?? ''}()${where}`, {
      hint: suggestion ? named(suggestion, ctx.labels) : 'see the SQL functions in docs/sql.md',
      ...position,
    });
  }
  const code = type === 'Binder' || type === 'Catalog' ? 'SQL_BIND' : type === 'Permission' ? 'SQL_NOT_ALLOWED' : type === 'Out of Memory' ? 'SQL_MEMORY' : 'SQL_RUNTIME';
  const hint =
    code === 'SQL_NOT_ALLOWED' ? 'probing queries read live tables only: no files, network, extensions or settings'
    : code === 'SQL_MEMORY' ? 'the query needed more memory than --memory-limit allows: raise it, or read fewer rows'
    : suggestion ? named(suggestion, ctx.labels)
    : code === 'SQL_RUNTIME' ? 'a value may not fit the operation: guard it with a CASE, a CAST or a WHERE'
    : 'check the names and types near the ^';
  return new SqlError(code, `${type ? `${type.toLowerCase()} error: ` : ''}${named(first, ctx.labels)}${where}`, { hint, ...position });
}

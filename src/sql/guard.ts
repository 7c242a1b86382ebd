/**
 * Accepts only read-only SELECT statements. alasql lets SQL text run JavaScript
 * (``SELECT VALUE ``process.version`` ``), write files (INTO CSV(…)), read them
 * (FROM TXT(…)), reach other databases (db0.t) and change data; each is refused
 * here, by name, after alasql has parsed the statement.
 */
import type { AlaSQL } from 'alasql';
import { SqlError } from './errors.js';

const FILE_FUNCTIONS = new Set(['TXT', 'CSV', 'TSV', 'TAB', 'JSON', 'XLSX', 'XLS', 'XML', 'FILE', 'HTML', 'ODS', 'GEXF', 'JSONL', 'NDJSON', 'SQLITE', 'REQUIRE', 'LOCALSTORAGE', 'INDEXEDDB']);

type Yy = Record<string, new (...args: never[]) => unknown>;

export interface Guarded {
  /** Statement kind, for messages. */
  ast: unknown;
}

/**
 * Turns alasql's parse error (a 20-character excerpt, a caret, and a list of 40
 * expected tokens) into a line and column of the original SQL and the offending token.
 * Placeholders for table references keep their length and line breaks, so offsets
 * in the rewritten SQL are offsets in the user's.
 */
function locate(message: string, sql: string): { token?: string; offset?: number } {
  const lines = message.split('\n');
  const caret = lines.findIndex((l) => /^-*\^$/.test(l));
  const token = /got '([^']+)'/.exec(message)?.[1];
  if (caret < 1) return token ? { token } : {};
  const excerpt = lines[caret - 1]!.replace(/^\.\.\./, '');
  const past = excerpt.slice(0, lines[caret]!.length - 1 - (lines[caret - 1]!.startsWith('...') ? 3 : 0));
  // alasql's excerpt leaves line breaks out: search the SQL with them left out too.
  const flat: number[] = [];
  let text = '';
  for (let i = 0; i < sql.length; i++) {
    if (sql[i] === '\n') continue;
    flat.push(i);
    text += sql[i];
  }
  const at = text.indexOf(excerpt);
  const offset = at === -1 ? undefined : flat[at + past.length] ?? sql.length;
  return { ...(token ? { token } : {}), ...(offset === undefined ? {} : { offset }) };
}

function syntaxError(message: string, sql: string, original: string): SqlError {
  const { token, offset } = locate(message, sql);
  let where = '';
  if (offset !== undefined) {
    const before = original.slice(0, offset);
    const line = before.split('\n').length;
    const lineStart = before.lastIndexOf('\n') + 1;
    const lineText = original.split('\n')[line - 1] ?? '';
    where = ` on line ${line}, column ${offset - lineStart + 1}\n    ${lineText}\n    ${' '.repeat(offset - lineStart)}^`;
  }
  const at = token === undefined ? '' : token === 'EOF' ? ' at the end of the query' : ` at ${token.toLowerCase()}`;
  const keyword = token !== undefined && token !== 'EOF' && /^[A-Z_]+$/.test(token);
  return new SqlError('SQL_SYNTAX', `syntax error${at}${where}`, {
    hint: keyword
      ? `${token.toLowerCase()} is an SQL keyword; as a name write it in brackets: [${token.toLowerCase()}]`
      : 'check the SQL near the ^',
    ...(offset === undefined ? {} : { position: offset }),
  });
}

function inlineJavaScript(): SqlError {
  return new SqlError('INLINE_JAVASCRIPT', 'inline JavaScript (``…``) is not allowed in SQL', {
    hint: 'to evaluate JavaScript in the target, use a table: SELECT * FROM js.`expression`',
  });
}

export function guard(alasql: AlaSQL, sql: string, original: string): Guarded {
  let ast: { statements: unknown[] };
  try {
    ast = alasql.parse(sql) as unknown as { statements: unknown[] };
  } catch (error) {
    if (/``/.test(sql)) throw inlineJavaScript();
    throw syntaxError((error as Error).message, sql, original);
  }
  if (ast.statements.length !== 1) {
    throw new SqlError('MULTIPLE_STATEMENTS', `one statement at a time: this text has ${ast.statements.length}`, { hint: 'remove the semicolon-separated statements after the first' });
  }
  const yy = (alasql as unknown as { yy: Yy }).yy;
  const statement = ast.statements[0];
  if (!(statement instanceof yy.Select!) && !(statement instanceof yy.WithSelect!)) {
    const kind = (statement as object)?.constructor?.name || 'this statement';
    throw new SqlError('NOT_SELECT', `only SELECT queries are allowed, not ${kind === 'Object' ? 'this statement' : kind.toUpperCase()}`, {
      hint: 'probing reads live data; it never creates, changes or deletes anything through SQL',
    });
  }
  const names = new Map<unknown, string>(Object.entries(yy).map(([name, ctor]) => [ctor, name]));
  const walk = (node: unknown, depth: number): void => {
    if (typeof node !== 'object' || node === null || depth > 200) return;
    const kind = names.get((node as object).constructor);
    const n = node as Record<string, unknown>;
    if (kind === 'JavaScript') throw inlineJavaScript();
    if (kind === 'Select' && n.into) {
      throw new SqlError('SELECT_INTO', 'SELECT … INTO is not allowed: queries only read', { hint: 'use --format and -o <file> to save results' });
    }
    if (kind === 'FuncValue' && typeof n.funcid === 'string' && FILE_FUNCTIONS.has(n.funcid.toUpperCase())) {
      throw new SqlError('FILE_FUNCTION', `${n.funcid.toUpperCase()}() is not allowed: SQL may not read or write files`, { hint: 'query live tables only; use -o <file> to save results' });
    }
    if (kind === 'FuncValue' && n.newid) {
      throw new SqlError('NEW_OBJECT', 'NEW is not allowed in SQL', {});
    }
    if (kind === 'ParamValue' || kind === 'FromData') {
      throw new SqlError('PARAMETER', 'parameters (?) are not allowed in probing queries', { hint: 'write the value into the SQL' });
    }
    if (kind === 'Table' && n.databaseid) {
      throw new SqlError('OTHER_DATABASE', `${String(n.databaseid)}.${String(n.tableid)} is not a probing table`, { hint: 'see the namespaces with `probing --help`' });
    }
    if (kind === 'Over') {
      throw new SqlError('WINDOW_FUNCTION', 'window functions (… OVER (…)) are not supported: the SQL engine computes them wrongly', {
        hint: 'use GROUP BY, or a join with a grouped subquery',
      });
    }
    for (const value of Object.values(n)) walk(value, depth + 1);
  };
  walk(statement, 0);
  return { ast: statement };
}

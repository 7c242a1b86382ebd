/**
 * Finds the table references in a SQL text — `namespace.table` and
 * ``namespace.`expression` `` — without being fooled by string literals, comments,
 * "quoted" names or backticks inside the expression (template literals).
 *
 * A backtick-quoted expression ends at the first closing backtick after which the
 * text between is a complete JavaScript expression (checked with acorn): in
 * ``js.`a + `x` + b` `` the backtick after `a + ` would leave `a +` unfinished, so
 * the expression runs on to the last one.
 */
import { SqlError } from './errors.js';

// acorn loads only when a query has a backtick expression (js.`…`): most queries need none.
let acorn: typeof import('acorn') | undefined;

/** Loads the JavaScript parser when `sql` may hold a backtick expression; await it before findReferences. */
export async function loadParserFor(sql: string): Promise<void> {
  if (sql.includes('`')) acorn ??= await import('acorn');
}

const parseExpressionAt: typeof import('acorn').parseExpressionAt = (...args) => {
  if (!acorn) throw new Error('probing: the JavaScript parser was not loaded (loadParserFor)');
  return acorn.parseExpressionAt(...args);
};

export interface TableReference {
  /** Offsets of the whole reference in the SQL text. */
  start: number;
  end: number;
  namespace: string;
  /** The table name, or the expression between the backticks. */
  name: string;
  /** True for ``ns.`…` ``. */
  quoted: boolean;
  /** The reference as written. */
  text: string;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

function isCompleteExpression(code: string): boolean {
  if (code.trim() === '') return false;
  try {
    const node = parseExpressionAt(code, 0, { ecmaVersion: 'latest', allowAwaitOutsideFunction: true });
    return code.slice(node.end).trim() === '';
  } catch {
    return false;
  }
}

/** The offset of the backtick that closes an expression starting at `from`. */
function closingBacktick(sql: string, from: number): number {
  let first = -1;
  for (let i = sql.indexOf('`', from); i !== -1; i = sql.indexOf('`', i + 1)) {
    if (first === -1) first = i;
    if (isCompleteExpression(sql.slice(from, i))) return i;
  }
  if (first === -1) throw new SqlError('UNCLOSED_BACKTICK', `the backtick at offset ${from - 1} is never closed`, { hint: 'end the expression with a backtick: js.`app.sessions`', position: from - 1 });
  // Not valid JavaScript whichever backtick ends it: take the first, and let the target report the syntax error.
  return first;
}

/** Skips a quoted section starting at `i` (the opening quote); returns the offset after it. */
function skipQuoted(sql: string, i: number, close: string): number {
  for (let j = i + 1; j < sql.length; j++) {
    if (sql[j] === close) {
      if (sql[j + 1] === close) {
        j++; // doubled quote: an escaped quote
        continue;
      }
      return j + 1;
    }
  }
  throw new SqlError('UNCLOSED_QUOTE', `the quote ${close} at offset ${i} is never closed`, { position: i });
}

/** Every `a.b` and ``a.`…` `` in the SQL; which of them are tables is the planner's decision. */
export function findReferences(sql: string): TableReference[] {
  const refs: TableReference[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      i = skipQuoted(sql, i, c);
    } else if (c === '`') {
      // a backtick that does not open ns.`…`: inline JavaScript in alasql's dialect, never a probing query
      throw new SqlError('INLINE_JAVASCRIPT', `a backtick outside a table reference, at offset ${i}: SQL may not contain inline JavaScript`, {
        hint: 'to evaluate JavaScript in the target, read it as a table: SELECT * FROM js.`expression`',
        position: i,
      });
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new SqlError('UNCLOSED_COMMENT', `the comment at offset ${i} is never closed`, { position: i });
      i = end + 2;
    } else if (/[A-Za-z_]/.test(c) && (i === 0 || !/[A-Za-z0-9_$.]/.test(sql[i - 1]!))) {
      IDENT.lastIndex = i;
      const namespace = IDENT.exec(sql)![0];
      let j = i + namespace.length;
      if (sql[j] === '.' && sql[j + 1] === '`') {
        const close = closingBacktick(sql, j + 2);
        refs.push({ start: i, end: close + 1, namespace, name: sql.slice(j + 2, close), quoted: true, text: sql.slice(i, close + 1) });
        i = close + 1;
      } else if (sql[j] === '.' && /[A-Za-z_]/.test(sql[j + 1] ?? '')) {
        IDENT.lastIndex = j + 1;
        const name = IDENT.exec(sql)![0];
        const end = j + 1 + name.length;
        if (sql[end] !== '.' && sql[end] !== '(') refs.push({ start: i, end, namespace, name, quoted: false, text: sql.slice(i, end) });
        i = end;
      } else {
        i = j;
      }
    } else {
      i++;
    }
  }
  return refs;
}

/** Words that end a FROM list: after one of them, `a.b` is a column again. */
const AFTER_FROM = /\b(where|group|order|having|limit|offset|union|except|intersect|select|window|qualify|on|using)\b/i;

/**
 * True when the reference stands where a table must: right after FROM or JOIN, or
 * in a FROM list (FROM a, b). `x IS DISTINCT FROM t.c` and `GROUP BY t.a, t.b` are not.
 */
export function inTablePosition(sql: string, ref: TableReference): boolean {
  const before = sql.slice(0, ref.start).replace(/\s+$/, '');
  if (/\bdistinct\s+from$/i.test(before)) return false;
  if (/\b(from|join)$/i.test(before)) return true;
  if (!before.endsWith(',')) return false;
  const froms = [...before.matchAll(/\bfrom\b/gi)].filter((m) => !/\bdistinct\s+$/i.test(before.slice(0, m.index)));
  const last = froms.at(-1);
  if (!last) return false;
  const list = before.slice(last.index + last[0].length, -1);
  return !/[()]/.test(list) && !AFTER_FROM.test(list);
}

/**
 * Standard SQL → text that alasql parses the same way. alasql reads `"x"` as a
 * string, many everyday names (count, key, value, total, order, first, …) as
 * keywords, and compiles names and strings into JavaScript source. So every name
 * becomes a numbered placeholder `[__i3]`, every literal a parameter `$__l0`,
 * and the real names and values are kept aside: the binder maps the placeholders
 * back (case-insensitively), and nothing the user typed reaches alasql's code
 * generator as text. Keywords stay bare only if they are on a short list whose
 * meaning in alasql was checked; a few that alasql reads differently from SQL
 * (ILIKE as LIKE, `==`, `->`, `::`, FULL JOIN) are refused here, and
 * IS [NOT] DISTINCT FROM, which it cannot parse, becomes its `!===` (`===`).
 *
 * Offsets: each character of the rewritten text maps back to the token it came
 * from in the planner's SQL, and `original` maps that into the user's SQL.
 */
import { SqlError, sqlPosition } from '../errors.js';

export type LiteralType = 'int' | 'float' | 'string';

export interface Literal {
  value: number | bigint | string;
  type: LiteralType;
}

export interface Identifier {
  name: string;
  /** Offset in the user's SQL. */
  at: number;
}

export interface Rewritten {
  /** The text for alasql.parse. */
  text: string;
  /** `$__l<i>` stands for literals[i]. */
  literals: Literal[];
  /** `[__i<i>]` stands for identifiers[i]. */
  identifiers: Identifier[];
  /** Function names as written, with their offsets in the user's SQL. */
  functions: Array<{ name: string; at: number }>;
  /** An offset in `text` → one in the user's SQL. */
  userOffset(offset: number): number;
  /** The user's SQL, for messages. */
  userText: string;
}

/** Words left bare: alasql reads each of them as standard SQL does (or the guard refuses what they build). */
const KEYWORDS = new Set(
  (
    'SELECT FROM WHERE GROUP BY HAVING ORDER ASC DESC LIMIT OFFSET AS ON JOIN INNER LEFT RIGHT FULL OUTER CROSS ' +
    'NATURAL USING AND OR NOT NULL IS IN LIKE BETWEEN CASE WHEN THEN ELSE END DISTINCT ALL UNION EXCEPT INTERSECT ' +
    'EXISTS TRUE FALSE CAST WITH NULLS ESCAPE ANY SOME OVER PARTITION WINDOW RECURSIVE LATERAL VALUES INTO'
  ).split(' '),
);

/** Statement words that are not queries: refused by name rather than as a syntax error. */
const NOT_QUERIES = new Set('INSERT UPDATE DELETE DROP CREATE ALTER TRUNCATE MERGE ATTACH DETACH USE SET PRAGMA COPY EXPORT IMPORT INSTALL LOAD CALL EXPLAIN DECLARE BEGIN COMMIT ROLLBACK SHOW DESCRIBE SUMMARIZE GRANT REVOKE VACUUM ANALYZE REPLACE UPSERT SOURCE REQUIRE ASSERT PRINT IF WHILE'.split(' '));

const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{N}_$]/u;

type Token =
  | { kind: 'space'; start: number; end: number }
  | { kind: 'word'; start: number; end: number; text: string }
  | { kind: 'name'; start: number; end: number; text: string }
  | { kind: 'string'; start: number; end: number; text: string }
  | { kind: 'number'; start: number; end: number; text: string }
  | { kind: 'op'; start: number; end: number; text: string };

const OPERATORS = ['<=', '>=', '<>', '!=', '||', '+', '-', '*', '/', '%', '=', '<', '>', '(', ')', ',', '.', ';'];

interface Context {
  sql: string;
  original: (offset: number) => number;
  userText: string;
}

function fail(ctx: Context, at: number, code: string, message: string, hint: string): never {
  const position = ctx.original(at);
  throw new SqlError(code, `${message}${sqlPosition(ctx.userText, position)}`, { hint, position });
}

function tokenize(ctx: Context): Token[] {
  const { sql } = ctx;
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const start = i;
    if (/\s/.test(c)) {
      while (i < sql.length && /\s/.test(sql[i]!)) i++;
      tokens.push({ kind: 'space', start, end: i });
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      tokens.push({ kind: 'space', start, end: i });
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close === -1) fail(ctx, i, 'SQL_SYNTAX', 'syntax error: a /* comment is never closed', 'end the comment with */');
      i = close + 2;
      tokens.push({ kind: 'space', start, end: i });
    } else if (c === "'" || c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= sql.length) fail(ctx, start, 'SQL_SYNTAX', `syntax error: a ${c === "'" ? 'string' : 'quoted name'} is never closed`, `end it with ${c}; write ${c}${c} for a ${c} inside it`);
        if (sql[i] === c) {
          if (sql[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += sql[i];
        i++;
      }
      tokens.push({ kind: c === "'" ? 'string' : 'name', start, end: i, text });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(i))!;
      i += m[0].length;
      if (i < sql.length && IDENT_PART.test(sql[i]!)) fail(ctx, start, 'SQL_SYNTAX', `syntax error: ${sql.slice(start, i + 1)}… is not a number`, 'names that start with a digit go in double quotes');
      tokens.push({ kind: 'number', start, end: i, text: m[0] });
    } else if (IDENT_START.test(c)) {
      while (i < sql.length && IDENT_PART.test(sql[i]!)) i++;
      tokens.push({ kind: 'word', start, end: i, text: sql.slice(start, i) });
    } else if (c === '[') {
      fail(ctx, i, 'BRACKET_NAME', 'names in [brackets] are not SQL', 'write names that need quoting in double quotes: "order", "count"');
    } else if (c === '`') {
      fail(ctx, i, 'INLINE_JAVASCRIPT', 'inline JavaScript (``…``) is not allowed in SQL', 'to evaluate JavaScript in the target, use a table: SELECT * FROM js.`expression`');
    } else if (c === '?' || c === '$' || c === '@' || c === ':') {
      if (sql.startsWith('::', i)) fail(ctx, i, 'SQL_UNSUPPORTED', 'x::type casts are not supported by the alasql engine', 'write CAST(x AS type), or run with --engine duckdb where DuckDB is installed');
      fail(ctx, i, 'PARAMETER', `parameters and variables (${c}) are not allowed in probing queries`, 'write the value into the SQL');
    } else if (sql.startsWith('->', i)) {
      fail(ctx, i, 'SQL_UNSUPPORTED', '-> is not supported by the alasql engine (in alasql it calls JavaScript methods)', 'read JSON with json_extract_string(column, \'$.key\'), or run with --engine duckdb where DuckDB is installed');
    } else {
      const op = OPERATORS.find((o) => sql.startsWith(o, i));
      if (!op || sql.startsWith('==', i) || ((op === '!=' || op === '<=' || op === '>=' || op === '<>') && sql[i + 2] === '=')) fail(ctx, i, 'SQL_SYNTAX', `syntax error at ${JSON.stringify(sql.slice(i, i + 2))}`, 'check the SQL near the ^');
      i += op.length;
      tokens.push({ kind: 'op', start, end: i, text: op });
    }
  }
  return tokens;
}

function literalOf(token: Token & { kind: 'number' | 'string' }): Literal {
  if (token.kind === 'string') return { value: token.text, type: 'string' };
  if (/^[0-9]+$/.test(token.text)) {
    const big = BigInt(token.text);
    return { value: big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big, type: 'int' };
  }
  return { value: Number(token.text), type: 'float' };
}

/** At IS (index n): whether IS [NOT] DISTINCT FROM follows, and the index of FROM. */
function isDistinctFrom(tokens: readonly Token[], n: number): { negate: boolean; last: number } | undefined {
  const words: Array<{ text: string; at: number }> = [];
  for (let m = n + 1; m < tokens.length && words.length < 3; m++) {
    const t = tokens[m]!;
    if (t.kind === 'space') continue;
    if (t.kind !== 'word') break;
    words.push({ text: t.text.toUpperCase(), at: m });
  }
  const negate = words[0]?.text === 'NOT';
  const rest = negate ? words.slice(1) : words;
  if (rest[0]?.text !== 'DISTINCT' || rest[1]?.text !== 'FROM') return undefined;
  return { negate, last: rest[1].at };
}

/** Rewrites the planner's SQL (table references already "_t0", …) for alasql.parse. */
export function rewrite(sql: string, original: (offset: number) => number, userText: string): Rewritten {
  const ctx: Context = { sql, original, userText };
  const tokens = tokenize(ctx);
  const significant = tokens.filter((t) => t.kind !== 'space');
  const first = significant[0];
  if (!first) fail(ctx, 0, 'SQL_SYNTAX', 'the query is empty', 'write a SELECT');
  if (first.kind === 'word' && NOT_QUERIES.has(first.text.toUpperCase())) {
    fail(ctx, first.start, 'NOT_SELECT', `only SELECT queries are allowed, not ${first.text.toUpperCase()}`, 'probing reads live data; it never creates, changes or deletes anything, nor changes settings, through SQL');
  }
  const semicolon = significant.findIndex((t) => t.kind === 'op' && t.text === ';');
  if (semicolon !== -1 && semicolon !== significant.length - 1) {
    fail(ctx, significant[semicolon]!.start, 'MULTIPLE_STATEMENTS', 'one statement at a time: this text has more than one', 'remove the semicolon-separated statements after the first');
  }

  let text = '';
  const back: number[] = [];
  const literals: Literal[] = [];
  const identifiers: Identifier[] = [];
  const functions: Rewritten['functions'] = [];
  const emit = (piece: string, from: number) => {
    text += piece;
    for (let k = 0; k < piece.length; k++) back.push(from);
  };
  // open parentheses: whether each belongs to CAST(, and whether its type name has begun (after AS)
  const parens: Array<{ cast: boolean; type: boolean }> = [];
  let previous: Token | undefined;
  for (let n = 0; n < tokens.length; n++) {
    const token = tokens[n]!;
    if (token.kind === 'space') {
      emit(' ', token.start);
      continue;
    }
    let next: Token | undefined;
    for (let m = n + 1; m < tokens.length; m++) if (tokens[m]!.kind !== 'space') { next = tokens[m]; break; }
    const top = parens[parens.length - 1];
    const inType = top?.cast === true && top.type;
    const distinctFrom = token.kind === 'word' && token.text.toUpperCase() === 'IS' ? isDistinctFrom(tokens, n) : undefined;
    if (distinctFrom) {
      // alasql has no IS [NOT] DISTINCT FROM: its === and !=== (which no user text can produce) stand for them, at the precedence of =
      emit(distinctFrom.negate ? '===' : '!===', token.start);
      n = distinctFrom.last;
      previous = tokens[n];
      continue;
    } else if (token.kind === 'op' && token.text === ';') {
      // the trailing semicolon: nothing to parse
    } else if (token.kind === 'op') {
      if (token.text === '(') parens.push({ cast: previous?.kind === 'word' && previous.text.toUpperCase() === 'CAST', type: false });
      if (token.text === ')') parens.pop();
      emit(token.text, token.start);
    } else if (token.kind === 'number' && inType) {
      emit(token.text, token.start);
    } else if (token.kind === 'number' || token.kind === 'string') {
      if (previous?.kind === 'word' && !KEYWORDS.has(previous.text.toUpperCase()) && token.kind === 'string') {
        fail(ctx, previous.start, 'SQL_UNSUPPORTED', `typed literals (${previous.text} '…') are not supported by the alasql engine`, 'compare with plain values, or run with --engine duckdb where DuckDB is installed');
      }
      emit(`$__l${literals.length}`, token.start);
      literals.push(literalOf(token));
    } else if (token.kind === 'name') {
      if (token.text === '') fail(ctx, token.start, 'SQL_SYNTAX', 'syntax error: "" is not a name', 'write the name between the double quotes');
      emit(`[__i${identifiers.length}]`, token.start);
      identifiers.push({ name: token.text, at: original(token.start) });
    } else {
      const upper = token.text.toUpperCase();
      if (upper === 'FULL' && next?.kind === 'word' && ['JOIN', 'OUTER'].includes(next.text.toUpperCase())) {
        // alasql cannot parse FULL JOIN, and computes FULL OUTER JOIN its own way
        fail(ctx, token.start, 'SQL_UNSUPPORTED', 'FULL JOIN is not supported by the alasql engine', 'run with --engine duckdb where DuckDB is installed');
      }
      if (upper === 'ILIKE') fail(ctx, token.start, 'SQL_UNSUPPORTED', 'ILIKE is not supported by the alasql engine (it would read it as a case-sensitive LIKE)', "write lower(x) LIKE lower('pattern'), or run with --engine duckdb where DuckDB is installed");
      if (inType) {
        emit(token.text, token.start);
      } else if (upper === 'AS' && top?.cast) {
        top.type = true;
        emit(token.text, token.start);
      } else if ((upper === 'FIRST' || upper === 'LAST') && previous?.kind === 'word' && previous.text.toUpperCase() === 'NULLS') {
        emit(token.text, token.start);
      } else if (upper === 'NULLS') {
        // alasql reads NULLS FIRST/LAST only after an explicit direction
        const direction = previous?.kind === 'word' && (previous.text.toUpperCase() === 'ASC' || previous.text.toUpperCase() === 'DESC');
        if (!direction) emit('ASC ', token.start);
        emit(token.text, token.start);
      } else if (next?.kind === 'op' && next.text === '(' && !KEYWORDS.has(upper)) {
        functions.push({ name: token.text, at: original(token.start) });
        emit(token.text, token.start);
      } else if (KEYWORDS.has(upper)) {
        emit(token.text, token.start);
      } else {
        emit(`[__i${identifiers.length}]`, token.start);
        identifiers.push({ name: token.text, at: original(token.start) });
      }
    }
    previous = token;
  }
  back.push(sql.length);
  return {
    text,
    literals,
    identifiers,
    functions,
    userText,
    userOffset: (offset) => original(back[Math.max(0, Math.min(offset, back.length - 1))]!),
  };
}

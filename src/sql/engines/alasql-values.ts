/**
 * SQL's meaning for values, as the alasql engine computes it: NULL propagates
 * through operators (JavaScript: null + 5 = 5), comparisons are three-valued,
 * integers stay exact (a BigInt where a number would round), text compares by
 * code point, and values of different kinds are never compared or combined
 * silently — that is an error, not a guess. Where SQL dialects differ, DuckDB
 * (the default engine) decides: integer `/` truncates (as DuckDB is set up here),
 * LIKE is case-sensitive, NULLs sort last.
 *
 * Values: null (NULL; undefined is read as NULL too), number, bigint, string,
 * boolean, Date (timestamps), and parsed JSON (objects, arrays).
 */
import { SqlError } from '../errors.js';

export type Value = null | undefined | number | bigint | string | boolean | Date | object;

export function kindOf(v: Value): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'boolean') return 'boolean';
  if (v instanceof Date) return 'timestamp';
  return 'JSON';
}

function mismatch(op: string, a: Value, b: Value): SqlError {
  return new SqlError('SQL_TYPE', `cannot ${op} ${kindOf(a)} and ${kindOf(b)} values`, {
    hint: 'convert one side with CAST(x AS …), or run with --engine duckdb where DuckDB is installed',
  });
}

function runtime(message: string, hint: string): SqlError {
  return new SqlError('SQL_RUNTIME', message, { hint });
}

const isNull = (v: Value): v is null | undefined => v === null || v === undefined;
const isNumeric = (v: Value): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';

/** Code-point order (as UTF-8 bytes compare), not JavaScript's UTF-16 order. */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // a surrogate is part of a character above U+FFFF: above any character written in one unit
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** -1, 0, 1 for two non-NULL values of one kind; NaN sorts above every number (DuckDB). */
export function compareValues(a: Value, b: Value, op = 'compare'): number {
  if (isNumeric(a) && isNumeric(b)) {
    if (typeof a === 'number' && Number.isNaN(a)) return typeof b === 'number' && Number.isNaN(b) ? 0 : 1;
    if (typeof b === 'number' && Number.isNaN(b)) return -1;
    // JavaScript compares a bigint with a number exactly
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return compareText(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Date && b instanceof Date) return a.getTime() < b.getTime() ? -1 : a.getTime() > b.getTime() ? 1 : 0;
  throw mismatch(op, a, b);
}

/** A string that is equal for two values exactly when SQL calls them equal (NULLs: equal to each other). */
export function keyOf(v: Value): string {
  if (isNull(v)) return 'N';
  if (typeof v === 'bigint') return `i${v}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `i${Number.isSafeInteger(v) ? v : BigInt(v)}` : `f${v}`;
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'boolean') return v ? 'b1' : 'b0';
  if (v instanceof Date) return `d${v.getTime()}`;
  throw runtime('JSON values cannot be compared, grouped or made distinct by the alasql engine', 'extract a field with json_extract_string(), or run with --engine duckdb where DuckDB is installed');
}

/** A key for a tuple that no other tuple shares, with no property name of Object.prototype. */
export function tupleKey(values: readonly Value[]): string {
  let out = '#';
  for (const v of values) {
    const k = keyOf(v);
    out += `${k.length}:${k}`;
  }
  return out;
}

let unmatched = 0;
/** A join key: like tupleKey, but a tuple with a NULL matches nothing, not even itself. */
export function joinKey(values: readonly Value[]): string {
  for (const v of values) if (isNull(v)) return `#null${++unmatched}`;
  return tupleKey(values);
}

// ---- comparison and logic (three-valued)

export function eq(a: Value, b: Value): boolean | null {
  if (isNull(a) || isNull(b)) return null;
  return compareValues(a, b, 'compare') === 0;
}

export function cmp(op: '<' | '<=' | '>' | '>=' | '=' | '<>', a: Value, b: Value): boolean | null {
  if (isNull(a) || isNull(b)) return null;
  // the common cases, without the general comparison
  if (typeof a === typeof b && (op === '=' || op === '<>') && (typeof a === 'string' || (typeof a === 'number' && a === a && b === b))) return (a === b) === (op === '=');
  const c = compareValues(a, b, 'compare');
  switch (op) {
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
    case '=': return c === 0;
    case '<>': return c !== 0;
  }
}

export function bool(v: Value, where: string): boolean | null {
  if (isNull(v)) return null;
  if (typeof v === 'boolean') return v;
  throw new SqlError('SQL_TYPE', `${where} needs a true/false value, not ${kindOf(v)}`, { hint: 'compare it: x <> 0, x IS NOT NULL, …' });
}

export function not(v: Value): boolean | null {
  const b = bool(v, 'NOT');
  return b === null ? null : !b;
}

export function and(a: Value, b: () => Value): boolean | null {
  const x = bool(a, 'AND');
  if (x === false) return false;
  const y = bool(b(), 'AND');
  if (y === false) return false;
  return x === null || y === null ? null : true;
}

export function or(a: Value, b: () => Value): boolean | null {
  const x = bool(a, 'OR');
  if (x === true) return true;
  const y = bool(b(), 'OR');
  if (y === true) return true;
  return x === null || y === null ? null : false;
}

/** WHERE, ON, HAVING, CASE WHEN: only TRUE passes. */
export function holds(v: Value, where: string): boolean {
  return bool(v, where) === true;
}

export function inList(v: Value, list: readonly Value[]): boolean | null {
  if (list.length === 0) return false;
  if (isNull(v)) return null;
  let sawNull = false;
  for (const x of list) {
    const e = eq(v, x);
    if (e === true) return true;
    if (e === null) sawNull = true;
  }
  return sawNull ? null : false;
}

function likeRegex(pattern: string, escape: string | null): RegExp {
  let source = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (escape !== null && c === escape) {
      const next = chars[++i];
      if (next === undefined) throw runtime('LIKE pattern ends with its escape character', 'escape a character, or remove the escape at the end');
      source += next.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
    } else if (c === '%') source += '[\\s\\S]*';
    else if (c === '_') source += '.';
    else source += c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su');
}

const likeCache = new Map<string, RegExp>();
export function like(s: Value, p: Value, escape: Value = null): boolean | null {
  if (isNull(s) || isNull(p)) return null;
  if (typeof s !== 'string' || typeof p !== 'string') throw mismatch('match with LIKE', s, p);
  if (escape !== null && escape !== undefined && (typeof escape !== 'string' || [...escape].length !== 1)) {
    throw runtime('the ESCAPE of LIKE must be one character', "write ESCAPE '\\'");
  }
  const key = `${escape ?? ''}\u0000${p}`;
  let re = likeCache.get(key);
  if (!re) {
    if (likeCache.size > 1000) likeCache.clear();
    re = likeRegex(p, (escape as string | null) ?? null);
    likeCache.set(key, re);
  }
  return re.test(s);
}

// ---- arithmetic

function asBig(v: number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

function integers(op: string, a: Value, b: Value): [number | bigint, number | bigint] {
  const ok = (v: Value) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
  if (!ok(a) || !ok(b)) {
    if (isNumeric(a) && isNumeric(b)) throw runtime(`integer ${op} met a number with a fraction`, 'the column is not an integer column: CAST it, or run with --engine duckdb');
    throw mismatch(op, a, b);
  }
  return [a as number | bigint, b as number | bigint];
}

function floats(op: string, a: Value, b: Value): [number, number] {
  if (!isNumeric(a) || !isNumeric(b)) throw mismatch(op, a, b);
  return [Number(a), Number(b)];
}

/** An exact integer result: a number while it is safe, a bigint beyond. */
function exact(small: number, big: () => bigint): number | bigint {
  if (Number.isSafeInteger(small)) return small;
  const r = big();
  return r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
}

export type Arith = '+' | '-' | '*' | '/' | '%';

/** Integer arithmetic: exact; `/` truncates toward zero; `/` and `%` by zero are NULL. */
export function arithInt(op: Arith, a: Value, b: Value): number | bigint | null {
  if (isNull(a) || isNull(b)) return null;
  const [x, y] = integers(op === '+' ? 'add' : op === '-' ? 'subtract' : op === '*' ? 'multiply' : 'divide', a, b);
  if (typeof x === 'number' && typeof y === 'number') {
    switch (op) {
      case '+': return exact(x + y, () => BigInt(x) + BigInt(y));
      case '-': return exact(x - y, () => BigInt(x) - BigInt(y));
      case '*': return exact(x * y, () => BigInt(x) * BigInt(y));
      case '/':
        if (y === 0) return null;
        return Math.abs(x) < 2 ** 31 && Math.abs(y) < 2 ** 31 ? Math.trunc(x / y) + 0 : exact(NaN, () => BigInt(x) / BigInt(y));
      case '%':
        if (y === 0) return null;
        return (x % y) + 0;
    }
  }
  const [p, q] = [asBig(x), asBig(y)];
  const fit = (r: bigint) => (r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r);
  switch (op) {
    case '+': return fit(p + q);
    case '-': return fit(p - q);
    case '*': return fit(p * q);
    case '/': return q === 0n ? null : fit(p / q);
    case '%': return q === 0n ? null : fit(p % q);
  }
}

/** Floating-point arithmetic (a REAL on either side); `/` and `%` by zero are NULL. */
export function arithFloat(op: Arith, a: Value, b: Value): number | null {
  if (isNull(a) || isNull(b)) return null;
  const [x, y] = floats(op === '+' ? 'add' : op === '-' ? 'subtract' : op === '*' ? 'multiply' : 'divide', a, b);
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/': return y === 0 ? null : x / y;
    case '%': return y === 0 ? null : x % y;
  }
}

export function negate(a: Value): number | bigint | null {
  if (isNull(a)) return null;
  if (typeof a === 'bigint') return -a;
  if (typeof a === 'number') return a === 0 ? 0 : -a;
  throw runtime(`cannot negate a ${kindOf(a)} value`, 'negate numbers only');
}

function numberText(v: number | bigint, integer: boolean): string {
  if (typeof v === 'bigint') return v.toString();
  if (integer && Number.isInteger(v)) return String(v);
  throw runtime('the alasql engine does not turn REAL numbers into text (DuckDB writes 2.0 where JavaScript writes 2)', 'round or CAST the number to an integer first, or run with --engine duckdb');
}

/** A value as text, for || and CONCAT: text, integers and true/false; NULL stays NULL. */
export function text(v: Value, integer: boolean): string | null {
  if (isNull(v)) return null;
  if (typeof v === 'string') return v;
  if (isNumeric(v)) return numberText(v, integer);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  throw runtime(`the alasql engine does not turn ${kindOf(v)} values into text`, 'run with --engine duckdb where DuckDB is installed');
}

export function concatOp(a: Value, b: Value, aInt: boolean, bInt: boolean): string | null {
  const x = text(a, aInt);
  const y = text(b, bInt);
  return x === null || y === null ? null : x + y;
}

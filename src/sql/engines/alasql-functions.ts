/**
 * The SQL functions the alasql engine accepts, each pure and computed here (not
 * by alasql's own library, which turns abs(NULL) into 0, MIN of text into NULL,
 * SUM of no rows into 0 and truncates BigInt averages). Each was checked against
 * DuckDB 1.5 and SQLite (sql.js); where they differ, DuckDB's answer is given
 * or the case is refused.
 */
import { SqlError } from '../errors.js';
import { compareValues, keyOf, kindOf, text, type Value } from './alasql-values.js';

/** Static types: what the binder knows about a value before running. */
export type Type = 'int' | 'float' | 'bool' | 'string' | 'timestamp' | 'json' | 'null' | 'any';

const isNull = (v: Value): v is null | undefined => v === null || v === undefined;

function wrongArgument(fn: string, v: Value, want: string): SqlError {
  return new SqlError('SQL_TYPE', `${fn}() needs ${want}, not ${kindOf(v)}`, { hint: 'convert the argument with CAST(x AS …)' });
}

function str(fn: string, v: Value): string {
  if (typeof v !== 'string') throw wrongArgument(fn, v, 'text');
  return v;
}

function num(fn: string, v: Value): number | bigint {
  if (typeof v !== 'number' && typeof v !== 'bigint') throw wrongArgument(fn, v, 'a number');
  return v;
}

function int(fn: string, v: Value): number {
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongArgument(fn, v, 'an integer');
  return v;
}

/** Per code point, when it maps to exactly one (DuckDB's simple case mapping); ß → SS is refused. */
function changeCase(fn: string, s: string, upper: boolean): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = '';
  for (const c of s) {
    const m = upper ? c.toUpperCase() : c.toLowerCase();
    if ([...m].length !== 1) {
      throw new SqlError('SQL_UNSUPPORTED', `${fn}() of ${JSON.stringify(c)} differs between SQL engines`, { hint: 'run with --engine duckdb where DuckDB is installed' });
    }
    out += m;
  }
  return out;
}

const codePoints = (s: string) => [...s];

/** substr as SQLite and DuckDB both compute it (checked on a grid of starts and lengths). */
function substr(s: string, start: number, length: number | undefined): string {
  const chars = codePoints(s);
  const len = chars.length;
  let p1 = start;
  let p2 = length ?? Number.MAX_SAFE_INTEGER;
  let negative = false;
  if (p2 < 0) {
    negative = true;
    p2 = -p2;
  }
  if (p1 < 0) {
    p1 += len;
    if (p1 < 0) {
      p2 += p1;
      if (p2 < 0) p2 = 0;
      p1 = 0;
    }
  } else if (p1 > 0) {
    p1--;
  } else if (p2 > 0) {
    p2--;
  }
  if (negative) {
    p1 -= p2;
    if (p1 < 0) {
      p2 += p1;
      p1 = 0;
    }
  }
  if (p1 >= len || p2 <= 0) return '';
  return chars.slice(p1, Math.min(len, p1 + p2)).join('');
}

function trimSet(s: string, set: string, left: boolean, right: boolean): string {
  const chars = codePoints(s);
  const drop = new Set(codePoints(set));
  let a = 0;
  let b = chars.length;
  if (left) while (a < b && drop.has(chars[a]!)) a++;
  if (right) while (b > a && drop.has(chars[b - 1]!)) b--;
  return chars.slice(a, b).join('');
}

/** Half away from zero, as DuckDB and SQLite round. */
function roundHalfAway(x: number): number {
  const r = Math.sign(x) * Math.round(Math.abs(x));
  return r === 0 ? 0 : r;
}

/** '$.a.b[0]', '$."a b"', or a bare key 'a', as DuckDB reads JSON paths. */
function jsonPath(path: string): Array<string | number> {
  if (!path.startsWith('$')) return [path];
  const out: Array<string | number> = [];
  const re = /\.(?:"((?:[^"\\]|\\.)*)"|([^.[\]"]+))|\[(-?[0-9]+)\]/y;
  let at = 1;
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m) throw new SqlError('SQL_UNSUPPORTED', `the JSON path ${JSON.stringify(path)} is not supported by the alasql engine`, { hint: "write paths like '$.user.id' or '$.items[0]'; or run with --engine duckdb" });
    out.push(m[3] !== undefined ? Number(m[3]) : m[1] !== undefined ? JSON.parse(`"${m[1]}"`) as string : m[2]!);
    at = re.lastIndex;
  }
  return out;
}

/** A JSON value (parsed) at a path; undefined when it is not there. Own properties only. */
function jsonAt(fn: string, doc: Value, path: Value): unknown {
  let v: unknown = doc;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new SqlError('SQL_RUNTIME', `${fn}() met text that is not JSON`, { hint: 'filter the rows with a WHERE' });
    }
  }
  for (const step of jsonPath(str(fn, path))) {
    if (typeof step === 'number' && Array.isArray(v)) v = v[step < 0 ? v.length + step : step];
    else if (typeof step === 'string' && v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, step)) v = (v as Record<string, unknown>)[step];
    else return undefined;
  }
  return v;
}

/** JSON text as DuckDB writes it; numbers JavaScript could not keep exact are refused. */
export function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return x.toString();
    if (typeof x === 'number' && ((Number.isInteger(x) && !Number.isSafeInteger(x)) || /e/i.test(String(x)))) {
      throw new SqlError('SQL_UNSUPPORTED', `the JSON number ${x} may have lost digits on the way (JavaScript reads JSON numbers as doubles)`, { hint: 'run with --engine duckdb where DuckDB is installed' });
    }
    return x;
  });
}

export interface ScalarFunction {
  args: [min: number, max: number];
  /** The result's static type from the arguments' (throws SqlError for a wrong one). */
  type(args: Type[]): Type;
  call(...args: Value[]): Value;
}

const numeric = (t: Type) => t === 'int' || t === 'float' || t === 'null' || t === 'any';
const textual = (t: Type) => t === 'string' || t === 'null' || t === 'any';

function expect(fn: string, ok: boolean, want: string): void {
  if (!ok) throw new SqlError('SQL_TYPE', `${fn}() needs ${want}`, { hint: 'convert the argument with CAST(x AS …)' });
}

function textFunction(name: string, arity: [number, number], result: Type, call: (...args: Value[]) => Value): ScalarFunction {
  return {
    args: arity,
    type: (args) => {
      expect(name, args.every(textual), 'text');
      return result;
    },
    call: (...args) => (args.some(isNull) ? null : call(...args)),
  };
}

/** Scalar functions by lower-case name. NULL in → NULL out unless said otherwise. */
export const SCALAR_FUNCTIONS: ReadonlyMap<string, ScalarFunction> = new Map<string, ScalarFunction>([
  ['upper', textFunction('upper', [1, 1], 'string', (s) => changeCase('upper', str('upper', s), true))],
  ['lower', textFunction('lower', [1, 1], 'string', (s) => changeCase('lower', str('lower', s), false))],
  ['length', textFunction('length', [1, 1], 'int', (s) => codePoints(str('length', s)).length)],
  ['trim', textFunction('trim', [1, 2], 'string', (s, set) => trimSet(str('trim', s), set === undefined ? ' ' : str('trim', set), true, true))],
  ['ltrim', textFunction('ltrim', [1, 2], 'string', (s, set) => trimSet(str('ltrim', s), set === undefined ? ' ' : str('ltrim', set), true, false))],
  ['rtrim', textFunction('rtrim', [1, 2], 'string', (s, set) => trimSet(str('rtrim', s), set === undefined ? ' ' : str('rtrim', set), false, true))],
  ['replace', textFunction('replace', [3, 3], 'string', (s, from, to) => {
    const [a, b, c] = [str('replace', s), str('replace', from), str('replace', to)];
    return b === '' ? a : a.split(b).join(c);
  })],
  ['instr', textFunction('instr', [2, 2], 'int', (s, sub) => {
    const [a, b] = [str('instr', s), str('instr', sub)];
    const at = a.indexOf(b);
    return at === -1 ? 0 : codePoints(a.slice(0, at)).length + 1;
  })],
  ...(['substr', 'substring'] as const).map((name): [string, ScalarFunction] => [name, {
    args: [2, 3],
    type: (args) => {
      expect(name, textual(args[0]!) && args.slice(1).every((t) => t === 'int' || t === 'null' || t === 'any'), 'text and integer positions');
      return 'string';
    },
    call: (s, start, length) => (isNull(s) || isNull(start) || (length !== undefined && isNull(length)) ? null : substr(str(name, s), int(name, start), length === undefined ? undefined : int(name, length))),
  }]),
  ['abs', {
    args: [1, 1],
    type: (args) => {
      expect('abs', numeric(args[0]!), 'a number');
      return args[0] === 'null' ? 'int' : args[0]!;
    },
    call: (x) => {
      if (isNull(x)) return null;
      const v = num('abs', x);
      return typeof v === 'bigint' ? (v < 0n ? -v : v) : Math.abs(v);
    },
  }],
  ['sign', {
    args: [1, 1],
    type: (args) => {
      expect('sign', numeric(args[0]!), 'a number');
      return 'int';
    },
    call: (x) => {
      if (isNull(x)) return null;
      const v = num('sign', x);
      return typeof v === 'bigint' ? (v > 0n ? 1 : v < 0n ? -1 : 0) : Number.isNaN(v) ? null : v > 0 ? 1 : v < 0 ? -1 : 0;
    },
  }],
  ['round', {
    args: [1, 2],
    type: (args) => {
      expect('round', numeric(args[0]!) && (args[1] === undefined || args[1] === 'int'), 'a number (and 0 decimals)');
      return args[0] === 'null' ? 'int' : args[0]!;
    },
    call: (x, digits) => {
      if (isNull(x) || (digits !== undefined && isNull(digits))) return null;
      const v = num('round', x);
      if (digits !== undefined && int('round', digits) !== 0 && !(typeof v === 'bigint' || Number.isInteger(v))) {
        // DuckDB and SQLite round 2.675 to 2 decimals differently from each other and from x * 100
        throw new SqlError('SQL_UNSUPPORTED', 'round(x, decimals) is not supported by the alasql engine', { hint: 'round(x * 100) / 100.0 rounds to 2 decimals; or run with --engine duckdb' });
      }
      if (digits !== undefined && int('round', digits) < 0) throw new SqlError('SQL_UNSUPPORTED', 'round(x, negative decimals) is not supported by the alasql engine', { hint: 'run with --engine duckdb' });
      return typeof v === 'bigint' ? v : roundHalfAway(v);
    },
  }],
  ...(['ceil', 'ceiling', 'floor'] as const).map((name): [string, ScalarFunction] => [name, {
    args: [1, 1],
    type: (args) => {
      expect(name, numeric(args[0]!), 'a number');
      return args[0] === 'null' ? 'int' : args[0]!;
    },
    call: (x) => {
      if (isNull(x)) return null;
      const v = num(name, x);
      if (typeof v === 'bigint') return v;
      const r = name === 'floor' ? Math.floor(v) : Math.ceil(v);
      return r === 0 ? 0 : r;
    },
  }]),
  ['json_extract', {
    args: [2, 2],
    type: (args) => {
      expect('json_extract', (args[0] === 'json' || textual(args[0]!)) && textual(args[1]!), 'JSON and a path');
      return 'json';
    },
    call: (doc, path) => {
      if (isNull(doc) || isNull(path)) return null;
      const v = jsonAt('json_extract', doc, path);
      if (v === null) {
        throw new SqlError('SQL_UNSUPPORTED', "json_extract() found a JSON null, which the alasql engine cannot tell from SQL's NULL", { hint: 'use json_extract_string(), NULL for both; or run with --engine duckdb' });
      }
      return v === undefined ? null : (v as Value);
    },
  }],
  ['json_extract_string', {
    args: [2, 2],
    type: (args) => {
      expect('json_extract_string', (args[0] === 'json' || textual(args[0]!)) && textual(args[1]!), 'JSON and a path');
      return 'string';
    },
    call: (doc, path) => {
      if (isNull(doc) || isNull(path)) return null;
      const v = jsonAt('json_extract_string', doc, path);
      return v === undefined || v === null ? null : typeof v === 'string' ? v : jsonText(v);
    },
  }],
  ['nullif', {
    args: [2, 2],
    type: (args) => args[0]!,
    call: (a, b) => (isNull(a) ? null : isNull(b) ? a : compareValues(a, b) === 0 ? null : a),
  }],
  ['concat', {
    args: [1, 64],
    type: (args) => {
      expect('concat', args.every((t) => t !== 'float' && t !== 'timestamp' && t !== 'json'), 'text, integers or booleans');
      return 'string';
    },
    call: (...args) => args.map((a) => text(a, true) ?? '').join(''),
  }],
]);

/** coalesce and ifnull are evaluated lazily by the compiler; these are their names. */
export const LAZY_FUNCTIONS = new Set(['coalesce', 'ifnull']);

export type CastType = 'int' | 'float' | 'string' | 'bool';

const CAST_TYPES: Record<string, CastType> = {
  INTEGER: 'int', INT: 'int', INT4: 'int', BIGINT: 'int', INT8: 'int', SMALLINT: 'int', HUGEINT: 'int',
  DOUBLE: 'float', NUMBER: 'float',
  VARCHAR: 'string', TEXT: 'string', STRING: 'string',
  BOOLEAN: 'bool', BOOL: 'bool',
};

export function castType(name: string): CastType | undefined {
  return CAST_TYPES[name.toUpperCase()];
}

function castFailed(v: Value, to: string, hint = 'check the values, or filter them with a WHERE'): SqlError {
  return new SqlError('SQL_RUNTIME', `cannot CAST ${kindOf(v)} ${typeof v === 'string' ? JSON.stringify(v) : String(v)} to ${to}`, { hint });
}

/** CAST(v AS type); `integer` says the value's static type is an integer (for text). */
export function cast(v: Value, to: CastType, integer: boolean): Value {
  if (isNull(v)) return null;
  switch (to) {
    case 'int':
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number') {
        // DuckDB rounds 2.5 to 3, SQLite truncates to 2: refused rather than guessed
        if (!Number.isInteger(v)) throw castFailed(v, 'INTEGER', 'engines differ on fractions: round(x) or floor(x) first');
        return v;
      }
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'string' && /^\s*[+-]?[0-9]+\s*$/.test(v)) {
        const b = BigInt(v.trim());
        return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
      }
      throw castFailed(v, 'INTEGER');
    case 'float':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'string' && /^\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$/.test(v)) return Number(v);
      throw castFailed(v, 'DOUBLE');
    case 'string':
      return text(v, integer);
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'bigint') return v !== 0n;
      if (typeof v === 'number' && Number.isInteger(v)) return v !== 0;
      throw castFailed(v, 'BOOLEAN');
  }
}

// ---- aggregates

export type AggregateName = 'count' | 'countstar' | 'sum' | 'avg' | 'min' | 'max';
/** i: integer sum (exact); f: floating; a: decided by the values. */
export type SumMode = 'i' | 'f' | 'a';

interface State {
  n: number;
  /** sum: a number while exact or floating, a bigint once an integer sum outgrows 2^53. */
  sum: number | bigint;
  float: boolean;
  best: Value;
  seen: Set<string> | undefined;
}

function step(name: AggregateName, mode: SumMode, s: State, v: Value): void {
  if (name === 'countstar') {
    s.n++;
    return;
  }
  if (v === null || v === undefined) return;
  if (s.seen) {
    const k = keyOf(v);
    if (s.seen.has(k)) return;
    s.seen.add(k);
  }
  s.n++;
  if (name === 'count') return;
  if (name === 'min' || name === 'max') {
    if (s.n === 1) s.best = v;
    else {
      const c = compareValues(v, s.best, name);
      if (name === 'min' ? c < 0 : c > 0) s.best = v;
    }
    return;
  }
  if (typeof v !== 'number' && typeof v !== 'bigint') throw wrongArgument(name, v, 'numbers');
  if (!s.float && (mode === 'f' || (mode === 'a' && typeof v === 'number' && !Number.isInteger(v)))) {
    s.float = true;
    s.sum = Number(s.sum);
  }
  if (s.float) {
    s.sum = (s.sum as number) + Number(v);
    return;
  }
  if (typeof v === 'number' && !Number.isInteger(v)) {
    throw new SqlError('SQL_RUNTIME', `${name}() of an integer column met ${v}`, { hint: 'CAST the column to DOUBLE' });
  }
  if (typeof s.sum === 'number' && typeof v === 'number') {
    const r = s.sum + v;
    s.sum = Number.isSafeInteger(r) ? r : BigInt(s.sum) + BigInt(v);
  } else {
    s.sum = BigInt(s.sum) + BigInt(v);
  }
}

function final(name: AggregateName, s: State | undefined): Value {
  if (name === 'count' || name === 'countstar') return s?.n ?? 0;
  if (!s || s.n === 0) return null;
  if (name === 'min' || name === 'max') return s.best;
  if (name === 'sum') {
    if (typeof s.sum === 'bigint' && s.sum >= BigInt(Number.MIN_SAFE_INTEGER) && s.sum <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(s.sum);
    return s.sum;
  }
  // avg: exact sum, one division
  return Number(s.sum) / s.n;
}

/** alasql's protocol for an aggregate: stage 1 starts a group, 2 adds a row, 3 finishes. */
export function aggregate(name: AggregateName, mode: SumMode, distinct: boolean) {
  return (v: Value, acc: State | undefined, stage: 1 | 2 | 3): unknown => {
    if (stage === 3) return final(name, acc);
    const s: State = stage === 1 || !acc ? { n: 0, sum: 0, float: false, best: null, seen: distinct ? new Set() : undefined } : acc;
    step(name, mode, s, v);
    return s;
  };
}

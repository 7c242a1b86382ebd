/** Literals written alike in both dialects: negative numbers in parentheses (`a - -3` would start a comment), quotes doubled. */
import type { ScopeColumn } from './expressions.js';
import type { Rng } from './prng.js';
import type { ColumnType, Value } from './tables.js';

export const q = (text: string): string => `'${text.replaceAll("'", "''")}'`;

export function intLiteral(rng: Rng, lo = -5, hi = 20): string {
  const v = rng.int(lo, hi);
  return v < 0 ? `(${v})` : String(v);
}

export function realLiteral(rng: Rng): string {
  const v = rng.int(-5, 10) + rng.pick([0.25, 0.5, 0.75]);
  return v < 0 ? `(${v})` : String(v);
}

const TEXTS = ['a', 'b', 'ab', 'Ab', 'abc', 'B', '', ' a', 'hello', 'zz', "it's", 'ada', 'k1', 'x_y'];

export function textLiteral(rng: Rng): string {
  return q(rng.pick(TEXTS));
}

/** A value of the data as a literal. */
export function valueLiteral(v: Exclude<Value, null>): string {
  return typeof v === 'string' ? q(v) : v < 0 ? `(${v})` : String(v);
}

/** A literal that some rows of the column hold (or not: a value of another row, or any literal, now and then). */
export function literalFor(rng: Rng, col: ScopeColumn | undefined, type: ColumnType): string {
  const values = (col?.values ?? []).filter((v): v is Exclude<Value, null> => v !== null);
  return values.length > 0 && rng.chance(0.8) ? valueLiteral(rng.pick(values)) : literal(rng, type);
}

export function literal(rng: Rng, type: ColumnType): string {
  return type === 'int' ? intLiteral(rng) : type === 'real' ? realLiteral(rng) : textLiteral(rng);
}

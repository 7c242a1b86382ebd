/**
 * THE ONE REVIEWED PLACE where the conformance suite lets an engine's answer differ
 * from SQLite's. Every rule is a documented dialect or representation difference,
 * never a wrong answer; no query is ever skipped one by one. A new rule needs a
 * reason here that a reviewer accepts.
 *
 * Rules applied to every value, from either side (canonical below):
 *  1. Booleans are 1 and 0. SQLite has no BOOLEAN type: a comparison answers the
 *     integers 1/0; DuckDB answers true/false.
 *  2. Exact integers are numbers. DuckDB answers BIGINT/HUGEINT (count, sum,
 *     length) as JavaScript bigint, SQLite as number: the same integer.
 *  3. DECIMAL text is a number. DuckDB reads a literal such as 2.5 as DECIMAL(2,1),
 *     SQLite as REAL (a binary double); probing hands DECIMAL over as exact text.
 *  4. Negative zero is zero. IEEE -0.0 equals 0.0 and every output format prints
 *     it 0; the engines differ in where the sign survives (-(x - x) is -0.0 in
 *     DuckDB's DOUBLE, (-1) * 0 is -0 in JavaScript, so in alasql).
 *  5. Numbers are equal within a relative 1e-9 (absolute near zero): DuckDB sums
 *     DECIMALs exactly where SQLite rounds each REAL step, and the engines may add
 *     DOUBLEs in another order (sum, avg). Integers in these tables are small and
 *     reals are quarters, so a real difference is never this small.
 * Rule applied to the oracle (ORACLE_SETUP):
 *  6. LIKE is case-sensitive. It is in DuckDB and in the SQL standard; SQLite's
 *     LIKE ignores ASCII case unless `PRAGMA case_sensitive_like` says otherwise.
 * Comparison (compare.ts), not values:
 *  7. Without an ORDER BY over every output column, the rows are compared as a
 *     multiset: SQL gives no order, and the engines' orders differ.
 *  8. Column names are not compared (every output column is aliased c1, c2, …; a
 *     `SELECT *` keeps the tables' names in both), only their number and values.
 *
 * Not normalised but not generated either, because the two dialects define them
 * differently (generate.ts, expressions.ts, predicates.ts, from.ts keep them out):
 *  - CAST(real AS INTEGER): DuckDB rounds (2.5 → 3), SQLite truncates (→ 2).
 *  - CAST(x AS REAL): a 4-byte float in DuckDB, an 8-byte double in SQLite (DOUBLE is used).
 *  - CAST(real AS TEXT) and real || text: the two print doubles with different digits.
 *  - % on reals: SQLite truncates both operands to integers first, DuckDB does not.
 *  - Integer overflow: DuckDB's INTEGER stops at 2^31 with an error, SQLite's
 *    integers are 64-bit (integers are kept small: INT_BOUND).
 *  - Long products of decimal literals: DuckDB's DECIMAL width overflows (an
 *    error), SQLite's doubles round (a product of two literal-only reals is not made).
 *  - A scalar subquery of several rows: DuckDB refuses it, SQLite takes the first
 *    row (scalar subqueries are aggregates: one row).
 *  - INTERSECT mixed with UNION/EXCEPT: the standard (DuckDB) binds INTERSECT
 *    tighter, SQLite reads left to right (INTERSECT only comes first).
 *  - An unqualified name in ON: DuckDB binds it among the tables joined so far,
 *    SQLite among all tables of the FROM (names are unqualified only when unique in
 *    the whole FROM clause).
 *  - Comma joins mixed with JOIN … ON: `a, b JOIN c ON a.x = c.x` is an error in
 *    the standard (comma binds last), fine in SQLite (a FROM clause uses one style).
 *  - Bare columns beside aggregates, without GROUP BY: SQLite picks a row, DuckDB
 *    refuses (never generated).
 *  - row_number(), lag() and lead() under an ORDER BY with ties, LIMIT without a
 *    total order: the answer is not determined by SQL (not dialect: no rule can fix
 *    it), so windows order by every column and LIMIT comes with a total ORDER BY.
 *  - NULL order: DuckDB sorts NULLs last by default, SQLite first (NULLS FIRST/LAST
 *    is always written).
 *  - substr with a start below 1, replace with an empty pattern, upper/lower of
 *    non-ASCII letters, a text cast to INTEGER that is not a number: defined
 *    differently (starts are ≥ 1, patterns non-empty, texts ASCII, casts of digits).
 *  - A table of no rows: not a dialect difference but a js table's limit (an empty
 *    array has no columns); empty tables are read through `(SELECT * … WHERE FALSE)`
 *    in both, and every column holds at least one value (a column of NULLs only
 *    has no type in a js table).
 *
 * Division by zero needs no rule: `x / 0` and `x % 0` are NULL in both dialects
 * (DuckDB 1.5 with integer_division, as probing configures it, and SQLite), for
 * integers and reals alike. Any other answer is counted as wrong.
 */
import type { ResultType } from '../../src/sql/result.js';

/** Statements run on the oracle before its tables are loaded (rule 6). */
export const ORACLE_SETUP: readonly string[] = ['PRAGMA case_sensitive_like = ON'];

export type Cell = null | number | string;

/** A value from either side in one form; `type` is the engine's column type when known. */
export function canonical(value: unknown, type?: ResultType): Cell {
  if (value === null || value === undefined) return null;
  // rule 1
  if (typeof value === 'boolean') return value ? 1 : 0;
  // rule 2
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  // rule 3
  if (typeof value === 'string' && type === 'decimal') return zero(Number(value));
  if (typeof value === 'number') return zero(value);
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** rule 4 */
function zero(n: number): number {
  return Object.is(n, -0) ? 0 : n;
}

/** rule 5 */
export function sameCell(a: Cell, b: Cell): boolean {
  if (a === b) return true;
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

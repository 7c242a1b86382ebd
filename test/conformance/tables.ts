/**
 * The generated tables: 3–6 per database, 0–40 rows, integer, real and text
 * columns with NULLs and duplicates. Some column names are shared between tables
 * (id, k, a, b, x, value, s, name, key), so an unqualified name is ambiguous in
 * some joins and not in others; each table also has names of its own (n2, w2).
 */
import { deriveSeed, Rng } from './prng.js';

export type ColumnType = 'int' | 'real' | 'text';
export type Value = number | string | null;

export interface Column {
  name: string;
  type: ColumnType;
}

export interface TableData {
  name: string;
  columns: Column[];
  /**
   * The rows, values in column order. An empty table still holds one row here: a
   * js table takes its columns from its rows, so an empty array would have none.
   * Queries read such a table through `(SELECT * FROM … WHERE FALSE)`.
   */
  rows: Value[][];
  empty: boolean;
}

export interface Database {
  index: number;
  tables: TableData[];
}

/** Texts: duplicates across columns, mixed case, spaces, an empty string, LIKE's own characters, a quote. ASCII only (upper/lower of other letters differ between engines). */
const WORDS = ['a', 'b', 'ab', 'Ab', 'abc', 'B', '', ' a', 'b ', 'x_y', 'a%b', 'hello', 'Hello', 'zz', "it's", 'ba', 'cab'];
const NAMES = ['ada', 'grace', 'linus', 'Ada', 'ken', 'barbara', 'edsger', 'al'];
const KEYS = ['k1', 'k2', 'k3', 'K1', 'x'];

/**
 * Reals are never integral (n + ¼, ½ or ¾): a js table types a column of numbers
 * that are all integers as INTEGER, so 3.0 would not stay a REAL there. Quarters
 * are exact in binary, so sums and comparisons are exact in every engine.
 */
function real(rng: Rng, lo: number, hi: number): number {
  return rng.int(lo, hi) + rng.pick([0.25, 0.5, 0.75]);
}

interface PoolColumn extends Column {
  value: (rng: Rng, row: number) => Value;
}

const SHARED: readonly PoolColumn[] = [
  { name: 'k', type: 'int', value: (rng) => rng.int(0, 7) },
  { name: 'a', type: 'int', value: (rng) => rng.int(-20, 40) },
  { name: 'b', type: 'int', value: (rng) => rng.int(-4, 4) },
  { name: 'x', type: 'real', value: (rng) => real(rng, -10, 20) },
  { name: 'value', type: 'real', value: (rng) => real(rng, -3, 3) },
  { name: 's', type: 'text', value: (rng) => rng.pick(WORDS) },
  { name: 'name', type: 'text', value: (rng) => rng.pick(NAMES) },
  { name: 'key', type: 'text', value: (rng) => rng.pick(KEYS) },
];

/** Integers are kept small: DuckDB's INTEGER overflows past 2^31 where SQLite's 64-bit integers do not. */
export const INT_BOUND = 100;

function generateTable(rng: Rng, index: number): TableData {
  const name = `t${index}`;
  const own: PoolColumn[] = [
    { name: `n${index}`, type: 'int', value: (r) => r.int(0, 15) },
    { name: `w${index}`, type: 'text', value: (r) => r.pick(WORDS) },
  ];
  const pool: PoolColumn[] = [];
  if (rng.chance(0.7)) pool.push({ name: 'id', type: 'int', value: (_r, row) => row + 1 });
  if (rng.chance(0.8)) pool.push(SHARED[0]!);
  pool.push(...rng.sample(SHARED.slice(1), rng.int(2, 4)), ...rng.sample(own, rng.int(0, 2)));
  const columns = pool.map(({ name: n, type }) => ({ name: n, type }));
  const empty = rng.chance(0.08);
  const count = empty ? 1 : rng.weighted([[rng.int(1, 3), 1], [rng.int(4, 15), 3], [rng.int(16, 40), 3]] as const);
  const nullRate = pool.map((c) => (c.name === 'id' ? 0 : rng.pick([0, 0.1, 0.2, 0.35])));
  const rows: Value[][] = [];
  for (let r = 0; r < count; r++) {
    // a duplicate of an earlier row now and then
    if (r > 0 && rng.chance(0.08)) {
      const copy = [...rng.pick(rows)];
      const id = pool.findIndex((c) => c.name === 'id');
      if (id >= 0) copy[id] = r + 1;
      rows.push(copy);
      continue;
    }
    rows.push(pool.map((c, i) => (rng.chance(nullRate[i]!) ? null : c.value(rng, r))));
  }
  // every column holds a value somewhere: a column of NULLs only has no type in a js table
  pool.forEach((c, i) => {
    if (rows.every((row) => row[i] === null)) rows[rng.int(0, rows.length - 1)]![i] = c.value(rng, 0);
  });
  return { name, columns, rows, empty };
}

export function generateDatabase(seed: number, index: number): Database {
  const rng = new Rng(deriveSeed(seed, index, 0x7ab1e));
  const count = rng.int(3, 6);
  return { index, tables: Array.from({ length: count }, (_, i) => generateTable(rng, i + 1)) };
}

/** The tables as the fixture target holds them: an array of row objects per table, every key in every row. */
export function asRowObjects(db: Database): Record<string, Array<Record<string, Value>>> {
  const out: Record<string, Array<Record<string, Value>>> = {};
  for (const t of db.tables) out[t.name] = t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c.name, row[i] ?? null])));
  return out;
}

/** The share of row pairs of two tables whose columns are equal (and not NULL): a join's selectivity. */
export function matchShare(left: TableData, leftColumn: string, right: TableData, rightColumn: string): number {
  const count = (t: TableData, column: string) => {
    const i = t.columns.findIndex((c) => c.name === column);
    const counts = new Map<Value, number>();
    for (const r of t.rows) if (r[i] !== null) counts.set(r[i]!, (counts.get(r[i]!) ?? 0) + 1);
    return counts;
  };
  const l = count(left, leftColumn);
  const r = count(right, rightColumn);
  let pairs = 0;
  for (const [v, n] of l) pairs += n * (r.get(v) ?? 0);
  return pairs / Math.max(1, left.rows.length * right.rows.length);
}

/** Rows a query sees in the table (an empty table's witness row is not one). */
export function rowCount(table: TableData): number {
  return table.empty ? 0 : table.rows.length;
}

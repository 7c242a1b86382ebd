/**
 * The seeded generator of the conformance suite, in the manner of SQLancer and
 * sqllogictest's "random" files: tables (tables.ts) and queries over them, each
 * tagged with its kind. A query's PRNG is seeded from (seed, database, index), so
 * one query can be replayed alone: `npm run conformance -- --seed S --query D:I`.
 *
 * Queries are written to mean the same in DuckDB's SQL and in SQLite's: typed
 * operands, explicit NULLS FIRST/LAST, ORDER BY over every output column when the
 * order is compared (else the rows are compared as multisets), LIMIT only under
 * such an ORDER BY, aggregates as scalar subqueries (one row), INTERSECT only
 * first in a chain of set operations. normalise.ts lists what is left out and why.
 */
import { makeSubqueries, type Generator } from './from.js';
import { deriveSeed, Rng } from './prng.js';
import { ambiguous, derived, distinct, grouped, plain, setOperation, windowFunctions, type Shape } from './shapes.js';
import type { Database } from './tables.js';

export const KINDS = [
  'projection',
  'arithmetic',
  'string',
  'case-cast',
  'where',
  'aggregate',
  'group-by',
  'distinct',
  'order-limit',
  'join',
  'left-join',
  'subquery',
  'correlated',
  'set-op',
  'derived',
  'window',
  'ambiguous',
] as const;
export type Kind = (typeof KINDS)[number];

const WEIGHTS: Record<Kind, number> = {
  projection: 6,
  arithmetic: 7,
  string: 6,
  'case-cast': 5,
  where: 9,
  aggregate: 7,
  'group-by': 8,
  distinct: 4,
  'order-limit': 6,
  join: 9,
  'left-join': 6,
  subquery: 7,
  correlated: 6,
  'set-op': 6,
  derived: 4,
  window: 3,
  ambiguous: 1.5,
};

export interface Query {
  db: number;
  index: number;
  kind: Kind;
  /** The SQL with each table written {tN}: a js table for probing, a table for SQLite. */
  template: string;
  /** The rows are compared in order (an ORDER BY over every output column); else as multisets. */
  ordered: boolean;
  /** Uses a name two joined tables share, unqualified: every engine must refuse it. */
  expectError: boolean;
}

function shape(g: Generator, kind: Kind): Shape | undefined {
  const { rng } = g;
  switch (kind) {
    case 'projection':
      return plain(g, { tables: 1, focus: 'any', count: [1, 4], depth: 1, where: 0.4, order: 0.25, star: 0.15 });
    case 'arithmetic':
      return plain(g, { tables: 1, focus: 'arith', count: [1, 3], depth: rng.int(1, 3), where: 0.3, order: 0.2 });
    case 'string':
      return plain(g, { tables: 1, focus: 'string', count: [1, 3], depth: rng.int(1, 3), where: 0.3, order: 0.2 });
    case 'case-cast':
      return plain(g, { tables: 1, focus: 'case', count: [1, 3], depth: rng.int(1, 3), where: 0.3, order: 0.2 });
    case 'where':
      return plain(g, { tables: 1, focus: 'predicate', count: [1, 3], depth: 0, where: 1, order: 0.2 });
    case 'aggregate':
      return grouped(g, false);
    case 'group-by':
      return grouped(g, true);
    case 'distinct':
      return distinct(g);
    case 'order-limit':
      return plain(g, { tables: rng.chance(0.3) ? 2 : 1, focus: 'any', count: [1, 3], depth: 1, where: 0.4, order: 1, limit: true });
    case 'join':
      return plain(g, { tables: rng.int(2, 6), focus: 'any', count: [1, 4], depth: 1, where: 0.35, order: 0.2, star: 0.1 });
    case 'left-join':
      return plain(g, { tables: rng.int(2, 4), style: 'outer', focus: 'any', count: [1, 4], depth: 1, where: 0.4, order: 0.2, star: 0.1 });
    case 'subquery':
      return plain(g, { tables: rng.chance(0.2) ? 2 : 1, focus: 'predicate', count: [1, 3], depth: 1, where: 0.4, order: 0.2, subqueries: rng.int(1, 2) });
    case 'correlated':
      return plain(g, { tables: rng.chance(0.2) ? 2 : 1, focus: 'predicate', count: [1, 3], depth: 1, where: 0.4, order: 0.2, subqueries: 1, correlate: true });
    case 'set-op':
      return setOperation(g);
    case 'derived':
      return derived(g);
    case 'window':
      return windowFunctions(g);
    case 'ambiguous':
      return ambiguous(g);
  }
}

/** Query `index` of database `db`: the same seed gives the same query. */
export function generateQuery(seed: number, db: Database, index: number): Query {
  const rng = new Rng(deriveSeed(seed, db.index, index));
  let current: Generator;
  const g: Generator = (current = { rng, db, sub: makeSubqueries(() => current) });
  const kinds = Object.entries(WEIGHTS) as Array<[Kind, number]>;
  for (;;) {
    const kind = rng.weighted(kinds);
    const made = shape(g, kind);
    if (made) return { db: db.index, index, kind, template: made.sql, ordered: made.ordered, expectError: made.expectError === true };
  }
}

/** The SQL with each {tN} written by `table` (given the table's name). */
export function render(template: string, table: (name: string) => string): string {
  return template.replace(/\{(t\d+)\}/g, (_m, name: string) => table(name));
}

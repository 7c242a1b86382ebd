/** Whether two answers hold the same rows: in order, or as multisets (normalise.ts, rules 5, 7 and 8). */
import { sameCell, type Cell } from './normalise.js';

export type Rows = Cell[][];

function sameRow(a: readonly Cell[], b: readonly Cell[]): boolean {
  return a.length === b.length && a.every((v, i) => sameCell(v, b[i]!));
}

/** A sort key that puts equal rows (within rule 5) next to each other, almost always. */
function key(row: readonly Cell[]): string {
  return JSON.stringify(row.map((v) => (typeof v === 'number' ? Number(v.toPrecision(9)) : v)));
}

export function sameRows(expected: Rows, actual: Rows, ordered: boolean): boolean {
  if (expected.length !== actual.length) return false;
  if (ordered) return expected.every((row, i) => sameRow(row, actual[i]!));
  const sortedExpected = [...expected].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const sortedActual = [...actual].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (sortedExpected.every((row, i) => sameRow(row, sortedActual[i]!))) return true;
  // two reals within rule 5 can round to different keys: match row by row
  const left = [...actual];
  for (const row of expected) {
    const at = left.findIndex((candidate) => sameRow(row, candidate));
    if (at < 0) return false;
    left.splice(at, 1);
  }
  return true;
}

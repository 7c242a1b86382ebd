/** The suite's own judge: normalisation rules and row comparison (pure logic). */
import { describe, expect, it } from 'vitest';
import { classify, fromCli, type Expected } from './classify.js';
import { sameRows } from './compare.js';
import type { Query } from './generate.js';
import { canonical } from './normalise.js';
import { generateDatabase } from './tables.js';
import { generated } from './suite.js';

const query = (ordered: boolean, expectError = false): Query => ({ db: 0, index: 0, kind: 'projection', template: '', ordered, expectError });
const rows = (r: unknown[][]): Expected => ({ kind: 'rows', columns: r[0]?.length ?? 0, rows: r.map((x) => x.map((v) => canonical(v))) });

describe('normalise.ts', () => {
  it('applies only the documented rules', () => {
    expect(canonical(true)).toBe(1);
    expect(canonical(false, 'bool')).toBe(0);
    expect(canonical(42n, 'int64')).toBe(42);
    expect(canonical('2.50', 'decimal')).toBe(2.5);
    expect(Object.is(canonical(-0), 0)).toBe(true);
    // text that looks like a number stays text: '3' is not 3
    expect(canonical('3', 'string')).toBe('3');
    expect(canonical(undefined)).toBeNull();
  });
});

describe('compare.ts', () => {
  it('compares rows as multisets unless the order is total', () => {
    expect(sameRows([[1], [2]], [[2], [1]], false)).toBe(true);
    expect(sameRows([[1], [2]], [[2], [1]], true)).toBe(false);
    expect(sameRows([[1], [1], [2]], [[1], [2], [2]], false)).toBe(false);
    expect(sameRows([[1]], [[1], [1]], false)).toBe(false);
  });

  it('takes reals within 1e-9 as equal, and nothing wider', () => {
    expect(sameRows([[0.1 + 0.2]], [[0.3]], true)).toBe(true);
    expect(sameRows([[1 / 3]], [[0.3333]], true)).toBe(false);
    expect(sameRows([[3]], [[3.5]], true)).toBe(false);
    expect(sameRows([[null]], [[0]], true)).toBe(false);
    expect(sameRows([['1']], [[1]], true)).toBe(false);
  });
});

describe('classify.ts', () => {
  it('tells correct, wrong, error, refused and hang apart', () => {
    const expected = rows([[1, 'a']]);
    expect(classify(query(false), expected, { kind: 'rows', columns: 2, rows: [[1, 'a']] })).toBe('correct');
    expect(classify(query(false), expected, { kind: 'rows', columns: 2, rows: [[2, 'a']] })).toBe('wrong');
    expect(classify(query(false), expected, { kind: 'rows', columns: 1, rows: [[1]] })).toBe('wrong');
    expect(classify(query(false), expected, { kind: 'error', refused: false, message: 'x' })).toBe('error');
    expect(classify(query(false), expected, { kind: 'error', refused: true, message: 'x' })).toBe('refused');
    expect(classify(query(false), expected, { kind: 'hang', message: 'x' })).toBe('hang');
    // an ambiguous name: refusing it is right, answering it is not
    const refusedByOracle: Expected = { kind: 'error', message: 'ambiguous column name: k' };
    expect(classify(query(false, true), refusedByOracle, { kind: 'error', refused: false, message: 'Ambiguous reference' })).toBe('correct');
    expect(classify(query(false, true), refusedByOracle, { kind: 'rows', columns: 1, rows: [[1]] })).toBe('wrong');
    expect(classify(query(false), refusedByOracle, { kind: 'rows', columns: 1, rows: [[1]] })).toBe('invalid');
  });

  it('reads the CLI: JSON rows, exit 4 (stopped at --timeout) as an error, a killed CLI as a hang, exit 2 with a refusal', () => {
    expect(fromCli({ code: 0, stdout: '[\n  {"c1": true, "c2": 12345678901234567}\n]\n', stderr: '', killed: false })).toEqual({ kind: 'rows', columns: 2, rows: [[1, 12345678901234568]] });
    expect(fromCli({ code: 4, stdout: '', stderr: 'error: the query ran longer than 5000 ms', killed: false })).toMatchObject({ kind: 'error', refused: false });
    expect(fromCli({ code: 2, stdout: '', stderr: 'error: RIGHT JOIN is not supported by the alasql engine\nhint: run with --engine duckdb', killed: false })).toMatchObject({ kind: 'error', refused: true });
    expect(fromCli({ code: 0, stdout: '', stderr: '', killed: true }).kind).toBe('hang');
  });
});

describe('generate.ts', () => {
  it('gives the same tables and queries for the same seed, and others for another', () => {
    const options = { seed: 5, databases: 2, queriesPerDatabase: 30, cliQueries: 0, engines: [], timeoutMs: 1, attachTimeoutMs: 1 };
    expect(generated(options)).toEqual(generated(options));
    expect(generated({ ...options, seed: 6 }).queries.map((q) => q.template)).not.toEqual(generated(options).queries.map((q) => q.template));
    const db = generateDatabase(5, 0);
    expect(db.tables.length).toBeGreaterThanOrEqual(3);
    expect(db.tables.length).toBeLessThanOrEqual(6);
    for (const t of db.tables) expect(t.rows.length).toBeLessThanOrEqual(40);
  });
});

import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
import { describe, expect, it } from 'vitest';
import { toColumns, type ColumnLimits, type TablePayload } from '../../src/target/columns.js';
import { TO_COLUMNS } from '../../src/target/realm.js';
import { tableFromPayload } from '../../src/tables/from-payload.js';
import { rowsFromTable } from '../../src/tables/to-rows.js';

const limits: ColumnLimits = { maxRows: 1000, maxBytes: 1 << 20, maxString: 100, maxColumns: 100 };
/** Runs the target-side conversion here and sends it through JSON, as the wire would. */
const payloadOf = (value: unknown, l: ColumnLimits = limits): TablePayload => JSON.parse(JSON.stringify(toColumns(value, l)));
const names = (payload: TablePayload) => payload.columns.map((c) => c.name);

describe('toColumns: projection', () => {
  const people = [
    { Name: 'ada', age: 36, City: 'London', notes: 'x' },
    { name2: 1, age: 41, Name: 'alan', City: 'Wilmslow' },
  ];

  it('keeps only the named columns, matched without regard to case, in first-seen order', () => {
    const payload = payloadOf(people, { ...limits, only: ['city', 'NAME'] });
    expect(payload.rows).toBe(2);
    expect(names(payload)).toEqual(['Name', 'City']);
    expect(rowsFromTable(tableFromPayload(payload))).toEqual([
      { Name: 'ada', City: 'London' },
      { Name: 'alan', City: 'Wilmslow' },
    ]);
  });

  it('null or absent keeps every column', () => {
    expect(names(payloadOf(people, { ...limits, only: null }))).toEqual(['Name', 'age', 'City', 'notes', 'name2']);
    expect(names(payloadOf(people))).toEqual(['Name', 'age', 'City', 'notes', 'name2']);
  });

  it('an empty projection keeps the row count and no columns, for every shape', () => {
    const none = { ...limits, only: [] };
    const many = Array.from({ length: 500 }, (_, i) => ({ i, s: `row ${i}`, big: BigInt(i) }));
    expect(payloadOf(many, none)).toEqual({ rows: 500, columns: [] });
    expect(payloadOf([1, 2, 3], none)).toEqual({ rows: 3, columns: [] });
    expect(payloadOf(new Map([['a', 1], ['b', 2]]), none)).toEqual({ rows: 2, columns: [] });
    expect(payloadOf(new Set([1]), none)).toEqual({ rows: 1, columns: [] });
    expect(payloadOf({ a: 1, b: 2 }, none)).toEqual({ rows: 1, columns: [] });
    // the names left out are sent, for an unknown column's hint
    expect(payloadOf(42, none)).toEqual({ rows: 1, columns: [], skipped: ['value'] });
    expect(payloadOf(null, none)).toEqual({ rows: 0, columns: [] });
    const table = tableFromPayload(payloadOf(many, none));
    expect(table.numRows).toBe(500);
    expect(table.numCols).toBe(0);
  });

  it('counts as many rows with an empty projection as without one', () => {
    const values = [[1, , 3], new Uint8Array(5), [{ a: 1 }, null, 2], new Map(), []];
    for (const value of values) expect(payloadOf(value, { ...limits, only: [] }).rows).toBe(payloadOf(value).rows);
  });

  it('still stops at maxRows with an empty projection', () => {
    const cut = { ...limits, maxRows: 10, only: [] };
    expect(payloadOf(Array.from({ length: 50 }, (_, i) => ({ i })), cut)).toEqual({ rows: 10, columns: [], truncated: { reason: 'rows', total: 50 } });
    expect(payloadOf(new Set(Array.from({ length: 12 }, (_, i) => i)), cut)).toEqual({ rows: 10, columns: [], truncated: { reason: 'rows', total: 12 } });
  });

  it('counts only the kept columns toward maxBytes', () => {
    const wide = Array.from({ length: 100 }, (_, i) => ({ id: i, text: 'z'.repeat(90) }));
    const small = { ...limits, maxBytes: 1000 };
    // All columns: ~106 bytes a row, cut after a few rows.
    expect(payloadOf(wide, small).truncated).toEqual({ reason: 'bytes', total: 100 });
    // Only id: 8 bytes a row, all 100 rows fit in 1000.
    const payload = payloadOf(wide, { ...small, only: ['ID'] });
    expect(payload.truncated).toBeUndefined();
    expect(payload.rows).toBe(100);
    expect(names(payload)).toEqual(['id']);
  });

  it('counts only the kept columns toward maxColumns', () => {
    const row = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}`, i]));
    expect(names(payloadOf([row], { ...limits, maxColumns: 2, only: ['c7', 'c8', 'c9'] }))).toEqual(['c7', 'c8']);
  });

  it('never runs the getter of a column it leaves out', () => {
    const row = { ok: 1 };
    let reads = 0;
    Object.defineProperty(row, 'costly', { enumerable: true, get: () => ++reads });
    expect(rowsFromTable(tableFromPayload(payloadOf([row, row], { ...limits, only: ['ok'] })))).toEqual([{ ok: 1 }, { ok: 1 }]);
    expect(payloadOf([row], { ...limits, only: [] })).toEqual({ rows: 1, columns: [] });
    expect(reads).toBe(0);
  });

  it('runs the same when sent to the target as source text', () => {
    const run = new Function(`return (${TO_COLUMNS})([{ A: 1, b: 2 }], ${JSON.stringify({ ...limits, only: ['a'] })})`);
    expect(names(run())).toEqual(['A']);
  });
});

describe('toColumns: kind of a column mixing numbers and BigInts', () => {
  it('integers and BigInts → bigint, each value exact', () => {
    const payload = payloadOf([{ n: 5 }, { n: 2n ** 70n }, { n: -3 }, { n: null }, { n: 2 ** 60 }]);
    expect(payload.columns[0]).toMatchObject({ name: 'n', kind: 'bigint' });
    expect(payload.columns[0]!.values).toEqual(['5', '1180591620717411303424', '-3', null, '1152921504606846976']);
    expect(rowsFromTable(tableFromPayload(payload)).map((r) => r.n)).toEqual([5n, 2n ** 70n, -3n, null, 2n ** 60n]);
  });

  it('integers and BigInts within 64 bits → an Int64 column', () => {
    const payload = payloadOf([7n, 5, -3]);
    expect(payload.columns[0]!.kind).toBe('bigint');
    const table = tableFromPayload(payload);
    expect(String(table.schema.fields[0]!.type)).toBe('Int64');
    expect(rowsFromTable(table).map((r) => r.value)).toEqual([7n, 5n, -3n]);
  });

  it('floats and BigInts → json, whichever comes first (no exact common type)', () => {
    expect(payloadOf([1.5, 2n]).columns[0]!.kind).toBe('json');
    expect(payloadOf([2n, 1.5]).columns[0]!.kind).toBe('json');
    expect(payloadOf([1, 2n, 1.5]).columns[0]!.kind).toBe('json');
    expect(payloadOf([1, 1.5, 2n]).columns[0]!.kind).toBe('json');
    expect(payloadOf([1.5, 2n]).columns[0]!.values).toEqual(['1.5', '"2"']);
  });

  it('integers and floats stay float', () => {
    expect(payloadOf([1, 1.5]).columns[0]!.kind).toBe('float');
  });
});

describe('toColumns: values that are one thing, and values that were cut', () => {
  const native = { encode: (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'), types: require('node:util').types };
  const both = (value: unknown) => [payloadOf(value), JSON.parse(JSON.stringify(toColumns(value, limits, native))) as TablePayload];

  it('shows a RegExp, an Error and a URL as text, as a row of their own and inside objects', () => {
    for (const payload of both([/ab+c/gi, new TypeError('bad input'), new URL('https://example.com/a?b=1')])) {
      expect(rowsFromTable(tableFromPayload(payload))).toEqual([{ value: '/ab+c/gi' }, { value: 'TypeError: bad input' }, { value: 'https://example.com/a?b=1' }]);
    }
    for (const payload of both([{ id: 1, pattern: /x/, failure: new Error('e'), nested: { re: /y/m } }])) {
      expect(rowsFromTable(tableFromPayload(payload))).toEqual([{ id: 1, pattern: '/x/', failure: 'Error: e', nested: { re: '/y/m' } }]);
    }
  });

  it('counts, per column, the values cut at maxString', () => {
    const payload = payloadOf([{ s: 'x'.repeat(150), t: 'short' }, { s: 'y'.repeat(101), t: 'z'.repeat(200) }, { s: 'ok', t: 'ok' }]);
    expect(payload.clipped).toEqual({ s: 2, t: 1 });
    expect(payloadOf([{ s: 'fine' }]).clipped).toBeUndefined();
  });
});

describe('a container that throws part-way', () => {
  // an array behind a Proxy whose get trap throws from index 2,500 on
  const failing = () =>
    new Proxy(
      Array.from({ length: 3000 }, (_, i) => ({ i })),
      { get: (array, key, receiver) => (typeof key === 'string' && Number(key) >= 2500 ? (() => { throw new Error('no more'); })() : Reflect.get(array, key, receiver)) },
    );

  it('keeps the rows read before the throw and says the table was cut there, and why', async () => {
    const payload = payloadOf(failing(), { ...limits, maxRows: 10_000 });
    expect(payload.rows).toBe(2500);
    expect(payload.truncated).toEqual({ reason: 'threw', total: null, message: '[Threw: no more]' });
    const { cutNotes } = await import('../../src/output/render.js');
    expect(cutNotes([{ table: 'js.orders', rows: 2500, ...payload.truncated! }])).toEqual([
      'js.orders: reading it threw after 2500 rows ([Threw: no more]), and the result covers only those',
    ]);
  });

  it('a container that throws before its first row is one row with the error, not a cut table', () => {
    const payload = payloadOf(new Proxy([], { get: () => { throw new Error('locked'); } }));
    expect(payload.truncated).toBeUndefined();
    expect(rowsFromTable(tableFromPayload(payload))).toEqual([{ value: '[Threw: locked]' }]);
  });
});

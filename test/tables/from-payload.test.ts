import { describe, expect, it } from 'vitest';
import { conform, tableFromPayload, tableOf } from '../../src/tables/from-payload.js';
import { rowsFromTable } from '../../src/tables/to-rows.js';
import { toColumns, type NativeHelpers } from '../../src/target/columns.js';
import { NATIVE } from '../../src/target/realm.js';

const limits = { maxRows: 1000, maxBytes: 1 << 20, maxString: 100, maxColumns: 100 };

describe('payload → Arrow table', () => {
  it('a table with no columns keeps its number of rows', () => {
    const table = tableOf([], 7);
    expect(table.numRows).toBe(7);
    expect(table.numCols).toBe(0);
    expect(rowsFromTable(table)).toEqual(Array.from({ length: 7 }, () => ({})));
    expect(tableOf([], 0).numRows).toBe(0);
  });

  it('conform fills the declared columns a projection left out with NULL, keeping the rows', () => {
    const declared = [
      { name: 'name', type: 'string' as const, doc: '' },
      { name: 'size', type: 'integer' as const, doc: '' },
      { name: 'ok', type: 'boolean' as const, doc: '' },
    ];
    const rows = [{ name: 'a', size: 1, ok: true }, { name: 'b', size: 2, ok: false }];
    const some = conform(tableFromPayload(toColumns(rows, { ...limits, only: ['SIZE'] })), declared);
    expect(some.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['name:Utf8', 'size:Int32', 'ok:Bool']);
    expect(rowsFromTable(some)).toEqual([{ name: null, size: 1, ok: null }, { name: null, size: 2, ok: null }]);

    const none = conform(tableFromPayload(toColumns(rows, { ...limits, only: [] })), declared);
    expect(none.numRows).toBe(2);
    expect(rowsFromTable(none)).toEqual([{ name: null, size: null, ok: null }, { name: null, size: null, ok: null }]);
  });
});

describe('a table longer than one chunk of the target (8,192 rows)', () => {
  it('keeps every row in place across chunks, a column first seen late, and both kinds of string column', () => {
    const n = 70_000;
    const rows = Array.from({ length: n }, (_, i) => {
      const row: Record<string, unknown> = { i, s: `v${i}`, k: i % 3 === 0 ? 'b' : 'a', d: new Date(i * 1000), x: i % 7 === 0 ? null : i / 2 };
      if (i >= 17_000) row.late = i;
      return row;
    });
    // with what a Node.js target gives it (node:util's types, node:buffer's base64), as there
    const payload = toColumns(rows, { maxRows: n, maxBytes: 1 << 30, maxString: 100, maxColumns: 100 }, (0, eval)(NATIVE) as NativeHelpers);
    // more distinct strings than a dictionary holds: values; three: a dictionary
    expect(payload.columns.find((c) => c.name === 's')).toHaveProperty('values');
    expect(payload.columns.find((c) => c.name === 'k')).toHaveProperty('dict');
    const back = rowsFromTable(tableFromPayload(JSON.parse(JSON.stringify(payload))));
    expect(back).toHaveLength(n);
    for (const i of [0, 1, 8191, 8192, 16383, 16384, 16999, 17000, 24576, 65535, 65536, 65537, n - 1]) {
      expect(back[i]).toEqual({ i, s: `v${i}`, k: i % 3 === 0 ? 'b' : 'a', d: new Date(i * 1000), x: i % 7 === 0 ? null : i / 2, late: i >= 17_000 ? i : null });
    }
    expect(back.reduce((sum, row) => sum + (row.i as number), 0)).toBe((n * (n - 1)) / 2);
    expect(back.filter((row) => row.late !== null).length).toBe(n - 17_000);
  });
});

import { describe, expect, it } from 'vitest';
import { conform, tableFromPayload, tableOf } from '../../src/tables/from-payload.js';
import { rowsFromTable } from '../../src/tables/to-rows.js';
import { toColumns } from '../../src/target/columns.js';

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

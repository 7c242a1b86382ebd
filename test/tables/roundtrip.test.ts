import { describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { Arrow } from '../../src/tables/arrow.js';

const { tableToIPC } = Arrow;
import { toColumns } from '../../src/target/columns.js';
import { tableFromPayload } from '../../src/tables/from-payload.js';
import { rowsFromTable } from '../../src/tables/to-rows.js';
import { tableFromRows } from '../../src/tables/from-rows.js';

const limits = { maxRows: 1000, maxBytes: 1 << 20, maxString: 100, maxColumns: 100 };
/** Runs the target-side conversion here, sends it through JSON as the wire would, and reads it back. */
const roundtrip = (value: unknown, l = limits) => {
  const payload = JSON.parse(JSON.stringify(toColumns(value, l)));
  const table = tableFromPayload(payload);
  return { payload, table, rows: rowsFromTable(table) };
};

describe('value → columns → Arrow → rows', () => {
  it('an array of objects: union of keys in first-seen order, missing → NULL', () => {
    const { rows, table } = roundtrip([{ a: 1, b: 'x' }, { c: true, a: 2 }]);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['a', 'b', 'c']);
    expect(rows).toEqual([{ a: 1, b: 'x', c: null }, { a: 2, b: null, c: true }]);
  });

  it('scalars, Maps, Sets, objects, null', () => {
    expect(roundtrip([3, 1, 2]).rows).toEqual([{ value: 3 }, { value: 1 }, { value: 2 }]);
    expect(roundtrip(new Map([['k', 1]])).rows).toEqual([{ key: 'k', value: 1 }]);
    expect(roundtrip(new Set(['a'])).rows).toEqual([{ value: 'a' }]);
    expect(roundtrip({ port: 80, debug: false }).rows).toEqual([{ port: 80, debug: false }]);
    expect(roundtrip(42).rows).toEqual([{ value: 42 }]);
    expect(roundtrip(null).rows).toEqual([]);
    expect(roundtrip(undefined).rows).toEqual([]);
    expect(roundtrip([1, , 3]).rows).toEqual([{ value: 1 }, { value: null }, { value: 3 }]);
  });

  it('keeps BigInt exact, Dates as timestamps, NULL as NULL, nested objects as objects', () => {
    const when = new Date('2026-01-02T03:04:05.678Z');
    const { rows, payload } = roundtrip([
      { big: 2n ** 64n + 1n, small: 5n, when, n: null, o: { u: { id: 7 } }, f: 1.5, i: 2 ** 40 },
      { big: null, small: -3n, when: null, n: null, o: null, f: null, i: 1 },
    ]);
    expect(payload.columns.map((c: { kind: string }) => c.kind)).toEqual(['bigint', 'bigint', 'timestamp', 'null', 'json', 'float', 'int']);
    expect(rows[0]).toEqual({ big: 2n ** 64n + 1n, small: 5n, when, n: null, o: { u: { id: 7 } }, f: 1.5, i: 2 ** 40 });
    expect(rows[1]).toEqual({ big: null, small: -3n, when: null, n: null, o: null, f: null, i: 1 });
  });

  it('renders hostile values instead of throwing', () => {
    const hostile: Record<string, unknown> = { ok: 1 };
    Object.defineProperty(hostile, 'bad', { enumerable: true, get: () => { throw new Error('boom'); } });
    hostile.self = hostile;
    hostile.fn = function named() {};
    hostile.sym = Symbol('s');
    hostile.buf = new Uint8Array([1, 2, 255]);
    hostile.long = 'y'.repeat(500);
    const { rows } = roundtrip([hostile]);
    expect(rows[0]).toMatchObject({ ok: 1, bad: '[Threw: boom]', fn: '[Function: named]', sym: 'Symbol(s)', buf: '[Uint8Array(3): 01 02 ff]' });
    expect((rows[0]!.self as Record<string, unknown>).self).toBe('[Circular]');
    expect(rows[0]!.long).toBe(`${'y'.repeat(100)}…[+400 chars]`);
  });

  it('cuts at maxRows and says how many there were', () => {
    const { rows, payload } = roundtrip(Array.from({ length: 50 }, (_, i) => ({ i })), { ...limits, maxRows: 10 });
    expect(rows).toHaveLength(10);
    expect(payload.truncated).toEqual({ reason: 'rows', total: 50 });
  });

  it('cuts at maxBytes', () => {
    const { rows, payload } = roundtrip(Array.from({ length: 100 }, () => ({ s: 'z'.repeat(50) })), { ...limits, maxBytes: 1000 });
    expect(rows.length).toBeLessThan(100);
    expect(payload.truncated).toEqual({ reason: 'bytes', total: 100 });
  });

  it('writes a BigInt beyond 64 bits to Arrow as exact decimal text, not a wrapped number', () => {
    const back = tableFromIPC(tableToIPC(tableFromRows([{ big: 2n ** 64n + 1n }, { big: 5n }]), 'file'));
    expect(String(back.schema.fields[0]!.type)).toBe('Utf8');
    expect(back.get(0)!.toJSON()).toEqual({ big: '18446744073709551617' });
  });

  it('writes result rows to an Arrow IPC file that reads back with the same types and values', () => {
    const when = new Date(0);
    const table = tableFromRows([{ i: 1, f: 1.5, s: 'a', b: true, big: 2n ** 62n, t: when, o: { x: 1 }, n: null }, { i: 2, f: null, s: '', b: null, big: null, t: null, o: null, n: undefined }]);
    const back = tableFromIPC(tableToIPC(table, 'file'));
    expect(back.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['i:Int32', 'f:Float64', 's:Utf8', 'b:Bool', 'big:Int64', 't:Timestamp<MILLISECOND>', 'o:Utf8', 'n:Null']);
    expect(back.get(0)!.toJSON()).toEqual({ i: 1, f: 1.5, s: 'a', b: true, big: 2n ** 62n, t: 0, o: '{"x":1}', n: null });
    expect(back.get(1)!.toJSON()).toEqual({ i: 2, f: null, s: '', b: null, big: null, t: null, o: null, n: null });
  });
});

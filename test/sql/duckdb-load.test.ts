import { describe, expect, it } from 'vitest';
import { duckdbEngine } from '../../src/sql/engines/duckdb.js';
import { tableFromPayload } from '../../src/tables/from-payload.js';
import { toColumns } from '../../src/target/columns.js';
import { valueAt } from '../../src/sql/result.js';

const limits = { maxRows: 1e7, maxBytes: 2 ** 30, maxString: 65536, maxColumns: 1000 };

/** Rows as a target would send them, through the DuckDB engine. */
async function run(sql: string, rows: unknown[], name = '_t0') {
  const table = tableFromPayload(JSON.parse(JSON.stringify(toColumns(rows, limits))));
  const result = await duckdbEngine.run({
    sql,
    original: (o) => o,
    text: sql,
    tables: [{ name, label: 'js.`rows`', parts: [table] }],
    functions: new Map(),
    timeoutMs: 20_000,
    memoryLimit: '1GB',
  });
  return result.columns.map((c) => Array.from({ length: result.rowCount }, (_, r) => valueAt(c, r)));
}

describe('loading collected tables into DuckDB, chunk by chunk', () => {
  // 5,000 rows span three of DuckDB's 2,048-row chunks; NULLs fall on every boundary pattern
  const rows = Array.from({ length: 5000 }, (_, i) => ({
    n: i % 7 === 0 ? null : i,
    wide: i % 5 === 0 ? null : 2 ** 40 + i,
    f: i % 11 === 0 ? null : i / 4,
    b: i % 3 === 0 ? null : i % 2 === 0,
    kind: i % 13 === 0 ? null : ['GET', 'POST', 'PUT'][i % 3],
    url: i % 17 === 0 ? null : `/item/${i}/é`,
    ts: i % 19 === 0 ? null : new Date(Date.UTC(1969, 11, 31) + i * 1000),
    big: i % 23 === 0 ? null : 2n ** 70n + BigInt(i),
  }));
  const expected = (pick: (r: (typeof rows)[number]) => unknown) => rows.map(pick).filter((v) => v !== null);

  it('keeps every value and every NULL of every kind', async () => {
    const [[count], [n], [wide], [f], [b], [kinds], [urls], [ats], [bigs]] = (
      await run(
        `SELECT count(*), sum(n), sum(wide), sum(f), count(*) FILTER (WHERE b), count(DISTINCT kind), sum(length(url)), count(ts), sum(big) FROM "_t0"`,
        rows,
      )
    ).map((c) => c);
    expect(count).toBe(5000n);
    expect(n).toBe(BigInt(expected((r) => r.n).reduce((a, v) => (a as number) + (v as number), 0) as number));
    expect(wide).toBe(expected((r) => r.wide).reduce((a: bigint, v) => a + BigInt(v as number), 0n));
    expect(f).toBeCloseTo(expected((r) => r.f).reduce((a, v) => (a as number) + (v as number), 0) as number, 6);
    expect(b).toBe(BigInt(expected((r) => r.b).filter((v) => v === true).length));
    expect(kinds).toBe(3n);
    expect(urls).toBe(BigInt(expected((r) => r.url).reduce((a, v) => (a as number) + (v as string).length, 0) as number));
    expect(ats).toBe(BigInt(expected((r) => r.ts).length));
    expect(bigs).toBe(expected((r) => r.big).reduce((a: bigint, v) => a + (v as bigint), 0n));
  });

  it('reads back the same rows, NULLs in place, timestamps before 1970 included', async () => {
    const columns = await run('SELECT n, wide, b, kind, url, ts, big FROM "_t0" ORDER BY rowid', rows);
    for (const i of [0, 1, 2047, 2048, 2049, 4095, 4096, 4999]) {
      const r = rows[i]!;
      expect(columns.map((c) => c[i])).toEqual([
        r.n === null ? null : BigInt(r.n),
        r.wide === null ? null : BigInt(r.wide),
        r.b,
        r.kind,
        r.url,
        r.ts,
        r.big,
      ]);
    }
  });
});

describe('a declared column whose values are all NULL', () => {
  it('is NULL in its declared type, not the text "null" (one part all NULL, another with values)', async () => {
    const part = (rows: unknown[]) => tableFromPayload(JSON.parse(JSON.stringify(toColumns(rows, limits))));
    const result = await duckdbEngine.run({
      sql: 'SELECT request, request IS NULL AS missing, n FROM _t0 ORDER BY n',
      original: (o) => o,
      text: 'SELECT request FROM runtime.stalls',
      tables: [
        {
          name: '_t0',
          label: 'runtime.stalls',
          columns: [
            { name: 'request', type: 'string', doc: '' },
            { name: 'n', type: 'float', doc: '' },
          ],
          // the first part's request is Arrow's Null type (every row NULL), the second's text
          parts: [part([{ request: null, n: 1 }, { request: null, n: 2 }]), part([{ request: 'GET /slow', n: 3 }])],
        },
      ],
      functions: new Map(),
      timeoutMs: 20_000,
      memoryLimit: '1GB',
    });
    const [request, missing] = result.columns.map((c) => Array.from({ length: result.rowCount }, (_, r) => valueAt(c, r)));
    expect(request).toEqual([null, null, 'GET /slow']);
    expect(missing).toEqual([true, true, false]);
  });
});

describe('queries one after another in one process (the repl, --every, mcp, ui)', () => {
  it('answers each from its own data, in a database emptied between them, until released', async () => {
    const sql = 'SELECT count(*) AS n, sum(v) AS total FROM _t0';
    try {
      expect(await run(sql, [{ v: 1 }, { v: 2 }])).toEqual([[2n], [3n]]);
      // other rows, another column: the last run's table is gone
      expect(await run(sql, [{ v: 10 }, { v: 20 }, { v: 30 }, { w: 1 }])).toEqual([[4n], [60n]]);
      expect(await run(sql, [{ v: null }])).toEqual([[1n], [null]]);
      // another query, whose table has another name: the last query's table is not there
      await expect(run(sql, [{ v: 7 }], '_t1')).rejects.toThrow(/unknown table _t0/);
      expect(await run('SELECT sum(v) AS total FROM _t1', [{ v: 7 }, { v: 8 }], '_t1')).toEqual([[15n]]);
      // a run that fails keeps nothing, and the next still answers
      await expect(run('SELECT v / 0 AS x, error(\'boom\') FROM _t0', [{ v: 1 }])).rejects.toThrow(/boom/);
      expect(await run(sql, [{ v: 5 }])).toEqual([[1n], [5n]]);
      // a query that seeds random() does not hand its seed on: were its database kept, the
      // query after each of the two would draw the same number
      const drawn = [];
      for (let i = 0; i < 2; i++) {
        await run('SELECT setseed(0.5) AS s FROM _t0', [{ v: 1 }]);
        drawn.push((await run('SELECT random() AS r FROM _t0', [{ v: 1 }]))[0]![0]);
      }
      expect(drawn[0]).not.toBe(drawn[1]);
    } finally {
      duckdbEngine.release();
    }
  });
});

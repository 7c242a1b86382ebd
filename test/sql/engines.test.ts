import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeEach, describe, expect, it } from 'vitest';
import { expectLeftAsFound, queryCli, shareTarget } from '../helpers/assertions.js';
import { probing, type Target } from '../helpers/targets.js';

/** The target's stderr says so each time its inspector opens: a query refused before attaching leaves none. */
const attached = (target: Target, since = 0) => target.stderr().slice(since).includes('Debugger listening');

// The tests of this file share one target: they only read it, and each leaves it as found
// (checked after each), so none sees another's traces; the file kills it at the end.
let target: Target;
/** Where the target's stderr stood when the test began. */
let mark: number;
let before: number[];
shareTarget('data.cjs', {}, (t, ports) => {
  target = t;
  before = ports;
});
beforeEach(() => {
  mark = target.stderr().length;
});

describe('SQL that gives the right answer (DuckDB)', () => {
  const { query, json } = queryCli(() => target);

  it('refuses an unknown column of a built-in table before attaching, naming it', async () => {
    const result = await query('SELECT count(*) FROM process.memory WHERE custmer = 1');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('unknown column "custmer" in process.memory on line 1, column 43');
    expect(result.stderr).toMatch(/\n {4}SELECT count\(\*\) FROM process\.memory WHERE custmer = 1\n {46}\^/);
    expect(attached(target, mark)).toBe(false);
    const select = await query('SELECT nosuch FROM process.memory');
    expect(select.code).toBe(2);
    expect(select.stderr).toContain('unknown column "nosuch"');
  });

  it('refuses an unknown column of a js table, naming it, and leaves the target as found', async () => {
    const result = await query('SELECT custmer FROM js.`app.orders`');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown column "custmer"');
    expect(result.stderr).toContain('hint:');
    await expectLeftAsFound(target, before);
  });

  it('takes everyday names as plain names: SUM(total), count, key, value, user', async () => {
    expect(await json('SELECT user, SUM(total) AS spent FROM js.`app.orders` GROUP BY user ORDER BY user')).toEqual([
      { user: 'ada', spent: 19.75 },
      { user: 'grace', spent: 30 },
    ]);
    expect(await json("SELECT count FROM process.resources WHERE type = 'TCPServerWrap'")).toEqual([{ count: 1 }]);
    expect(await json("SELECT key, value->>'user' AS user FROM js.`app.byId` WHERE key = 2")).toEqual([{ key: 2, user: 'grace' }]);
    expect(await json('SELECT value FROM js.`app.scalars` WHERE value > 1 ORDER BY value')).toEqual([{ value: 2 }, { value: 3 }]);
  });

  it('keeps BigInt exact: equality, ordering, sum and avg', async () => {
    const rows = 'js.`[{ s: 5n }, { s: 2n ** 70n }, { s: 0n }, { s: -3n }, { s: 7 }]`';
    expect(await json(`SELECT s FROM ${rows} WHERE s = 5`)).toEqual([{ s: 5 }]);
    const ordered = await query(`SELECT s FROM ${rows} ORDER BY s`, '-f', 'csv');
    expect(ordered.stdout).toBe('s\r\n-3\r\n0\r\n5\r\n7\r\n1180591620717411303424\r\n');
    const sum = await query(`SELECT sum(s) AS total, sum(s) - 2 ^ 70 AS rest FROM ${rows}`, '-f', 'ndjson');
    expect(sum.stdout).toContain('"total":1180591620717411303433');
    const zeroFirst = await query('SELECT sum(n) AS total, avg(n) AS mean FROM js.`[{ n: 0n }, { n: 1n }, { n: 2n ** 62n }]`', '-f', 'ndjson');
    // avg is a DOUBLE: the exact mean, correctly rounded
    expect(zeroFirst.stdout).toMatch(/^\{"total":4611686018427387905,"mean":/);
    expect((JSON.parse(zeroFirst.stdout) as { mean: number }).mean).toBe((2 ** 62 + 1) / 3);
    expect(await json('SELECT avg(n) AS mean FROM js.`[{ n: 1n }, { n: 2n }]`')).toEqual([{ mean: 1.5 }]);
  });

  it('answers a five-table join with unqualified columns', async () => {
    const t = (rows: string) => `js.\`${rows}\``;
    const sql = `SELECT name, city, item, qty, carrier
      FROM ${t('[{ cid: 1, name: "ada" }, { cid: 2, name: "grace" }, { cid: 3, name: "linus" }]')}
      JOIN ${t('[{ acid: 1, city: "London" }, { acid: 2, city: "Arlington" }]')} ON acid = cid
      JOIN ${t('[{ ocid: 1, oid: 10 }, { ocid: 1, oid: 11 }, { ocid: 2, oid: 12 }]')} ON ocid = cid
      JOIN ${t('[{ loid: 10, item: "pen", qty: 2 }, { loid: 11, item: "ink", qty: 1 }, { loid: 12, item: "cpu", qty: 4 }]')} ON loid = oid
      JOIN ${t('[{ soid: 10, carrier: "post" }, { soid: 12, carrier: "ship" }]')} ON soid = oid
      ORDER BY name, item`;
    expect(await json(sql)).toEqual([
      { name: 'ada', city: 'London', item: 'pen', qty: 2, carrier: 'post' },
      { name: 'grace', city: 'Arlington', item: 'cpu', qty: 4, carrier: 'ship' },
    ]);
  });

  it('stops a runaway cross join at --timeout, with a clear message', async () => {
    const started = Date.now();
    const result = await query('SELECT sum(a.i * b.i + c.i) FROM js.`app.many` a, js.`app.many` b, js.`app.many` c', '--timeout', '1500');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('the query ran longer than 1500 ms in the SQL engine and was stopped');
    expect(result.stderr).toContain('hint:');
    // far less than the hours the join would take
    expect(Date.now() - started).toBeLessThan(60_000);
    await expectLeftAsFound(target, before);
  });

  it('writes the same Arrow schema every run, with UTC timestamps and JSON tagged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probing-'));
    const schemas = [];
    for (const name of ['a', 'b']) {
      const file = join(dir, `${name}.arrow`);
      const result = await query('SELECT rss * 100 AS x, rss / 3 AS d, (SELECT sum(heap_used) FROM process.memory) AS s FROM process.memory', '-f', 'arrow', '-o', file);
      expect(result.code).toBe(0);
      schemas.push(tableFromIPC(readFileSync(file)).schema.fields.map((f) => `${f.name}: ${String(f.type)}`));
    }
    expect(schemas[0]).toEqual(['x: Int64', 'd: Int64', 's: Decimal[38e0]']);
    expect(schemas[1]).toEqual(schemas[0]);
    const file = join(dir, 'c.arrow');
    await query("SELECT seen, payload FROM js.`app.sessions` WHERE id = 99", '-f', 'arrow', '-o', file);
    const empty = tableFromIPC(readFileSync(file));
    expect(empty.numRows).toBe(0);
    expect(empty.schema.fields.map((f) => String(f.type))).toEqual(['Timestamp<MILLISECOND, UTC>', 'Utf8']);
    expect(empty.schema.fields[1]!.metadata.get('ARROW:extension:name')).toBe('arrow.json');
  });

  it('keeps both columns of SELECT a, a, in SELECT order, in every format', async () => {
    expect((await query('SELECT "order", user, "order" FROM js.`app.orders` WHERE 1 = 0', '-f', 'csv')).stdout).toBe('order,user,order\r\n');
    expect((await query('SELECT "order" AS a, user AS a FROM js.`app.orders` ORDER BY 1 LIMIT 1', '-f', 'csv')).stdout).toBe('a,a\r\n100,ada\r\n');
    expect(await json('SELECT "order" AS a, user AS a FROM js.`app.orders` ORDER BY 1 LIMIT 1')).toEqual([{ a: 100, a_2: 'ada' }]);
    expect((await query('SELECT total, user FROM js.`app.orders` WHERE 1 = 0')).stdout).toContain('│ total │ user │');
  });
});

// None may attach: the target's inspector does not open in any case.
describe.each(['duckdb', 'alasql'])('SQL that must be refused, on %s', (engine) => {
  const query = (sql: string) => probing([String(target.pid), 'query', sql, '--engine', engine]);

  const dir = mkdtempSync(join(tmpdir(), 'probing-refused-'));
  const file = join(dir, 'written');
  const deep = `SELECT ${'('.repeat(260)}\`\`require('fs').writeFileSync('${file}', 'x')\`\`${')'.repeat(260)} FROM js.\`app.orders\``;
  it.each([
    ['a file read', "SELECT * FROM read_text('/etc/hostname')"],
    ['a file read in an expression', "SELECT (SELECT content FROM read_text('/etc/hostname')) FROM js.`app.orders`"],
    ['an extension install', 'INSTALL httpfs'],
    ['an extension load', 'LOAD json'],
    ['SET', 'SET threads = 1'],
    ['PRAGMA', 'PRAGMA version'],
    ['COPY', `COPY (SELECT 1) TO '${file}'`],
    ['ATTACH', `ATTACH '${file}' AS other`],
    ['two statements', 'SELECT 1 FROM js.`app.orders`; SELECT 2 FROM js.`app.orders`'],
    ['inline JavaScript 260 parentheses deep', deep],
  ])('%s', async (_what, sql) => {
    const result = await query(sql);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('hint:');
    expect(existsSync(file)).toBe(false);
    expect(attached(target, mark)).toBe(false);
  });
});

describe('the alasql fallback', () => {
  it('is taken, with one line saying why, where DuckDB cannot load', async () => {
    const result = await probing([String(target.pid), 'query', 'SELECT user, count(*) AS n FROM js.`app.orders` GROUP BY user ORDER BY user', '-f', 'json'], {
      env: { PROBING_TEST_DUCKDB_MODULE: '@duckdb/node-bindings-linux-x64/duckdb.node' },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^probing: SQL engine: alasql, because DuckDB cannot load here \(@duckdb\/node-bindings-linux-x64\/duckdb.node is not installed\)/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toEqual([
      { user: 'ada', n: 2 },
      { user: 'grace', n: 1 },
    ]);
  });

  it('is refused with --engine duckdb, naming the fix', async () => {
    const result = await probing(['query', 'SELECT 1', '--engine', 'duckdb'], { env: { PROBING_TEST_DUCKDB_MODULE: '@duckdb/node-bindings-linux-x64/duckdb.node' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DuckDB cannot load on this machine');
    expect(result.stderr).toContain('--engine alasql');
  });
});

describe('queries without a target', () => {
  it('answers SELECT 1 + 1 and SQL over the catalog', async () => {
    const constant = await probing(['query', 'SELECT 1 + 1 AS two, 7 / 2 AS half', '-f', 'json']);
    expect(constant.code).toBe(0);
    expect(JSON.parse(constant.stdout)).toEqual([{ two: 2, half: 3 }]);
    const catalog = await probing(['query', "SELECT name FROM probing.tables WHERE namespace = 'v8' ORDER BY name", '-f', 'csv']);
    expect(catalog.stdout).toBe('name\r\nheap_code_statistics\r\nheap_spaces\r\nheap_statistics\r\n');
    const needs = await probing(['query', 'SELECT * FROM process.memory']);
    expect(needs.code).toBe(2);
    expect(needs.stderr).toContain('process.memory is read from a process: name one');
  });
});

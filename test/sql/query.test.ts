import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectLeftAsFound, queryCli } from '../helpers/assertions.js';
import { listeningPorts, probing, startTarget, type Target } from '../helpers/targets.js';

// The tests share one target: they only read it, and each leaves it as found (checked
// after each). The queries that must be refused before attaching go to a second one that
// no query attaches to, so that its stderr says whether one ever did.
describe('probing <pid> query', () => {
  let target: Target;
  let before: number[];
  let untouched: Target;
  const { query, json } = queryCli(() => target);

  beforeAll(async () => {
    [target, untouched] = await Promise.all([startTarget('data.cjs', { keep: 'file' }), startTarget('data.cjs', { keep: 'file' })]);
    before = await listeningPorts(target.pid);
  });
  afterEach(() => expectLeftAsFound(target, before));

  it('turns each value shape into rows', async () => {
    expect(await json('SELECT id, user FROM js.`app.sessions` ORDER BY id LIMIT 2')).toEqual([{ id: 1, user: 'ada' }, { id: 2, user: 'grace' }]);
    expect(await json('SELECT * FROM js.`app.scalars`')).toEqual([{ value: 3 }, { value: 1 }, { value: 2 }]);
    expect(await json("SELECT key, value->>'user' AS u FROM js.`app.byId` WHERE key > 2 ORDER BY key")).toEqual([{ key: 3, u: 'linus' }, { key: 4, u: 'ada' }]);
    expect(await json('SELECT * FROM js.`app.users`')).toEqual([{ value: 'ada' }, { value: 'grace' }, { value: 'linus' }]);
    expect(await json('SELECT * FROM js.`app.config`')).toEqual([{ port: 8080, debug: false, name: 'data-fixture' }]);
    expect(await json('SELECT * FROM js.`app.counter`')).toEqual([{ value: 42 }]);
    expect(await json('SELECT * FROM js.`app.nothing`')).toEqual([]);
    expect(await json('SELECT * FROM js.`await Promise.resolve([{ late: 1 }])`')).toEqual([{ late: 1 }]);
  });

  it('answers GROUP BY / ORDER BY / LIMIT correctly, row by row', async () => {
    expect(await json('SELECT user, count(*) AS n, sum(cart) AS items, max(idle_ms) AS idle FROM js.`app.sessions` GROUP BY user ORDER BY n DESC, user')).toEqual([
      { user: 'ada', n: 2, items: 5, idle: 120000 },
      { user: 'grace', n: 1, items: 0, idle: 500 },
      { user: 'linus', n: 1, items: 1, idle: 90000 },
    ]);
    expect(await json('SELECT id FROM js.`app.sessions` WHERE idle_ms > 60000 ORDER BY idle_ms DESC LIMIT 2')).toEqual([{ id: 1 }, { id: 3 }]);
    expect(await json("SELECT (payload->>'$.user.id')::INTEGER AS uid FROM js.`app.sessions` WHERE payload IS NOT NULL ORDER BY id")).toEqual([{ uid: 11 }, { uid: 12 }, { uid: 11 }]);
    expect(await json("SELECT payload->'$.user' AS u FROM js.`app.sessions` WHERE id = 1")).toEqual([{ u: { id: 11, tags: ['a'] } }]);
  });

  it('joins two expressions', async () => {
    expect(
      await json('SELECT s.id, o."order" AS ord FROM js.`app.sessions` s JOIN js.`app.orders` o ON s.user = o.user WHERE s.id = 1 ORDER BY o."order"'),
    ).toEqual([{ id: 1, ord: 100 }, { id: 1, ord: 101 }]);
    expect(await json('WITH big AS (SELECT user FROM js.`app.orders` WHERE total > 10) SELECT DISTINCT user FROM big ORDER BY user')).toEqual([{ user: 'ada' }, { user: 'grace' }]);
    await expectLeftAsFound(target, before);
  });

  it('keeps BigInt, Date and NULL exact in every output format', async () => {
    const sql = 'SELECT big, "when", gone FROM js.`[{ big: 2n ** 64n + 1n, when: new Date("2026-01-02T03:04:05.678Z"), gone: null, blank: "" }]`';
    const asJson = await query(sql, '-f', 'json');
    expect(asJson.stdout).toContain('"big": 18446744073709551617');
    expect(asJson.stdout).toContain('"when": "2026-01-02T03:04:05.678Z"');
    expect(asJson.stdout).toContain('"gone": null');
    expect((await query(sql, '-f', 'ndjson')).stdout).toBe('{"big":18446744073709551617,"when":"2026-01-02T03:04:05.678Z","gone":null}\n');
    expect((await query('SELECT gone, blank FROM js.`[{ gone: null, blank: "" }]`', '-f', 'csv')).stdout).toBe('gone,blank\r\n,""\r\n');
    expect((await query(sql, '-f', 'csv')).stdout).toBe('big,when,gone\r\n18446744073709551617,2026-01-02T03:04:05.678Z,\r\n');
    const table = await query('SELECT gone, blank, big FROM js.`[{ gone: null, blank: "", big: 2n ** 64n }]`');
    expect(table.stdout).toMatch(/│ NULL +│ +│ 18446744073709551616 │/);
    const dir = mkdtempSync(join(tmpdir(), 'probing-'));
    const file = join(dir, 'out.arrow');
    const arrow = await query('SELECT small, "when", gone FROM js.`[{ small: 2n ** 62n, when: new Date(0), gone: null }]`', '-f', 'arrow', '-o', file);
    expect(arrow.code).toBe(0);
    const back = tableFromIPC(readFileSync(file));
    expect(back.schema.fields.map((f) => String(f.type))).toEqual(['Int64', 'Timestamp<MILLISECOND, UTC>', 'Int32']);
    expect(back.get(0)!.toJSON()).toEqual({ small: 2n ** 62n, when: 0, gone: null });
  });

  it('returns rows for hostile values while the target keeps serving', async () => {
    const rows = await json('SELECT name, bad, fn, sym, buf, point FROM js.`app.hostile` ORDER BY name');
    expect(rows[0]).toEqual({ name: 'hostile', bad: '[Threw: getter exploded]', fn: '[Function: handler]', sym: 'Symbol(tag)', buf: '[Buffer(5): 68 65 6c 6c 6f]', point: { x: 1, y: 2 } });
    expect(rows[1]).toMatchObject({ name: 'plain', bad: null });
    await expectLeftAsFound(target, before);
  });

  it('reports truncation on stderr and in JSON output', async () => {
    const result = await query('SELECT i FROM js.`app.many`', '--max-rows', '100', '-f', 'json');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('js.`app.many`: cut at 100 of 5000 rows by --max-rows');
    // in a table, the cut is said under it, where the count is read
    const counted = await query('SELECT count(*) AS n FROM js.`app.many`', '--max-rows', '100');
    expect(counted.stdout).toContain('cut: js.`app.many`: cut at 100 of 5000 rows by --max-rows, and the result covers only those');
    expect(counted.stderr).toBe('');
    // values cut at the longest string a cell keeps are counted and said
    const long = await query("SELECT length(value) AS n FROM js.`['x'.repeat(70000), 'short']` ORDER BY n", '-f', 'json');
    expect(JSON.parse(long.stdout).rows).toEqual([{ n: 5 }, { n: 65536 + "…[+4464 chars]".length }]);
    expect(long.stderr).toContain('1 value of column value cut at 65536 characters');
    expect(JSON.parse(long.stdout).truncated).toEqual([{ table: "js.`['x'.repeat(70000), 'short']`", rows: 2, reason: 'cells', total: 1, column: 'value', limit: 65536 }]);
    const parsed = JSON.parse(result.stdout) as { rows: unknown[]; truncated: unknown[] };
    expect(parsed.rows).toHaveLength(100);
    expect(parsed.truncated).toEqual([{ table: 'js.`app.many`', rows: 100, reason: 'rows', total: 5000 }]);
    // a LIMIT the query asked for is not a truncation
    const limited = await query('SELECT i FROM js.`app.many` LIMIT 3', '-f', 'json');
    expect(limited.stderr).toBe('');
    expect(JSON.parse(limited.stdout)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
  });

  it.each([
    ["SELECT * FROM read_text('/etc/hostname')", 'read_text() is not allowed'],
    ["COPY (SELECT 1) TO '/tmp/probing-x.csv'", 'only SELECT queries are allowed'],
    ['SELECT * FROM js.`app.sessions`; SELECT 1', 'one statement at a time'],
    ['DROP TABLE x', 'only SELECT queries are allowed'],
    ['SELECT [user] FROM js.`app.sessions`', 'use double quotes'],
    ['SELECT * FROM nope.things', 'unknown table nope.things'],
    ['SELECT * FROM js.`app.sessions` WHERE', 'syntax error at end of input'],
  ])('refuses %s without touching the target', async (sql, message) => {
    const result = await probing([String(untouched.pid), 'query', sql]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('hint:');
    expect(untouched.alive()).toBe(true);
    // refused before attaching: the target's inspector was never opened
    expect(untouched.stderr()).not.toContain('Debugger listening');
  });

  it('says that js.<name> is a table the target writes, when it has none by that name', async () => {
    const result = await query('SELECT * FROM js.sessions');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('js.sessions: the target has no runtime table "sessions"');
    expect(result.stderr).toContain('js.`expression`');
    await expectLeftAsFound(target, before);
  });

  it("names the expression and the target's exception when js.`…` throws", async () => {
    const result = await query('SELECT * FROM js.`app.sessionz.map(s => s.id)`');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("js.`app.sessionz.map(s => s.id)` threw TypeError: Cannot read properties of undefined (reading 'map')");
    await expectLeftAsFound(target, before);
  });
});

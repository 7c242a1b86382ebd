import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/limits.js';
import { httpGet, probing, startTarget, type Target } from '../helpers/targets.js';

const rows = (stdout: string) => JSON.parse(stdout) as Array<Record<string, unknown>>;
const query = async (target: Target, sql: string, ...options: string[]) => {
  const result = await probing([String(target.pid), 'query', sql, '-f', 'json', ...options]);
  expect(result.stderr, sql).toBe('');
  expect(result.code, sql).toBe(0);
  return rows(result.stdout);
};
/** The counters of runtime table events and the range of seq it holds, read in one CLI run. */
const FILL = `SELECT "rows", capacity, appended, dropped, rejected, (SELECT count(*) FROM js.events) AS n, (SELECT min(seq) FROM js.events) AS lo, (SELECT max(seq) FROM js.events) AS hi
  FROM probing.runtime_tables WHERE "table" = 'events'`;

describe('tables written by the target', () => {
  // What the ring must get right does not grow with the row count: what a query reads
  // while batches are still to come, the drop count once it wraps. 100,000 rows, in 100
  // batches paced over 2 s or more so that queries land mid-way, then read back in full.
  const TOTAL = 100_000;

  it(`below capacity, ${TOTAL.toLocaleString('en')} appended rows are all there while the CLI queries during the writing`, async () => {
    const target = await startTarget('runtime-writer.cjs', { env: { TOTAL: String(TOTAL), CAPACITY: String(2 * TOTAL), BATCH: String(TOTAL / 100), PACE_MS: '20' } });
    // Query while it writes, every 100 ms: the newest rows, and the table's fill, in one run.
    const seen: number[] = [];
    for (;;) {
      const read = await probing([String(target.pid), 'query', FILL, '-f', 'json', '--max-rows', '1000']);
      expect(read.code).toBe(0);
      const parsed = JSON.parse(read.stdout) as { rows: Array<Record<string, unknown>> } | Array<Record<string, unknown>>;
      // n and hi over the newest 1000 rows; JSON says when there were more
      const { n, lo, hi, ...stats } = (Array.isArray(parsed) ? parsed : parsed.rows)[0]!;
      expect(stats.dropped).toBe(0);
      seen.push(stats.appended as number);
      if (n !== 0) expect(n).toBe(Math.min(1000, (hi as number) + 1));
      if (seen.at(-1) === TOTAL) {
        // all written: the counters read with the last rows are the final ones
        expect(stats).toEqual({ rows: TOTAL, capacity: 2 * TOTAL, appended: TOTAL, dropped: 0, rejected: 0 });
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([...seen].sort((a, b) => a - b)).toEqual(seen); // never went backwards
    const [check] = await query(target, 'SELECT count(DISTINCT seq) AS n, min(seq) AS lo, max(seq) AS hi, sum(CASE WHEN kind = \'a\' THEN 1 ELSE 0 END) AS a FROM js.events', '--max-rows', String(2 * TOTAL));
    expect(check).toEqual({ n: TOTAL, lo: 0, hi: TOTAL - 1, a: Math.ceil(TOTAL / 3) });
  });

  it('above capacity, the oldest rows go and the drop count is exact', async () => {
    const capacity = TOTAL / 10;
    const target = await startTarget('runtime-writer.cjs', { env: { TOTAL: String(TOTAL), CAPACITY: String(capacity), BATCH: String(TOTAL / 100) } });
    // read until the writing is over: the last row is in, and the counters have counted it
    let fill: Record<string, unknown> = {};
    await eventually(async () => ((fill = (await query(target, FILL))[0]!).appended === TOTAL && fill.hi === TOTAL - 1));
    expect(fill).toEqual({ rows: capacity, capacity, appended: TOTAL, dropped: TOTAL - capacity, rejected: 0, n: capacity, lo: TOTAL - capacity, hi: TOTAL - 1 });
  });

  it('counts rows it cannot coerce instead of throwing at the caller, and keeps a table after the CLI leaves', async () => {
    const target = await startTarget('runtime-writer.cjs', { env: { TOTAL: '10', CAPACITY: '100', START: 'later' } });
    await probing([String(target.pid), 'eval', 'globalThis.start()']);
    const appended = await probing([String(target.pid), 'eval', `const t = require('probing-node/runtime'); 1`]);
    expect(appended.code).toBe(1); // the eval's require resolves from the target's cwd: use inject for the runtime
    // (whether the 10 rows are in yet or not: neither is the newest, nor rejected)
    const bad = await probing([String(target.pid), 'eval', `const { table } = globalThis[Symbol.for('probing.runtime')].state.get('module'); const t = table('events'); t.append({ seq: 'not a number', kind: 'c', value: 1 }); t.append({ seq: '11', kind: 7, value: '2.5' }); t.append(null); t.stats()`]);
    expect(bad.stdout).toContain('rejected: 2');
    // the table outlives every CLI session: the newest row, the count and the rejections,
    // read (once the 10 rows are in) in one session after those that wrote
    let latest: Record<string, unknown> = {};
    await eventually(async () => (latest = (await query(target, `SELECT seq, kind, "value", (SELECT count(*) FROM js.events) AS n,
      (SELECT rejected FROM probing.runtime_tables WHERE "table" = 'events') AS rejected, (SELECT last_rejection FROM probing.runtime_tables WHERE "table" = 'events') AS last_rejection
      FROM js.events ORDER BY seq DESC LIMIT 1`))[0]!).n === 11);
    expect(latest).toEqual({ seq: 11, kind: '7', value: 2.5, n: 11, rejected: 2, last_rejection: 'not an object: object' });
  });

  it('an injected script gets the runtime as probing-node/runtime, and as probing/runtime (its name before)', async () => {
    const target = await startTarget('server.cjs');
    for (const script of ['uses-runtime.cjs', 'uses-runtime-old.cjs']) {
      const injected = await probing([String(target.pid), 'inject', fileURLToPath(new URL(`../fixtures/scripts/${script}`, import.meta.url))]);
      expect(injected.stderr, script).toBe('');
    }
    expect(await query(target, `SELECT 'new_name' AS "table", hello FROM js.new_name UNION ALL SELECT 'old_name', hello FROM js.old_name ORDER BY "table"`)).toEqual([
      { table: 'new_name', hello: 'probing-node/runtime' },
      { table: 'old_name', hello: 'probing/runtime' },
    ]);
  });

  it('two copies of the runtime in one process share one ring, and an injected third joins it', async () => {
    const target = await startTarget('runtime-copies.cjs');
    expect((await probing([String(target.pid), 'eval', 'globalThis.sameRegistry'])).stdout.trim()).toBe('true');
    expect(await query(target, 'SELECT "from" FROM js.shared ORDER BY ts')).toEqual([{ from: 'a' }, { from: 'b' }]);
    const install = await probing([String(target.pid), 'inject']);
    expect(install.stdout).toContain('was already loaded; tables: shared');
    expect(await query(target, 'SELECT "table", capacity, appended FROM probing.runtime_tables')).toEqual([{ table: 'shared', capacity: 100, appended: 2 }]);
  });

  // The files both type-checks read (the fixture, the package's types, @types/node, the
  // lib) are parsed once: the two differ only in experimentalDecorators, which changes how
  // a program is checked, not how a file parses or binds (it is not among TypeScript's
  // sourceFileAffectingCompilerOptions, the key its language service shares parsed files
  // by). Each program is still checked on its own: a decorator that only one of the two
  // accepts is still reported by the other.
  const parsed = new Map<string, ts.SourceFile | undefined>();
  const sharingParsedFiles = (options: ts.CompilerOptions): ts.CompilerHost => {
    const host = ts.createCompilerHost(options);
    // parsed as tsc itself does (its default since TypeScript 5.3): without the JSDoc of
    // .ts and .d.ts files, which changes no type error
    host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
    const parse = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, ...rest) => {
      const key = `${fileName}\0${JSON.stringify(languageVersion)}`;
      if (!parsed.has(key)) parsed.set(key, parse(fileName, languageVersion, ...rest));
      return parsed.get(key);
    };
    return host;
  };

  it.each([
    ['standard decorators', { experimentalDecorators: false }],
    ['legacy decorators', { experimentalDecorators: true }],
  ])('works from TypeScript with %s and the function form', async (label, extra) => {
    const source = fileURLToPath(new URL('../fixtures/targets/runtime-decorators.ts', import.meta.url));
    const options: ts.CompilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, strict: true, esModuleInterop: true, skipLibCheck: true, types: ['node'], ...extra };
    // type-checked as the package's own users would see it: probing-node/runtime through its exports
    const checkOptions: ts.CompilerOptions = { ...options, noEmit: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 };
    const program = ts.createProgram([source], checkOptions, sharingParsedFiles(checkOptions));
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems, label).toEqual([]);
    const out = ts.transpileModule(readFileSync(source, 'utf8'), { compilerOptions: options }).outputText;
    const dir = fileURLToPath(new URL('../fixtures/.build/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = `decorators-${extra.experimentalDecorators ? 'legacy' : 'standard'}.cjs`;
    writeFileSync(dir + file, out);
    const target = await startTarget(`../.build/${file}`);
    expect(await query(target, 'SELECT route, status, ms FROM js.requests ORDER BY ts, route DESC')).toEqual([
      { route: '/login', status: 200, ms: 12.5 },
      { route: '/cart', status: 404, ms: 3 },
    ]);
    expect(await query(target, 'SELECT route, ms FROM js.timings')).toEqual([{ route: '/login', ms: 12.5 }, { route: '/cart', ms: 3 }]);
  });
});

describe('samplers', () => {
  it('the HTTP sampler records every request with its route and status, and leaves nothing behind when switched off', async () => {
    const target = await startTarget('http-service.cjs');
    const resources = async () => (await query(target, 'SELECT type, "count" FROM process.resources ORDER BY type'));
    const before = await resources();
    expect((await probing([String(target.pid), 'config', 'set', 'sampler.http', 'on'])).stdout).toBe('sampler.http = true\n');
    const paths = ['/a', '/a', '/missing', '/fail', '/b?x=1'];
    for (const p of paths) await httpGet(target.port!, p);
    const http = await query(target, 'SELECT method, url, status, duration_ms FROM runtime.http ORDER BY ts');
    expect(http.map(({ duration_ms, ...request }) => request)).toEqual([
      { method: 'GET', url: '/a', status: 200 },
      { method: 'GET', url: '/a', status: 200 },
      { method: 'GET', url: '/missing', status: 404 },
      { method: 'GET', url: '/fail', status: 500 },
      { method: 'GET', url: '/b?x=1', status: 200 },
    ]);
    const durations = http.map((r) => r.duration_ms as number);
    expect(Math.min(...durations)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...durations)).toBeLessThan(5000);
    await probing([String(target.pid), 'config', 'set', 'sampler.http', 'off']);
    await httpGet(target.port!, '/after');
    expect(await query(target, 'SELECT count(*) AS n FROM runtime.http')).toEqual([{ n: 5 }]);
    expect(await resources()).toEqual(before);
  });

  it('the event-loop and GC samplers produce plausible rows and remove their timer and observer when off', async () => {
    const target = await startTarget('http-service.cjs');
    const before = await query(target, 'SELECT type, "count" FROM process.resources ORDER BY type');
    await probing([String(target.pid), 'config', 'set', 'sampler.event_loop.interval_ms', '100']);
    await probing([String(target.pid), 'config', 'set', 'sampler.event_loop', 'on']);
    await probing([String(target.pid), 'config', 'set', 'sampler.gc', 'on']);
    await probing([String(target.pid), 'eval', 'garbage()']);
    // a row every 100 ms of the target's time, however the machine shares it out
    let loop: Array<Record<string, unknown>> = [];
    await eventually(async () => (loop = await query(target, 'SELECT interval_ms, p50_ms, p99_ms, max_ms, utilization FROM runtime.event_loop')).length >= 3);
    expect(loop.length).toBeGreaterThanOrEqual(3);
    for (const row of loop) {
      expect(row.interval_ms as number).toBeGreaterThan(50);
      expect(row.p99_ms as number).toBeGreaterThanOrEqual(row.p50_ms as number);
      expect(row.utilization as number).toBeGreaterThanOrEqual(0);
      expect(row.utilization as number).toBeLessThanOrEqual(1);
    }
    const gc = await query(target, 'SELECT kind, duration_ms FROM runtime.gc');
    expect(gc.length).toBeGreaterThan(0);
    expect(gc.every((g) => ['minor', 'major', 'incremental', 'weak_callbacks'].includes(g.kind as string))).toBe(true);
    await probing([String(target.pid), 'config', 'set', 'sampler.event_loop', 'off']);
    await probing([String(target.pid), 'config', 'set', 'sampler.gc', 'off']);
    expect(await query(target, 'SELECT type, "count" FROM process.resources ORDER BY type')).toEqual(before);
    const options = JSON.parse((await probing([String(target.pid), 'config', '--json'])).stdout) as Array<{ key: string; value: unknown }>;
    expect(options.find((o) => o.key === 'sampler.gc')!.value).toBe(false);
    expect(options.find((o) => o.key === 'sampler.event_loop.interval_ms')!.value).toBe(100);
  });

  it('refuses unknown options and bad values with a hint', async () => {
    const target = await startTarget('http-service.cjs');
    const unknown = await probing([String(target.pid), 'config', 'set', 'sampler.nope', 'on']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option "sampler.nope"');
    const bad = await probing([String(target.pid), 'config', 'set', 'sampler.http', 'maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('takes on or off');
    const action = await probing([String(target.pid), 'config', 'get']);
    expect(action.code).toBe(2);
  });
});

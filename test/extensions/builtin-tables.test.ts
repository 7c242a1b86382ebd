import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../src/extensions/builtin/index.js';
import { catalog } from '../../src/extensions/builtin/catalog.js';
import { tablesDoc } from '../../src/extensions/docs.js';
import { expectLeftAsFound, shareTarget } from '../helpers/assertions.js';
import { listeningPorts, pipedRepl, probing, startTarget, type Target } from '../helpers/targets.js';

const declared = catalog(defaultRegistry()).filter((t) => t.columns);
const rows = (stdout: string) => JSON.parse(stdout) as Array<Record<string, unknown>>;

/**
 * The statements' answers in `format`, from one repl run: what followed each prompt is
 * the banner, the ".format" reply, one answer per statement, and the goodbye.
 */
async function answers(pid: number, format: 'csv' | 'json', statements: string[]): Promise<string[]> {
  const result = await pipedRepl(pid, [], [`.format ${format}`, ...statements.map((sql) => `${sql};`)]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const [, formatReply, ...rest] = result.stdout.split(/^sql> /m);
  expect(formatReply).toBe(`format: ${format}\n`);
  expect(rest).toHaveLength(statements.length + 1);
  return rest.slice(0, statements.length);
}

// The tests of a describe share one target: they only read it, and each leaves it as
// found (checked after each); the file kills it at the end.
describe.each([
  ['modules.cjs', 'commonjs', 'process.info'],
  ['modules.mjs', 'esm', 'node.modules'],
])('built-in tables on %s', (fixture, moduleSystem, viaQuery) => {
  let target: Target;
  shareTarget(fixture, {}, (t) => (target = t));

  it('every documented table answers SELECT *, with exactly its declared columns', async () => {
    // all of them in one repl run: its statements go through the same query path and renderer as `query`
    const csv = await answers(target.pid, 'csv', declared.map((t) => `SELECT * FROM ${t.namespace}.${t.name}`));
    declared.forEach((table, i) => {
      expect(csv[i]!.split('\r\n')[0], `${table.namespace}.${table.name}`).toBe(table.columns!.map((c) => c.name).join(','));
    });
    // and one through `probing <pid> query`
    const table = declared.find((t) => `${t.namespace}.${t.name}` === viaQuery)!;
    const query = await probing([String(target.pid), 'query', `SELECT * FROM ${viaQuery}`, '-f', 'csv']);
    expect(query.stderr).toBe('');
    expect(query.code).toBe(0);
    expect(query.stdout.split('\r\n')[0]).toBe(table.columns!.map((c) => c.name).join(','));
  });

  it('node.modules shows the loaded packages with their versions, CommonJS and ESM', async () => {
    const [loaded, pushed, limited] = await answers(target.pid, 'json', [
      "SELECT package, version, kind FROM node.modules WHERE package LIKE 'fixture-%' ORDER BY package",
      // the same answer when the condition is applied inside the target
      "SELECT package, size_bytes FROM node.modules WHERE package = 'fixture-esm'",
      'SELECT path FROM node.modules LIMIT 1',
    ]);
    expect(rows(loaded!)).toEqual([
      { package: 'fixture-cjs', version: '1.2.3', kind: 'commonjs' },
      { package: 'fixture-esm', version: '4.5.6', kind: 'esm' },
    ]);
    expect(rows(pushed!)).toEqual([{ package: 'fixture-esm', size_bytes: readFileSync(new URL('../fixtures/packages/fixture-esm/index.js', import.meta.url)).length }]);
    expect(rows(limited!)).toHaveLength(1);
  });

  it('process.info says which module system the entry point uses', async () => {
    const result = await probing([String(target.pid), 'query', 'SELECT pid, module_system FROM process.info', '-f', 'json']);
    expect(rows(result.stdout)).toEqual([{ pid: target.pid, module_system: moduleSystem }]);
  });
});

/**
 * One server.cjs for the tests below, with secret-looking variables in its environment
 * for process.env; each only reads it and leaves it as found.
 */
let server: Promise<{ target: Target; before: number[] }> | undefined;
function sharedServer() {
  server ??= (async () => {
    const target = await startTarget('server.cjs', { keep: 'file', env: { API_TOKEN: 'hunter2', DB_PASSWORD: 'swordfish', PLAIN_SETTING: 'visible' } });
    return { target, before: await listeningPorts(target.pid) };
  })();
  return server;
}

describe('built-in tables, by what they must show', () => {
  let target: Target;
  let before: number[];
  beforeAll(async () => {
    ({ target, before } = await sharedServer());
  });
  afterEach(() => expectLeftAsFound(target, before));

  it('process.handles shows the port the fixture listens on', async () => {
    const result = await probing([String(target.pid), 'query', "SELECT type, local_address, local_port FROM process.handles WHERE type = 'tcp'", '-f', 'json']);
    expect(result.code).toBe(0);
    expect(rows(result.stdout)).toContainEqual({ type: 'tcp', local_address: '127.0.0.1', local_port: target.port });
    const resources = await probing([String(target.pid), 'query', "SELECT count FROM process.resources WHERE type = 'TCPServerWrap'", '-f', 'json']);
    expect(rows(resources.stdout)).toEqual([{ count: 1 }]);
  });

  it('process.env masks secret-looking values unless --show-secrets', async () => {
    const sql = "SELECT name, value, masked FROM process.env WHERE name IN ('API_TOKEN', 'DB_PASSWORD', 'PLAIN_SETTING') ORDER BY name";
    const masked = await probing([String(target.pid), 'query', sql, '-f', 'json']);
    expect(rows(masked.stdout)).toEqual([
      { name: 'API_TOKEN', value: '********', masked: true },
      { name: 'DB_PASSWORD', value: '********', masked: true },
      { name: 'PLAIN_SETTING', value: 'visible', masked: false },
    ]);
    const shown = await probing([String(target.pid), 'query', sql, '-f', 'json', '--show-secrets']);
    expect(rows(shown.stdout).map((r) => r.value)).toEqual(['hunter2', 'swordfish', 'visible']);
  });

  it('process.memory agrees with what the target reports about itself', async () => {
    const query = await probing([String(target.pid), 'query', 'SELECT rss, heap_total FROM process.memory', '-f', 'json']);
    const self = await probing([String(target.pid), 'eval', '--json', 'process.memoryUsage()']);
    const [q] = rows(query.stdout) as Array<{ rss: number; heap_total: number }>;
    const s = JSON.parse(self.stdout) as { rss: number; heapTotal: number };
    expect(Math.abs(q!.rss - s.rss) / s.rss).toBeLessThan(0.25);
    expect(Math.abs(q!.heap_total - s.heapTotal) / s.heapTotal).toBeLessThan(0.25);
  });

  it('probing.columns matches the declarations', async () => {
    const result = await probing([String(target.pid), 'query', "SELECT \"column\", \"table\" FROM probing.columns WHERE \"table\" = 'process.memory'", '-f', 'json']);
    expect(rows(result.stdout).map((r) => r.column)).toEqual(['rss', 'heap_total', 'heap_used', 'external', 'array_buffers']);
  });
});

describe('the catalog on the command line', () => {
  it('probing tables and probing describe work without a target', async () => {
    const tables = await probing(['tables']);
    expect(tables.code).toBe(0);
    expect(tables.stdout).toMatch(/^TABLE\s+DESCRIPTION/);
    for (const t of declared) expect(tables.stdout).toContain(`${t.namespace}.${t.name}`);
    const describeMemory = await probing(['describe', 'process.memory']);
    expect(describeMemory.code).toBe(0);
    expect(describeMemory.stdout).toContain('heap_used      integer  V8 heap in use');
    const unknown = await probing(['describe', 'process.nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown table process.nope');
    expect(unknown.stderr).toContain('tables in process:');
  });

  it('probing <target> tables names the target', async () => {
    const { target, before } = await sharedServer();
    const result = await probing([String(target.pid), 'tables']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`pid ${target.pid}, Node.js ${process.version}`);
    await expectLeftAsFound(target, before);
  });

  it('docs/tables.md is what the declarations generate (run npm run docs after changing a table)', () => {
    expect(readFileSync(new URL('../../docs/tables.md', import.meta.url), 'utf8')).toBe(tablesDoc(defaultRegistry()));
  });
});

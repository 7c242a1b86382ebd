import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../src/extensions/builtin/index.js';
import { catalog } from '../../src/extensions/builtin/catalog.js';
import { tablesDoc } from '../../src/extensions/docs.js';
import { expectLeftAsFound } from '../helpers/assertions.js';
import { listeningPorts, probing, startTarget } from '../helpers/targets.js';

const declared = catalog(defaultRegistry()).filter((t) => t.columns);
const rows = (stdout: string) => JSON.parse(stdout) as Array<Record<string, unknown>>;

describe.each(['modules.cjs', 'modules.mjs'])('built-in tables on %s', (fixture) => {
  it('every documented table answers SELECT *, with exactly its declared columns', async () => {
    const target = await startTarget(fixture);
    const before = await listeningPorts(target.pid);
    for (const table of declared) {
      const result = await probing([String(target.pid), 'query', `SELECT * FROM ${table.namespace}.${table.name}`, '-f', 'csv']);
      expect(result.stderr, `${table.namespace}.${table.name}`).toBe('');
      expect(result.code, `${table.namespace}.${table.name}`).toBe(0);
      const header = result.stdout.split('\r\n')[0];
      expect(header, `${table.namespace}.${table.name}`).toBe(table.columns!.map((c) => c.name).join(','));
    }
    await expectLeftAsFound(target, before);
  });

  it('node.modules shows the loaded packages with their versions, CommonJS and ESM', async () => {
    const target = await startTarget(fixture);
    const result = await probing([String(target.pid), 'query', "SELECT package, version, kind FROM node.modules WHERE package LIKE 'fixture-%' ORDER BY package", '-f', 'json']);
    expect(result.code).toBe(0);
    expect(rows(result.stdout)).toEqual([
      { package: 'fixture-cjs', version: '1.2.3', kind: 'commonjs' },
      { package: 'fixture-esm', version: '4.5.6', kind: 'esm' },
    ]);
    // the same answer when the condition is applied inside the target
    const pushed = await probing([String(target.pid), 'query', "SELECT package, size_bytes FROM node.modules WHERE package = 'fixture-esm'", '-f', 'json']);
    expect(rows(pushed.stdout)).toEqual([{ package: 'fixture-esm', size_bytes: readFileSync(new URL('../fixtures/packages/fixture-esm/index.js', import.meta.url)).length }]);
    const limited = await probing([String(target.pid), 'query', 'SELECT path FROM node.modules LIMIT 1', '-f', 'json']);
    expect(rows(limited.stdout)).toHaveLength(1);
  });
});

describe('built-in tables, by what they must show', () => {
  it('process.handles shows the port the fixture listens on', async () => {
    const target = await startTarget('server.cjs');
    const result = await probing([String(target.pid), 'query', "SELECT type, local_address, local_port FROM process.handles WHERE type = 'tcp'", '-f', 'json']);
    expect(result.code).toBe(0);
    expect(rows(result.stdout)).toContainEqual({ type: 'tcp', local_address: '127.0.0.1', local_port: target.port });
    const resources = await probing([String(target.pid), 'query', "SELECT count FROM process.resources WHERE type = 'TCPServerWrap'", '-f', 'json']);
    expect(rows(resources.stdout)).toEqual([{ count: 1 }]);
  });

  it('process.env masks secret-looking values unless --show-secrets', async () => {
    const target = await startTarget('server.cjs', { env: { API_TOKEN: 'hunter2', DB_PASSWORD: 'swordfish', PLAIN_SETTING: 'visible' } });
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
    const target = await startTarget('server.cjs');
    const query = await probing([String(target.pid), 'query', 'SELECT rss, heap_total FROM process.memory', '-f', 'json']);
    const self = await probing([String(target.pid), 'eval', '--json', 'process.memoryUsage()']);
    const [q] = rows(query.stdout) as Array<{ rss: number; heap_total: number }>;
    const s = JSON.parse(self.stdout) as { rss: number; heapTotal: number };
    expect(Math.abs(q!.rss - s.rss) / s.rss).toBeLessThan(0.25);
    expect(Math.abs(q!.heap_total - s.heapTotal) / s.heapTotal).toBeLessThan(0.25);
  });

  it('process.info says which module system the entry point uses', async () => {
    const cjs = await startTarget('server.cjs');
    const esm = await startTarget('server.mjs');
    const info = async (pid: number) => rows((await probing([String(pid), 'query', 'SELECT pid, module_system FROM process.info', '-f', 'json'])).stdout)[0];
    expect(await info(cjs.pid)).toEqual({ pid: cjs.pid, module_system: 'commonjs' });
    expect(await info(esm.pid)).toEqual({ pid: esm.pid, module_system: 'esm' });
  });

  it('probing.columns matches the declarations', async () => {
    const target = await startTarget('server.cjs');
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
    const target = await startTarget('server.cjs');
    const result = await probing([String(target.pid), 'tables']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`pid ${target.pid}, Node.js ${process.version}`);
  });

  it('docs/tables.md is what the declarations generate (run npm run docs after changing a table)', () => {
    expect(readFileSync(new URL('../../docs/tables.md', import.meta.url), 'utf8')).toBe(tablesDoc(defaultRegistry()));
  });
});

// The package as a new user gets it: packed, installed from the tarball alone into an
// empty folder (no registry: --offline; DuckDB's optional native module comes from
// npm's cache when it is there, else is skipped), and run from there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget } from '../helpers/targets.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let dir: string;
let tarball: string;
let files: string[];

function sizeOf(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

/** The packages installed under node_modules (scoped ones included), by name. */
function installed(modules: string): string[] {
  if (!existsSync(modules)) return [];
  return readdirSync(modules).flatMap((name) =>
    name.startsWith('.') ? [] : name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name],
  );
}

const cli = (...args: string[]) => spawnSync(join(dir, 'node_modules', '.bin', 'probing'), args, { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'probing-pack-'));
  // dist/ is what `npm test` has just built: packed as it is
  const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8' })) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(dir, packed[0]!.filename);
  files = packed[0]!.files.map((f) => f.path);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'empty-folder', version: '1.0.0', private: true }));
  execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package, installed from its tarball alone', () => {
  it('ships the bundle, entry points with types, examples, demo and docs — no sources, no source maps', () => {
    expect(files).toContain('dist/cli.cjs');
    expect(files).toContain('dist/libs/arrow.cjs');
    expect(files).toContain('dist/compile-cache.cjs');
    expect(files).toContain('dist/bundle.json');
    expect(files).toContain('dist/runtime/index.d.cts');
    expect(files).toContain('dist/agent/index.d.mts');
    expect(files).toContain('examples/extensions/js-queue/ext.cjs');
    expect(files).toContain('demo/service.js');
    expect(files).toContain('docs/security.md');
    expect(files).toContain('LICENSE');
    // the bundle carries its dependencies' licences
    expect(files.some((f) => f.endsWith('.LEGAL.txt'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('build/') || f.startsWith('test/') || f.startsWith('scripts/'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(dir, 'node_modules', 'probing-node', 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(Object.keys(manifest.optionalDependencies ?? {})).toEqual(['@duckdb/node-bindings']);
  });

  it('installs one package (and DuckDB, optional), no react-native, small', () => {
    const modules = join(dir, 'node_modules');
    const names = installed(modules);
    const duckdb = names.filter((n) => n.startsWith('@duckdb/'));
    const others = names.filter((n) => !n.startsWith('@duckdb/'));
    const ownSize = sizeOf(join(modules, 'probing-node'));
    console.log(`installed from the tarball: ${others.length} package(s) besides DuckDB (${others.join(', ')}), ${(ownSize / 1024 / 1024).toFixed(1)} MiB; DuckDB: ${duckdb.length ? `${duckdb.join(', ')}, ${(duckdb.reduce((s, n) => s + sizeOf(join(modules, n)), 0) / 1024 / 1024).toFixed(0)} MiB` : 'not in the cache, skipped'}`);
    expect(others).toEqual(['probing-node']);
    expect(names.some((n) => n.includes('react-native'))).toBe(false);
    expect(ownSize).toBeLessThan(5 * 1024 * 1024);
  });

  it('runs: --version, tables, a query and an eval against a real target', async () => {
    const version = cli('--version');
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    const tables = cli('tables');
    expect(tables.status).toBe(0);
    expect(tables.stdout).toContain('process.memory');
    const target = await startTarget('server.cjs');
    const query = cli(String(target.pid), 'query', 'SELECT pid FROM process.info', '-f', 'json');
    // without DuckDB (not in npm's cache, so skipped offline) the answer comes from alasql, and it says so
    expect(query.stderr).toMatch(/^(probing: SQL engine: alasql, because DuckDB cannot load here \(@duckdb\/node-bindings is not installed\)[^\n]*\n)?$/);
    expect(JSON.parse(query.stdout)).toEqual([{ pid: target.pid }]);
    const engine = cli(String(target.pid), 'query', 'SELECT count(*) AS n FROM process.memory WHERE rss > 0', '-f', 'json');
    expect(JSON.parse(engine.stdout)).toEqual([{ n: 1 }]);
    const evaluated = cli(String(target.pid), 'eval', 'state.name');
    expect(evaluated.stdout.trim()).toBe("'cjs-fixture'");
  });

  it('its runtime and agent type-check from the package alone (no @types/node, no skipLibCheck)', () => {
    writeFileSync(
      join(dir, 'uses.ts'),
      [
        "import { table } from 'probing-node/runtime';",
        "import { socketPath } from 'probing-node/agent';",
        "const t = table('requests', { capacity: 100 });",
        "t.append({ route: '/', ms: 3 });",
        'export const where: string = socketPath(1234, {}, 1000);',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', noEmit: true, types: [], skipLibCheck: false }, files: ['uses.ts'] }));
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});

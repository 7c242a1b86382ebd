// What a command loads: the big libraries are files of their own (dist/libs/), so that
// --help, --version and eval load no SQL engine and no Arrow (they are most of the
// bundle's size), and a query loads Arrow.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTarget } from '../helpers/targets.js';

const bin = fileURLToPath(new URL('../../bin/probing.js', import.meta.url));

/** The bundle files a command loaded (Node's own module log), and whether any holds Arrow, alasql or DuckDB. */
function loads(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NODE_DEBUG: 'module', NO_COLOR: '1' } });
  expect(result.status, result.stderr).toBe(0);
  const files = [...new Set([...result.stderr.matchAll(/^MODULE \d+: load "([^"]+)"/gm)].map((m) => m[1]!))].filter((f) => /[\\/]dist[\\/]/.test(f));
  expect(files.some((f) => f.endsWith('cli.cjs')) || args[0] === '--version').toBe(true);
  const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  return {
    files: files.length,
    arrow: text.includes('RecordBatchReader=class'),
    alasql: files.some((f) => /[\\/]alasql\.cjs$/.test(f)),
    duckdb: files.some((f) => /[\\/]duckdb\.cjs$/.test(f)),
  };
}

describe('what each command loads', () => {
  it('--version, --help and eval load no SQL engine and no Arrow; a query through the engine does', async () => {
    const target = await startTarget('server.cjs');
    for (const args of [['--version'], ['--help'], [String(target.pid), 'eval', '1+1']]) {
      const loaded = loads(...args);
      expect({ args, ...loaded, files: undefined }).toEqual({ args, arrow: false, alasql: false, duckdb: false, files: undefined });
    }
    const query = loads(String(target.pid), 'query', 'SELECT count(*) AS n FROM process.memory WHERE rss > 0', '--engine', 'alasql');
    expect(query).toMatchObject({ arrow: true, alasql: true, duckdb: false });
    const duck = loads(String(target.pid), 'query', 'SELECT count(*) AS n FROM process.memory WHERE rss > 0', '--engine', 'duckdb');
    expect(duck).toMatchObject({ arrow: true, alasql: false, duckdb: true });
  });
});
